"""The command line: typer parses the flags, ``agent.commands`` does the work, this
module maps the result to an exit code.

Options are declared once in ``agent.clispec`` (the output options every command shares,
the report files of diagnose/analyze, the global flags): typer's options are built from it
here, and ``agent.launch`` (the console entry point) parses the common command lines with
it before typer is imported.  The global flags travel in typer's context object (no
module state).  Only the renderers' text reaches stdout (through ``agent.commands``);
progress and logs go to stderr.  ``--json`` prints exactly one JSON document.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, List, Optional

import typer

from agent import TOOL_NAME, clispec, commands
from agent.clispec import RedactLevel
from agent.launch import version_line
from agent.commands import ExitStatus  # noqa: F401 - part of this module's interface (tests, scripts)
from agent.i18n import _     # help texts in the run's language (agent.launch sets it before importing this)

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]},
                  help=_(clispec.GLOBAL.help))


def _option(command: clispec.Command, dest: str):
    """The typer option for one declared option (agent.clispec)."""
    o = command.opt(dest)
    decls = (f"{o.flags[0]}/{o.off}",) if o.kind == clispec.SWITCH else o.flags
    extra: dict[str, Any] = {k: v for k, v in (("min", o.min), ("max", o.max)) if v is not None}
    if o.kind == clispec.COUNT:
        extra["count"] = True
    return typer.Option(o.default, *decls, help=_(o.help), **extra)


def _call(fn: Callable[..., None], ctx: typer.Context, **kwargs) -> None:
    """Run a command of agent.commands with the global flags' Ui (typer's context object);
    its Exit and BadParameter become typer's."""
    ui = ctx.find_object(commands.Ui) or commands.Ui()
    try:
        fn(ui, **kwargs)
    except commands.Exit as done:
        raise typer.Exit(done.status) from None
    except commands.BadParameter as err:
        raise typer.BadParameter(str(err), param_hint=err.param_hint) from None


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(version_line(), nl=False)
        raise typer.Exit(0)


_G, _D, _C, _E, _O = clispec.GLOBAL, clispec.DIAGNOSE, clispec.COLLECT, clispec.EXPLAIN, clispec.SHARED
Fmt = Optional[str]     # the shared --format value
Out = Optional[Path]    # an output file option


@app.callback()
def main_callback(
    ctx: typer.Context,
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help=_(clispec.VERSION_HELP)),
    verbose: int = _option(_G, "verbose"),
    quiet: bool = _option(_G, "quiet"),
    debug: bool = _option(_G, "debug"),
    lang: Optional[str] = _option(_G, "lang"),
) -> None:
    if lang is not None:     # agent.launch takes --lang off the command line; this is for direct callers
        from agent import i18n

        if lang.lower() not in i18n.SUPPORTED:
            raise typer.BadParameter(f"{lang!r}: use " + " or ".join(i18n.SUPPORTED), param_hint="--lang")
        i18n.set_language(lang.lower())
    ctx.obj = commands.Ui(debug=debug, quiet=quiet, verbose=verbose)
    commands.setup_logging(ctx.obj)


def parse_name(text: str):
    """NAME[=EXPECTED] where EXPECTED is an IP address, 'private' or 'public'."""
    try:
        return commands.parse_name(text)
    except commands.BadParameter as err:
        raise typer.BadParameter(str(err), param_hint=err.param_hint) from None


# --------------------------------------------------------------------------- commands
# Every command takes the shared output options (clispec.OUTPUT: --format, --json, --output,
# --force); diagnose and analyze also write the report's other files (clispec.REPORT_FILES).


@app.command(help=_(_D.help))
def diagnose(
    ctx: typer.Context,
    fmt: Fmt = _option(_D, "fmt"), as_json: bool = _option(_D, "as_json"), output: Out = _option(_D, "output"),
    force: bool = _option(_D, "force"), json_line: bool = _option(_D, "json_line"),
    json_file: Out = _option(_D, "json_file"), markdown: Out = _option(_D, "markdown"), html: Out = _option(_D, "html"),
    no_diagram: bool = _option(_D, "no_diagram"), bundle: Out = _option(_D, "bundle"),
    redact: bool = _option(_D, "redact"), redact_level: RedactLevel = _option(_D, "redact_level"),
    redact_preview: bool = _option(_D, "redact_preview"), name: List[str] = _option(_D, "name"),
    profile: Out = _option(_D, "profile"), log_file: Out = _option(_D, "log_file"), config: Out = _option(_D, "config"),
    timeout: Optional[float] = _option(_D, "timeout"), no_probe: bool = _option(_D, "no_probe"),
) -> None:
    _call(commands.diagnose, **locals())


