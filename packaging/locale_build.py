"""Compile the message catalogues: every ``agent/locale/<lang>/*.po`` -> one
``agent/locale/<lang>/LC_MESSAGES/cvpn_doctor.mo`` (what :mod:`agent.i18n` loads with the
standard library's gettext).

Several source catalogues per language so that independent pieces of work can be
translated at once (``messages.po``: the program's own sentences; ``catalogue.po``: the
finding catalogue and the scenario titles).  A msgid in two files must have the same
translation there, or the build fails.  Fuzzy and untranslated entries are left out of
the .mo (English shows instead; the tests fail on them).

Babel (build and test time only) reads the .po files and writes the .mo; the program
itself needs only :mod:`gettext`.

    python packaging/locale_build.py            # write the .mo files
    python packaging/locale_build.py --check    # fail if a committed .mo differs from the .po files
    python packaging/locale_build.py --update   # messages.po: add new msgids, drop the ones gone
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "agent" / "locale"
DOMAIN = "cvpn_doctor"
# A fixed date in the header so that compiling twice gives the same bytes.
_FIXED = datetime(2026, 12, 2, tzinfo=timezone.utc)


class CatalogueError(Exception):
    pass


def languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if p.is_dir() and any(p.glob("*.po")))


def read_sources(lang: str) -> dict[str, tuple[str, str]]:
    """msgid -> (msgstr, file) over every .po of ``lang``; translated, non-fuzzy entries only."""
    from babel.messages.pofile import read_po

    merged: dict[str, tuple[str, str]] = {}
    for po in sorted((LOCALE / lang).glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
        for msg in catalog:
            if not msg.id or not isinstance(msg.id, str) or not msg.string or msg.fuzzy:
                continue
            if msg.id in merged and merged[msg.id][0] != msg.string:
                raise CatalogueError(f"{lang}: {msg.id!r} translated differently in {merged[msg.id][1]} "
                                     f"and {po.name}")
            merged[msg.id] = (msg.string, po.name)
    return merged


def compile_lang(lang: str) -> bytes:
    """The .mo bytes of ``lang``'s merged catalogues."""
    from io import BytesIO

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale=lang, domain=DOMAIN, project="cvpn-doctor", version="",
                      creation_date=_FIXED, revision_date=_FIXED, fuzzy=False,
                      charset="utf-8")
    for msgid, (msgstr, _file) in sorted(read_sources(lang).items()):
        catalog.add(msgid, msgstr)
    out = BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


SOURCES = ("agent", "platforms")
KEYWORDS = {"_": None, "N_": None}


def extract() -> dict[str, list[str]]:
    """Every message the program marks (``_("...")`` and ``N_("...")`` with a literal) ->
    where (``path:line``), read from the source with Babel's Python extractor."""
    from babel.messages.extract import extract_from_file

    found: dict[str, list[str]] = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            for lineno, msg, _comments, _context in extract_from_file(
                    "python", str(path), keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True):
                if isinstance(msg, str) and msg:
                    found.setdefault(msg, []).append(f"{rel}:{lineno}")
    return found


def update_po(lang: str, translations: dict[str, str] | None = None) -> Path:
    """Bring ``agent/locale/<lang>/messages.po`` in line with the source: every extracted
    msgid present (untranslated when new), the ones no longer in the source dropped, the
    translations kept (and ``translations`` added)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    path = LOCALE / lang / "messages.po"
    old: dict[str, str] = {}
    if path.exists():
        with path.open("rb") as fh:
            old = {m.id: m.string for m in read_po(fh, locale=lang, domain=DOMAIN) if m.id and not m.fuzzy}
    old.update(translations or {})
    catalog = Catalog(locale=lang, domain=DOMAIN, project="cvpn-doctor", version="",
                      creation_date=_FIXED, revision_date=_FIXED, fuzzy=False, charset="utf-8",
                      language_team=f"{lang} <https://github.com/cvpn-doctor>",
                      last_translator="cvpn-doctor")
    for msgid, where in sorted(extract().items(), key=lambda kv: kv[1][0]):
        # files only, no line numbers: the .po does not change with every edit of the source
        files = list(dict.fromkeys(w.rsplit(":", 1)[0] for w in where))
        catalog.add(msgid, old.get(msgid, ""), locations=[(f, None) for f in files])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=False, include_previous=False)
    return path


def mo_messages(data: bytes) -> dict[str, str]:
    """What a .mo says (msgid -> msgstr, header left out), as the standard library reads it."""
    import gettext
    from io import BytesIO

    return {k: v for k, v in gettext.GNUTranslations(BytesIO(data))._catalog.items() if k}


def mo_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    if "--update" in argv:
        for lang in languages():
            print(update_po(lang).relative_to(ROOT))
        return 0
    stale = []
    for lang in languages():
        data = compile_lang(lang)
        path = mo_path(lang)
        if check:
            # the messages, not the bytes: the header names the Babel version that wrote it
            if not path.exists() or mo_messages(path.read_bytes()) != mo_messages(data):
                stale.append(str(path.relative_to(ROOT)))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{path.relative_to(ROOT)}: {len(read_sources(lang))} messages")
    if stale:
        print("out of date (run `make locale`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
