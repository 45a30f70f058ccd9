#!/bin/bash
# Run cvpn-doctor once and keep what it found, for the launchd agent (com.example.cvpn-doctor.plist)
# or any scheduler (cron, a systemd timer): nothing is sent anywhere.
#   $DIR/last-report.json   the full JSON report of the last run (replaced each run)
#   $DIR/runs.jsonl         one compact JSON line per run (the --json-line record: verdict,
#                           scenario, codes, versions, endpoint, region; no user name, address or
#                           domain), the last 1000 runs, for a log shipper to tail
#   $DIR/errors.log         what cvpn-doctor said on stderr (bounded the same way)
# DIR defaults to ~/Library/Logs/cvpn-doctor on macOS, ~/.local/state/cvpn-doctor elsewhere.
# Exit status: always 0 (a scheduler must not retry in a loop); the verdict is in the files.
# Environment: CVPN_DOCTOR_BIN (default /usr/local/bin/cvpn-doctor), CVPN_DOCTOR_DIR,
# CVPN_DOCTOR_ARGS (extra arguments, e.g. "--name db.corp.example=private").
bin="${CVPN_DOCTOR_BIN:-/usr/local/bin/cvpn-doctor}"
if [ "$(uname)" = Darwin ]; then default="$HOME/Library/Logs/cvpn-doctor"; else default="$HOME/.local/state/cvpn-doctor"; fi
dir="${CVPN_DOCTOR_DIR:-$default}"
keep=1000
mkdir -p "$dir" || exit 0
if [ ! -x "$bin" ]; then echo "$(date -u +%FT%TZ) cvpn-doctor not found at $bin" >>"$dir/errors.log"; exit 0; fi
# shellcheck disable=SC2086  # CVPN_DOCTOR_ARGS is a list of words
"$bin" diagnose --timeout 3 --json-line --force --json-file "$dir/last-report.json" $CVPN_DOCTOR_ARGS \
    >>"$dir/runs.jsonl" 2>>"$dir/errors.log"
status=$?
case $status in 0|1|3|4) ;; *) echo "$(date -u +%FT%TZ) cvpn-doctor exit $status" >>"$dir/errors.log" ;; esac
for f in "$dir/runs.jsonl" "$dir/errors.log"; do
    if [ -f "$f" ] && [ "$(wc -l <"$f")" -gt "$keep" ]; then
        tail -n "$keep" "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    fi
done
exit 0
