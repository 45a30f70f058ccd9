"""The console entry point (``cvpn-doctor``, ``python -m agent``, the frozen binaries).

Importing typer costs about 100 ms (it pulls in pydantic), more than the interpreter's
own start-up.  The command lines whose parsing is trivial -- ``--version``, ``explain
[CODE]``, and ``diagnose``/``collect`` with well-formed options -- are parsed here by
``agent.clispec`` (the same declarations typer's options are built from) and run by the
same functions typer would call (``agent.commands``).  Everything else, ``--help`` and
every usage error included, goes to typer (``agent.cli``).
"""
from __future__ import annotations

import sys

from agent import TOOL_NAME, __version__


def version_line() -> str:
    return f"{TOOL_NAME} {__version__}\n"


def main() -> None:
    args = sys.argv[1:]
    if args == ["--version"]:
        sys.stdout.write(version_line())
        sys.exit(0)
    status = _fast(args)
    if status is None:
        from agent.cli import main as typer_main

        typer_main(args)
        return
    sys.exit(status)


def _fast(args: list[str]) -> int | None:
    """The exit status of the command run without typer; None when typer must parse."""
    from agent import clispec

    parsed = clispec.parse(args)
    if parsed is None:
        return None
    from agent import commands

    run = {"diagnose": commands.diagnose, "collect": commands.collect, "explain": commands.explain}[parsed.command]
    if parsed.command == "diagnose":
        try:  # a bad --name is typer's to report (with the usage line)
            for name in parsed.options["name"]:
                commands.parse_name(name)
        except commands.BadParameter:
            return None
    ui = commands.Ui(**parsed.global_options)
    commands.setup_logging(ui)
    try:
        run(ui, **parsed.options)
    except commands.Exit as done:
        return done.status
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return int(commands.ExitStatus.INTERRUPTED)
    except BrokenPipeError:
        # stdout closed early (`| head`): exit 1 without a traceback, as typer does
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return int(commands.ExitStatus.OK)
