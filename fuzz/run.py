"""The long fuzzing run (``make fuzz``): the property tests of tests/test_fuzz_parsers.py with
many random examples, inputs as large as a capture may be (4 MiB), and a failure database.

    python fuzz/run.py [--examples N] [--seconds-per-huge S] [-- extra pytest args]

Exit status is pytest's.  Not run in CI (minutes, not seconds).  A failure prints the
minimal failing text; add it as a regression test next to the others in
tests/test_fuzz_parsers.py and fix the parser (contract: a result or ParseError).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=int(os.environ.get("FUZZ_EXAMPLES", "3000")),
                    help="examples per property (default 3000)")
    ap.add_argument("--huge-bytes", type=int, default=4 * 1024 * 1024, help="size of the huge inputs")
    ap.add_argument("--seconds-per-huge", type=float, default=30.0, help="time bound per huge input")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    env = dict(os.environ, FUZZ_EXAMPLES=str(args.examples), FUZZ_RANDOM="1",
               FUZZ_HUGE_BYTES=str(args.huge_bytes), FUZZ_HUGE_SECONDS=str(args.seconds_per_huge),
               FUZZ_DB=str(ROOT / "fuzz" / ".hypothesis"))
    cmd = [sys.executable, "-m", "pytest", "tests/test_fuzz_parsers.py", "-q", "-p", "no:cacheprovider",
           "-W", "ignore::hypothesis.errors.HypothesisWarning", "--tb=short", *args.pytest_args]
    print(f"fuzz: {args.examples} examples per property, huge inputs {args.huge_bytes} bytes", file=sys.stderr)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
