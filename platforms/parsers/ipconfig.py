"""Parser for Windows ``ipconfig /all`` output, in any display language (pure).

``ipconfig`` is translated, so this parser recognises the layout by structure first and
by labels second:

* an adapter section starts with a line that ends in ``:`` and is indented less than the
  field lines (``Ethernet adapter Ethernet 2:``, ``Ethernet-Adapter WLAN:``,
  ``イーサネット アダプター イーサネット:``); the adapter's alias is what follows the
  localised word for "adapter" (or the whole line when the word is unknown);
* a field line is ``   <label> . . . . : <value>`` (Japanese writes ``.:``, German
  sometimes ``Label:`` with no dots); a line indented far deeper than the field lines
  continues the previous field's value list (DNS servers, gateways, search lists);
* values are stripped of their state suffix (``(Preferred)``, ``(Bevorzugt)``, ``(優先)``).

Known label languages (``KNOWN_LANGUAGES``): English, German, Japanese.  For any other
language a structural fallback still finds the essentials: a label containing ``DNS`` with
an IP value is a DNS-server list, ``IPv4``/``IPv6`` labels with address values are the
adapter's addresses, a ``xx-xx-xx-xx-xx-xx`` value is the MAC, a ``255.x.x.x`` value is the
subnet mask.  Descriptions, gateways and media state need a known label.

The IPv6 link-local address carries the interface index as its zone id
(``fe80::1%16`` -> ifIndex 16): that is the only locale-free key ipconfig prints, and it
lets the adapter join ``route print`` rows and cmdlet JSON.
"""
from __future__ import annotations

import ipaddress
import re
from collections import Counter
from dataclasses import dataclass

from agent.serial import Record
from platforms.base import ParseError

KNOWN_LANGUAGES = ("en", "de", "ja")

# Title lines ("Windows IP Configuration") in the known languages plus a few more for
# recognition only.
_TITLES = ("Windows IP Configuration", "Windows-IP-Konfiguration", "Windows IP 構成",
           "Configuration IP de Windows", "Configuración IP de Windows", "Configurazione IP di Windows",
           "Configuração de IP do Windows", "Windows IP 配置", "Windows IP 구성")

# The word between an adapter's type and its alias in section headers.
_ADAPTER_WORD = re.compile(r"^(?P<type>.*?)[\s-]*(?:adapter|Adapter|アダプター|适配器|어댑터)\s+(?P<name>.+?)\s*:\s*$")

# label (normalised: lower case, dots/spaces trimmed) -> field key
_LABELS: dict[str, str] = {}


def _add(key: str, *labels: str) -> None:
    for label in labels:
        _LABELS[_norm_label(label)] = key


def _norm_label(label: str) -> str:
    return re.sub(r"[\s.]+", " ", label).strip(" .").lower()


_add("host_name", "Host Name", "Hostname", "ホスト名")
_add("primary_dns_suffix", "Primary Dns Suffix", "Primäres DNS-Suffix", "プライマリ DNS サフィックス")
_add("search_list", "DNS Suffix Search List", "DNS-Suffixsuchliste", "DNS サフィックス検索一覧")
_add("media_state", "Media State", "Medienstatus", "メディアの状態")
_add("suffix", "Connection-specific DNS Suffix", "Verbindungsspezifisches DNS-Suffix", "接続固有の DNS サフィックス")
_add("suffix_search_list", "Connection-specific DNS Suffix Search List",
     "Verbindungsspezifische DNS-Suffixsuchliste", "接続固有の DNS サフィックス検索一覧")
_add("description", "Description", "Beschreibung", "説明")
_add("mac", "Physical Address", "Physische Adresse", "物理アドレス")
_add("dhcp", "DHCP Enabled", "DHCP aktiviert", "DHCP 有効")
_add("ipv6", "IPv6 Address", "IPv6-Adresse", "IPv6 アドレス",
     "Temporary IPv6 Address", "Temporäre IPv6-Adresse", "一時 IPv6 アドレス",
     "Link-local IPv6 Address", "Verbindungslokale IPv6-Adresse", "リンクローカル IPv6 アドレス")
_add("ipv4", "IPv4 Address", "IPv4-Adresse", "IPv4 アドレス",
     "Autoconfiguration IPv4 Address", "IPv4-Adresse (Auto. Konfiguration)", "自動構成 IPv4 アドレス",
     "IP Address", "IP-Adresse")
