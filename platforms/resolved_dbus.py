"""systemd-resolved over D-Bus (org.freedesktop.resolve1), with jeepney (pure Python).

Two halves, so parsing stays pure and a bundle can replay the capture:

* ``read()`` does the I/O: one ``GetAll`` on the Manager, then ``GetLink(ifindex)`` +
  ``GetAll`` for every link that has DNS servers or domains.  It returns a JSON-able dump
  (addresses already as strings); the adapter stores it through ``api_capture`` as source
  ``resolved-dbus``.  No privileges are needed; any failure (no system bus, resolved not
  running, a timeout) raises and becomes the capture's error.
* ``parse(text) -> ResolvedState`` turns that dump into the same record the
  ``resolvectl status`` parser gives.

Properties used (org.freedesktop.resolve1(5)): Manager ``DNS a(iiay)`` / ``DNSEx a(iiayqs)``
(ifindex 0 = global), ``Domains a(isb)`` (routing-only flag), ``CurrentDNSServer(Ex)``,
``FallbackDNS(Ex)``, ``ResolvConfMode``, ``DNSStubListener``; Link ``ScopesMask`` (bit 0 =
DNS), ``DNS(Ex)``, ``Domains a(sb)``, ``DefaultRoute b`` (missing before systemd 240 =
true), ``CurrentDNSServer(Ex)``.
"""
from __future__ import annotations

import ipaddress
import logging
import socket
from typing import Any, Callable

from platforms.base import ParseError, load_json
from platforms.parsers.resolvectl import ResolvedLink, ResolvedServer, ResolvedState, server

log = logging.getLogger(__name__)

BUS_NAME = "org.freedesktop.resolve1"
MANAGER_PATH = "/org/freedesktop/resolve1"
MANAGER_IF = "org.freedesktop.resolve1.Manager"
LINK_IF = "org.freedesktop.resolve1.Link"
SCOPE_DNS = 1          # ScopesMask bit 0: classic unicast DNS is active on the link

_MANAGER_PROPS = ("DNS", "DNSEx", "Domains", "CurrentDNSServer", "CurrentDNSServerEx", "FallbackDNS",
                  "FallbackDNSEx", "ResolvConfMode", "DNSStubListener")
_LINK_PROPS = ("ScopesMask", "DNS", "DNSEx", "Domains", "DefaultRoute", "CurrentDNSServer",
               "CurrentDNSServerEx", "DNSOverTLS")


def _plain(value: Any) -> Any:
    """D-Bus values to JSON: address byte arrays become address strings."""
    if isinstance(value, (bytes, bytearray)):
        if len(value) in (4, 16):
            return str(ipaddress.ip_address(bytes(value)))
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _props(reply_body: Any, wanted: tuple[str, ...]) -> dict:
    (props,) = reply_body
    return {name: _plain(props[name][1]) for name in wanted if name in props}


def read(timeout_s: float = 2.0, ifname: Callable[[int], str] = socket.if_indextoname,
         connect: Callable[[], Any] | None = None) -> dict:
    """Read resolved's configuration over the system bus. Raises on any failure.

    ``connect`` returns a jeepney blocking connection (tests pass a fake one)."""
    from jeepney import DBusAddress, Properties, new_method_call   # lazy: only Linux needs it
    from jeepney.wrappers import unwrap_msg

    if connect is None:
        from jeepney.io.blocking import open_dbus_connection

        conn = open_dbus_connection(bus="SYSTEM", auth_timeout=timeout_s)
    else:
        conn = connect()
    try:
        manager = DBusAddress(MANAGER_PATH, bus_name=BUS_NAME, interface=MANAGER_IF)
        body = unwrap_msg(conn.send_and_get_reply(Properties(manager).get_all(), timeout=timeout_s))
        mgr = _props(body, _MANAGER_PROPS)
        indices = sorted({int(e[0]) for key in ("DNS", "DNSEx", "Domains") for e in mgr.get(key, ())
                          if int(e[0]) > 0})
        links = []
        errors = []
        for index in indices:
            try:
                name = ifname(index)
            except OSError:
                name = ""
            try:
                (path,) = unwrap_msg(conn.send_and_get_reply(
                    new_method_call(manager, "GetLink", "i", (index,)), timeout=timeout_s))
                link = DBusAddress(path, bus_name=BUS_NAME, interface=LINK_IF)
                lbody = unwrap_msg(conn.send_and_get_reply(Properties(link).get_all(), timeout=timeout_s))
            except Exception as err:  # noqa: BLE001 - one vanished link must not lose the others
                errors.append(f"link {index} ({name}): {err}")
                continue
            links.append({"ifindex": index, "ifname": name, "properties": _props(lbody, _LINK_PROPS)})
        return {"manager": mgr, "links": links, "errors": errors}
    finally:
        conn.close()


