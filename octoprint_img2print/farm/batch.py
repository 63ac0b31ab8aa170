"""A batch: many pictures, each converted, checked and sliced for its printers through the one pipeline, on
workers (a process pool or a Dask cluster), recorded in the output folder's ledger so a re-run finishes it.

A worker gets the picture's bytes and returns the files' bytes, so it needs no access to the output folder;
only the batch writes there, each file to a temporary name first.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import pipeline
from ..errors import BadInput, Img2PrintError
from ..filaments.library import DEFAULT_FILAMENT, Filament, Library, carried, own_filaments
from ..geometry.files import write_atomically
from ..i18n import _
from ..imaging.file_limits import MAX_PICTURE_BYTES, read_bounded, require_size
from ..printers.profile import get_printer
from ..recipe import Recipe
from ..scratch import scratch_folder
from .executors import Workers
from .ledger import DONE, FAILED, Ledger, Output, file_sha256
from .manifest import ManifestJob

NAME_HASH_CHARS = 12
CHECK_EVERY_S = 2.0  # how often the workers are asked whether they can still finish the jobs
MAX_WORKER_DEATHS = 2  # a job whose worker dies more often than this fails (the job may be what kills them)
WORKER_DIED = "worker_died"
INTERNAL_ERROR = "internal_error"
UNFINISHED_WRITE = re.compile(r"^\..+\.(stl|3mf|gcode)\.[^.]+\.part$")  # geometry.files.write_atomically's names
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Work:
    """What a worker needs to make one job's files (plain data, sent to other processes and machines)."""

    name: str
    recipe: Recipe  # the same G-code every time: a ledger's hashes name what the files hold
    model_file: str
    gcode_files: Mapping[str, str]  # printer id -> file name
    own_filaments: tuple[Filament, ...] = ()  # one's own library, for a worker on a machine without its files


@dataclass
class PlannedJob:
    """A job with its content hash and the names of the files it makes."""

    request: ManifestJob
    key: str
    work: Work | None  # None when the picture could not be read to plan it
    error: Img2PrintError | None = None
    copies: int = 1


@dataclass
class JobEvent:
    """What became of one job: done (``reused`` when an earlier run made it) or failed with its error."""

    where: str
    file: str
    key: str
    state: str
    copies: int
    outputs: list[Output] = field(default_factory=list)
    error: dict[str, Any] | None = None
    made: dict[str, Any] | None = None
    reused: bool = False
    seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a JSON line."""
        data: dict[str, Any] = {"job": self.where, "file": self.file, "key": self.key, "state": self.state,
                                "copies": self.copies, "reused": self.reused,
                                "outputs": [asdict(o) for o in self.outputs]}
        if self.error is not None:
            data["error"] = self.error
        if self.made is not None:
            data["made"] = self.made
        if self.seconds is not None:
            data["seconds"] = round(self.seconds, 3)
        return data


@dataclass
class BatchSummary:
    """How many jobs there were and how they ended."""

    jobs: int
    done: int = 0
    failed: int = 0
    reused: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON summary line."""
        return {"summary": True, "jobs": self.jobs, "done": self.done, "failed": self.failed, "reused": self.reused,
                "seconds": round(self.seconds, 3)}


# --- on a worker ------------------------------------------------------------------------------------------------

def _made(converted: pipeline.ConvertResult, sliced: list[pipeline.SliceResult]) -> dict[str, Any]:
    """The figures a person reads about a job: the solid, and each G-code."""
    summary = converted.summary
    warnings = [{"code": f["code"], "message": f["message"]}
                for f in converted.report.as_list() + [f for s in sliced for f in s.report.as_list()]
                if f["level"] != "info"]
    return {"mode": converted.mode.id, "size_mm": [round(float(v), 3) for v in summary.size_mm],
            "triangles": summary.triangles, "volume_mm3": round(summary.volume_mm3, 1), "warnings": warnings,
            "gcode": [{"printer": s.printer, "slicer": s.slicer, "layers": s.facts.layers,
                       "estimated_time_s": s.facts.estimated_time_s, "filament": s.settings.filament.id,
                       "filament_mm": s.facts.filament_mm, "filament_g": s.filament_g,
                       "filament_cost": s.filament_cost}
                      for s in sliced]}


