"""The command line: parse flags, call one function, render, map the exit code.

Only this module (and the renderers it calls) writes to stdout; progress and logs go to
stderr.  ``--json`` prints exactly one JSON document.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import os
import sys
from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path
from typing import List, Optional

import typer

from agent import TOOL_NAME, __version__


class ExitStatus(IntEnum):
    OK = 0              # no problem found (info/warnings only)
    FINDINGS = 1        # at least one error-severity finding
    USAGE = 2
    NO_DATA = 3         # could not collect or probe at all
    CANNOT_TELL = 4     # no error found, but the evidence cannot support a verdict (report: "Could not tell")
    INTERRUPTED = 130



app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode=None,
                  pretty_exceptions_enable=False, context_settings={"help_option_names": ["-h", "--help"]},
                  help="Diagnose DNS on AWS Client VPN connections. Without a command: diagnose.")

_state = {"debug": False, "quiet": False, "verbose": 0}
log = logging.getLogger("agent.cli")


def _setup_logging(verbose: int, debug: bool, quiet: bool) -> None:
    level = os.environ.get("CVPN_DOCTOR_LOGLEVEL", "").upper() or None
    if debug:
        level = "DEBUG"
    elif verbose and not level:
        level = "INFO" if verbose == 1 else "DEBUG"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("agent", "platforms"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level or ("ERROR" if quiet else "WARNING"))
        lg.propagate = False


def _err(message: str) -> None:
    """A message for the user on stderr (never stdout, so --json stays pure)."""
    if not _state["quiet"] or message.startswith("error"):
        typer.echo(message, err=True)


def _fail(message: str, status: ExitStatus) -> typer.Exit:
    _err(f"error: {message}")
    return typer.Exit(int(status))


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"{TOOL_NAME} {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_callback(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More detail on stderr (-vv: debug log)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Nothing on stderr but errors."),
    debug: bool = typer.Option(False, "--debug", help="Debug log, and tracebacks on internal errors."),
) -> None:
    _state.update(debug=debug, quiet=quiet, verbose=verbose)
    _setup_logging(verbose, debug, quiet)


# --------------------------------------------------------------------------- helpers


def parse_name(text: str):
    """NAME[=EXPECTED] where EXPECTED is an IP address, 'private' or 'public'."""
    from agent.model import NameCheck

    name, _, expected = text.partition("=")
    name = name.strip().rstrip(".")
    if not name or " " in name or len(name) > 253:
        raise typer.BadParameter(f"{text!r} is not a DNS name", param_hint="--name")
    expected = expected.strip() or None
    if expected is not None and expected not in ("private", "public"):
        try:
            ipaddress.ip_address(expected)
        except ValueError:
            raise typer.BadParameter(f"expected value {expected!r} must be an IP address, 'private' or 'public'",
                                     param_hint="--name") from None
    return NameCheck(name=name, expected=expected, origin="user")


def _progress_hook():
    """A one-line progress indicator on stderr, only on a TTY."""
    if _state["quiet"] or not sys.stderr.isatty():
        return None

    def hook(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\rprobing nameservers: {done}/{total}{end}")
        sys.stderr.flush()

    return hook


def _exit_status(report) -> ExitStatus:
    from agent.model import Severity, Verdict

    snap = report.snapshot
    if not snap.interfaces and not snap.routes and not snap.dns.resolvers and snap.errors:
        return ExitStatus.NO_DATA
    if any(f.severity is Severity.ERROR for f in report.findings):
        return ExitStatus.FINDINGS
    if report.verdict is Verdict.CANNOT_TELL:
        return ExitStatus.CANNOT_TELL
    return ExitStatus.OK


@dataclass(frozen=True)
class Outputs:
    """The output options every report-producing command shares (DESIGN: the same for every
    command): what goes to stdout, which files are written, and how they are redacted."""
    as_json: bool = False
    json_line: bool = False
    json_file: Optional[Path] = None
    markdown: Optional[Path] = None
    html: Optional[Path] = None
    diagram: bool = True             # the Mermaid DNS-path drawing in the Markdown
    bundle: Optional[Path] = None
    force: bool = False
    redact: bool = True
    level: str = "default"

    def check(self) -> "Outputs":
        """Usage errors: two things that both want stdout, strict without redaction."""
        to_stdout = [flag for flag, on in (("--json", self.as_json), ("--json-line", self.json_line),
                                            ("--markdown -", self.markdown is not None and str(self.markdown) == "-"))
                     if on]
        if len(to_stdout) > 1:
            raise _fail(f"{' and '.join(to_stdout)} all want stdout; keep one (give --markdown a file, "
                        "or use --json-file FILE)", ExitStatus.USAGE)
        if self.level != "default" and not self.redact:
            raise _fail(f"--redact-level {self.level} and --no-redact contradict each other", ExitStatus.USAGE)
        return self


def _output_options(as_json, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
                    level) -> Outputs:
    return Outputs(as_json=as_json, json_line=json_line, json_file=json_file, markdown=markdown, html=html,
                   diagram=not no_diagram, bundle=bundle, force=force, redact=redact, level=level.value).check()


def _emit(report, out: Outputs, to_stdout: bool = True) -> None:
    from agent.render import Format, render
    from agent.render.style import style_for

    markdown, bundle, force = out.markdown, out.bundle, out.force
    if out.json_file is not None:
        _write_text(out.json_file, render(report, Format.JSON), force)
        _err(f"wrote {out.json_file}")
    if out.html is not None:
        _write_text(out.html, render(report, Format.HTML, redact=out.redact, level=out.level), force)
        _err(f"wrote {out.html}")
    if markdown is not None:
        text = render(report, Format.MARKDOWN, redact=out.redact, diagram=out.diagram, level=out.level)
        if str(markdown) == "-":
            sys.stdout.write(text)
        else:
            _write_text(markdown, text, force)
            _err(f"wrote {markdown}")
    if bundle is not None:
        from agent import bundle as bundle_mod
        try:
            path = bundle_mod.write_bundle(report, bundle, force=force, redact=out.redact, level=out.level)
        except bundle_mod.BundleError as err:
            raise _fail(str(err), ExitStatus.USAGE) from None
        _err(f"wrote {path}")
    if not to_stdout:
        return
    if out.as_json:
        sys.stdout.write(render(report, Format.JSON))
    elif out.json_line:
        from agent.triage import json_line
        sys.stdout.write(json_line(report.to_dict()) + "\n")
    elif markdown is None or str(markdown) != "-":
        sys.stdout.write(render(report, Format.TEXT, color=style_for(sys.stdout).color,
                                verbose=_state["verbose"] > 0))


def _preview_redaction(report, as_json: bool, level: str = "default") -> None:
    """--redact-preview: what the Markdown/bundle redaction at ``level`` would replace, and with what."""
    from agent.redact import Redactor

    rows = Redactor(level=level).preview(report)
    if as_json:
        sys.stdout.write(json.dumps([{"original": o, "token": t, "kind": k} for o, t, k in rows], indent=2) + "\n")
        return
    if not rows:
        sys.stdout.write("Redaction would replace nothing in this report.\n")
        return
    from agent.render.style import table

    sys.stdout.write(f"Redaction ({level} level) would replace (Markdown and bundles; --no-redact turns it off):\n")
    sys.stdout.write("\n".join(table(["kind", "original", "replaced by"], [[k, o, t] for o, t, k in rows])) + "\n")


def _write_text(path: Path, text: str, force: bool) -> None:
    """Write atomically (a temporary file renamed over the target: a full disk or Ctrl-C
    never leaves a half-written report); never overwrite a file without --force.
    A target that exists but is not a regular file (a FIFO, /dev/stdout, /dev/full) is
    written directly: renaming over it would replace the device node itself."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            raise _fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
        return
    if mode is not None and not force:
        raise _fail(f"{path} exists; use --force to overwrite it", ExitStatus.USAGE)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
    except BaseException:   # Ctrl-C mid-write: no temporary file left behind
        tmp.unlink(missing_ok=True)
        raise


