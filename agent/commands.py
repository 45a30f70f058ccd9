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


class ExitStatus(IntEnum):
    OK = 0              # no problem found (info/warnings only)
    FINDINGS = 1        # at least one error-severity finding
    USAGE = 2
    NO_DATA = 3         # could not collect or probe at all
    CANNOT_TELL = 4     # no error found, but the evidence cannot support a verdict (report: "Could not tell")
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

    name, _, expected = text.partition("=")
    name = name.strip().rstrip(".")
    if not name or " " in name or len(name) > 253:
        raise BadParameter(f"{text!r} is not a DNS name", param_hint="--name")
    expected = expected.strip() or None
    if expected is not None and expected not in ("private", "public"):
        try:
            ipaddress.ip_address(expected)
        except ValueError:
            raise BadParameter(f"expected value {expected!r} must be an IP address, 'private' or 'public'",
                               param_hint="--name") from None
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

    def check(self, ui: Ui) -> "Outputs":
        """Usage errors: two things that both want stdout, strict without redaction."""
        to_stdout = [flag for flag, on in (("--json", self.as_json), ("--json-line", self.json_line),
                                            ("--markdown -", self.markdown is not None and str(self.markdown) == "-"))
                     if on]
        if len(to_stdout) > 1:
            raise ui.fail(f"{' and '.join(to_stdout)} all want stdout; keep one (give --markdown a file, "
                          "or use --json-file FILE)", ExitStatus.USAGE)
        if self.level != "default" and not self.redact:
            raise ui.fail(f"--redact-level {self.level} and --no-redact contradict each other", ExitStatus.USAGE)
        return self


def outputs(ui: Ui, as_json, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
            level) -> Outputs:
    return Outputs(as_json=as_json, json_line=json_line, json_file=json_file, markdown=markdown, html=html,
                   diagram=not no_diagram, bundle=bundle, force=force, redact=redact,
                   level=getattr(level, "value", level)).check(ui)


def emit(ui: Ui, report, out: Outputs, to_stdout: bool = True) -> None:
    from agent.render import Format, render
    from agent.render.style import style_for

    markdown, bundle, force = out.markdown, out.bundle, out.force
    if out.json_file is not None:
        write_text(ui, out.json_file, render(report, Format.JSON), force)
        ui.err(f"wrote {out.json_file}")
    if out.html is not None:
        write_text(ui, out.html, render(report, Format.HTML, redact=out.redact, level=out.level), force)
        ui.err(f"wrote {out.html}")
    if markdown is not None:
        text = render(report, Format.MARKDOWN, redact=out.redact, diagram=out.diagram, level=out.level)
        if str(markdown) == "-":
            sys.stdout.write(text)
        else:
            write_text(ui, markdown, text, force)
            ui.err(f"wrote {markdown}")
    if bundle is not None:
        from agent import bundle as bundle_mod
        try:
            path = bundle_mod.write_bundle(report, bundle, force=force, redact=out.redact, level=out.level)
        except bundle_mod.BundleError as err:
            raise ui.fail(str(err), ExitStatus.USAGE) from None
        ui.err(f"wrote {path}")
    if not to_stdout:
        return
    if out.as_json:
        sys.stdout.write(render(report, Format.JSON))
    elif out.json_line:
        from agent.triage import json_line
        sys.stdout.write(json_line(report.to_dict()) + "\n")
    elif markdown is None or str(markdown) != "-":
        style = style_for(sys.stdout)
        sys.stdout.write(render(report, Format.TEXT, color=style.color, verbose=ui.verbose > 0, unicode=style.unicode))


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
            raise ui.fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
        return
    if mode is not None and not force:
        raise ui.fail(f"{path} exists; use --force to overwrite it", ExitStatus.USAGE)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ui.fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
    except BaseException:   # Ctrl-C mid-write: no temporary file left behind
        tmp.unlink(missing_ok=True)
        raise


