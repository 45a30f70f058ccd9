"""Exact expectations for every pasted output and every macOS/Windows fixture set.

Each row is the scenario, the FULL set of finding codes and the verdict that ``analyze``
gives for one fixture pasted alone (tests/fixtures/{macos,windows,ticket,linux,vpn}), or for
a set of captures of one machine.  ``None``: not recognised alone (a registry export, a D-Bus
dump: read only beside the outputs they belong to).  Written after reading each fixture:

- an interface list or an IPv4 routing table that names every interface (tun0, utun3, en0,
  or a Windows route print with its Interface List) and shows no tunnel up: not-connected;
- a Windows table that names interfaces by address, index or alias only: cannot tell;
- DNS configuration, route lookups, a VPN log or profile alone: cannot tell (whether a
  tunnel is up is not shown), unless the text itself shows a problem (an endpoint name that
  did not resolve, another VPN or several adapters holding the DNS);
- nothing pasted is probed, so no paste is ever healthy.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from agent import run
from agent.analyze import AnalyzeError, analyze_path
from agent.model import Platform, ProbeRun, RawCapture, Report, SourceCapture, SourceKind

FIX = Path(__file__).parent / "fixtures"

PASTES = {
    "macos/ifconfig--jc-osx-10.14.6-system-utuns.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "macos/netstat-rn--docksal-1489-full-tunnel-default-utun2.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/netstat-rn--iproute2mac-32-macos-10.15-no-vpn.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "macos/netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "macos/netstat-rn--jenkins-5209-openvpn-split-utun4.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/netstat-rn--sshuttle-864-wireguard-default-utun.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/netstat-rn--teleport-66851-inet6-utun.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/netstat-rn--tun2socks-89-def1-halves-utun2.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/netstat-rn--wireguard-tools-pr8-def1-link-gateway.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/resolv-conf--team51-161-macos-notice.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/route-get--constructed-not-in-table.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/route-get--graphpath-5-default-en0.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/route-get--neofetch-2361-default-en0.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/route-get--neofetch-2361-half-default-utun3.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/route-get--neofetch-2361-two-lookups-with-prompts.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/route-get--tunnelblick-589-dns-via-en0-ifscope.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--eduvpn-apple-314-fragment-scoped-utun-ipv6.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--eduvpn-macos-144-no-default-scoped-utun.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--macos-10.8-ppp-vpn-bare-reach.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--openfortivpn-534-supplemental-ppp-redacted.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--tailscale-1891-default-en0.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--tailscale-952-supplemental-search-and-domain.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--team51-161-no-vpn-resolv-conf.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--testssl-395-macos-10.12-bare-reach-pdns.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--tunnelblick-452-unlabelled-reach-scoped-utun.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-dns--tunnelblick-589-default-en0-no-order.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-nwi--net-creds-6-macos-10.10-old-format.out": ("cannot-tell", set(), "cannot-tell"),
    "macos/scutil-nwi--notes-dual-stack-en0.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/cmdlet-adapters--ps51-single.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/cmdlet-dns-servers--ps51-raw.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/cmdlet-ip-interfaces--ps51-raw.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/cmdlet-ip-interfaces--ps7-strings.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    # routes through 'イーサネット 2' (the AWS TAP adapter of the multihomed set) named by alias only: was
    # not-connected, the tunnel unknown without the adapter list (fixed in facts, issue 23)
    "windows/cmdlet-routes--ps51-raw.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ipconfig--de-tap-disconnected.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--de-win11-wlan.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--en-awsdocs-flush-left-tap.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--en-container-two-ipv4.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--en-firezone-10387-ec2-cut.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ipconfig--en-from-de-win11-wlan.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--en-from-ja-win11-vbox.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--en-netbird-987-ps-prompt-cut.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--en-netbird-987-wireguard-cut.out": ("cannot-tell", set(), "cannot-tell"),
    # NordLynx up with its own DNS beside Ethernet's 1.1.1.1: another VPN, several adapters with DNS;
    # no routing table, so split/full is unknown
    # NordLynx is the only tunnel up: no AWS tunnel for it to take names from
    "windows/ipconfig--en-nordlynx-dco-flush-left.out": ("cannot-tell", {"windows-multihomed-dns"}, "degraded"),
    "windows/ipconfig--en-sv-lethean-77-tap-placeholder-zone.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ipconfig--en-win10-tailscale.out": ("cannot-tell", set(), "cannot-tell"),
    # WARP's tunnel with DNS 127.0.2.2/.3 (a local agent) beside the Wi-Fi's; no routing table
    "windows/ipconfig--es-cloudflare-warp.out": ("cannot-tell", {"local-dns-agent", "windows-multihomed-dns"}, "degraded"),
    "windows/ipconfig--es-openvpn-747-wifi-headerless.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--fr-dns-servers-fragment.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ipconfig--fr-header-indented-like-fields.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--fr-static-no-gateway-header-indented.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--fr-title-prompt-indent4.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--ja-ppp-vpn-excerpt.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ipconfig--ja-win11-vbox.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--ko-parallels-mark-isatap-teredo.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--ko-tab-indented.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--pt-annotated-headers.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--pt-masked-values.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--ru-softether-elided.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--zh-openvpn-tap-unknown-adapter.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--zh-pptp-ppp-vpn.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ipconfig--zh-win7-isatap-teredo.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ipconfig--zh-wlan-no-title-no-blank.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/netsh-interfaces--pre-tag-blog.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/netsh-interfaces--wsl-anyconnect-metric.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/powershell--aws-full-tunnel-local-dns.out": ("cannot-tell", set(), "cannot-tell"),
    # the AWS TAP with 10.0.0.2 and split routes, Wi-Fi with 192.168.1.1: both asked (smart multi-homed)
    "windows/powershell--aws-split-multihomed.out": ("S2-custom-dns-split", {"windows-multihomed-dns"}, "degraded"),
    "windows/powershell--ps51-single-items-disconnected.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-dnsclientserveraddress--de-instanz.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-dnsclientserveraddress--firezone-10387-backtick-prompt.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-dnsclientserveraddress--fr-vm-truncated.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-dnsclientserveraddress--nl-indented-prompt.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-dnsclientserveraddress--synapse-msftvpn.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-dnsclientserveraddress--zetcode-misaligned.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-netadapter--ca-list-down.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netadapter--ca-table-truncated.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netadapter--de-virtio.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netadapter--ja-hidden-ellipsis.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netadapter--ja-list-wsl.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netadapter--ru-mac-truncated.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipconfiguration--ca-wifi.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipconfiguration--de-virtio-dns-wrapped.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipconfiguration--detailed-apipa-truncated-desc.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipconfiguration--pl-six-adapters-zerotier.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-netipconfiguration--ru-detailed-vagrant.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipinterface--anyconnect-persistent-rows.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipinterface--de-instanz.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipinterface--ja-wide-aliases-no-store.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/ps-netipinterface--ru-radmin-teredo-truncated.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-netipinterface--windowsserverdocs-5949-collapsed-rows.out": ("cannot-tell", set(), "cannot-tell"),
    # Get-NetRoute by ifIndex only: the index tells no adapter kind (was not-connected)
    "windows/ps-netroute--ca-wifi-default.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-netroute--cisco-wsl2-7-headerless-cut.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-netroute--dcos-indented-persistent-truncated.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-nrpt--ft-table-tilde-prompt.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-nrpt--msdocs-dnssec-trailing-spaces.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-nrpt--msdocs-double-spaced.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/ps-nrpt--nrpt-rule-dnsmasq-test.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--constructed-log-prefixed-halves.out": ("cannot-tell", set(), "cannot-tell"),
    # an AnyConnect split table, interfaces by address only and no Interface List: was not-connected
    "windows/route-print--de-anyconnect-split.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--de-win11.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/route-print--en-container-indented.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/route-print--en-frostwire-642-expressvpn-isatap-cut.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--en-openvpn-halves-fragment.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--en-win10.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--ja-xen.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    # two defaults on two addresses, no Interface List: either may be a tunnel (was not-connected)
    "windows/route-print--ru-elided-two-defaults.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--ru-lone-interface-list.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "windows/route-print--ru-outline-251-tap-isatap-list-cut.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--ru-win11-wintun-default.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/route-print--zh-openvpn-tap-def1.out": ("cannot-tell", set(), "cannot-tell"),
    "windows/winreg-nrpt--empty.out": None,
    "windows/winreg-nrpt--gpo-overrides-local.out": None,
    "windows/winreg-nrpt--local-catchall-smart-off.out": None,
    "windows/winreg-nrpt--reg-query-gpo.out": ("cannot-tell", set(), "cannot-tell"),
    # the log pushes 192.168.0.2 (full tunnel) which no adapter has and the LAN default routes; Tailscale's
    # adapter and the LAN carry DNS too
    "ticket/ticket--email-reply-windows-four-outputs.out": ("S3-custom-dns-full", {"other-vpn-takes-dns", "pushed-dns-not-applied", "route-outside-tunnel", "windows-multihomed-dns"}, "broken"),
    "ticket/ticket--serverfault-1172890-netstat-r-and-route-n.out": ("cannot-tell", set(), "cannot-tell"),
    "ticket/ticket--ubuntuforums-wireless-info-pia-tun0-nmcli.out": ("cannot-tell", set(), "cannot-tell"),
    "ticket/ticket--ubuntuforums-wireless-info-trusty-def1-tun0.out": ("cannot-tell", set(), "cannot-tell"),
    "ticket/ticket--zh-netroute-then-netipconfiguration-no-prompt.out": ("cannot-tell", set(), "cannot-tell"),
    "ticket/parts/get-dnsclientserveraddress--synapse-readme.txt": ("cannot-tell", set(), "cannot-tell"),
    "ticket/parts/ipconfig--de-quoted-command-one-line.txt": ("cannot-tell", set(), "cannot-tell"),
    "ticket/parts/ipconfig--de-word-export-italics.txt": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/ifconfig_linux--cn-centos-openvpn-client-tun0.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ifconfig_linux--kali-htb-prompt-elision.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ifconfig_linux--korean-blog-two-space-indent.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ifconfig_linux--ubuntuforums-wireless-info-masked-names.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/interfaces--debian12-eth0.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/interfaces--netns-full-tunnel.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route--centos-7.7-text.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/ip_route--netns-full-tunnel-text.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route--openvpn-def1-text.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route4--debian12-eth0.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/ip_route4--netns-full-tunnel.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route6--debian12-eth0.out": ("cannot-tell", set(), "cannot-tell"),   # a tunnel need not carry IPv6
    "linux/ip_route6--netns-full-tunnel.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route_get--debian12-eth0.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route_get--netns-ipv6.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route_get--netns-tun0-text.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_route_get--netns-tun0.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_rule--netns-fwmark-text.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/ip_rule--netns-fwmark.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/nmcli--centos-7.7-three-devices.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/nmcli--nm-testsuite-terse-all-eth0.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/nmcli--ubuntuforums-wireless-info-pia-tun0.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/nsswitch--debian12.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/nsswitch--lfs-resolve.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/proc_net_route--debian12-eth0.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/proc_net_route--jc-ens33.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/proc_net_route--netns-full-tunnel.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--debian-resolvconf.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--debian12-container.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--dhcpcd-openvpn3-linux-121.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--ipv6-zone.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--networkmanager.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--openvpn-block.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--openvpn3-linux-121-generated.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--systemd-stub.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolv_conf--wsl-prompt.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v239-tun0-no-defaultroute.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v245-wlan0-eth0-tilde-dot.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v247-stub-wlp4s0.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v252-lab-foreign.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v256-link-local-server.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v257-vpn-split-domains.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolvectl--v258-fallback-default-route.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/resolved_dbus--constructed-aws-vpn-tilde-dot.out": None,
    "linux/resolved_dbus--v252-lab-foreign.out": None,
    "linux/route_n--azure-docs-nl-netstat-r-names.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/route_n--cn-openvpn-blog-trailing-comments.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/route_n--es-openvpn-guide-elision.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/route_n--kvpnc-forum-masked-x-rows.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/route_n--serverfault-1172890-masked-public-ip.out": ("cannot-tell", set(), "cannot-tell"),
    "linux/route_n--ubuntuforums-route-without-n-names.out": ("not-connected", {"vpn-not-connected"}, "not-connected"),
    "linux/route_n--ubuntuforums-wireless-info-def1-tun0.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/aws-vpn-cli--connect-output.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/aws-vpn-cli--connection-status-disconnected.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/aws-vpn-cli--list-connections-none.out": None,
    "vpn/aws-vpn-cli--list-connections-one.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--2.7-dns-option-net30.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--android-logcat-machine-readable.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--android-masked-full-tunnel.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--aws-configure-dns-fedora40-4.1.0.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--aws-gui-6x-saml-never-completed.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--aws-gui-6x-saml-required-then-connected.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--aws-service-fedora36-configure-dns-failed.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--aws-service-fedora40-4.1.0-pid-wrapped.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--awsdocs-full-tunnel-custom-dns.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--console-auth-prompts-tun-fatal.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--constructed-no-timestamps.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--constructed-shell-prompt-2.6.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--constructed-two-sessions-newest-first.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--json-lines-management-full-tunnel.out": ("cannot-tell", set(), "cannot-tell"),
    # a log alone: the endpoint name did not resolve (an error), everything else unknown
    "vpn/openvpn-log--networkmanager-endpoint-unresolvable.out": ("cannot-tell", {"endpoint-name-unresolvable"}, "broken"),
    "vpn/openvpn-log--networkmanager-journal-reconnect-fatal.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--networkmanager-l2tp-ppp0-vpn-connection.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--openvpn-connect-macos-dns-resolve-error.out": ("cannot-tell", {"endpoint-name-unresolvable"}, "broken"),
    "vpn/openvpn-log--openvpn-connect-windows-3.2-auth-failed-then-split.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--openvpn-gui-tap-win32-net30-split.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--openvpn3-core-android-options-full.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--openvpn3-linux-admin-journal-disconnected.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--openvpn3-log-service-file-disconnect.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--qubes-journal-openvpn-tun0.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--rhel-split-custom-dns.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--saml-challenge-then-connected.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--saml-redirect-script-2.5.5.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--saml-response-auth-failed.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--server-pivpn-syslog-not-client.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--tunnelblick-connection-reset.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--tunnelblick-duo-challenge-not-saml.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--tunnelblick-utun2-block-outside-dns-unsupported.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/openvpn-log--ubuntu-split-no-dns-disconnect.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/ovpn-profile--cert-paths-ap-southeast-1.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/ovpn-profile--export-us-west-2.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/ovpn-profile--inline-keys-tcp-dns.out": ("cannot-tell", set(), "cannot-tell"),
    "vpn/ovpn-profile--random-prefix-ap-northeast-1.out": ("cannot-tell", set(), "cannot-tell"),
}

# The pasted fixtures of every platform directory are all in the table (a new one needs its row).
_PASTED = sorted(f"{p.parent.relative_to(FIX).as_posix()}/{p.name}"
                 for sub in ("macos", "windows", "ticket", "ticket/parts", "linux", "vpn")
                 for p in (FIX / sub).iterdir()
                 if p.is_file() and p.suffix in (".out", ".txt"))


def test_every_pasted_fixture_has_a_row() -> None:
    assert sorted(PASTES) == _PASTED


def pasted(key: str) -> Report | None:
    """``analyze`` of one pasted fixture, None when it is not recognised alone.  Once per test
    process: this table, the diagnosis text and the facts text all read the same report.  The
    cache is keyed by the process id: mutmut runs the tests once unmutated and then forks a
    child per mutant, which must not inherit the unmutated reports."""
    return _pasted(key, os.getpid())


@functools.cache
def _pasted(key: str, _pid: int) -> Report | None:
    try:
        return analyze_path(FIX / key).report
    except AnalyzeError:
        return None


@pytest.mark.parametrize("key", sorted(PASTES))
def test_a_paste_gives_exactly_its_expected_diagnosis(key: str) -> None:
    expected = PASTES[key]
    if expected is None:
        with pytest.raises(AnalyzeError):
            analyze_path(FIX / key)
        return
    report = pasted(key)
    assert report is not None
    got = (report.scenario.id, {f.code for f in report.findings}, report.verdict.value)
    assert got == expected, [(f.code, f.evidence) for f in report.findings] or report.scenario.evidence


# --------------------------------------------------------------------------- sets of one machine's captures

def _set(platform: Platform, **files: str) -> RawCapture:
    caps = []
    for sid, name in files.items():
        text = name if "\n" in name else (FIX / platform.value / name).read_text(encoding="utf-8")
        caps.append(SourceCapture(id=sid.replace("_", "-"), kind=SourceKind.COMMAND, text=text))
    return RawCapture(platform=platform, collected_at="2026-11-28T12:00:00Z", sources=tuple(caps))


def diagnose(raw: RawCapture) -> Report:
    return run.assemble(raw, run.reparse(raw), ProbeRun(), (), {}, ())


def set_report(key: str) -> Report:
    """The report of one fixture set of SETS, once per test process (as ``pasted``)."""
    return _set_report(key, os.getpid())


@functools.cache
def _set_report(key: str, _pid: int) -> Report:
    return diagnose(SETS[key][0])


# A CONSTRUCTED scutil --dns in the format of the fixtures (scutil-dns--tunnelblick-589-*, -250-*):
# the LAN gives an IPv6 resolver on en0, the VPN's resolver sits on utun3 (custom DNS).
SCUTIL_V6_LAN = """DNS configuration