def _guard(fn):
    """Run a command body: Ctrl-C -> 130, internal errors -> a message (traceback with --debug)."""
    try:
        return fn()
    except KeyboardInterrupt:
        _err("interrupted")
        raise typer.Exit(int(ExitStatus.INTERRUPTED)) from None
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit (docs.python.org/3/library/signal.html#note-on-sigpipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(int(ExitStatus.OK)) from None
    except (typer.Exit, typer.BadParameter, typer.Abort):
        raise
    except Exception as err:  # noqa: BLE001 - the last line of defence: no tracebacks for users
        if _state["debug"]:
            raise
        _err(f"error: internal error: {type(err).__name__}: {err} (run with --debug for the traceback, "
             "and please report it)")
        raise typer.Exit(int(ExitStatus.NO_DATA)) from None


# --------------------------------------------------------------------------- commands

_NAME_HELP = "A name to test, NAME[=EXPECTED] (EXPECTED: an IP, 'private' or 'public'); repeatable."


class RedactLevel(str, Enum):
    DEFAULT = "default"
    STRICT = "strict"


_JSON_LINE_HELP = "Print one compact JSON line (the triage record of this run) for log shippers."
_JSON_FILE_HELP = "Also write the JSON report to FILE (atomically; --force overwrites)."
_LEVEL_HELP = ("Redaction level of Markdown and bundles: default (personal data) or strict (also private "
               "addresses, interface names, domains and the endpoint id, for sharing outside the organisation).")


@app.command()
def diagnose(
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON report on stdout."),
    json_line: bool = typer.Option(False, "--json-line", help=_JSON_LINE_HELP),
    json_file: Optional[Path] = typer.Option(None, "--json-file", help=_JSON_FILE_HELP),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write a Markdown report (- for stdout)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write one self-contained HTML page with the DNS path drawn."),
    no_diagram: bool = typer.Option(False, "--no-diagram", help="Leave the Mermaid DNS-path drawing out of the Markdown."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Write a zip with the reports and raw captures."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
    name: List[str] = typer.Option([], "--name", "-n", help=_NAME_HELP),
    profile: Optional[Path] = typer.Option(None, "--profile", help="The .ovpn profile in use."),
    log_file: Optional[Path] = typer.Option(None, "--log", help="OpenVPN / AWS VPN Client log (found automatically)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Organisation defaults (TOML)."),
    timeout: Optional[float] = typer.Option(None, "--timeout", min=0.1, max=60.0,
                                            help="Global probe deadline in seconds (default 3)."),
    redact: bool = typer.Option(True, "--redact/--no-redact", help="Redact Markdown and bundles (default on)."),
    redact_level: RedactLevel = typer.Option(RedactLevel.DEFAULT, "--redact-level", help=_LEVEL_HELP),
    no_probe: bool = typer.Option(False, "--no-probe", help="Collect and classify without sending any query."),
    redact_preview: bool = typer.Option(False, "--redact-preview",
                                        help="Show what redaction would replace, instead of the report."),
) -> None:
    """Collect, probe, classify and print the verdict (the default command)."""
    def body():
        from agent import run

        out = _output_options(as_json, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
                              redact_level)
        names = tuple(parse_name(n) for n in name)
        opts = _options(names, timeout, log_file, profile, config, probe=not no_probe)
        try:
            report = run.diagnose(opts, on_progress=_progress_hook())
        except run.Interrupted as exc:
            # Ctrl-C while probing: keep what was collected in the files the user asked for
            # (stdout gets nothing: a script reading it must see the interruption, not a
            # report that looks complete).
            md = markdown if markdown is not None and str(markdown) != "-" else None
            files = [str(p) for p in (json_file, md, bundle, html) if p is not None]
            if files and not redact_preview:
                _emit(exc.report, Outputs(json_file=json_file, markdown=md, html=html, diagram=not no_diagram,
                                          bundle=bundle, force=force, redact=redact, level=out.level),
                      to_stdout=False)
                _err(f"interrupted: partial report ({exc.report.probe_skipped}) written to {', '.join(files)}")
            else:
                _err("interrupted")
            raise typer.Exit(int(ExitStatus.INTERRUPTED))
        if redact_preview:
            _preview_redaction(report, as_json, out.level)
        else:
            _emit(report, out)
        raise typer.Exit(int(_exit_status(report)))
    _guard(body)


def _options(names, timeout, log_file, profile, config, probe=True):
    from agent import config as config_mod
    from agent import run

    context = {}
    expected_dns: tuple[str, ...] = ()
    canary = None
    large_answer = None
    cfg_path = config
    if cfg_path is None:
        default = config_mod.default_config_path()
        cfg_path = default if default is not None and default.exists() else None
    if cfg_path is not None:
        try:
            cfg = config_mod.load(cfg_path)
        except config_mod.ConfigError as err:
            raise _fail(str(err), ExitStatus.USAGE) from None
        given = {m.name for m in names}  # a --name wins over the config's entry for it
        names = tuple(names) + tuple(n for n in cfg.names if n.name not in given)
        expected_dns = tuple(cfg.expected_dns)
        canary = cfg.canary
        large_answer = cfg.large_answer_name
        timeout = timeout if timeout is not None else cfg.timeout
        profile = profile if profile is not None else (Path(cfg.profile) if cfg.profile else None)
        context["config"] = str(cfg_path)
    timeout = timeout if timeout is not None else run.DEFAULT_TIMEOUT_S
    context["timeout_s"] = timeout
    if expected_dns:
        context["expected_dns"] = list(expected_dns)  # so `analyze` re-classifies with them
    return run.Options(names=tuple(names), timeout_s=timeout, log_path=str(log_file) if log_file else None,
                       profile_path=str(profile) if profile else None, expected_dns=expected_dns,
                       canary=canary, large_answer_name=large_answer, probe=probe, context=context)


@app.command()
def collect(
    as_json: bool = typer.Option(False, "--json", help="Print the snapshot as one JSON document."),
    profile: Optional[Path] = typer.Option(None, "--profile", help="The .ovpn profile in use."),
    log_file: Optional[Path] = typer.Option(None, "--log", help="OpenVPN / AWS VPN Client log."),
) -> None:
    """Collect and parse only; print the snapshot (no packets are sent)."""
    def body():
        from agent import run
        from agent.render.style import style_for
        from agent.render.terminal import render_snapshot

        _raw, snapshot = run.collect(_options((), None, log_file, profile, None, probe=False))
        if as_json:
            sys.stdout.write(json.dumps(snapshot.to_dict(), indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(render_snapshot(snapshot, style_for(sys.stdout)))
        empty = not snapshot.interfaces and not snapshot.routes and not snapshot.dns.resolvers
        raise typer.Exit(int(ExitStatus.NO_DATA if empty and snapshot.errors else ExitStatus.OK))
    _guard(body)


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
    def body():
        from agent import dnsping, probes
        from agent.model import Transport

        try:
            address, port = probes.parse_server(server)
        except ValueError as err:
            raise _fail(f"{server!r}: {err}", ExitStatus.USAGE) from None
        transports = (Transport.UDP,) if udp_only else (Transport.TCP,) if tcp_only else (Transport.UDP, Transport.TCP)
        try:
            report = dnsping.ping(address, list(names or [probes.DEFAULT_CANARY]), port=port, count=count,
                                  interval_s=interval, timeout_s=timeout, transports=transports)
        except ValueError as err:
            raise _fail(str(err), ExitStatus.USAGE) from None
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
        else:
            sys.stdout.write(report.to_text())
        raise typer.Exit(int(ExitStatus.OK if report.any_received else ExitStatus.FINDINGS))
    _guard(body)


@app.command()
def analyze(
    path: Path = typer.Argument(..., exists=True, readable=True,
                                help="A report.json, bundle.zip, a folder or a file of pasted outputs/logs/profile."),
    platform: Optional[str] = typer.Option(None, "--platform", help="Hint: linux, macos or windows."),
    as_json: bool = typer.Option(False, "--json", help="Print exactly one JSON report on stdout."),
    json_line: bool = typer.Option(False, "--json-line", help=_JSON_LINE_HELP),
    json_file: Optional[Path] = typer.Option(None, "--json-file", help=_JSON_FILE_HELP),
    markdown: Optional[Path] = typer.Option(None, "--markdown", help="Write a Markdown report (- for stdout)."),
    html: Optional[Path] = typer.Option(None, "--html", help="Write one self-contained HTML page with the DNS path drawn."),
    no_diagram: bool = typer.Option(False, "--no-diagram", help="Leave the Mermaid DNS-path drawing out of the Markdown."),
    bundle: Optional[Path] = typer.Option(None, "--bundle", help="Write a zip with the reports and raw captures."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
    redact: bool = typer.Option(True, "--redact/--no-redact", help="Redact Markdown and bundles (default on)."),
    redact_level: RedactLevel = typer.Option(RedactLevel.DEFAULT, "--redact-level", help=_LEVEL_HELP),
    redact_preview: bool = typer.Option(False, "--redact-preview",
                                        help="Show what redaction would replace, instead of the report."),
) -> None:
    """Re-classify offline: a saved report or bundle, or pasted command outputs."""
    def body():
        from agent import analyze as analyze_mod
        from agent.model import Platform

        out = _output_options(as_json, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
                              redact_level)
        hint = None
        if platform is not None:
            try:
                hint = Platform(platform.lower())
            except ValueError:
                raise _fail(f"--platform must be linux, macos or windows, not {platform!r}", ExitStatus.USAGE) from None
        try:
            result = analyze_mod.analyze_path(path, platform_hint=hint)
        except analyze_mod.AnalyzeError as err:
            raise _fail(str(err), ExitStatus.NO_DATA) from None
        for file, source_id in result.recognised:
            _err(f"recognised {file} as {source_id}")
        reasons = {}
        for part in result.inputs:
            if part.read_as is None and part.note:
                reasons.setdefault((part.file, part.part), part.note.split("; ")[0])
        for file in result.unrecognised:
            why = next((w for (f, n), w in reasons.items() if file == f or file.startswith(f"{f} part {n} ")), "")
            _err(f"could not recognise {file}" + (f": {why}" if why else ""))
        for note in result.notes:
            _err(note)
        if redact_preview:
            _preview_redaction(result.report, as_json, out.level)
        else:
            _emit(result.report, out)
        raise typer.Exit(int(_exit_status(result.report)))
    _guard(body)


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
    def body():
        from agent import triage as triage_mod

        try:
            chosen = triage_mod.OutputFormat("json" if as_json else fmt.strip().lower())
        except ValueError:
            raise _fail(f"--format must be table, csv, jsonl, markdown or json, not {fmt!r}", ExitStatus.USAGE) from None
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise _fail(f"no such file or folder: {', '.join(missing)}", ExitStatus.USAGE)
        hook = _count_hook()
        encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
        if output is None and encoding != "utf8" and hasattr(sys.stdout, "reconfigure"):
            # a Windows console or pipe in a legacy code page: a character it lacks must not end the run
            sys.stdout.reconfigure(errors="replace")
        if output is None:
            summary = triage_mod.triage(paths, chosen, sys.stdout, max_ids=ids, on_record=hook)
        else:
            summary = _to_file(output, force, lambda fh: triage_mod.triage(paths, chosen, fh, max_ids=ids,
                                                                            on_record=hook))
            _err(f"wrote {output}")
        if hook is not None:
            sys.stderr.write("\n")
        for source, status, reason in summary.problems:
            _err(f"{source}: {status}: {reason}")
        if summary.reports == 0:
            raise _fail("no cvpn-doctor report could be read" + (
                f" ({summary.not_counted()} not counted, listed above)" if summary.not_counted() else
                " (folders are searched for *.json and *.zip)"), ExitStatus.NO_DATA)
        raise typer.Exit(int(ExitStatus.FINDINGS if summary.with_errors else
                             ExitStatus.CANNOT_TELL if summary.cannot_tell else ExitStatus.OK))
    _guard(body)


def _count_hook():
    """'read N reports' on stderr, only on a TTY."""
    if _state["quiet"] or not sys.stderr.isatty():
        return None

    def hook(n: int) -> None:
        if n % 200 == 0:
            sys.stderr.write(f"\rread {n} reports")
            sys.stderr.flush()

    return hook


def _to_file(path: Path, force: bool, write):
    """Stream into a temporary file beside ``path`` and rename it over at the end (never a
    half-written output; an existing file only with --force).  A device or FIFO (/dev/null)
    is written directly."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                return write(fh)
        except OSError as err:
            raise _fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
    if mode is not None and not force:
        raise _fail(f"{path} exists; use --force to overwrite it", ExitStatus.USAGE)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            result = write(fh)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


@app.command()
def explain(code: Optional[str] = typer.Argument(None, help="A finding code; none lists them all.")) -> None:
    """Print the documentation of one finding code (or list all codes)."""
    from agent.findings import CATALOGUE

    if code is None:
        width = max(len(c) for c in CATALOGUE)
        for c, d in sorted(CATALOGUE.items()):
            typer.echo(f"{c.ljust(width)}  {d.severity.value:<7}  {d.title}")
        return
    d = CATALOGUE.get(code.strip().lower())
    if d is None:
        raise _fail(f"unknown finding code {code!r}; 'cvpn-doctor explain' lists them", ExitStatus.USAGE)
    typer.echo(f"{d.code} ({d.severity.value}): {d.title}\n")
    typer.echo(f"What it means:\n  {d.explanation}\n")
    typer.echo(f"Evidence that triggers it:\n  {d.observes}\n")
    typer.echo(f"What you can do:\n  {d.user_fix}\n")
    typer.echo(f"What the VPN administrator must change:\n  {d.admin_fix}\n")
    typer.echo(f"Documentation: {d.doc}")


_GLOBAL_FLAGS = {"-v", "-vv", "-vvv", "--verbose", "-q", "--quiet", "--debug"}


def default_command(args: list[str]) -> list[str]:
    """No command means diagnose (DESIGN.md): `cvpn-doctor -v` == `cvpn-doctor -v diagnose`."""
    if all(a in _GLOBAL_FLAGS for a in args):
        return [*args, "diagnose"]
    return list(args)


def main() -> None:
    # Fast path: --version without importing the rest (start-up time is a feature).
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"{TOOL_NAME} {__version__}\n")
        sys.exit(0)
    args = default_command(sys.argv[1:])
    try:
        app(args=args, prog_name=TOOL_NAME)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(int(ExitStatus.INTERRUPTED))
