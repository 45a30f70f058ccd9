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

The **strict** level (``Redactor(level="strict")``, ``--redact-level strict``) is for sharing a
bundle outside the organisation (a vendor, a public forum).  On top of the above, it replaces
with consistent tokens (one random key per Redactor: the same value gets the same token in
every file of one bundle, and another bundle gives other tokens):
  * private addresses [private-ip] (RFC 1918, CGNAT, link-local, ULA, site-local; not loopback and
    not the well-known AWS link-local services such as 169.254.169.253): the private range is
    kept, the network bits are permuted prefix-preservingly (two addresses that share a k-bit
    prefix still do, so which network holds which address survives) and the last octet (IPv4)
    is kept, so the VPC "+2" resolver stays ``.2``; a network written canonically stays
    canonical; IPv6 interface ids become keyed hashes (small ones such as ``::1`` are kept);
    also in ``/proc/net/route`` hex, BSD ``netstat -rn`` abbreviations, ``in-addr.arpa`` names
    and EC2 ``ip-10-0-0-5`` host names;
  * interface names [interface] -> ``tun-x1``, ``eth-x2``, ``wlan-x3``, ``veth-x4``, ``lo0-x5``,
    ``if-x6`` (the kind is kept, so a re-analysis still finds the tunnel); also as IPv6 zone ids;
  * domain names [domain], label by label (``db.corp.internal`` -> ``name-1.name-2.internal``:
    a name stays under its domain; a generic or country top-level label is kept): the search and
    match domains, NRPT namespaces, pushed domains and tested names the report knows, any name
    under one of them, and any other name with a known top-level label.  AWS service names
    (``*.amazonaws.com``, ``aws.amazon.com``) are kept;
  * the Client VPN endpoint id [endpoint] -> ``cvpn-endpoint-00000000000000001``.
The AWS region, public nameservers and public DNS answers are kept.