_add("mask", "Subnet Mask", "Subnetzmaske", "サブネット マスク")
_add("gateway", "Default Gateway", "Standardgateway", "デフォルト ゲートウェイ")
_add("dhcp_server", "DHCP Server", "DHCP-Server", "DHCP サーバー")
_add("dns_servers", "DNS Servers", "DNS-Server", "DNS サーバー")
# Understood but not needed: listed so that `unknown_labels` only shows real surprises.
_add("ignore", "Node Type", "Knotentyp", "ノード タイプ", "IP Routing Enabled", "IP-Routing aktiviert",
     "IP ルーティング有効", "WINS Proxy Enabled", "WINS-Proxy aktiviert", "WINS プロキシ有効",
     "Autoconfiguration Enabled", "Autokonfiguration aktiviert", "自動構成有効",
     "Lease Obtained", "Lease erhalten", "リース取得", "Lease Expires", "Lease läuft ab", "リースの有効期限",
     "DHCPv6 IAID", "DHCPv6-IAID", "DHCPv6 Client DUID", "DHCPv6-Client-DUID", "DHCPv6 クライアント DUID",
     "NetBIOS over Tcpip", "NetBIOS über TCP/IP", "NetBIOS over TCP/IP",
     "Primary WINS Server", "Primärer WINS-Server", "プライマリ WINS サーバー",
     "Secondary WINS Server", "Sekundärer WINS-Server", "セカンダリ WINS サーバー")

# Values meaning "media disconnected" (the label may be unknown; the value is distinctive).
_DISCONNECTED = ("media disconnected", "medium getrennt", "メディアは接続されていません",
                 "média déconnecté", "medios desconectados")
_YES = ("yes", "ja", "はい", "oui", "sí", "si")

_STATE_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5,7}$")
# "   Label . . . . : value", "   Label. . . .: value" (ja), "   Label: value" (de, long labels)
_FIELD = re.compile(r"^(?P<indent>[ \t]+)(?P<label>[^:]*?[^:\s.])[ .]*:(?:[ \t](?P<value>.*))?$")
_DOTTED = re.compile(r"(?:\. ){2,}|\.{2,}:|\. :")


@dataclass(frozen=True, slots=True)
class IpconfigAdapter(Record):
    name: str                         # the alias (user-visible, localised, editable)
    type_label: str = ""              # "Ethernet", "Wireless LAN", "イーサネット", ... (as printed)
    description: str | None = None    # the driver description (locale-free)
    mac: str | None = None
    media_disconnected: bool = False
    dhcp_enabled: bool | None = None
    suffix: str | None = None         # connection-specific DNS suffix
    suffix_search_list: tuple[str, ...] = ()
    ipv4: tuple[str, ...] = ()        # "10.0.0.2/24" (prefix from the subnet mask when printed)
    ipv6: tuple[str, ...] = ()        # "fe80::1%16" as printed, state suffix removed
    gateways: tuple[str, ...] = ()
    dns_servers: tuple[str, ...] = ()
    dhcp_server: str | None = None
    index: int | None = None          # from the link-local zone id, when printed


@dataclass(frozen=True, slots=True)
class IpconfigResult(Record):
    host_name: str | None = None
    primary_dns_suffix: str | None = None
    search_list: tuple[str, ...] = ()
    adapters: tuple[IpconfigAdapter, ...] = ()
    unknown_labels: tuple[str, ...] = ()   # labels not understood (an unknown language shows here)


def looks_like(text: str) -> bool:
    """True when ``text`` looks like ``ipconfig`` output (any language)."""
    if not text:
        return False
    head = text[:20000]
    if any(title in head for title in _TITLES):
        return True
    dotted = sum(1 for line in head.splitlines() if _DOTTED.search(line) and ":" in line)
    headers = sum(1 for line in head.splitlines() if _ADAPTER_WORD.match(line))
    return dotted >= 3 and headers >= 1


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _clean(value: str) -> str:
    """Drop an address's state suffix ("(Preferred)", "(Bevorzugt)", "(優先)"); other values
    (descriptions such as "Bluetooth Device (Personal Area Network)") are kept whole."""
    value = value.strip()
    bare = _STATE_SUFFIX.sub("", value).strip()
    return bare if bare != value and _is_ip(bare) else value


def _mask_to_prefix(mask: str) -> int | None:
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def _classify(label: str, value: str) -> str | None:
    """The field key of a label, by the known labels or by the value's shape."""
    key = _LABELS.get(_norm_label(label))
    if key:
        return key
    # Structural fallback for labels in an unknown language.
    low = label.lower()
    if value and _is_ip(value):
        if "dns" in low:
            return "dns_servers"
        if "ipv6" in low and ":" in value:
            return "ipv6"
        if "ipv4" in low and "." in value:
            return "ipv4"
        if value.startswith("255.") and "." in value:
            return "mask"
    if value and _MAC.match(value):
        return "mac"
    if value.lower() in _DISCONNECTED:
        return "media_state"
    return None


