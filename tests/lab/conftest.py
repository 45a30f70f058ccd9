"""Lab fixtures: skip (outside the project's CI) or fail (under .ci/run, which sets
CVPN_DOCTOR_MUST_RUN_ALL=1) when the lab cannot run; always clean up."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import must_run_all
from tests.lab import debroot
from tests.lab.lab import Lab, needed_tools
from tests.lab.netns import sweep_orphans
from tests.lab.stack import tools_missing


def _why_not() -> str | None:
    """Why the lab cannot run here, or None."""
    if not hasattr(os, "geteuid"):
        return "the lab needs Linux (network namespaces)"
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, tun, iptables)"
    missing = [t for t in needed_tools() if shutil.which(t) is None]
    if missing:
        return ("missing tools: " + ", ".join(missing)
                + " (apt-get install openvpn dnsmasq-base iptables openssl tcpdump dnsutils iproute2)")
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing (no tun devices for OpenVPN)"
    probe = f"cvdprobe{os.getpid()}"
    try:
        made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True,
                              timeout=10)
    except subprocess.TimeoutExpired:
        return "`ip netns add` hung"
    if made.returncode != 0:
        return f"cannot create network namespaces: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=10)
    return None


@pytest.fixture(scope="session")
def lab_ready() -> None:
    reason = _why_not()
    if reason is None:
        return
    if must_run_all():
        pytest.fail(f"lab cannot run under .ci/run: {reason}")
    pytest.skip(f"lab skipped: {reason}")


def _stack_root() -> tuple[debroot.DebRoot | None, str | None]:
    """The extracted systemd-resolved/NetworkManager tree (fetched if missing), or why not."""
    missing = tools_missing()
    if missing:
        return None, "missing tools: " + ", ".join(missing) + " (apt-get install util-linux mount)"
    root = debroot.load()
    if root is not None:
        return root, None
    try:
        return debroot.fetch(log=lambda m: print(m)), None
    except debroot.RootError as err:
        return None, f"the Debian tree for systemd-resolved/NetworkManager could not be made: {err}"


@pytest.fixture(scope="session")
def stack_root(lab_ready) -> debroot.DebRoot | None:
    root, why = _stack_root()
    if root is None:
        # Not fatal for the session: the scenarios that need the tree fail or skip on their own.
        print(f"lab: {why}")
    return root


@pytest.fixture(scope="session")
def lab(lab_ready, stack_root) -> Lab:
    """One Lab (certificates, temp dir, namespace prefix) for the session."""
    swept = sweep_orphans()
    if swept:
        print(f"lab: removed namespaces left by a dead run: {swept}")
    workdir = Path(tempfile.mkdtemp(prefix="cvpn-doctor-lab-"))
    try:
        yield Lab(workdir, root=stack_root)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def need_stack(lab: Lab) -> None:
    """In a test of a resolved/NetworkManager scenario: the same rule as lab_ready (fail
    under .ci/run, skip elsewhere) when the tree is not there."""
    if lab.root is not None:
        return
    _, why = _stack_root()
    if must_run_all():
        pytest.fail(f"lab cannot run under .ci/run: {why}")
    pytest.skip(f"lab skipped: {why}")


@pytest.fixture(scope="session")
def lab_reports(tmp_path_factory) -> Path:
    """A folder where each lab diagnosis of the session leaves its report (triage reads them all)."""
    return tmp_path_factory.mktemp("lab-reports")