@app.command(help=_(_C.help))
def collect(
    ctx: typer.Context,
    fmt: Fmt = _option(_C, "fmt"), as_json: bool = _option(_C, "as_json"), output: Out = _option(_C, "output"),
    force: bool = _option(_C, "force"), profile: Out = _option(_C, "profile"), log_file: Out = _option(_C, "log_file"),
) -> None:
    _call(commands.collect, **locals())


@app.command(help=_("Probe one server over UDP and TCP with timings (dnsping-like)."))
def probe(
    ctx: typer.Context,
    server: str = typer.Argument(..., help=_("The nameserver: ADDRESS, ADDRESS#PORT or [IPv6]:PORT.")),
    names: List[str] = typer.Argument(None, help=_("Names to query (default: the canary).")),
    count: int = typer.Option(3, "--count", "-c", min=1, max=100, help=_("Queries per name and transport.")),
    interval: float = typer.Option(0.2, "--interval", "-i", min=0.0, max=10.0, help=_("Seconds between rounds.")),
    timeout: float = typer.Option(2.0, "--timeout", min=0.1, max=30.0, help=_("Per-query timeout (seconds).")),
    udp_only: bool = typer.Option(False, "--udp", help=_("UDP only.")),
    tcp_only: bool = typer.Option(False, "--tcp", help=_("TCP only.")),
    fmt: Fmt = _option(_O, "fmt"), as_json: bool = _option(_O, "as_json"), output: Out = _option(_O, "output"),
    force: bool = _option(_O, "force"),
) -> None:
    _call(commands.probe, **{**locals(), "names": names or ()})


@app.command(help=_("Re-classify offline: a saved report or bundle, or pasted command outputs."))
def analyze(
    ctx: typer.Context,
    path: Path = typer.Argument(..., exists=True, readable=True,
                                help=_("A report.json, bundle.zip, a folder or a file of pasted outputs/logs/profile.")),
    platform: Optional[str] = typer.Option(None, "--platform", help=_("Hint: linux, macos or windows.")),
    fmt: Fmt = _option(_D, "fmt"), as_json: bool = _option(_D, "as_json"), output: Out = _option(_D, "output"),
    force: bool = _option(_D, "force"), json_line: bool = _option(_D, "json_line"),
    json_file: Out = _option(_D, "json_file"), markdown: Out = _option(_D, "markdown"), html: Out = _option(_D, "html"),
    no_diagram: bool = _option(_D, "no_diagram"), bundle: Out = _option(_D, "bundle"),
    redact: bool = _option(_D, "redact"), redact_level: RedactLevel = _option(_D, "redact_level"),
    redact_preview: bool = _option(_D, "redact_preview"),
) -> None:
    _call(commands.analyze, **locals())


@app.command(help=_("Many reports at once: counts per verdict, scenario, finding code, OS, VPN client, endpoint "
                     "and region; CSV and JSON Lines give one record per report."))
def triage(
    ctx: typer.Context,
    paths: List[Path] = typer.Argument(..., help=_("report.json files, bundles (.zip) and folders of them.")),
    ids: int = typer.Option(10, "--ids", min=0, help=_("Report ids listed per finding code (0: all).")),
    fmt: Fmt = _option(_O, "fmt"), as_json: bool = _option(_O, "as_json"), output: Out = _option(_O, "output"),
    force: bool = _option(_O, "force"),
) -> None:
    _call(commands.triage, **locals())


@app.command(help=_(_E.help))
def explain(
    ctx: typer.Context,
    code: Optional[str] = typer.Argument(None, help=_(clispec.EXPLAIN_CODE_HELP)),
    fmt: Fmt = _option(_E, "fmt"), as_json: bool = _option(_E, "as_json"), output: Out = _option(_E, "output"),
    force: bool = _option(_E, "force"),
) -> None:
    _call(commands.explain, **locals())


_GLOBAL_FLAGS = {"-v", "-vv", "-vvv", "--verbose", "-q", "--quiet", "--debug"}


def default_command(args: list[str]) -> list[str]:
    """No command means diagnose: `cvpn-doctor -v --json` == `cvpn-doctor -v diagnose --json`."""
    i = next((k for k, a in enumerate(args) if a not in _GLOBAL_FLAGS), len(args))   # --lang: already taken
    if i >= len(args) or (args[i].startswith("-") and args[i] not in ("--help", "-h", "--version")):
        return [*args[:i], "diagnose", *args[i:]]
    return list(args)


def main(args: Optional[list[str]] = None) -> None:
    """Parse with typer (the console entry point, agent.launch, comes here for every
    command line its fast path does not take)."""
    from agent.launch import select_language

    chosen = select_language(sys.argv[1:] if args is None else args, environment=False)
    if isinstance(chosen, int):
        sys.exit(chosen)
    args = default_command(chosen)
    try:
        app(args=args, prog_name=TOOL_NAME)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(int(ExitStatus.INTERRUPTED))
