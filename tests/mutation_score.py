"""Print the mutation score of the diagnosis from mutmut's results (``make mutants``).

Reads mutants/**/*.py.meta (mutmut 3) and tests/MUTANTS.md, whose table lists the mutants
judged equivalent (same behaviour as the original: no test can kill them) with the reason.
Score per module = killed (incl. timeouts) / (checked - equivalent); mutants not checked yet
(a run cut short, or restricted by MUTANTS_ARGS) are shown, never counted.

    .venv/bin/python tests/mutation_score.py [--min 90]

A full run is hours on a shared two-core machine.  --sample N prints (and does not score) up to N
mutants not yet checked per module, chosen at random with --seed, to hand to mutmut; the score of a
sample estimates the module's (mutant sampling):

    .venv/bin/mutmut run $(.venv/bin/python tests/mutation_score.py --sample 40 --seed 23 --module facts)
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLED = {1, 3, 36, -24, 24, 152, 255, 37, -11, -9}


def equivalent() -> set[str]:
    text = (ROOT / "tests" / "MUTANTS.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*`(agent\.[\w.]+__mutmut_\d+)`", text, flags=re.M))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--min", type=float, default=None, help="exit 1 below this score (percent), overall")
    ap.add_argument("--sample", type=int, default=None, help="print up to N unchecked mutants per module")
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--module", action="append", default=[], help="with --sample: modules whose path has this")
    args = ap.parse_args()
    if args.sample is not None:
        rng = random.Random(args.seed)
        for meta in sorted((ROOT / "mutants" / "agent").rglob("*.py.meta")):
            if args.module and not any(m in meta.as_posix() for m in args.module):
                continue
            unchecked = sorted(k for k, code in json.loads(meta.read_text())["exit_code_by_key"].items() if code is None)
            print("\n".join(sorted(rng.sample(unchecked, min(args.sample, len(unchecked))))))
        return 0
    eq = equivalent()
    rows, total = [], Counter()
    for meta in sorted((ROOT / "mutants" / "agent").rglob("*.py.meta")):
        module = meta.relative_to(ROOT / "mutants").as_posix()[:-len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        c = Counter()
        for key, code in codes.items():
            if code is None:
                c["unchecked"] += 1
            elif key in eq:
                c["equivalent"] += 1
            elif code in KILLED:
                c["killed"] += 1
            elif code == 0:
                c["survived"] += 1
            else:
                c["no tests"] += 1          # 5/33: no test covers the function; 34: skipped
        if not codes:
            continue
        rows.append((module, c))
        total.update(c)
    print(f"{'module':28} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv':>5} {'no-test':>7} {'unchecked':>9} {'score':>6}")
    for module, c in rows + [("TOTAL", total)]:
        n = sum(c.values())
        judged = c["killed"] + c["survived"] + c["no tests"]
        score = f"{100 * c['killed'] / judged:5.1f}%" if judged else "    -"
        print(f"{module:28} {n:7} {c['killed']:6} {c['survived']:8} {c['equivalent']:5} {c['no tests']:7} "
              f"{c['unchecked']:9} {score:>6}")
    judged = total["killed"] + total["survived"] + total["no tests"]
    if args.min is not None and judged and 100 * total["killed"] / judged < args.min:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