Dropped entirely [secret]: PEM blocks, inline ``<key>``/``<cert>``/``<tls-auth>``/
``<tls-crypt>``/``<pkcs12>`` bodies, ``auth-token`` values, OpenVPN session ids
(``SESS_ID_...``), SAML ``CRV1:`` challenges, AWS access key ids and ``password=``-style values.
"""
from __future__ import annotations

import getpass
import hashlib
import ipaddress
import re
import secrets
import socket
from typing import Any, Iterable, Literal

from agent import netclass
from agent.model import InterfaceKind, Report

LEVELS = ("default", "strict")

# Names that are not a person's account: never replaced (replacing "root" would mangle text).
_GENERIC_USERS = frozenset({"root", "admin", "administrator", "user", "users", "nobody", "system", "guest",
                            "shared", "public", "default", "runner", "username", "student", "ubuntu", "ec2-user",
                            "local", "all users", "default user", "{{user}}"})
_GENERIC_HOSTS = frozenset({"localhost", "localhost.localdomain", "kernel", "ip6-localhost"})

_HOME = re.compile(r"(?P<pre>/home/|/Users/|/var/log/aws-vpn-client/)(?P<user>[A-Za-z0-9._-]{1,64})(?=[/\"'\s:,;)\]]|$)")
# Windows profile folders may contain spaces ("C:\\Users\\Jane Doe"); JSON text doubles backslashes.
_WIN_HOME = re.compile(r"(?P<pre>[A-Za-z]:\\{1,2}Users\\{1,2}|WinServiceLogs\\{1,2})(?P<user>[^\\/\"'\r\n:*?<>|]{1,64})")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_MAC = re.compile(r"(?<![0-9A-Fa-f:.-])(?:[0-9A-Fa-f]{2}([:-]))(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:-])"
                  # BSD arp/netstat drop leading zeros: ca:e9:fb:a3:d:f
                  r"|(?<![0-9A-Fa-f:.-])[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}(?![0-9A-Fa-f:])")
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

    def __init__(self, users: Iterable[str] = (), hosts: Iterable[str] = (), *, local: bool = True,
                 level: str = "default") -> None:
        if level not in LEVELS:
            raise ValueError(f"redaction level {level!r} is not one of {LEVELS}")
        self.level = level
        self._strict = _Strict() if level == "strict" else None
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
    def for_report(cls, report: Report, *, local: bool = True, level: str = "default") -> "Redactor":
        red = cls(local=local, level=level)
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
        if self._strict is not None:
            self._strict.learn(report)

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
        if pat is not None:
            text = pat.sub(lambda m: self._map[m.group(0).lower()][0], text)
        if self._strict is not None:
            text = self._strict.text(text)
        return text

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
        data = report.to_dict()
        if self._strict is not None:
            self._strict.raw_formats(data)
        return Report.from_dict(self.obj(data))

    def mapping(self) -> list[tuple[str, str, str]]:
        """(original, token, kind) for every value replaced so far, plus dropped secrets."""
        out = [(self._originals[k], tok, kind) for k, (tok, kind) in self._map.items()]
        if self._strict is not None:
            out += self._strict.mapping()
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


# --------------------------------------------------------------------------- the strict level

# Blocks whose addresses say where an organisation's networks are (netclass names).  Loopback,
# multicast, reserved and unspecified addresses say nothing about anyone and netmasks
# (255.255.255.0, "reserved") must stay what they are.
_STRICT_CLASSES = frozenset({"rfc1918", "cgnat", "link-local", "ula", "site-local"})
# Well-known service addresses: the same in every VPC, and rules name them.
_WELL_KNOWN = frozenset({"169.254.169.253", "169.254.169.254", "169.254.169.123",
                         "fd00:ec2::253", "fd00:ec2::254", "fd00:ec2::123"})
# (range, bits kept at the top): the range stays, the bits after it are permuted.
_V4_RANGES = tuple((ipaddress.ip_network(n), k) for n, k in (
    ("10.0.0.0/8", 8), ("172.16.0.0/12", 12), ("192.168.0.0/16", 16), ("100.64.0.0/10", 10),
    ("169.254.0.0/16", 16)))
_V6_RANGES = tuple((ipaddress.ip_network(n), k) for n, k in (
    ("fc00::/7", 8), ("fe80::/10", 64), ("fec0::/10", 10)))

_V4_TEXT = re.compile(r"(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?:/(\d{1,2}))?(?!\d|\.\d)")
_V6_TEXT = re.compile(r"(?<![\w:.])((?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3})"
                      r"(?:/(\d{1,3}))?(?![\w:])")
_ENDPOINT_TEXT = re.compile(r"cvpn-endpoint-[0-9a-f]{6,32}", re.I)
_NAME_TEXT = re.compile(r"(?<![\w@-])(?<!\w\.)((?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})\.)+[A-Za-z][A-Za-z0-9-]{0,62})"
                        r"(?![\w-]|\.[A-Za-z0-9_])")
_EC2_HOST = re.compile(r"^ip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$", re.I)
_PROC_HEX = re.compile(r"^[0-9A-Fa-f]{8}$")
_BSD_ABBREV = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){0,2}|\d{1,3}(?:\.\d{1,3}){3}(?=/))(?:/(\d{1,2}))?$")

# Top-level labels that make a dotted word a domain name (file names such as resolv.conf or
# dns-updown.sh are not), kept as they are: they say nothing about the organisation.
_GENERIC_TLDS = frozenset("""com net org edu gov mil int info biz io co ai app dev cloud tech online site xyz me tv
    name pro mobi asia eu global group company solutions services systems network email
    internal local lan home corp intranet private localdomain test example invalid localhost arpa""".split())
_NOT_TLDS = frozenset("sh md py pl rs so pm cc ps js ts rb in am".split())   # file extensions in captures
# Public names kept whole: AWS's own (the endpoint id inside is replaced first) and the sites the
# tool's own texts link to.
_KEEP_SUFFIXES = ("amazonaws.com", "amazon.com", "aws", "awsstatic.com", "amazontrust.com", "microsoft.com",
                  "apple.com", "openvpn.net", "freedesktop.org", "systemd.io", "github.com", "ietf.org",
                  "rfc-editor.org", "redacted.invalid",
                  # OS vendors (os-release's HOME_URL, BUG_REPORT_URL)
                  "debian.org", "ubuntu.com", "canonical.com", "launchpad.net", "redhat.com", "fedoraproject.org",
                  "centos.org", "rockylinux.org", "almalinux.org", "archlinux.org", "opensuse.org", "suse.com")
# AWS private DNS names: the suffix (region included) is kept, the host label is a token.
_AWS_PRIVATE_SUFFIXES = ("compute.internal", "ec2.internal")
_KIND_PREFIX = {InterfaceKind.TUNNEL: "tun-x", InterfaceKind.ETHERNET: "eth-x", InterfaceKind.WIRELESS: "wlan-x",
                InterfaceKind.VIRTUAL: "veth-x", InterfaceKind.LOOPBACK: "lo0-x", InterfaceKind.OTHER: "if-x"}


def _is_tld(label: str) -> bool:
    label = label.lower()
    return label in _GENERIC_TLDS or (len(label) == 2 and label.isalpha() and label not in _NOT_TLDS)


def _strict_range(ip) -> tuple[Any, int] | None:
    """(range, kept bits) when ``ip`` is an address the strict level replaces, else None."""
    if str(ip) in _WELL_KNOWN:
        return None
    try:
        if netclass.address_class(str(ip)) not in _STRICT_CLASSES:
            return None
    except ValueError:
        return None
    for net, kept in (_V4_RANGES if ip.version == 4 else _V6_RANGES):
        if ip in net:
            return net, kept
    return None


class _Strict:
    """The strict level's replacements; one random key per instance (so per bundle)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._bits: dict[tuple[int, int, int], int] = {}     # (version, bit, prefix) -> flip
        self.ips: dict[str, str] = {}                        # original -> token (for the preview)
        self.networks: dict[str, str] = {}                   # "10.2.0.0/16" -> its token, written canonically
        self.domains: dict[str, str] = {}
        self.labels: dict[str, str] = {}
        self.interfaces: dict[str, str] = {}                 # name -> token (names are case-sensitive:
        #   an adapter called "Ethernet" must not turn the kind "ethernet" into a token)
        self.endpoints: dict[str, str] = {}
        self.learned_domains: set[str] = set()
        self.single_names: set[str] = set()       # single-label names under test (always host labels)
        self._label_tokens: set[str] = set()
        self._iface_pattern: re.Pattern[str] | None = None
        self._domain_pattern: re.Pattern[str] | Literal[False] | None = None   # False: none to match

    # ------------------------------------------------------------ learning

    def learn(self, report: Report) -> None:
        """Learn the report's interface names and domains (addresses need no learning: every
        private address met is replaced).  A token may be the spelling of another private
        address of the report: the tokens are the image of the report's addresses under one
        bijection, so that says nothing about which addresses the report holds."""
        snap = report.snapshot
        kinds = {i.name: i.kind for i in snap.interfaces}
        names: list[str | None] = [i.name for i in snap.interfaces]
        names += [r.interface for r in snap.routes] + [lk.interface for lk in snap.route_lookups]
        names += [r.interface for r in snap.dns.resolvers] + list(snap.vpn.tunnel_interfaces)
        names += [p.interface for p in report.probes]
        for name in names:
            if name:
                self.add_interface(name, kinds.get(name))
        domains: list[str] = list(snap.dns.search_domains)
        for r in snap.dns.resolvers:
            domains += r.domains
        for rule in snap.dns.nrpt:
            domains += rule.namespaces
        if snap.vpn.pushed is not None:
            domains += snap.vpn.pushed.domains
        tested = [n.name for n in report.names] + [p.name for p in report.probes]
        tested += [s.name for s in report.system_lookups]
        domains += tested
        # A single-label name under test ("db", the short form of db.corp.internal) is a host label
        # even where it looks like a country code: it gets the same token as that label elsewhere.
        self.single_names.update(n.strip().rstrip(".").lower() for n in tested
                                 if n.strip().rstrip(".") and "." not in n.strip().rstrip(".")
                                 and not _looks_like_ip(n.strip()))
        if snap.vpn.profile is not None and snap.vpn.profile.remote_host:
            domains.append(snap.vpn.profile.remote_host)
        for d in domains:
            d = d.strip().lstrip("~*.").rstrip(".").lower()
            if d and not _kept_name(d) and not _looks_like_ip(d):
                self.learned_domains.add(d)
        self._domain_pattern = None

    def add_interface(self, name: str, kind: InterfaceKind | None = None) -> None:
        key = name.strip()
        if len(key) < 2 or key in self.interfaces:
            return
        prefix = _KIND_PREFIX[kind or InterfaceKind.OTHER]
        self.interfaces[key] = f"{prefix}{len(self.interfaces) + 1}"
        self._iface_pattern = None

    # ------------------------------------------------------------ applying

    def text(self, text: str) -> str:
        text = _ENDPOINT_TEXT.sub(lambda m: self.endpoint(m.group(0)), text)
        text = _V4_TEXT.sub(self._v4_sub, text)
        if ":" in text:
            text = _V6_TEXT.sub(self._v6_sub, text)
        text = _NAME_TEXT.sub(lambda m: self.domain(m.group(1)), text)
        single = self._single_labels()
        if single is not None:
            text = single.sub(lambda m: self._label(m.group(0)), text)
        pat = self._interfaces()
        if pat is not None:
            text = pat.sub(lambda m: self.interfaces[m.group(0)], text)
        return text

    def endpoint(self, original: str) -> str:
        key = original.lower()
        if key not in self.endpoints:
            self.endpoints[key] = f"cvpn-endpoint-{len(self.endpoints) + 1:017x}"
        return self.endpoints[key]

    def _interfaces(self) -> re.Pattern[str] | None:
        if self._iface_pattern is None and self.interfaces:
            alts = "|".join(re.escape(k) for k in sorted(self.interfaces, key=len, reverse=True))
            self._iface_pattern = re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])")
        return self._iface_pattern

    def _single_labels(self) -> re.Pattern[str] | None:
        """Learned one-label domains (a search domain ``corp``) as words."""
        if self._domain_pattern is None:
            single = sorted((d for d in self.learned_domains
                             if "." not in d and (d in self.single_names or not _is_tld(d))), key=len, reverse=True)
            self._domain_pattern = re.compile(
                rf"(?<![\w.-])(?:{'|'.join(re.escape(d) for d in single)})(?![\w-])", re.I) if single else False
        return self._domain_pattern or None

    # addresses

    def _flip(self, version: int, bit: int, prefix: int) -> int:
        k = (version, bit, prefix)
        v = self._bits.get(k)
        if v is None:
            h = hashlib.blake2b(f"{version}/{bit}/{prefix}".encode(), key=self._key, digest_size=1).digest()
            v = self._bits[k] = h[0] & 1
        return v

    def _permute(self, value: int, width: int, start: int, stop: int) -> int:
        """Flip bits start..stop-1 (from the top) by a keyed function of the bits above each:
        a prefix-preserving permutation (Xu et al., Crypto-PAn).  The first of them always
        flips, so no address (or network) is ever its own token."""
        out = value
        for i in range(start, stop):
            prefix = value >> (width - i)
            if i == start or self._flip(width, i, prefix):
                out ^= 1 << (width - 1 - i)
        return out

    def address(self, text: str) -> str:
        """The token of one address (the address itself when the strict level keeps it)."""
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return text
        found = _strict_range(ip)
        if found is None:
            return text
        token = self.ips.get(str(ip))
        if token is None:
            _net, kept = found
            if ip.version == 4:
                token = str(ipaddress.IPv4Address(self._permute(int(ip), 32, kept, 24)))
            else:
                value = int(ip)
                top = self._permute(value >> 64, 64, kept, 64) if kept < 64 else value >> 64
                iid = value & ((1 << 64) - 1)
                if iid >= 1 << 16:   # small interface ids (::1, ::53) are router/server conventions
                    iid = int.from_bytes(hashlib.blake2b(iid.to_bytes(8, "big"), key=self._key,
                                                         digest_size=8).digest(), "big") | (1 << 16)
                token = str(ipaddress.IPv6Address((top << 64) | iid))
            self.ips[str(ip)] = token
        return token

    def _network(self, addr: str, plen: str | None) -> str:
        token = self.address(addr)
        if plen is None or token == addr:
            return token + (f"/{plen}" if plen is not None else "")
        try:
            original = ipaddress.ip_network(f"{addr}/{plen}", strict=False)
        except ValueError:
            return f"{token}/{plen}"
        if str(original.network_address) == str(ipaddress.ip_address(addr)):   # written as a network: keep it one
            net = str(ipaddress.ip_network(f"{token}/{plen}", strict=False))
            self.networks[str(original)] = net
            return net
        return f"{token}/{plen}"

    def _v4_sub(self, m: re.Match[str]) -> str:
        return self._network(m.group(1), m.group(2))

    def _v6_sub(self, m: re.Match[str]) -> str:
        text = m.group(1)
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            return m.group(0)
        if ip.version == 4 or ip.ipv4_mapped is not None:   # the IPv4 pass replaced it already
            return m.group(0)
        return self._network(text, m.group(2))

    # names

    def _label(self, label: str) -> str:
        key = label.lower()
        if key in self._label_tokens:
            return label
        m = _EC2_HOST.match(key)
        if m:
            token = "ip-" + self.address(".".join(m.groups())).replace(".", "-")
        else:
            known = self.labels.get(key)
            token = known if known is not None else f"name-{len(self.labels) + 1}"
        self.labels[key] = token
        self._label_tokens.add(token)
        return token

    def domain(self, name: str) -> str:
        """A dotted word: a token when it is a domain name, else itself."""
        low = name.lower()
        labels = low.split(".")
        if all(lb.isdigit() for lb in labels) or _kept_name(low):
            return name
        if low.endswith(".in-addr.arpa") and len(labels) == 6 and all(lb.isdigit() for lb in labels[:4]):
            addr = ".".join(reversed(labels[:4]))
            if _looks_like_ip(addr):
                return ".".join(reversed(self.address(addr).split("."))) + ".in-addr.arpa"
        learned = any(".".join(labels[i:]) in self.learned_domains for i in range(len(labels)))
        if not learned and not _is_tld(labels[-1]):
            return name
        if any(low.endswith("." + suffix) for suffix in _AWS_PRIVATE_SUFFIXES):
            keep = len(labels) - 1     # ip-10-0-0-5.eu-west-2.compute.internal: only the host label changes
        else:
            keep = 1 if _is_tld(labels[-1]) else 0
        head = [self._label(lb) for lb in labels[:len(labels) - keep]]
        token = ".".join(head + labels[len(labels) - keep:])
        self.domains[low] = token
        return token

    def raw_formats(self, data: dict[str, Any]) -> None:
        """Addresses the text passes cannot see: /proc/net/route's hex columns (replaced here)
        and BSD netstat's abbreviated destinations (written out in full, for the text pass)."""
        raw = data.get("raw")
        for src in (raw or {}).get("sources", ()):
            text = src.get("text")
            if not text:
                continue
            if src.get("id") == "proc-net-route":
                src["text"] = "".join(self._proc_route_line(line) for line in text.splitlines(keepends=True))
            elif src.get("id") == "netstat-inet":
                src["text"] = "".join(self._netstat_line(line) for line in text.splitlines(keepends=True))

    def _proc_route_line(self, line: str) -> str:
        parts = re.split(r"(\s+)", line)
        # parts: iface, sep, Destination, sep, Gateway, ... Mask at 14 (little-endian hex words)
        def word(i: int) -> int | None:
            return int.from_bytes(bytes.fromhex(parts[i]), "little") if i < len(parts) and _PROC_HEX.match(parts[i]) \
                else None
        mask = word(14)
        for i in (2, 4):
            value = word(i)
            if value is None:
                continue
            addr = str(ipaddress.IPv4Address(value))
            token = int(ipaddress.IPv4Address(self.address(addr)))
            if i == 2 and mask is not None and value & mask == value:   # a network stays one
                token &= mask
            if token != value:
                parts[i] = token.to_bytes(4, "little").hex().upper()
        return "".join(parts)

    def _netstat_line(self, line: str) -> str:
        first, sep, rest = line.partition(" ")
        expanded = _bsd_full(first)
        if not expanded or not sep or _strict_range(ipaddress.ip_address(expanded.split("/")[0])) is None:
            return line
        # keep the columns aligned where the wider text fits
        return expanded + " " * max(1, len(first) + 1 + len(rest) - len(rest.lstrip(" ")) - len(expanded)) \
            + rest.lstrip(" ")

    def mapping(self) -> list[tuple[str, str, str]]:
        out = [(o, t, "private-ip") for o, t in self.ips.items() if o != t]
        # networks, except single-address ones (the address is listed already)
        out += [(o, t, "private-ip") for o, t in self.networks.items()
                if o != t and not o.endswith(("/32", "/128"))]
        out += [(k, t, "interface") for k, t in self.interfaces.items()]
        out += [(o, t, "domain") for o, t in self.domains.items() if o != t]
        out += [(o, t, "domain") for o, t in self.labels.items()
                if o in self.learned_domains and "." not in o]
        out += [(o, t, "endpoint") for o, t in self.endpoints.items()]
        return out


def _bsd_full(word: str) -> str | None:
    """A BSD-abbreviated IPv4 destination (``10.9/24``, ``192.168.68``) written out
    (``10.9.0.0/24``, ``192.168.68.0/24``); None for anything else (full addresses too)."""
    m = _BSD_ABBREV.match(word)
    if not m:
        return None
    octets = m.group(1).split(".")
    if any(int(o) > 255 for o in octets):
        return None
    plen = m.group(2) or str(8 * len(octets))
    if int(plen) > 32:
        return None
    return ".".join(octets + ["0"] * (4 - len(octets))) + f"/{plen}"


def _kept_name(name: str) -> bool:
    return any(name == s or name.endswith("." + s) for s in _KEEP_SUFFIXES)


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False
