"""A private tree of Debian's systemd-resolved, NetworkManager (+ the OpenVPN plugin) and
dbus-daemon, for the lab's laptop: downloaded with `apt-get download`, extracted with
`dpkg -x`, never installed (installing them would take over the host's DNS and interfaces).

The lab mounts the tree's ``usr`` over ``/usr`` (read-only overlay on top of the host's) and
its ``etc`` under the laptop's ``/etc`` overlay, inside a private mount namespace: the
daemons find their files at their usual paths and nothing outside that namespace sees them.

Which packages: the roots below and what apt would add to install them here
(``apt-get -s install``: only packages not installed on the host; an upgrade of an
installed one is not taken, the host's stays).  systemd-resolved is pinned to the version
of the host's libsystemd-shared (its private library), or, with none installed, both are
taken at the same candidate version; ``check()`` compares the two.

    python -m tests.lab fetch      # what .ci/run does (also: make lab-root)
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = ROOT / ".cache" / "lab-root"
ROOTS = ("systemd-resolved", "libsystemd-shared", "network-manager", "network-manager-openvpn",
         "dbus-daemon", "dbus-bin")
# What the lab runs from the tree (usr-merged paths).
BINARIES = ("usr/lib/systemd/systemd-resolved", "usr/bin/resolvectl", "usr/sbin/NetworkManager",
            "usr/bin/nmcli", "usr/lib/NetworkManager/nm-openvpn-service",
            "usr/lib/NetworkManager/VPN/nm-openvpn-service.name")
# Pulled in by the roots' dependencies but never run by the lab: not extracted, so the
# host's own copies (if any) stay what the laptop namespace sees.
NEVER_RUN = frozenset({"systemd", "systemd-sysv", "systemd-timesyncd", "udev", "libpam-systemd",
                       "libnss-systemd", "dbus", "dbus-user-session", "dbus-x11", "polkitd", "pkexec"})
FORMAT = 1            # bump when the layout of the tree changes
TIMEOUT = 300.0       # downloads: a few MB


class RootError(RuntimeError):
    """The tree could not be made (no apt, no network to the Debian mirror, a bad package)."""


@dataclass(frozen=True)
class DebRoot:
    path: Path
    packages: dict[str, str]          # name -> version, as extracted
    systemd_version: str

    @property
    def usr(self) -> Path:
        return self.path / "usr"

    @property
    def etc(self) -> Path:
        return self.path / "etc"

    def has(self, rel: str) -> bool:
        return (self.path / rel).exists()


def _run(argv: list[str], cwd: Path | None = None, timeout: float = TIMEOUT) -> str:
    env = dict(os.environ, LC_ALL="C", DEBIAN_FRONTEND="noninteractive")
    try:
        proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise RootError(f"{' '.join(argv)}: {err}") from err
    if proc.returncode != 0:
        raise RootError(f"{' '.join(argv)} -> {proc.returncode}: {proc.stderr.strip()[-1500:]}")
    return proc.stdout


def installed_version(package: str) -> str | None:
    try:
        proc = subprocess.run(["dpkg-query", "-W", "-f", "${Status}\t${Version}", package],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    status, _, version = proc.stdout.partition("\t")
    return version if proc.returncode == 0 and status.endswith(" installed") and version else None


def candidate_version(package: str) -> str | None:
    out = _run(["apt-cache", "policy", package], timeout=60)
    m = re.search(r"Candidate:\s*(\S+)", out)
    return m[1] if m and m[1] != "(none)" else None


def _wanted_systemd_version() -> str:
    version = installed_version("libsystemd-shared")
    if version is None:
        version = candidate_version("systemd-resolved")
    if version is None:
        raise RootError("apt knows no systemd-resolved (run `apt-get update` first)")
    return version


def _simulate(args: list[str], keep: tuple[str, ...] = ()) -> tuple[dict[str, str], str]:
    """What `apt-get install` would newly install (name -> version), and its output; an
    upgrade of an installed package only for the names in ``keep``."""
    out = _run(["apt-get", "-s", "-q", "install", "--no-install-recommends", *args], timeout=120)
    new: dict[str, str] = {}
    for line in out.splitlines():
        # "Inst libndp0 (1.8-1+deb12u1 Debian:12/stable [amd64])"; an upgrade has "[old]" first.
        m = re.match(r"Inst (\S+) (\[\S+\] )?\((\S+) ", line)
        if m and (m[2] is None or m[1] in keep):
            new[m[1]] = m[3]
    return new, out


def plan(systemd_version: str, own_shared: bool = False) -> dict[str, str]:
    """name -> version: the roots (systemd ones pinned) and every package apt would add,
    less the daemons the lab never runs.  Two simulations: NetworkManager's dependencies may
    want a newer systemd than the pinned one; those upgrades are not taken.  ``own_shared``:
    the tree carries its own libsystemd-shared (none on the host, or the host's version is
    no longer on the mirror), which the laptop's /usr overlay puts before the host's."""
    pinned = [f"systemd-resolved={systemd_version}"]
    if own_shared or installed_version("libsystemd-shared") is None:
        pinned.append(f"libsystemd-shared={systemd_version}")
    wanted, out1 = _simulate(pinned, keep=tuple(p.split("=")[0] for p in pinned))
    others, out2 = _simulate([p for p in ROOTS if p not in ("systemd-resolved", "libsystemd-shared")])
    for name, version in others.items():
        wanted.setdefault(name, version)
    wanted = {n: v for n, v in wanted.items() if n not in NEVER_RUN}
    for p in ROOTS:
        if p not in wanted and installed_version(p) is None:
            raise RootError(f"apt would not install {p}:\n{(out1 + out2)[-1500:]}")
    return dict(sorted(wanted.items()))


def _manifest(path: Path) -> dict | None:
    try:
        return json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def load(path: Path = DEFAULT_DIR) -> DebRoot | None:
    """The tree at ``path`` if it was completed and still fits the host, else None."""
    m = _manifest(path)
    if not m or m.get("format") != FORMAT:
        return None
    host = installed_version("libsystemd-shared")
    own_shared = "libsystemd-shared" in m.get("packages", {})
    if host is not None and host != m.get("systemd_version") and not own_shared:
        return None                        # the host's systemd moved on: fetch again
    root = DebRoot(path, dict(m["packages"]), m["systemd_version"])
    return root if all(root.has(b) for b in BINARIES) else None


def fetch(path: Path = DEFAULT_DIR, log=print) -> DebRoot:
    """Download and extract the tree (idempotent: an up-to-date tree is kept)."""
    found = load(path)
    if found is not None:
        log(f"lab root: {path} is up to date (systemd {found.systemd_version}, "
            f"{len(found.packages)} packages)")
        return found
    for tool in ("apt-get", "apt-cache", "dpkg", "dpkg-query"):
        if shutil.which(tool) is None:
            raise RootError(f"{tool} is missing: the lab's Linux DNS stack comes from Debian packages")
    version = _wanted_systemd_version()
    try:
        packages = plan(version)
    except RootError as err:
        # The host's systemd is older than anything the mirror still has: take resolved and
        # its libsystemd-shared together at the candidate version (the pair still matches).
        candidate = candidate_version("systemd-resolved")
        if candidate is None or candidate == version:
            raise
        log(f"lab root: systemd-resolved {version} is not on the mirror ({str(err)[-200:]}); "
            f"taking {candidate} with its own libsystemd-shared")
        version = candidate
        packages = plan(version, own_shared=True)
    log(f"lab root: systemd {version}; downloading {len(packages)} packages: {', '.join(packages)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lab-root-", dir=path.parent))
    try:
        debs = staging / "debs"
        debs.mkdir()
        os.chmod(staging, 0o755)
        os.chmod(debs, 0o777)              # apt downloads as _apt when it can write here
        _run(["apt-get", "download", "-q", *(f"{n}={v}" for n, v in packages.items())], cwd=debs)
        tree = staging / "root"
        for deb in sorted(debs.glob("*.deb")):
            _run(["dpkg", "-x", str(deb), str(tree)], timeout=120)
        _usr_merge(tree)
        shutil.rmtree(debs)
        (tree / "manifest.json").write_text(json.dumps(
            {"format": FORMAT, "systemd_version": version, "packages": packages}, indent=1))
        root = DebRoot(tree, packages, version)
        problems = check(root)
        if problems:
            raise RootError("; ".join(problems))
        if path.exists():
            shutil.rmtree(path)
        tree.rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    root = load(path)
    assert root is not None
    log(f"lab root: ready in {path}")
    return root


def _usr_merge(tree: Path) -> None:
    """Move /lib, /bin, /sbin of the packages under usr/ (Debian 12 hosts are usr-merged:
    /lib is a link to usr/lib, so only the tree's usr is mounted)."""
    for top in ("lib", "lib64", "bin", "sbin"):
        src = tree / top
        if not src.is_dir() or src.is_symlink():
            continue
        dst = tree / "usr" / top
        for item in src.rglob("*"):
            target = dst / item.relative_to(src)
            if item.is_dir() and not item.is_symlink():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.exists() or target.is_symlink():
                    target.unlink()
                item.rename(target)
        shutil.rmtree(src)


def check(root: DebRoot) -> list[str]:
    """What is wrong with the tree (missing binaries, resolved vs libsystemd-shared)."""
    problems = [f"missing {b}" for b in BINARIES if not root.has(b)]
    resolved = root.packages.get("systemd-resolved")
    # The libsystemd-shared the laptop sees: the tree's own if it has one (the overlay puts
    # it first), else the host's.
    shared = root.packages.get("libsystemd-shared") or installed_version("libsystemd-shared")
    if resolved != shared or resolved != root.systemd_version:
        problems.append(f"systemd-resolved {resolved} does not match libsystemd-shared {shared}")
    if "libsystemd-shared" in root.packages and not list(root.path.glob("usr/lib/*/systemd/libsystemd-shared-*.so")):
        problems.append("the tree's libsystemd-shared package left no library")
    return problems
