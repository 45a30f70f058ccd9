"""The explicit rule registry (no string imports: PyInstaller must see every module).

Each rule is ``def rule(ctx: Context) -> Finding | None``, one per finding code, with a
docstring naming the AWS documentation or behaviour it encodes.
"""
from __future__ import annotations

from agent.rules import dns, linux, local, macos, tunnel, windows

RULES = (
    tunnel.vpn_not_connected,
    tunnel.stale_vpn_dns_after_disconnect,
    tunnel.multiple_vpn_dns_conflict,
    tunnel.custom_dns_no_route,
    tunnel.route_outside_tunnel,
    tunnel.lan_overlaps_vpc,
    tunnel.dns_server_linklocal,
    tunnel.dns_server_is_other_vpc_plus2,
    tunnel.ipv6_dns_leak,
    dns.full_tunnel_public_dns_no_egress,
    dns.local_dns_bypasses_tunnel,
    dns.no_custom_dns_private_names,
    dns.custom_dns_unreachable,
    dns.secondary_dns_unreachable,
    dns.primary_servfail_no_failover,
    dns.dns_tcp53_blocked,
    dns.dns_udp_blocked,
    dns.phz_not_associated,
    dns.public_answer_for_private_service,
    dns.pushed_dns_not_applied,
    dns.system_resolver_disagrees,
    dns.endpoint_name_unresolvable,
    dns.stale_positive_cache,
    dns.single_label_name_fails,
    dns.dns_large_answer_lost,
    dns.dns_firewall_blocks,
    tunnel.saml_login_not_completed,
    linux.linux_resolved_vpn_not_default,
    linux.linux_resolv_conf_not_stub,
    *local.RULES,
    *macos.RULES,
    *windows.RULES,
)
