"""The options of the commands that may start without typer: one declaration, two readers.

``agent.cli`` builds its typer options from these (flags, default, help, range), and
``agent.launch`` parses the common, well-formed command lines with :func:`parse` before
typer is imported (typer and the pydantic it pulls in cost about 100 ms at every start).
:func:`parse` only accepts what it is sure typer would accept, with the same values; for
anything else -- ``--help``, an unknown option, ``--opt=`` forms it does not know, a value
out of range, a bad ``--name`` -- it returns None and typer handles the command line, so
help, usage errors and their messages have one source: typer.

tests/test_cli_fastpath.py checks that typer's commands are built from these
declarations and that :func:`parse` and typer agree on generated command lines.
Typer-free on purpose, and cheap to import (named tuples: a dataclass costs ~1 ms to define).
"""
from __future__ import annotations

import math
from enum import Enum
from typing import Any, Callable, NamedTuple

from agent.i18n import N_   # help texts are messages: agent.cli shows them through _()

FLAG = "flag"          # --json: True when given
SWITCH = "switch"      # --redact/--no-redact
COUNT = "count"        # -v -v: how many times
VALUE = "value"        # --log FILE: the last one given wins
MULTI = "multi"        # --name NAME, repeatable: every one, in order


class Opt(NamedTuple):
    """One option: ``dest`` is the command function's parameter name."""
    dest: str
    flags: tuple[str, ...]
    kind: str
    default: Any
    help: str
    convert: Callable[[str], Any] = str     # raises ValueError for what typer would refuse
    min: float | None = None
    max: float | None = None
    off: str | None = None                  # SWITCH: the flag that sets False


class Command(NamedTuple):
    name: str
    help: str
    options: tuple[Opt, ...]

    def opt(self, dest: str) -> Opt:
        return next(o for o in self.options if o.dest == dest)


def _path(text: str):
    from pathlib import Path

    if not text:
        raise ValueError("an empty path")
    return Path(text)


