r"""What on the machine itself can take names past the VPN's DNS: the hosts file, browsers'
own DNS-over-HTTPS, Docker and WSL, and local DNS agents on port 53 -- collected (I/O) and
folded into ``Snapshot.local`` (pure), the way :mod:`platforms.vpn_evidence` does for logs.

:func:`local_sources` reads through the injected :class:`platforms.base.Env` (files via
``env.read``, directory listings via ``Hook.LISTDIR`` / ``Hook.LISTSUBDIRS``, macOS
property lists via ``Hook.READ_PLIST``, the Windows registry via ``Hook.WINREG``,
the home directory via ``Hook.HOME`` (the invoking user's under ``sudo``, looked up with
``Hook.HOME_OF``), environment
variables via ``Hook.ENVIRON``, command look-up via ``Hook.WHICH``, commands via
``env.run``: argv lists, timeouts, ``LC_ALL=C``) and returns these captures; it never raises:

==================  =========================================================================
``hosts``           the hosts file (``/etc/hosts``; Windows ``%SystemRoot%\System32\drivers\etc\hosts``)
``browser-dns``     JSON: every browser DoH setting found -- Chrome/Edge/Chromium/Brave managed
                    policies (Linux policy JSON files, macOS ``/Library/Managed Preferences``
                    plists, Windows ``HKLM``/``HKCU\SOFTWARE\Policies\...`` values), the user's
                    choice in each ``Local State``, Firefox ``policies.json`` / policy plist /
                    registry and each profile's ``prefs.js`` / ``user.js`` -- only the DoH keys and
                    lines are kept, never a whole profile
``container-dns``   JSON: Docker's ``daemon.json`` (DNS keys only), WSL's ``.wslconfig`` (Windows) or
                    ``/etc/wsl.conf``, the kernel release (``uname``; a WSL kernel says so), whether a
                    ``docker`` command is installed
``port53``          who listens on port 53: ``ss -H -l -n -p -t -u sport = :53`` (Linux),
                    ``lsof +c 0 -nP -iUDP:53 -iTCP:53 -sTCP:LISTEN`` (macOS)
==================  =========================================================================

:func:`attach_local_evidence` parses them and records what was read in ``Snapshot.captured``
(HOSTS, BROWSER_DNS, CONTAINER_DNS, PORT53): a source that could not be read leaves its kind
out -- unknown, not absent -- and a trace line says why.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import ntpath
import os
import posixpath
import shutil
from typing import Any, Iterable

from agent.model import (CollectionError, ContainerDns, Evidence, Platform, RawCapture, Snapshot,
                         SourceCapture)
from agent import source_ids as sid
from platforms.base import Env, Hook, ParseError, Source, api_capture, capture_source, load_json
from platforms.parsers import browser_dns, container_dns, hosts as hosts_parser, port53

log = logging.getLogger(__name__)

HOSTS_SOURCE = sid.HOSTS
BROWSER_SOURCE = sid.BROWSER_DNS
CONTAINER_SOURCE = sid.CONTAINER_DNS
PORT53_SOURCE = sid.PORT53
SOURCE_IDS = (HOSTS_SOURCE, BROWSER_SOURCE, CONTAINER_SOURCE, PORT53_SOURCE)

PORT53_TIMEOUT_S = 3.0
MAX_PROFILES = 20            # Firefox profiles looked at
MAX_POLICY_FILES = 40        # policy JSON files per directory
SS_ARGV = ("ss", "-H", "-l", "-n", "-p", "-t", "-u", "sport", "=", ":53")
LSOF_ARGV = ("/usr/sbin/lsof", "+c", "0", "-nP", "-iUDP:53", "-iTCP:53", "-sTCP:LISTEN")

_CHROMIUM_POLICY_KEYS = ("DnsOverHttpsMode", "DnsOverHttpsTemplates", "DnsOverHttpsExcludedDomains")
_FIREFOX_POLICY_KEYS = ("Enabled", "ProviderURL", "Fallback", "ExcludedDomains", "Locked")


# --------------------------------------------------------------------------- where things are


def _join(platform: Platform, *parts: str) -> str:
    return (ntpath if platform is Platform.WINDOWS else posixpath).join(*parts)


def user_home(env: Env) -> str:
    """The home of the user the diagnosis is for: ``Hook.HOME``, else the invoking
    user's under ``sudo`` (browser profiles are theirs, not root's), else ``~``."""
    if env.hook(Hook.HOME):
        return env.hook(Hook.HOME)
    environ = env.hook(Hook.ENVIRON, os.environ)
    sudo_user = environ.get("SUDO_USER")
    if sudo_user and sudo_user != "root":
        home = env.hook(Hook.HOME_OF, _home_of)(sudo_user)
        if home:
            return home
    return os.path.expanduser("~")


def _home_of(user: str) -> str | None:
    try:
        import pwd
        return pwd.getpwnam(user).pw_dir
    except (ImportError, KeyError):
        return None


def hosts_path(platform: Platform, environ: dict) -> str:
    if platform is Platform.WINDOWS:
        root = environ.get("SystemRoot") or environ.get("windir") or "C:\\Windows"
        return ntpath.join(root, "System32", "drivers", "etc", "hosts")
    return "/etc/hosts"


# (browser, directory of policy JSON files) on Linux
LINUX_POLICY_DIRS = (("chrome", "/etc/opt/chrome/policies/managed"), ("chrome", "/etc/opt/chrome/policies/recommended"),
                     ("chromium", "/etc/chromium/policies/managed"), ("chromium", "/etc/chromium-browser/policies/managed"),
                     ("edge", "/etc/opt/edge/policies/managed"), ("brave", "/etc/brave/policies/managed"))
FIREFOX_LINUX_POLICY_FILES = ("/etc/firefox/policies/policies.json", "/usr/lib/firefox/distribution/policies.json",
                              "/usr/lib64/firefox/distribution/policies.json",
                              "/usr/lib/firefox-esr/distribution/policies.json",
                              "/opt/firefox/distribution/policies.json")
MACOS_PLISTS = (("chrome", "com.google.Chrome"), ("edge", "com.microsoft.Edge"), ("brave", "com.brave.Browser"),
                ("chromium", "org.chromium.Chromium"), ("firefox", "org.mozilla.firefox"))
WINDOWS_POLICY_KEYS = (("chrome", r"SOFTWARE\Policies\Google\Chrome"), ("edge", r"SOFTWARE\Policies\Microsoft\Edge"),
                       ("chromium", r"SOFTWARE\Policies\Chromium"), ("brave", r"SOFTWARE\Policies\BraveSoftware\Brave"),
                       ("firefox", r"SOFTWARE\Policies\Mozilla\Firefox\DNSOverHTTPS"))


def local_state_files(platform: Platform, home: str, environ: dict) -> tuple[tuple[str, str], ...]:
    """(browser, path of its Local State) per OS."""
    j = lambda *p: _join(platform, *p)  # noqa: E731
    if platform is Platform.WINDOWS:
        local = environ.get("LOCALAPPDATA") or j(home, "AppData", "Local")
        return (("chrome", j(local, "Google", "Chrome", "User Data", "Local State")),
                ("chromium", j(local, "Chromium", "User Data", "Local State")),
                ("edge", j(local, "Microsoft", "Edge", "User Data", "Local State")),
                ("brave", j(local, "BraveSoftware", "Brave-Browser", "User Data", "Local State")))
    if platform is Platform.MACOS:
        base = j(home, "Library", "Application Support")
        return (("chrome", j(base, "Google", "Chrome", "Local State")), ("chromium", j(base, "Chromium", "Local State")),
                ("edge", j(base, "Microsoft Edge", "Local State")),
                ("brave", j(base, "BraveSoftware", "Brave-Browser", "Local State")))
    base = j(home, ".config")
    return (("chrome", j(base, "google-chrome", "Local State")), ("chromium", j(base, "chromium", "Local State")),
            ("edge", j(base, "microsoft-edge", "Local State")),
            ("brave", j(base, "BraveSoftware", "Brave-Browser", "Local State")))


def firefox_profile_roots(platform: Platform, home: str, environ: dict) -> tuple[str, ...]:
    j = lambda *p: _join(platform, *p)  # noqa: E731
    if platform is Platform.WINDOWS:
        appdata = environ.get("APPDATA") or j(home, "AppData", "Roaming")
        return (j(appdata, "Mozilla", "Firefox", "Profiles"),)
    if platform is Platform.MACOS:
        return (j(home, "Library", "Application Support", "Firefox", "Profiles"),)
    return (j(home, ".mozilla", "firefox"), j(home, "snap", "firefox", "common", ".mozilla", "firefox"),
            j(home, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"))


def firefox_policy_files(platform: Platform, environ: dict) -> tuple[str, ...]:
    if platform is Platform.WINDOWS:
        files = []
        for var in ("ProgramFiles", "ProgramFiles(x86)"):
            if environ.get(var):
                files.append(ntpath.join(environ[var], "Mozilla Firefox", "distribution", "policies.json"))
        return tuple(files) or ("C:\\Program Files\\Mozilla Firefox\\distribution\\policies.json",)
    if platform is Platform.MACOS:
        return ("/Applications/Firefox.app/Contents/Resources/distribution/policies.json",)
    return FIREFOX_LINUX_POLICY_FILES


def container_files(platform: Platform, home: str, environ: dict) -> tuple[tuple[str, str], ...]:
    """(kind, path) of the container / WSL configuration files per OS."""
    j = lambda *p: _join(platform, *p)  # noqa: E731
    if platform is Platform.WINDOWS:
        profile = environ.get("USERPROFILE") or home
        data = environ.get("ProgramData") or "C:\\ProgramData"
        return (("wslconfig", j(profile, ".wslconfig")), ("docker", j(profile, ".docker", "daemon.json")),
                ("docker", j(data, "docker", "config", "daemon.json")))
    if platform is Platform.MACOS:
        return (("docker", j(home, ".docker", "daemon.json")),)
    return (("docker", "/etc/docker/daemon.json"), ("docker", j(home, ".config", "docker", "daemon.json")),
            ("wsl.conf", "/etc/wsl.conf"))


# --------------------------------------------------------------------------- reading (I/O)


def _list_files(path: str) -> list[tuple[str, float]]:
    from platforms.vpn_evidence import list_files
    return list_files(path)


def list_subdirs(path: str) -> list[str]:
    """The directories directly in ``path``. Raises OSError when it cannot be listed."""
    with os.scandir(path) as it:
        return sorted(e.path for e in it if e.is_dir(follow_symlinks=False))


def read_plist(path: str) -> Any:
    import plistlib
    with open(path, "rb") as fh:
        return plistlib.load(fh)


class _Reader:
    """One collection of browser or container settings: what was read, what failed."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.items: list[dict] = []
        self.read: list[str] = []
        self.errors: list[str] = []

    def text(self, path: str) -> str | None:
        try:
            text = self.env.read(path)
        except FileNotFoundError:
            return None
        except OSError as err:         # no permission, a directory, a FIFO: say so, go on
            self.errors.append(f"{path}: {err.strerror or err}")
            return None
        self.read.append(path)
        return text

    def files(self, directory: str, suffix: str) -> list[str]:
        listdir = self.env.hook(Hook.LISTDIR, _list_files)
        try:
            found = sorted(p for p, _m in listdir(directory) if p.lower().endswith(suffix))
        except FileNotFoundError:
            return []
        except OSError as err:
            self.errors.append(f"{directory}: {err.strerror or err}")
            return []
        return found[:MAX_POLICY_FILES]

    def subdirs(self, directory: str) -> list[str]:
        lister = self.env.hook(Hook.LISTSUBDIRS, list_subdirs)
        try:
            return list(lister(directory))[:MAX_PROFILES]
        except FileNotFoundError:
            return []
        except OSError as err:
            self.errors.append(f"{directory}: {err.strerror or err}")
            return []

    def plist(self, path: str) -> Any:
        reader = self.env.hook(Hook.READ_PLIST, read_plist)
        try:
            data = reader(path)
        except FileNotFoundError:
            return None
        except Exception as err:  # noqa: BLE001 - a malformed plist (plistlib raises many kinds) costs one file
            self.errors.append(f"{path}: {err}")
            return None
        self.read.append(path)
        return data


