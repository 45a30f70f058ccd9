"""A ``.ovpn`` profile -> the non-secret facts cvpn-doctor needs (:class:`agent.model.VpnProfile`).

Reads ``remote HOST [PORT [PROTO]]`` (the first one), ``port``, ``proto``,
``remote-random-hostname`` and ``dhcp-option DNS``; derives the Client VPN endpoint id
(``cvpn-endpoint-<hex>``) and region (``.prod.clientvpn.<region>.amazonaws.com``) from the
remote host; records which directive names are present.

Key material is never read into the result: inline blocks (``<key>``, ``<cert>``,
``<tls-auth>``, ``<tls-crypt>``, ``<pkcs12>``, ``<ca>``, ...) are skipped line by line while
scanning; only their tag names are noted (``<key>``), never their content.
:func:`strip_secrets` gives the profile text with those blocks emptied, for captures.
"""
from __future__ import annotations

import ipaddress
import re

from agent.model import VpnProfile
from platforms.base import ParseError

_BLOCK_OPEN = re.compile(r"^\s*<([A-Za-z0-9_-]+)>\s*$")
_ENDPOINT = re.compile(r"(cvpn-endpoint-[0-9a-f]+)", re.I)
_REGION = re.compile(r"\.prod\.clientvpn\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com", re.I)
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", re.S)
# Blocks whose body holds directives rather than key material.
_DIRECTIVE_BLOCKS = frozenset({"connection"})
_KNOWN = frozenset({"client", "dev", "proto", "remote", "remote-random-hostname", "resolv-retry", "nobind",
                    "remote-cert-tls", "cipher", "verb", "auth-user-pass", "reneg-sec", "verify-x509-name",
                    "persist-key", "persist-tun", "auth-federate", "static-challenge", "pull", "tls-client",
                    "ca", "cert", "key", "dhcp-option", "port", "auth", "tun-mtu", "mssfix", "route"})
REMOVED = "[removed by cvpn-doctor]"


def looks_like(text: str) -> bool:
    """True when ``text`` reads like an OpenVPN client profile."""
    names = set()
    for line in text[:200_000].splitlines():
        words = line.strip().lstrip("-").split()
        if words and not words[0].startswith(("#", ";")):
            names.add(words[0].lower())
    if "remote" in names and ("client" in names or "dev" in names or "proto" in names):
        return True
    return "client" in names and "dev" in names and len(names & _KNOWN) >= 4


def strip_secrets(text: str) -> str:
    """The profile with the body of every inline block (keys, certificates, tls-auth/crypt,
    pkcs12, inline credentials) and any stray PEM block replaced by a marker."""
    out: list[str] = []
    inside: str | None = None
    for line in text.splitlines():
        if inside is not None:
            if line.strip().lower() == f"</{inside}>":
                out.append(REMOVED)
                out.append(line)
                inside = None
            continue
        m = _BLOCK_OPEN.match(line)
        if m and m.group(1).lower() not in _DIRECTIVE_BLOCKS:
            inside = m.group(1).lower()
            out.append(line)
            continue
        out.append(line)
    if inside is not None:
        out.append(REMOVED)  # an unterminated block: drop the rest rather than keep a key
    stripped = "\n".join(out) + ("\n" if text.endswith("\n") else "")
    return _PEM.sub(REMOVED, stripped)


def _directives(text: str):
    """Yield (name, args) for each directive, skipping inline secret/certificate blocks."""
    inside: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if inside is not None:
            if stripped.lower() == f"</{inside}>":
                inside = None
            continue  # never look at a block's body
        m = _BLOCK_OPEN.match(line)
        if m:
            tag = m.group(1).lower()
            if tag in _DIRECTIVE_BLOCKS:
                continue
            inside = tag
            yield f"<{tag}>", []
            continue
        if not stripped or stripped.startswith(("#", ";")) or stripped.startswith("</"):
            continue
        # Profiles sometimes use command-line spelling ("--cert file").
        words = stripped.lstrip("-").split()
        if words:
            yield words[0].lower(), [w.strip('"') for w in words[1:]]


def parse(text: str, path: str = "") -> VpnProfile:
    """Parse a profile.  Empty text gives an empty profile; text with no OpenVPN directive raises
    ParseError."""
    if not text.strip():
        return VpnProfile(path=path)
    if not looks_like(text):
        raise ParseError("this is not an OpenVPN profile (no remote/client/dev directives)")
    names: list[str] = []
    remote_host = proto = None
    remote_port: int | None = None
    port: int | None = None
    random_hostname = False
    dns: list[str] = []
    for name, args in _directives(text):
        if name not in names:
            names.append(name)
        if name == "remote" and args and remote_host is None:
            remote_host = args[0]
            if len(args) >= 2 and args[1].isdigit():
                remote_port = int(args[1])
            if len(args) >= 3:
                proto = proto or args[2].lower()
        elif name == "port" and args and args[0].isdigit():
            port = int(args[0])
        elif name == "proto" and args:
            proto = args[0].lower()
        elif name == "remote-random-hostname":
            random_hostname = True
        elif name == "dhcp-option" and len(args) >= 2 and args[0].upper() in ("DNS", "DNS6"):
            try:
                ipaddress.ip_address(args[1])
            except ValueError:
                continue
            if args[1] not in dns:
                dns.append(args[1])
    endpoint = region = None
    if remote_host:
        m = _ENDPOINT.search(remote_host)
        endpoint = m.group(1).lower() if m else None
        r = _REGION.search(remote_host)
        region = r.group(1).lower() if r else None
    return VpnProfile(path=path, remote_host=remote_host, remote_port=remote_port or port or (1194 if remote_host else None),
                      proto=proto, endpoint_id=endpoint, region=region, remote_random_hostname=random_hostname,
                      dns_servers=tuple(dns), directives=tuple(names))
