#!/usr/bin/env bash
# Build cvpn-doctor with PyInstaller for the current OS: a one-folder build and a one-file
# binary, in parallel (the two share nothing but the spec).
#
#   packaging/build.sh [onedir|onefile|both]      (default: both)
#
# Outputs:  dist/onedir/cvpn-doctor/cvpn-doctor[.exe]   (one folder: fastest start-up)
#           dist/onefile/cvpn-doctor[.exe]              (one file: unpacks to a temp dir)
# Uses $PYTHON (default: .venv/bin/python, or .venv/Scripts/python.exe on Windows, else
# python3) with the `build` extra installed (`pip install -e '.[build]'`).
# Prints the wall time of each build; logs go to build/<kind>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

kinds="${1:-both}"
case "$kinds" in
    both) kinds="onedir onefile" ;;
    onedir|onefile) ;;
    *) echo "usage: $0 [onedir|onefile|both]" >&2; exit 2 ;;
esac

if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python
    elif [ -x .venv/Scripts/python.exe ]; then PYTHON=.venv/Scripts/python.exe
    else PYTHON=python3
    fi
fi
"$PYTHON" -c 'import PyInstaller' 2>/dev/null || {
    echo "PyInstaller is not installed for $PYTHON: pip install -e '.[build]'" >&2; exit 3; }

mkdir -p build dist
build_one() {
    local kind=$1 start end
    start=$(date +%s)
    rm -rf "dist/$kind"
    # A fresh work dir per kind instead of --clean, and a cache of its own per kind:
    # PyInstaller's user cache (binary cache index, macOS signing cache) has no locking, and
    # two parallel builds sharing it corrupted its index here (IndentationError in bincache).
    # On macOS every collected binary is rewritten and re-signed (ad hoc) and the result is
    # cached in that same place, CONF['cachedir']/bincache*/adhoc/ (PyInstaller 6,
    # building/utils.py process_collected_binary), and CONF['cachedir'] is
    # PYINSTALLER_CONFIG_DIR when set: one directory per kind keeps the two builds' signing
    # caches apart too.
    rm -rf "build/$kind"
    mkdir -p "build/cache-$kind"
    if CVPN_BUILD=$kind PYINSTALLER_CONFIG_DIR="$PWD/build/cache-$kind" "$PYTHON" -m PyInstaller --noconfirm --log-level WARN \
            --distpath "dist/$kind" --workpath "build/$kind" packaging/cvpn-doctor.spec \
            >"build/$kind.log" 2>&1; then
        end=$(date +%s)
        echo "built $kind in $((end - start)) s"
    else
        echo "FAILED: $kind build (log: build/$kind.log)" >&2
        tail -n 30 "build/$kind.log" >&2
        return 1
    fi
}

start=$(date +%s)
pids=()
for kind in $kinds; do
    build_one "$kind" & pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
echo "total build wall time: $(( $(date +%s) - start )) s"
[ -d dist/onedir ] && echo "one-folder: $(ls -d dist/onedir/cvpn-doctor/cvpn-doctor* 2>/dev/null)"
[ -d dist/onefile ] && echo "one-file:   $(ls dist/onefile/cvpn-doctor* 2>/dev/null)"
exit $status
