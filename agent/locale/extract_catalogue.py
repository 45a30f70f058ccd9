"""List the finding-catalogue and scenario-title strings that need a translation, and check a PO file.

The Japanese translation of the finding catalogue (agent/findings.py CATALOGUE: every
FindingDoc's title, explanation, user_fix, admin_fix and observes) and of the scenario
titles (agent/scenarios.py TITLES) lives in agent/locale/ja/catalogue.po.  Its msgids are
exactly the English strings as they are at run time (e.g. with the shared "reconnect"
sentence already appended), so this script imports the two modules instead of reading
their source.  The build merges every agent/locale/ja/*.po into one .mo; this script does
not compile anything.

Usage (from the repository root):

    python agent/locale/extract_catalogue.py            # report: missing, untranslated, obsolete
    python agent/locale/extract_catalogue.py --list     # print every run-time msgid (one per entry)
    python agent/locale/extract_catalogue.py --update   # rewrite catalogue.po: add missing entries
                                                        # (empty msgstr, to translate), keep every
                                                        # translation, turn obsolete ones into #~
    python agent/locale/extract_catalogue.py --po other.po   # check another PO file

The report exits 1 when a run-time msgid is missing from the PO file or has an empty
msgstr, 0 otherwise (obsolete entries are reported but do not fail).  The PO reader and
writer are the standard library only: the file is plain gettext PO (no plural forms, no
msgctxt), escapes \\" \\\\ \\n \\t \\r.
"""
from __future__ import annotations

import argparse
import ast
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = Path(__file__).resolve().parent / "ja" / "catalogue.po"
FIELDS = ("title", "explanation", "user_fix", "admin_fix", "observes")
# Modules whose _("...") / N_("...") literals are person-facing text of the catalogue's
# neighbours (scenario evidence sentences, once they are marked for translation).
MARKED_MODULES = ("agent/findings.py", "agent/scenarios.py")

