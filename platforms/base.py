"""What every platform adapter shares: declared sources, the injected environment, and
the one loop that runs sources into a RawCapture without ever raising for one source.

An adapter declares its sources (files to read, argv commands to run) sos-style;
``collect_sources`` runs them through an :class:`Env` (real or fake) and keeps the raw
text, exit code, duration and error of each.  Parsing is done elsewhere, purely.
"""
from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Iterable, Protocol, TypeGuard, TypeVar

from agent.model import CollectionError, Evidence, Platform, RawCapture, Snapshot, SourceCapture, SourceKind, utc_now

log = logging.getLogger(__name__)

MAX_OUTPUT_BYTES = 4 * 1024 * 1024   # a source printing more than this is cut (and marked truncated)
DEFAULT_COMMAND_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Source:
    """A declared source: a file to read or a command to run."""
    id: str
    path: str | None = None
    argv: tuple[str, ...] = ()
    timeout_s: float = DEFAULT_COMMAND_TIMEOUT_S
    stdin: str | None = None
    optional: bool = False   # absence is normal (e.g. resolvectl where resolved is not installed)
    # Keep what the command printed before a timeout stopped it (with the timeout as the
    # error).  Only for sources whose parser can tell a complete output from a cut one
    # (the Windows collection script ends with an "end" line); for the others a cut
    # output could be taken for the whole and turn "not captured" into "absent".
    keep_partial: bool = False

    @property
    def kind(self) -> SourceKind:
        return SourceKind.FILE if self.path is not None else SourceKind.COMMAND


@dataclass(frozen=True, slots=True)
class CommandResult:
    stdout: str
    stderr: str
    exit_code: int
    duration_s: float
    truncated: bool = False


