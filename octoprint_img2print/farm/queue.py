"""A farm's durable queue: jobs wait in a SQLite file until a printer that is what they need is idle with its bed
confirmed clear (img2print's "Bed is clear" on that host); then they are sliced for it (or its G-code is reused),
uploaded and started. A finished print is recorded with its host and time.

A copy's state is written before anything is asked of a host, so a runner killed at any moment (kill -9) loses no
job and starts none twice: a start whose outcome was not recorded is looked up on the host when the runner comes
back. A failed upload or start leaves the copy waiting, for that printer or another one.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, DoesNotFit, Img2PrintError, SlicerFailed
from ..geometry.files import write_atomically
from ..i18n import _
from ..recipe import Recipe
from .client import HostFailed, OctoPrintClient
from .farmfile import Host
from .gcodes import GcodeMaker, Progress, Refusal, profile_key, require_printer
from .hosts import HostStatus, survey
from .matching import Wants
from .starting import NOT_STARTED, STARTED, Placement, start, upload

WAITING, STARTING, PRINTING, DONE, ENDED, FAILED = "waiting", "starting", "printing", "done", "ended", "failed"
ACTIVE = (WAITING, STARTING, PRINTING)
SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,        -- the job's file name as given
    stored TEXT NOT NULL,      -- its copy in the queue's folder (the queue does not depend on the original)
    recipe TEXT NOT NULL,      -- JSON: what to make of it (recipe.Recipe)
    wants TEXT NOT NULL,       -- JSON: what it needs of a printer (matching.Wants)
    added REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS copies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job INTEGER NOT NULL REFERENCES jobs (id),
    state TEXT NOT NULL,       -- waiting, starting, printing, done, ended (cancelled or failed on the printer), failed
    host TEXT,                 -- where it is (starting, printing) or was printed
    file TEXT,                 -- its G-code's name on that host
    attempts INTEGER NOT NULL DEFAULT 0,
    note TEXT,                 -- why it waits or failed
    error TEXT,                -- JSON, for a failed copy: the error's code, kind and message
    started REAL,
    ended REAL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS refusals (
    job INTEGER NOT NULL,
    profile TEXT NOT NULL,     -- gcodes.profile_key of a printer that cannot print the job
    host TEXT NOT NULL,
    message TEXT NOT NULL,
    kind TEXT NOT NULL,        -- does_not_fit, or slicer_failed (its slicer failed, or its G-code is not safe there)
    PRIMARY KEY (job, profile)
);
"""
DEFAULT_POLL_S = 10.0
CLOCKS_APART_S = 5.0  # how far a host's clock may be from this one's when its record of a print is read
START_SETTLE_S = 30.0  # a start without an outcome counts as not started only when the host says so this much later


@dataclass(frozen=True)
class QueuedCopy:
    """One copy of a queued job, as stored."""

    id: int
    job: int
    name: str
    stored: Path
    recipe: Recipe
    wants: Wants
    state: str
    host: str | None
    file: str | None
    attempts: int
    note: str | None
    started: float | None
    ended: float | None
    error: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"copy": self.id, "job": self.job, "name": self.name, "state": self.state, "host": self.host,
                "file": self.file, "attempts": self.attempts, "note": self.note, "started": self.started,
                "ended": self.ended, "error": self.error, "wants": self.wants.as_dict()}


