"""Checks shared by the i18n tests (tests/test_i18n.py) and the lab's Japanese run
(tests/lab/test_lab_ja.py): tables aligned by display width, and English left in a
Japanese rendering."""
from __future__ import annotations

import re

from agent.render.style import width

_DASHES = re.compile(r"-+")


def misaligned_tables(lines: list[str]) -> list[str]:
    """Every plain-text table (a heading line over a line of dash runs) whose heading or rows
    do not start each column at the display column its dash run starts at: the offending
    lines (empty when every table is aligned)."""
    bad: list[str] = []
    for i in range(1, len(lines)):
        rule = lines[i]
        if not rule.strip() or set(rule.strip()) - {"-", " "} or "--" not in rule:
            continue
        starts = [m.start() for m in _DASHES.finditer(rule)]      # the rule is ASCII: index == column
        if len(starts) < 2:
            continue
        block = [lines[i - 1]]
        j = i + 1
        while j < len(lines) and lines[j].strip():
            block.append(lines[j])
            j += 1
        for line in block:
            cols = _cell_starts(line, len(starts))
            if cols is None or any(c != s for c, s in zip(cols, starts)):
                bad.append(line)
    return bad


def _cell_starts(line: str, n: int) -> list[int] | None:
    """Display columns where the cells of a table line start (cells are separated by two or
    more spaces; a cell may hold single spaces)."""
    out, col, i = [], 0, 0
    at_start = True
    while i < len(line):
        ch = line[i]
        if ch == " ":
            run = len(line[i:]) - len(line[i:].lstrip(" "))
            if run >= 2 or at_start:
                at_start = True
            col += run
            i += run
            continue
        if at_start:
            out.append(col)
            at_start = False
        col += width(ch)
        i += 1
    return out if len(out) <= n else None


# Words that may stay English in a Japanese rendering: protocol and record names, rcodes,
# products and commands' words, units.  Everything else in a run of English words is a
# sentence left untranslated.
ALLOWED_WORDS = frozenset("""
dns vpn udp tcp nxdomain servfail nodata refused noerror edns ms s ip ipv4 ipv6 aws kc vpc nat igw eni tc a aaaa
linux macos windows file resolv conf resolved systemd networkmanager openvpn cvpn doctor utc
push_reply dhcp option redirect gateway def1 block outside remote random hostname json md html readme txt
tun tap utun eth wlan lan isp ttl doh nrpt gpo mdnsresponder wsl docker
""".split())

_WORD = re.compile(r"[A-Za-z][A-Za-z'_-]*")


def english_runs(text: str, min_words: int = 3) -> list[str]:
    """Runs of ``min_words`` or more English words in ``text`` that are not protocol words,
    outside code spans, commands and placeholders' usual shapes (addresses, names with dots,
    paths, options): what reads as an untranslated sentence."""
    text = re.sub(r"``.*?``|`[^`\n]*`", " ", text)                 # Markdown code spans
    text = re.sub(r"(?<![A-Za-z])'[^'\n]+'(?![A-Za-z])", " ", text)  # 'quoted' commands and settings
    text = re.sub(r"<[^>]*>", " ", text)                            # HTML tags
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"\S*[./\\:@=#%$~]\S*", " ", text)                 # names, paths, addresses, k=v
    text = re.sub(r"(?<!\S)--?[\w-]+", " ", text)                    # options
    runs: list[str] = []
    for segment in re.split(r"[^A-Za-z'_ -]+", text):
        words = _WORD.findall(segment)
        run: list[str] = []
        for w in words + [""]:
            if w and w.lower() not in ALLOWED_WORDS:
                run.append(w)
                continue
            if len(run) >= min_words:
                runs.append(" ".join(run))
            run = []
    return runs
