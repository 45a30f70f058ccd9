"""Reports built from the real fixtures with personal data and key material planted in them,
for the redaction, Markdown, bundle and analyze tests.

Planted (all invented): user ``alicejones``, host ``alices-laptop``, home paths, e-mail
``alice.jones@example.org``, MAC ``3c:22:fb:12:34:56``, public client address
``81.2.69.160`` (+ IPv6 ``2a02:8070:1234:5678::42``), a PEM private key and an auth token.
"""
from __future__ import annotations

import json
from pathlib import Path

from agent.model import (Answer, NameCheck, Outcome, Platform, ProbeResult, ProbeRun, RawCapture, SourceCapture,
                         SourceKind, SystemLookup, Transport)

FIXTURES = Path(__file__).parent / "fixtures"
USER = "alicejones"
HOST = "alices-laptop"
EMAIL = "alice.jones@example.org"
MAC = "3c:22:fb:12:34:56"
PUBLIC_IP = "81.2.69.160"
PUBLIC_IP6 = "2a02:8070:1234:5678::42"
SECRETS = ("FAKEPRIVATEKEY", "BEGIN PRIVATE KEY", "SESS_ID_", "hunter2", "00112233445566778899aabbccddeeff")
LEAKS = (USER, HOST, EMAIL, MAC, MAC.upper(), PUBLIC_IP, PUBLIC_IP6, "/home/alicejones", "C:\\Users\\alicejones",
         "2a02:8070:1234:5678::") + SECRETS

PLANTED_LOG = f"""Oct  6 06:53:40 {HOST} NetworkManager[812]: <info> vpn: starting for {USER} ({EMAIL})
Sun Oct  6 06:53:48 2024 UDP link local (bound): [AF_INET]{PUBLIC_IP}:51234
Sun Oct  6 06:53:48 2024 WARNING: file '/home/{USER}/.config/AWSVPNClient/OpenVpnConfigs/corp' is group or others accessible
Sun Oct  6 06:53:49 2024 PUSH: Received control message: 'PUSH_REPLY,auth-token SESS_ID_aGVsbG8gd29ybGQ=,ping 1'
Sun Oct  6 06:53:50 2024 ROUTE_GATEWAY 192.168.1.1/255.255.255.0 IFACE=wlp2s0 HWADDR={MAC}
Sun Oct  6 06:53:50 2024 MANAGEMENT: CMD 'PASSWORD "Auth" "hunter2"'
"""


def _text(rel: str) -> str:
    return (FIXTURES / rel).read_text(encoding="utf-8", errors="replace")


def planted_interfaces() -> str:
    """The full-tunnel namespace's psutil read, plus a Wi-Fi card with a MAC and public addresses."""
    data = json.loads(_text("linux/interfaces--netns-full-tunnel.out"))
    data["addrs"]["wlp3s0"] = [
        {"address": PUBLIC_IP, "broadcast": None, "family": "AF_INET", "netmask": "255.255.255.0", "ptp": None},
        {"address": PUBLIC_IP6, "broadcast": None, "family": "AF_INET6", "netmask": "ffff:ffff:ffff:ffff::",
         "ptp": None},
        {"address": MAC, "broadcast": "ff:ff:ff:ff:ff:ff", "family": "AF_LINK", "netmask": None, "ptp": None}]
    data["index"]["wlp3s0"] = 9
    data["stats"]["wlp3s0"] = {"duplex": 0, "flags": "up,broadcast,running,multicast", "isup": True, "mtu": 1500,
                               "speed": 0}
    return json.dumps(data)


def planted_sources(platform: Platform) -> tuple[SourceCapture, ...]:
    """VPN log and profile (with a key block, as a careless paste would have) planted with personal data."""
    log = PLANTED_LOG + _text("vpn/openvpn-log--rhel-split-custom-dns.out")
    profile_path = (f"C:\\Users\\{USER}\\AppData\\Roaming\\AWSVPNClient\\OpenVpnConfigs\\corp"
                    if platform is Platform.WINDOWS else f"/home/{USER}/.config/AWSVPNClient/OpenVpnConfigs/corp")
    return (
        SourceCapture(id="vpn-log", kind=SourceKind.FILE, path=f"/home/{USER}/.config/AWSVPNClient/logs/ovpn_1.log",
                      text=log),
        SourceCapture(id="vpn-profile", kind=SourceKind.FILE, path=profile_path,
                      text=_text("vpn/ovpn-profile--inline-keys-tcp-dns.out") + f"# owner {EMAIL}\n"),
    )