class _Builder:
    def __init__(self, header: str) -> None:
        m = _ADAPTER_WORD.match(header)
        if m:
            self.name, self.type_label = m.group("name"), m.group("type").strip(" -")
        else:
            self.name, self.type_label = header.rstrip(":").strip(), ""
        self.fields: dict[str, list[str]] = {}

    def add(self, key: str, value: str) -> None:
        self.fields.setdefault(key, [])
        if value:
            self.fields[key].append(value)

    def first(self, key: str) -> str | None:
        vals = self.fields.get(key) or []
        return vals[0] if vals else None

    def build(self) -> IpconfigAdapter:
        masks = [m for m in self.fields.get("mask", []) if _mask_to_prefix(m) is not None]
        ipv4: list[str] = []
        for i, addr in enumerate(a for a in self.fields.get("ipv4", []) if _is_ip(a) and "." in a):
            prefix = _mask_to_prefix(masks[i]) if i < len(masks) else None
            ipv4.append(f"{addr}/{prefix}" if prefix is not None else addr)
        ipv6 = tuple(a for a in self.fields.get("ipv6", []) if _is_ip(a) and ":" in a)
        index = None
        for addr in ipv6:
            base, _, zone = addr.partition("%")
            if zone.isdigit() and ipaddress.ip_address(base).is_link_local:
                index = int(zone)
                break
        media = (self.first("media_state") or "").lower()
        dhcp = self.first("dhcp")
        return IpconfigAdapter(
            name=self.name, type_label=self.type_label,
            description=self.first("description"),
            mac=self.first("mac") if self.first("mac") and _MAC.match(self.first("mac") or "") else None,
            media_disconnected=bool(media) and (media in _DISCONNECTED or "disconnect" in media),
            dhcp_enabled=None if dhcp is None else dhcp.lower() in _YES,
            suffix=self.first("suffix"),
            suffix_search_list=tuple(self.fields.get("suffix_search_list", [])),
            ipv4=tuple(ipv4), ipv6=ipv6,
            gateways=tuple(g for g in self.fields.get("gateway", []) if _is_ip(g)),
            dns_servers=tuple(s for s in self.fields.get("dns_servers", []) if _is_ip(s)),
            dhcp_server=self.first("dhcp_server"),
            index=index,
        )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def parse(text: str) -> IpconfigResult:
    """Parse ``ipconfig /all`` (or plain ``ipconfig``) output.

    Raises ParseError when the text has neither an adapter section nor a global field."""
    if text is None or not text.strip():
        raise ParseError("ipconfig: empty output")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    # The field indentation is the most common indentation of dotted-leader lines; headers
    # sit left of it, continuation values far right of it.
    indents = Counter(_indent(l) for l in lines if l.strip() and _DOTTED.search(l) and _FIELD.match(l))
    if not indents:
        raise ParseError("ipconfig: no 'label . . . : value' lines found")
    field_indent = indents.most_common(1)[0][0]

    glob: dict[str, list[str]] = {}
    adapters: list[_Builder] = []
    current: _Builder | None = None
    last_key: str | None = None
    unknown: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        ind = _indent(line)
        if ind < field_indent and line.endswith(":") and not _DOTTED.search(line):
            current = _Builder(line.strip())
            adapters.append(current)
            last_key = None
            continue
        if ind < field_indent:
            last_key = None       # a title, a shell prompt or other noise
            continue
        m = _FIELD.match(line)
        if ind <= field_indent + 2 and m:
            label, value = m.group("label").strip(), _clean(m.group("value") or "")
            key = _classify(label, value)
            if key is None:
                if _norm_label(label) not in unknown:
                    unknown.append(_norm_label(label))
                last_key = None
                continue
            if key == "ignore":
                last_key = None
                continue
            last_key = key
            if current is None:
                glob.setdefault(key, [])
                if value:
                    glob[key].append(value)
            else:
                current.add(key, value)
            continue
        if last_key is not None and ind > field_indent + 2:
            value = _clean(line)
            if current is None:
                glob.setdefault(last_key, []).append(value)
            else:
                current.add(last_key, value)
    if not adapters and not glob:
        raise ParseError("ipconfig: no adapter section or global setting found")
    host = (glob.get("host_name") or [None])[0]
    return IpconfigResult(
        host_name=host,
        primary_dns_suffix=(glob.get("primary_dns_suffix") or [None])[0],
        search_list=tuple(glob.get("search_list", [])),
        adapters=tuple(a.build() for a in adapters),
        unknown_labels=tuple(unknown),
    )
