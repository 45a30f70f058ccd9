"""Offline analysis: saved reports, bundles, folders and pasted files give the same diagnosis."""
import json
import shutil
import zipfile
from pathlib import Path

import pytest

import planted
from agent import analyze, bundle
from agent.model import Platform, Report

FIX = planted.FIXTURES


def same_diagnosis(a: Report, b: Report) -> None:
    assert a.scenario.id == b.scenario.id
    assert [(f.code, f.severity) for f in a.findings] == [(f.code, f.severity) for f in b.findings]
    assert a.verdict == b.verdict


@pytest.mark.parametrize("redact", [True, False])
def test_bundle_round_trip(tmp_path: Path, redact: bool):
    report = planted.planted_report()
    assert report.findings   # a diagnosis worth reproducing
    path = bundle.write_bundle(report, tmp_path / "x.zip", force=False, redact=redact)
    result = analyze.analyze_path(path)
    same_diagnosis(result.report, report)
    assert result.recognised == (("report.json", "report.json"),)
    assert result.report.probes == (bundle_report(path).probes)   # recorded probes were used
    assert result.report.context["analyzed"] == str(path)


def bundle_report(path: Path) -> Report:
    with zipfile.ZipFile(path) as zf:
        return Report.from_dict(json.loads(zf.read("report.json")))


def test_report_json_and_unzipped_bundle(tmp_path: Path):
    report = planted.planted_report()
    p = tmp_path / "report.json"
    p.write_text(json.dumps(report.to_dict()))
    same_diagnosis(analyze.analyze_path(p).report, report)
    zpath = bundle.write_bundle(report, tmp_path / "x.zip", force=False, redact=True)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(zpath) as zf:
        zf.extractall(folder)
    same_diagnosis(analyze.analyze_path(folder).report, report)
    # Without report.json, the raw/ files are read back by their headers.
    (folder / "report.json").unlink()
    result = analyze.analyze_path(folder)
    ids = {sid for _f, sid in result.recognised}
    assert {"resolv.conf", "resolvectl", "ip-route", "interfaces", "vpn-log", "vpn-profile"} <= ids
    assert result.report.scenario.id == report.scenario.id


def test_folder_of_pasted_outputs_recognised_by_content(tmp_path: Path):
    names = {"a.txt": "linux/resolvectl--v239-tun0-no-defaultroute.out",
             "b.txt": "linux/resolv_conf--systemd-stub.out",
             "c.txt": "linux/ip_route4--netns-full-tunnel.out",
             "d.txt": "vpn/openvpn-log--rhel-split-custom-dns.out",
             "e.txt": "vpn/ovpn-profile--export-us-west-2.out"}
    for name, rel in names.items():
        shutil.copy(FIX / rel, tmp_path / name)
    (tmp_path / "notes.txt").write_text("the VPN says connected but nothing works\n")
    result = analyze.analyze_path(tmp_path, platform_hint=Platform.MACOS)
    assert dict(result.recognised) == {"a.txt": "resolvectl", "b.txt": "resolv.conf", "c.txt": "ip-route",
                                       "d.txt": "vpn-log", "e.txt": "vpn-profile"}
    assert result.unrecognised == ("notes.txt",)
    assert result.report.platform is Platform.LINUX
    assert any("--platform macos ignored" in n for n in result.notes)
    snap = result.report.snapshot
    assert snap.vpn.pushed.dns_servers == ("10.2.0.2",)
    assert snap.vpn.profile.region == "us-west-2"
    assert result.report.probe_skipped


def test_single_pasted_file_and_platform_tie_break(tmp_path: Path):
    p = tmp_path / "paste.txt"
    shutil.copy(FIX / "macos/scutil-dns--tailscale-1891-default-en0.out", p)
    result = analyze.analyze_path(p)
    assert result.recognised == (("paste.txt", "scutil-dns"),) and result.report.platform is Platform.MACOS
    shutil.copy(FIX / "linux/resolv_conf--networkmanager.out", p)
    result = analyze.analyze_path(p, platform_hint=Platform.MACOS)
    assert result.report.platform is Platform.MACOS      # resolv.conf alone: the hint decides
    result = analyze.analyze_path(p, platform_hint=Platform.LINUX)
    assert result.report.platform is Platform.LINUX


def test_windows_paste(tmp_path: Path):
    shutil.copy(FIX / "windows/powershell--aws-split-multihomed.out", tmp_path / "ps.json")
    result = analyze.analyze_path(tmp_path / "ps.json")
    assert result.report.platform is Platform.WINDOWS
    assert result.recognised == (("ps.json", "powershell"),)


def test_nothing_recognised(tmp_path: Path):
    (tmp_path / "x.txt").write_text("hello\n")
    with pytest.raises(analyze.AnalyzeError, match="nothing in"):
        analyze.analyze_path(tmp_path)
    with pytest.raises(analyze.AnalyzeError, match="does not exist"):
        analyze.analyze_path(tmp_path / "missing.zip")


def test_broken_report_json(tmp_path: Path):
    p = tmp_path / "report.json"
    p.write_text(json.dumps({"tool": {}, "snapshot": {}, "scenario": {}, "verdict": "broken"}))
    with pytest.raises(analyze.AnalyzeError, match="does not fit the schema"):
        analyze.analyze_path(p)


def test_cli_diagnose_bundle_then_analyze(tmp_path: Path):
    """`diagnose --bundle x.zip` on this machine (no probes sent), then `analyze x.zip`."""
    from typer.testing import CliRunner

    from agent.cli import app

    runner = CliRunner()
    zpath = tmp_path / "x.zip"
    first = runner.invoke(app, ["diagnose", "--no-probe", "--json", "--bundle", str(zpath),
                                "--log", str(FIX / "vpn/openvpn-log--rhel-split-custom-dns.out"),
                                "--profile", str(FIX / "vpn/ovpn-profile--inline-keys-tcp-dns.out")])
    assert first.exit_code in (0, 1, 3), first.output
    assert zpath.exists()
    second = runner.invoke(app, ["analyze", "--json", str(zpath)])
    assert second.exit_code == first.exit_code, second.output
    a = json.loads(first.stdout)
    b = json.loads(second.stdout)
    assert a["scenario"]["id"] == b["scenario"]["id"]
    assert [f["code"] for f in a["findings"]] == [f["code"] for f in b["findings"]]
    assert a["verdict"] == b["verdict"]
    with zipfile.ZipFile(zpath) as zf:
        profile = next(zf.read(n).decode() for n in zf.namelist() if n.endswith("vpn-profile.txt"))
    assert "FAKEPRIVATEKEY" not in profile and "remote cvpn-endpoint-0a1b2c3d4e5f60718" in profile


def test_report_id_is_random_and_kept_by_analyze(tmp_path):
    """Every report gets a random id; re-analysing a saved report keeps it (help desks refer to
    a report by its id, never by a user name)."""
    import uuid

    from agent.analyze import analyze_path
    from planted import planted_report

    first, second = planted_report(), planted_report()
    assert first.report_id != second.report_id
    assert uuid.UUID(first.report_id).version == 4
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(first.to_dict()))
    assert analyze_path(saved).report.report_id == first.report_id
