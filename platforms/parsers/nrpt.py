"""Parser for NRPT registry dumps (pure).

Two inputs are understood:

* the ``winreg-nrpt`` capture: the JSON that ``platforms.windows.read_nrpt_registry``
  writes from winreg (locale-free)::

      {"local": {"present": true, "rules": {"<rule>": {"Name": [...], "GenericDNSServers": "a;b",
                                                       "ConfigOptions": 8, ...}}},
       "gpo":   {"present": false, "rules": {}},
       "smart": {"DisableSmartNameResolution": null}}

* text pasted from ``reg query <DnsPolicyConfig key> /s`` (key paths and ``REG_*`` type
  names are never translated)::

      HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\Dnscache\\Parameters\\DnsPolicyConfig\\{GUID}
          ConfigOptions    REG_DWORD    0x8
          GenericDNSServers    REG_SZ    10.0.0.2
          Name    REG_MULTI_SZ    .corp.example.com\\0corp.example.com

Where the rules live (Tailscale ``nrpt_windows.go``, commit 4d5d669): the local table under
``HKLM\\SYSTEM\\CurrentControlSet\\Services\\Dnscache\\Parameters\\DnsPolicyConfig`` and
the Group Policy table under ``HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\
DnsPolicyConfig``.  When the GPO key exists, Windows uses it and ignores the local rules
entirely -- even when it holds no rule.  ``ConfigOptions`` 0x8 means "send to these DNS
servers" (GenericDNSServers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent.model import NrptRule
from agent.serial import Record
from platforms.base import ParseError, load_json

LOCAL_KEY = r"SYSTEM\CurrentControlSet\Services\Dnscache\Parameters\DnsPolicyConfig"
GPO_KEY = r"SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig"
DNSCLIENT_POLICY_KEY = r"SOFTWARE\Policies\Microsoft\Windows NT\DNSClient"

CONFIG_GENERIC_DNS = 0x8

_REG_LINE = re.compile(r"^\s+(?P<name>\S.*?)\s{2,}(?P<type>REG_[A-Z_]+)(?:\s{2,}(?P<data>.*))?$")


@dataclass(frozen=True, slots=True)
class NrptDump(Record):
    rules: tuple[NrptRule, ...] = ()
    local_present: bool | None = None      # None = not read
    gpo_present: bool | None = None
    disable_smart_name_resolution: int | None = None   # the policy value, None when absent/not read
    smart_read: bool = False               # the DNSClient policy key was read (absence is meaningful)


def looks_like(text: str) -> bool:
    if not text:
        return False
    return "DnsPolicyConfig" in text[:20000] and ("REG_" in text or '"rules"' in text)


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(p.strip() for p in re.split(r"[;\s]+|\\0", value) if p.strip())
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for v in value:
            out.extend(_as_tuple(v))
        return tuple(out)
    return (str(value),)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            return None
    return None


def rule_from_values(name: str, values: dict, source: str) -> NrptRule:
    """One rule from its registry values (names as in the registry, case-insensitive)."""
    lower = {k.lower(): v for k, v in values.items()}
    return NrptRule(name=name, namespaces=_as_tuple(lower.get("name")),
                    servers=_as_tuple(lower.get("genericdnsservers")), source=source,
                    config_options=_int(lower.get("configoptions")))


def _parse_json(data: dict) -> NrptDump:
    rules: list[NrptRule] = []
    present: dict[str, bool | None] = {}
    for source in ("gpo", "local"):
        table = data.get(source)
        if not isinstance(table, dict):
            present[source] = None
            continue
        present[source] = bool(table.get("present"))
        rules_table = table.get("rules")
        for name, values in sorted(rules_table.items() if isinstance(rules_table, dict) else ()):
            if isinstance(values, dict):
                rules.append(rule_from_values(name, values, source))
    smart = data.get("smart")
    value = _int(smart.get("DisableSmartNameResolution")) if isinstance(smart, dict) else None
    return NrptDump(rules=tuple(rules), local_present=present["local"], gpo_present=present["gpo"],
                    disable_smart_name_resolution=value, smart_read=isinstance(smart, dict))


def _parse_reg_query(text: str) -> NrptDump:
    rules: list[NrptRule] = []
    current: tuple[str, str] | None = None
    values: dict[str, object] = {}
    local_present = gpo_present = None
    smart: int | None = None
    smart_read = False

    def flush() -> None:
        if current is not None and values:
            rules.append(rule_from_values(current[0], dict(values), current[1]))

    for line in text.replace("\r\n", "\n").split("\n"):
        if line.upper().startswith("HKEY_") or line.upper().startswith("HKLM"):
            flush()
            values = {}
            path = line.strip()
            upper = path.upper()
            source = "gpo" if "\\POLICIES\\" in upper else "local"
            if upper.rstrip("\\").endswith("DNSPOLICYCONFIG"):
                current = None
                if source == "gpo":
                    gpo_present = True
                else:
                    local_present = True
            elif "DNSPOLICYCONFIG\\" in upper:
                current = (path.rsplit("\\", 1)[-1], source)
                if source == "gpo":
                    gpo_present = True
                else:
                    local_present = True
            else:
                current = None
                smart_read = smart_read or upper.rstrip("\\").endswith("DNSCLIENT")
            continue
        m = _REG_LINE.match(line)
        if not m:
            continue
        name, kind, data = m.group("name"), m.group("type"), (m.group("data") or "").strip()
        if name.lower() == "disablesmartnameresolution":
            smart, smart_read = _int(data), True
            continue
        if current is None:
            continue
        if kind == "REG_DWORD":
            values[name] = _int(data)
        elif kind == "REG_MULTI_SZ":
            values[name] = tuple(p for p in data.split("\\0") if p)
        else:
            values[name] = data
    flush()
    if local_present is None and gpo_present is None and not smart_read:
        raise ParseError("NRPT dump: no DnsPolicyConfig key in the reg query output")
    return NrptDump(rules=tuple(rules), local_present=local_present, gpo_present=gpo_present,
                    disable_smart_name_resolution=smart, smart_read=smart_read)


def parse(text: str) -> NrptDump:
    """Parse a ``winreg-nrpt`` JSON capture or ``reg query ... /s`` text."""
    if text is None or not text.strip():
        raise ParseError("NRPT dump: empty")
    stripped = text.lstrip("\ufeff").strip()
    if stripped.startswith("{"):
        data = load_json(stripped, "NRPT dump")
        if not isinstance(data, dict) or not ({"local", "gpo", "smart"} & set(data)):
            raise ParseError("NRPT dump: JSON without local/gpo/smart sections")
        return _parse_json(data)
    return _parse_reg_query(stripped)


def effective_rules(dump: NrptDump) -> tuple[NrptRule, ...]:
    """The rules Windows applies: the GPO table when its key exists, else the local one."""
    if dump.gpo_present:
        return tuple(r for r in dump.rules if r.source == "gpo")
    return tuple(r for r in dump.rules if r.source == "local")
