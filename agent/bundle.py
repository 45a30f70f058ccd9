"""The support bundle: one zip a user attaches to a ticket and a help desk re-analyses.

Contents::

    README.txt          what each file is, and what was redacted
    report.json         the full report (schema-versioned; includes the raw captures)
    report.md           the ticket-ready Markdown report
    report.html         the same report as one page with the DNS path drawn (opens offline)
    raw/NN-<id>.txt     one file per raw capture: command or path, exit code, duration, error, text

Written atomically by :mod:`agent.atomic`: a failed write leaves nothing behind, and an
existing file is replaced only with ``force``.  One
:class:`agent.redact.Redactor` serves every file, so a value gets the same token everywhere.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Callable

from agent import atomic
from agent.model import Report, SourceCapture
from agent.redact import Redactor

RAW_HEADER = "# cvpn-doctor raw capture"


class BundleError(atomic.WriteError):
    """The bundle could not be written or read; the message says why and what to do."""


def raw_file_name(index: int, src: SourceCapture) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", src.id).strip("_") or "source"
    return f"raw/{index:02d}-{safe}.txt"


def render_raw(src: SourceCapture) -> str:
    """One capture as a self-describing text file (``analyze`` reads the header back)."""
    lines = [RAW_HEADER,
             f"# source: {src.id}",
             f"# kind: {src.kind.value}"]
    if src.argv:
        lines.append(f"# command: {' '.join(src.argv)}")
    if src.path:
        lines.append(f"# path: {src.path}")
    lines.append(f"# exit code: {'-' if src.exit_code is None else src.exit_code}")
    lines.append(f"# duration: {src.duration_s:.3f} s")
    if src.error:
        lines.append(f"# error: {src.error}")
    if src.truncated:
        lines.append("# truncated: yes (the output was cut at the size limit)")
    lines.append("# ---- output ----")
    body = "\n".join(lines) + "\n" + (src.text if src.text is not None else "")
    if src.stderr:
        body += ("" if body.endswith("\n") else "\n") + "# ---- stderr ----\n" + src.stderr
    return body if body.endswith("\n") else body + "\n"


def _readme(report: Report, raw_names: list[tuple[str, SourceCapture]], redacted: bool,
            level: str = "default") -> str:
    lines = [
        f"cvpn-doctor support bundle ({report.tool.name} {report.tool.version}, {report.platform.value}, "
        f"generated {report.generated_at} UTC)",
        "",
        f"Verdict: {report.verdict.value}; scenario: {report.scenario.id}; "
        f"findings: {', '.join(f.code for f in report.findings) or 'none'}",
        f"Report id: {report.report_id or '-'}",
        "",
        "Files",
        "  README.txt   this file",
        "  report.json  the full report, JSON (schema version "
        f"{report.schema_version}); it includes the raw captures, so `cvpn-doctor analyze` can",
        "               re-run the analysis on any OS: `cvpn-doctor analyze this-bundle.zip`",
        "  report.md    the same report as Markdown, ready to paste into a ticket",
        "  report.html  the same report as one web page with the DNS path drawn (no script, works offline)",
    ]
    for name, src in raw_names:
        what = " ".join(src.argv) if src.argv else (src.path or src.id)
        lines.append(f"  {name:<30} {src.kind.value}: {what}")
    lines.append("")
    if redacted and level == "strict":
        lines += [
            "Redaction: STRICT level (--redact-level strict), for sharing outside the organisation",
            "  Everything the default level replaces (user and host names, home paths, e-mail and MAC",
            "  addresses, public addresses of this computer) and also, consistently in every file:",
            "  private addresses (same private range, same /24 neighbours, prefix lengths and which",
            "  network holds which address kept; the numbers changed), interface names (a token that keeps",
            "  the kind: tun-x1, eth-x2, wlan-x3, ...), domain names (label by label, so a name stays under",
            "  its domain; AWS service names kept) and the Client VPN endpoint id.",
            "  Removed entirely: certificates and keys, auth tokens and session ids, passwords.",
            "  Kept: public nameserver addresses, DNS answers that are public, the AWS region, prefix lengths.",
        ]
    elif redacted:
        lines += [
            "Redaction (on by default; --no-redact turns it off)",
            "  Replaced consistently (the same value has the same token in every file): user names, host",
            "  names, home-folder paths, e-mail addresses (email-N@redacted.invalid), MAC addresses",
            "  (02:00:00:00:..), and public addresses of this computer (documentation addresses 192.0.2.N /",
            "  2001:db8:ffff::N; prefix lengths kept).",
            "  Removed entirely: certificates and keys (PEM blocks, <key>/<cert>/<tls-auth>/<tls-crypt>/",
            "  <pkcs12> bodies), auth tokens and session ids, passwords.",
            "  Kept, because the diagnosis needs them: private addresses, VPC and client CIDRs, prefix",
            "  lengths, interface names, nameserver addresses (also public ones), DNS answers, the Client",
            "  VPN endpoint id and region.",
        ]
    else:
        lines += ["Redaction: OFF (--no-redact). This bundle may contain user and host names, paths,",
                  "MAC and public addresses. Key material from profiles is never captured."]
    return "\n".join(lines) + "\n"


def _zip_time(report: Report) -> tuple[int, int, int, int, int, int]:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", report.generated_at)
    if m:
        parts = tuple(int(x) for x in m.groups())
        if parts[0] >= 1980:
            return parts  # type: ignore[return-value]
    return (1980, 1, 1, 0, 0, 0)


def build_entries(report: Report, redact: bool = True, redactor: Redactor | None = None,
                  level: str = "default") -> dict[str, str]:
    """The bundle's files (name -> text), redacted with one Redactor (at ``level``) when ``redact``."""
    from agent.render import html, markdown

    red = redactor or (Redactor.for_report(report, level=level) if redact else None)
    level = red.level if red is not None else level
    shown = red.report(report) if red is not None else report
    raw_names: list[tuple[str, SourceCapture]] = []
    entries: dict[str, str] = {}
    if shown.raw is not None:
        for i, src in enumerate(shown.raw.sources, start=1):
            name = raw_file_name(i, src)
            raw_names.append((name, src))
            entries[name] = render_raw(src)
    out = {
        "README.txt": _readme(shown, raw_names, red is not None, level),
        "report.json": json.dumps(shown.to_dict(), indent=2, ensure_ascii=False) + "\n",
        "report.md": markdown.render(shown, redact=red is not None, already_redacted=red is not None, level=level),
        "report.html": html.render(shown, redact=red is not None, already_redacted=red is not None,
                                   level=level),
    }
    out.update(entries)
    return out