# --------------------------------------------------------------------------- pure half


def _servers(entries: list, with_index: bool, ex: bool, ifindex: int = 0) -> list[tuple[int, ResolvedServer]]:
    out = []
    for e in entries or ():
        e = list(e)
        idx = int(e.pop(0)) if with_index else ifindex
        addr = e[1]          # e[0] is the address family, told by the address itself
        port = int(e[2]) if ex and len(e) > 2 and e[2] else 53
        name = e[3] if ex and len(e) > 3 and e[3] else None
        if not addr:
            continue
        s = server(str(addr), idx)
        out.append((idx, ResolvedServer(address=s.address, port=port, name=name)))
    return out


def _current(value: Any, ex: bool, with_index: bool, ifindex: int = 0) -> tuple[int, ResolvedServer | None]:
    if not value:
        return ifindex, None
    found = _servers([value], with_index, ex, ifindex)
    return found[0] if found else (ifindex, None)


def _domain(name: str, routing: bool) -> str:
    name = name.rstrip(".") or "."
    return f"~{name}" if routing else name


def parse(text: str) -> ResolvedState:
    """Turn the JSON dump of :func:`read` into a ResolvedState. Raises ParseError."""
    data = load_json(text, "resolved D-Bus dump")
    if not isinstance(data, dict) or not isinstance(data.get("manager"), dict):
        raise ParseError("resolved D-Bus dump has no `manager` object")
    mgr = data["manager"]
    try:
        ex = "DNSEx" in mgr
        g_servers = [s for i, s in _servers(mgr.get("DNSEx" if ex else "DNS", []), True, ex) if i == 0]
        g_domains = [_domain(d, bool(r)) for i, d, r in mgr.get("Domains", []) if int(i) == 0]
        cur_ex = "CurrentDNSServerEx" in mgr
        cur_index, g_current = _current(mgr.get("CurrentDNSServerEx" if cur_ex else "CurrentDNSServer"), cur_ex, True)
        if cur_index != 0:
            g_current = None                     # the current server belongs to a link, not to global
        fb_ex = "FallbackDNSEx" in mgr
        fallback = [s for _i, s in _servers(mgr.get("FallbackDNSEx" if fb_ex else "FallbackDNS", []), True, fb_ex)]
        links = []
        for entry in data.get("links", []):
            idx = int(entry["ifindex"])
            p = entry.get("properties", {})
            lex = "DNSEx" in p
            servers = [s for _i, s in _servers(p.get("DNSEx" if lex else "DNS", []), False, lex, idx)]
            lcur_ex = "CurrentDNSServerEx" in p
            _i, current = _current(p.get("CurrentDNSServerEx" if lcur_ex else "CurrentDNSServer"), lcur_ex, False, idx)
            domains = tuple(_domain(d, bool(r)) for d, r in p.get("Domains", []))
            mask = p.get("ScopesMask")
            scopes = None if mask is None else (("DNS",) if int(mask) & SCOPE_DNS else ())
            links.append(ResolvedLink(index=idx, name=entry.get("ifname") or "", servers=tuple(servers),
                                      current_server=current, domains=domains,
                                      default_route=p.get("DefaultRoute"), scopes=scopes))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OverflowError) as err:  # int(1e309)
        raise ParseError(f"resolved D-Bus dump has an unexpected shape: {err!r}") from None
    return ResolvedState(global_=ResolvedLink(index=0, name="global", servers=tuple(g_servers),
                                              current_server=g_current, domains=tuple(g_domains)),
                         links=tuple(links), fallback_servers=tuple(fallback),
                         resolv_conf_mode=mgr.get("ResolvConfMode"), stub_listener=mgr.get("DNSStubListener"),
                         source="dbus")


def looks_like(text: str) -> bool:
    return text.lstrip().startswith("{") and '"manager"' in text and ('"DNS"' in text or '"DNSEx"' in text)
