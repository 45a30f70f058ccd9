"""What each command does once its flags are parsed, whoever parsed them: typer
(``agent.cli``) or the launcher's fast path (``agent.launch``).  Typer-free, so a command
behaves the same either way and the fast path does not pay for typer's import.

Only this module (and the renderers it calls) writes to stdout; progress and messages go
to stderr.  ``--json`` prints exactly one JSON document.  Every command ends by raising
:class:`Exit` with its exit status; :class:`BadParameter` is a usage error in one option
(typer shows it with the usage line).
"""
from __future__ import annotations

import ipaddress
import json
import os
import sys
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Callable, Optional, Sequence

from agent.i18n import _


class ExitStatus(IntEnum):
    OK = 0              # no problem found (info/warnings only)
    FINDINGS = 1        # at least one error-severity finding
    USAGE = 2
    NO_DATA = 3         # could not collect or probe at all
    CANNOT_TELL = 4     # no error found, but the evidence cannot support a verdict (report: "Could not tell")
    WRITE_FAILED = 5    # could not write an output file that was asked for (disk full, no permission...)
    INTERNAL = 70       # a bug in cvpn-doctor (sysexits' EX_SOFTWARE): the message asks for a report
    INTERRUPTED = 130


class Exit(Exception):
    """The command is done; exit with ``status``."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = int(status)


class BadParameter(ValueError):
    """A value typer would reject for ``param_hint`` (shown with the usage line)."""

    def __init__(self, message: str, param_hint: str) -> None:
        super().__init__(message)
        self.param_hint = param_hint


@dataclass
class Ui:
    """The global flags: how much goes to stderr, and whether internal errors show tracebacks."""
    debug: bool = False
    quiet: bool = False
    verbose: int = 0
    lang: Optional[str] = None     # --lang as given (agent.i18n.language() is the one in use)

    def err(self, message: str) -> None:
        """A message for the user on stderr (never stdout, so --json stays pure)."""
        if not self.quiet or message.startswith("error"):
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    def fail(self, message: str, status: ExitStatus) -> Exit:
        self.err(f"error: {message}")
        return Exit(status)

    def progress_hook(self) -> Callable[[int, int], None] | None:
        """A one-line progress indicator on stderr, only on a TTY."""
        if self.quiet or not sys.stderr.isatty():
            return None

        def hook(done: int, total: int) -> None:
            end = "\n" if done >= total else ""
            sys.stderr.write(f"\rprobing nameservers: {done}/{total}{end}")
            sys.stderr.flush()

        return hook


def setup_logging(ui: Ui) -> None:
    import logging   # here: explain never logs, and logging costs ~6 ms to import

    level = os.environ.get("CVPN_DOCTOR_LOGLEVEL", "").upper() or None
    if ui.debug:
        level = "DEBUG"
    elif ui.verbose and not level:
        level = "INFO" if ui.verbose == 1 else "DEBUG"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for name in ("agent", "platforms"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(level or ("ERROR" if ui.quiet else "WARNING"))
        lg.propagate = False


# --------------------------------------------------------------------------- helpers

def parse_name(text: str):
    """NAME[=EXPECTED] where EXPECTED is an IP address, 'private' or 'public'."""
    from agent.model import NameCheck

    name, _sep, given = text.partition("=")
    name = name.strip().rstrip(".")
    if not name or " " in name or len(name) > 253:
        raise BadParameter(_("{text} is not a DNS name").format(text=repr(text)), param_hint="--name")
    expected = given.strip() or None
    if expected is not None and expected not in ("private", "public"):
        try:
            ipaddress.ip_address(expected)
        except ValueError:
            raise BadParameter(_("expected value {value} must be an IP address, 'private' or 'public'").format(
                value=repr(expected)), param_hint="--name") from None
    return NameCheck(name=name, expected=expected, origin="user")


def exit_status(report) -> ExitStatus:
    from agent.model import Severity, Verdict

    snap = report.snapshot
    if not snap.interfaces and not snap.routes and not snap.dns.resolvers and snap.errors:
        return ExitStatus.NO_DATA
    if any(f.severity is Severity.ERROR for f in report.findings):
        return ExitStatus.FINDINGS
    if report.verdict is Verdict.CANNOT_TELL:
        return ExitStatus.CANNOT_TELL
    return ExitStatus.OK


FORMATS = ("text", "json", "markdown")


def main_format(ui: Ui, fmt: Optional[str], as_json: bool, allowed: Sequence[str] = FORMATS,
                default: str = "text") -> str:
    """The format of a command's main output from the shared options (--format, --json)."""
    chosen = (fmt or "").strip().lower() or None
    if chosen == "text" and "text" not in allowed and "table" in allowed:
        chosen = "table"     # triage: its text is a table
    if chosen is not None and chosen not in allowed:
        raise ui.fail(_("--format must be {choices} or {last}, not {given}").format(
            choices=", ".join(allowed[:-1]), last=allowed[-1], given=repr(fmt)), ExitStatus.USAGE)
    if as_json and chosen not in (None, "json"):
        raise ui.fail(_("{options} contradict each other").format(options=f"--json and --format {chosen}"),
                      ExitStatus.USAGE)
    return "json" if as_json else chosen or default


