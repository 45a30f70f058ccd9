"""DNS-aware redaction for reports that leave the machine (Markdown, bundles).

What a help desk needs to diagnose DNS is kept; what identifies the person is replaced,
consistently (one :class:`Redactor` per bundle: the same value gets the same token in
report.json, report.md and every raw capture); secrets are dropped.

Kept verbatim:
  * private addresses (RFC 1918, CGNAT 100.64/10, link-local, loopback, ULA) and their prefixes:
    resolver addresses, VPC and client CIDRs, pushed routes, prefix lengths;
  * every **nameserver** address, even a public one (resolvers, pushed DNS servers, probed
    servers, expected servers): it names a service the diagnosis is about, not the person;
  * addresses in DNS answers and of the VPN server (they are not the client's);
  * interface names, the Client VPN endpoint id and region.

Replaced consistently (token kinds in brackets):
  * user names [user] -- learned from home paths (``/home/alice``, ``/Users/alice``,
    ``C:\\Users\\alice``, ``/var/log/aws-vpn-client/alice``), the report context
    (``user``) and the local account;
  * host names [host] -- from the report context (``hostname``), syslog-style log prefixes,
    ``Host Name . . . :`` lines, ``*.local`` names, and the local machine;
  * home paths [home] -- the user part of the path becomes the user's token;
  * e-mail addresses [email] -> ``email-N@redacted.invalid``;
  * MAC addresses [mac] -> ``02:00:00:00:00:NN`` (locally administered, still a MAC);
  * public **client** addresses [ip] -- public addresses of the machine's own interfaces,
    route/probe source addresses and the OpenVPN "link local" address -- become documentation
    addresses (192.0.2.N, 2001:db8:ffff::N) so the report still parses; the prefix length is kept;
    the public IPv6 prefix of such an address is replaced too.

Dropped entirely [secret]: PEM blocks, inline ``<key>``/``<cert>``/``<tls-auth>``/
``<tls-crypt>``/``<pkcs12>`` bodies, ``auth-token`` values, OpenVPN session ids
(``SESS_ID_...``), SAML ``CRV1:`` challenges, AWS access key ids and ``password=``-style values.
"""
from __future__ import annotations

import getpass
import ipaddress
import re
import socket
from typing import Any, Iterable

from agent import netclass
from agent.model import Report

# Names that are not a person's account: never replaced (replacing "root" would mangle text).
_GENERIC_USERS = frozenset({"root", "admin", "administrator", "user", "users", "nobody", "system", "guest",
                            "shared", "public", "default", "runner", "username", "student", "ubuntu", "ec2-user",
                            "local", "all users", "default user", "{{user}}"})
_GENERIC_HOSTS = frozenset({"localhost", "localhost.localdomain", "kernel", "ip6-localhost"})

_HOME = re.compile(r"(?P<pre>/home/|/Users/|/var/log/aws-vpn-client/)(?P<user>[A-Za-z0-9._-]{1,64})(?=[/\"'\s:,;)\]]|$)")
# Windows profile folders may contain spaces ("C:\\Users\\Jane Doe"); JSON text doubles backslashes.
_WIN_HOME = re.compile(r"(?P<pre>[A-Za-z]:\\{1,2}Users\\{1,2}|WinServiceLogs\\{1,2})(?P<user>[^\\/\"'\r\n:*?<>|]{1,64})")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_MAC = re.compile(r"(?<![0-9A-Fa-f:.-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])")
_SYSLOG_HOST = re.compile(r"^[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} (?P<host>[A-Za-z0-9][A-Za-z0-9.-]{1,62}) "
                          r"[A-Za-z0-9_./-]+(?:\[\d+\])?:", re.M)
_HOSTNAME_LINE = re.compile(r"(?:Host Name[ .]*:|Static hostname:|ComputerName\s*:|LocalHostName\s*:)\s*"
                            r"(?P<host>[A-Za-z0-9][A-Za-z0-9.-]{1,62})")