def linux_raw() -> RawCapture:
    """A Linux capture from the real fixtures (full tunnel + custom DNS on tun0), planted."""
    caps = [
        SourceCapture(id="resolv.conf", kind=SourceKind.FILE, path="/etc/resolv.conf",
                      text=_text("linux/resolv_conf--systemd-stub.out")),
        SourceCapture(id="resolvectl", kind=SourceKind.COMMAND, argv=("resolvectl", "status", "--no-pager"),
                      text=_text("linux/resolvectl--v239-tun0-no-defaultroute.out"), exit_code=0, duration_s=0.02),
        SourceCapture(id="interfaces", kind=SourceKind.API, argv=("psutil interface read",), text=planted_interfaces()),
        SourceCapture(id="ip-route", kind=SourceKind.COMMAND, argv=("ip", "-j", "-4", "route", "show", "table", "all"),
                      text=_text("linux/ip_route4--netns-full-tunnel.out"), exit_code=0, duration_s=0.01),
        SourceCapture(id="os-release", kind=SourceKind.FILE, path="/etc/os-release",
                      text=f'PRETTY_NAME="Ubuntu 24.04 LTS"\nHOME_URL="https://example.invalid/{USER}"\n'),
    ]
    return RawCapture(platform=Platform.LINUX, collected_at="2026-11-28T10:00:00Z",
                      sources=tuple(caps) + planted_sources(Platform.LINUX))


def probe_run(server: str = "10.2.0.2") -> ProbeRun:
    names = (NameCheck("aws.amazon.com", origin="canary"), NameCheck("db.example.internal", "private", "config"))
    results = tuple(
        ProbeResult(server=server, transport=t, name=n.name, outcome=Outcome.ANSWER, rcode="NOERROR",
                    answers=(Answer("10.2.3.4", True),) if n.expected else (Answer("52.94.236.248", False),),
                    rtt_ms=12.5, source_address="10.0.0.98", interface="tun0")
        for n in names for t in (Transport.UDP, Transport.TCP))
    system = (SystemLookup("aws.amazon.com", (Answer("52.94.236.248", False),), rtt_ms=3.0),
              SystemLookup("db.example.internal", error="Name or service not known", rtt_ms=4.0))
    return ProbeRun(results=results, system=system, names=names, deadline_s=3.0, elapsed_s=0.2,
                    started_at="2026-11-28T10:00:01Z")


def report_from(raw: RawCapture, probes: ProbeRun | None = None, context: dict | None = None):
    from agent import run

    snapshot = run.reparse(raw)
    pr = probes or ProbeRun(skipped="offline")
    return run.assemble(raw, snapshot, pr, pr.names, context or {"hostname": HOST, "user": USER})


def planted_report():
    return report_from(linux_raw(), probe_run())


def fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*.out"))


def fixture_report(path: Path):
    """A report whose raw capture is one real fixture (recognised by content) plus the planted
    VPN log and profile; the fixture text itself gets a planted comment line where the format
    allows one."""
    from platforms.recognize import recognise

    text = path.read_text(encoding="utf-8", errors="replace")
    hit = recognise(text)
    platform = (hit.platform if hit and hit.platform else
                Platform.WINDOWS if "windows" in path.parts else
                Platform.MACOS if "macos" in path.parts else Platform.LINUX)
    sid = hit.source_id if hit else path.stem.split("--")[0]
    if not text.lstrip().startswith(("{", "[")):
        text = text + f"\n# pasted by {USER} on {HOST} <{EMAIL}> from /home/{USER}\n"
    caps = (SourceCapture(id=sid, kind=SourceKind.FILE, path=str(path.name), text=text),) + planted_sources(platform)
    if platform is Platform.LINUX and sid != "interfaces":
        caps += (SourceCapture(id="interfaces", kind=SourceKind.API, text=planted_interfaces()),)
    raw = RawCapture(platform=platform, collected_at="2026-11-28T10:00:00Z", sources=caps)
    return report_from(raw, probe_run(), {"hostname": HOST})
