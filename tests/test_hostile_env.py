"""A hostile machine: commands that hang or flood, missing binaries, unreadable and dangling
files, no privileges, Ctrl-C while probing, and output files that cannot be written.

The real ``platforms.base.run_command`` / ``read_file`` / ``capture_source`` run here (no
fakes).  Time asserts are hang bounds.  Tests that need another user (root dropping to
nobody with setpriv) or a network namespace (``unshare -n``) skip with the reason where the
machine cannot do that; under .ci/run (root, CVPN_DOCTOR_MUST_RUN_ALL=1) they must run.
Facilities an OS lacks (/proc, /dev/full, mkfifo, fork, preexec_fn, SIGINT to one process,
POSIX permission bits, execute bits) skip there with the reason in tests/platform_limits.py.

No packet leaves loopback: the CLI runs either ``analyze`` (offline), ``probe`` against a
black hole on 127.0.0.1, or ``diagnose`` inside a network namespace created by the test,
where nothing but ``lo`` exists.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agent.commands import ExitStatus
from agent.model import Platform, RawCapture, Snapshot
from platforms.base import (MAX_OUTPUT_BYTES, CommandError, Env, Source, capture_source, read_file,
                            run_command)
from tests import platform_limits as limits
from tests.conftest import ROOT, must_run_all

WRITE_FAILED = ExitStatus.WRITE_FAILED

PY = sys.executable
NOBODY = 65534
SETPRIV = shutil.which("setpriv")
UNSHARE = shutil.which("unshare")


def _bounded(seconds: float):
    """Context: assert the block ends within ``seconds``."""
    class _B:
        def __enter__(self):
            self.t0 = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.elapsed = time.perf_counter() - self.t0
            assert exc[0] is not None or self.elapsed < seconds, f"took {self.elapsed:.2f} s (bound {seconds} s)"
    return _B()


def _skip_or_fail(reason: str):
    if must_run_all():
        pytest.fail(f"must run under .ci/run: {reason}")
    pytest.skip(reason)


def _nobody_env(home: Path | None = None) -> dict:
    # The checkout and the venv's site-packages on the path, so an interpreter outside the
    # venv (when the venv's own points into a directory nobody may enter, e.g. /root/.pyenv)
    # still runs the product and its dependencies.
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", NO_COLOR="1",
               PYTHONPATH=os.pathsep.join([str(ROOT), *site]))
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("CVPN_DOCTOR_LOGLEVEL", None)
    if home is not None:
        env["HOME"] = str(home)
    return env


_NOBODY_PY: list = []


def _nobody_python() -> str | None:
    """An interpreter nobody can run (and whose children can run it again), or None."""
    if _NOBODY_PY:
        return _NOBODY_PY[0]
    found = None
    if limits.is_root() and SETPRIV is not None:
        ver = f"{sys.version_info.major}.{sys.version_info.minor}"
        for cand in dict.fromkeys([sys.executable, shutil.which(f"python{ver}"), f"/usr/bin/python{ver}"]):
            if not cand or not os.path.exists(cand):
                continue
            code = ("import subprocess, sys, typer, dns, psutil, pytest, agent;"
                    "sys.exit(subprocess.run([sys.executable, '-c', '0']).returncode)")
            probe = subprocess.run([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", cand, "-c",
                                    code], capture_output=True, timeout=30, check=False, cwd="/",
                                   env=_nobody_env(Path("/nonexistent")))
            if probe.returncode == 0:
                found = cand
                break
    _NOBODY_PY.append(found)
    return found


def _can_drop_privileges() -> bool:
    return _nobody_python() is not None


def _as_nobody(argv: list[str], home: Path, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run ``argv`` as nobody; an argv starting with PY runs under the nobody-usable interpreter."""
    home.mkdir(parents=True, exist_ok=True)
    os.chown(home, NOBODY, NOBODY)
    if argv and argv[0] == PY:
        argv = [_nobody_python(), *argv[1:]]
    return subprocess.run([SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv],
                          capture_output=True, text=True, timeout=timeout, env=_nobody_env(home), cwd=ROOT,
                          check=False, **kw)


