"""The command line: typer parses the flags, ``agent.commands`` does the work, this
module maps the result to an exit code.

The options of ``diagnose`` and ``collect`` (and the global ones) are declared once in
``agent.clispec``: typer's options are built from it here, and ``agent.launch`` (the
console entry point) parses the common command lines with it before typer is imported.
Only the commands (and the renderers they call) write to stdout; progress and logs go
to stderr.  ``--json`` prints exactly one JSON document.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, List, Optional

import typer

from agent import TOOL_NAME, clispec, commands
from agent.clispec import RedactLevel
from agent.launch import version_line
from agent.commands import ExitStatus  # noqa: F401 - part of this module's interface (tests, scripts)

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]},
                  help=clispec.GLOBAL.help)

_ui = commands.Ui()


def _option(command: clispec.Command, dest: str):
    """The typer option for one declared option (agent.clispec)."""
    o = command.opt(dest)
    decls = (f"{o.flags[0]}/{o.off}",) if o.kind == clispec.SWITCH else o.flags
    extra = {}
    if o.kind == clispec.COUNT:
        extra["count"] = True
    if o.min is not None:
        extra["min"] = o.min
    if o.max is not None:
        extra["max"] = o.max
    return typer.Option(o.default, *decls, help=o.help, **extra)


def _call(fn: Callable[..., None], **kwargs) -> None:
    """Run a command of agent.commands; its Exit and BadParameter become typer's."""
    try:
        fn(_ui, **kwargs)
    except commands.Exit as done:
        raise typer.Exit(done.status) from None
    except commands.BadParameter as err:
        raise typer.BadParameter(str(err), param_hint=err.param_hint) from None


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(version_line(), nl=False)
        raise typer.Exit(0)


_G, _D, _C = clispec.GLOBAL, clispec.DIAGNOSE, clispec.COLLECT


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help=clispec.VERSION_HELP),
    verbose: int = _option(_G, "verbose"),
    quiet: bool = _option(_G, "quiet"),
    debug: bool = _option(_G, "debug"),
    lang: Optional[str] = _option(_G, "lang"),
) -> None:
    global _ui
    if lang is not None:     # agent.launch takes --lang off the command line; this is for direct callers
        from agent import i18n

        if lang.lower() not in i18n.SUPPORTED:
            raise typer.BadParameter(f"{lang!r}: use " + " or ".join(i18n.SUPPORTED), param_hint="--lang")
        i18n.set_language(lang.lower())
    _ui = commands.Ui(debug=debug, quiet=quiet, verbose=verbose)
    commands.setup_logging(_ui)


def parse_name(text: str):
    """NAME[=EXPECTED] where EXPECTED is an IP address, 'private' or 'public'."""
    try:
        return commands.parse_name(text)
    except commands.BadParameter as err:
        raise typer.BadParameter(str(err), param_hint=err.param_hint) from None


# --------------------------------------------------------------------------- commands


@app.command(help=_D.help)
def diagnose(
    as_json: bool = _option(_D, "as_json"),
    json_line: bool = _option(_D, "json_line"),
    json_file: Optional[Path] = _option(_D, "json_file"),
    markdown: Optional[Path] = _option(_D, "markdown"),
    html: Optional[Path] = _option(_D, "html"),
    no_diagram: bool = _option(_D, "no_diagram"),
    bundle: Optional[Path] = _option(_D, "bundle"),
    force: bool = _option(_D, "force"),
    name: List[str] = _option(_D, "name"),
    profile: Optional[Path] = _option(_D, "profile"),
    log_file: Optional[Path] = _option(_D, "log_file"),
    config: Optional[Path] = _option(_D, "config"),
    timeout: Optional[float] = _option(_D, "timeout"),
    redact: bool = _option(_D, "redact"),
    redact_level: RedactLevel = _option(_D, "redact_level"),
    no_probe: bool = _option(_D, "no_probe"),
    redact_preview: bool = _option(_D, "redact_preview"),
) -> None:
    _call(commands.diagnose, as_json=as_json, json_line=json_line, json_file=json_file, markdown=markdown, html=html,
          no_diagram=no_diagram, bundle=bundle, force=force, name=name, profile=profile, log_file=log_file,
          config=config, timeout=timeout, redact=redact, redact_level=redact_level, no_probe=no_probe,
          redact_preview=redact_preview)