def _seconds(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


NAME_HELP = N_("A name to test, NAME[=EXPECTED] (EXPECTED: an IP, 'private' or 'public'); repeatable.")
JSON_LINE_HELP = N_("Print one compact JSON line (the triage record of this run) for log shippers.")
JSON_FILE_HELP = N_("Also write the JSON report to FILE (atomically; --force overwrites).")
LEVEL_HELP = N_("Redaction level of Markdown and bundles: default (personal data) or strict (also private "
              "addresses, interface names, domains and the endpoint id, for sharing outside the organisation).")


class RedactLevel(str, Enum):
    DEFAULT = "default"
    STRICT = "strict"

GLOBAL = Command("cvpn-doctor", N_("Diagnose DNS on AWS Client VPN connections. Without a command: diagnose."), (
    Opt("verbose", ("--verbose", "-v"), COUNT, 0, N_("More detail on stderr (-vv: debug log).")),
    Opt("quiet", ("--quiet", "-q"), FLAG, False, N_("Nothing on stderr but errors.")),
    Opt("debug", ("--debug",), FLAG, False, N_("Debug log, and tracebacks on internal errors.")),
    # agent.launch takes --lang off the command line wherever it is (agent.i18n.take_option)
    # before this parser or typer sees it; declared here for the help and for typer's callers.
    Opt("lang", ("--lang",), VALUE, None, N_("Language of everything printed: en or ja (also after the command; "
                                             "default: CVPN_DOCTOR_LANG, else the locale, else English).")),
))
VERSION_HELP = N_("Print the version and exit.")

FORMAT_HELP = N_("Output format: text (the default), json or markdown; triage also takes csv and jsonl.")
OUTPUT_HELP = N_("Write the output to FILE instead of stdout (atomically; --force overwrites).")

# The output options every command takes, declared once (agent.commands.Output reads them).
OUTPUT = (
    Opt("fmt", ("--format", "-f"), VALUE, None, FORMAT_HELP),
    Opt("as_json", ("--json",), FLAG, False, N_("Print one JSON document (= --format json).")),
    Opt("output", ("--output", "-o"), VALUE, None, OUTPUT_HELP, _path),
    Opt("force", ("--force",), FLAG, False, N_("Overwrite existing output files.")),
)

# What a diagnosis can also write (diagnose and analyze): files beside the main output.
REPORT_FILES = (
    Opt("json_line", ("--json-line",), FLAG, False, JSON_LINE_HELP),
    Opt("json_file", ("--json-file",), VALUE, None, JSON_FILE_HELP, _path),
    Opt("markdown", ("--markdown",), VALUE, None, N_("Write a Markdown report (- for stdout)."), _path),
    Opt("html", ("--html",), VALUE, None, N_("Write one self-contained HTML page with the DNS path drawn."), _path),
    Opt("no_diagram", ("--no-diagram",), FLAG, False, N_("Leave the Mermaid DNS-path drawing out of the Markdown.")),
    Opt("bundle", ("--bundle",), VALUE, None, N_("Write a zip with the reports and raw captures."), _path),
    Opt("redact", ("--redact",), SWITCH, True, N_("Redact Markdown and bundles (default on)."), off="--no-redact"),
    Opt("redact_level", ("--redact-level",), VALUE, RedactLevel.DEFAULT, LEVEL_HELP, RedactLevel),
    Opt("redact_preview", ("--redact-preview",), FLAG, False,
        N_("Show what redaction would replace, instead of the report.")),
)

DIAGNOSE = Command("diagnose", N_("Collect, probe, classify and print the verdict (the default command)."), (
    *OUTPUT, *REPORT_FILES,
    Opt("name", ("--name", "-n"), MULTI, [], NAME_HELP),
    Opt("profile", ("--profile",), VALUE, None, N_("The .ovpn profile in use."), _path),
    Opt("log_file", ("--log",), VALUE, None, N_("OpenVPN / AWS VPN Client log (found automatically)."), _path),
    Opt("config", ("--config",), VALUE, None, N_("Organisation defaults (TOML)."), _path),
    Opt("timeout", ("--timeout",), VALUE, None, N_("Global probe deadline in seconds (default 3)."), _seconds,
        min=0.1, max=60.0),
    Opt("no_probe", ("--no-probe",), FLAG, False, N_("Collect and classify without sending any query.")),
))

COLLECT = Command("collect", N_("Collect and parse only; print the snapshot (no packets are sent)."), (
    *OUTPUT,
    Opt("profile", ("--profile",), VALUE, None, N_("The .ovpn profile in use."), _path),
    Opt("log_file", ("--log",), VALUE, None, N_("OpenVPN / AWS VPN Client log."), _path),
))

SHARED = Command("(every command)", "", OUTPUT)
EXPLAIN = Command("explain", N_("Print the documentation of one finding code (or list all codes)."), OUTPUT)
EXPLAIN_CODE_HELP = N_("A finding code; none lists them all.")

FAST = {c.name: c for c in (DIAGNOSE, COLLECT, EXPLAIN)}


class Parsed(NamedTuple):
    """A command line :func:`parse` is sure of."""
    command: str
    global_options: dict[str, Any]
    options: dict[str, Any]


def _parse_options(command: Command, args: list[str], start: dict[str, Any]) -> dict[str, Any] | None:
    values = dict(start)
    by_flag: dict[str, tuple[Opt, bool]] = {}
    for o in command.options:
        for f in o.flags:
            by_flag[f] = (o, True)
        if o.off:
            by_flag[o.off] = (o, False)
    i = 0
    while i < len(args):
        arg = args[i]
        flag, eq, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if flag not in by_flag:
            return None                      # --help, unknown, positional, -nVALUE, --: typer's call
        o, on = by_flag[flag]
        if o.kind in (FLAG, SWITCH, COUNT):
            if eq:
                return None
            values[o.dest] = values[o.dest] + 1 if o.kind == COUNT else on
            i += 1
            continue
        if eq:
            text = inline
            i += 1
        elif i + 1 < len(args):
            text = args[i + 1]
            i += 2
        else:
            return None                      # the value is missing
        if text.startswith("-") and text != "-":
            return None                      # an option-looking value: let typer decide
        try:
            value = o.convert(text)
        except ValueError:
            return None
        if (o.min is not None and value < o.min) or (o.max is not None and value > o.max):
            return None
        if o.kind == MULTI:
            values[o.dest] = [*values[o.dest], value]
        else:
            values[o.dest] = value
    return values


def defaults(command: Command) -> dict[str, Any]:
    return {o.dest: (list(o.default) if isinstance(o.default, list) else o.default) for o in command.options}


def parse(args: list[str]) -> Parsed | None:
    """``cvpn-doctor [GLOBAL...] [diagnose|collect|explain] [OPTIONS...]`` -> Parsed, or
    None when typer must parse it (anything this does not fully understand)."""
    globals_ = defaults(GLOBAL)
    global_flags = {f: o for o in GLOBAL.options for f in o.flags}
    i = 0
    while i < len(args) and args[i] in global_flags:
        o = global_flags[args[i]]
        if o.kind == VALUE:
            return None                      # --lang: agent.launch took it off already; typer's call
        globals_[o.dest] = globals_[o.dest] + 1 if o.kind == COUNT else True
        i += 1
    rest = args[i:]
    # no command means diagnose (docs/design.md): `cvpn-doctor --json` is `cvpn-doctor diagnose --json`
    named = bool(rest) and not rest[0].startswith("-")
    command = FAST.get(rest[0] if named else "diagnose")
    if command is None:
        return None
    tail = rest[1:] if named else rest
    start = defaults(command)
    if command is EXPLAIN:       # explain [CODE] [OPTIONS]: the code first, if any
        code = tail[0] if tail and not tail[0].startswith("-") else None
        tail = tail[1:] if code is not None else tail
        start["code"] = code
    options = _parse_options(command, tail, start)
    if options is None:
        return None
    return Parsed(command.name, globals_, options)