def deliver(ui: Ui, text: str, output: Optional[Path], force: bool) -> None:
    """A command's main output: to stdout, or atomically to ``output``."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
    else:
        write_text(ui, output, text, force)
        ui.err(_("wrote {path}").format(path=output))


@dataclass(frozen=True)
class Outputs:
    """The output options every report-producing command shares: the main output (format and
    destination), which other files are written, and how they are redacted."""
    fmt: str = "text"
    output: Optional[Path] = None
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

    def check(self, ui: Ui) -> "Outputs":
        """Usage errors: two things that both want stdout, strict without redaction."""
        main_to_stdout = self.output is None or str(self.output) == "-"
        to_stdout = [flag for flag, on in (
            ("--json", self.as_json), (f"--format {self.fmt}", self.fmt != "text" and not self.as_json),
            ("--json-line", self.json_line), ("--markdown -", self.markdown is not None and str(self.markdown) == "-"))
            if on]
        if not main_to_stdout:
            to_stdout = [f for f in to_stdout if f in ("--json-line", "--markdown -")]
        if len(to_stdout) > 1:
            raise ui.fail(_("{options} all want stdout; keep one (give --markdown a file, or use --json-file "
                            "FILE)").format(options=" and ".join(to_stdout)), ExitStatus.USAGE)
        if self.level != "default" and not self.redact:
            raise ui.fail(_("{options} contradict each other").format(
                options=f"--redact-level {self.level} and --no-redact"), ExitStatus.USAGE)
        return self


def outputs(ui: Ui, fmt, as_json, output, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
            level) -> Outputs:
    return Outputs(fmt=main_format(ui, fmt, as_json), output=output, as_json=as_json, json_line=json_line,
                   json_file=json_file, markdown=markdown, html=html, diagram=not no_diagram, bundle=bundle,
                   force=force, redact=redact, level=getattr(level, "value", level)).check(ui)


def emit(ui: Ui, report, out: Outputs, to_stdout: bool = True) -> None:
    from agent.render import Format, render
    from agent.render.style import style_for

    markdown, bundle, force = out.markdown, out.bundle, out.force
    if out.json_file is not None:
        write_text(ui, out.json_file, render(report, Format.JSON), force)
        ui.err(_("wrote {path}").format(path=out.json_file))
    if out.html is not None:
        write_text(ui, out.html, render(report, Format.HTML, redact=out.redact, level=out.level), force)
        ui.err(_("wrote {path}").format(path=out.html))
    if markdown is not None:
        deliver(ui, render(report, Format.MARKDOWN, redact=out.redact, diagram=out.diagram, level=out.level),
                markdown, force)
    if bundle is not None:
        from agent import bundle as bundle_mod
        try:
            path = bundle_mod.write_bundle(report, bundle, force=force, redact=out.redact, level=out.level)
        except bundle_mod.BundleError as err:
            raise ui.fail(str(err), ExitStatus.USAGE if err.refused else ExitStatus.WRITE_FAILED) from None
        ui.err(_("wrote {path}").format(path=path))
    if not to_stdout:
        return
    if out.json_line:
        from agent.triage import json_line
        sys.stdout.write(json_line(report.to_dict()) + "\n")
    main_to_stdout = out.output is None or str(out.output) == "-"
    if main_to_stdout and (out.json_line or (markdown is not None and str(markdown) == "-")) and out.fmt == "text":
        return      # stdout already has the one thing asked for
    fmt = Format(out.fmt)
    style = style_for(sys.stdout)
    color = fmt is Format.TEXT and main_to_stdout and style.color
    # ASCII marks for a console that cannot print the arrows and check marks (cp932, cp1252)
    unicode = style.unicode or not main_to_stdout
    deliver(ui, render(report, fmt, color=color, verbose=ui.verbose > 0, redact=out.redact, diagram=out.diagram,
                       level=out.level, unicode=unicode), out.output, out.force)


def preview_redaction(report, as_json: bool, level: str = "default") -> None:
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


def write_text(ui: Ui, path: Path, text: str, force: bool) -> None:
    """Write one output file atomically (agent.atomic); a refusal (exists without --force) is
    a usage error, a failed write its own exit status."""
    _to_file(ui, path, force, lambda fh: fh.write(text))


def guard(ui: Ui, fn: Callable[[], None], passthrough: tuple[type[BaseException], ...] = ()) -> None:
    """Run a command body: Ctrl-C -> 130, a closed stdout -> a quiet 0, internal errors -> a
    message (traceback with --debug)."""
    try:
        fn()
    except KeyboardInterrupt:
        ui.err(_("interrupted"))
        raise Exit(ExitStatus.INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit (docs.python.org/3/library/signal.html#note-on-sigpipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise Exit(ExitStatus.OK) from None
    except (Exit, BadParameter):
        raise
    except passthrough:
        raise
    except Exception as err:  # noqa: BLE001 - the last line of defence: no tracebacks for users
        if ui.debug:
            raise
        ui.err("error: " + _("internal error: {error} (run with --debug for the traceback, and please report "
                             "it)").format(error=f"{type(err).__name__}: {err}"))
        raise Exit(ExitStatus.INTERNAL) from None


def options(ui: Ui, names, timeout, log_file, profile, config, probe=True):
    """run.Options from the flags and the organisation's config file (agent.config merges them)."""
    from agent import config as config_mod

    try:
        return config_mod.run_options(names, timeout=timeout, log_file=log_file, profile=profile, config=config,
                                      probe=probe)
    except config_mod.ConfigError as err:
        raise ui.fail(str(err), ExitStatus.USAGE) from None


