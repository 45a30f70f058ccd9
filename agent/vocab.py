"""The diagnosis' vocabulary as typed constants: every finding code and scenario id.

Rules, the classifier and the path model name codes and scenarios through these
(``Code.DNS_TCP53_BLOCKED``), never as string literals, so a misspelling fails at import or
in the type checker instead of silently never matching.  The values are the stable strings
of the report contract (codes are added, never renamed); tests/test_vocab.py checks that
:class:`Code` is exactly the finding catalogue (agent/findings.py) and :class:`ScenarioId`
exactly the scenario titles (agent/scenarios.py).
"""
from __future__ import annotations

from typing import Final


class Code:
    """Finding codes (agent/findings.py documents each: ``cvpn-doctor explain CODE``)."""
    BROWSER_SECURE_DNS: Final = "browser-secure-dns"
    CONTAINER_DNS_NOT_VPN: Final = "container-dns-not-vpn"
    CUSTOM_DNS_NO_ROUTE: Final = "custom-dns-no-route"
    CUSTOM_DNS_UNREACHABLE: Final = "custom-dns-unreachable"
    DNS_FIREWALL_BLOCKS: Final = "dns-firewall-blocks"
    DNS_LARGE_ANSWER_LOST: Final = "dns-large-answer-lost"
    DNS_SERVER_IS_OTHER_VPC_PLUS2: Final = "dns-server-is-other-vpc-plus2"
    DNS_SERVER_LINKLOCAL: Final = "dns-server-linklocal"
    DNS_TCP53_BLOCKED: Final = "dns-tcp53-blocked"
    DNS_UDP_BLOCKED: Final = "dns-udp-blocked"
    ENDPOINT_NAME_UNRESOLVABLE: Final = "endpoint-name-unresolvable"
    FULL_TUNNEL_PUBLIC_DNS_NO_EGRESS: Final = "full-tunnel-public-dns-no-egress"
    HOSTS_FILE_OVERRIDE: Final = "hosts-file-override"
    IPV6_DNS_LEAK: Final = "ipv6-dns-leak"
    LAN_OVERLAPS_VPC: Final = "lan-overlaps-vpc"
    LINUX_RESOLV_CONF_NOT_STUB: Final = "linux-resolv-conf-not-stub"
    LINUX_RESOLVED_VPN_NOT_DEFAULT: Final = "linux-resolved-vpn-not-default"
    LOCAL_DNS_AGENT: Final = "local-dns-agent"
    LOCAL_DNS_BYPASSES_TUNNEL: Final = "local-dns-bypasses-tunnel"
    MACOS_RESOLV_CONF_NOT_VPN: Final = "macos-resolv-conf-not-vpn"
    MACOS_VPN_RESOLVER_NOT_USED: Final = "macos-vpn-resolver-not-used"
    MULTIPLE_VPN_DNS_CONFLICT: Final = "multiple-vpn-dns-conflict"
    NO_CUSTOM_DNS_PRIVATE_NAMES: Final = "no-custom-dns-private-names"
    OTHER_VPN_TAKES_DNS: Final = "other-vpn-takes-dns"
    PHZ_NOT_ASSOCIATED: Final = "phz-not-associated"
    PRIMARY_SERVFAIL_NO_FAILOVER: Final = "primary-servfail-no-failover"
    PUBLIC_ANSWER_FOR_PRIVATE_SERVICE: Final = "public-answer-for-private-service"
    PUSHED_DNS_NOT_APPLIED: Final = "pushed-dns-not-applied"
    ROUTE_OUTSIDE_TUNNEL: Final = "route-outside-tunnel"
    SAML_LOGIN_NOT_COMPLETED: Final = "saml-login-not-completed"
    SECONDARY_DNS_UNREACHABLE: Final = "secondary-dns-unreachable"
    SINGLE_LABEL_NAME_FAILS: Final = "single-label-name-fails"
    STALE_POSITIVE_CACHE: Final = "stale-positive-cache"
    STALE_VPN_DNS_AFTER_DISCONNECT: Final = "stale-vpn-dns-after-disconnect"
    SYSTEM_RESOLVER_DISAGREES: Final = "system-resolver-disagrees"
    VPN_NOT_CONNECTED: Final = "vpn-not-connected"
    WINDOWS_FULL_TUNNEL_DNS_FORCED: Final = "windows-full-tunnel-dns-forced"
    WINDOWS_MULTIHOMED_DNS: Final = "windows-multihomed-dns"
    WINDOWS_NRPT_GPO_OVERRIDE: Final = "windows-nrpt-gpo-override"
    WSL_DNS_NOT_VPN: Final = "wsl-dns-not-vpn"


class ScenarioId:
    """The documented AWS Client VPN DNS scenarios, plus not-connected and cannot-tell."""
    NOT_CONNECTED: Final = "not-connected"
    S1_LOCAL_DNS: Final = "S1-local-dns"
    S1_PUBLIC_DNS: Final = "S1-public-dns"
    S2_CUSTOM_DNS_SPLIT: Final = "S2-custom-dns-split"
    S3_CUSTOM_DNS_FULL: Final = "S3-custom-dns-full"
    S0_NO_CUSTOM_DNS_SPLIT: Final = "S0-no-custom-dns-split"
    CANNOT_TELL: Final = "cannot-tell"


def values(namespace: type) -> frozenset[str]:
    """Every constant a vocabulary class defines."""
    return frozenset(v for k, v in vars(namespace).items() if k.isupper() and isinstance(v, str))
