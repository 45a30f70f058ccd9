"""Readers for the default views of the Windows networking cmdlets, as pasted (pure).

==========================================  ===========================  ===============================
cmdlet (table or ``| fl`` list view)        source id                    gives
==========================================  ===========================  ===============================
``Get-DnsClientServerAddress``              ps-dnsclientserveraddress    resolvers per ifIndex + family
``Get-NetIPInterface``                      ps-netipinterface            interface metrics, connected
``Get-NetRoute``                            ps-netroute                  routes (+ ifMetric as the
                                                                         interface metric when nothing
                                                                         else gives it)
``Get-NetIPConfiguration`` [-Detailed]      ps-netipconfiguration        adapter, addresses, default
                                                                         gateways, DNS servers, status
``Get-NetAdapter``                          ps-netadapter                ifIndex, alias, driver
                                                                         description, status, MAC
``Get-DnsClientNrptPolicy`` / ``...Rule``   ps-nrpt                      NRPT namespaces -> servers
``netsh interface ipv4 show interfaces``    netsh-interfaces             interface metrics, connected
==========================================  ===========================  ===============================

The ids are the cmdlets' nouns, as the corpus kinds (tests/corpus) name them.

One pasted text may hold several of these views (a ticket often does); :func:`parse` reads
every one it finds, and :func:`looks_like` names the first.  The result is the same
:class:`platforms.parsers.win_json.WinCollection` the JSON readers give, so the Windows
adapter merges text and JSON alike (identity by ifIndex, never by the localised alias).

Reading is by value shape where PowerShell's own alignment cannot be trusted: a default
table row is matched right to left by typed columns (``\\d+``, ``IPv4|IPv6``, ``{...}``),
so an alias that pushes the row out of line (double-width characters, a misaligned
tutorial) is still read; other column selections fall back to positions.  A value cut by
PowerShell (``fec...``, ``Persiste...``, ``Wireless Net...``) is used only where a prefix
still means something (a description, ``PersistentStore``); a cut address is dropped.
Every line of a recognised view that cannot be read is reported in ``skipped`` and never
discards the rest.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Callable

from agent.model import Family
from agent import source_ids
from platforms.base import ParseError
from platforms.parsers import ps_format
from platforms.parsers import win_json
from platforms.parsers.ps_format import PsBlock, cells, display_width, is_cut, split_list_value, words
from platforms.parsers.win_json import (AddressRec, AdapterRec, DnsServersRec, IpInterfaceRec, NrptPolicyRec,
                                        RouteRec, WinCollection)

SOURCE_IDS = source_ids.PS_TEXT_SOURCES

_MARKERS = ("ServerAddresses", "InterfaceMetric", "DestinationPrefix", "InterfaceDescription", "IPv4DefaultGateway",
            "DNSServer", "NameServers", "InterfaceAlias", "Namespace", "Idx")

_ADDR = r"[0-9A-Fa-f:.]+(?:%\w+)?"
_ROUTE_ROW = re.compile(rf"(?P<ifIndex>\d+)\s+(?P<DestinationPrefix>[0-9A-Fa-f:.]+/\d+)\s+(?P<NextHop>{_ADDR})"
                        r"\s+(?P<RouteMetric>\d+)(?:\s+(?P<ifMetric>\d+))?(?:\s+(?P<PolicyStore>\S+))?")
_DNS_ROW = re.compile(r"(?P<InterfaceAlias>.*?)\s+(?P<InterfaceIndex>\d+)\s+(?P<AddressFamily>IPv4|IPv6)"
                      r"(?:\s+(?P<ServerAddresses>\{.*))?")
_IPIF_ROW = re.compile(r"(?P<ifIndex>\d+)\s+(?P<InterfaceAlias>.+?)\s+(?P<AddressFamily>IPv4|IPv6)\s+"
                       r"(?P<NlMtu>\d+)\s+(?P<InterfaceMetric>\d+)\s+(?P<Dhcp>Enabled|Disabled)\s+"
                       r"(?P<ConnectionState>Connected|Disconnected)(?:\s+(?P<PolicyStore>\S+))?")
_STATUS = r"(?:Up|Disconnected|Disabled|Not Present|Down|Dormant|Testing|Unknown|LowerLayerDown|NotPresent)"
_ADAPTER_ROW = re.compile(rf"(?P<left>.*?\S)\s+(?P<ifIndex>\d+)\s+(?P<Status>{_STATUS})"
                          r"(?:\s+(?P<MacAddress>[0-9A-Fa-fXx]{2}(?:-[0-9A-Fa-fXx]{2}){0,7}(?:-?(?:\.\.\.|…))?))?"
                          r"(?:\s+(?P<LinkSpeed>\d+(?:[.,]\d+)?\s*[KMGT]?bps))?")
_MAC = re.compile(r"[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5,7}")
# a command line that shows only part of what the cmdlet knows: a filter parameter or a pipe
# into a filter ("Get-NetRoute -ifIndex 24", "Get-NetIPInterface | Where-Object ...")
_FILTERED = re.compile(r"\s-(?:InterfaceAlias|InterfaceIndex|ifIndex|AddressFamily|Name|InterfaceDescription|"
                       r"DestinationPrefix|NextHop|Namespace|IncludeHidden:\$false)\b|\|\s*(?:where\b|\?|Where-Object|"
                       r"Select-Object\s+-(?:First|Last))", re.I)


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _view_of_columns(columns: tuple[str, ...] | list[str]) -> str | None:
    """Which cmdlet printed a table (or a list record) with these properties."""
    cols = {_norm(c) for c in columns}
    if "serveraddresses" in cols:
        return "ps-dnsclientserveraddress"
    if "destinationprefix" in cols and ("nexthop" in cols or "ifindex" in cols or "interfaceindex" in cols):
        return "ps-netroute"
    if "namespace" in cols and cols & {"nameservers", "directaccessenabled", "queryPolicy".lower(), "dnssec",
                                        "directaccessdnsservers", "da"}:
        return "ps-nrpt"
    if cols & {"ipv4defaultgateway", "ipv6defaultgateway", "dnsserver", "netprofilename", "netadapterstatus"} \
            and cols & {"interfacealias", "interfaceindex"}:
        return "ps-netipconfiguration"
    if "interfacemetric" in cols and ("addressfamily" in cols or "nlmtubytes" in cols or "nlmtu" in cols):
        return "ps-netipinterface"
    if "interfacedescription" in cols and cols & {"ifindex", "interfaceindex", "macaddress", "status",
                                                  "interfaceoperationalstatus", "mediaconnectionstate"}:
        return "ps-netadapter"
    if cols >= {"ipaddress", "interfaceindex", "prefixlength"}:
        return "ps-netipaddress"
    if cols >= {"idx", "met", "mtu"}:
        return "netsh-interfaces"
    return None


def _block_view(block: PsBlock) -> str | None:
    return _view_of_columns(block.columns if block.kind == "table" else tuple(block.values))


def looks_like(text: str) -> str | None:
    """The source id of the first cmdlet view in ``text`` (see the table above), or None."""
    if not text:
        return None
    head = text[:20000]
    if not any(m in head for m in _MARKERS) and not _headerless_routes(head.splitlines()[:400]):
        return None
    try:
        fmt = ps_format.parse(head, allow_loose=True)
    except ParseError:
        return None
    for block in fmt.blocks:
        view = _block_view(block)
        if view in SOURCE_IDS:
            return view
    if len(_headerless_routes(fmt.loose)) >= 2:
        return "ps-netroute"
    dashless = _dashless_tables(fmt)
    return dashless[0][0] if dashless else None


_COLUMN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:\([A-Za-z]+\))?")


def _dashless_tables(fmt: ps_format.PsFormatted) -> list[tuple[str, list[tuple[int, str, re.Match]]]]:
    """Default-view tables that lost their dash line and their padding (a page that collapsed
    every run of spaces): a line of exactly the view's column names, then the rows under it
    that fit the view's typed row pattern.  ``[(source id, [(line, row, match)])]``."""
    out: list[tuple[str, list[tuple[int, str, re.Match]]]] = []
    loose = list(zip(fmt.loose_lines, fmt.loose))
    i = 0
    while i < len(loose):
        n, line = loose[i]
        names = line.split()
        view = _view_of_columns(names) if len(names) >= 4 and all(_COLUMN_WORD.fullmatch(w) for w in names) else None
        typed = _TYPED_ROWS.get(view or "")
        if typed is None or not typed[1] <= {_norm(w) for w in names}:
            i += 1
            continue
        rows: list[tuple[int, str, re.Match]] = []
        j = i + 1
        while j < len(loose) and loose[j][0] == loose[j - 1][0] + 1:
            m = typed[0].fullmatch(loose[j][1].strip())
            if m is None:
                break
            rows.append((loose[j][0], loose[j][1], m))
            j += 1
        if rows:
            out.append((view, rows))    # type: ignore[arg-type]
        i = max(j, i + 1)
    return out


