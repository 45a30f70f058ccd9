"""vpn_sources (I/O through a fake Env) and attach_vpn_evidence (pure)."""
from pathlib import Path

from agent.model import Platform, RawCapture, SamlState, Snapshot, SourceCapture, SourceKind, TunnelMode, VpnClient
from platforms.base import CommandError, CommandResult, Env
from platforms.vpn_evidence import (CLI_CONNECTIONS_SOURCE, CLI_STATUS_SOURCE, CLIENT_LOG_SOURCE, DNS_LOG_SOURCE,
                                    JOURNAL_ARGV, JOURNAL_SOURCE, LOG_SOURCE, PROFILE_SOURCE, SERVICE_LOG_SOURCE,
                                    attach_vpn_evidence, list_files, pushed_dns, vpn_sources)

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"


def _log(name: str) -> str:
    return (FIXTURES / f"openvpn-log--{name}.out").read_text(encoding="utf-8")


def fake_env(files: dict[str, tuple[str, float]], home: str, environ: dict | None = None,
             commands: dict[tuple[str, ...], str | Exception] | None = None, which: dict | None = None,
             ran: list | None = None) -> Env:
    """files: path -> (text, mtime); commands: argv -> stdout (or the CommandError to raise);
    which: command name -> path.  Unknown commands are "not installed"."""
    def read(path):
        if path not in files:
            raise FileNotFoundError(path)
        return files[path][0]

    def listdir(d):
        found = [(p, m) for p, (_t, m) in files.items() if p.rsplit("/" if "/" in p else "\\", 1)[0] == d]
        if not found:
            raise FileNotFoundError(d)
        return found

    def run(argv, timeout_s, stdin=None):
        assert timeout_s and timeout_s <= 5
        if ran is not None:
            ran.append(tuple(argv))
        out = (commands or {}).get(tuple(argv))
        if out is None:
            raise CommandError(f"{argv[0]} is not installed (not found on PATH)")
        if isinstance(out, Exception):
            raise out
        return CommandResult(out, "", 0, 0.01)
    return Env(read=read, run=run, extra={"listdir": listdir, "home": home, "environ": environ or {"USER": "alice"},
                                          "which": lambda name: (which or {}).get(name),
                                          "processes": lambda: [],
                                          "exists": lambda path: False})


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


# --------------------------------------------------------------------------- every AWS client source


def test_linux_finds_every_aws_source_and_merges_them():
    gui = _log("aws-gui-6x-saml-required-then-connected")
    cli = "/opt/awsvpnclient/aws-vpn-client"
    env = fake_env({
        "/home/alice/.config/AWSVPNClient/logs/ovpn_aws_vpn_client_20241006.log": (_log("rhel-split-custom-dns"), 200.0),
        "/home/alice/.config/AWSVPNClient/logs/aws_vpn_client_gui_20250304.log": (gui, 300.0),
        "/var/log/aws-vpn-client/alice/aws_vpn_client_service.log":
            (_log("aws-service-fedora36-configure-dns-failed"), 150.0),
        "/var/log/aws-vpn-client/configure-dns-up.log": (_log("aws-configure-dns-fedora40-4.1.0"), 120.0),
        "/home/alice/.config/AWSVPNClient/OpenVpnConfigs/corp-vpn": (
            (FIXTURES / "ovpn-profile--export-us-west-2.out").read_text(), 50.0)},
        home="/home/alice",
        commands={JOURNAL_ARGV: _log("qubes-journal-openvpn-tun0"),
                  (cli, "list-connections"): (FIXTURES / "aws-vpn-cli--list-connections-one.out").read_text(),
                  (cli, "get-connection-status", "--profile-name", "corp-vpn"):
                      (FIXTURES / "aws-vpn-cli--list-connections-one.out").read_text()},
        which={"aws-vpn-client": cli})
    caps = {c.id: c for c in vpn_sources(env, Platform.LINUX)}
    assert caps[LOG_SOURCE].path.endswith("ovpn_aws_vpn_client_20241006.log")
    assert caps[CLIENT_LOG_SOURCE].path.endswith("aws_vpn_client_gui_20250304.log")
    assert caps[SERVICE_LOG_SOURCE].path == "/var/log/aws-vpn-client/alice/aws_vpn_client_service.log"
    assert caps[DNS_LOG_SOURCE].path == "/var/log/aws-vpn-client/configure-dns-up.log"
    assert caps[JOURNAL_SOURCE].argv == JOURNAL_ARGV and "tun0" in caps[JOURNAL_SOURCE].text
    assert caps[CLI_STATUS_SOURCE].argv == (cli, "get-connection-status", "--profile-name", "corp-vpn")

    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=tuple(caps.values()))
    snap = attach_vpn_evidence(_snap(), raw)
    vpn = snap.vpn
    # the configure-dns run (2024-11-18) is newer than the OpenVPN log's PUSH_REPLY (2024-10-06): its DNS
    # is the newer evidence, and with only the helper's options the tunnel mode is not known
    assert vpn.pushed.dns_servers == ("10.16.0.2",) and vpn.pushed.tunnel_mode is TunnelMode.UNKNOWN
    assert vpn.log_sources[0].endswith("ovpn_aws_vpn_client_20241006.log") and len(vpn.log_sources) == 5
    assert vpn.client is VpnClient.AWS_VPN_CLIENT
    assert vpn.saml is SamlState.COMPLETED and vpn.client_profile == "corp-vpn"
    assert vpn.cli_status == "Connected" and vpn.cli_connected is True
    assert vpn.log_device == "tun0"
    assert any("Failed running command" in e for e in vpn.log_errors)
    assert any(t.startswith("vpn: pushed options taken from") for t in snap.trace)
    assert Snapshot.from_dict(snap.to_dict()) == snap


