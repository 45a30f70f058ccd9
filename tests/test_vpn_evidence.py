"""vpn_sources (I/O through a fake Env) and attach_vpn_evidence (pure)."""
from pathlib import Path

from agent.model import Platform, RawCapture, Snapshot, SourceCapture, SourceKind
from platforms.base import Env
from platforms.vpn_evidence import LOG_SOURCE, PROFILE_SOURCE, attach_vpn_evidence, list_files, vpn_sources

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"


def fake_env(files: dict[str, tuple[str, float]], home: str, environ: dict | None = None) -> Env:
    """files: path -> (text, mtime)."""
    def read(path):
        if path not in files:
            raise FileNotFoundError(path)
        return files[path][0]

    def listdir(d):
        found = [(p, m) for p, (_t, m) in files.items() if p.rsplit("/" if "/" in p else "\\", 1)[0] == d]
        if not found:
            raise FileNotFoundError(d)
        return found
    return Env(read=read, extra={"listdir": listdir, "home": home, "environ": environ or {"USER": "alice"}})


def test_linux_newest_ovpn_log_and_profile_without_keys():
    log_old = (FIXTURES / "openvpn-log--ubuntu-split-no-dns-disconnect.out").read_text()
    log_new = (FIXTURES / "openvpn-log--rhel-split-custom-dns.out").read_text()
    prof = (FIXTURES / "ovpn-profile--inline-keys-tcp-dns.out").read_text()
    d = "/home/alice/.config/AWSVPNClient/logs"
    env = fake_env({f"{d}/ovpn_aws_vpn_client_20240514.log": (log_old, 100.0),
                    f"{d}/ovpn_aws_vpn_client_20241006.log": (log_new, 200.0),
                    f"{d}/aws_vpn_client_20241007.log": ("GUI log, newer but not OpenVPN's", 300.0),
                    "/home/alice/.config/AWSVPNClient/OpenVpnConfigs/corp": (prof, 50.0)}, home="/home/alice")
    caps = {c.id: c for c in vpn_sources(env, Platform.LINUX)}
    assert caps[LOG_SOURCE].path == f"{d}/ovpn_aws_vpn_client_20241006.log"
    assert caps[LOG_SOURCE].text == log_new
    assert caps[PROFILE_SOURCE].path.endswith("OpenVpnConfigs/corp")
    assert "FAKEPRIVATEKEY" not in caps[PROFILE_SOURCE].text
    assert "BEGIN" not in caps[PROFILE_SOURCE].text


def test_windows_places_and_explicit_paths():
    appdata = "C:\\Users\\bob\\AppData\\Roaming"
    logtext = (FIXTURES / "openvpn-log--rhel-split-custom-dns.out").read_text()
    env = fake_env({f"{appdata}\\AWSVPNClient\\logs\\ovpn_aws_vpn_client_1.log": (logtext, 1.0)},
                   home="C:\\Users\\bob", environ={"APPDATA": appdata, "USERNAME": "bob"})
    caps = {c.id: c for c in vpn_sources(env, Platform.WINDOWS)}
    assert caps[LOG_SOURCE].text == logtext
    assert caps[PROFILE_SOURCE].text is None and "OpenVpnConfigs" in caps[PROFILE_SOURCE].error
    caps = {c.id: c for c in vpn_sources(env, Platform.WINDOWS, log_path="C:\\nope.log", profile_path="C:\\p.ovpn")}
    assert caps[LOG_SOURCE].path == "C:\\nope.log" and "does not exist" in caps[LOG_SOURCE].error


def test_nothing_found_says_where_it_looked():
    env = fake_env({}, home="/Users/carol")
    caps = {c.id: c for c in vpn_sources(env, Platform.MACOS)}
    assert caps[LOG_SOURCE].path is None
    assert "/Users/carol/.config/AWSVPNClient/logs" in caps[LOG_SOURCE].error


def test_long_log_keeps_tail():
    body = "".join(f"2024-01-01 00:00:00 line {i}\n" for i in range(6000))
    body += "2024-01-01 00:00:01 Initialization Sequence Completed\n"
    env = fake_env({"/x/ovpn_1.log": (body, 1.0)}, home="/home/a")
    cap = vpn_sources(env, Platform.LINUX, log_path="/x/ovpn_1.log")[0]
    assert cap.truncated and cap.text.endswith("Initialization Sequence Completed\n")


def test_list_files_real_default(tmp_path):
    (tmp_path / "a.log").write_text("x")
    (tmp_path / "sub").mkdir()
    assert [Path(p).name for p, _m in list_files(str(tmp_path))] == ["a.log"]


def _snap() -> Snapshot:
    return Snapshot(platform=Platform.LINUX, collected_at="2026-01-01T00:00:00Z")


def test_attach_fills_snapshot_and_trace():
    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=(
        SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE, path="/l.log",
                      text=(FIXTURES / "openvpn-log--ubuntu-split-no-dns-disconnect.out").read_text()),
        SourceCapture(id=PROFILE_SOURCE, kind=SourceKind.FILE, path="/p.ovpn",
                      text=(FIXTURES / "ovpn-profile--export-us-west-2.out").read_text())))
    snap = attach_vpn_evidence(_snap(), raw)
    assert snap.vpn.pushed.routes == ("192.168.0.0/16",) and snap.vpn.pushed.source == "/l.log"
    assert snap.vpn.log_path == "/l.log"
    assert snap.vpn.connected_at == "2024-05-14T18:36:40" and snap.vpn.disconnected_at == "2024-05-14T18:41:53"
    assert snap.vpn.profile.endpoint_id == "cvpn-endpoint-063385602a3155e6d"
    assert any("last event is a disconnect" in t for t in snap.trace)
    assert any("region=us-west-2" in t for t in snap.trace)
    assert snap.errors == ()
    # A report round trip keeps it all.
    assert Snapshot.from_dict(snap.to_dict()) == snap


def test_attach_errors():
    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=(
        SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE, path="/l.log", text="garbage\n"),
        SourceCapture(id=PROFILE_SOURCE, kind=SourceKind.FILE, error="no AWS VPN Client profile found in /x")))
    snap = attach_vpn_evidence(_snap(), raw)
    assert [e.source for e in snap.errors] == [LOG_SOURCE]
    assert snap.vpn.pushed is None and snap.vpn.profile is None
    assert any("no AWS VPN Client profile found" in t for t in snap.trace)
    # No VPN sources at all: unchanged.
    assert attach_vpn_evidence(_snap(), RawCapture(platform=Platform.LINUX, collected_at="x")) == _snap()


def test_log_capture_never_keeps_session_tokens():
    text = ("2024-01-02 03:04:05 PUSH: Received control message: 'PUSH_REPLY,auth-token SESS_ID_c2VjcmV0,ping 1'\n"
            "2024-01-02 03:04:05 MANAGEMENT: CMD 'PASSWORD \"Auth\" \"hunter2\"'\n")
    env = fake_env({"/x/ovpn_1.log": (text, 1.0)}, home="/home/a")
    cap = vpn_sources(env, Platform.LINUX, log_path="/x/ovpn_1.log")[0]
    assert "SESS_ID" not in cap.text and "hunter2" not in cap.text
    assert "auth-token [removed]" in cap.text
