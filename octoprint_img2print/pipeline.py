"""The one place that knows the order of the stages: picture -> mode -> solid -> checks -> file."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadInput, DoesNotFit, Img2PrintError
from .geometry import outline
from .geometry.checks import MeshSummary, summarize, verdict
from .geometry.files import MODEL_EXTENSIONS, model_format, read_mesh, write_atomically, write_mesh
from .geometry.mesh import Mesh
from .geometry.stl import write_stl
from .i18n import _
from .imaging.classify import looks_like_logo
from .imaging.load import DEFAULT_MAX_MEGAPIXELS, load_picture
from .modes import ARTWORK, MODES, nozzle
from .modes.options import ModeOptions
from .modes.vector import VectorOptions, load_artwork
from .printers.fit import fit_to_printer
from .printers.profile import PrinterProfile
from .report import ERROR, INFO, WARNING, Report
from .slicing import curaengine, prusaslicer
from .slicing.backend import DEFAULT_TIMEOUT_S, SlicerInfo
from .slicing.gcode import GcodeFacts, inspect, verify
from .slicing.intents import MODE_INTENTS, Intent, get_intent
from .slicing.orientation import Orientation, best_orientation, fixed_orientation, turned
from .slicing.plan import SliceSettings, adhesion_margin, plan
from .slicing.thumbnail import embed

Progress = Callable[[str], None]

STAGE_LOADING = "loading"
STAGE_BUILDING = "building"
STAGE_CHECKING = "checking"
STAGE_WRITING = "writing"
STAGE_SLICING = "slicing"
STAGE_INSPECTING = "inspecting"
DEFAULT_LITHOPHANE_WIDTH_MM = 100.0


def _silent(_stage: str) -> None:
    """Progress sink that shows nothing."""


@dataclass
class ConvertResult:
    """A converted solid, what the checks found, and where it was written."""

    mode: str
    mesh: Mesh
    summary: MeshSummary
    report: Report
    options: ModeOptions
    output: Path | None = None
    file_bytes: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        data = {"mode": self.mode, **self.summary.as_dict()}
        data["findings"] = self.report.as_list() + data["findings"]
        if self.output is not None:
            data.update(output=str(self.output), file_bytes=self.file_bytes)
        return data


def mode_options(mode: str, values: dict[str, Any] | ModeOptions) -> ModeOptions:
    """Validated options of ``mode`` from plain values (or options already made)."""
    if mode not in MODES:
        raise BadInput("unknown_mode", _("Unknown mode '{mode}'; choose one of: {choices}.")
                       .format(mode=mode, choices=", ".join(MODES)), mode=mode)
    options = values if isinstance(values, ModeOptions) else MODES[mode].options.from_dict(values)
    options.validate()
    return options


def build_solid(source: bytes | Path, *, name: str | None = None, mode: str = "lithophane",
                options: dict[str, Any] | ModeOptions | None = None,
                max_megapixels: float = DEFAULT_MAX_MEGAPIXELS, progress: Progress = _silent) -> ConvertResult:
    """Turn an image into a checked solid; refuse to hand on anything that is not a closed solid."""
    chosen = mode_options(mode, options or {})
    progress(STAGE_LOADING)
    if MODES[mode].reads == ARTWORK:
        loaded = load_artwork(source, name, chosen, max_megapixels)
    else:
        loaded = load_picture(source, name, max_megapixels=max_megapixels, needed_size=chosen.needed_pixels(),
                              keep_values=MODES[mode].needs_values)
    progress(STAGE_BUILDING)
    mesh, report = MODES[mode].module.build(loaded, chosen)
    progress(STAGE_CHECKING)
    summary = summarize(mesh)
    if not summary.closed:
        raise Img2PrintError("internal_mesh_error",
                             _("img2print built a solid that is not closed ({problems}); please report this "
                               "with the picture.").format(problems=", ".join(summary.report.codes())))
    return ConvertResult(mode, mesh, summary, report, chosen)


def convert(source: bytes | Path, output: Path, *, ascii: bool = False, progress: Progress = _silent,
            **kwargs: Any) -> ConvertResult:
    """Turn an image into a checked solid and write it to ``output`` (format from its extension)."""
    output = Path(output)
    model_format(output)
    result = build_solid(source, progress=progress, **kwargs)
    progress(STAGE_WRITING)
    result.file_bytes = write_mesh(result.mesh, output, ascii=ascii)
    result.output = output
    return result


def check(path: Path) -> MeshSummary:
    """Read any STL or 3MF file and report whether it is a printable solid."""
    return summarize(read_mesh(Path(path)))


def trace(source: bytes | Path, output: Path, *, name: str | None = None,
          options: dict[str, Any] | VectorOptions | None = None,
          max_megapixels: float = DEFAULT_MAX_MEGAPIXELS) -> dict[str, Any]:
    """Trace a logo (or clean an SVG) into an SVG of filled outlines in millimetres."""
    output = Path(output)
    if output.suffix.lower() != ".svg":
        raise BadInput("unknown_vector_format", _("{file}: the traced outline is written as SVG; use the .svg "
                                                  "extension.").format(file=output.name), file=str(output))
    chosen = options if isinstance(options, VectorOptions) else VectorOptions.from_dict(options or {})
    chosen.validate()
    artwork = load_artwork(source, name, chosen, max_megapixels)
    region, report = nozzle.printable_artwork(artwork, chosen)
    width, height = artwork.size
    document = outline.to_svg(region, width, height)
    size = write_atomically(output, lambda target: target.write_text(document, encoding="utf-8"))
    rings = outline.rings(region)
    return {"output": str(output), "file_bytes": size, "size_mm": [round(width, 4), round(height, 4)],
            "parts": len(region.decompose()), "holes": sum(1 for r in rings if outline.signed_area(r) < 0),
            "area_mm2": round(float(region.area()), 3), "findings": report.as_list()}


@dataclass
class SliceResult:
    """G-code written, and what a user wants to know about it."""

    output: Path
    slicer: str
    slicer_version: str
    printer: str
    intent: str
    settings: SliceSettings
    orientation: Orientation
    facts: GcodeFacts
    size_mm: list[float]
    report: Report

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"output": str(self.output), "slicer": self.slicer, "slicer_version": self.slicer_version,
                "printer": self.printer, "intent": self.intent,
                "estimated_time_s": self.facts.estimated_time_s, "filament_mm": self.facts.filament_mm,
                "layers": self.facts.layers, "gcode_bounds_mm": self.facts.bounds,
                "max_z_mm": round(self.facts.max_z, 3), "size_mm": self.size_mm,
                "orientation": self.orientation.as_dict(), "supports": self.settings.supports,
                "settings": self.settings.as_dict(), "findings": self.report.as_list()}


SLICERS = {prusaslicer.NAME: prusaslicer, curaengine.NAME: curaengine}


def detect_slicer(name: str, paths: dict[str, str] | None = None) -> SlicerInfo:
    """The named slicer on this machine (PrusaSlicer or CuraEngine)."""
    if name not in SLICERS:
        raise BadInput("unknown_slicer", _("Unknown slicer '{slicer}'; choose prusaslicer or cura.")
                       .format(slicer=name), slicer=name)
    paths = paths or {}
    if name == curaengine.NAME:
        return curaengine.detect(paths.get("cura"), paths.get("cura_definitions"))
    return prusaslicer.detect(paths.get("prusaslicer"))


def is_model_file(name: str) -> bool:
    """True for names of model files (sliced as they are), False for pictures and drawings."""
    return Path(name).suffix.lower() in MODEL_EXTENSIONS


def default_mode(name: str, source: bytes | Path | None = None) -> str:
    """What a picture becomes when nobody says: an SVG or a logo a logo plate, a photo a lithophane."""
    if name.lower().endswith((".svg", ".svgz")):
        return "logo"
    if source is not None:
        try:
            if looks_like_logo(load_picture(source, name, needed_size=(256, 256))):
                return "logo"
        except BadInput:
            return "lithophane"
    return "lithophane"


def _model_for_slicing(source: bytes | Path, name: str, mode: str | None, options: dict[str, Any] | None,
                       max_megapixels: float, printer: PrinterProfile,
                       progress: Progress) -> tuple[Mesh, Report, str | None, ModeOptions | None]:
    """The solid to slice: a model file as it is (if it is printable), or a picture converted by its mode."""
    if is_model_file(name):
        if isinstance(source, bytes):
            raise BadInput("model_bytes", _("{file}: give model files as a path.").format(file=name), file=name)
        progress(STAGE_LOADING)
        mesh = read_mesh(Path(source))
        summary = summarize(mesh)
        if not summary.closed:
            raise BadInput("model_not_printable", _("{file}: {verdict}").format(file=name, verdict=verdict(summary)),
                           file=name, findings=summary.report.as_list())
        return mesh, Report(), None, None
    chosen = mode or default_mode(name, source)
    options = dict(options or {})
    if chosen == "lithophane" and options.get("width") is None and options.get("height") is None:
        options["width"] = min(DEFAULT_LITHOPHANE_WIDTH_MM, round(printer.width * 0.6))
    built = build_solid(source, name=name, mode=chosen, options=options, max_megapixels=max_megapixels,
                        progress=progress)
    return built.mesh, built.report, built.mode, built.options


def _orientation(mesh: Mesh, mode: str | None, options: ModeOptions | None, intent: Intent,
                 asked: str | None) -> Orientation:
    """The orientation asked for, else the mode's own, else the intent's."""
    name = asked or (MODES[mode].module.preferred_orientation(options) if mode and options is not None
                     and hasattr(MODES[mode].module, "preferred_orientation") else None) or intent.orientation
    return best_orientation(mesh) if name == "auto" else fixed_orientation(mesh, name)


@dataclass
class PreparedModel:
    """A solid turned, planned and placed for a printer, centred on the origin on z = 0."""

    mesh: Mesh
    intent: Intent
    orientation: Orientation
    settings: SliceSettings
    report: Report


def prepare_for_printer(mesh: Mesh, printer: PrinterProfile, *, mode: str | None = None,
                        options: ModeOptions | None = None, intent: str | None = None,
                        orientation: str | None = None, overrides: dict[str, Any] | None = None,
                        scale_to_fit: bool = False, tree_supports: bool = False) -> PreparedModel:
    """Orientation, plan and fit: everything before slicing (DoesNotFit when it does not fit)."""
    chosen_intent = get_intent(intent or MODE_INTENTS.get(mode or "", "display"))
    turn = _orientation(mesh, mode, options, chosen_intent, orientation)
    settings = plan(printer, chosen_intent, turn.overhang_mm2, tree_supports, overrides)
    placed, report = fit_to_printer(turned(mesh, turn.rotation), printer, adhesion_margin(settings), scale_to_fit)
    report.extend(nozzle_report(mode, options, settings))
    if settings.supports:
        report.add(INFO, "supports_needed", _("{area:.0f} mm² overhang more than 45 degrees and will print on "
                                              "supports.").format(area=turn.overhang_mm2),
                   overhang_mm2=round(turn.overhang_mm2, 1))
    low, high = placed.bounds()
    centred = placed.translated([-(low[0] + high[0]) / 2, -(low[1] + high[1]) / 2, -low[2]])
    return PreparedModel(centred, chosen_intent, turn, settings, report)


def assess_for_printer(built: ConvertResult, printer: PrinterProfile, intent: str | None = None) -> Report:
    """What a preview tells about printing: does it fit, does it need supports, is anything too thin."""
    try:
        return prepare_for_printer(built.mesh, printer, mode=built.mode, options=built.options,
                                   intent=intent).report
    except DoesNotFit as failure:
        report = Report()
        report.add(ERROR, failure.code, failure.message, **failure.details)
        return report


def slice_job(source: bytes | Path, output: Path, *, printer: PrinterProfile, slicer: str = prusaslicer.NAME,
              intent: str | None = None, name: str | None = None, mode: str | None = None,
              options: dict[str, Any] | None = None, overrides: dict[str, Any] | None = None,
              orientation: str | None = None, scale_to_fit: bool = False,
              max_megapixels: float = DEFAULT_MAX_MEGAPIXELS, slicer_paths: dict[str, str] | None = None,
              timeout_s: float = DEFAULT_TIMEOUT_S, cancel: threading.Event | None = None,
              progress: Progress = _silent, slicing_progress: Callable[[float], None] | None = None) -> SliceResult:
    """Picture or model -> checked solid -> oriented and fitted to the printer -> sliced -> checked G-code."""
    output = Path(output)
    name = name or (source.name if isinstance(source, Path) else "upload")
    info = detect_slicer(slicer, slicer_paths)
    mesh, report, used_mode, mode_opts = _model_for_slicing(source, name, mode, options, max_megapixels, printer,
                                                            progress)
    prepared = prepare_for_printer(mesh, printer, mode=used_mode, options=mode_opts, intent=intent,
                                   orientation=orientation, overrides=overrides, scale_to_fit=scale_to_fit,
                                   tree_supports=SLICERS[slicer].has_tree_supports(info))
    report.extend(prepared.report)
    centred, settings, turn, chosen_intent = prepared.mesh, prepared.settings, prepared.orientation, prepared.intent
    progress(STAGE_SLICING)
    with tempfile.TemporaryDirectory(prefix="img2print-slice-") as folder:
        work = Path(folder)
        model = work / "model.stl"
        write_stl(centred, model)
        sliced = work / "out.gcode"
        figures = SLICERS[slicer].slice_model(info, model, sliced, printer, settings, work, progress=slicing_progress,
                                              cancel=cancel, timeout_s=timeout_s)
        progress(STAGE_INSPECTING)
        facts = inspect(sliced, printer.centre)
        verify(facts, printer, info.name)
        facts.estimated_time_s = figures.get("estimated_time_s", facts.estimated_time_s)
        facts.filament_mm = figures.get("filament_mm", facts.filament_mm)
        embed(sliced, centred)
        write_atomically(output, lambda target: shutil.move(str(sliced), target))
    return SliceResult(output, info.name, info.version_text, printer.id, chosen_intent.id, settings, turn, facts,
                       [round(float(v), 3) for v in centred.size()], report)


def nozzle_report(mode: str | None, options: ModeOptions | None, settings: SliceSettings) -> Report:
    """The thinnest wall a mode builds (a lithophane's thinnest part, a plate's base) against the nozzle's line."""
    report = Report()
    thinnest = getattr(options, "min_thickness", getattr(options, "base", None)) if options is not None else None
    if thinnest is not None and thinnest < settings.line_width:
        report.add(WARNING, "wall_below_nozzle",
                   _("The thinnest part ({thin:.2f} mm) is thinner than the {line:.2f} mm line the nozzle prints.")
                   .format(thin=thinnest, line=settings.line_width), thickness_mm=thinnest,
                   line_width_mm=settings.line_width)
    return report
