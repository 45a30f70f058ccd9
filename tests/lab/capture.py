"""A bounded packet capture of DNS traffic on the lab laptop (network-safety check)."""
from __future__ import annotations

import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.lab.netns import Namespaces, sh, wait_for

# tcpdump -n line: "... IP 172.16.0.2.41234 > 10.1.0.10.53: ..." (also "Flags [S]" for TCP),
# "... IP6 2001:db8:1::100.41234 > 2001:db8:1::1.53: ..." for IPv6.
_PACKET = re.compile(r"\bIP6? (?P<src>[0-9a-f:.]+)\.(?P<sport>\d+) > "
                     r"(?P<dst>[0-9a-f:.]+)\.(?P<dport>\d+):")


@dataclass
class DnsCapture:
    """tcpdump on every interface of the laptop (`-i any`: eth0 and tun0), port 53 only.

    --immediate-mode: without it, packets wait in the kernel ring buffer and a SIGINT
    right after the diagnosis ends the capture with them unread ("0 packets captured").
    """
    ns: Namespaces
    pcap: Path
    proc: subprocess.Popen | None = None

    def start(self, timeout: float = 5.0) -> None:
        log_path = self.pcap.with_suffix(".log")
        self.proc = self.ns.spawn("laptop", ["tcpdump", "--immediate-mode", "-i", "any", "-n", "-U", "-w",
                                             str(self.pcap), "port", "53"], log_path)
        wait_for(lambda: "listening on" in log_path.read_text(errors="replace"),
                 timeout, "tcpdump to start listening")

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=timeout)
        self.ns.pids.remove(self.proc.pid)
        self.proc = None

    def destinations(self) -> set[str]:
        """Every address a DNS query (to port 53) was sent to."""
        text = sh(["tcpdump", "-r", str(self.pcap), "-n"]).stdout
        return {m["dst"] for m in _PACKET.finditer(text) if m["dport"] == "53"}

    def sources_of_replies(self) -> set[str]:
        text = sh(["tcpdump", "-r", str(self.pcap), "-n"]).stdout
        return {m["src"] for m in _PACKET.finditer(text) if m["sport"] == "53"}