def _keep(data: Any, keys: Iterable[str]) -> dict:
    """Only the named keys of a policy dictionary (case-insensitive), JSON-safe."""
    if not isinstance(data, dict):
        return {}
    wanted = {k.lower() for k in keys}
    return {str(k): (v if isinstance(v, (str, int, float, bool, list)) or v is None else str(v))
            for k, v in data.items() if str(k).lower() in wanted}


def _pref_lines(text: str) -> str:
    """The DoH lines of a prefs.js / user.js (the rest of a profile never enters a capture)."""
    return "".join(line + "\n" for line in text.splitlines()
                   if any(f'"{k}"' in line for k in browser_dns.FIREFOX_PREFS))


def read_browser_settings(env: Env, platform: Platform) -> dict:
    """Every browser DoH setting this OS keeps, reduced to the DoH keys (see the module docstring)."""
    environ = env.hook(Hook.ENVIRON, os.environ)
    home = user_home(env)
    r = _Reader(env)
    if platform is Platform.LINUX:
        for browser, directory in LINUX_POLICY_DIRS:
            for path in r.files(directory, ".json"):
                text = r.text(path)
                if text is None:
                    continue
                try:
                    data = json.loads(text)
                except ValueError as err:
                    r.errors.append(f"{path}: not JSON ({err})")
                    continue
                r.items.append({"kind": "chrome-policy", "browser": browser, "source": path,
                                "data": _keep(data, _CHROMIUM_POLICY_KEYS)})
    elif platform is Platform.MACOS:
        user = os.path.basename(home.rstrip("/"))
        for browser, bundle in MACOS_PLISTS:
            for path in (f"/Library/Managed Preferences/{bundle}.plist",
                         f"/Library/Managed Preferences/{user}/{bundle}.plist"):
                data = r.plist(path)
                if data is None:
                    continue
                if browser == "firefox":
                    r.items.append({"kind": "firefox-policy", "browser": browser, "source": path,
                                    "data": {"DNSOverHTTPS": _keep((data or {}).get("DNSOverHTTPS"),
                                                                   _FIREFOX_POLICY_KEYS)}})
                else:
                    r.items.append({"kind": "chrome-policy", "browser": browser, "source": path,
                                    "data": _keep(data, _CHROMIUM_POLICY_KEYS)})
    elif platform is Platform.WINDOWS:
        _read_windows_policies(env, r)
    for browser, path in local_state_files(platform, home, environ):
        text = r.text(path)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except ValueError as err:
            r.errors.append(f"{path}: not JSON ({err})")
            continue
        doh = data.get("dns_over_https") if isinstance(data, dict) else None
        r.items.append({"kind": "chrome-local-state", "browser": browser, "source": path,
                        "text": json.dumps({"dns_over_https": doh} if isinstance(doh, dict) else {})})
    for path in firefox_policy_files(platform, environ):
        text = r.text(path)
        if text is None:
            continue
        try:
            data = json.loads(text)
        except ValueError as err:
            r.errors.append(f"{path}: not JSON ({err})")
            continue
        policies = data.get("policies", {}) if isinstance(data, dict) else {}
        r.items.append({"kind": "firefox-policy", "browser": "firefox", "source": path,
                        "data": {"DNSOverHTTPS": _keep(policies.get("DNSOverHTTPS") if isinstance(policies, dict)
                                                       else None, _FIREFOX_POLICY_KEYS)}})
    for root in firefox_profile_roots(platform, home, environ):
        for profile in r.subdirs(root):
            for name in ("prefs.js", "user.js"):
                path = _join(platform, profile, name)
                text = r.text(path)
                if text is not None:
                    r.items.append({"kind": "firefox-prefs", "browser": "firefox", "source": path,
                                    "text": _pref_lines(text)})
    return {"items": r.items, "read": r.read, "errors": r.errors}