def test_newest_whole_push_across_logs_and_partial_dns_when_nothing_else():
    def snap_of(*caps):
        return attach_vpn_evidence(_snap(), RawCapture(platform=Platform.LINUX, collected_at="x", sources=caps))

    ovpn = SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE, path="/l/ovpn_1.log", text=_log("rhel-split-custom-dns"))
    dns = SourceCapture(id=DNS_LOG_SOURCE, kind=SourceKind.FILE, path="/v/configure-dns-up.log",
                        text=_log("aws-configure-dns-fedora40-4.1.0"))
    older_dns = SourceCapture(id=DNS_LOG_SOURCE, kind=SourceKind.FILE, path="/v/configure-dns-up.log",
                              text=_log("aws-configure-dns-fedora40-4.1.0").replace("2024", "2023"))
    # configure-dns ran after the logged PUSH_REPLY (2024-11-18 > 2024-10-06): its DNS is the newer evidence
    newer = snap_of(ovpn, dns).vpn.pushed
    assert newer.dns_servers == ("10.16.0.2",) and newer.tunnel_mode is TunnelMode.UNKNOWN
    # ...but an older helper run never replaces a whole push
    whole = snap_of(ovpn, older_dns)
    assert whole.vpn.pushed.dns_servers == ("10.2.0.2",) and whole.vpn.pushed.tunnel_mode is TunnelMode.SPLIT
    assert any("names other pushed DNS servers" in t for t in whole.trace)
    # only the helper's log: its DNS is what was pushed, the tunnel mode stays unknown
    only = snap_of(dns).vpn
    assert only.pushed.dns_servers == ("10.16.0.2",) and only.pushed.tunnel_mode is TunnelMode.UNKNOWN
    assert only.connected is None


def test_journal_and_cli_missing_are_quiet():
    env = fake_env({}, home="/home/alice",
                   commands={JOURNAL_ARGV: CommandError("journalctl is not installed (not found on PATH)")})
    caps = {c.id: c for c in vpn_sources(env, Platform.LINUX)}
    assert caps[JOURNAL_SOURCE].text is None and "not installed" in caps[JOURNAL_SOURCE].error
    assert caps[CLI_CONNECTIONS_SOURCE].text is None and CLI_STATUS_SOURCE not in caps
    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=tuple(caps.values()))
    snap = attach_vpn_evidence(_snap(), raw)
    assert snap.errors == ()       # absence is no collection error, and no evidence either
    assert snap.vpn.pushed is None and snap.vpn.connected is None and snap.vpn.cli_connected is None
    assert any(t.startswith("vpn-journal: journalctl is not installed") for t in snap.trace)
    assert any("aws-vpn-client command is not installed" in t for t in snap.trace)


def test_cli_status_from_profile_on_disk_when_nothing_listed():
    cli = "C:\\Program Files\\Amazon\\AWS VPN Client\\aws-vpn-client.exe"
    appdata = "C:\\Users\\bob\\AppData\\Roaming"
    ran: list = []
    env = fake_env({f"{appdata}\\AWSVPNClient\\OpenVpnConfigs\\corp": ("client\nremote x 443\n", 1.0)},
                   home="C:\\Users\\bob", environ={"APPDATA": appdata, "USERNAME": "bob"},
                   commands={(cli, "list-connections"): "[]",
                             (cli, "get-connection-status", "--profile-name", "corp"):
                                 (FIXTURES / "aws-vpn-cli--connection-status-disconnected.out").read_text()},
                   which={"aws-vpn-client.exe": cli}, ran=ran)
    caps = {c.id: c for c in vpn_sources(env, Platform.WINDOWS)}
    assert JOURNAL_SOURCE not in caps and DNS_LOG_SOURCE not in caps
    assert ran == [(cli, "list-connections"), (cli, "get-connection-status", "--profile-name", "corp")]
    vpn = attach_vpn_evidence(_snap(), RawCapture(platform=Platform.WINDOWS, collected_at="x",
                                                   sources=tuple(caps.values()))).vpn
    assert vpn.cli_status == "Disconnected" and vpn.cli_connected is False and vpn.client_profile == "corp-vpn"


