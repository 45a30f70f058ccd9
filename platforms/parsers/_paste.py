"""What pasted text adds around command output, shared by the parsers and the ticket splitter.

People paste outputs with their shell prompt, the command they typed, their own elisions
(``...``, ``[...]``, ``--snip--``) and masked values (``<Public IP of router>``,
``enx<IF from MAC [IF2]>``).  A parser that meets one of these inside an output skips that
line (and says so) instead of rejecting the whole output; the splitter
(:mod:`platforms.ticket`) cuts a ticket into outputs at prompt and command lines.

Every function here is linear in the length of the line it is given (no nested
quantifiers over unbounded text): they run on every line of multi-megabyte pastes.
"""
from __future__ import annotations

import re

# A poster's own "something was left out here" line.
_ELISION = re.compile(
    r"^[^\S\n]*(?:"
    r"\.{3,}|…+|(?:\.[^\S\n]){2,}\.|"                                  # ...  ….  . . .
    r"[\[(<{][^\S\n]*(?:\.{2,}|…|snip(?:ped)?|cut|truncated|redacted|omitted|trimmed|more|etc\.?)"
    r"[^\])>}\n]{0,60}[\])>}]|"                                         # [...] (snip) <cut here>
    r"[-=#*~_]{2,}[^\S\n]*(?:8<|✂|snip(?:ped)?|cut(?: here)?|truncated|omitted|redacted)"
    r"[^\n]{0,60}?[-=#*~_]{2,}|"                                        # --snip--  ----- cut here -----
    r"--CUT[^\n]{0,60}--"
    r")[^\S\n]*$", re.I)

# Values a poster hid: <Public IP of router>, <MAC address removed>, enx<IF from MAC [IF2]>, x.x.x.x
MASKED = re.compile(r"<[^<>\n]{1,80}>|\b(?:x{1,3}|X{1,3}|\*{1,3}|y{1,3})(?:\.(?:x{1,3}|X{1,3}|\*{1,3}|y{1,3}|\d{1,3})){1,3}\b")

# One whitespace-separated field where a masked value may itself contain blanks:
# "enx<IF from MAC [IF2]>" and "<Public IP of router>" are one field each.
_FIELD = re.compile(r"(?:[^\s<]|<[^<>\n]{0,80}>|<)+")


class Rows(tuple):
    """A parser's rows, in order, with the lines it could not read in ``skipped``."""
    skipped: tuple = ()


def is_elision(line: str) -> bool:
    """A line a poster wrote to say that lines were left out (``...``, ``[...]``, ``--snip--``)."""
    return len(line) <= 120 and bool(_ELISION.match(line))


def fields(line: str) -> list[str]:
    """Split a table row on blanks, keeping a masked ``<...>`` value (which may contain
    blanks) inside its field."""
    return _FIELD.findall(line)


def is_masked(value: str) -> bool:
    """A value the poster replaced (``<dns1>``, ``199.x.x.x``, ``<MAC 'tun0' [IF]>``)."""
    return bool(MASKED.search(value))


# ----------------------------------------------------------------------------- prompts

# Commands whose output someone may paste into a DNS/VPN ticket (the first word, lower case,
# ".exe" removed).  A bare "#" or "%" prompt counts only before one of these: otherwise
# every resolv.conf comment would look like a root prompt.
KNOWN_COMMANDS = frozenset({
    "ipconfig", "route", "netstat", "nmcli", "resolvectl", "systemd-resolve", "scutil", "ifconfig", "ip",
    "cat", "type", "more", "less", "tail", "head", "grep", "findstr", "get-content", "gc", "sw_vers",
    "dig", "nslookup", "host", "ping", "ping6", "traceroute", "tracert", "tracepath", "mtr", "getent", "curl",
    "journalctl", "systemctl", "service", "openvpn", "openvpn3", "aws-vpn-client", "reg", "netsh", "nm-tool",
    "resolvconf", "networksetup", "dscacheutil", "ls", "readlink", "uname", "lsb_release", "hostnamectl",
    "wg", "tailscale", "arp", "ss", "lsof", "powershell", "pwsh", "echo",
    "get-dnsclientserveraddress", "get-netipinterface", "get-netroute", "get-netipconfiguration",
    "get-netadapter", "get-dnsclientnrptpolicy", "get-dnsclient", "get-dnsclientglobalsetting",
    "get-netipaddress", "find-netroute", "resolve-dnsname", "test-netconnection", "get-dnsclientcache",
    "get-itemproperty", "get-childitem", "get-vpnconnection", "clear-dnsclientcache",
})