def _read_windows_policies(env: Env, r: _Reader) -> None:
    reg = env.hook(Hook.WINREG) if env.has_hook(Hook.WINREG) else _default_winreg()
    if reg is None:
        r.errors.append("winreg is not available (not Windows): browser policies in the registry were not read")
        return
    for hive_name in ("HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER"):
        hive = getattr(reg, hive_name)
        short = "HKLM" if hive_name.endswith("MACHINE") else "HKCU"
        for browser, path in WINDOWS_POLICY_KEYS:
            try:
                key = reg.OpenKey(hive, path)
            except FileNotFoundError:
                continue
            except OSError as err:
                r.errors.append(f"{short}\\{path}: {err.strerror or err}")
                continue
            values: dict[str, Any] = {}
            try:
                for name in (_FIREFOX_POLICY_KEYS if browser == "firefox" else _CHROMIUM_POLICY_KEYS):
                    try:
                        data, _kind = reg.QueryValueEx(key, name)
                    except FileNotFoundError:
                        continue
                    except OSError as err:
                        r.errors.append(f"{short}\\{path}\\{name}: {err.strerror or err}")
                        continue
                    values[name] = data if isinstance(data, (str, int, list)) else str(data)
            finally:
                reg.CloseKey(key)
            source = f"{short}\\{path}"
            r.read.append(source)
            if browser == "firefox":
                r.items.append({"kind": "firefox-policy", "browser": browser, "source": source,
                                "data": {"DNSOverHTTPS": values}})
            else:
                r.items.append({"kind": "chrome-policy", "browser": browser, "source": source, "data": values})


