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
    status: int | str | None
    try:
        status = _main(sys.argv[1:])
    except SystemExit as done:          # typer ends with sys.exit
        status = done.code
    if status is not None and not isinstance(status, int):
        sys.stderr.write(f"{status}\n")
        status = 1
    _exit(status or 0)


def _main(args: list[str]) -> int | None:
    if args == ["--version"]:
        sys.stdout.write(version_line())
        return 0
    try:
        status = _fast(args)
        if status is None:
            from agent.cli import main as typer_main   # typer's own Ctrl-C handling from here on

            typer_main(args)
    except KeyboardInterrupt:   # Ctrl-C while importing: no traceback either
        sys.stderr.write("interrupted\n")
        status = 130
    return status


def _exit(status: int) -> None:
    """Exit without tearing the interpreter down.  Module teardown and garbage collection
    after a diagnosis cost 20-60 ms (3-4 times that on a loaded machine) and nothing needs
    them: files are closed where they are written, the atexit handlers (logging's flush)
    run here, and daemon threads (a getaddrinfo still blocked) end with the process."""
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass    # a closed pipe (`| head`): nothing more can be said
    os._exit(status)


def _fast(args: list[str]) -> int | None:
    """The exit status of the command run without typer; None when typer must parse."""
    from agent import clispec

    parsed = clispec.parse(args)
    if parsed is None:
        return None
    from typing import Callable     # here, not at the top: --version never imports typing

    from agent import commands

    runs: dict[str, Callable[..., None]] = {"diagnose": commands.diagnose, "collect": commands.collect,
                                            "explain": commands.explain}
    run = runs[parsed.command]
    if parsed.command == "diagnose":
        try:  # a bad --name is typer's to report (with the usage line)
            for name in parsed.options["name"]:
                commands.parse_name(name)
        except commands.BadParameter:
            return None
    ui = commands.Ui(**parsed.global_options)
    if parsed.command != "explain":
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
