"""Jobs to a farm's printers: each printer's state and profile, which idle printers a job fits (one G-code per
distinct printer profile, through ``pipeline.slice_job``), uploads a few at a time without repeating what a host
holds already, and starts only where the bed is confirmed clear, one after another."""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import __plugin_version__, pipeline
from ..errors import BadInput, DoesNotFit, Img2PrintError, SlicerFailed
from ..i18n import N_, _
from ..print_go import HOLDS
from ..printers.profile import PrinterProfile, from_octoprint
from .client import DEFAULT_RETRY, HostFailed, OctoPrintClient, Retry
from .farmfile import Host

Progress = Callable[..., None]  # progress(event, **facts): surveyed, slicing, sliced, uploading, retry, ...
HELD_BECAUSE = {
    "no_plugin": N_("this host has no img2print to confirm that its bed is clear; check the bed, then send again "
                   "with --bed-clear"),
    "bed_unconfirmed": N_("the bed is not confirmed clear on this host (press \"Bed is clear\" in img2print's tab)"),
}
HASH_CHARS = 10
STARTED, NOT_STARTED, UNKNOWN = "started", "not_started", "unknown"
START_CHECK_WAITS_S = (0.0, 5.0)  # after a start without an answer: ask the host at once, and again after this


def _quiet(_event: str, **_facts: Any) -> None:
    """No progress shown."""


@dataclass
class HostStatus:
    """What one host told: reachable, its printer's state, profile and job, and img2print's bed confirmation."""

    host: Host
    reachable: bool = False
    error: str | None = None
    version: str | None = None
    state: str | None = None
    ready: bool = False
    profile: PrinterProfile | None = None
    profile_error: str | None = None
    job: dict[str, Any] | None = None
    img2print: bool = False
    bed: dict[str, Any] | None = None
    files: set[str] = field(default_factory=set)

    @property
    def bed_clear(self) -> bool:
        """True when the host's img2print holds a confirmation that the bed is clear."""
        return bool(self.bed and self.bed.get("clear"))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"host": self.host.name, "url": self.host.url, "group": self.host.group, "tags": list(self.host.tags),
                "reachable": self.reachable, "error": self.error, "octoprint": self.version, "state": self.state,
                "ready": self.ready, "profile": self.profile.as_dict() if self.profile else None,
                "profile_error": self.profile_error, "job": self.job, "img2print": self.img2print, "bed": self.bed}


def _current_profile(client: OctoPrintClient, profile_id: str | None) -> dict[str, Any]:
    """The printer profile the host prints with: the connection's, else OctoPrint's default."""
    profiles = client.printer_profiles()
    chosen = profiles.get(profile_id or "") or next((p for p in profiles.values() if p.get("default")), None)
    if chosen is None:
        raise BadInput("no_printer_profile", _("{host} has no printer profile.").format(host=client.name))
    return chosen


def _job(client: OctoPrintClient) -> dict[str, Any] | None:
    """The host's current (or finished) print: file and progress (percent done, seconds left); None when nothing
    printed since the file was selected."""
    data = client.job()
    name = ((data.get("job") or {}).get("file") or {}).get("name")
    progress = data.get("progress") or {}
    if not name or progress.get("completion") is None:
        return None
    return {"file": name, "progress": round(progress["completion"], 1), "time_left_s": progress.get("printTimeLeft")}


def host_status(client: OctoPrintClient, host: Host, with_files: bool = False) -> HostStatus:
    """Ask one host everything the farm needs; an unreachable host is a status with its error, not a failure."""
    status = HostStatus(host)
    try:
        status.version = client.version().get("server")
        connection = client.connection()
        printer = client.printer_state()
        status.state = printer.get("text") if printer else connection.get("state")
        status.ready = bool(printer and (printer.get("flags") or {}).get("ready"))
        status.job = _job(client)
        plugin = client.img2print()
        status.img2print, status.bed = plugin is not None, (plugin or {}).get("bed")
        if with_files:
            status.files = set(client.files())
        try:
            status.profile = from_octoprint(_current_profile(client, connection.get("printerProfile")))
        except BadInput as failure:
            status.profile_error = failure.message
    except HostFailed as failure:
        status.error = failure.message
        return status
    status.reachable = True
    return status


