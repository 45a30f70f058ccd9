"""Find and assemble the collection script's output (pure): the reader half of the contract
written in ``platforms.windows_script``.

Two shapes exist:

* **version 2** (the script today): one JSON object per line, each carrying the marker
  key ``cvpnDoctor`` and a ``section`` -- ``header``, then one line per section with its
  ``items`` (or its ``error``), then ``end``.  A run stopped at its timeout keeps every line
  printed before the stop; the missing ``end`` line says the run did not finish, and a line
  cut in the middle is counted, never guessed at.
* **version 1** (saved reports and bundles made before): one JSON document with every
  section as a top-level key.

Each object is found by its own marker (``{"cvpnDoctor":``) and decoded with
``json.JSONDecoder.raw_decode`` from there, so text before, between or after the objects
(a profile banner, a warning, a prompt, a second copy) cannot shift what is read -- the
first ``{`` and the last ``}`` of the text are not trusted to delimit anything.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

MARKER = "cvpnDoctor"

# The sections of a version-2 run, in the order the script prints them ("header" first,
# "end" last are framing, not sections).
SECTIONS = ("modules", "adapters", "ipInterfaces", "ipAddresses", "dnsServers", "dnsClients", "dnsGlobal",
            "routes", "nrptPolicy", "routeLookups")

_START = re.compile(r'\{\s*"' + MARKER + r'"\s*:')
_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class ScriptDocument:
    """What one run of the collection script said.

    ``data`` has the version-1 shape (section name -> items, plus ``psVersion``,
    ``osVersion``, ``languageMode`` and ``errors``) whatever the version, so the section
    readers in ``platforms.parsers.win_json`` serve both."""
    version: int
    data: dict
    complete: bool                          # v1: always; v2: the "end" line was read
    sections: tuple[str, ...] = ()          # sections whose items arrived
    failed: tuple[str, ...] = ()            # sections that reported an error instead
    cut_objects: int = 0                    # marked objects that could not be decoded (cut by a stop)
    skipped_lookups: tuple[str, ...] = field(default=())   # addresses the script did not route-look-up

    @property
    def missing(self) -> tuple[str, ...]:
        """Sections of a version-2 run that never arrived (neither items nor an error)."""
        if self.version < 2:
            return ()
        return tuple(s for s in SECTIONS if s not in self.sections and s not in self.failed)


def _clean(text: str) -> str:
    # A BOM, or UTF-16 output read as UTF-8 (NULs between the characters): neither is JSON.
    return text.replace("\ufeff", "").replace("\x00", "")


def _decode_marked(text: str) -> tuple[list[dict], int]:
    """Every marked object in ``text`` (in order) and how many marks failed to decode."""
    found: list[dict] = []
    failed = 0
    pos = 0
    while True:
        m = _START.search(text, pos)
        if m is None:
            return found, failed
        try:
            obj, end = _DECODER.raw_decode(text, m.start())
        except (ValueError, RecursionError):
            failed += 1
            pos = m.end()
            continue
        if isinstance(obj, dict):
            found.append(obj)
        pos = end


def find_objects(text: str) -> tuple[list[dict], int]:
    """The marked objects of ``text``; when some fail to decode, a second pass repairs cp932
    output read as UTF-8 (a U+FFFD followed by a trail byte 0x5C, a backslash that escapes
    whatever follows) and is kept if it decodes more."""
    if not text:
        return [], 0
    clean = _clean(text)
    objs, failed = _decode_marked(clean)
    if failed and "\ufffd\\" in clean:
        repaired, still = _decode_marked(re.sub(r"\ufffd\\", "\ufffd", clean))
        if len(repaired) > len(objs):
            return repaired, still
    return objs, failed


def read_document(text: str) -> ScriptDocument | None:
    """The script's document in ``text``, or None when no marked object decodes."""
    objs, failed = find_objects(text)
    if not objs:
        return None
    whole = [o for o in objs if "section" not in o]
    if whole:                                           # version 1: the first whole document
        doc = whole[0]
        present = tuple(s for s in SECTIONS if s in doc)
        return ScriptDocument(version=_int(doc.get(MARKER), 1), data=dict(doc), complete=True,
                              sections=present, cut_objects=failed)
    data: dict = {MARKER: _int(objs[0].get(MARKER), 2), "errors": []}
    sections: list[str] = []
    failed_sections: list[str] = []
    skipped: tuple[str, ...] = ()
    complete = False
    for obj in objs:
        name = obj.get("section")
        if not isinstance(name, str):
            continue
        if name == "header":
            for key in ("psVersion", "osVersion", "languageMode", "edition"):
                if isinstance(obj.get(key), str):
                    data[key] = obj[key]
            for err in _strings(obj.get("errors")):
                data["errors"].append(f"header: {err}")
        elif name == "end":
            complete = True
        elif "error" in obj and "items" not in obj:
            data["errors"].append(f"{name}: {obj['error']}")
            if name not in failed_sections:
                failed_sections.append(name)
        else:
            data[name] = obj.get("items")
            if name not in sections:
                sections.append(name)
            for err in _strings(obj.get("errors")):         # partial failures inside a section
                data["errors"].append(f"{name}: {err}")
            if name == "routeLookups":
                skipped = tuple(_strings(obj.get("skipped")))
    return ScriptDocument(version=data[MARKER], data=data, complete=complete, sections=tuple(sections),
                          failed=tuple(failed_sections), cut_objects=failed, skipped_lookups=skipped)


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, (str, int, float)) and str(v)]
    return []