def make(work: Work, source: bytes) -> dict[str, Any]:
    """On a worker: convert, check and slice one picture in a temporary folder; return the files' bytes, or the
    job's error as plain data (never raised: one bad picture fails only its own job)."""
    try:
        with carried(work.own_filaments), scratch_folder("batch") as folder:
            converted = pipeline.convert(source, Path(folder) / work.model_file, work.recipe, name=work.name)
            sliced = [pipeline.slice_job(source, Path(folder) / name, work.recipe, printer=get_printer(printer),
                                         name=work.name, built=converted)
                      for printer, name in work.gcode_files.items()]
            names = [work.model_file, *work.gcode_files.values()]
            return {"ok": True, "files": {name: (Path(folder) / name).read_bytes() for name in names},
                    "made": _made(converted, sliced)}
    except Img2PrintError as error:
        return {"ok": False, "error": error.as_dict()}
    except Exception as error:  # a fault of img2print on this picture fails this job, not the batch
        return {"ok": False, "error": Img2PrintError(
            INTERNAL_ERROR, _("{file}: img2print failed on it ({reason}); please report this with the picture.")
            .format(file=work.name, reason=f"{type(error).__name__}: {error}")).as_dict()}


# --- planning ---------------------------------------------------------------------------------------------------

def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _unreadable(request: ManifestJob, error: OSError) -> BadInput:
    return BadInput("file_not_found", _("{where}: {file} cannot be read ({reason}).")
                    .format(where=request.where, file=request.source, reason=error.strerror),
                    file=str(request.source))


def _planned(request: ManifestJob) -> PlannedJob:
    """The job's content hash (of the picture and all asked of it) and its file names, which carry hashes too."""
    recipe = request.recipe
    asked = {"mode": recipe.mode, "options": dict(recipe.options), "format": request.model_format}
    try:
        require_size(request.source, MAX_PICTURE_BYTES, request.source.name)
        picture = file_sha256(request.source)
    except OSError as error:
        return PlannedJob(request, _digest({"unread": str(request.source), **asked}), None,
                          _unreadable(request, error), request.copies)
    except Img2PrintError as error:
        return PlannedJob(request, _digest({"unread": str(request.source), **asked}), None, error, request.copies)
    model = _digest({"picture": picture, **asked})
    stem = UNSAFE_NAME.sub("_", request.source.stem)[:80] or "picture"
    slicing = {"model": model, "intent": recipe.intent, "slicer": recipe.slicer, "overrides": dict(recipe.overrides),
               "filament": asdict(Library().get(recipe.filament or DEFAULT_FILAMENT))}
    gcode_files = {}
    for printer in request.printers:
        gcode = _digest({**slicing, "printer": asdict(get_printer(printer))})
        gcode_files[printer] = f"{stem}-{printer}-{gcode[:NAME_HASH_CHARS]}.gcode"
    model_file = f"{stem}-{model[:NAME_HASH_CHARS]}.{request.model_format}"
    work = Work(request.source.name, replace(recipe, overrides={**recipe.overrides, "same_every_time": True}),
                model_file, gcode_files, own_filaments())  # the key names the files: two pictures alike under two
    # names are two jobs
    return PlannedJob(request, _digest({"files": [model_file, *sorted(gcode_files.values())]}), work,
                      copies=request.copies)


def plan_jobs(requests: list[ManifestJob]) -> list[PlannedJob]:
    """Every job once (the same picture asked the same way twice is one job with the copies added up)."""
    jobs: dict[str, PlannedJob] = {}
    for request in requests:
        job = _planned(request)
        if job.key in jobs:
            jobs[job.key].copies += job.copies
        else:
            jobs[job.key] = job
    return list(jobs.values())


# --- running ----------------------------------------------------------------------------------------------------

def _remove_unfinished_writes(folder: Path) -> None:
    """Files a killed batch was writing when it died (never renamed into place)."""
    for path in folder.iterdir():
        if UNFINISHED_WRITE.match(path.name) and path.is_file():
            path.unlink(missing_ok=True)


def _request(job: PlannedJob) -> dict[str, Any]:
    request = job.request
    recipe = request.recipe
    return {"file": str(request.source), "mode": recipe.mode, "options": dict(recipe.options),
            "printers": list(request.printers), "intent": recipe.intent, "filament": recipe.filament,
            "copies": job.copies, "format": request.model_format}


def _store(folder: Path, job: PlannedJob, files: Mapping[str, bytes]) -> list[Output]:
    """Write a job's files into the output folder, each under a temporary name and then renamed."""
    assert job.work is not None
    printers = {name: printer for printer, name in job.work.gcode_files.items()}
    outputs = []
    for name, data in files.items():
        write_atomically(folder / name, lambda target, data=data: target.write_bytes(data))
        outputs.append(Output(name, hashlib.sha256(data).hexdigest(), len(data), printers.get(name)))
    return outputs


@dataclass
class _Running:
    job: PlannedJob
    generation: int
    started: float