def survey(clients: Sequence[OctoPrintClient], hosts: Sequence[Host], with_files: bool = False,
           parallel: int = 8) -> list[HostStatus]:
    """Every host's status, asked of all hosts at once."""
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(hosts)))) as pool:
        return list(pool.map(lambda pair: host_status(*pair, with_files=with_files), zip(clients, hosts)))


# --- send -----------------------------------------------------------------------------------------------------

@dataclass
class SendOptions:
    """What to make of each job and how to send it."""

    mode: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    intent: str | None = None
    slicer: str | None = None
    max_megapixels: float = pipeline.DEFAULT_MAX_MEGAPIXELS
    timeout_s: float = 3600.0
    copies: int = 1
    start: bool = False
    bed_clear: frozenset[str] = frozenset()  # hosts without img2print whose beds the operator checked
    stagger_s: float = 0.0
    parallel: int = 4

    def recipe(self) -> dict[str, Any]:
        """Everything that shapes the G-code, for its content hash."""
        return {"mode": self.mode, "options": self.options, "overrides": self.overrides, "intent": self.intent,
                "slicer": self.slicer, "img2print": __plugin_version__}


@dataclass
class Placement:
    """One copy of a job on one printer: its G-code there, uploaded or found, and started or why not."""

    job: str
    host: str
    file: str
    profile: str
    uploaded: bool = False
    already_there: bool = False
    retries: int = 0
    started: bool = False
    start: str | None = None  # with --start: STARTED, NOT_STARTED or UNKNOWN
    not_started: dict[str, str] | None = None
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return dict(self.__dict__)


@dataclass
class JobOutcome:
    """Where one job went: its copies placed, the G-codes made (one per printer profile), what did not work."""

    job: str
    copies: int
    placements: list[Placement] = field(default_factory=list)
    slices: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # printer profile -> why it cannot print this job
    error: dict[str, Any] | None = None

    @property
    def missing(self) -> int:
        """Copies that found no printer."""
        return 0 if self.error else self.copies - len(self.placements)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"job": self.job, "copies": self.copies, "placed": len(self.placements), "missing": self.missing,
                "slices": self.slices, "refused": self.refused, "error": self.error,
                "placements": [p.as_dict() for p in self.placements]}


@dataclass
class SendReport:
    """A send's answer: each host's status before it, and each job's outcome."""

    hosts: list[HostStatus]
    jobs: list[JobOutcome]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"hosts": [h.as_dict() for h in self.hosts], "jobs": [j.as_dict() for j in self.jobs]}


def profile_key(profile: PrinterProfile) -> str:
    """What makes two printers print the same G-code: their whole profile (bed, nozzle, start and end G-code, slicer
    settings ...) without its id and name."""
    shape = {k: v for k, v in asdict(profile).items() if k not in ("id", "name")}
    return json.dumps(shape, sort_keys=True, default=list)


def gcode_name(job: Path, options: SendOptions, key: str) -> str:
    """``<job>-<hash>.gcode``: the hash of the job's bytes, the recipe and the printer profile, so a host that holds
    this name holds this G-code."""
    digest = hashlib.sha256()
    with open(job, "rb") as content:
        for block in iter(lambda: content.read(1 << 20), b""):
            digest.update(block)
    digest.update(json.dumps([options.recipe(), key], sort_keys=True, default=str).encode())
    return f"{job.stem}-{digest.hexdigest()[:HASH_CHARS]}.gcode"


def _may_start(status: HostStatus, options: SendOptions) -> bool:
    return status.bed_clear if status.img2print else status.host.name in options.bed_clear


def _held(status: HostStatus, options: SendOptions) -> str | None:
    """Why a print may not start on this host (a code of HELD_BECAUSE), or None."""
    if _may_start(status, options):
        return None
    return "bed_unconfirmed" if status.img2print else "no_plugin"