def _default_winreg() -> Any:
    try:
        import winreg
    except ImportError:
        return None
    return winreg


_DOCKER_KEYS = ("dns", "dns-search", "dns-opts", "bip")


def read_container_settings(env: Env, platform: Platform) -> dict:
    """Docker's and WSL's DNS-relevant settings (see the module docstring)."""
    environ = env.hook(Hook.ENVIRON, os.environ)
    home = user_home(env)
    r = _Reader(env)
    out: dict[str, Any] = {"files": []}
    for kind, path in container_files(platform, home, environ):
        text = r.text(path)
        if text is None:
            continue
        if kind == "docker":
            try:
                data = json.loads(text or "{}")
            except ValueError as err:
                r.errors.append(f"{path}: not JSON ({err})")
                continue
            text = json.dumps({k: v for k, v in data.items() if k in _DOCKER_KEYS} if isinstance(data, dict) else {})
        elif kind in ("wslconfig", "wsl.conf"):
            keep = container_dns.WSL_KEYS + ("generateresolvconf", "generatehosts")
            text = "".join(line + "\n" for line in text.splitlines()
                           if line.strip().startswith("[") or line.split("=", 1)[0].strip().lower() in keep)
        out["files"].append({"kind": kind, "source": path, "text": text[:4096]})
    if platform is Platform.LINUX:
        # The kernel's release names Microsoft inside WSL ("5.15.133.1-microsoft-standard-WSL2").
        try:
            out["kernel_release"] = str(env.hook(Hook.KERNEL_RELEASE, lambda: os.uname().release)())
        except (AttributeError, OSError) as err:
            r.errors.append(f"kernel release: {err}")
    which = env.hook(Hook.WHICH, shutil.which)
    try:
        out["docker_command"] = bool(which("docker"))
    except Exception:  # noqa: BLE001 - a broken PATH entry is not a reason to lose the rest
        out["docker_command"] = None
    out["read"], out["errors"] = r.read, r.errors
    return out