@pytest.fixture
def open_tmp():
    """A temp dir nobody can traverse (pytest's tmp_path lives under a 0700 directory)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="cvpn-hostile-"))
    path.chmod(0o755)
    yield path
    for p in path.rglob("*"):   # read-only dirs made by a test must be deletable
        if p.is_dir() and not p.is_symlink():
            p.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- commands


def test_a_hanging_command_is_stopped_at_its_timeout():
    with _bounded(0.5 + 1.5):
        with pytest.raises(CommandError, match="did not finish within 0.5 s"):
            run_command((PY, "-c", "import time; time.sleep(30)"), timeout_s=0.5)


def test_a_hanging_command_whose_child_keeps_the_pipe_open_is_still_stopped():
    """The grandchild inherits stdout; run_command must not wait for it to close the pipe."""
    code = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(4)']); time.sleep(30)"
    with _bounded(0.5 + 1.5):
        cap = capture_source(Source("hang", argv=(PY, "-c", code), timeout_s=0.5), Env())
    assert cap.text is None and "did not finish" in cap.error


def test_a_stopped_command_keeps_what_it_printed_before_the_stop():
    """A timeout keeps the output read so far (the Windows collection prints one line per
    section, so a slow machine still yields the sections printed before the stop); only
    sources that ask for it (keep_partial) get the cut text, with the timeout as the error."""
    code = "import time; print('{\"cvpnDoctor\": 2, \"section\": \"header\"}', flush=True); time.sleep(30)"
    with _bounded(3.0 + 1.5):
        with pytest.raises(CommandError) as stopped:
            run_command((PY, "-c", code), timeout_s=3.0)
    assert stopped.value.partial is not None
    assert stopped.value.partial.stdout.startswith('{"cvpnDoctor": 2')
    kept = capture_source(Source("powershell", argv=(PY, "-c", code), timeout_s=3.0, keep_partial=True), Env())
    assert kept.text.startswith('{"cvpnDoctor": 2') and "did not finish within 3 s" in kept.error
    plain = capture_source(Source("other", argv=(PY, "-c", code), timeout_s=3.0), Env())
    assert plain.text is None and "did not finish" in plain.error


def test_a_command_printing_megabytes_is_cut_and_marked():
    size = MAX_OUTPUT_BYTES * 2 + 123
    code = f"import sys; sys.stdout.write('x' * {size}); sys.stderr.write('e' * 200000)"
    with _bounded(10):
        cap = capture_source(Source("flood", argv=(PY, "-c", code), timeout_s=10), Env())
    assert cap.truncated is True
    assert len(cap.text) == MAX_OUTPUT_BYTES
    assert cap.error is None and cap.exit_code == 0
    assert len(cap.stderr) <= 65536


@pytest.mark.skipif(limits.MACOS, reason=limits.NO_PEAK_RSS)
def test_a_command_flooding_until_its_timeout_is_stopped_in_bounded_memory():
    """Endless output: stopped at the timeout, and the flood costs no memory.  Regression:
    subprocess.run buffered everything (1.8 GB peak RSS and 3.6 s for a 1 s timeout)."""
    code = textwrap.dedent("""
        import sys, time
        from platforms.base import Env, Source, capture_source
        flood = "import sys\\nwhile True: sys.stdout.write('y' * 65536)"
        t0 = time.perf_counter()
        cap = capture_source(Source("endless", argv=(sys.executable, "-c", flood), timeout_s=1.0), Env())
        if sys.platform == "win32":   # PeakWorkingSetSize, in bytes
            import psutil
            hwm = psutil.Process().memory_info().peak_wset // 1024
        else:
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss across execve, so it would report
            # the peak of the (large) pytest process this one was forked from.
            hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
        print(cap.error, "|", round(time.perf_counter() - t0, 2), "|", hwm // 1024)
    """)
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT, check=False)
    error, took, rss_mb = (x.strip() for x in out.stdout.split("|"))
    assert "did not finish" in error, out.stderr
    assert float(took) < 1.0 + 1.0
    assert int(rss_mb) < 200, f"peak RSS {rss_mb} MB while draining a flood"


def test_a_missing_binary_is_a_capture_error():
    cap = capture_source(Source("nope", argv=("cvpn-doctor-no-such-binary-xyz", "--dns")), Env())
    assert cap.text is None and "not installed" in cap.error
    with pytest.raises(CommandError, match="not installed"):
        run_command(("cvpn-doctor-no-such-binary-xyz",), timeout_s=1)


@pytest.mark.skipif(limits.WINDOWS, reason=limits.NO_EXEC_BIT)
def test_a_non_executable_file_is_a_capture_error(tmp_path):
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\necho hi\n")
    tool.chmod(0o644)
    cap = capture_source(Source("noexec", argv=(str(tool),)), Env())
    assert cap.text is None and "no permission" in cap.error


def test_a_failing_command_keeps_its_exit_code_and_first_stderr_line():
    cap = capture_source(Source("fails", argv=(PY, "-c", "import sys; sys.stderr.write('boom\\nmore'); sys.exit(4)")),
                         Env())
    assert cap.exit_code == 4 and cap.error.endswith("exited with status 4: boom")


# --------------------------------------------------------------------------- files


def test_resolv_conf_as_a_dangling_symlink(tmp_path):
    if not limits.can_symlink(tmp_path):
        pytest.skip("this Windows account may not create symbolic links (no privilege, no developer mode)")
    link = tmp_path / "resolv.conf"
    link.symlink_to(tmp_path / "run" / "systemd" / "resolve" / "stub-resolv.conf")
    cap = capture_source(Source("resolv.conf", path=str(link)), Env())
    assert cap.text is None and "does not exist" in cap.error
    from platforms.linux import LinuxAdapter
    snap = LinuxAdapter().parse(RawCapture(platform=Platform.LINUX, collected_at="2026-11-28T12:00:00Z",
                                           sources=(cap,)))
    assert isinstance(snap, Snapshot)
    assert any(e.source == "resolv.conf" for e in snap.errors)


def test_resolv_conf_as_a_symlink_loop_or_a_directory(tmp_path):
    directory = capture_source(Source("resolv.conf", path=str(tmp_path)), Env()).error
    assert "could not read" in directory and "is a directory" in directory   # the same words on every OS
    if not limits.can_symlink(tmp_path):
        pytest.skip("this Windows account may not create symbolic links (no privilege, no developer mode)")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    assert "could not read" in capture_source(Source("resolv.conf", path=str(loop)), Env()).error


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason=limits.NO_MKFIFO)
def test_a_fifo_in_place_of_a_file_does_not_hang(tmp_path):
    """Opening a FIFO blocks until a writer appears; read_file must refuse it at once."""
    fifo = tmp_path / "resolv.conf"
    os.mkfifo(fifo)
    code = f"from platforms.base import *; print(capture_source(Source('r', path={str(fifo)!r}), Env()).error)"
    with _bounded(10):
        out = subprocess.run([PY, "-c", code], capture_output=True, text=True, timeout=10, cwd=ROOT, check=False)
    assert "not a regular file" in out.stdout, out.stderr


def test_a_file_larger_than_the_limit_is_read_up_to_the_limit(tmp_path):
    big = tmp_path / "big.log"
    with open(big, "wb") as fh:
        fh.write(b"z" * (MAX_OUTPUT_BYTES + 1000))
    assert len(read_file(str(big))) == MAX_OUTPUT_BYTES


@pytest.mark.skipif(limits.WINDOWS, reason=limits.NO_POSIX_PERMISSIONS)
def test_a_permission_denied_file_is_a_capture_error(open_tmp):
    tmp_path = open_tmp
    secret = tmp_path / "resolv.conf"
    secret.write_text("nameserver 10.0.0.2\n")
    secret.chmod(0o000)
    if not limits.is_root():
        cap = capture_source(Source("resolv.conf", path=str(secret)), Env())
        assert cap.text is None and "no permission" in cap.error
        return
    if not _can_drop_privileges():
        _skip_or_fail("root without setpriv: root reads any file, cannot test permission denied")
    tmp_path.chmod(0o755)
    code = (f"from platforms.base import *; c = capture_source(Source('resolv.conf', path={str(secret)!r}), Env());"
            " print(c.error)")
    out = _as_nobody([PY, "-c", code], tmp_path / "home")
    assert out.returncode == 0, out.stderr
    assert "no permission to read" in out.stdout


# --------------------------------------------------------------------------- no privileges


def test_cli_tests_pass_as_an_unprivileged_user(open_tmp):
    tmp_path = open_tmp
    """tests/test_cli.py again, as nobody (uid 65534) on this readable checkout."""
    if not _can_drop_privileges():
        _skip_or_fail("needs root with setpriv to drop to nobody")
    basetemp = tmp_path / "pytest"
    basetemp.mkdir()
    os.chown(basetemp, NOBODY, NOBODY)
    out = _as_nobody([PY, "-m", "pytest", "tests/test_cli.py", "-q", "-p", "no:cacheprovider", "-x",
                      f"--basetemp={basetemp}"], tmp_path / "home", timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "passed" in out.stdout


def test_collect_needs_no_privileges(open_tmp):
    tmp_path = open_tmp
    """``collect`` (no packets) as nobody: a snapshot, not a permission failure."""
    if not _can_drop_privileges():
        _skip_or_fail("needs root with setpriv to drop to nobody")
    tmp_path.chmod(0o755)
    out = _as_nobody([PY, "-m", "agent", "collect", "--json"], tmp_path / "home")
    assert out.returncode in (0, 3), out.stderr
    assert out.stdout.strip(), out.stderr
    snap = Snapshot.from_dict(json.loads(out.stdout))
    assert not [e for e in snap.errors if "permission" in e.message.lower()], snap.errors


# --------------------------------------------------------------------------- Ctrl-C


class BlackHole:
    """UDP socket that never replies and a TCP listener that never accepts, on loopback."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        for _ in range(50):
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind((host, port))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.tcp.bind((host, self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        self.tcp.listen(256)

    def close(self) -> None:
        self.udp.close()
        self.tcp.close()


@pytest.mark.skipif(limits.WINDOWS, reason=limits.NO_SIGINT)
def test_ctrl_c_during_probe_exits_130_promptly():
    hole = BlackHole()
    try:
        proc = subprocess.Popen([PY, "-m", "agent", "probe", f"127.0.0.1#{hole.port}", "--count", "50",
                                 "--timeout", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        # Interrupt once it is probing (its first query reached the black hole), not after a
        # fixed sleep: on a loaded machine the interpreter may still be importing after 1 s,
        # before the CLI's handler exists (seen: exit 1 instead of 130 under load).
        hole.udp.settimeout(20)
        try:
            hole.udp.recvfrom(512)
        except socket.timeout:
            proc.kill()
            proc.communicate(timeout=5)
            pytest.fail("the probe sent nothing within 20 s")
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=5)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        took = time.perf_counter() - t0
    finally:
        hole.close()
    assert proc.returncode == 130, (proc.returncode, err)
    assert "interrupted" in err and "Traceback" not in err
    assert took < 2.0, f"exit took {took:.2f} s after SIGINT"


_NETNS_DIAGNOSE = textwrap.dedent("""
    import json, os, signal, socket, subprocess, sys, time
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM); tcp.bind(("127.0.0.1", 53)); tcp.listen(256)
    out_dir = sys.argv[1]
    argv = [sys.executable, "-m", "agent", "diagnose", "--config", os.path.join(out_dir, "org.toml"),
            "--timeout", "30", "--markdown", os.path.join(out_dir, "report.md"),
            "--bundle", os.path.join(out_dir, "bundle.zip")]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Time from its first query (it reached the black hole), not from the start: a loaded
    # machine may still be importing after seconds.  The first probes fly while the rest is
    # collected (overlap); 3 s later the collection is over and the probes wait on the hole.
    udp.settimeout(float(sys.argv[2]))
    try:
        udp.recvfrom(512)
    except socket.timeout:
        pass
    time.sleep(3.0)
    early = proc.poll()
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill(); out, err = proc.communicate(timeout=5)
    print(json.dumps({"rc": proc.returncode, "early": early, "took": time.perf_counter() - t0,
                      "stdout": out, "stderr": err}))
""")


def test_ctrl_c_during_diagnose_writes_a_partial_report(tmp_path):
    """diagnose in a fresh network namespace (only lo: no packet can leave), an expected DNS
    server that is a black hole on 127.0.0.1:53, a 30 s deadline, SIGINT 3 s after its first query:
    exit 130, and the asked-for Markdown and bundle hold the collected snapshot."""
    if UNSHARE is None or not limits.is_root():
        _skip_or_fail("needs root and unshare to make a network namespace")
    check = subprocess.run([UNSHARE, "-n", "true"], capture_output=True, timeout=10, check=False)
    if check.returncode != 0:
        _skip_or_fail(f"cannot create a network namespace: {check.stderr.decode(errors='replace').strip()}")
    (tmp_path / "org.toml").write_text('expected_dns = ["127.0.0.1"]\ncanary = "canary.invalid"\n')
    res = subprocess.run([UNSHARE, "-n", PY, "-c", _NETNS_DIAGNOSE, str(tmp_path), "20"], capture_output=True,
                         text=True, timeout=90, cwd=ROOT, check=False)
    assert res.returncode == 0, res.stderr
    got = json.loads(res.stdout.strip().splitlines()[-1])
    assert got["early"] is None, f"diagnose ended before the interrupt: {got}"
    assert got["rc"] == 130, got
    assert got["took"] < 8.0, got      # far inside the 30 s deadline: the interrupt ended it
    assert got["stdout"] == "", "an interrupted run prints no report on stdout"
    assert "partial report" in got["stderr"] and "Traceback" not in got["stderr"], got["stderr"]
    md = (tmp_path / "report.md").read_text()
    assert "interrupted (Ctrl-C)" in md and "probes had finished" in md
    assert (tmp_path / "bundle.zip").stat().st_size > 0
    import zipfile
    with zipfile.ZipFile(tmp_path / "bundle.zip") as zf:
        assert zf.testzip() is None
    assert not [p.name for p in tmp_path.iterdir() if ".tmp" in p.name]


# --------------------------------------------------------------------------- output files


@pytest.fixture(scope="module")
def saved_report(tmp_path_factory) -> Path:
    """A report.json for ``analyze`` (offline: no collection, no packets)."""
    from agent.run import assemble
    from tests import builders

    snap = builders.snapshot(resolvers=(builders.resolver("10.0.0.2"),))
    run = builders.run(builders.ok("10.0.0.2", [builders.CANARY]))
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="cvpn-saved-"))
    folder.chmod(0o755)
    path = folder / "report.json"
    path.write_text(json.dumps(assemble(None, snap, run, run.names).to_dict()))
    path.chmod(0o644)
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def _analyze(saved: Path, *extra: str, preexec=None) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "agent", "analyze", str(saved), *extra], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False, preexec_fn=preexec)