def split_views(text: str) -> list[tuple[str, str]]:
    """``[(source id, text)]`` when ``text`` holds the views of two or more cmdlets one after the
    other with no prompt between them (a ``Get-NetRoute`` table, then ``Get-NetIPConfiguration``
    records): cut where the view changes.  ``[]`` when it holds one view (or none)."""
    try:
        fmt = ps_format.parse(text, allow_loose=True)
    except ParseError:
        return []
    starts: list[tuple[str, int]] = []
    for block in fmt.blocks:
        view = _block_view(block)
        if view in SOURCE_IDS and (not starts or starts[-1][0] != view):
            starts.append((view, block.line))
    if len(starts) < 2:
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cuts = [0] + [line - 1 for _view, line in starts[1:]] + [len(lines)]
    return [(view, "\n".join(lines[a:b]).strip("\n") + "\n") for (view, _l), a, b in zip(starts, cuts, cuts[1:])]


def _headerless_routes(lines) -> list[re.Match]:
    out = []
    for line in lines:
        m = _ROUTE_ROW.fullmatch(line.strip())
        if m:
            out.append(m)
    return out


# --------------------------------------------------------------------------- helpers


def _ip(value: str) -> str | None:
    """The address, or None (not an address, a cut one, unspecified)."""
    v = value.strip()
    if not v or is_cut(v):
        return None
    try:
        ip = ipaddress.ip_address(v.split("%", 1)[0])
    except ValueError:
        return None
    return None if ip.is_unspecified else v