# Prompts, most specific first.  Each captures the rest of the line as the command.
_PROMPTS = (
    ("powershell", re.compile(r"^(?:\[[^\]\n]{1,100}\]:[^\S\n]*)?PS(?:[^\S\n]+[^>\n]{1,200})?>[^\S\n]*(?P<cmd>[^\n]*)$")),
    ("cmd", re.compile(r"^[A-Za-z]:\\[^>\n]{0,200}>[^\S\n]*(?P<cmd>[^\n]*)$")),
    ("bracketed", re.compile(r"^\[[^\]\n]{1,100}\][^\S\n]?[$#%][^\S\n]*(?P<cmd>[^\n]*)$")),
    ("user@host", re.compile(r"^(?:\([\w.-]{1,50}\)[^\S\n])?[\w.+-]{1,64}@[\w.-]{1,128}"
                             r"(?::[^\s$#%]{0,200}|[^\S\n]+[^\s$#%]{1,100})?[^\S\n]?[$#%][^\S\n]*(?P<cmd>[^\n]*)$")),
    # zsh/bash with a git branch or venv in the prompt: "me@mac:~/src (main$*=) % cat x";
    # the prompt character is the first $ # % followed by a blank
    ("user@host rich", re.compile(r"^(?:\([\w.-]{1,50}\)[^\S\n])?[\w.+-]{1,64}@[\w.-]{1,128}[:\s]"
                                  r"[^\n]{0,200}?[$#%](?:[^\S\n]+(?P<cmd>[^\n]*))?$")),
    ("host:dir user$", re.compile(r"^[\w.-]{1,100}:[^\s$#%]{0,200}[^\S\n][\w.-]{1,64}[^\S\n]?[$#][^\S\n]*(?P<cmd>[^\n]*)$")),
    ("sh-version", re.compile(r"^(?:bash|sh|zsh|ksh)-[\d.]{1,10}[$#][^\S\n]*(?P<cmd>[^\n]*)$")),
    ("dir$", re.compile(r"^~[\w./-]{0,100}:?[^\S\n]?[$#%][^\S\n]*(?P<cmd>[^\n]*)$")),
    ("symbol", re.compile(r"^(?:➜|❯|λ|▲|»|→)[^\S\n]+(?P<cmd>[^\n]*)$")),
    ("bare", re.compile(r"^(?P<sym>[$#%])[^\S\n]?(?P<cmd>[^\n]*)$")),
    # anything short before "$ " / "# " / "% " ("tui(adam)$ grep hosts ..."), only before a known command
    ("generic", re.compile(r"^[^\s$#%>]{1,60}[$#%][^\S\n]+(?P<cmd>\S[^\n]*)$")),
)
_RIGHT_PROMPT = re.compile(r"[^\S\n]{3,}\S.*$")   # powerlevel10k "15s 10:20:03" after the command


def command_word(command: str) -> str:
    """The program a command line runs, lower case (``sudo``/``doas`` and a path skipped)."""
    words = command.split()
    while words and words[0] in ("sudo", "doas", "time", "command", "exec", "&", "."):
        words = words[1:]
        while words and words[0].startswith("-"):   # sudo -E ...
            words = words[1:]
    if not words:
        return ""
    word = words[0].strip("`'\"").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return word[:-4] if word.endswith(".exe") else word


def prompt_command(line: str) -> tuple[str, str] | None:
    """``(prompt kind, command)`` when ``line`` is a shell prompt (the command may be ""),
    else None.  ``$ route -n``, ``user@host:~$ ip route``, ``[root@h ~]# nmcli dev show``,
    ``PS C:\\> Get-NetRoute``, ``C:\\Users\\me>ipconfig /all``, ``bash-5.2$ route get 1``."""
    if len(line) > 400 or not line or line[0].isspace():
        return None
    for kind, rx in _PROMPTS:
        m = rx.match(line)
        if not m:
            continue
        if kind == "bare" and m["cmd"][:1].isspace():
            return None                  # "#   scutil --dns" inside a comment block
        cmd = _RIGHT_PROMPT.sub("", m["cmd"]).strip()
        if kind == "bare":
            if m["sym"] == "$":
                if cmd and not re.match(r"^[A-Za-z./~_-]", cmd):
                    return None          # "$5 per month", "$HOME is ..."
            elif cmd.startswith("#") or echo_command(cmd) is None:
                return None              # "# Generated by NetworkManager", "# route 10.0.0.0 ..." in a profile
        elif kind == "generic" or (kind == "user@host rich" and cmd):
            if command_word(cmd) not in KNOWN_COMMANDS:
                return None
        elif kind == "symbol" and cmd:
            words = cmd.split()          # oh-my-zsh: "➜  ~ route -n" (a directory first)
            if len(words) > 1 and command_word(cmd) not in KNOWN_COMMANDS \
                    and command_word(" ".join(words[1:])) in KNOWN_COMMANDS:
                cmd = " ".join(words[1:])
        return kind, cmd
    return None