class Batch:
    """One run over the jobs: skips those done before, hands the rest to ``workers`` and records each end."""

    def __init__(self, jobs: list[PlannedJob], ledger: Ledger, report: Callable[[JobEvent], None]) -> None:
        self.ledger, self.report = ledger, report
        self.waiting: deque[PlannedJob] = deque()
        self.running: dict[Future, _Running] = {}
        self.deaths: Counter[str] = Counter()
        self.summary = BatchSummary(len(jobs))
        for job in jobs:
            self._sort(job)

    def _sort(self, job: PlannedJob) -> None:
        """Done before (its files still there): reported; unreadable: failed; else waiting for a worker."""
        outputs = self.ledger.finished(job.key)
        if outputs is not None:
            self.summary.done += 1
            self.summary.reused += 1
            self.report(JobEvent(job.request.where, str(job.request.source), job.key, DONE, job.copies, outputs,
                                 reused=True))
            return
        self.ledger.queue(job.key, job.request.where, _request(job))
        if job.error is not None:
            self._failed(job, job.error.as_dict())
        else:
            self.waiting.append(job)

    def _failed(self, job: PlannedJob, error: dict[str, Any], seconds: float | None = None) -> None:
        self.ledger.fail(job.key, error["code"], error["message"])
        self.summary.failed += 1
        self.report(JobEvent(job.request.where, str(job.request.source), job.key, FAILED, job.copies, error=error,
                             seconds=seconds))

    def _hand_out(self, workers: Workers) -> None:
        while self.waiting and len(self.running) < workers.slots:
            job = self.waiting.popleft()
            assert job.work is not None
            try:
                source = read_bounded(job.request.source, MAX_PICTURE_BYTES, job.request.source.name)
            except OSError as error:
                self._failed(job, _unreadable(job.request, error).as_dict())
                continue
            except Img2PrintError as error:
                self._failed(job, error.as_dict())
                continue
            self.ledger.start(job.key)
            future = workers.submit(make, job.work, source)
            self.running[future] = _Running(job, workers.generation, time.monotonic())

    def _ended(self, future: Future, running: _Running, workers: Workers) -> None:
        job, seconds = running.job, time.monotonic() - running.started
        try:
            answer = future.result()
        except Exception as error:  # the worker died (a killed process, a lost Dask worker), not the job's error
            workers.recover(error, running.generation)
            self._worker_died(job, error)
            return
        if not answer["ok"]:
            self._failed(job, answer["error"], seconds)
            return
        outputs = _store(self.ledger.folder, job, answer["files"])
        self.ledger.finish(job.key, outputs)
        self.summary.done += 1
        self.report(JobEvent(job.request.where, str(job.request.source), job.key, DONE, job.copies, outputs,
                             made=answer["made"], seconds=seconds))

    def _worker_died(self, job: PlannedJob, error: Exception) -> None:
        self.deaths[job.key] += 1
        if self.deaths[job.key] > MAX_WORKER_DEATHS:
            self._failed(job, BadInput(WORKER_DIED, _("{file}: the worker making it ended {count} times ({reason}); "
                                                      "it may need more memory than a worker has.")
                                       .format(file=job.request.where, count=self.deaths[job.key],
                                               reason=type(error).__name__)).as_dict())
            return
        self.ledger.requeue(job.key)
        self.waiting.appendleft(job)

    def run(self, open_workers: Callable[[], Workers]) -> BatchSummary:
        """Run every waiting job to its end on the workers (opened only if there is work); return the summary."""
        started = time.monotonic()
        if self.waiting:
            with open_workers() as workers:
                self._hand_out(workers)
                while self.running:
                    ended, _pending = wait(list(self.running), timeout=CHECK_EVERY_S, return_when=FIRST_COMPLETED)
                    for future in ended:
                        self._ended(future, self.running.pop(future), workers)
                    workers.check()
                    self._hand_out(workers)
        self.summary.seconds = time.monotonic() - started
        return self.summary


def output_folder(path: Path) -> Path:
    """The output folder, made if it is not there; a BadInput when it cannot be."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInput("cannot_write", _("{folder}: cannot make the output folder ({reason}). Choose a folder you "
                                         "may write to.").format(folder=path, reason=error.strerror),
                       folder=str(path)) from error
    return path


def run_batch(jobs: list[PlannedJob], folder: Path, workers: Callable[[], Workers],
              report: Callable[[JobEvent], None]) -> BatchSummary:
    """Take the output folder's ledger, and run the jobs not done yet on the workers."""
    with Ledger(output_folder(Path(folder))) as ledger:
        _remove_unfinished_writes(ledger.folder)
        return Batch(jobs, ledger, report).run(workers)
