"""The G-code of a farm's job for one printer: made once per (job, printer profile, filament) through
``pipeline.slice_job`` and named by a hash of all that shapes it, so a host that holds that name holds that G-code.
A job that is G-code already (sliced for a printer, as a batch leaves it) is checked against that printer instead.
Different printer profiles are sliced at the same time; each one once."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .. import pipeline
from ..errors import BadInput, DoesNotFit, Img2PrintError, SlicerFailed
from ..filaments.library import DEFAULT_FILAMENT, Library
from ..i18n import _
from ..printers.profile import PrinterProfile
from ..recipe import Recipe
from ..slicing.gcode import GCODE_EXTENSIONS, inspect, verify
from ..slicing.gcode_safety import Commands

HASH_CHARS = 10
Progress = Callable[..., None]  # progress(event, **facts)


@dataclass(frozen=True)
class Refusal:
    """Why a printer cannot have a job: the error's code, kind (does_not_fit, slicer_failed) and message."""

    code: str
    kind: str
    message: str


def is_gcode(path: Path) -> bool:
    """Whether a job is G-code already."""
    return path.suffix.lower() in GCODE_EXTENSIONS


def require_printer(job: Path, printer: str | None) -> None:
    """A G-code job must say which printer it was sliced for, so that it goes only to printers of that kind."""
    if is_gcode(job) and printer is None:
        raise BadInput("gcode_needs_printer", _("{file} is G-code: say which printer it was sliced for (--printer), "
                                                "so it goes only to printers of that kind.").format(file=job.name),
                       file=str(job))


def profile_key(profile: PrinterProfile) -> str:
    """What makes two printers print the same G-code: their whole profile (bed, nozzle, start and end G-code, slicer
    settings ...) without its id and name."""
    shape = {k: v for k, v in asdict(profile).items() if k not in ("id", "name")}
    return json.dumps(shape, sort_keys=True, default=list)


def slice_key(profile: PrinterProfile, filament: str) -> str:
    """What makes two hosts print the same G-code: the printer's profile (``profile_key``) and the facts of the
    filament loaded."""
    return json.dumps([profile_key(profile), asdict(Library().get(filament))], sort_keys=True, default=list)


def gcode_name(job: Path, recipe: Recipe, key: str) -> str:
    """``<job>-<hash>.gcode``: the hash of the job's bytes, the recipe and the printer profile (a G-code job's: its
    bytes only), so a host that holds this name holds this G-code."""
    digest = hashlib.sha256()
    with open(job, "rb") as content:
        for block in iter(lambda: content.read(1 << 20), b""):
            digest.update(block)
    if not is_gcode(job):
        digest.update(json.dumps([recipe.shape(), key], sort_keys=True, default=str).encode())
    return f"{job.stem}-{digest.hexdigest()[:HASH_CHARS]}.gcode"


class GcodeMaker:
    """The G-codes of jobs for printers, in ``work``: made when first asked, remembered (a refusal too); asks for
    different printer profiles run at the same time, asks for the same one wait for the first."""

    def __init__(self, recipe: Recipe, work: Path, progress: Progress) -> None:
        self.recipe, self.work, self.progress = recipe, work, progress
        self._lock = threading.Lock()
        self._making: dict[tuple[str, str], threading.Lock] = {}
        self._done: dict[tuple[str, str], Path | Refusal] = {}

    def filament(self, loaded: str | None) -> str:
        """The filament a host's G-code is sliced for: the job's, else the one the host has loaded, else the
        default."""
        return self.recipe.overrides.get("filament") or loaded or DEFAULT_FILAMENT

    def for_host(self, job: Path, profile: PrinterProfile, held: set[str],
                 loaded: str | None = None) -> tuple[Path | Refusal | None, str]:
        """The job's G-code for a host of this printer with ``loaded`` filament and its name there; None for the
        G-code when the host holds that name already (``held``: its files)."""
        name = gcode_name(job, self.recipe, slice_key(profile, self.filament(loaded)))
        return (None if name in held else self.gcode(job, profile, loaded)), name

    def gcode(self, job: Path, profile: PrinterProfile, loaded: str | None = None) -> Path | Refusal:
        """The job's G-code for this printer and filament, or why the printer cannot have it (the model does not fit
        its bed, height or nozzle, its slicer failed, or a G-code job would not print safely on it)."""
        filament = self.filament(loaded)
        key = (str(job), slice_key(profile, filament))
        with self._lock:
            making = self._making.setdefault(key, threading.Lock())
        with making:
            if key not in self._done:
                self._done[key] = self._checked(job, profile) if is_gcode(job) else self._sliced(job, profile,
                                                                                                 filament)
            return self._done[key]

    def _sliced(self, job: Path, profile: PrinterProfile, filament: str) -> Path | Refusal:
        name = gcode_name(job, self.recipe, slice_key(profile, filament))
        if (self.work / name).is_file():  # made before, by an earlier run on the same folder
            return self.work / name
        self.progress("slicing", job=job.name, profile=profile.name)
        recipe = self.recipe
        try:
            result = pipeline.slice_job(job, self.work / name,
                                        replace(recipe, overrides={**recipe.overrides, "filament": filament}),
                                        printer=profile, name=job.name)
        except (DoesNotFit, SlicerFailed) as failure:
            return Refusal(failure.code, failure.kind, failure.message)
        too_thin = [f for f in result.report.findings if f.code == pipeline.THIN_WALL]
        if too_thin:
            return Refusal(too_thin[0].code, DoesNotFit.kind, too_thin[0].message)
        self.progress("sliced", job=job.name, profile=profile.name, file=name)
        return self.work / name

    def _checked(self, job: Path, profile: PrinterProfile) -> Path | Refusal:
        """A G-code job, checked as a slice is: on the bed, below the printer's height, safe to start."""
        try:
            verify(inspect(job, profile.centre, Commands(profile.start_macro, profile.end_macro)), profile,
                   job.name)
        except Img2PrintError as failure:
            return Refusal(failure.code, failure.kind, failure.message)
        return job