resolver #1
  nameserver[0] : 10.0.0.2
  if_index : 17 (utun3)
  flags    : Request A records
  reach    : 0x00000003 (Reachable,Transient Connection)
  order    : 100000

resolver #2
  nameserver[0] : 2001:db8:1::1
  nameserver[1] : 192.168.1.1
  if_index : 4 (en0)
  flags    : Request A records, Request AAAA records
  reach    : 0x00020002 (Reachable,Directly Reachable Address)
  order    : 200000
"""
NETSTAT_V4_SPLIT = """Routing tables

Internet:
Destination        Gateway            Flags        Netif Expire
default            192.168.1.1        UGSc           en0
10.0/16            10.0.0.1           UGSc         utun3
10.0.0.1           10.0.0.9           UH           utun3
192.168.1          link#4             UCS            en0      !
"""
NETSTAT_V6_LAN_ONLY = """Routing tables

Internet6:
Destination                             Gateway                                 Flags         Netif Expire
default                                 fe80::1%en0                             UGc             en0
::1                                     ::1                                     UHL             lo0
2001:db8:1::/64                         link#4                                  UC              en0
fe80::%utun3/64                         fe80::a1b2:c3d4:e5f6:1%utun3            UcI           utun3
"""

SETS = {
    # the same sets as the monotonicity test (real captures of one machine each)
    "windows/split-multihomed+nrpt": (
        _set(Platform.WINDOWS, powershell="powershell--aws-split-multihomed.out", winreg_nrpt="winreg-nrpt--empty.out"),
        ("S2-custom-dns-split", {"windows-multihomed-dns"}, "degraded")),
    "windows/split-multihomed+nrpt-gpo": (
        # the same machine with a Group Policy NRPT that overrides the local rules (a real export)
        _set(Platform.WINDOWS, powershell="powershell--aws-split-multihomed.out",
             winreg_nrpt="winreg-nrpt--gpo-overrides-local.out"),
        # (the VPN adapter's 10.0.0.2 is still asked first: the ignored local rule is a warning)
        ("S2-custom-dns-split", {"windows-multihomed-dns", "windows-nrpt-gpo-override"}, "degraded")),
    "windows/full-tunnel-local-dns": (
        # full tunnel through the AWS TAP, only the LAN's resolver in use and no VPN log: whether
        # the endpoint pushes DNS (S3 not applied) or none (S1) is unknown
        _set(Platform.WINDOWS, powershell="powershell--aws-full-tunnel-local-dns.out"),
        ("cannot-tell", set(), "cannot-tell")),
    "windows/disconnected+nrpt": (
        # the TAP is disconnected, but OpenVPN's local NRPT catch-all rule ("." -> 10.0.0.2) is still
        # there: every name still goes to the VPN's server, unreachable now
        _set(Platform.WINDOWS, powershell="powershell--ps51-single-items-disconnected.out",
             winreg_nrpt="winreg-nrpt--local-catchall-smart-off.out"),
        ("not-connected", {"vpn-not-connected", "stale-vpn-dns-after-disconnect"}, "broken")),
    "macos/supplemental-utun+def1-routes": (
        # eduVPN's resolver on utun2 is Supplemental without a match domain: no app asks it, while the
        # 0/1 + 128/1 halves send everything into utun2; custom DNS observed on the tunnel link
        _set(Platform.MACOS, scutil_dns="scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out",
             netstat_inet="netstat-rn--tun2socks-89-def1-halves-utun2.out"),
        ("S3-custom-dns-full", {"macos-vpn-resolver-not-used"}, "degraded")),
    # issue 23: the IPv6 LAN resolver beside the VPN's DNS, IPv6 routes not captured: not known
    # where IPv6 goes, so no ipv6-dns-leak (unknown is not absent) -- and it fires once they are.
    "macos/ipv6-lan-resolver-no-inet6-table": (
        _set(Platform.MACOS, scutil_dns=SCUTIL_V6_LAN, netstat_inet=NETSTAT_V4_SPLIT),
        ("S2-custom-dns-split", set(), "cannot-tell")),
    "macos/ipv6-lan-resolver-inet6-table-lan-only": (
        _set(Platform.MACOS, scutil_dns=SCUTIL_V6_LAN, netstat_inet=NETSTAT_V4_SPLIT, netstat_inet6=NETSTAT_V6_LAN_ONLY),
        ("S2-custom-dns-split", {"ipv6-dns-leak"}, "degraded")),
}


@pytest.mark.parametrize("key", sorted(SETS))
def test_a_fixture_set_gives_exactly_its_expected_diagnosis(key: str) -> None:
    expected = SETS[key][1]
    report = set_report(key)
    got = (report.scenario.id, {f.code for f in report.findings}, report.verdict.value)
    assert got == expected, [(f.code, f.evidence) for f in report.findings] or report.scenario.evidence


def test_a_scutil_paste_with_an_ipv6_lan_resolver_says_the_ipv6_routes_are_unknown() -> None:
    report = diagnose(SETS["macos/ipv6-lan-resolver-no-inet6-table"][0])
    assert "ipv6-dns-leak" not in {f.code for f in report.findings}
    unknown = {u.topic: u for u in report.facts.unknowns}
    assert "ipv6-routes" in unknown, sorted(unknown)
    assert any("inet6" in c for c in unknown["ipv6-routes"].commands["macos"])


def test_the_leak_evidence_names_only_what_was_read() -> None:
    report = diagnose(SETS["macos/ipv6-lan-resolver-inet6-table-lan-only"][0])
    leak = next(f for f in report.findings if f.code == "ipv6-dns-leak")
    assert leak.evidence[0].startswith("IPv6 resolver 2001:db8:1::1 (")
    assert "en0" in leak.evidence[0]
    assert leak.evidence[-1].startswith("no IPv6 default route")