def _persistent(store: str | None) -> bool:
    """PolicyStore says PersistentStore (possibly cut: "Persiste...")."""
    s = (store or "").strip().rstrip(".…").lower()
    return len(s) >= 3 and "persistentstore".startswith(s)


def _get(values: dict[str, str], *names: str) -> str | None:
    by_norm = {_norm(k): v for k, v in values.items()}
    for name in names:
        v = by_norm.get(_norm(name))
        if v is not None:
            return v
    return None


class _Reader:
    """Accumulates one pasted text's records and the lines it could not read."""

    def __init__(self) -> None:
        self.adapters: list[AdapterRec] = []
        self.ip_interfaces: list[IpInterfaceRec] = []
        self.addresses: list[AddressRec] = []
        self.dns: list[DnsServersRec] = []
        self.routes: list[RouteRec] = []
        self.gateways: list[RouteRec] = []
        self.nrpt: list[NrptPolicyRec] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []
        self.present: list[str] = []
        self.partial: list[str] = []
        self.netsh_v6 = False

    def skip(self, line_no: int | None, line: str, why: str) -> None:
        where = f"line {line_no}: " if line_no else ""
        self.skipped.append(f"{where}{why}: {line.strip()[:160]!r}")

    # ----------------------------------------------------------------- rows -> property dicts

    def table_rows(self, block: PsBlock, view: str) -> list[tuple[int, dict[str, str], str]]:
        """Each row as {property: value}.  A default view's row is matched by its typed
        pattern (alone, or joined with the next line when the console wrapped it); a row
        that does not fit, or another column selection, is split by position.  The view's
        reader then validates the values and reports the row when they make no sense."""
        row_re, required = _TYPED_ROWS.get(view, (None, frozenset()))
        # the default columns (one may be misspelt: a paste that lost a header letter)
        typed_re = row_re if row_re is not None and len(required - {_norm(c) for c in block.columns}) <= 1 else None
        out: list[tuple[int, dict[str, str], str]] = []
        rows = list(block.rows)
        i = 0
        while i < len(rows):
            row, line_no = rows[i], block.row_lines[i]
            m = typed_re.fullmatch(row.strip()) if typed_re is not None else None
            if typed_re is not None and i + 1 < len(rows) and typed_re.fullmatch(rows[i + 1].strip()) is None \
                    and (m is None or len(rows[i + 1].split()) == 1):
                # the console wrapped this row: its rest is the next line ("Active" / "Store");
                # a rest that starts with blanks was cut between two values
                rest = rows[i + 1]
                seps = (" ",) if rest[:1] in (" ", "\t") else ("", " ")
                joined = next((j for j in (typed_re.fullmatch(row.strip() + sep + rest.strip()) for sep in seps) if j),
                              None)
                if joined is not None:
                    m = joined
                    self.notes.append(f"line {line_no}: a row wrapped by the console was joined")
                    i += 1
            if m is not None:
                out.append((line_no, {k: v for k, v in m.groupdict().items() if v is not None}, row))
            else:
                out.append((line_no, cells(block, row), row))
            i += 1
        return out

    # ----------------------------------------------------------------- views

    def dns_servers(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        index = win_json.as_int(_get(values, "InterfaceIndex", "ifIndex"))
        if index is None:
            self.skip(line_no, row or str(values), "no interface index")
            return
        raw = _get(values, "ServerAddresses") or ""
        items, cut = split_list_value(raw)
        servers = [s for s in (_ip(x) for x in items) if s]
        bad = [x for x in items if _ip(x) is None and x.strip() not in ("::", "0.0.0.0")]
        if cut:
            self.notes.append(f"line {line_no}: a server address cut by the console width was dropped")
        for b in bad:
            self.skip(line_no, b, "not a server address")
        fam = win_json.family_of(_get(values, "AddressFamily"), servers[0] if servers else None)
        self.dns.append(DnsServersRec(index=index, family=fam, servers=tuple(servers),
                                      alias=(_get(values, "InterfaceAlias") or "").strip()))

    def ip_interface(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        if _persistent(_get(values, "PolicyStore", "Store")):
            self.notes.append(f"line {line_no}: a PersistentStore interface row (configuration) was not read")
            return
        index = win_json.as_int(_get(values, "ifIndex", "InterfaceIndex"))
        fam = win_json.family_of(_get(values, "AddressFamily"))
        if index is None or fam is None:
            self.skip(line_no, row or str(values), "no interface index or address family")
            return
        mtu = _get(values, "NlMtu(Bytes)", "NlMtu", "NlMtuBytes")
        self.ip_interfaces.append(IpInterfaceRec(
            index=index, family=fam, metric=win_json.as_int(_get(values, "InterfaceMetric")),
            automatic_metric=win_json.as_bool(_get(values, "AutomaticMetric")),
            connected=win_json.as_bool(_get(values, "ConnectionState")),
            alias=(_get(values, "InterfaceAlias") or "").strip(), mtu=win_json.as_int(mtu)))

    def route(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        if _persistent(_get(values, "PolicyStore", "Store")):
            self.notes.append(f"line {line_no}: a PersistentStore route (configuration) was not read as active")
            return
        index = win_json.as_int(_get(values, "ifIndex", "InterfaceIndex"))
        prefix = (_get(values, "DestinationPrefix") or "").strip()
        try:
            net = ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            net = None
        if index is None or net is None:
            self.skip(line_no, row or str(values), "no interface index or destination prefix")
            return
        fam = Family.INET if net.version == 4 else Family.INET6
        self.routes.append(RouteRec(index=index, family=fam, destination=str(net),
                                    next_hop=_ip(_get(values, "NextHop") or ""),
                                    route_metric=win_json.as_int(_get(values, "RouteMetric")),
                                    alias=(_get(values, "InterfaceAlias") or "").strip()))
        if_metric = win_json.as_int(_get(values, "ifMetric", "InterfaceMetric"))
        if if_metric is not None and not any(i.index == index and i.family is fam for i in self.ip_interfaces):
            self.ip_interfaces.append(IpInterfaceRec(index=index, family=fam, metric=if_metric))

    def netsh_interface(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        """``netsh interface ipv4 show interfaces``: Idx, Met, MTU, State, Name.  The family is
        the command's (``ipv6`` on its command line), IPv4 otherwise: what people paste for
        metrics.  State words are localised: only the English ones are read."""
        index, metric = win_json.as_int(_get(values, "Idx")), win_json.as_int(_get(values, "Met"))
        if index is None or metric is None:
            self.skip(line_no, row or str(values), "no interface index or metric")
            return
        fam = Family.INET6 if self.netsh_v6 else Family.INET
        state = (_get(values, "State") or "").strip().lower()
        self.ip_interfaces.append(IpInterfaceRec(
            index=index, family=fam, metric=metric, alias=(_get(values, "Name") or "").strip(),
            connected=True if state == "connected" else False if state == "disconnected" else None,
            mtu=win_json.as_int(_get(values, "MTU"))))

    def adapter(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        index = win_json.as_int(_get(values, "ifIndex", "InterfaceIndex"))
        if index is None:
            self.skip(line_no, row or str(values), "no interface index")
            return
        status = (_get(values, "Status") or "").strip() or None
        oper = (_get(values, "InterfaceOperationalStatus") or "").strip().lower()
        media = (_get(values, "MediaConnectionState") or "").strip().lower()
        if status:
            is_up: bool | None = status.lower() == "up"
        elif oper in ("up", "down", "1", "2"):
            is_up = oper in ("up", "1")
        elif media in ("connected", "disconnected"):
            is_up = media == "connected"
        else:
            is_up = None
        mac = (_get(values, "MacAddress") or "").strip()
        desc = (_get(values, "InterfaceDescription") or "").strip()
        self.adapters.append(AdapterRec(index=index, name=(_get(values, "Name", "InterfaceAlias") or "").strip(),
                                        description=desc or None, status=status,
                                        mac=mac if _MAC.fullmatch(mac) else None, is_up=is_up))

    def adapter_rows(self, block: PsBlock) -> None:
        """``Name  InterfaceDescription  ifIndex Status MacAddress LinkSpeed``: the typed
        right end, then Name and description split where the header says (in display
        columns), at the nearest gap."""
        if "InterfaceDescription" not in block.columns or "Name" not in block.columns:
            for line_no, values, row in self.table_rows(block, "ps-netadapter"):
                self.adapter(line_no, values, row)
            return
        desc_col = block.starts[block.columns.index("InterfaceDescription")]
        for row, line_no in zip(block.rows, block.row_lines):
            m = _ADAPTER_ROW.fullmatch(row.strip())
            if m is None:
                self.skip(line_no, row, "table row not in the cmdlet's layout")
                continue
            left_text = row[:len(row) - len(row.lstrip())] + m.group("left")
            name, desc = _split_at_column(left_text, desc_col)
            values = {k: v for k, v in m.groupdict().items() if v is not None and k != "left"}
            values.update(Name=name, InterfaceDescription=desc)
            self.adapter(line_no, values, row)

    def ip_configuration(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        index = win_json.as_int(_get(values, "InterfaceIndex", "ifIndex"))
        if index is None:
            self.skip(line_no, str(values)[:120], "Get-NetIPConfiguration record without InterfaceIndex")
            return
        alias = (_get(values, "InterfaceAlias") or "").strip()
        status = (_get(values, "NetAdapter.Status") or "").strip() or None
        desc = (_get(values, "InterfaceDescription") or "").strip() or None
        mac = (_get(values, "NetAdapter.LinkLayerAddress") or "").strip()
        self.adapters.append(AdapterRec(index=index, name=alias, description=desc, status=status,
                                        mac=mac if _MAC.fullmatch(mac) else None,
                                        is_up=None if status is None else status.lower() == "up"))
        for key in ("IPv4Address", "IPv6Address", "IPv6LinkLocalAddress", "IPv6TemporaryAddress"):
            items, _cut = split_list_value(_get(values, key) or "")
            for item in items:
                addr = _ip(item)
                if addr is None:
                    self.skip(line_no, item, f"{key}: not an address")
                    continue
                fam = Family.INET if ":" not in addr else Family.INET6
                self.addresses.append(AddressRec(index=index, family=fam, address=addr))
        for key, fam, default in (("IPv4DefaultGateway", Family.INET, "0.0.0.0/0"),
                                  ("IPv6DefaultGateway", Family.INET6, "::/0")):
            items, _cut = split_list_value(_get(values, key) or "")
            for item in items:
                gw = item.strip()
                ip = gw.split("%", 1)[0]
                try:
                    unspecified = ipaddress.ip_address(ip).is_unspecified
                except ValueError:
                    self.skip(line_no, item, f"{key}: not an address")
                    continue
                self.gateways.append(RouteRec(index=index, family=fam, destination=default,
                                              next_hop=None if unspecified else gw, alias=alias))
        items, cut = split_list_value(_get(values, "DNSServer") or "")
        by_family: dict[Family, list[str]] = {}
        for item in items:
            addr = _ip(item)
            if addr is None:
                self.skip(line_no, item, "DNSServer: not an address")
                continue
            by_family.setdefault(Family.INET if ":" not in addr else Family.INET6, []).append(addr)
        for fam, servers in by_family.items():
            self.dns.append(DnsServersRec(index=index, family=fam, servers=tuple(dict.fromkeys(servers)), alias=alias))

    def ip_address(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        index = win_json.as_int(_get(values, "InterfaceIndex", "ifIndex"))
        addr = _ip(_get(values, "IPAddress") or "")
        if index is None or addr is None:
            return
        store = (_get(values, "PolicyStore") or "").strip().lower()
        state = (_get(values, "AddressState") or "").strip().lower()
        if store.startswith("persistent") or state in ("invalid", "deprecated"):
            return
        fam = Family.INET if ":" not in addr else Family.INET6
        if not any(a.index == index and a.address == addr for a in self.addresses):
            self.addresses.append(AddressRec(index=index, family=fam, address=addr,
                                             prefixlen=win_json.as_int(_get(values, "PrefixLength"))))

    def nrpt_policy(self, line_no: int, values: dict[str, str], row: str = "") -> None:
        namespaces, _ = split_list_value(_get(values, "Namespace") or "")
        servers, _ = split_list_value(_get(values, "NameServers") or "")
        if not servers and (_get(values, "DirectAccessEnabled") or "").strip().lower() == "true":
            # a DirectAccess rule sends its namespace to the DirectAccess DNS servers
            servers, _ = split_list_value(_get(values, "DirectAccessDnsServers", "DADnsServers") or "")
        ok = [s for s in (_ip(x) for x in servers) if s]
        for s in servers:
            if _ip(s) is None:
                self.skip(line_no, s, "NameServers: not an address")
        if not namespaces:
            self.skip(line_no, str(values)[:120], "NRPT record without Namespace")
            return
        self.nrpt.append(NrptPolicyRec(namespaces=tuple(namespaces), servers=tuple(ok)))


def _split_at_column(text: str, column: int) -> tuple[str, str]:
    """Split ``Name  Description`` at the gap nearest to display ``column`` (the header's
    position); a left part that ends well before it has no description."""
    ws = words(text)
    if not ws:
        return "", ""
    best: int | None = None
    for n in range(1, len(ws)):
        start = ws[n][0]
        if abs(start - column) <= 3 and (best is None or abs(start - column) < abs(ws[best][0] - column)):
            best = n
    if best is None:
        # an over-long name pushes everything right: the first gap of two or more columns
        for n in range(1, len(ws)):
            if ws[n][0] - ws[n - 1][1] >= 2 and ws[n][0] > column:
                best = n
                break
    if best is None:
        return text.strip(), ""
    chars = _char_offset(text, ws[best][0])
    return text[:chars].strip(), text[chars:].strip()


def _char_offset(text: str, column: int) -> int:
    col = 0
    for i, ch in enumerate(text):
        if col >= column:
            return i
        col += 1 if ch in " \t" else display_width(ch)
    return len(text)


# The default table views: their typed row pattern and the columns that say "default view".
_TYPED_ROWS: dict[str, tuple[re.Pattern, frozenset]] = {
    "ps-dnsclientserveraddress": (_DNS_ROW, frozenset({"interfacealias", "interfaceindex", "addressfamily", "serveraddresses"})),
    "ps-netipinterface": (_IPIF_ROW, frozenset({"ifindex", "interfacealias", "addressfamily", "interfacemetric"})),
    "ps-netroute": (_ROUTE_ROW, frozenset({"ifindex", "destinationprefix", "nexthop", "routemetric"})),
}


def parse(text: str, source_id: str | None = None) -> WinCollection:
    """Read every cmdlet view in ``text`` into one collection.  ``source_id`` (what the
    recogniser said) is informative only: a paste is read for all that it holds.

    Raises ParseError when no view of a known cmdlet is found."""
    fmt = ps_format.parse(text, allow_loose=True)
    r = _Reader()
    handlers: dict[str, Callable[..., None]] = {
        "ps-dnsclientserveraddress": r.dns_servers, "ps-netipinterface": r.ip_interface, "ps-netroute": r.route,
        "ps-netadapter": r.adapter, "ps-netipconfiguration": r.ip_configuration, "ps-nrpt": r.nrpt_policy,
        "ps-netipaddress": r.ip_address, "netsh-interfaces": r.netsh_interface,
    }
    for block in fmt.blocks:
        view = _block_view(block)
        if view is None:
            continue
        r.present.append(view)
        r.netsh_v6 = "ipv6" in block.command.lower()
        if block.command and _FILTERED.search(block.command):
            r.partial.append(view)
            r.notes.append(f"line {block.line}: {block.command[:120]!r} shows only part of the table: what it "
                           "does not list is not known to be absent")
        if block.kind == "list":
            for bad in block.bad_lines:
                r.skip(block.line, bad, "not a 'Name : value' line")
            handlers[view](block.line, dict(block.values))
            continue
        if view == "ps-netadapter":
            r.adapter_rows(block)
            continue
        for line_no, values, row in r.table_rows(block, view):
            handlers[view](line_no, values, row)
    headerless = [(n, m) for n, line in zip(fmt.loose_lines, fmt.loose)
                  for m in [_ROUTE_ROW.fullmatch(line.strip())] if m]
    if len(headerless) >= 2 or (headerless and "ps-netroute" in r.present):
        r.present.append("ps-netroute")
        r.notes.append(f"{len(headerless)} Get-NetRoute row(s) without a header were read by their shape")
        for n, m in headerless:
            r.route(n, {k: v for k, v in m.groupdict().items() if v is not None})
    for view, rows in _dashless_tables(fmt):
        r.present.append(view)
        r.notes.append(f"line {rows[0][0] - 1}: a {view[3:]} table without its dash line, its padding collapsed: "
                       "rows read by their shape")
        for n, row, m in rows:
            handlers[view](n, {k: v for k, v in m.groupdict().items() if v is not None}, row)
    if not r.present:
        raise ParseError("PowerShell text: no default view of Get-DnsClientServerAddress, Get-NetIPInterface, "
                         "Get-NetRoute, Get-NetIPConfiguration, Get-NetAdapter or Get-DnsClientNrptPolicy")
    if fmt.truncated:
        r.notes.append(f"only the first {ps_format.MAX_LINES} lines were read")
    sections = {"ps-dnsclientserveraddress": "dnsServers", "ps-netipinterface": "ipInterfaces", "ps-netroute": "routes",
                "ps-netipconfiguration": "ipConfiguration", "ps-netadapter": "adapters", "ps-nrpt": "nrptPolicy",
                "ps-netipaddress": "ipAddresses", "netsh-interfaces": "ipInterfaces"}
    partial = {sections[v] for v in r.partial}
    return WinCollection(present=tuple(dict.fromkeys(sections[v] for v in r.present)),
                         partial=tuple(sorted(partial)),
                         adapters=tuple(r.adapters), ip_interfaces=tuple(r.ip_interfaces),
                         addresses=tuple(r.addresses), dns_servers=tuple(r.dns), routes=tuple(r.routes),
                         gateways=tuple(r.gateways), nrpt=tuple(r.nrpt), skipped=tuple(r.skipped),
                         notes=tuple(r.notes))