_LINK_LOCAL_ADDR = re.compile(r"link local(?: \(bound\))?: \[AF_INET6?\](?P<ip>[0-9a-fA-F:.]+?)(?::\d+)?(?:\s|$)")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])")

_PEM = re.compile(r"-----BEGIN [A-Za-z0-9 ]+-----.*?(?:-----END [A-Za-z0-9 ]+-----|\Z)", re.S)
_SECRET_BLOCK = re.compile(r"(<(key|cert|tls-auth|tls-crypt|tls-crypt-v2|pkcs12|secret|auth-user-pass|"
                           r"http-proxy-user-pass|extra-certs)>)([ \t]*\r?\n.*?)(</\2>|\Z)", re.S | re.I)
_AUTH_TOKEN = re.compile(r"(auth-token(?:-user)?)([ \t]+)(?!\[removed\])[^\s,']+")
_SESS_ID = re.compile(r"SESS_ID_[A-Za-z0-9+/=_-]+")
_CRV1 = re.compile(r"CRV1:[^\s'\"]+")
_AWS_KEY = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_PASSWORD = re.compile(r"(?i)\b(password|passwd|pwd|secret|api[_-]?key|access[_-]?token|session[_-]?token)"
                       # nsswitch.conf's "passwd: files systemd" names NSS sources, not a secret
                       r"([ \t]*[:=][ \t]*)(?!(?:files|compat|systemd|sss|ldap|nis|db|winbind|extrausers)\b)"
                       r"(\"[^\"]*\"|'[^']*'|[^\s,;]+)")
_MGMT_PASSWORD = re.compile(r"(PASSWORD \"[^\"]*\" )\"[^\"]*\"")
REMOVED = "[removed]"


def _is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # One notion of "private" for probes, rules and redaction (documentation ranges count as public).
    return netclass.is_private(str(ip))


def _ip(text: str | None):
    if not text:
        return None
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None