@app.command(help=_C.help)
def collect(
    as_json: bool = _option(_C, "as_json"),
    profile: Optional[Path] = _option(_C, "profile"),
    log_file: Optional[Path] = _option(_C, "log_file"),
) -> None:
    _call(commands.collect, as_json=as_json, profile=profile, log_file=log_file)


@app.command()
def probe(
    server: str = typer.Argument(..., help="The nameserver: ADDRESS, ADDRESS#PORT or [IPv6]:PORT."),
    names: List[str] = typer.Argument(None, help="Names to query (default: the canary)."),
    count: int = typer.Option(3, "--count", "-c", min=1, max=100, help="Queries per name and transport."),
    interval: float = typer.Option(0.2, "--interval", "-i", min=0.0, max=10.0, help="Seconds between rounds."),
    timeout: float = typer.Option(2.0, "--timeout", min=0.1, max=30.0, help="Per-query timeout (seconds)."),
    udp_only: bool = typer.Option(False, "--udp", help="UDP only."),
    tcp_only: bool = typer.Option(False, "--tcp", help="TCP only."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON document."),
) -> None:
    """Probe one server over UDP and TCP with timings (dnsping-like)."""
    _call(commands.probe, server=server, names=names or (), count=count, interval=interval, timeout=timeout,
          udp_only=udp_only, tcp_only=tcp_only, as_json=as_json)


@app.command()
def analyze(
    path: Path = typer.Argument(..., exists=True, readable=True,
                                help="A report.json, bundle.zip, a folder or a file of pasted outputs/logs/profile."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Hint: linux, macos or windows."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON report on stdout."),
    json_line: bool = typer.Option(False, "--json-line", help=clispec.JSON_LINE_HELP),
    json_file: Optional[Path] = typer.Option(None, "--json-file", help=clispec.JSON_FILE_HELP),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write a Markdown report (- for stdout)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write one self-contained HTML page with the DNS path drawn."),
    no_diagram: bool = typer.Option(False, "--no-diagram", help="Leave the Mermaid DNS-path drawing out of the Markdown."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Write a zip with the reports and raw captures."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
    redact: bool = typer.Option(True, "--redact/--no-redact", help="Redact Markdown and bundles (default on)."),
    redact_level: RedactLevel = typer.Option(RedactLevel.DEFAULT, "--redact-level", help=clispec.LEVEL_HELP),
    redact_preview: bool = typer.Option(False, "--redact-preview",
                                        help="Show what redaction would replace, instead of the report."),
) -> None:
    """Re-classify offline: a saved report or bundle, or pasted command outputs."""
    _call(commands.analyze, path=path, platform=platform, as_json=as_json, json_line=json_line, json_file=json_file,
          markdown=markdown, html=html, no_diagram=no_diagram, bundle=bundle, force=force, redact=redact,
          redact_level=redact_level, redact_preview=redact_preview)


@app.command()
def triage(
    paths: List[Path] = typer.Argument(..., help="report.json files, bundles (.zip) and folders of them."),
    fmt: str = typer.Option("table", "--format", "-f", help="table, csv, jsonl, markdown or json."),
    as_json: bool = typer.Option(False, "--json", help="The counts as one JSON document (= --format json)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --output file."),
    ids: int = typer.Option(10, "--ids", min=0, help="Report ids listed per finding code (0: all)."),
) -> None:
    """Many reports at once: counts per verdict, scenario, finding code, OS, VPN client,
    endpoint and region; CSV and JSON Lines give one record per report."""
    _call(commands.triage, paths=paths, fmt=fmt, as_json=as_json, output=output, force=force, ids=ids)


@app.command(help=clispec.EXPLAIN.help)
def explain(code: Optional[str] = typer.Argument(None, help=clispec.EXPLAIN_CODE_HELP)) -> None:
    _call(commands.explain, code=code)


_GLOBAL_FLAGS = {"-v", "-vv", "-vvv", "--verbose", "-q", "--quiet", "--debug"}


def default_command(args: list[str]) -> list[str]:
    """No command means diagnose (DESIGN.md): `cvpn-doctor -v` == `cvpn-doctor -v diagnose`."""
    if all(a in _GLOBAL_FLAGS for a in args):
        return [*args, "diagnose"]
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