class CommandError(Exception):
    """A command could not be run at all (missing binary, no permission) or did not finish
    (timeout).  ``partial`` holds what a stopped command had printed until then."""

    def __init__(self, message: str, partial: CommandResult | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class Runner(Protocol):
    def __call__(self, argv: tuple[str, ...], timeout_s: float, stdin: str | None = None) -> CommandResult: ...


class FileReader(Protocol):
    def __call__(self, path: str) -> str: ...


def decode_bytes(data: bytes) -> str:
    # Windows redirects and some tools emit UTF-16 with a BOM; everything else is UTF-8
    # (we force LC_ALL=C). Undecodable bytes are replaced, never fatal.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return data.decode("utf-8", errors="replace")


MAX_STDERR_BYTES = 65536
_PARTIAL_DRAIN_S = 0.5   # after a timeout's kill: how long to let the pipes drain


class _Drain:
    """Read one pipe to EOF in a daemon thread, keeping at most ``limit`` bytes and
    discarding the rest: an endless writer costs no memory (subprocess.run buffers it
    all -- 1.8 GB for one second of ``yes``-like output) and is never blocked on a full pipe."""

    def __init__(self, pipe, limit: int) -> None:
        self.pipe, self.limit = pipe, limit
        self.data = bytearray()
        self.seen = 0
        self.thread = threading.Thread(target=self._run, daemon=True, name="run_command-drain")
        self.thread.start()

    def _run(self) -> None:
        fd = self.pipe.fileno()
        try:
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                self.seen += len(chunk)
                room = self.limit - len(self.data)
                if room > 0:
                    self.data += chunk[:room]
        except OSError:
            return


def _feed(pipe, data: bytes) -> None:
    try:
        pipe.write(data)
    except OSError:
        pass  # the command exited without reading its input
    finally:
        try:
            pipe.close()
        except OSError:
            pass


def run_command(argv: tuple[str, ...], timeout_s: float, stdin: str | None = None) -> CommandResult:
    """Run argv (never through a shell) with LC_ALL=C and a timeout.

    Output beyond MAX_OUTPUT_BYTES (stderr: MAX_STDERR_BYTES) is read and discarded, so
    memory stays bounded whatever the command prints; ``truncated`` says so.  A child
    that leaves a grandchild holding the pipes open is waited for until the timeout only.
    Raises CommandError when the command cannot run or outlives its timeout; after a
    timeout the error's ``partial`` keeps what the command printed before it was stopped."""
    env = dict(os.environ, LC_ALL="C", LANG="C", LANGUAGE="C")
    started = time.perf_counter()
    deadline = started + timeout_s
    try:
        proc = subprocess.Popen(  # noqa: S603 - argv list, no shell
            list(argv), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
    except FileNotFoundError:
        raise CommandError(f"{argv[0]} is not installed (not found on PATH)") from None
    except PermissionError:
        raise CommandError(f"no permission to run {argv[0]}") from None
    except OSError as err:
        raise CommandError(f"{argv[0]} could not run: {err.strerror or err}") from None
    out, err_out = _Drain(proc.stdout, MAX_OUTPUT_BYTES), _Drain(proc.stderr, MAX_STDERR_BYTES)
    if stdin is not None:
        threading.Thread(target=_feed, args=(proc.stdin, stdin.encode()), daemon=True).start()
    try:
        proc.wait(timeout=max(0.0, deadline - time.perf_counter()))
        for drain in (out, err_out):  # EOF comes when every writer (grandchildren too) is gone
            drain.thread.join(max(0.0, deadline - time.perf_counter()))
        if out.thread.is_alive() or err_out.thread.is_alive():
            raise subprocess.TimeoutExpired(argv, timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        # The kill closes the child's end of the pipes: give the drains a moment to read what
        # was still in them (a grandchild holding the pipe open is not waited for).
        for drain in (out, err_out):
            drain.thread.join(_PARTIAL_DRAIN_S)
        partial = CommandResult(decode_bytes(bytes(out.data)), decode_bytes(bytes(err_out.data)), proc.returncode,
                                time.perf_counter() - started, out.seen > MAX_OUTPUT_BYTES)
        raise CommandError(f"{argv[0]} did not finish within {timeout_s:g} s and was stopped", partial) from None
    finally:
        if not out.thread.is_alive() and not err_out.thread.is_alive():
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:     # always set (both are PIPE); the check is for the type
                    pipe.close()
    duration = time.perf_counter() - started
    truncated = out.seen > MAX_OUTPUT_BYTES
    log.debug("ran %s in %.3f s (exit %s, %d bytes)", " ".join(argv), duration, proc.returncode, out.seen)
    return CommandResult(decode_bytes(bytes(out.data)), decode_bytes(bytes(err_out.data)), proc.returncode,
                         duration, truncated)


def read_file(path: str) -> str:
    """Read a text file (at most MAX_OUTPUT_BYTES), tolerating any encoding.

    Raises OSError (EINVAL) for anything but a regular file: opening a FIFO put where a
    file should be would otherwise wait for a writer forever (O_NONBLOCK makes the open
    return at once; regular files ignore the flag)."""
    import errno
    import stat

    if os.path.isdir(path):
        # Said the same way everywhere (Linux opens a directory and fails later; Windows
        # refuses the open with EACCES, which would read as a permission problem).
        raise IsADirectoryError(errno.EISDIR, "is a directory", path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return decode_bytes(fh.read(MAX_OUTPUT_BYTES))


class Hook(str, Enum):
    """The keys of ``Env.extra``: side effects beyond running a command and reading a file,
    each replaced by a fake in tests.  A key that is not one of these is refused by Env (a
    misspelt hook would otherwise fall back, silently, to the real operating system)."""
    LISTDIR = "listdir"                # (dir) -> [(path, mtime)]: regular files in a directory
    LISTSUBDIRS = "listsubdirs"        # (dir) -> [path]: directories in a directory
    WHICH = "which"                    # shutil.which
    EXISTS = "exists"                  # os.path.isfile
    PROCESSES = "processes"            # () -> [{pid, name, argv, cwd}]: running processes
    HOME = "home"                      # str: the home directory of the user diagnosed
    HOME_OF = "home_of"                # (user name) -> home directory
    ENVIRON = "environ"                # mapping: environment variables
    READLINK = "readlink"              # os.readlink
    RESOLVED_DBUS = "resolved_dbus"    # () -> systemd-resolved's state (platforms.resolved_dbus.read)
    INTERFACES = "interfaces"          # () -> psutil interface read (platforms.parsers.interfaces.read_psutil)
    WINREG = "winreg"                  # the winreg module (None: not readable)
    WINDOWS_TOOLS = "windows_tools"    # platforms.windows.SystemTools: where the Windows programs are
    READ_PLIST = "read_plist"          # (path) -> dict: a macOS property list
    KERNEL_RELEASE = "kernel_release"  # () -> str: os.uname().release
    RESOLVE = "resolve"                # getaddrinfo replacement for the probes

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Env:
    """The side effects an adapter may use, injected so tests pass fakes (Tailscale's
    newOSConfigEnv).  ``extra`` carries the other hooks (D-Bus, winreg, ...): its keys are
    :class:`Hook` members (their string values are accepted too); any other key raises
    ValueError naming the valid ones.  Read a hook with :meth:`hook`."""
    run: Runner = run_command
    read: FileReader = read_file
    clock: Callable[[], str] = utc_now
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        valid = {h.value for h in Hook}
        bad = sorted(str(k) for k in self.extra if not isinstance(k, str) or k not in valid)
        if bad:
            raise ValueError(f"unknown Env hook(s) {', '.join(map(repr, bad))}: "
                             f"valid hooks are {', '.join(sorted(valid))}")
        object.__setattr__(self, "extra", {Hook(k): v for k, v in self.extra.items()})

    def hook(self, name: Hook, default: Any = None) -> Any:
        """The hook ``name`` if one was given (even None), else ``default``."""
        return self.extra.get(Hook(name), default)

    def has_hook(self, name: Hook) -> bool:
        return Hook(name) in self.extra


def capture_source(source: Source, env: Env) -> SourceCapture:
    """Run or read one source; every failure becomes an `error`, never an exception."""
    if source.path is not None:
        started = time.perf_counter()
        try:
            text = env.read(source.path)
        except FileNotFoundError:
            return SourceCapture(id=source.id, kind=SourceKind.FILE, path=source.path,
                                 error=f"{source.path} does not exist",
                                 duration_s=time.perf_counter() - started)
        except PermissionError:
            return SourceCapture(id=source.id, kind=SourceKind.FILE, path=source.path,
                                 error=f"no permission to read {source.path}",
                                 duration_s=time.perf_counter() - started)
        except OSError as err:
            return SourceCapture(id=source.id, kind=SourceKind.FILE, path=source.path,
                                 error=f"could not read {source.path}: {err.strerror or err}",
                                 duration_s=time.perf_counter() - started)
        return SourceCapture(id=source.id, kind=SourceKind.FILE, path=source.path, text=text,
                             duration_s=time.perf_counter() - started)
    try:
        res = env.run(source.argv, source.timeout_s, source.stdin)
    except CommandError as err:
        partial = getattr(err, "partial", None)
        if source.keep_partial and partial is not None and partial.stdout:
            return SourceCapture(id=source.id, kind=SourceKind.COMMAND, argv=source.argv, text=partial.stdout,
                                 stderr=partial.stderr or None, duration_s=partial.duration_s, error=str(err),
                                 truncated=partial.truncated)
        return SourceCapture(id=source.id, kind=SourceKind.COMMAND, argv=source.argv, error=str(err))
    error = None
    if res.exit_code != 0:
        first = (res.stderr.strip().splitlines() or [""])[0][:300]
        error = f"{source.argv[0]} exited with status {res.exit_code}" + (f": {first}" if first else "")
    return SourceCapture(id=source.id, kind=SourceKind.COMMAND, argv=source.argv, text=res.stdout,
                         stderr=res.stderr or None, exit_code=res.exit_code, duration_s=res.duration_s,
                         error=error, truncated=res.truncated)


def api_capture(source_id: str, what: str, read: Callable[[], object]) -> SourceCapture:
    """Capture an in-process read (psutil, D-Bus, winreg) as JSON text, so parse() stays
    pure and a bundle can replay it.  ``read`` may raise anything: that becomes the error."""
    import json

    started = time.perf_counter()
    try:
        data = read()
        text = json.dumps(data, sort_keys=True, default=str)
    except Exception as err:  # noqa: BLE001 - one failed source must never stop collection
        log.debug("%s failed", what, exc_info=True)
        return SourceCapture(id=source_id, kind=SourceKind.API, argv=(what,), error=f"{what} failed: {err}",
                             duration_s=time.perf_counter() - started)
    return SourceCapture(id=source_id, kind=SourceKind.API, argv=(what,), text=text,
                         duration_s=time.perf_counter() - started)


def capture_concurrently(sources: Iterable[Source], env: Env, workers: int = 4) -> list[SourceCapture]:
    """``capture_source`` of each source, ``workers`` at a time, in the order given.  For
    sources that do not depend on each other (the route to each nameserver): their waits
    overlap instead of adding up.  Never raises for one source, like capture_source."""
    todo = list(sources)
    out: list[SourceCapture | None] = [None] * len(todo)
    pending = iter(range(len(todo)))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                i = next(pending, None)
            if i is None:
                return
            try:
                out[i] = capture_source(todo[i], env)
            except Exception as err:  # noqa: BLE001 - a bug in one source must not lose the others
                log.debug("capturing %s failed", todo[i].id, exc_info=True)
                out[i] = SourceCapture(id=todo[i].id, kind=todo[i].kind, path=todo[i].path, argv=todo[i].argv,
                                       error=f"internal error: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=work, daemon=True, name="capture") for _ in range(min(workers, len(todo)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()    # bounded: every source has its own timeout
    return [cap for cap in out if cap is not None]


def collect_sources(platform: Platform, sources: Iterable[Source], env: Env,
                    more: Iterable[SourceCapture] = ()) -> RawCapture:
    caps = [capture_source(s, env) for s in sources]
    caps.extend(more)
    return RawCapture(platform=platform, collected_at=env.clock(), sources=tuple(caps))


class ParseError(ValueError):
    """A parser's only documented exception: the text is not what it should be.
    ``collect``/``parse`` turn it into a CollectionError."""


def load_json(text: str, what: str):
    """``json.loads`` for parsers: anything that is not JSON -- including nesting deep
    enough to exhaust the recursion limit (``[[[[...``, found by fuzzing) -- becomes the
    parsers' one documented error, ParseError("<what> is not JSON: ...")."""
    import json

    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise ParseError(f"{what} is not JSON: {err}") from None


class Adapter(Protocol):
    platform: Platform

    def collect(self, env: Env, addresses: Iterable[str] = ()) -> RawCapture:
        """I/O only: run the declared sources, then ask the kernel for the route to each
        nameserver found and to each of ``addresses`` (pushed or expected DNS servers);
        never raises for one failed source."""

    def parse(self, raw: RawCapture) -> Snapshot:
        """Pure: raw text to Snapshot. Never raises; failures become CollectionErrors.
        Any subset of the sources parses (a partial capture gives a partial snapshot)."""

    # Optional, for probing while collecting: see StagedAdapter.


class StagedAdapter(Adapter, Protocol):
    """An adapter that collects in two stages, for probing while collecting (agent.run.collect):
    it reads its resolver sources first, so their servers can be probed while the rest is read.
    Windows (one PowerShell run) has no stages."""

    def collect_dns(self, env: Env) -> tuple[SourceCapture, ...]:
        """The sources that name the nameservers (resolv.conf + resolved, scutil --dns)."""

    def collect_rest(self, env: Env, first: Iterable[SourceCapture], addresses: Iterable[str] = ()) -> RawCapture:
        """Everything else; ``collect(env, a) == collect_rest(env, collect_dns(env), a)``."""


def is_staged(adapter: Adapter) -> TypeGuard[StagedAdapter]:
    """True when ``adapter`` has the two stages of :class:`StagedAdapter`."""
    return hasattr(adapter, "collect_dns")


T = TypeVar("T")

# What a stage may raise and cost itself only: a parser's complaint, or a record that fails
# the model's validation (ValueError), or a shape a parser did not expect.
STAGE_ERRORS: tuple[type[Exception], ...] = (ParseError, ValueError, KeyError, TypeError)


# The stages a trace line may name instead of a source id (``<where>: <message>``).
TRACE_STAGES: frozenset[str] = frozenset({
    "collect",       # what collection did (a fallback run, a source stopped)
    "dns",           # who manages DNS, which resolver answers what
    "routes",        # the routing table, route lookups, policy rules
    "interfaces",    # the interface inventory and where names came from
    "tunnel",        # whether a VPN tunnel is up, full or split (platforms.tunnel)
    "nrpt",          # Windows' Name Resolution Policy Table
    "vpn",           # the VPN client's evidence: logs, pushed options (platforms.vpn_evidence)
    "local",         # hosts file, browsers, containers, port 53 (platforms.local_evidence)
})


def _say(what: str, label: str | None, consequence: str | None) -> str:
    return (f"{label}: " if label else "") + what + (f": {consequence}" if consequence else "")


class ParseRun:
    """One pure parse of a RawCapture: the scaffold every adapter's ``parse()`` stands on.

    * :meth:`text` reads a source's text: a source not captured is None; one that failed
      without output is None and a CollectionError; one that failed after printing something
      is kept, with a CollectionError saying so; one cut at the size limit is traced.
    * :meth:`parse` reads it with a parser: a ParseError becomes the CollectionError
      "<what> could not be read: ...", never an exception.
    * :meth:`stage` guards one part of the snapshot: any of :data:`STAGE_ERRORS` costs that
      part only.  A stage runs once (its result is kept by name), so a stage that needs
      another asks for it and gets it computed on demand: no order the caller must know.
    * :meth:`error`, :meth:`trace` and :meth:`capture` record a CollectionError, a decision
      and what the sources told (:class:`agent.model.Evidence`).

    Trace convention: every line is ``<where>: <message>``, ``where`` being a source id
    (``agent.source_ids``) or one of :data:`TRACE_STAGES` (``dns``, ``routes``, ``tunnel``, ...).

    What a stage records is kept with that stage; :attr:`errors` and :attr:`trace_lines`
    list the stages in ``order`` first, then the others in the order they first recorded
    something -- so the same stages computed in another order give the same snapshot."""

    def __init__(self, raw: RawCapture, order: Iterable[str] = ()) -> None:
        self.raw = raw
        self.captured: set[Evidence] = set()   # what the sources told (unknown is not absent)
        self._order = tuple(order)
        self._records: dict[str, tuple[list[CollectionError], list[str]]] = {}
        self._running: list[str] = [""]
        self._results: dict[str, Any] = {}

    # -- recording -------------------------------------------------------------

    def _record(self) -> tuple[list[CollectionError], list[str]]:
        return self._records.setdefault(self._running[-1], ([], []))

    def error(self, source: str, message: str) -> None:
        self._record()[0].append(CollectionError(source=source, message=message))

    def trace(self, where: str, message: str) -> None:
        """Record a decision as ``<where>: <message>`` (where: a source id or a stage)."""
        self._record()[1].append(f"{where}: {message}")

    def trace_all(self, where: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.trace(where, message)

    def capture(self, *evidence: Evidence) -> None:
        self.captured.update(evidence)

    def _ordered(self) -> list[tuple[list[CollectionError], list[str]]]:
        keys = [k for k in self._order if k in self._records]
        keys += [k for k in self._records if k not in keys]
        return [self._records[k] for k in keys]

    @property
    def errors(self) -> tuple[CollectionError, ...]:
        return tuple(e for errors, _ in self._ordered() for e in errors)

    @property
    def trace_lines(self) -> tuple[str, ...]:
        return tuple(t for _, lines in self._ordered() for t in lines)

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        return tuple(e for e in Evidence if e in self.captured)

    # -- reading ----------------------------------------------------------------

    def source(self, source_id: str) -> SourceCapture | None:
        return self.raw.get(source_id)

    def text(self, source: str | SourceCapture | None, consequence: str | None = None, *,
             required: bool = True, label: str | None = None) -> str | None:
        """The text of ``source`` (an id or a capture), or None.

        A failure without output is a CollectionError "[<label>: ]<error>[: <consequence>]"
        (only a trace line "<id>: <error>" when not ``required``); a failure after some
        output keeps the output, with the CollectionError "<error> (partial output kept)"."""
        cap = self.raw.get(source) if isinstance(source, str) else source
        if cap is None:
            return None
        text = cap.text
        if text is None or (cap.error and not text.strip()):
            why = cap.error or "no output"
            if required:
                self.error(cap.id, _say(why, label, consequence))
            else:
                self.trace(cap.id, why)
            return None
        if cap.error:
            self.error(cap.id, _say(f"{cap.error} (partial output kept)", label, None))
        if cap.truncated:
            self.trace(cap.id, "output was cut at the size limit")
        return text

    def parse(self, source: str | SourceCapture | None, fn: Callable[[str], T], what: str, *,
              consequence: str | None = None, required: bool = True, label: str | None = None,
              skip_empty: bool = False, unreadable: Callable[[ParseError], str] | None = None) -> T | None:
        """``fn`` of the text of ``source`` (see :meth:`text`), or None.  A ParseError becomes
        the CollectionError "<what> could not be read: <error>" (or ``unreadable(error)``)."""
        cap = self.raw.get(source) if isinstance(source, str) else source
        text = self.text(cap, consequence, required=required, label=label)
        if cap is None or text is None or (skip_empty and not text):
            return None
        try:
            return fn(text)
        except ParseError as err:
            self.error(cap.id, unreadable(err) if unreadable else f"{what} could not be read: {err}")
            return None

    # -- stages -------------------------------------------------------------------

    def stage(self, name: str, fn: Callable[[], T], default: T | None = None) -> T | None:
        """``fn()``, run once per ``name`` (later calls return the first result).  Any of
        :data:`STAGE_ERRORS` it raises becomes a CollectionError of ``name`` and ``default``."""
        if name in self._results:
            return self._results[name]
        if name in self._running:
            raise RuntimeError(f"parse stage {name!r} needs itself ({' -> '.join(self._running[1:])})")
        self._running.append(name)
        result: T | None
        try:
            result = fn()
        except STAGE_ERRORS as err:
            log.debug("stage %s failed", name, exc_info=True)
            self.error(name, f"could not be parsed ({err}); this part of the snapshot is missing")
            result = default
        finally:
            self._running.pop()
        self._results[name] = result
        return result