def write_bundle(report: Report, path: Path, force: bool = False, redact: bool = True, *,
                 fsync: Callable[[int], None] = os.fsync, level: str = "default") -> Path:
    """Write the bundle zip to ``path`` atomically (agent.atomic) and return it.

    Raises BundleError when the file exists (without ``force``), the folder is missing or not
    writable, or the disk is full; nothing half-written is left behind.  ``fsync`` is injectable
    so tests can simulate a full disk."""
    path = Path(path)
    if path.is_dir():
        raise BundleError(f"{path} is a folder; give a file name such as {path / 'cvpn-doctor-bundle.zip'}",
                          refused=True)
    entries = build_entries(report, redact=redact, level=level)
    stamp = _zip_time(report)

    def fill(fh) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in entries.items():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, text.encode("utf-8"))

    try:
        atomic.write(path, fill, force=force, binary=True, fsync=fsync)
    except atomic.WriteError as err:
        raise BundleError(str(err), refused=err.refused) from None
    return path


def read_bundle(path: Path) -> dict[str, str]:
    """The text files of a bundle (name -> text); raises BundleError when it is not a zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n).decode("utf-8", errors="replace") for n in zf.namelist() if not n.endswith("/")}
    except (zipfile.BadZipFile, OSError) as err:
        raise BundleError(f"{path} is not a readable zip: {err}") from None
