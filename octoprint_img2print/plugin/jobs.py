"""Background work: a queue that runs one job at a time in a worker process, with progress and cancel.

Jobs are kept in a small JSON file, so that after a restart nothing is left "running": jobs that were
queued or running then are marked failed, and their half-finished work files are removed.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import i18n
from ..errors import Img2PrintError
from ..i18n import N_
from . import worker
from .job_request import PREVIEW, JobRequest, Limits

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
KEEP_FINISHED = 100
KEEP_VIEWS = 10  # the 3D views of the latest previews, for the pages
INTERRUPTED = N_("OctoPrint restarted while this job was waiting or running; start it again.")
CRASHED = N_("The job stopped unexpectedly (too much memory, or over the time limit).")
TIMED_OUT = N_("The job took longer than the time limit set in img2print's settings ({seconds} s) and was stopped.")
WARM = multiprocessing.get_context("forkserver")
# what the warm process imports once, so that a job forked from it starts at once
WARM.set_forkserver_preload(["octoprint_img2print.plugin.worker", "pydelatin", "scipy.spatial"])
WAITING_FOR_PRINT = N_("Waiting until the print has finished: heavy work while printing is switched off (an "
                       "administrator can switch it on in img2print's settings). Previews still run.")



def may_run(action: str, printing: bool, heavy_while_printing: bool) -> bool:
    """Whether a job may start now: always when no print runs; during a print a preview (light work, held back like
    every job), and heavy work only when the settings allow it."""
    return not printing or action == PREVIEW or heavy_while_printing

@dataclass
class Job:
    """One piece of work and where it stands."""

    id: str
    action: str
    name: str
    request: JobRequest
    status: str = QUEUED
    stage: str = ""
    progress: float = 0.0
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    user: str | None = None
    note: str = ""

    def public(self) -> dict[str, Any]:
        """What the API shows about a job (the request's internal paths left out), with its seconds of work."""
        data = asdict(self)
        data.pop("request")
        end = self.finished if self.finished is not None else time.time()
        data["elapsed_s"] = round(end - self.started, 1) if self.started is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Job:
        """A job from the job list on disk."""
        return cls(**{**data, "request": JobRequest.from_dict(data["request"])})


def _failure(code: str, message: str, **details: Any) -> dict[str, Any]:
    """A job's error in the one error family's form."""
    return Img2PrintError(code, message, **details).as_dict()


@dataclass
class Ending:
    """How a job's worker ended: its exit code (negative: the signal that ended it), whether the time limit stopped
    it, and the end of its log."""

    exit_code: int | None = None
    timed_out: bool = False
    time_limit_s: float = 0.0
    log: str = ""

    def reason(self) -> str:
        """What went wrong, in one line, for a worker that ended without saying: the last line of its log (a
        traceback's last line names the error), else its exit code."""
        lines = [line for line in self.log.splitlines() if line.strip()]
        return worker.shortened(lines[-1]) if lines else f"exit code {self.exit_code}"


def _in_language(language: str, message: str) -> i18n.Message:
    """A message of the catalogue in a job's language (the one the worker spoke)."""
    return i18n.in_language(i18n.translations((language or i18n.ENGLISH, i18n.ENGLISH)), message)


def _unsaid(job: Job, ending: Ending) -> dict[str, Any]:
    """The error of a worker that ended without saying one: the time limit or a signal (the memory cap's end, or the
    kernel's) stopped it, or img2print failed on the file (an exit before the job could report)."""
    if ending.timed_out:
        return _failure("job_timed_out", _in_language(job.request.language, TIMED_OUT).format(
            seconds=round(ending.time_limit_s)), seconds=ending.time_limit_s, log=ending.log)
    if ending.exit_code is not None and ending.exit_code < 0:
        return _failure("worker_crashed", CRASHED, log=ending.log, signal=-ending.exit_code)
    reason = ending.reason()
    message = _in_language(job.request.language, worker.FAILED_ON).format(file=job.name, reason=reason)
    return _failure(worker.INTERNAL_ERROR, message, file=job.name, reason=reason, log=ending.log)


Listener = Callable[[Job], None]


def _nothing() -> None:
    """A job that does nothing: forking it starts the warm process."""


def warm_up() -> None:
    """Start the warm process now (its imports take seconds), not when the first job comes."""
    process = WARM.Process(target=_nothing, name="img2print-warm-up")
    process.start()
    process.join()


class JobQueue:
    """One job at a time, each in a child forked from a warm process that has img2print imported (Python's
    forkserver, started when the queue is made): a job starts in milliseconds, not after seconds of imports."""

    def __init__(self, folder: Path, *, on_change: Listener, on_finished: Callable[[Job, Path], None],
                 settings: Callable[[], Limits], may_run: Callable[[str], bool],
                 environment: Callable[[JobRequest], dict[str, str]] = lambda _request: {}) -> None:
        self.folder = Path(folder)
        self.work = self.folder / "work"
        self.views = self.folder / "views"
        self.on_change, self.on_finished = on_change, on_finished
        self.settings, self.may_run = settings, may_run
        self.environment = environment  # what a job's worker gets besides its request (secrets, never stored)
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Condition()
        self.process: multiprocessing.process.BaseProcess | None = None
        self.cancelled: set[str] = set()
        self.running = True
        self._recover()
        self.thread = threading.Thread(target=self._loop, name="img2print-jobs", daemon=True)
        self.thread.start()
        threading.Thread(target=warm_up, name="img2print-warm-up", daemon=True).start()

    # --- persistence ---------------------------------------------------------------------------------------

    def _recover(self) -> None:
        """Load the job list; what a restart interrupted is failed, and its work files removed."""
        for kept in (self.work, self.views):
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir(parents=True, exist_ok=True)
        try:
            stored = json.loads((self.folder / "jobs.json").read_text())
        except (OSError, ValueError):
            stored = []
        for data in stored:
            try:
                job = Job.from_dict(data)
            except (TypeError, KeyError):
                continue
            if job.status not in FINISHED:
                job.status, job.finished = FAILED, time.time()
                job.error = _failure("interrupted", INTERRUPTED)
            self.jobs[job.id] = job
        self._save()

    def _save(self) -> None:
        """Write the job list (callers hold the lock)."""
        kept = sorted(self.jobs.values(), key=lambda j: j.created)[-KEEP_FINISHED:]
        target = self.folder / "jobs.json"
        staged = target.with_suffix(".part")
        staged.write_text(json.dumps([asdict(j) for j in kept]))
        staged.replace(target)

    # --- the public side ------------------------------------------------------------------------------------

    def submit(self, name: str, request: JobRequest, user: str | None = None) -> Job:
        """Queue a job; it runs when the jobs before it are done (and says at once when a print holds it)."""
        job = Job(uuid.uuid4().hex[:12], request.action, name, request, user=user,
                  note="" if self.may_run(request.action) else WAITING_FOR_PRINT)
        with self.lock:
            self.jobs[job.id] = job
            self._save()
            self.lock.notify_all()
        self.on_change(job)
        return job

    def get(self, job_id: str) -> Job | None:
        """A job by id."""
        return self.jobs.get(job_id)

    def view(self, job_id: str) -> Path | None:
        """The 3D view file a finished preview job wrote (its solid on the bed), if it is still kept."""
        job = self.jobs.get(job_id)
        found = self.views / f"{job.id}.bin" if job is not None and job.status == DONE else None
        return found if found is not None and found.is_file() else None

    def _forget_old_views(self) -> None:
        for old in sorted(self.views.glob("*.bin"), key=lambda p: p.stat().st_mtime)[:-KEEP_VIEWS]:
            old.unlink(missing_ok=True)

    def listing(self) -> list[Job]:
        """All kept jobs, newest first."""
        return sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False if it is unknown or already finished."""
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.status in FINISHED:
                return False
            self.cancelled.add(job_id)
            if job.status == QUEUED:
                self._finish(job, CANCELLED)
            elif self.process is not None:
                with contextlib.suppress(OSError, ValueError):  # it ended just now: the job ends as cancelled
                    self.process.kill()
            self.lock.notify_all()
        return True

    def stop(self) -> None:
        """Stop the worker thread and any running job (OctoPrint is shutting down)."""
        with self.lock:
            self.running = False
            if self.process is not None:
                self.process.kill()
            self.lock.notify_all()
        self.thread.join(timeout=10)

    # --- the worker side ------------------------------------------------------------------------------------

    def _finish(self, job: Job, status: str, result: dict | None = None, error: dict | None = None) -> None:
        with self.lock:
            job.status, job.finished, job.result, job.error = status, time.time(), result, error
            job.progress = 1.0 if status == DONE else job.progress
            self._save()
        self.on_change(job)

    def _next(self) -> Job | None:
        with self.lock:
            while self.running:
                waiting = [j for j in self.jobs.values() if j.status == QUEUED]
                runnable = [j for j in waiting if self.may_run(j.action)]
                if runnable:
                    job = min(runnable, key=lambda j: j.created)
                    job.status, job.note, job.started = RUNNING, "", time.time()
                    self._save()
                    return job
                for job in waiting:
                    if job.note != WAITING_FOR_PRINT:
                        job.note = WAITING_FOR_PRINT
                        self.on_change(job)
                self.lock.wait(timeout=2.0)
        return None

    def _loop(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            self.on_change(job)
            self._run(job)

    def _run(self, job: Job) -> None:
        """Run one job in a worker process; its work folder is gone before the job is reported finished."""
        limits = self.settings()
        folder = self.work / job.id
        folder.mkdir(parents=True, exist_ok=True)
        output = folder / job.request.output_name if job.request.output_name else None
        message = {"request": job.request.as_dict(), "limits": asdict(limits),
                   "output": str(output) if output else None,
                   "view": str(self.views / f"{job.id}.bin") if job.action == PREVIEW else None}
        killer: threading.Timer | None = None
        try:
            killer, last, ending = self._work(job, message, folder, limits)
            outcome = self._outcome(job, output, last, ending)
        except Exception as error:  # a job's failure must never reach OctoPrint
            reason = worker.one_line(error)
            outcome = (FAILED, None, _failure(worker.INTERNAL_ERROR, _in_language(
                job.request.language, worker.FAILED_ON).format(file=job.name, reason=reason), reason=reason))
        finally:
            if killer is not None:
                killer.cancel()
            with self.lock:
                self.process = None
            shutil.rmtree(folder, ignore_errors=True)
            self._forget_old_views()
        self._finish(job, *outcome)

    def _work(self, job: Job, message: dict[str, Any], folder: Path,
              limits: Limits) -> tuple[threading.Timer, dict[str, Any], Ending]:
        """Fork the job from the warm process, pass on its progress, and return its last message and how it
        ended."""
        log_path = folder / "worker.log"
        # temporary files of the job (slicer, MeshFix, downloads) go in its work folder, removed even after a kill
        environment = {"LANGUAGE": job.request.language or os.environ.get("LANGUAGE", ""), "TMPDIR": str(folder),
                       **self.environment(job.request)}
        receiving, sending = WARM.Pipe(duplex=False)
        with self.lock:
            self.process = WARM.Process(target=worker.warm, args=(sending, message, environment, str(log_path)),
                                        name=f"img2print-job-{job.id}")
            self.process.start()
        sending.close()
        process = self.process
        ending = Ending(time_limit_s=float(limits.max_job_seconds))

        def stop() -> None:  # the time limit
            ending.timed_out = True
            process.kill()

        killer = threading.Timer(float(limits.max_job_seconds), stop)
        killer.start()
        last: dict[str, Any] = {}
        while True:
            try:
                said = json.loads(receiving.recv())
            except (EOFError, OSError):
                break
            if said["type"] != "progress":
                last = said
                continue
            job.stage = said["stage"]
            job.progress = max(job.progress, float(said["fraction"]))
            self.on_change(job)
        process.join()
        receiving.close()
        ending.exit_code = process.exitcode
        ending.log = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
        return killer, last, ending

    def _outcome(self, job: Job, output: Path | None, last: dict[str, Any],
                 ending: Ending) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None]:
        """Status, result and error of a finished worker; a result's file is handed on first."""
        if job.id in self.cancelled:
            return CANCELLED, None, None
        if not self.running:
            return FAILED, None, _failure("interrupted", INTERRUPTED)
        if last.get("type") == "result":
            job.result = last["result"]
            if output is not None:
                self.on_finished(job, output)
            return DONE, last["result"], None
        if last.get("type") == "error":
            return FAILED, None, last["error"]
        return FAILED, None, _unsaid(job, ending)
