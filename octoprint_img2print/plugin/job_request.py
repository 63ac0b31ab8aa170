"""What a job asks for, as one typed request: built by one function for the plugin's API and OctoPrint's Slice
dialog, stored with the job, and read by the worker. The defaults of a job's limits live here, once."""

from __future__ import annotations

import os
import resource
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..imaging.load import DEFAULT_MAX_MEGAPIXELS
from ..print_rules import PrintGo
from ..recipe import Recipe
from ..slicing.backend import DEFAULT_TIMEOUT_S

PREVIEW, CONVERT, SLICE, CHECK, REPAIR, GENERATE = "preview", "convert", "slice", "check", "repair", "generate"
JOB_TIME_LIMIT_S = DEFAULT_TIMEOUT_S
MEMORY_CAP_MB = 1536
WORKER_NICE = 10
OUTPUT_SUFFIXES = {CONVERT: ".stl", SLICE: ".gcode"}
REPAIRED_SUFFIX, GENERATED_SUFFIX = "-repaired", "-3d"


@dataclass
class Target:
    """Where a job's file goes: a folder of OctoPrint's file list (then perhaps selected, or printed on a person's
    go), or the path OctoPrint's own slicing asked for."""

    folder: str = ""
    select: bool = False
    print: bool = False
    machinecode_path: str | None = None
    go: PrintGo | None = None


@dataclass
class Limits:
    """How a job's worker is held back: CPU priority, memory cap and time limit."""

    nice: int = WORKER_NICE
    memory_mb: int = MEMORY_CAP_MB
    max_job_seconds: float = JOB_TIME_LIMIT_S

    def apply(self) -> None:
        """Lower this process's priority and cap its address space."""
        if self.nice:
            os.nice(self.nice)
        if self.memory_mb:
            cap = self.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


@dataclass
class JobRequest:
    """One job: what to do with which file, and everything the worker needs for it."""

    action: str
    source: str
    name: str
    recipe: Recipe = field(default_factory=Recipe)
    language: str = "en"
    printer: str | None = None
    printer_profile: dict[str, Any] | None = None
    output_name: str | None = None
    target: Target = field(default_factory=Target)
    pictures: bool = True  # a preview's pictures of the solid, for a page without a 3D view

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON) for the worker and the job list on disk."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobRequest:
        """The request from its plain data (a job stored before requests held a recipe has its parts beside the
        request's own: they are read as its recipe)."""
        target = dict(data.get("target", {}))
        go = target.pop("go", None)
        own = {f.name for f in fields(cls)} - {"recipe", "target"}
        return cls(**{key: value for key, value in data.items() if key in own},
                   recipe=Recipe.from_dict(data.get("recipe", data)),
                   target=Target(**target, go=PrintGo(**go) if go else None))


@dataclass(frozen=True)
class JobDefaults:
    """What the plugin's settings add to a job: the slicer and its settings, limits and per-mode defaults."""

    slicer: str
    slicer_settings: Mapping[str, Mapping[str, str]]
    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    timeout_s: float = JOB_TIME_LIMIT_S
    mode_defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    filament: str | None = None  # the filament loaded, which a job slices for unless it asks for another


def _given(value: Any) -> bool:
    return value not in (None, "")


def placement(asked: Mapping[str, Any], loaded: str | None = None) -> dict[str, Any]:
    """The slicing overrides asked for, with orientation and scale to fit (which the API also takes on their own),
    and the ``loaded`` filament unless another is asked for."""
    overrides = dict(asked.get("overrides") or {})
    if loaded and not _given(overrides.get("filament")):
        overrides["filament"] = loaded
    for key in ("orientation", "scale_to_fit"):
        if _given(asked.get(key)):
            overrides[key] = asked[key]
    return overrides


def output_name(action: str, path: str) -> str | None:
    """The name of the file a job adds to the file list: a model for convert, G-code for slice, for repair the
    model's name with "-repaired" (3MF stays 3MF, every other format becomes STL), for generate "-3d.stl"."""
    stem = Path(path).stem
    if action == GENERATE:
        return f"{stem}{GENERATED_SUFFIX}.stl"
    if action == REPAIR:
        return f"{stem}{REPAIRED_SUFFIX}{'.3mf' if Path(path).suffix.lower() == '.3mf' else '.stl'}"
    return f"{stem}{OUTPUT_SUFFIXES[action]}" if action in OUTPUT_SUFFIXES else None


def build_request(action: str, source: str, path: str, asked: Mapping[str, Any], defaults: JobDefaults, *,
                  language: str = "en", printer_profile: Mapping[str, Any] | None = None,
                  machinecode_path: str | None = None, go: PrintGo | None = None) -> JobRequest:
    """The job for a file of OctoPrint's file list (``path``, on disk at ``source``) and what a user asked.

    ``asked`` holds mode, options, printer, intent, slicer, overrides, orientation, scale_to_fit, select, print and
    pictures (false: a page with a 3D view needs no pictures of the solid);
    ``printer_profile`` is OctoPrint's printer, used unless ``asked`` names one of img2print's printers; ``go`` is
    the person's go to print, asked for with ``print``.
    """
    mode = asked.get("mode") or None
    per_mode = {k: v for k, v in (defaults.mode_defaults.get(mode or "") or {}).items() if _given(v)}
    options = {k: v for k, v in (asked.get("options") or {}).items() if _given(v)}
    if "width" in per_mode and "width" not in options and "height" not in options:
        options["width"] = float(per_mode["width"])
    slicer = asked.get("slicer") or defaults.slicer
    printer = asked.get("printer") or None
    recipe = Recipe(mode=mode, options=options, intent=asked.get("intent") or per_mode.get("intent"), slicer=slicer,
                    slicer_settings=dict(defaults.slicer_settings.get(slicer, {})),
                    overrides=placement(asked, defaults.filament), max_megapixels=defaults.max_megapixels,
                    timeout_s=defaults.timeout_s)
    return JobRequest(
        action=action, source=source, name=Path(path).name, recipe=recipe, language=language, printer=printer,
        printer_profile=dict(printer_profile) if printer_profile is not None and printer is None else None,
        output_name=output_name(action, path), pictures=asked.get("pictures") not in (False, "false"),
        target=Target(folder=str(Path(path).parent) if "/" in path else "", select=bool(asked.get("select")),
                      print=bool(asked.get("print")), machinecode_path=machinecode_path, go=go))
