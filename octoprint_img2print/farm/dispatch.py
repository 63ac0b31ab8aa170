"""``farm send``: jobs to a farm's idle printers at once. Each job goes to the printers that are what it needs
(``matching.Wants``) and that it fits, its G-code made once per printer profile (``gcodes``), different profiles at
the same time and uploads starting as each G-code is ready, a few at a time, without repeating what a host holds;
with ``start``, prints start only where the bed is confirmed clear, ``stagger_s`` apart within a group (one power
circuit)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput, Img2PrintError
from ..i18n import _
from ..recipe import Recipe
from ..scratch import scratch_folder
from .client import DEFAULT_RETRY, OctoPrintClient, Retry
from .farmfile import Host
from .gcodes import GcodeMaker, Progress, Refusal, is_gcode, require_printer
from .hosts import HostStatus, survey
from .matching import Wants
from .starting import STARTED, Placement, held, hold, start, upload

SLICES_AT_ONCE = 2  # printer profiles sliced at the same time (a slicer uses more than one core itself)

def _quiet(_event: str, **_facts: Any) -> None:
    """No progress shown."""


@dataclass
class SendOptions:
    """What to make of each job, what it needs of a printer, and how to send it."""

    recipe: Recipe = field(default_factory=Recipe)
    wants: Wants = field(default_factory=Wants)
    copies: int = 1
    start: bool = False
    bed_clear: frozenset[str] = frozenset()  # hosts without img2print whose beds the operator checked
    stagger_s: float = 0.0
    parallel: int = 4


@dataclass
class JobOutcome:
    """Where one job went: its copies on printers, the G-codes made (one per printer profile), which printers
    refused it and why."""

    job: str
    copies: int
    placements: list[Placement] = field(default_factory=list)
    slices: list[dict[str, Any]] = field(default_factory=list)
    refused: dict[str, Refusal] = field(default_factory=dict)  # host -> why it cannot print this job
    error: dict[str, Any] | None = None

    @property
    def placed(self) -> int:
        """Copies on a printer that holds their G-code (a failed upload is not placed)."""
        return sum(1 for p in self.placements if p.error is None)

    @property
    def missing(self) -> int:
        """Copies that found no printer."""
        return 0 if self.error else self.copies - len(self.placements)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"job": self.job, "copies": self.copies, "placed": self.placed, "missing": self.missing,
                "slices": self.slices, "refused": {host: r.message for host, r in self.refused.items()},
                "error": self.error, "placements": [p.as_dict() for p in self.placements]}


@dataclass
class SendReport:
    """A send's answer: each host's status before it, and each job's outcome."""

    hosts: list[HostStatus]
    jobs: list[JobOutcome]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"hosts": [h.as_dict() for h in self.hosts], "jobs": [j.as_dict() for j in self.jobs]}


class _Sending:
    """One send: the G-codes made so far and the uploads under way."""

    def __init__(self, options: SendOptions, work: Path, clients: dict[str, OctoPrintClient],
                 statuses: dict[str, HostStatus], progress: Progress) -> None:
        self.options, self.clients, self.statuses, self.progress = options, clients, statuses, progress
        self.maker = GcodeMaker(options.recipe, work, progress)
        self.slicing = ThreadPoolExecutor(max_workers=SLICES_AT_ONCE)
        self.uploading = ThreadPoolExecutor(max_workers=max(1, options.parallel))
        self.uploads: list[Future] = []

    def close(self) -> None:
        self.slicing.shutdown()
        self.uploading.shutdown()

    def place(self, job: Path, free: list[HostStatus]) -> JobOutcome:
        """Choose the job's printers among the free ones that are what it needs (those whose bed may be started
        first): each printer's G-code made, or found on the host; uploads start as each is ready."""
        if not job.is_file():
            raise BadInput("file_not_found", _("{file}: no such file.").format(file=job), file=str(job))
        options = self.options
        require_printer(job, options.wants.printer)
        outcome = JobOutcome(job.name, options.copies)
        candidates = [s for s in free if options.wants.met_by(s)]
        candidates.sort(key=lambda s: options.start and held(s, options.bed_clear) is not None)
        sliced: set[str] = set()
        while candidates and len(outcome.placements) < options.copies:
            batch = candidates[:options.copies - len(outcome.placements)]
            del candidates[:len(batch)]
            made = {s.host.name: self.slicing.submit(self.maker.for_host, job, s.profile, s.files, s.filament)
                    for s in batch}
            for status in batch:
                gcode, name = made[status.host.name].result()
                if isinstance(gcode, Refusal):
                    outcome.refused[status.host.name] = gcode
                    continue
                placement = Placement(job.name, status.host.name, name, status.profile.name)
                outcome.placements.append(placement)
                free.remove(status)
                if gcode is not None:
                    sliced.add(name)
                self.uploads.append(self.uploading.submit(upload, self.clients[status.host.name], status, placement,
                                                          gcode, self.progress))
        outcome.slices = _slices(outcome.placements, sliced if not is_gcode(job) else set())
        return outcome


