#!/bin/bash
# Jamf Pro extension attribute (computer, data type String, input type Script): the DNS verdict
# of cvpn-doctor on this Mac, e.g. "<result>broken S2-custom-dns-split custom-dns-no-route</result>".
#
# Runs at every inventory update, as root. It runs the installed cvpn-doctor once (probes only
# the nameservers under diagnosis, deadline 3 s), writes the full JSON report to
#   /Library/Application Support/cvpn-doctor/last-report.json
# and prints one <result> line: "<verdict> <scenario> <code,code,...>" ("none" when no finding),
# "not-installed" without the binary, "error <exit code>" when it printed no report.
# Smart group criteria: "like broken", "like cannot-tell", "like custom-dns-no-route".
# It sends nothing anywhere: Jamf's own inventory upload carries the <result> text.
# Environment (for tests; unset in Jamf): CVPN_DOCTOR_BIN, CVPN_DOCTOR_DIR, CVPN_DOCTOR_HOME
# (whose VPN client logs to read), CVPN_DOCTOR_ARGS (extra arguments, e.g. --no-probe).
bin="${CVPN_DOCTOR_BIN:-/usr/local/bin/cvpn-doctor}"
dir="${CVPN_DOCTOR_DIR:-/Library/Application Support/cvpn-doctor}"
if [ ! -x "$bin" ]; then echo "<result>not-installed</result>"; exit 0; fi
mkdir -p "$dir"
# The VPN client keeps its log in the signed-in user's home; as root, look there.
home="${CVPN_DOCTOR_HOME:-}"
if [ -z "$home" ] && [ "$(uname)" = Darwin ]; then
    user=$(/usr/bin/stat -f%Su /dev/console 2>/dev/null)
    case "$user" in ""|root|loginwindow|_mbsetupuser) ;;
        *) home=$(/usr/bin/dscl . -read "/Users/$user" NFSHomeDirectory 2>/dev/null | /usr/bin/awk '{print $2}') ;;
    esac
fi
# shellcheck disable=SC2086  # CVPN_DOCTOR_ARGS is a list of words
out=$(HOME="${home:-$HOME}" "$bin" diagnose --timeout 3 --json-line --force \
      --json-file "$dir/last-report.json" $CVPN_DOCTOR_ARGS 2>/dev/null)
status=$?
line=$(printf '%s\n' "$out" | tail -n 1)
field() { printf '%s' "$line" | sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
verdict=$(field verdict)
if [ -z "$verdict" ]; then echo "<result>error $status</result>"; exit 0; fi
codes=$(printf '%s' "$line" | sed -n 's/.*"codes":\[\([^]]*\)\].*/\1/p' | tr -d '"')
echo "<result>$verdict $(field scenario) ${codes:-none}</result>"
