"""What the OS under test cannot do, or does differently, for the tests that depend on it.

The suite runs on Linux (the project's CI, as root), and on macOS and Windows runners (the
build workflow, not root).  A test that needs a facility only some OSes have skips with
the reason given here; a test whose figures differ on an OS adapts them with the constant
given here.  Each entry says why.
"""
from __future__ import annotations

import os
import socket
import sys
from functools import lru_cache
from pathlib import Path

LINUX = sys.platform.startswith("linux")
MACOS = sys.platform == "darwin"
WINDOWS = sys.platform == "win32"

# Windows answers a connect to a closed loopback port with RST but retries the SYN before
# it gives up with WSAECONNREFUSED: the refusal takes about 2 s instead of microseconds
# (a known Winsock behaviour; Linux and macOS refuse at once).  Tests that expect a
# refused TCP probe give it this much more time on Windows.
REFUSED_CONNECT_S = 2.5 if WINDOWS else 0.0

# Windows' default timer resolution is 15.625 ms (64 Hz): a 2 ms wait lasts ~15.6 ms, so a
# server that sleeps 2 ms per byte takes 8 times longer than intended.
TIMER_TICK_S = 0.0156 if WINDOWS else 0.001

# macOS caps one UDP send at the socket's send buffer, 9216 bytes by default
# (net.inet.udp.maxdgram): a larger datagram fails with EMSGSIZE unless SO_SNDBUF is raised
# (simdsoft/yasio#262).  Test servers that send large datagrams raise it on every OS.
LARGE_UDP_SNDBUF = 1 << 17

NO_POSIX_PERMISSIONS = ("Windows has no POSIX permission bits: chmod only toggles the read-only attribute, "
                        "which directories ignore and administrators override")
NO_SIGINT = ("Windows cannot send SIGINT to one process: Popen.send_signal accepts only CTRL_C_EVENT and "
             "CTRL_BREAK_EVENT, which reach a whole console process group")
NO_EXEC_BIT = ("Windows has no execute bit: what running a text file does depends on its extension "
               "(CreateProcess appends .exe), not on a permission")
NO_RLIMIT = "setting RLIMIT_FSIZE in the child needs the resource module and preexec_fn (POSIX only)"
NO_FORK = "os.fork and the resource module are POSIX only"
NO_MKFIFO = "os.mkfifo is POSIX only (Windows named pipes are not files in a directory)"
NO_DEV_FULL = "/dev/full (a device whose writes fail with ENOSPC) exists on Linux only"
NO_PEAK_RSS = ("no peak-RSS counter of one process that a test can trust on macOS "
               "(Linux: VmHWM in /proc; Windows: PeakWorkingSetSize)")


def is_root() -> bool:
    """Root (POSIX); never on Windows, where os.geteuid does not exist."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def has_dev_full() -> bool:
    return Path("/dev/full").is_char_device() if not WINDOWS else False


@lru_cache(maxsize=None)
def loopback_alias(address: str = "127.0.0.2") -> bool:
    """Whether ``address`` (another 127/8 address) can be bound: Linux and Windows route all
    of 127.0.0.0/8 to the loopback; macOS has only 127.0.0.1 on lo0 unless an alias was
    added (``ifconfig lo0 alias 127.0.0.2``)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((address, 0))
    except OSError:
        return False
    return True


def can_symlink(tmp: Path) -> bool:
    """Windows creates symbolic links only with a privilege (administrator or developer mode)."""
    probe = tmp / ".symlink-probe"
    try:
        probe.symlink_to(tmp / ".symlink-target")
    except (OSError, NotImplementedError):
        return False
    probe.unlink()
    return True