def _slices(placements: list[Placement], sliced: set[str]) -> list[dict[str, Any]]:
    """Each G-code placed: its printer profile, whether it was made now, and the hosts it went to."""
    seen: dict[str, dict[str, Any]] = {}
    for placement in placements:
        entry = seen.setdefault(placement.file, {"profile": placement.profile, "file": placement.file,
                                                 "sliced": placement.file in sliced, "hosts": []})
        entry["hosts"].append(placement.host)
    return list(seen.values())


def _start_all(placements: list[Placement], clients: dict[str, OctoPrintClient], statuses: dict[str, HostStatus],
               options: SendOptions, progress: Progress) -> None:
    """Start the uploaded copies that may start; within a group one after another, ``stagger_s`` apart (only
    between actual starts), the groups side by side."""
    groups: dict[str | None, list[Placement]] = defaultdict(list)
    for placement in (p for p in placements if p.error is None):
        code = held(statuses[placement.host], options.bed_clear)
        if code is not None:
            hold(placement, code)
        else:
            groups[statuses[placement.host].host.group].append(placement)

    def start_group(members: list[Placement]) -> None:
        for number, placement in enumerate(members):
            if number and options.stagger_s > 0:
                time.sleep(options.stagger_s)
            if start(clients[placement.host], placement, statuses[placement.host]) == STARTED:
                progress("started", host=placement.host, file=placement.file)

    threads = [threading.Thread(target=start_group, args=(members,)) for members in groups.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def clients_for(hosts: Sequence[Host], timeout_s: float, retry: Retry, progress: Progress) -> dict[str,
                                                                                                  OctoPrintClient]:
    """A client for each host, saying its retries through ``progress``."""
    def on_retry(host: str, attempt: int, problem: str) -> None:
        progress("retry", host=host, attempt=attempt, problem=problem)

    return {h.name: OctoPrintClient(h.name, h.url, h.api_key, timeout_s=timeout_s, retry=retry, on_retry=on_retry)
            for h in hosts}


def send(hosts: Sequence[Host], jobs: Sequence[Path], options: SendOptions, *, timeout_s: float = 10.0,
         retry: Retry = DEFAULT_RETRY, progress: Progress = _quiet) -> SendReport:
    """Send every job to the farm's idle printers that it fits and that are what it needs; start them where
    allowed."""
    clients = clients_for(hosts, timeout_s, retry, progress)
    statuses = survey([clients[h.name] for h in hosts], hosts, with_files=True)
    progress("surveyed", hosts=len(statuses), ready=sum(s.ready for s in statuses))
    status_of = {s.host.name: s for s in statuses}
    free = [s for s in statuses if s.reachable and s.ready and s.profile is not None]
    outcomes: list[JobOutcome] = []
    with scratch_folder("farm") as folder:
        sending = _Sending(options, Path(folder), clients, status_of, progress)
        try:
            for job in jobs:
                try:
                    outcomes.append(sending.place(job, free))
                except Img2PrintError as failure:
                    outcomes.append(JobOutcome(job.name, options.copies, error=failure.as_dict()))
            for done in sending.uploads:
                done.result()
        finally:
            sending.close()
    if options.start:
        _start_all([p for o in outcomes for p in o.placements], clients, status_of, options, progress)
    return SendReport(statuses, outcomes)