HEADER = {
    "Project-Id-Version": "cvpn-doctor",
    "Report-Msgid-Bugs-To": "",
    "PO-Revision-Date": "2026-12-02 00:00+0000",
    "Last-Translator": "cvpn-doctor maintainers",
    "Language-Team": "Japanese",
    "Language": "ja",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


@dataclass
class Entry:
    msgid: str
    msgstr: str = ""
    refs: list[str] = field(default_factory=list)      # "#: " reference comments
    comments: list[str] = field(default_factory=list)  # "# " translator comments, kept as written
    flags: list[str] = field(default_factory=list)     # "#, " flags (e.g. fuzzy)
    obsolete: bool = False


# ---------------------------------------------------------------- run-time msgids

def runtime_msgids() -> dict[str, list[str]]:
    """Every catalogue and scenario-title string as the program holds it at run time, in
    catalogue order, each with where it comes from ("code.field" or "scenario:id").  A
    string used in several places (e.g. "Nothing durable on the laptop.") is one msgid."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from agent.findings import CATALOGUE
    from agent.scenarios import TITLES

    out: dict[str, list[str]] = {}
    for code, doc in CATALOGUE.items():
        for name in FIELDS:
            text = getattr(doc, name)
            if text:
                out.setdefault(text, []).append(f"{code}.{name}")
    for sid, title in TITLES.items():
        out.setdefault(title, []).append(f"scenario:{sid}")
    return out


def marked_literals(modules: tuple[str, ...] = MARKED_MODULES) -> dict[str, list[str]]:
    """String literals passed to _() or N_() in the given modules (none until the i18n work
    marks scenario evidence sentences); they need a ja translation in some agent/locale/ja/*.po."""
    out: dict[str, list[str]] = {}
    for rel in modules:
        path = Path(rel) if Path(rel).is_absolute() else ROOT / rel
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                out.setdefault(node.args[0].value, []).append(f"{rel}:{node.lineno}")
    return out


# ---------------------------------------------------------------- PO reading

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


class POError(ValueError):
    pass


def unescape(body: str, where: str) -> str:
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise POError(f"{where}: unknown escape in {body!r}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        if c == '"':
            raise POError(f"{where}: unescaped quote in {body!r}")
        out.append(c)
        i += 1
    return "".join(out)


def _quoted(line: str, where: str) -> str:
    line = line.strip()
    if len(line) < 2 or not (line.startswith('"') and line.endswith('"')):
        raise POError(f"{where}: expected a quoted string, got {line!r}")
    return unescape(line[1:-1], where)


def parse_po(text: str, name: str = "<po>", strict: bool = True) -> tuple[dict[str, str], list[Entry]]:
    """The header fields and the entries (the header entry, msgid "", is not among them).
    Raises POError on anything this simple format does not allow: duplicate msgids, bad
    escapes, and (when ``strict``, as for catalogue.po) plural forms and msgctxt.  Not
    strict (to read the other ja/*.po files): an entry with msgctxt is skipped, a plural
    entry keeps its msgid and msgstr[0]."""
    entries: list[Entry] = []
    header: dict[str, str] = {}
    seen: set[str] = set()
    cur: Entry | None = None
    key: str | None = None
    parts: dict[str, list[str]] = {}
    pending: dict[str, list[str]] = {"refs": [], "comments": [], "flags": []}
    obsolete = False
    skip_next = False   # the entry after a msgctxt (not strict): read, then dropped
    skipping = False

    def finish(lineno: int) -> None:
        nonlocal cur, key, parts, obsolete, skipping
        if cur is None:
            return
        if skipping:
            cur, key, parts, obsolete, skipping = None, None, {}, False, False
            return
        if "msgstr" not in parts:
            raise POError(f"{name}:{lineno}: msgid without msgstr")
        cur.msgid = "".join(parts["msgid"])
        cur.msgstr = "".join(parts["msgstr"])
        cur.obsolete = obsolete
        if cur.msgid == "" and not obsolete:
            if header:
                raise POError(f"{name}:{lineno}: a second header entry")
            for hl in cur.msgstr.splitlines():
                if hl.strip():
                    k, sep, v = hl.partition(":")
                    if not sep:
                        raise POError(f"{name}: header line without a colon: {hl!r}")
                    header[k.strip()] = v.strip()
        elif cur.msgid:
            if not obsolete:
                if cur.msgid in seen:
                    raise POError(f"{name}:{lineno}: duplicate msgid {cur.msgid[:60]!r}")
                seen.add(cur.msgid)
            entries.append(cur)
        cur, key, parts, obsolete = None, None, {}, False

    lines = text.splitlines()
    for lineno, raw in enumerate(lines, 1):
        where = f"{name}:{lineno}"
        line = raw.strip()
        is_obsolete = line.startswith("#~")
        if is_obsolete:
            line = line[2:].strip()
            if line.startswith("|"):      # previous msgid of an obsolete entry
                continue
        elif line.startswith("#"):
            if cur is not None and "msgstr" in parts:
                finish(lineno)
            if line.startswith("#:"):
                pending["refs"] += line[2:].split()
            elif line.startswith("#,"):
                pending["flags"] += [f.strip() for f in line[2:].split(",") if f.strip()]
            elif line.startswith("#|") or line.startswith("#."):
                pass
            else:
                pending["comments"].append(line[1:].strip())
            continue
        if not line:
            if cur is not None and "msgstr" in parts:
                finish(lineno)
            continue
        if line.startswith(("msgctxt", "msgid_plural", "msgstr[")):
            word = line.split()[0]
            if strict:
                raise POError(f"{where}: {word} is not used in this catalogue")
            if word == "msgctxt":
                if cur is not None:
                    finish(lineno)
                skip_next = True
                key = "msgctxt"
                continue
            if word == "msgid_plural" or word != "msgstr[0]":
                key = "ignored"
                parts.setdefault("ignored", [])
                continue
            line = "msgstr " + line[len("msgstr[0]"):].strip()
        if line.startswith("msgid "):
            if cur is not None:
                finish(lineno)
            cur = Entry("", refs=pending["refs"], comments=pending["comments"], flags=pending["flags"])
            skipping, skip_next = skip_next, False
            pending = {"refs": [], "comments": [], "flags": []}
            obsolete = is_obsolete
            key = "msgid"
            parts = {"msgid": [_quoted(line[len("msgid "):], where)]}
        elif line.startswith("msgstr "):
            if cur is None or key not in ("msgid", "ignored"):
                raise POError(f"{where}: msgstr without msgid")
            key = "msgstr"
            parts["msgstr"] = [_quoted(line[len("msgstr "):], where)]
        elif line.startswith('"'):
            if key == "msgctxt":
                continue
            if cur is None or key is None:
                raise POError(f"{where}: string continuation outside an entry")
            parts[key].append(_quoted(line, where))
        else:
            raise POError(f"{where}: cannot parse {raw!r}")
    finish(len(lines) + 1)
    return header, entries


def read_po(path: Path, strict: bool = True) -> tuple[dict[str, str], list[Entry]]:
    return parse_po(path.read_text(encoding="utf-8"), str(path), strict)


# ---------------------------------------------------------------- PO writing

def escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


_BREAK_AFTER = " 、。，）"


def _cols(c: str) -> int:
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


def _chunks(s: str, width: int = 76) -> list[str]:
    """Split s into pieces of at most about ``width`` terminal columns (a Japanese character
    counts two), after a space or Japanese punctuation where possible; gettext concatenates
    the pieces back, so where the cut falls changes nothing but readability."""
    out: list[str] = []
    while s:
        cols, end, brk = 0, 0, -1
        for i, c in enumerate(s):
            cols += _cols(c)
            if cols > width:
                break
            end = i + 1
            if c in _BREAK_AFTER:
                brk = i + 1
        else:
            out.append(s)
            break
        cut = brk if brk > end // 3 else end
        out.append(s[:cut])
        s = s[cut:]
    return out


def _field(keyword: str, s: str, prefix: str = "") -> list[str]:
    if sum(map(_cols, s)) <= 70 and "\n" not in s:
        return [f'{prefix}{keyword} "{escape(s)}"']
    pieces: list[str] = []
    for line in s.splitlines(keepends=True):
        pieces += _chunks(line)
    return [f'{prefix}{keyword} ""'] + [f'{prefix}"{escape(p)}"' for p in pieces]


def format_po(header: dict[str, str], entries: list[Entry], title: str) -> str:
    lines = [f"# {title}", "#", "# Regenerate the entry list with: python agent/locale/extract_catalogue.py --update",
             'msgid ""', 'msgstr ""']
    lines += [f'"{escape(f"{k}: {v}")}\\n"' for k, v in header.items()]
    for e in entries:
        lines.append("")
        lines += [f"# {c}".rstrip() for c in e.comments]
        if e.refs and not e.obsolete:
            lines += [f"#: {r}" for r in e.refs]
        if e.flags:
            lines.append("#, " + ", ".join(e.flags))
        prefix = "#~ " if e.obsolete else ""
        lines += _field("msgid", e.msgid, prefix)
        lines += _field("msgstr", e.msgstr, prefix)
    return "\n".join(lines) + "\n"


TITLE = "Japanese translation of the cvpn-doctor finding catalogue and scenario titles."


def updated(entries: list[Entry], wanted: dict[str, list[str]]) -> list[Entry]:
    """The entries in run-time order: every wanted msgid (its translation kept, its refs
    refreshed), then the obsolete ones (those with a translation are kept as #~)."""
    by_id = {e.msgid: e for e in entries}
    out = []
    for msgid, refs in wanted.items():
        e = by_id.pop(msgid, None) or Entry(msgid)
        e.refs, e.obsolete = list(refs), False
        out.append(e)
    for e in by_id.values():
        if e.msgstr:
            e.obsolete = True
            out.append(e)
    return out


# ---------------------------------------------------------------- report

@dataclass
class Report:
    total: int
    missing: list[str]
    untranslated: list[str]
    obsolete: list[str]
    fuzzy: list[str]

    @property
    def ok(self) -> bool:
        return not (self.missing or self.untranslated)


def check(entries: list[Entry], wanted: dict[str, list[str]]) -> Report:
    live = {e.msgid: e for e in entries if not e.obsolete}
    return Report(
        total=len(wanted),
        missing=[m for m in wanted if m not in live],
        untranslated=[m for m in wanted if m in live and not live[m].msgstr.strip()],
        obsolete=[m for m in live if m not in wanted],
        fuzzy=[m for m in wanted if m in live and "fuzzy" in live[m].flags],
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--po", type=Path, default=PO_PATH, help="the PO file (default: %(default)s)")
    ap.add_argument("--list", action="store_true", help="print every run-time msgid and where it comes from")
    ap.add_argument("--update", action="store_true", help="rewrite the PO file with the current msgid list")
    args = ap.parse_args(argv)

    wanted = runtime_msgids()
    if args.list:
        for msgid, refs in wanted.items():
            print(f"{', '.join(refs)}\n  {msgid}")
        print(f"{len(wanted)} msgids")
        return 0
    header, entries = read_po(args.po) if args.po.exists() else ({}, [])
    if args.update:
        header = {**HEADER, **header}
        args.po.parent.mkdir(parents=True, exist_ok=True)
        args.po.write_text(format_po(header, updated(entries, wanted), TITLE), encoding="utf-8")
        header, entries = read_po(args.po)
    rep = check(entries, wanted)
    print(f"{args.po}: {rep.total} run-time msgids, {rep.total - len(rep.missing) - len(rep.untranslated)} translated")
    for label, items in (("missing from the PO file", rep.missing), ("empty msgstr", rep.untranslated),
                         ("marked fuzzy", rep.fuzzy), ("obsolete (no longer in the code)", rep.obsolete)):
        if items:
            print(f"{len(items)} {label}:")
            for m in items:
                where = ", ".join(wanted.get(m, []))
                print(f"  - {m[:100]!r}" + (f"  [{where}]" if where else ""))
    marked = marked_literals()
    if marked:
        print(f"{len(marked)} _()-marked literals in {', '.join(MARKED_MODULES)} (translate them in a ja/*.po)")
    return 0 if rep.ok else 1


if __name__ == "__main__":
    sys.exit(main())