class FarmQueue:
    """The queue file and its folder (``<file>.files``: the jobs' copies and the G-codes made for them)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.folder = self.path.with_name(self.path.name + ".files")
        self._lock = threading.Lock()
        try:
            (self.folder / "gcodes").mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.DatabaseError) as error:
            raise BadInput("bad_queue", _("{file}: this is not a queue img2print can use ({reason}). Choose another "
                                          "file with --queue.").format(file=self.path, reason=error),
                           file=str(self.path)) from error

    def close(self) -> None:
        """Close the queue file."""
        self._db.close()

    def __enter__(self) -> FarmQueue:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed (to disk) before anything else happens."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --- what operators ask --------------------------------------------------------------------------------------

    def add(self, job: Path, recipe: Recipe, wants: Wants, copies: int) -> int:
        """Queue ``copies`` copies of a job (its file is copied into the queue's folder first); returns its id."""
        if not job.is_file():
            raise BadInput("file_not_found", _("{file}: no such file.").format(file=job), file=str(job))
        require_printer(job, wants.printer)
        stored = self.folder / "jobs" / str(time.time_ns()) / job.name  # under its own name, for its G-code's
        stored.parent.mkdir(parents=True)
        write_atomically(stored, lambda target: shutil.copyfile(job, target))
        now = time.time()
        with self._writing() as db:
            row = db.execute("INSERT INTO jobs (name, stored, recipe, wants, added) VALUES (?, ?, ?, ?, ?)",
                             (job.name, str(stored), json.dumps(recipe.as_dict()), json.dumps(wants.as_dict()), now))
            db.executemany("INSERT INTO copies (job, state, updated) VALUES (?, ?, ?)",
                           [(row.lastrowid, WAITING, now)] * copies)
        return int(row.lastrowid)

    def copies(self, states: Sequence[str] = ()) -> list[QueuedCopy]:
        """The copies (in ``states``, else all), in the order they were queued."""
        query = ("SELECT c.id, c.job, j.name, j.stored, j.recipe, j.wants, c.state, c.host, c.file, c.attempts, "
                 "c.note, c.started, c.ended, c.error FROM copies c JOIN jobs j ON j.id = c.job")
        if states:
            query += f" WHERE c.state IN ({', '.join('?' * len(states))})"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY c.job, c.id", tuple(states)).fetchall()
        return [QueuedCopy(row[0], row[1], row[2], Path(row[3]), Recipe.from_dict(json.loads(row[4])),
                           Wants.from_dict(json.loads(row[5])), *row[6:13], json.loads(row[13] or "null"))
                for row in rows]

    def remove(self, job: int) -> int:
        """Take a job's waiting copies out of the queue; copies starting or printing stay. Returns how many went."""
        with self._writing() as db:
            gone = db.execute("DELETE FROM copies WHERE job = ? AND state = ?", (job, WAITING)).rowcount
        if not gone and not any(c.job == job for c in self.copies()):
            raise BadInput("unknown_queue_job", _("There is no job {job} in the queue.").format(job=job), job=job)
        return gone

    # --- what the runner records ---------------------------------------------------------------------------------

    def record(self, copy: int, **columns: Any) -> None:
        """Write what became of a copy (committed before the runner goes on)."""
        names = ", ".join(f"{name} = ?" for name in columns)
        with self._writing() as db:
            db.execute(f"UPDATE copies SET {names}, updated = ? WHERE id = ?", (*columns.values(), time.time(), copy))

    def refuse(self, job: int, key: str, host: str, refusal: Refusal) -> None:
        """Remember that printers of this profile cannot print the job, and why."""
        with self._writing() as db:
            db.execute("INSERT OR REPLACE INTO refusals (job, profile, host, message, kind) VALUES (?, ?, ?, ?, ?)",
                       (job, key, host, refusal.message, refusal.kind))

    def refusals(self, job: int) -> dict[str, tuple[str, str, str]]:
        """The profiles that refused a job: profile key -> (host, message, kind)."""
        with self._lock:
            rows = self._db.execute("SELECT profile, host, message, kind FROM refusals WHERE job = ?",
                                    (job,)).fetchall()
        return {key: (host, message, kind) for key, host, message, kind in rows}

    def fail(self, copy: int, failure: Img2PrintError) -> None:
        """Record that a copy cannot be made or printed anywhere, with the error."""
        self.record(copy, state=FAILED, note=failure.message, error=json.dumps(
            {"code": failure.code, "kind": failure.kind, "message": failure.message}))


@contextmanager
def runner_lock(queue: FarmQueue) -> Iterator[None]:
    """One runner per queue at a time (a lock the kernel drops with the process, so a killed runner never blocks
    the next)."""
    handle = os.open(queue.path.with_name(queue.path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        os.close(handle)
        raise BadInput("queue_running", _("{file}: another 'farm queue run' works on this queue; stop it first.")
                       .format(file=queue.path), file=str(queue.path)) from error
    try:
        yield
    finally:
        os.close(handle)


class Runner:
    """One round after another: look at every host, record what became of the copies on printers, and give each
    idle printer whose bed is confirmed clear the first waiting copy that it fits and that needs what it is."""

    def __init__(self, queue: FarmQueue, hosts: Sequence[Host], clients: dict[str, OctoPrintClient], *,
                 stagger_s: float = 0.0, parallel: int = 4, progress: Progress) -> None:
        self.queue, self.hosts, self.clients, self.progress = queue, hosts, clients, progress
        self.stagger_s, self.parallel = stagger_s, parallel
        self.makers: dict[str, GcodeMaker] = {}
        self.last_start: dict[str | None, float] = {}

    def round(self) -> None:
        """Look, record, dispatch."""
        statuses = {s.host.name: s for s in survey([self.clients[h.name] for h in self.hosts], self.hosts,
                                                   with_files=True)}
        self._record(statuses)
        self._dispatch(statuses)

    def _record(self, statuses: dict[str, HostStatus]) -> None:
        """What became of the copies on printers: printing, done or ended (OctoPrint's own record of the file's
        last print says which), or, for a start whose outcome was not recorded, not started after all."""
        for copy in self.queue.copies((STARTING, PRINTING)):
            status = statuses.get(copy.host or "")
            if status is None or not status.reachable:
                continue  # the host cannot say now: ask again next round
            if status.printing and (status.job or {}).get("file") in (copy.file, Path(copy.file or "").name):
                if copy.state == STARTING:
                    self.queue.record(copy.id, state=PRINTING, note=None)
                continue
            last = self._last_print(copy)
            if last is not None and last.get("date", 0) >= (copy.started or 0) - CLOCKS_APART_S:
                ended = DONE if last.get("success") else ENDED
                self.queue.record(copy.id, state=ended, ended=time.time())
                self.progress(ended, job=copy.name, host=copy.host)
            elif copy.state == PRINTING:
                self.queue.record(copy.id, state=ENDED, ended=time.time())
                self.progress(ENDED, job=copy.name, host=copy.host)
            elif time.time() - (copy.started or 0) > START_SETTLE_S:  # the host never started it: it waits again
                self.queue.record(copy.id, state=WAITING, host=None, file=None, started=None,
                                  note=_("{host} did not start it; it waits for a printer again.")
                                  .format(host=copy.host))

    def _last_print(self, copy: QueuedCopy) -> dict[str, Any] | None:
        """OctoPrint's record of the last print of the copy's file on its host (date, success), if any."""
        try:
            info = self.clients[copy.host or ""].quick().file_info(copy.file or "")
        except HostFailed:
            return None
        return ((info or {}).get("prints") or {}).get("last")

    def _free(self, statuses: dict[str, HostStatus]) -> list[HostStatus]:
        """Hosts that may take a copy now: idle, bed confirmed clear, nothing of ours on them, their group's last
        start ``stagger_s`` ago."""
        busy = {c.host for c in self.queue.copies((STARTING, PRINTING))}
        now = time.monotonic()
        return [s for s in statuses.values()
                if s.reachable and s.ready and not s.printing and s.profile is not None and s.img2print
                and s.bed_clear and s.host.name not in busy
                and now - self.last_start.get(s.host.group, -1e9) >= self.stagger_s]

    def _dispatch(self, statuses: dict[str, HostStatus]) -> None:
        """Pair idle printers with waiting copies (the first queued that the printer is what it needs and that its
        printer profile did not refuse), and send them, several printers at once."""
        waiting = self.queue.copies((WAITING,))
        refusals = {job: self.queue.refusals(job) for job in {copy.job for copy in waiting}}
        pairs: list[tuple[QueuedCopy, HostStatus]] = []
        groups_started: set[str | None] = set()
        for status in self._free(statuses):
            if self.stagger_s > 0 and status.host.group in groups_started:
                continue  # one start per group and round when starts are staggered
            key = profile_key(status.profile)
            for copy in waiting:
                if copy.wants.met_by(status) and key not in refusals[copy.job]:
                    pairs.append((copy, status))
                    waiting.remove(copy)
                    groups_started.add(status.host.group)
                    break
        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool:
            list(pool.map(lambda pair: self._send(*pair), pairs))
        self._fail_unprintable(statuses)

    def _maker(self, recipe: Recipe) -> GcodeMaker:
        key = json.dumps(recipe.as_dict(), sort_keys=True, default=str)
        if key not in self.makers:
            self.makers[key] = GcodeMaker(recipe, self.queue.folder / "gcodes", self.progress)
        return self.makers[key]

    def _send(self, copy: QueuedCopy, status: HostStatus) -> None:
        """One copy to one printer: its G-code (or why not), uploaded, recorded as starting, started."""
        profile, client = status.profile, self.clients[status.host.name]
        try:
            gcode, name = self._maker(copy.recipe).for_host(copy.stored, profile, status.files, status.filament)
        except Img2PrintError as failure:  # the job itself cannot be made (a damaged picture): on no printer
            self.queue.fail(copy.id, failure)
            self.progress("unusable", job=copy.name, reason=failure.message)
            return
        if isinstance(gcode, Refusal):
            self.queue.refuse(copy.job, profile_key(profile), status.host.name, gcode)
            return
        placement = Placement(copy.name, status.host.name, name, profile.name)
        upload(client, status, placement, gcode, self.progress)
        if placement.error is not None:
            self.queue.record(copy.id, attempts=copy.attempts + 1, note=placement.error["message"])
            return
        self.queue.record(copy.id, state=STARTING, host=status.host.name, file=placement.file, started=time.time(),
                          attempts=copy.attempts + 1, note=None)
        self.last_start[status.host.group] = time.monotonic()
        outcome = start(client, placement, status)
        if outcome == STARTED:
            self.queue.record(copy.id, state=PRINTING)
            self.progress("started", job=copy.name, host=status.host.name, file=placement.file)
        elif outcome == NOT_STARTED:
            self.queue.record(copy.id, state=WAITING, host=None, file=None, started=None,
                              note=placement.not_started["message"])
        # unknown: it stays starting, and the next round asks the host what it did

    def _fail_unprintable(self, statuses: dict[str, HostStatus]) -> None:
        """A job that every reachable printer which is what it needs refused (it fits none of them) fails, with
        their reasons, instead of waiting for ever."""
        for copy in self.queue.copies((WAITING,)):
            fitting = [s for s in statuses.values() if s.reachable and s.profile is not None and copy.wants.met_by(s)]
            refused = self.queue.refusals(copy.job)
            if fitting and all(profile_key(s.profile) in refused for s in fitting):
                reasons = "; ".join(f"{host}: {message}" for host, message, _kind in refused.values())
                kinds = {kind for _host, _message, kind in refused.values()}
                failure = (SlicerFailed if kinds == {SlicerFailed.kind} else DoesNotFit)(
                    "fits_no_printer", _("It fits none of the printers that are what it needs ({reasons}).")
                    .format(reasons=reasons))
                self.queue.fail(copy.id, failure)
                self.progress(FAILED, job=copy.name)

    def unfinished(self) -> bool:
        """Whether copies still wait, start or print."""
        return bool(self.queue.copies(ACTIVE))


def run_queue(queue: FarmQueue, hosts: Sequence[Host], clients: dict[str, OctoPrintClient], *,
              poll_s: float = DEFAULT_POLL_S, until_done: bool = False, stagger_s: float = 0.0, parallel: int = 4,
              progress: Progress, sleep: Callable[[float], None] = time.sleep) -> None:
    """Rounds every ``poll_s`` seconds, for ever, or (``until_done``) until no copy waits, starts or prints."""
    with runner_lock(queue):
        runner = Runner(queue, hosts, clients, stagger_s=stagger_s, parallel=parallel, progress=progress)
        while True:
            runner.round()
            if until_done and not runner.unfinished():
                return
            sleep(poll_s)


