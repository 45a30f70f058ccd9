"""Browsers' own DNS-over-HTTPS settings, from the files and registry values that hold them.

A browser with DNS-over-HTTPS on sends names to its DoH provider, not to the operating
system's resolver, so names only the VPN's DNS knows fail in the browser while ``nslookup``
works.  Pure readers, one per kind of source (the collector keeps only the lines and keys
read here, never a whole profile):

* :func:`chrome_policy` -- Chrome / Edge / Chromium / Brave policy ``DnsOverHttpsMode``
  (``off`` | ``automatic`` | ``secure``) and ``DnsOverHttpsTemplates``, from a managed policy
  JSON file (``/etc/opt/chrome/policies/managed/*.json``), a macOS managed preferences plist
  (``/Library/Managed Preferences/com.google.Chrome.plist``) or the Windows registry
  (``HKLM|HKCU\\SOFTWARE\\Policies\\Google\\Chrome``) (Chrome Enterprise policy list);
* :func:`chrome_local_state` -- the user's own choice (Settings > Privacy and security > Use
  secure DNS), the ``dns_over_https`` preference in the profile directory's ``Local State``;
* :func:`firefox_prefs` -- ``network.trr.mode`` in ``prefs.js`` / ``user.js`` (0 default,
  2 DoH first with fallback, 3 DoH only, 5 off), ``network.trr.uri``,
  ``network.trr.excluded-domains``, ``network.trr.allow-rfc1918``, and ``doh-rollout.mode``
  (Firefox's regional default rollout);
* :func:`firefox_policy` -- the ``DNSOverHTTPS`` enterprise policy (``Enabled``,
  ``ProviderURL``, ``Fallback``, ``ExcludedDomains``) from ``policies.json``, a macOS plist or
  the registry (``SOFTWARE\\Policies\\Mozilla\\Firefox\\DNSOverHTTPS``).

Each returns :class:`~agent.model.BrowserDns` records; a source that sets nothing returns
none.  Text that is not what it should be raises :class:`ParseError`.
"""
from __future__ import annotations

import re
from typing import Any

from agent.model import BrowserDns, DohMode
from platforms.base import ParseError, load_json

CHROME_MODES = {"off": DohMode.OFF, "automatic": DohMode.AUTOMATIC, "secure": DohMode.SECURE}
FIREFOX_TRR_MODES = {0: DohMode.DEFAULT, 1: DohMode.AUTOMATIC, 2: DohMode.AUTOMATIC, 3: DohMode.SECURE,
                     5: DohMode.OFF}
FIREFOX_PREFS = ("network.trr.mode", "network.trr.uri", "network.trr.custom_uri", "network.trr.excluded-domains",
                 "network.trr.allow-rfc1918", "doh-rollout.mode")
_PREF = re.compile(r'^\s*(?:user_)?pref\(\s*"(?P<key>[^"]+)"\s*,\s*(?P<value>"(?:[^"\\]|\\.)*"|true|false|-?\d+)\s*\)\s*;')