def local_sources(env: Env, platform: Platform) -> tuple[SourceCapture, ...]:
    """The captures of the module docstring; never raises."""
    environ = env.hook(Hook.ENVIRON, os.environ)
    caps = [capture_source(Source(HOSTS_SOURCE, path=hosts_path(platform, environ)), env),
            api_capture(BROWSER_SOURCE, "browser DNS-over-HTTPS settings read",
                        lambda: read_browser_settings(env, platform)),
            api_capture(CONTAINER_SOURCE, "Docker / WSL DNS settings read",
                        lambda: read_container_settings(env, platform))]
    if platform is Platform.LINUX:
        caps.append(capture_source(Source(PORT53_SOURCE, argv=SS_ARGV, timeout_s=PORT53_TIMEOUT_S, optional=True), env))
    elif platform is Platform.MACOS:
        caps.append(capture_source(Source(PORT53_SOURCE, argv=LSOF_ARGV, timeout_s=PORT53_TIMEOUT_S, optional=True),
                                   env))
    return tuple(caps)


# --------------------------------------------------------------------------- parsing (pure)


def attach_local_evidence(snapshot: Snapshot, raw: RawCapture) -> Snapshot:
    """Fold the local captures into ``snapshot.local`` and ``snapshot.captured`` (pure)."""
    if not any(raw.get(source_id) is not None for source_id in SOURCE_IDS):
        return snapshot
    trace: list[str] = []
    errors: list[CollectionError] = []
    captured = set(snapshot.captured)
    local = snapshot.local

    def json_of(cap: SourceCapture) -> dict | None:
        if cap.text is None:
            trace.append(f"local: {cap.id}: {cap.error or 'not read'} (unknown, not absent)")
            return None
        try:
            data = load_json(cap.text, cap.id)
        except ParseError as err:
            errors.append(CollectionError(cap.id, f"could not be read: {err}"))
            return None
        return data if isinstance(data, dict) else None

    cap = raw.get(HOSTS_SOURCE)
    if cap is not None:
        if cap.text is None:
            trace.append(f"local: hosts file: {cap.error or 'not read'} (whether it overrides a name is unknown)")
        else:
            try:
                entries = hosts_parser.parse(cap.text)
            except ParseError as err:
                errors.append(CollectionError(HOSTS_SOURCE, f"the hosts file could not be read: {err}"))
            else:
                local = dataclasses.replace(local, hosts=entries, hosts_path=cap.path or "")
                captured.add(Evidence.HOSTS)
                trace.append(f"local: hosts file {cap.path or ''}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}")

    cap = raw.get(BROWSER_SOURCE)
    data = json_of(cap) if cap is not None else None
    if data is not None:
        found: list[browser_dns.BrowserDns] = []
        for item in data.get("items") or ():
            try:
                found.extend(browser_dns.read_item(item))
            except ParseError as err:
                errors.append(CollectionError(BROWSER_SOURCE, f"{item.get('source', '?') if isinstance(item, dict) else '?'}: {err}"))
        for e in data.get("errors") or ():
            trace.append(f"local: browser settings: {e}")
        read = tuple(str(p) for p in data.get("read") or ())
        local = dataclasses.replace(local, browsers=tuple(found), browser_sources=read)
        captured.add(Evidence.BROWSER_DNS)
        on = [f"{b.browser} {b.setting}={b.value}" for b in found]
        trace.append(f"local: browser DNS settings read from {len(read)} file(s)/key(s): "
                     + (", ".join(on) if on else "no DNS-over-HTTPS setting"))

    cap = raw.get(CONTAINER_SOURCE)
    data = json_of(cap) if cap is not None else None
    if data is not None:
        containers: list[ContainerDns] = []
        inside: bool | None = None
        for f in data.get("files") or ():
            if not isinstance(f, dict):
                continue
            kind, source, text = f.get("kind"), str(f.get("source", "")), str(f.get("text", ""))
            try:
                if kind == "docker":
                    containers.append(container_dns.docker_daemon(text, source))
                elif kind == "wslconfig":
                    containers.append(container_dns.wslconfig(text, source))
                elif kind == "wsl.conf":
                    containers.append(container_dns.wsl_conf(text, source))

            except ParseError as err:
                errors.append(CollectionError(CONTAINER_SOURCE, str(err)))
        if isinstance(data.get("kernel_release"), str):
            inside = container_dns.inside_wsl(data["kernel_release"])
        docker = True if (any(c.kind == "docker" for c in containers) or data.get("docker_command")) else None
        if docker is None and snapshot.has(Evidence.INTERFACES) and snapshot.interface("docker0") is not None:
            docker = True
        local = dataclasses.replace(local, containers=tuple(containers), inside_wsl=inside, docker=docker)
        captured.add(Evidence.CONTAINER_DNS)
        for c in containers:
            what = (f"dns {', '.join(c.dns_servers)}" if c.dns_servers else "no dns key") if c.kind == "docker" \
                else ", ".join(f"{k}={v}" for k, v in c.settings.items()) or "no networking setting"
            trace.append(f"local: {c.kind} {c.source}: {what}")
        if inside:
            trace.append("local: this Linux runs inside WSL (the kernel release says so): the VPN runs on Windows")

    cap = raw.get(PORT53_SOURCE)
    if cap is not None:
        if cap.text is None or cap.exit_code not in (0, None) and not (cap.text or "").strip():
            trace.append(f"local: port 53 listeners: {cap.error or 'not read'} (unknown)")
        else:
            parse = port53.parse_lsof if cap.argv and "lsof" in cap.argv[0] else port53.parse_ss
            try:
                listeners = parse(cap.text)
            except ParseError as err:
                errors.append(CollectionError(PORT53_SOURCE, f"the port 53 listing could not be read: {err}"))
            else:
                local = dataclasses.replace(local, port53=listeners)
                captured.add(Evidence.PORT53)
                trace.append("local: port 53: " + (", ".join(f"{p.transport.value} {p.address} "
                                                            f"{p.process or '(process not shown)'}" for p in listeners)
                                                   or "nothing listens"))
    return dataclasses.replace(snapshot, local=local, errors=snapshot.errors + tuple(errors),
                               trace=snapshot.trace + tuple(trace),
                               captured=tuple(e for e in Evidence if e in captured))