class _Slicer:
    """One G-code per (job, printer profile), made when first needed; why a profile cannot print it, remembered."""

    def __init__(self, job: Path, options: SendOptions, work: Path, progress: Progress) -> None:
        self.job, self.options, self.work, self.progress = job, options, work, progress
        self.made: dict[str, Path] = {}
        self.refused: dict[str, str] = {}

    def gcode(self, key: str, profile: PrinterProfile, name: str) -> Path | None:
        """The G-code for this profile, or None when the job does not fit it (bed, height, or a part thinner than
        its nozzle's line) or its slicer failed."""
        if key in self.refused:
            return None
        if key not in self.made:
            self.progress("slicing", job=self.job.name, profile=profile.name)
            options = self.options
            try:
                result = pipeline.slice_job(self.job, self.work / name, printer=profile, slicer=options.slicer,
                                            intent=options.intent, name=self.job.name, mode=options.mode,
                                            options=options.options, overrides=options.overrides,
                                            max_megapixels=options.max_megapixels, timeout_s=options.timeout_s)
            except (DoesNotFit, SlicerFailed) as failure:
                self.refused[key] = failure.message
                return None
            too_thin = [f.message for f in result.report.findings if f.code == pipeline.THIN_WALL]
            if too_thin:
                self.refused[key] = too_thin[0]
                return None
            self.made[key] = self.work / name
            self.progress("sliced", job=self.job.name, profile=profile.name, file=name)
        return self.made[key]


def _place(job: Path, options: SendOptions, free: list[HostStatus], work: Path,
           progress: Progress) -> tuple[JobOutcome, dict[str, Path]]:
    """Choose the job's printers (those whose bed may be started first), slicing once per printer profile; a
    host that holds the G-code already needs no slicing for it."""
    if not job.is_file():
        raise BadInput("file_not_found", _("{file}: no such file.").format(file=job), file=str(job))
    outcome = JobOutcome(job.name, options.copies)
    slicer, sources = _Slicer(job, options, work, progress), {}
    ordered = sorted(free, key=lambda s: not (options.start and _may_start(s, options)))
    for status in ordered:
        if len(outcome.placements) == options.copies:
            break
        key = profile_key(status.profile)
        name = gcode_name(job, options, key)
        if name not in status.files:
            made = slicer.gcode(key, status.profile, name)
            if made is None:
                outcome.refused[status.profile.name] = slicer.refused[key]
                continue
            sources[name] = made
        outcome.placements.append(Placement(job.name, status.host.name, name, status.profile.name))
        free.remove(status)
    seen: dict[str, dict[str, Any]] = {}
    for placement in outcome.placements:
        entry = seen.setdefault(placement.file, {"profile": placement.profile, "file": placement.file,
                                                 "sliced": placement.file in sources, "hosts": []})
        entry["hosts"].append(placement.host)
    outcome.slices = list(seen.values())
    return outcome, sources


def _upload(client: OctoPrintClient, status: HostStatus, placement: Placement, source: Path | None,
            progress: Progress) -> None:
    """Put the G-code on the host unless it holds it already (by its hashed name)."""
    before = client.retries
    try:
        if placement.file in status.files or source is None:
            placement.already_there = True
            return
        progress("uploading", host=placement.host, file=placement.file)
        placement.file = client.upload(source, placement.file)
        placement.uploaded = True
        progress("uploaded", host=placement.host, file=placement.file)
    except HostFailed as failure:
        placement.error = failure.as_dict()
    finally:
        placement.retries = client.retries - before


def _printing(client: OctoPrintClient, path: str) -> bool:
    """Whether the host is printing (or starting, or has paused) ``path`` now."""
    state = client.printer_state() or {}
    flags = state.get("flags") or {}
    busy = flags.get("printing") or flags.get("paused") or flags.get("pausing")
    current = ((client.job().get("job") or {}).get("file") or {})
    return bool(busy) and path in (current.get("path"), current.get("name"))


