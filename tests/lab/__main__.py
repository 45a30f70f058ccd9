"""`python -m tests.lab up SCENARIO` / `down` / `list`: the lab for a person to poke at.

Used by `make lab SCENARIO=...` and `make lab-down`.  One lab at a time: its state
(namespaces, pids, temp dir) is kept in $TMPDIR/cvpn-doctor-lab.json; `up` first takes
down a lab left by an earlier `up`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from tests.lab import debroot
from tests.lab import scenarios as sc
from tests.lab.lab import ENTER, STATE, Lab, down_from_state, save_state

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.lab")
    sub = parser.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="bring one scenario up and leave it running")
    up.add_argument("scenario", choices=sorted(sc.BY_KEY))
    sub.add_parser("down", help="tear down what `up` left running")
    sub.add_parser("list", help="list the scenarios")
    sub.add_parser("fetch", help="download and extract systemd-resolved, NetworkManager and the "
                                 f"OpenVPN plugin into {debroot.DEFAULT_DIR} (not installed)")
    args = parser.parse_args(argv)
    if args.cmd == "list":
        for s in sc.SCENARIOS:
            print(f"{s.key:26} {s.title}")
        return 0
    if args.cmd == "fetch":
        try:
            debroot.fetch()
        except debroot.RootError as err:
            print(f"lab fetch: {err}", file=sys.stderr)
            return 1
        return 0
    problems = down_from_state()
    for problem in problems:
        print(f"lab-down: {problem}", file=sys.stderr)
    if args.cmd == "down":
        print("lab is down")
        return 0
    scenario = sc.BY_KEY[args.scenario]
    root = debroot.fetch(log=lambda m: print(m, file=sys.stderr)) if scenario.stack else None
    workdir = Path(tempfile.mkdtemp(prefix="cvpn-doctor-lab-"))
    try:
        running = Lab(workdir, prefix="cvdlab-", root=root).up(scenario)
    except BaseException:
        if not os.environ.get("CVPN_LAB_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)   # up() already undid its namespaces
        raise
    save_state(running, workdir)
    laptop = running.laptop
    names = " ".join(f"--name {n}" for n in scenario.names)
    log = f" --log {running.client_log}" if running.client_log.exists() else ""
    if running.stack is not None:
        enter = ENTER
        status = running.stack.resolvectl("status", check=False)
        print(f"resolvectl status (laptop, the lab's bus):\n{status.stdout}{status.stderr}")
        print(f"""lab up: {scenario.key} ({scenario.title}) in {running.bringup_s:.1f}s
  namespaces: {', '.join(running.ns.names.values())} + the laptop's mount namespace (pid {running.stack.holder})
  files:      {workdir}   (client.log, server.log, dnsmasq-*.queries, stack/*.log)
  expected:   scenario={scenario.expect.scenario} verdict={scenario.expect.verdict} \
codes={sorted(scenario.expect.codes)} exit={scenario.expect.exit_code}

  `ip netns exec {laptop} X` sees the laptop's network but not its /etc, /run and bus;
  {enter} X runs X there (nsenter into both; a shell without X):

  {enter} resolvectl status
  {enter} {ROOT}/.venv/bin/cvpn-doctor collect --json
  {enter} {ROOT}/.venv/bin/cvpn-doctor diagnose{log} {names} --timeout 2
  {enter} {ROOT}/.venv/bin/cvpn-doctor diagnose {names} --timeout 2     # discovery: no --log
  {enter} nmcli connection; {enter} cat /etc/resolv.conf
  ip netns exec {laptop} {enter} resolvectl status        # the same, from inside ip netns exec

  make lab-down                    # or: python -m tests.lab down   (state: {STATE})""")
        return 0
    print(f"""lab up: {scenario.key} ({scenario.title}) in {running.bringup_s:.1f}s
  namespaces: {', '.join(running.ns.names.values())}
  files:      {workdir}   (client.log, server.log, dnsmasq-*.queries)
  expected:   scenario={scenario.expect.scenario} verdict={scenario.expect.verdict} \
codes={sorted(scenario.expect.codes)} exit={scenario.expect.exit_code}

  ip netns exec {laptop} {ROOT}/.venv/bin/cvpn-doctor diagnose{log} {names} --timeout 2
  ip netns exec {laptop} dig +time=1 +tries=1 {sc.PRIVATE_NAME}
  ip netns exec {laptop} cat /etc/resolv.conf; ip -n {laptop} route
  ip netns exec {laptop} bash      # a shell on the laptop

  make lab-down                    # or: python -m tests.lab down   (state: {STATE})""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
