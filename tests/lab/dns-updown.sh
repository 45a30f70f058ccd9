#!/bin/sh
# OpenVPN --up/--down script for the lab laptop: applies pushed DNS servers the way
# Debian's update-resolv-conf does, by rewriting /etc/resolv.conf (inside `ip netns exec`
# that file is the namespace's /etc/netns/<ns>/resolv.conf bind mount, so it is written
# in place, never renamed over).  $1 = backup file for the pre-VPN contents.
# $2 = "merge": keep the pre-VPN nameservers after the pushed ones (as resolvconf merges
# the tun0 and eth0 records) instead of replacing them.
# OpenVPN passes script_type=up|down and foreign_option_N='dhcp-option DNS x'.
backup="$1"
mode="${2:-replace}"
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
    cat /etc/resolv.conf > "$backup"
    kept=""
    [ "$mode" = merge ] && kept=$(sed -n 's/^nameserver[[:space:]]*//p' "$backup")
    {
        echo "# written by the lab's dns-updown.sh from the VPN's pushed options"
        for s in $servers $kept; do echo "nameserver $s"; done
        echo "options timeout:1 attempts:1"
    } > /etc/resolv.conf
    ;;
down)
    if [ -f "$backup" ]; then
        cat "$backup" > /etc/resolv.conf
        rm -f "$backup"
    fi
    ;;
esac
exit 0