def test_service_and_gui_log_places_per_os():
    env = fake_env({"C:\\ProgramData\\Amazon\\AWSVPNClient\\logs\\ovpn_aws_vpn_client_1.log":
                    (_log("rhel-split-custom-dns"), 5.0),
                    "C:\\Program Files\\Amazon\\AWS VPN Client\\WinServiceLogs\\bob\\service.log":
                    (_log("aws-service-fedora36-configure-dns-failed"), 4.0)},
                   home="C:\\Users\\bob", environ={"USERNAME": "bob"})
    caps = {c.id: c for c in vpn_sources(env, Platform.WINDOWS)}
    assert caps[LOG_SOURCE].path.endswith("ovpn_aws_vpn_client_1.log")
    assert caps[SERVICE_LOG_SOURCE].path.endswith("WinServiceLogs\\bob\\service.log")
    env = fake_env({"/var/log/AWSVPNClient/aws_vpn_client_gui_20250305.log":
                    (_log("aws-gui-6x-saml-never-completed"), 9.0)}, home="/Users/carol")
    caps = {c.id: c for c in vpn_sources(env, Platform.MACOS)}
    assert caps[CLIENT_LOG_SOURCE].path == "/var/log/AWSVPNClient/aws_vpn_client_gui_20250305.log"
    vpn = attach_vpn_evidence(_snap(), RawCapture(platform=Platform.MACOS, collected_at="x",
                                                   sources=tuple(caps.values()))).vpn
    assert vpn.saml is SamlState.PENDING and vpn.connected is False and vpn.pushed is None


def test_server_log_is_ignored_with_a_trace():
    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=(
        SourceCapture(id=JOURNAL_SOURCE, kind=SourceKind.COMMAND, argv=JOURNAL_ARGV,
                      text=_log("server-pivpn-syslog-not-client")),))
    snap = attach_vpn_evidence(_snap(), raw)
    assert snap.vpn.log_device is None and snap.vpn.log_sources == ()
    assert any("server's* log" in t for t in snap.trace)


def test_skipped_lines_are_traced():
    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=(
        SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE, path="/l.log", text=_log("android-masked-full-tunnel")),))
    snap = attach_vpn_evidence(_snap(), raw)
    assert snap.vpn.pushed.tunnel_mode is TunnelMode.FULL
    assert any(t.startswith("vpn-log: skipped: pushed option 'dhcp-option DNS A.B.C.D'") for t in snap.trace)


def test_pushed_dns_for_route_lookups_from_every_log():
    caps = (SourceCapture(id=DNS_LOG_SOURCE, kind=SourceKind.FILE, path="/d",
                          text=_log("aws-configure-dns-fedora40-4.1.0")),
            SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE, path="/l", text=_log("rhel-split-custom-dns")),
            SourceCapture(id=JOURNAL_SOURCE, kind=SourceKind.COMMAND, text=_log("server-pivpn-syslog-not-client")))
    assert pushed_dns(caps) == ("10.16.0.2", "10.2.0.2")


def test_what_counts_as_a_captured_vpn_log():
    from agent.model import Evidence

    def captured(*caps):
        return attach_vpn_evidence(_snap(), RawCapture(platform=Platform.LINUX, collected_at="x", sources=caps)).captured

    gui = SourceCapture(id=CLIENT_LOG_SOURCE, kind=SourceKind.FILE, path="/g.log",
                        text=_log("aws-gui-6x-saml-never-completed"))
    journal = SourceCapture(id=JOURNAL_SOURCE, kind=SourceKind.COMMAND, argv=JOURNAL_ARGV,
                            text=_log("qubes-journal-openvpn-tun0"))
    ovpn = SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE, path="/l.log", text=_log("tunnelblick-connection-reset"))
    # a GUI log never holds a push, a journal excerpt without one proves nothing: "no push" stays unknown
    assert Evidence.VPN_LOG not in captured(gui, journal)
    # OpenVPN's own log without a PUSH_REPLY does say none was logged
    assert Evidence.VPN_LOG in captured(ovpn)


def test_an_empty_journal_is_no_log_read():
    raw = RawCapture(platform=Platform.LINUX, collected_at="x", sources=(
        SourceCapture(id=JOURNAL_SOURCE, kind=SourceKind.COMMAND, argv=JOURNAL_ARGV, text="", exit_code=0),))
    snap = attach_vpn_evidence(_snap(), raw)
    assert snap.vpn.log_sources == () and any(t == "vpn-journal: journalctl: empty" for t in snap.trace)