@pytest.mark.skipif(not limits.has_dev_full(), reason=limits.NO_DEV_FULL)
def test_markdown_to_a_full_device_is_a_clear_error(saved_report):
    res = _analyze(saved_report, "--markdown", "/dev/full")
    assert res.returncode == WRITE_FAILED, res.stderr
    assert "could not write /dev/full" in res.stderr and "No space left" in res.stderr
    assert "Traceback" not in res.stderr
    assert Path("/dev/full").is_char_device(), "the device node must never be replaced"


def _limit_file_size():
    import resource
    # Writes past 200 bytes fail with EFBIG (Python ignores SIGXFSZ): a disk that fills up.
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))


@pytest.mark.skipif(limits.WINDOWS, reason=limits.NO_RLIMIT)
def test_a_disk_filling_up_mid_write_leaves_nothing_half_written(saved_report, tmp_path):
    out = tmp_path / "report.md"
    res = _analyze(saved_report, "--markdown", str(out), preexec=_limit_file_size)
    assert res.returncode == WRITE_FAILED, res.stderr
    assert "could not write" in res.stderr and "Traceback" not in res.stderr
    assert list(tmp_path.iterdir()) == [], "no report and no temporary file may be left"


@pytest.mark.skipif(not hasattr(os, "fork"), reason=limits.NO_FORK)
def test_bundle_when_the_disk_fills_leaves_nothing_half_written(saved_report, tmp_path):
    out = tmp_path / "bundle.zip"
    from agent import bundle as bundle_mod
    from agent.model import Report
    report = Report.from_dict(json.loads(saved_report.read_text()))
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child: write under a file-size limit, report by exit code
        code = 0
        try:
            _limit_file_size()
            bundle_mod.write_bundle(report, out)
            code = 10
        except bundle_mod.BundleError:
            code = 20
        except BaseException:  # noqa: BLE001 - any other escape is the failure we test for
            code = 30
        os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 20, "a full disk must be a BundleError"
    assert list(tmp_path.iterdir()) == [], "no partial zip and no temporary file"


@pytest.mark.skipif(limits.WINDOWS, reason=limits.NO_POSIX_PERMISSIONS)
def test_output_to_a_read_only_directory_is_a_clear_error(saved_report, open_tmp):
    tmp_path = open_tmp
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    tmp_path.chmod(0o755)
    argv = [PY, "-m", "agent", "analyze", str(saved_report), "--markdown", str(ro / "report.md")]
    if limits.is_root():
        if not _can_drop_privileges():
            _skip_or_fail("root writes into read-only directories; needs setpriv to drop to nobody")
        res = _as_nobody(argv, tmp_path / "home")
    else:
        res = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT, check=False)
    assert res.returncode == WRITE_FAILED, res.stderr
    assert "could not write" in res.stderr and "Permission denied" in res.stderr
    assert "Traceback" not in res.stderr
    assert list(ro.iterdir()) == []


def test_output_into_a_missing_directory_is_a_clear_error(saved_report, tmp_path):
    res = _analyze(saved_report, "--markdown", str(tmp_path / "no" / "such" / "report.md"))
    assert res.returncode == WRITE_FAILED and "could not write" in res.stderr and "Traceback" not in res.stderr
