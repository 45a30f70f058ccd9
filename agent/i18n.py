"""The language a person reads: English (the source text) or Japanese (issue 16).

Standard :mod:`gettext` at run time, domain ``cvpn_doctor``, catalogues compiled to
``agent/locale/<lang>/LC_MESSAGES/cvpn_doctor.mo`` (``make locale`` merges every
``agent/locale/<lang>/*.po`` into it; the .mo is committed and shipped in the binary).

- ``_(text)`` translates now, in the language set for this run;
- ``N_(text)`` only marks a constant for extraction (translated where it is shown);
- ``set_language(lang)`` once per run, before anything is rendered; ``language()``.

Text is translated where it is produced for a person (evidence sentences, renderers);
decisions never compare translated text.  Placeholders are named
(``_("{server} did not answer").format(server=s)``) so a translation may move them and
addresses, names and commands stay verbatim.  English needs no catalogue: ``_`` is the
identity and :mod:`gettext` is not even imported (start-up time).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

DOMAIN = "cvpn_doctor"
LOCALEDIR = Path(__file__).resolve().parent / "locale"
SUPPORTED = ("en", "ja")
DEFAULT = "en"
ENV = "CVPN_DOCTOR_LANG"

_lang = DEFAULT
_gettext = None          # the catalogue's gettext for a language other than English


def _(message: str) -> str:
    """``message`` in the run's language (itself when there is no translation).  The empty
    string stays empty (gettext would return the catalogue's header)."""
    if _gettext is None or not message:
        return message
    return _gettext(message)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (module constants)."""
    return message


def language() -> str:
    return _lang


def set_language(lang: str | None) -> str:
    """Use ``lang`` (``en``/``ja``, or a locale name such as ``ja_JP.UTF-8``) from now on;
    anything not supported is English.  Returns the language in use."""
    global _lang, _gettext
    lang = normalize(lang) or DEFAULT
    if lang == DEFAULT:
        _lang, _gettext = DEFAULT, None
        return _lang
    import gettext

    catalogue = gettext.translation(DOMAIN, localedir=str(LOCALEDIR), languages=[lang], fallback=True)
    _lang, _gettext = lang, catalogue.gettext
    return _lang


def normalize(name: str | None) -> str | None:
    """``ja``, ``ja_JP.UTF-8``, ``ja-JP``, ``JA`` -> ``ja``; ``C``, ``POSIX``, ``en_US`` -> ``en``;
    None for nothing or a language this tool does not speak."""
    if not name:
        return None
    base = name.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    if base in ("c", "posix"):
        return DEFAULT
    return base if base in SUPPORTED else None


def _windows_ui_language() -> str | None:
    """The Windows user's UI language (GetUserDefaultUILanguage), as ``ja``/``en``/None."""
    try:
        import ctypes

        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ImportError, ValueError):
        return None
    primary = int(langid) & 0x3FF
    return {0x11: "ja", 0x09: "en"}.get(primary)


def choose(option: str | None = None, environ=None, platform: str | None = None) -> str:
    """The language of this run: ``--lang``, else CVPN_DOCTOR_LANG, else the locale
    (LC_ALL, LC_MESSAGES, LANG, the first one set, as POSIX reads them; Windows: the user's
    UI language), else English.  A value this tool does not speak at one level is passed
    over (an unsupported ``--lang`` is refused earlier, by :func:`take_option`)."""
    env = os.environ if environ is None else environ
    for candidate in (option, env.get(ENV)):
        lang = normalize(candidate)
        if lang:
            return lang
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:                  # the first one set decides, even if it is English
            return normalize(value) or DEFAULT
    if (platform or sys.platform) == "win32":
        return _windows_ui_language() or DEFAULT
    return DEFAULT


class BadLanguage(ValueError):
    pass


def take_option(args: list[str]) -> tuple[str | None, list[str]]:
    """Take ``--lang LANG`` / ``--lang=LANG`` out of a command line, wherever it is (before
    a ``--``): ``(lang or None, the other arguments)``.  The last one given wins.
    Raises :class:`BadLanguage` for a missing or unsupported value."""
    rest: list[str] = []
    lang = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        if arg == "--lang" or arg.startswith("--lang="):
            if arg == "--lang":
                if i + 1 >= len(args):
                    raise BadLanguage("--lang needs a value: " + " or ".join(SUPPORTED))
                value = args[i + 1]
                i += 2
            else:
                value = arg.partition("=")[2]
                i += 1
            if value.lower() not in SUPPORTED:
                raise BadLanguage(f"--lang {value!r}: use " + " or ".join(SUPPORTED))
            lang = value.lower()
            continue
        rest.append(arg)
        i += 1
    return lang, rest