# Display commands typed on a line of their own (no prompt).  Only read-only forms: an
# OpenVPN log without timestamps prints "ip route add ..." lines, which must not split it.
_ECHO = re.compile(
    r"^(?:sudo[^\S\n]+)?(?:"
    r"ipconfig(?:\.exe)?(?:[^\S\n]+[/-]all)?|ipconfig[^\S\n]+getifaddr[^\S\n]+\S+|"
    r"route(?:\.exe)?[^\S\n]+print(?:[^\S\n]+-[46])?|route(?:[^\S\n]+-[neA]{1,3}(?:[^\S\n]+inet6?)?)?|"
    r"route(?:[^\S\n]+-n)?[^\S\n]+get(?:[^\S\n]+-inet6?)?[^\S\n]+\S+|"
    r"netstat[^\S\n]+-[a-zA-Z]*r[a-zA-Z]*(?:[^\S\n]+-[fA][^\S\n]+inet6?|[^\S\n]+-[46])?|"
    r"ip(?:[^\S\n]+-[a-z0-9]+)*[^\S\n]+(?:r|ro|rou|route|a|ad|addr|address|rule|ru|link|l)"
    r"(?:[^\S\n]+(?:show|list|ls|sh|get[^\S\n]+\S+|table[^\S\n]+\S+|all|dev[^\S\n]+\S+))*|"
    r"nmcli(?:[^\S\n]+-[a-z]+(?:[^\S\n]+[\w.,-]+)?)*(?:[^\S\n]+(?:d|dev|device|c|con|connection|g|general))"
    r"(?:[^\S\n]+(?:show|s|status|sh))?(?:[^\S\n]+[\w.-]+)?|"
    r"resolvectl(?:[^\S\n]+(?:status|dns|domain|query[^\S\n]+\S+))?(?:[^\S\n]+[\w.-]+)?(?:[^\S\n]+--no-pager)?|"
    r"systemd-resolve[^\S\n]+--status|"
    r"scutil[^\S\n]+--(?:dns|nwi|proxy)|ifconfig(?:[^\S\n]+-a|[^\S\n]+\w+)?|"
    r"(?:cat|type|more|less|Get-Content|gc)[^\S\n]+[\w/\\.:%$~-]*(?:resolv\.conf|nsswitch\.conf|hosts|\.ovpn|\.log|\.txt|\.conf)|"
    r"Get-(?:DnsClientServerAddress|NetIPInterface|NetRoute|NetIPConfiguration|NetAdapter|DnsClientNrptPolicy|"
    r"DnsClient|NetIPAddress|DnsClientGlobalSetting)(?:[^\S\n]+[^\n]{0,120})?|"
    r"(?:dig|nslookup|host|ping|traceroute|tracert)[^\S\n]+\S+(?:[^\S\n]+\S+){0,4}"
    r")(?:[^\S\n]*\|[^\S\n]*(?:grep|egrep|head|tail|less|more|findstr|Select-String|sls|Format-Table|ft|Format-List|fl|"
    r"Out-String|sort|column)\b[^\n|]{0,80}){0,2}[^\S\n]*:?$", re.I)
_DECOR = re.compile(r"^(?:[*_`>]+[^\S\n]*|(?:output|result)s?[^\S\n]+(?:of|from)[^\S\n]+|#{1,6}[^\S\n]+)+", re.I)


def echo_command(line: str) -> str | None:
    """The command when ``line`` is a display command written on a line of its own
    (``route -n``, ``**ipconfig /all**``, ``Output of `resolvectl status`:``), else None."""
    s = line.strip()
    if not s or len(s) > 160:
        return None
    s = _DECOR.sub("", s)
    s = s.rstrip(":").strip().strip("*_`").strip().rstrip(":").strip()
    if not s:
        return None
    return s if _ECHO.match(s) else None


def is_prompt_or_echo(line: str) -> bool:
    """A prompt line or a display command on its own line (what a parser skips inside an output)."""
    return prompt_command(line) is not None or echo_command(line) is not None