# --------------------------------------------------------------------------- commands

def diagnose(ui: Ui, *, fmt: Optional[str] = None, as_json: bool = False, output: Optional[Path] = None,
             json_line: bool = False, json_file: Optional[Path] = None,
             markdown: Optional[Path] = None, html: Optional[Path] = None, no_diagram: bool = False,
             bundle: Optional[Path] = None, force: bool = False, name: Sequence[str] = (),
             profile: Optional[Path] = None, log_file: Optional[Path] = None, config: Optional[Path] = None,
             timeout: Optional[float] = None, redact: bool = True, redact_level="default", no_probe: bool = False,
             redact_preview: bool = False) -> None:
    """Collect, probe, classify and print the verdict."""
    def body():
        from agent import run

        out = outputs(ui, fmt, as_json, output, json_line, json_file, markdown, html, no_diagram, bundle, force,
                      redact, redact_level)
        names = tuple(parse_name(n) for n in name)
        opts = options(ui, names, timeout, log_file, profile, config, probe=not no_probe)
        try:
            report = run.diagnose(opts, on_progress=ui.progress_hook())
        except run.Interrupted as exc:
            # Ctrl-C while probing: keep what was collected in the files the user asked for
            # (stdout gets nothing: a script reading it must see the interruption, not a
            # report that looks complete).
            md = markdown if markdown is not None and str(markdown) != "-" else None
            files = [str(p) for p in (json_file, md, bundle, html) if p is not None]
            if files and not redact_preview:
                emit(ui, exc.report, Outputs(json_file=json_file, markdown=md, html=html, diagram=not no_diagram,
                                             bundle=bundle, force=force, redact=redact, level=out.level),
                     to_stdout=False)
                ui.err(_("interrupted: partial report ({why}) written to {files}").format(
                    why=exc.report.probe_skipped, files=", ".join(files)))
            else:
                ui.err(_("interrupted"))
            raise Exit(ExitStatus.INTERRUPTED) from None
        if redact_preview:
            preview_redaction(report, out.fmt == "json", out.level)
        else:
            emit(ui, report, out)
        raise Exit(exit_status(report))
    guard(ui, body)