def guard(ui: Ui, fn: Callable[[], None], passthrough: tuple[type[BaseException], ...] = ()) -> None:
    """Run a command body: Ctrl-C -> 130, a closed stdout -> a quiet 0, internal errors -> a
    message (traceback with --debug)."""
    try:
        fn()
    except KeyboardInterrupt:
        ui.err("interrupted")
        raise Exit(ExitStatus.INTERRUPTED) from None
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit (docs.python.org/3/library/signal.html#note-on-sigpipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise Exit(ExitStatus.OK) from None
    except (Exit, BadParameter, *passthrough):
        raise
    except Exception as err:  # noqa: BLE001 - the last line of defence: no tracebacks for users
        if ui.debug:
            raise
        ui.err(f"error: internal error: {type(err).__name__}: {err} (run with --debug for the traceback, "
               "and please report it)")
        raise Exit(ExitStatus.NO_DATA) from None


def options(ui: Ui, names, timeout, log_file, profile, config, probe=True):
    """run.Options from the flags and the organisation's config file (a flag wins)."""
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
            raise ui.fail(str(err), ExitStatus.USAGE) from None
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


# --------------------------------------------------------------------------- commands

def diagnose(ui: Ui, *, as_json: bool = False, json_line: bool = False, json_file: Optional[Path] = None,
             markdown: Optional[Path] = None, html: Optional[Path] = None, no_diagram: bool = False,
             bundle: Optional[Path] = None, force: bool = False, name: Sequence[str] = (),
             profile: Optional[Path] = None, log_file: Optional[Path] = None, config: Optional[Path] = None,
             timeout: Optional[float] = None, redact: bool = True, redact_level="default", no_probe: bool = False,
             redact_preview: bool = False) -> None:
    """Collect, probe, classify and print the verdict."""
    def body():
        from agent import run

        out = outputs(ui, as_json, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
                      redact_level)
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
                ui.err(f"interrupted: partial report ({exc.report.probe_skipped}) written to {', '.join(files)}")
            else:
                ui.err("interrupted")
            raise Exit(ExitStatus.INTERRUPTED) from None
        if redact_preview:
            preview_redaction(report, as_json, out.level)
        else:
            emit(ui, report, out)
        raise Exit(exit_status(report))
    guard(ui, body)


def collect(ui: Ui, *, as_json: bool = False, profile: Optional[Path] = None,
            log_file: Optional[Path] = None) -> None:
    """Collect and parse only; print the snapshot (no packets are sent)."""
    def body():
        from agent import run

        _raw, snapshot = run.collect(options(ui, (), None, log_file, profile, None, probe=False))
        if as_json:
            sys.stdout.write(json.dumps(snapshot.to_dict(), indent=2, ensure_ascii=False) + "\n")
        else:
            from agent.render.style import style_for
            from agent.render.terminal import render_snapshot

            sys.stdout.write(render_snapshot(snapshot, style_for(sys.stdout)))
        empty = not snapshot.interfaces and not snapshot.routes and not snapshot.dns.resolvers
        raise Exit(ExitStatus.NO_DATA if empty and snapshot.errors else ExitStatus.OK)
    guard(ui, body)


def probe(ui: Ui, *, server: str, names: Sequence[str] = (), count: int = 3, interval: float = 0.2,
          timeout: float = 2.0, udp_only: bool = False, tcp_only: bool = False, as_json: bool = False) -> None:
    """Probe one server over UDP and TCP with timings (dnsping-like)."""
    def body():
        from agent import dnsping, probes
        from agent.model import Transport

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
        if as_json:
            sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
        else:
            sys.stdout.write(report.to_text())
        raise Exit(ExitStatus.OK if report.any_received else ExitStatus.FINDINGS)
    guard(ui, body)


def analyze(ui: Ui, *, path: Path, platform: Optional[str] = None, as_json: bool = False, json_line: bool = False,
            json_file: Optional[Path] = None, markdown: Optional[Path] = None, html: Optional[Path] = None,
            no_diagram: bool = False, bundle: Optional[Path] = None, force: bool = False, redact: bool = True,
            redact_level="default", redact_preview: bool = False) -> None:
    """Re-classify offline: a saved report or bundle, or pasted command outputs."""
    def body():
        from agent import analyze as analyze_mod
        from agent.model import Platform

        out = outputs(ui, as_json, json_line, json_file, markdown, html, no_diagram, bundle, force, redact,
                      redact_level)
        hint = None
        if platform is not None:
            try:
                hint = Platform(platform.lower())
            except ValueError:
                raise ui.fail(f"--platform must be linux, macos or windows, not {platform!r}",
                              ExitStatus.USAGE) from None
        try:
            result = analyze_mod.analyze_path(path, platform_hint=hint)
        except analyze_mod.AnalyzeError as err:
            raise ui.fail(str(err), ExitStatus.NO_DATA) from None
        for file, source_id in result.recognised:
            ui.err(f"recognised {file} as {source_id}")
        reasons = {}
        for part in result.inputs:
            if part.read_as is None and part.note:
                reasons.setdefault((part.file, part.part), part.note.split("; ")[0])
        for file in result.unrecognised:
            why = next((w for (f, n), w in reasons.items() if file == f or file.startswith(f"{f} part {n} ")), "")
            ui.err(f"could not recognise {file}" + (f": {why}" if why else ""))
        for note in result.notes:
            ui.err(note)
        if redact_preview:
            preview_redaction(result.report, as_json, out.level)
        else:
            emit(ui, result.report, out)
        raise Exit(exit_status(result.report))
    guard(ui, body)


def triage(ui: Ui, *, paths: Sequence[Path], fmt: str = "table", as_json: bool = False,
           output: Optional[Path] = None, force: bool = False, ids: int = 10) -> None:
    """Many reports at once: counts per verdict, scenario, finding code, OS, VPN client,
    endpoint and region; CSV and JSON Lines give one record per report."""
    def body():
        from agent import triage as triage_mod

        try:
            chosen = triage_mod.OutputFormat("json" if as_json else fmt.strip().lower())
        except ValueError:
            raise ui.fail(f"--format must be table, csv, jsonl, markdown or json, not {fmt!r}",
                          ExitStatus.USAGE) from None
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise ui.fail(f"no such file or folder: {', '.join(missing)}", ExitStatus.USAGE)
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
            ui.err(f"wrote {output}")
        if hook is not None:
            sys.stderr.write("\n")
        for source, status, reason in summary.problems:
            ui.err(f"{source}: {status}: {reason}")
        if summary.reports == 0:
            raise ui.fail("no cvpn-doctor report could be read" + (
                f" ({summary.not_counted()} not counted, listed above)" if summary.not_counted() else
                " (folders are searched for *.json and *.zip)"), ExitStatus.NO_DATA)
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


def _to_file(ui: Ui, path: Path, force: bool, write):
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
            raise ui.fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
    if mode is not None and not force:
        raise ui.fail(f"{path} exists; use --force to overwrite it", ExitStatus.USAGE)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            result = write(fh)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ui.fail(f"could not write {path}: {err.strerror or err}", ExitStatus.USAGE) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


def explain(ui: Ui, code: Optional[str] = None) -> None:
    """Print the documentation of one finding code (or list all codes)."""
    from agent.findings import CATALOGUE
    from agent.i18n import _

    out = []
    if code is None:
        width = max(len(c) for c in CATALOGUE)
        for c, d in sorted(CATALOGUE.items()):
            out.append(f"{c.ljust(width)}  {d.severity.value:<7}  {_(d.title)}\n")
    else:
        d = CATALOGUE.get(code.strip().lower())
        if d is None:
            raise ui.fail(_("unknown finding code {code}; 'cvpn-doctor explain' lists them").format(code=repr(code)),
                          ExitStatus.USAGE)
        out.append(f"{d.code} ({d.severity.value}): {_(d.title)}\n\n"
                   + _("What it means:") + f"\n  {_(d.explanation)}\n\n"
                   + _("Evidence that triggers it:") + f"\n  {_(d.observes)}\n\n"
                   + _("What you can do:") + f"\n  {_(d.user_fix)}\n\n"
                   + _("What the VPN administrator must change:") + f"\n  {_(d.admin_fix)}\n\n"
                   + _("Documentation: {url}").format(url=d.doc) + "\n")
    sys.stdout.write("".join(out))
    raise Exit(ExitStatus.OK)
