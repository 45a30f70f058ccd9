#!/bin/sh
# OpenVPN --up/--down script for the lab laptop with systemd-resolved: hands the pushed DNS
# servers to resolved for the tunnel link over D-Bus (`resolvectl`), as the AWS VPN Client's
# configure-dns and update-systemd-resolved do.  Runs inside the laptop's private mount
# namespace (the lab's bus and the extracted resolvectl).
#   $1 = routing/search domains for the link, comma-separated ("-" for none): "~." or "~corp.internal"
#   $2 = DefaultRoute for the link: yes|no
# OpenVPN passes script_type=up|down, dev=tun0 and foreign_option_N='dhcp-option DNS x'.
domains="$1"
default_route="$2"
case "$script_type" in
up)
    servers=""
    i=1
    while :; do
        eval opt=\"\${foreign_option_$i:-}\"
        [ -n "$opt" ] || break
        case "$opt" in
        "dhcp-option DNS "*) servers="$servers ${opt#dhcp-option DNS }" ;;
        esac
        i=$((i + 1))
    done
    [ -n "$servers" ] || exit 0        # nothing pushed: the laptop keeps its own DNS
    # shellcheck disable=SC2086
    resolvectl dns "$dev" $servers || exit 1
    if [ "$domains" != "-" ]; then
        # shellcheck disable=SC2046
        resolvectl domain "$dev" $(echo "$domains" | tr ',' ' ') || exit 1
    fi
    resolvectl default-route "$dev" "$default_route" || exit 1
    ;;
down)
    resolvectl revert "$dev" 2>/dev/null
    ;;
esac
exit 0
