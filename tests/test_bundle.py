"""Support bundle: contents, atomic writes, clear errors."""
import errno
import json
import zipfile
from pathlib import Path

import pytest

import planted
from tests import platform_limits
from agent import bundle
from agent.model import Report


def test_contents(tmp_path: Path):
    report = planted.planted_report()
    path = bundle.write_bundle(report, tmp_path / "x.zip", force=False, redact=True)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert {"README.txt", "report.json", "report.md"} <= set(names)
        raws = [n for n in names if n.startswith("raw/")]
        assert len(raws) == len(report.raw.sources)
        readme = zf.read("README.txt").decode()
        for n in raws:
            assert n in readme
        assert "Redaction" in readme and "Removed entirely" in readme
        loaded = Report.from_dict(json.loads(zf.read("report.json")))
        assert loaded.verdict == report.verdict and loaded.scenario == report.scenario
        route = next(zf.read(n).decode() for n in raws if n.endswith("-ip-route.txt"))
        assert "# command: ip -j -4 route show table all" in route
        assert "# exit code: 0" in route and "# duration: 0.010 s" in route
        assert route.split("# ---- output ----\n", 1)[1].startswith("[{")


def test_refuses_to_overwrite_without_force(tmp_path: Path):
    report = planted.planted_report()
    target = tmp_path / "x.zip"
    target.write_text("keep me")
    with pytest.raises(bundle.BundleError, match="exists; use --force"):
        bundle.write_bundle(report, target, force=False, redact=True)
    assert target.read_text() == "keep me"
    bundle.write_bundle(report, target, force=True, redact=True)
    assert zipfile.is_zipfile(target)


def test_missing_folder_and_folder_target(tmp_path: Path):
    report = planted.planted_report()
    with pytest.raises(bundle.BundleError, match="does not exist"):
        bundle.write_bundle(report, tmp_path / "nope" / "x.zip", force=False, redact=True)
    with pytest.raises(bundle.BundleError, match="is a folder"):
        bundle.write_bundle(report, tmp_path, force=False, redact=True)


_UNWRITABLE_AS_NOBODY = """
import sys
from pathlib import Path
sys.path.insert(0, "tests")
import planted
from agent import bundle
ro = Path(sys.argv[1]) / "ro"
ro.mkdir()
ro.chmod(0o500)
try:
    bundle.write_bundle(planted.planted_report(), ro / "x.zip", force=False, redact=True)
    print("written")
except bundle.BundleError as e:
    print(f"BundleError: {e}")
finally:
    ro.chmod(0o700)
print(sorted(p.name for p in ro.iterdir()))
"""


@pytest.mark.skipif(platform_limits.WINDOWS, reason=platform_limits.NO_POSIX_PERMISSIONS)
def test_unwritable_folder(tmp_path: Path):
    if platform_limits.is_root():
        # root writes anywhere: the same check as an unprivileged user (nobody), as CI runs as root
        import shutil
        import tempfile

        from tests.test_hostile_env import PY, _as_nobody, _can_drop_privileges, _skip_or_fail
        if not _can_drop_privileges():
            _skip_or_fail("root, and no way to run as nobody (setpriv, an interpreter nobody can run)")
        work = Path(tempfile.mkdtemp(prefix="cvpn-bundle-"))   # pytest's tmp_path is under a 0700 dir
        try:
            work.chmod(0o777)
            res = _as_nobody([PY, "-c", _UNWRITABLE_AS_NOBODY, str(work)], tmp_path / "home", timeout=120)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        assert res.returncode == 0, res.stderr
        lines = res.stdout.splitlines()
        assert lines[0].startswith("BundleError: ") and "no permission" in lines[0], res.stdout
        assert lines[-1] == "[]", "nothing left behind"
        return
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(bundle.BundleError, match="no permission"):
            bundle.write_bundle(planted.planted_report(), ro / "x.zip", force=False, redact=True)
    finally:
        ro.chmod(0o700)


def test_disk_full_leaves_nothing(tmp_path: Path):
    report = planted.planted_report()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    # fsync is the last step before the rename: a full disk surfaces there at the latest.
    with pytest.raises(bundle.BundleError, match="disk is full"):
        bundle.write_bundle(report, tmp_path / "x.zip", force=False, redact=True, fsync=full)
    assert list(tmp_path.iterdir()) == []


def test_no_redact_keeps_values_but_never_keys(tmp_path: Path):
    report = planted.planted_report()
    entries = bundle.build_entries(report, redact=False)
    assert planted.USER in entries["report.json"]
    assert "Redaction: OFF" in entries["README.txt"]
    assert "Not redacted." in entries["report.md"]


def test_raw_file_round_trip_header():
    from agent.analyze import _raw_header

    report = planted.planted_report()
    src = report.raw.sources[0]
    sid, body = _raw_header(bundle.render_raw(src))
    assert sid == src.id and body == src.text