def collect(ui: Ui, *, fmt: Optional[str] = None, as_json: bool = False, output: Optional[Path] = None,
            force: bool = False, profile: Optional[Path] = None, log_file: Optional[Path] = None) -> None:
    """Collect and parse only; print the snapshot (no packets are sent)."""
    def body():
        from agent import run
        from agent.render import Format, render_snapshot

        chosen = Format(main_format(ui, fmt, as_json))
        _raw, snapshot = run.collect(options(ui, (), None, log_file, profile, None, probe=False))
        deliver(ui, render_snapshot(snapshot, chosen, color=output is None and _color()), output, force)
        empty = not snapshot.interfaces and not snapshot.routes and not snapshot.dns.resolvers
        raise Exit(ExitStatus.NO_DATA if empty and snapshot.errors else ExitStatus.OK)
    guard(ui, body)


def _color() -> bool:
    from agent.render.style import style_for

    return style_for(sys.stdout).color


def probe(ui: Ui, *, server: str, names: Sequence[str] = (), count: int = 3, interval: float = 0.2,
          timeout: float = 2.0, udp_only: bool = False, tcp_only: bool = False, fmt: Optional[str] = None,
          as_json: bool = False, output: Optional[Path] = None, force: bool = False) -> None:
    """Probe one server over UDP and TCP with timings (dnsping-like)."""
    def body():
        from agent import dnsping, probes
        from agent.model import Transport
        from agent.render import Format, render_ping

        chosen = Format(main_format(ui, fmt, as_json))
        try:
            address, port = probes.parse_server(server)
        except ValueError as err:
            raise ui.fail(f"{server!r}: {err}", ExitStatus.USAGE) from None
        transports = (Transport.UDP,) if udp_only else (Transport.TCP,) if tcp_only else (Transport.UDP, Transport.TCP)
        try:
            report = dnsping.ping(address, list(names or [probes.DEFAULT_CANARY]), port=port, count=count,
                                  interval_s=interval, timeout_s=timeout, transports=transports)
        except ValueError as err:
            raise ui.fail(str(err), ExitStatus.USAGE) from None
        deliver(ui, render_ping(report, chosen), output, force)
        raise Exit(ExitStatus.OK if report.any_received else ExitStatus.FINDINGS)
    guard(ui, body)


def analyze(ui: Ui, *, path: Path, platform: Optional[str] = None, fmt: Optional[str] = None, as_json: bool = False,
            output: Optional[Path] = None, json_line: bool = False,
            json_file: Optional[Path] = None, markdown: Optional[Path] = None, html: Optional[Path] = None,
            no_diagram: bool = False, bundle: Optional[Path] = None, force: bool = False, redact: bool = True,
            redact_level="default", redact_preview: bool = False) -> None:
    """Re-classify offline: a saved report or bundle, or pasted command outputs."""
    def body():
        from agent import analyze as analyze_mod
        from agent.model import Platform

        out = outputs(ui, fmt, as_json, output, json_line, json_file, markdown, html, no_diagram, bundle, force,
                      redact, redact_level)
        hint = None
        if platform is not None:
            try:
                hint = Platform(platform.lower())
            except ValueError:
                raise ui.fail(_("--platform must be linux, macos or windows, not {given}").format(
                    given=repr(platform)), ExitStatus.USAGE) from None
        try:
            result = analyze_mod.analyze_path(path, platform_hint=hint)
        except analyze_mod.AnalyzeError as err:
            raise ui.fail(str(err), ExitStatus.NO_DATA) from None
        for file, source_id in result.recognised:
            ui.err(_("recognised {file} as {source}").format(file=file, source=source_id))
        reasons = {}
        for part in result.inputs:
            if part.read_as is None and part.note:
                reasons.setdefault((part.file, part.part), part.note.split("; ")[0])
        for file in result.unrecognised:
            why = next((w for (f, n), w in reasons.items() if file == f or file.startswith(f"{f} part {n} ")), "")
            ui.err(_("could not recognise {file}: {why}").format(file=file, why=why) if why
                   else _("could not recognise {file}").format(file=file))
        for note in result.notes:
            ui.err(note)
        if redact_preview:
            preview_redaction(result.report, out.fmt == "json", out.level)
        else:
            emit(ui, result.report, out)
        raise Exit(exit_status(result.report))
    guard(ui, body)