def _string(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _domains(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = re.split(r"[,\s]+", _string(value))
    return tuple(d.strip() for d in items if d.strip())


def chrome_policy(data: Any, browser: str, source: str, policy: bool = True) -> tuple[BrowserDns, ...]:
    """``DnsOverHttpsMode`` (+ templates) of a Chromium-family policy dictionary."""
    if not isinstance(data, dict):
        raise ParseError(f"{source}: a policy must be an object, not {type(data).__name__}")
    keys = {k.lower(): k for k in data}
    mode_key = keys.get("dnsoverhttpsmode")
    if mode_key is None:
        return ()
    value = _string(data[mode_key]).strip()
    templates = _string(data.get(keys.get("dnsoverhttpstemplates", ""), ""))
    excluded = _domains(data.get(keys.get("dnsoverhttpsexcludeddomains", ""), ()))
    return (BrowserDns(browser=browser, setting="DnsOverHttpsMode", value=value,
                       mode=CHROME_MODES.get(value.lower(), DohMode.DEFAULT), source=source, policy=policy,
                       templates=templates, excluded=excluded),)


def chrome_local_state(text: str, browser: str, source: str) -> tuple[BrowserDns, ...]:
    """The user's secure-DNS choice in ``Local State``: ``{"dns_over_https": {"mode": ...,
    "templates": ...}}`` (the collector keeps only that key)."""
    data = load_json(text, f"{source} (Local State)")
    if not isinstance(data, dict):
        raise ParseError(f"{source}: Local State is not a JSON object")
    doh = data.get("dns_over_https")
    if isinstance(doh, dict):
        mode, templates = doh.get("mode"), doh.get("templates")
    else:
        mode, templates = data.get("dns_over_https.mode"), data.get("dns_over_https.templates")
    if mode is None:
        return ()
    value = _string(mode).strip()
    return (BrowserDns(browser=browser, setting="dns_over_https.mode", value=value,
                       mode=CHROME_MODES.get(value.lower(), DohMode.DEFAULT), source=source, policy=False,
                       templates=_string(templates)),)


def firefox_pref_values(text: str) -> dict[str, Any]:
    """The DoH-related ``user_pref("key", value);`` lines of a prefs.js / user.js (the last one wins)."""
    values: dict[str, Any] = {}
    seen = 0
    for raw in text.splitlines():
        m = _PREF.match(raw)
        if not m:
            continue
        seen += 1
        key, value = m["key"], m["value"]
        if key not in FIREFOX_PREFS:
            continue
        if value.startswith('"'):
            values[key] = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif value in ("true", "false"):
            values[key] = value == "true"
        else:
            values[key] = int(value)
    if not seen and text.strip() and not text.lstrip().startswith(("//", "/*", "#")):
        raise ParseError("no user_pref(...) line found: not a Firefox prefs.js / user.js")
    return values


def firefox_prefs(text: str, source: str) -> tuple[BrowserDns, ...]:
    values = firefox_pref_values(text)
    uri = _string(values.get("network.trr.uri") or values.get("network.trr.custom_uri") or "")
    excluded = _domains(values.get("network.trr.excluded-domains", ""))
    allow = values.get("network.trr.allow-rfc1918")
    allow = allow if isinstance(allow, bool) else None
    out = []
    if "network.trr.mode" in values:
        mode = values["network.trr.mode"]
        out.append(BrowserDns(browser="firefox", setting="network.trr.mode", value=str(mode),
                              mode=FIREFOX_TRR_MODES.get(mode, DohMode.DEFAULT) if isinstance(mode, int)
                              else DohMode.DEFAULT, source=source, templates=uri, excluded=excluded,
                              allow_private=allow))
    rollout = values.get("doh-rollout.mode")
    if isinstance(rollout, int) and values.get("network.trr.mode", 0) == 0:
        out.append(BrowserDns(browser="firefox", setting="doh-rollout.mode", value=str(rollout),
                              mode=FIREFOX_TRR_MODES.get(rollout, DohMode.DEFAULT), source=source,
                              templates=uri, excluded=excluded, allow_private=allow))
    return tuple(out)


def firefox_policy(data: Any, source: str) -> tuple[BrowserDns, ...]:
    """The ``DNSOverHTTPS`` enterprise policy (from policies.json, a plist, or registry values);
    ``data`` may be the whole ``{"policies": {...}}`` document or the policy object itself."""
    if not isinstance(data, dict):
        raise ParseError(f"{source}: a policy must be an object, not {type(data).__name__}")
    if isinstance(data.get("policies"), dict):
        data = data["policies"]
    policy = data.get("DNSOverHTTPS", data if "Enabled" in data else None)
    if not isinstance(policy, dict) or "Enabled" not in policy:
        return ()
    enabled = policy["Enabled"]
    enabled = bool(int(enabled)) if isinstance(enabled, (int, str)) and str(enabled).isdigit() else enabled is True
    fallback = policy.get("Fallback", True)
    fallback = bool(int(fallback)) if isinstance(fallback, (int, str)) and str(fallback).isdigit() else fallback is not False
    mode = DohMode.OFF if not enabled else (DohMode.AUTOMATIC if fallback else DohMode.SECURE)
    value = "Enabled=" + ("true" if enabled else "false") + ("" if fallback else ", Fallback=false")
    return (BrowserDns(browser="firefox", setting="DNSOverHTTPS", value=value, mode=mode, source=source, policy=True,
                       templates=_string(policy.get("ProviderURL", "")),
                       excluded=_domains(policy.get("ExcludedDomains", ()))),)


def read_item(item: Any) -> tuple[BrowserDns, ...]:
    """One item of the ``browser-dns`` capture (see platforms.local_evidence): its ``kind``
    names the reader, ``text`` or ``data`` the content."""
    if not isinstance(item, dict) or "kind" not in item:
        raise ParseError("a browser-dns item must be an object with a kind")
    kind, source, browser = item["kind"], str(item.get("source", "")), str(item.get("browser", ""))
    if kind == "chrome-policy":
        data = item.get("data")
        if data is None:
            data = load_json(item.get("text", ""), source)
        return chrome_policy(data, browser, source)
    if kind == "chrome-local-state":
        return chrome_local_state(item.get("text", ""), browser, source)
    if kind == "firefox-prefs":
        return firefox_prefs(item.get("text", ""), source)
    if kind == "firefox-policy":
        data = item.get("data")
        if data is None:
            data = load_json(item.get("text", ""), source)
        return firefox_policy(data, source)
    raise ParseError(f"unknown browser-dns item kind {kind!r}")