def _start_outcome(client: OctoPrintClient, path: str) -> str:
    """After a start request got no answer: what the host's own state says, asked at once and again a while later.
    STARTED once it prints the file; NOT_STARTED only when its last answer says it does not; else UNKNOWN."""
    outcome = UNKNOWN
    for wait in START_CHECK_WAITS_S:
        time.sleep(wait)
        try:
            if _printing(client, path):
                return STARTED
            outcome = NOT_STARTED
        except HostFailed:
            outcome = UNKNOWN
    return outcome


def _start(client: OctoPrintClient, placement: Placement, status: HostStatus) -> str:
    """Start the print (the bed is confirmed clear); STARTED, NOT_STARTED (the host said why) or UNKNOWN (it did not
    answer, nor say later what it did), recorded on the placement."""
    try:
        if status.img2print:
            client.print_on_confirmation(placement.file)
        else:
            client.select_and_print(placement.file)
        placement.start = STARTED
    except HostFailed as failure:
        code = failure.details.get("code") or failure.code
        answered = failure.code != "host_unreachable"
        placement.start = NOT_STARTED if answered else _start_outcome(client, placement.file)
        if placement.start == NOT_STARTED:
            message = _(HOLDS[code]) if code in HOLDS else failure.message if answered else \
                _("{host} did not answer the start, and says it is not printing the file.").format(host=client.name)
            placement.not_started = {"code": code if answered else "no_answer", "message": message}
        elif placement.start == UNKNOWN:
            placement.not_started = {"code": "start_unknown", "message": _(
                "{host} did not answer the start nor the questions after it: the print may or may not have started. "
                "Look at the printer before sending again.").format(host=client.name)}
    placement.started = placement.start == STARTED
    return placement.start


def send(hosts: Sequence[Host], jobs: Sequence[Path], options: SendOptions, *, timeout_s: float = 10.0,
         retry: Retry = DEFAULT_RETRY, progress: Progress = _quiet) -> SendReport:
    """Send every job to the farm's idle printers that fit it; start them where allowed, ``stagger_s`` apart."""
    clients = [OctoPrintClient(h.name, h.url, h.api_key, timeout_s=timeout_s, retry=retry,
                               on_retry=lambda host, attempt, problem: progress("retry", host=host, attempt=attempt,
                                                                                problem=problem)) for h in hosts]
    by_name = dict(zip((h.name for h in hosts), clients))
    statuses = survey(clients, hosts, with_files=True)
    progress("surveyed", hosts=len(statuses), ready=sum(s.ready for s in statuses))
    status_of = {s.host.name: s for s in statuses}
    free = [s for s in statuses if s.reachable and s.ready and s.profile is not None]
    outcomes: list[JobOutcome] = []
    with tempfile.TemporaryDirectory(prefix="img2print-farm-") as folder:
        sources: dict[str, Path] = {}
        for job in jobs:
            try:
                outcome, made = _place(job, options, free, Path(folder), progress)
            except Img2PrintError as failure:
                outcome, made = JobOutcome(job.name, options.copies, error=failure.as_dict()), {}
            outcomes.append(outcome)
            sources.update(made)
        placements = [p for o in outcomes for p in o.placements]
        with ThreadPoolExecutor(max_workers=max(1, options.parallel)) as pool:
            list(pool.map(lambda p: _upload(by_name[p.host], status_of[p.host], p, sources.get(p.file), progress),
                          placements))
    if options.start:
        asked = 0
        for placement in (p for p in placements if p.error is None):
            status = status_of[placement.host]
            held = _held(status, options)
            if held is not None:
                placement.start, placement.not_started = NOT_STARTED, {"code": held, "message": _(HELD_BECAUSE[held])}
                continue
            if asked and options.stagger_s > 0:  # between starts only: a copy that may not start waits for nothing
                time.sleep(options.stagger_s)
            asked += 1
            if _start(by_name[placement.host], placement, status) == STARTED:
                progress("started", host=placement.host, file=placement.file)
    return SendReport(statuses, outcomes)