TRIAGE_FORMATS = ("table", "csv", "jsonl", "markdown", "json")


def triage(ui: Ui, *, paths: Sequence[Path], fmt: Optional[str] = None, as_json: bool = False,
           output: Optional[Path] = None, force: bool = False, ids: int = 10) -> None:
    """Many reports at once: counts per verdict, scenario, finding code, OS, VPN client,
    endpoint and region; CSV and JSON Lines give one record per report."""
    def body():
        from agent import triage as triage_mod

        chosen = triage_mod.OutputFormat(main_format(ui, fmt, as_json, TRIAGE_FORMATS, default="table"))
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise ui.fail(_("no such file or folder: {paths}").format(paths=", ".join(missing)), ExitStatus.USAGE)
        hook = _count_hook(ui)
        encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
        if output is None and encoding != "utf8" and hasattr(sys.stdout, "reconfigure"):
            # a Windows console or pipe in a legacy code page: a character it lacks must not end the run
            sys.stdout.reconfigure(errors="replace")
        if output is None:
            summary = triage_mod.triage(paths, chosen, sys.stdout, max_ids=ids, on_record=hook)
        else:
            summary = _to_file(ui, output, force, lambda fh: triage_mod.triage(paths, chosen, fh, max_ids=ids,
                                                                                on_record=hook))
            ui.err(_("wrote {path}").format(path=output))
        if hook is not None:
            sys.stderr.write("\n")
        for source, status, reason in summary.problems:
            ui.err(f"{source}: {status}: {reason}")
        if summary.reports == 0:
            raise ui.fail(_("no cvpn-doctor report could be read ({count} not counted, listed above)").format(
                count=summary.not_counted()) if summary.not_counted() else
                _("no cvpn-doctor report could be read (folders are searched for *.json and *.zip)"),
                ExitStatus.NO_DATA)
        raise Exit(ExitStatus.FINDINGS if summary.with_errors else
                   ExitStatus.CANNOT_TELL if summary.cannot_tell else ExitStatus.OK)
    guard(ui, body)


def _count_hook(ui: Ui):
    """'read N reports' on stderr, only on a TTY."""
    if ui.quiet or not sys.stderr.isatty():
        return None

    def hook(n: int) -> None:
        if n % 200 == 0:
            sys.stderr.write(f"\rread {n} reports")
            sys.stderr.flush()

    return hook


def _to_file(ui: Ui, path: Path, force: bool, fill):
    """Stream ``fill(fh)`` into ``path`` through agent.atomic; its errors become exit statuses."""
    from agent import atomic

    try:
        return atomic.write(path, fill, force=force)
    except atomic.WriteError as err:
        raise ui.fail(str(err), ExitStatus.USAGE if err.refused else ExitStatus.WRITE_FAILED) from None


def explain(ui: Ui, code: Optional[str] = None, *, fmt: Optional[str] = None, as_json: bool = False,
            output: Optional[Path] = None, force: bool = False) -> None:
    """Print the documentation of one finding code (or list all codes)."""
    def body():
        from agent.findings import CATALOGUE
        from agent.render import Format, render_catalogue

        chosen = Format(main_format(ui, fmt, as_json))
        if code is None:
            docs = [d for _c, d in sorted(CATALOGUE.items())]
        else:
            d = CATALOGUE.get(code.strip().lower())
            if d is None:
                raise ui.fail(_("unknown finding code {code}; 'cvpn-doctor explain' lists them").format(
                    code=repr(code)), ExitStatus.USAGE)
            docs = [d]
        deliver(ui, render_catalogue(docs, chosen, listing=code is None), output, force)
        raise Exit(ExitStatus.OK)
    guard(ui, body)