class Redactor:
    """Replace identifying values with stable tokens and drop secrets.

    Build one per output set, ``learn`` the report (or use :meth:`for_report`), then apply it to
    every text/object of that set: tokens stay consistent."""

    def __init__(self, users: Iterable[str] = (), hosts: Iterable[str] = (), *, local: bool = True) -> None:
        self._map: dict[str, tuple[str, str]] = {}     # lower-cased original -> (token, kind)
        self._originals: dict[str, str] = {}           # lower-cased original -> original as first seen
        self._counters: dict[str, int] = {}
        self._nameservers: set[str] = set()
        self._dropped: list[tuple[str, str]] = []      # (what, kind) for the preview
        self._learned_reports: set[int] = set()
        self._ip_pool_v4 = iter(f"192.0.2.{i}" for i in range(1, 255))
        # tokens from corners of the documentation ranges that real captures rarely use
        self._ip_pool_v6 = iter(f"2001:db8:ffff::{i:x}" for i in range(1, 65535))
        self._v6_prefix_pool = iter(f"2001:db8:ffff:{i:x}::" for i in range(1, 65535))
        self._pattern: re.Pattern[str] | None = None
        self._avoid: set[str] = set()
        if local:
            try:
                users = (*users, getpass.getuser())
            except (KeyError, OSError):  # no passwd entry (containers): nothing to add
                pass
            hosts = (*hosts, socket.gethostname())
        for u in users:
            self.add(u, "user")
        for h in hosts:
            self.add(h, "host")

    # ---------------------------------------------------------------- learning

    @classmethod
    def for_report(cls, report: Report, *, local: bool = True) -> "Redactor":
        red = cls(local=local)
        red.learn(report)
        return red

    def add(self, value: str | None, kind: str) -> None:
        """Register one value to replace (ignored when generic, too short, or kept by design)."""
        if not value:
            return
        value = value.strip().strip("\"'")
        key = value.lower()
        if len(value) < 3 or key in self._map:
            return
        if kind == "user" and key in _GENERIC_USERS:
            return
        if kind == "host":
            if key in _GENERIC_HOSTS or _ip(value) is not None:
                return
            short = key.split(".", 1)[0]
            if short != key and len(short) >= 3:
                self.add(short, "host")   # "alice-mbp.local" -> also "alice-mbp"
        if kind == "ip":
            ip = _ip(value)
            if ip is None or _is_private(ip) or value in self._nameservers:
                return
            pool = self._ip_pool_v4 if ip.version == 4 else self._ip_pool_v6
            token = next(pool)
            while token in self._avoid:   # never reuse an address the report already shows
                token = next(pool)
        elif kind == "ip6prefix":
            token = next(self._v6_prefix_pool)
        elif kind == "email":
            token = f"email-{self._next(kind)}@redacted.invalid"
        elif kind == "mac":
            if value.replace("-", ":").lower() in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
                return
            n = self._next(kind)
            token = f"02:00:00:00:{n // 256:02x}:{n % 256:02x}"
        else:
            token = f"{kind}-{self._next(kind)}"
        self._map[key] = (token, kind)
        self._originals[key] = value
        self._pattern = None

    def _next(self, kind: str) -> int:
        self._counters[kind] = self._counters.get(kind, 0) + 1
        return self._counters[kind]

    def learn_text(self, text: str) -> None:
        """Find user names, host names, e-mails, MACs and the OpenVPN link-local address in text."""
        for m in _HOME.finditer(text):
            self.add(m["user"].rstrip(" ."), "user")
        for m in _WIN_HOME.finditer(text):
            self.add(m["user"].strip(" ."), "user")
        for m in _SYSLOG_HOST.finditer(text):
            self.add(m["host"], "host")
        for m in _HOSTNAME_LINE.finditer(text):
            self.add(m["host"], "host")
        for m in _EMAIL.finditer(text):
            self.add(m.group(0), "email")
        for m in _MAC.finditer(text):
            self.add(m.group(0), "mac")
        for m in _LINK_LOCAL_ADDR.finditer(text):
            self.add(m["ip"], "ip")

    def learn(self, report: Report) -> None:
        """Learn what to replace from a report: context, the snapshot's own addresses, every text."""
        if id(report) in self._learned_reports:
            return
        self._learned_reports.add(id(report))
        snap = report.snapshot
        # Nameservers are kept even when public: collect them first so no rule replaces them.
        ns = {r.address.split("%", 1)[0] for r in snap.dns.resolvers}
        ns |= set(snap.dns.resolv_conf_nameservers)
        if snap.vpn.pushed is not None:
            ns |= set(snap.vpn.pushed.dns_servers)
        if snap.vpn.profile is not None:
            ns |= set(snap.vpn.profile.dns_servers)
        ns |= {p.server for p in report.probes}
        for rule in snap.dns.nrpt:
            ns |= set(rule.servers)
        ns |= {str(s) for s in report.context.get("expected_dns", ()) if isinstance(s, str)}
        self._nameservers |= ns
        self.add(str(report.context.get("user") or ""), "user")
        self.add(str(report.context.get("hostname") or ""), "host")
        texts = list(_strings(report.to_dict()))
        for text in texts:
            self._avoid.update(_IPV4.findall(text))
        for iface in snap.interfaces:
            if iface.mac:
                self.add(iface.mac, "mac")
            for a in iface.addresses:
                self._add_client_ip(a.address, a.prefixlen)
        for lk in snap.route_lookups:
            self._add_client_ip(lk.source_address, None)
        for r in snap.routes:
            self._add_client_ip(r.source, None)
        for p in report.probes:
            self._add_client_ip(p.source_address, None)
        for text in texts:
            self.learn_text(text)

    def _add_client_ip(self, address: str | None, prefixlen: int | None) -> None:
        ip = _ip(address)
        if ip is None or _is_private(ip) or str(ip) in self._nameservers:
            return
        self.add(str(ip), "ip")
        if ip.version == 6 and prefixlen and 16 <= prefixlen <= 64:
            net = ipaddress.ip_network(f"{ip}/{prefixlen}", strict=False)
            self.add(str(net.network_address), "ip6prefix")

    # ---------------------------------------------------------------- applying

    def _compiled(self) -> re.Pattern[str] | None:
        if self._pattern is None and self._map:
            keys = sorted(self._map, key=len, reverse=True)   # longest first: "alice-mbp" before "alice"
            parts = []
            for k in keys:
                kind = self._map[k][1]
                esc = re.escape(self._originals[k])
                if kind == "ip" and ":" not in k:
                    # whole addresses only: 1.2.3.4 must not match inside 11.2.3.45 (a port may follow)
                    parts.append(rf"(?<![\d.]){esc}(?!\d|\.\d)")
                elif kind == "ip":
                    parts.append(rf"(?<![0-9A-Fa-f:]){esc}(?![0-9A-Fa-f:])")
                elif kind == "ip6prefix":
                    parts.append(rf"(?<![0-9A-Fa-f:]){esc}(?=/)")
                elif kind in ("mac", "email"):
                    parts.append(rf"(?<![\w:-]){esc}(?![\w:-])")
                else:
                    parts.append(rf"(?<![A-Za-z0-9]){esc}(?![A-Za-z0-9])")
            self._pattern = re.compile("|".join(parts), re.I)
        return self._pattern

    def text(self, text: str) -> str:
        """Redact one string: secrets dropped, then learned values replaced by their tokens."""
        if not text:
            return text
        text = self._drop_secrets(text)
        for m in _MAC.finditer(text):
            self.add(m.group(0), "mac")
        for m in _EMAIL.finditer(text):
            self.add(m.group(0), "email")
        pat = self._compiled()
        if pat is None:
            return text
        return pat.sub(lambda m: self._map[m.group(0).lower()][0], text)

    def _drop_secrets(self, text: str) -> str:
        def drop(kind: str):
            def repl(m: re.Match[str]) -> str:
                self._dropped.append((m.group(0)[:40].replace("\n", " ") + ("..." if len(m.group(0)) > 40 else ""),
                                      kind))
                return REMOVED
            return repl
        text = _SECRET_BLOCK.sub(lambda m: m.group(1) + "\n" + drop("key material")(m) + "\n" + f"</{m.group(2)}>",
                                 text)
        text = _PEM.sub(drop("key material"), text)
        text = _AUTH_TOKEN.sub(lambda m: f"{m.group(1)}{m.group(2)}{drop('auth token')(m)}", text)
        text = _SESS_ID.sub(drop("auth token"), text)
        text = _CRV1.sub(lambda m: "CRV1:" + drop("auth token")(m), text)
        text = _AWS_KEY.sub(drop("credential"), text)
        text = _MGMT_PASSWORD.sub(lambda m: m.group(1) + drop("password")(m), text)
        text = _PASSWORD.sub(lambda m: m.group(1) + m.group(2) + drop("password")(m), text)
        return text

    def obj(self, value: Any) -> Any:
        """Redact every string (keys too) in a JSON-like structure."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.obj(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.obj(v) for v in value]
        return value

    def report(self, report: Report) -> Report:
        """The redacted report (learns from it first); still a valid Report."""
        self.learn(report)
        return Report.from_dict(self.obj(report.to_dict()))

    def mapping(self) -> list[tuple[str, str, str]]:
        """(original, token, kind) for every value replaced so far, plus dropped secrets."""
        out = [(self._originals[k], tok, kind) for k, (tok, kind) in self._map.items()]
        seen = set()
        for what, kind in self._dropped:
            if what not in seen:
                seen.add(what)
                out.append((what, REMOVED, kind))
        return out

    def preview(self, report: Report) -> list[tuple[str, str, str]]:
        """What redacting ``report`` would replace: (original, token, kind), for --redact-preview."""
        self.report(report)
        return [(o, t, k) for o, t, k in self.mapping() if self._occurs(o, report) or t == REMOVED]

    @staticmethod
    def _occurs(original: str, report: Report) -> bool:
        low = original.lower()
        return any(low in s.lower() for s in _strings(report.to_dict()))


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def redact_report(report: Report, redactor: Redactor | None = None) -> Report:
    """Convenience: redact one report with a fresh (or the given) Redactor."""
    return (redactor or Redactor.for_report(report)).report(report)
