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
from tests.lab.lab import Lab, needed_tools
from tests.lab.netns import sweep_orphans


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


@pytest.fixture(scope="session")
def lab(lab_ready) -> Lab:
    """One Lab (certificates, temp dir, namespace prefix) for the session."""
    swept = sweep_orphans()
    if swept:
        print(f"lab: removed namespaces left by a dead run: {swept}")
    workdir = Path(tempfile.mkdtemp(prefix="cvpn-doctor-lab-"))
    try:
        yield Lab(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
