"""The one place that knows the order of the stages.

Making a solid: read the input (once) -> the mode's options -> build -> check -> write.
Printing it: the solid (or a model file) -> orientation -> plan -> fit -> slice -> check the G-code.
"""

from __future__ import annotations

import math
import shutil
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import stages
from .building import nozzle
from .building.artwork import Artwork, ArtworkOptions, load_artwork, traced_artwork
from .building.drawn import drawn_picture
from .building.lettering import TextOptions, lettered
from .building.size import SizedOptions
from .building.tones import FROM_FILAMENT, ToneOptions
from .errors import BadInput, Cancelled, DoesNotFit, Img2PrintError, SlicerFailed
from .filaments.appearance import LayerGrid
from .filaments.library import DEFAULT_FILAMENT, Library
from .filaments.painting import SWAPS_FINDING, Plan, plan_of
from .filaments.slicer_projects import colour_change_parts
from .generating import tripo
from .geometry import outline
from .geometry.budget import BESIDE_BYTES_PER_TRIANGLE, gigabytes, memory_budget, slicer_bytes, triangle_budget
from .geometry.checks import MIN_PART_MM, MeshSummary, closer_look, first_look, needs_repair, summarize, verdict
from .geometry.files import READ_MODEL_EXTENSIONS, model_format, read_mesh, write_atomically, write_mesh
from .geometry.mesh import Mesh
from .geometry.placing import scaled_to_height, standing
from .geometry.repair import RepairResult
from .geometry.repair import repair as repair_mesh
from .geometry.stl import write_stl
from .i18n import N_, _
from .imaging.classify import looks_like_logo
from .imaging.load import DEFAULT_MAX_MEGAPIXELS, Picture, load_picture
from .imaging.svg import looks_like_svg
from .modes import ARTWORK, COLOUR, DRAWING, ELEVATION, FLAT_ART, NOTHING, PHOTO, PICTURE, Mode, get_mode, mode_for
from .options import require_range
from .printers.fit import fit_to_printer
from .printers.profile import PrinterProfile
from .processes import in_background
from .recipe import Recipe
from .rendering.gcode_thumbnail import embed, thumbnail_block
from .rendering.live_sheet import live_sheet
from .rendering.painted import painted_colours, painted_picture
from .rendering.preview import backlit_picture, solid_picture
from .rendering.view_mesh import lit_from_behind, lit_through, write_view
from .report import ERROR, FIX_OPTION, FIX_VALUE, INFO, WARNING, Report, finding_kind
from .scratch import scratch_folder
from .slicing.backend import SlicerInfo
from .slicing.color_change import ARTWORK_NOTE, ColourChange
from .slicing.estimate import estimate
from .slicing.gcode import GcodeFacts, inspect, verify
from .slicing.gcode_safety import Commands, verify_safe
from .slicing.intents import Intent, get_intent
from .slicing.orientation import Orientation, best_orientation, fixed_orientation, turned
from .slicing.plan import SliceOverrides, SliceSettings, adhesion_margin, fill_temperatures, placed_settings, plan
from .slicing.slicers import default_backend, get_backend
from .slicing.tool_changes import tool_of, tools_for

Progress = Callable[[str], None]

MODEL_INTENT = "display"
NOTHING_ASKED = Recipe()  # the picture, the printer and the defaults decide everything
THIN_WALL = finding_kind("wall_below_nozzle", N_("Parts thinner than the nozzle's line: {count}"),
                         N_("Make them thick enough"))
PRINTER_WIDTH_SHARE = 0.6
MIN_GENERATED_MM, MAX_GENERATED_MM = 5.0, 1000.0
SPECK_SHARE = 0.01  # a separate piece of a generated model smaller than this share of it (or 1 mm printed) is a speck
# where uploading, generating and downloading start and end within the generating stage, 0 to 1
GENERATING_SPANS = {tripo.UPLOADING: (0.0, 0.05), tripo.GENERATING: (0.05, 0.95), tripo.DOWNLOADING: (0.95, 1.0)}


def _silent(_stage: str) -> None:
    """Progress sink that shows nothing."""


# --- reading the input ------------------------------------------------------------------------------------------

def is_model_file(name: str) -> bool:
    """True for names of model files (sliced as they are), False for pictures and drawings."""
    return Path(name).suffix.lower() in READ_MODEL_EXTENSIONS


def _read(mode: Mode, source: bytes | Path, name: str, options: SizedOptions,
          max_megapixels: float, quick: bool = False) -> Picture | Artwork | None:
    """What ``mode`` reads from the input: a picture, an elevation image with its values, artwork, or nothing
    (``quick``: for a preview, the pixels its coarser sampling needs: a large JPEG decodes at a smaller scale)."""
    if mode.reads == NOTHING:
        return None
    if mode.reads == ARTWORK:
        return load_artwork(source, name, options, max_megapixels)
    if isinstance(options, TextOptions) and options.text:
        return lettered(source, name, options, max_megapixels)
    if mode.reads in (PICTURE, COLOUR) and looks_like_svg(_head(source), name):
        return drawn_picture(source, name)
    return load_picture(source, name, max_megapixels=max_megapixels,
                        needed_size=(mode.preview_options(options) if quick else options).needed_pixels(),
                        keep_values=mode.reads == ELEVATION, keep_colour=mode.reads == COLOUR)


def _head(source: bytes | Path) -> bytes:
    """The first bytes of the input (none for a file that is not there: reading it then says so)."""
    if isinstance(source, bytes):
        return source[:4096]
    try:
        with open(source, "rb") as opened:
            return opened.read(4096)
    except OSError:
        return b""


def _read_unnamed(source: bytes | Path, name: str, values: Mapping[str, Any], max_megapixels: float,
                  widest: float | None) -> tuple[Mode, SizedOptions, Picture | Artwork]:
    """Without a mode: decode the input once, and let what it is (drawing, flat art, photo) choose the mode."""
    if looks_like_svg(_head(source), name):
        mode = mode_for(DRAWING)
        options = mode.options_from(values, widest)
        return mode, options, _read(mode, source, name, options, max_megapixels)
    picture = load_picture(source, name, max_megapixels=max_megapixels)
    mode = mode_for(FLAT_ART if looks_like_logo(picture) else PHOTO)
    options = mode.options_from(values, widest)
    if mode.reads == ARTWORK:
        return mode, options, traced_artwork(picture, options)
    if mode.reads == ELEVATION:
        return mode, options, _read(mode, source, name, options, max_megapixels)
    return mode, options, picture


def read_input(source: bytes | Path, name: str, mode: str | None, values: Mapping[str, Any] | SizedOptions,
               max_megapixels: float = DEFAULT_MAX_MEGAPIXELS, widest: float | None = None,
               quick: bool = False) -> tuple[Mode, SizedOptions, Picture | Artwork]:
    """The mode, its validated options and what it reads; without a mode, the input decides.

    ``widest`` caps the mode's default width (a printer's bed); given sizes are never changed; ``quick``: for a
    preview.
    """
    if mode is None:
        return _read_unnamed(source, name, values, max_megapixels, widest)
    chosen = get_mode(mode)
    options = chosen.options_from(values, widest)
    return chosen, options, _read(chosen, source, name, options, max_megapixels, quick)


# --- building and checking a solid ------------------------------------------------------------------------------

@dataclass
class ConvertResult:
    """A converted solid, what the checks found, and where it was written."""

    mode: Mode
    mesh: Mesh
    summary: MeshSummary
    report: Report
    options: SizedOptions
    output: Path | None = None
    file_bytes: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        data = {"mode": self.mode.id, **self.summary.as_dict()}
        data["findings"] = self.report.as_list() + data["findings"]
        if self.output is not None:
            data.update(output=str(self.output), file_bytes=self.file_bytes)
        return data


def build_solid(source: bytes | Path, recipe: Recipe = NOTHING_ASKED, *, name: str | None = None,
                widest: float | None = None, quick: bool = False, progress: Progress = _silent) -> ConvertResult:
    """Turn an image into a checked solid by the recipe's mode and options (``quick``: coarsened for a preview) for
    its filament (whose TD sets the thickness where the options ask for that); refuse anything not closed."""
    name = name or (source.name if isinstance(source, Path) else "upload")
    filament = recipe.filament
    progress(stages.LOADING)
    chosen, values, loaded = read_input(source, name, recipe.mode, recipe.options, recipe.max_megapixels, widest,
                                        quick)
    values = _for_filament(values, filament)
    if quick:
        values = chosen.preview_options(values)
    progress(stages.BUILDING)
    mesh, report = chosen.build(loaded, values)
    if isinstance(values, ToneOptions) and values.thickness == FROM_FILAMENT:
        used = Library().get(filament or DEFAULT_FILAMENT)
        report.add(INFO, "thickness_from_filament", _("The thickness follows the TD of {filament} ({td:g} mm): "
                                                      "{low:g} to {high:g} mm.")
                   .format(filament=used.name(_), td=used.td, low=values.min_thickness, high=values.max_thickness),
                   min_thickness=values.min_thickness, max_thickness=values.max_thickness, td=used.td)
    progress(stages.CHECKING)
    summary = summarize(mesh)
    if not summary.closed:
        raise Img2PrintError("internal_mesh_error",
                             _("img2print built a solid that is not closed ({problems}); please report this "
                               "with the picture.").format(problems=", ".join(summary.report.codes())))
    return ConvertResult(chosen, mesh, summary, report, values)


def _for_filament(options: SizedOptions, filament: str | None) -> SizedOptions:
    """Options that follow the filament (a thickness from its TD, a card that tests it) set from it (the default
    filament without one)."""
    follows = getattr(options, "for_filament", None)
    return follows(Library().get(filament or DEFAULT_FILAMENT)) if follows is not None else options


def convert(source: bytes | Path, output: Path, recipe: Recipe = NOTHING_ASKED, *, name: str | None = None,
            ascii: bool = False, progress: Progress = _silent) -> ConvertResult:
    """Turn an image into a checked solid and write it to ``output`` (format from its extension)."""
    output = Path(output)
    model_format(output)
    result = build_solid(source, recipe, name=name, progress=progress)
    progress(stages.WRITING)
    painted = painted_plan(result.report, result.mode, result.options, result.mesh)
    result.file_bytes = write_mesh(result.mesh, output, ascii=ascii,
                                   extra=colour_change_parts(painted) if painted is not None else None)
    result.output = output
    return result


def check(path: Path, name: str | None = None) -> MeshSummary:
    """Read a model file and report thoroughly whether it is a printable solid."""
    return summarize(read_mesh(Path(path), name), thorough=True)


def repair(path: Path, output: Path, *, name: str | None = None, min_part_mm: float = MIN_PART_MM,
           progress: Progress = _silent) -> RepairResult:
    """Read a model file, repair it, and write the result only if it passes the thorough check."""
    output = Path(output)
    model_format(output)
    name = name or Path(path).name
    progress(stages.LOADING)
    mesh = read_mesh(Path(path), name)
    progress(stages.REPAIRING)
    result = repair_mesh(mesh, min_part_mm)
    if not result.fixed:
        raise BadInput("not_repairable", _("{file}: repair could not make it printable. {verdict} Mend it in a 3D "
                                           "editor (for example Blender or MeshLab), or export it again.")
                       .format(file=name, verdict=verdict(result.after, repaired=True)), file=name,
                       **result.as_dict())
    progress(stages.WRITING)
    result.file_bytes = write_mesh(result.mesh, output)
    result.output = output
    return result


@dataclass
class GenerateResult:
    """A model made from a photo by a service, repaired, stood on the bed, sized, checked and written."""

    output: Path
    file_bytes: int
    summary: MeshSummary
    repair: RepairResult
    quote: tripo.Quote
    made: tripo.Generated

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"output": str(self.output), "file_bytes": self.file_bytes, **self.summary.as_dict(),
                "repaired": self.repair.done.as_list(), "task": self.made.task_id,
                "credits": {**self.quote.as_dict(), "used": self.made.credits_used}}


def generate(photo: Path, output: Path, *, height_mm: float, access: tripo.TripoAccess,
             confirm: Callable[[tripo.Quote], bool], name: str | None = None,
             max_megapixels: float = DEFAULT_MAX_MEGAPIXELS, timeout_s: float = tripo.GENERATION_TIMEOUT_S,
             progress: Progress = _silent,
             generating_progress: Callable[[float], None] | None = None) -> GenerateResult:
    """A photo -> Tripo's model (after ``confirm`` accepts the cost) -> repaired, on its base or largest flat face,
    ``height_mm`` tall, checked -> written atomically to ``output``."""
    output, photo = Path(output), Path(photo)
    model_format(output)
    require_range("height", height_mm, MIN_GENERATED_MM, MAX_GENERATED_MM)
    name = name or photo.name
    progress(stages.LOADING)
    load_picture(photo, name, max_megapixels=max_megapixels, needed_size=(64, 64))
    price = tripo.quote(access)
    if price.balance < price.cost:
        raise Img2PrintError("tripo_no_credits", _("A model costs about {cost:g} Tripo credits and your account "
                                                   "holds {balance:g}; buy more at {page}.")
                             .format(cost=price.cost, balance=price.balance, page=tripo.KEYS_PAGE))
    if not confirm(price):
        raise Cancelled("not_confirmed", _("Nothing was sent to Tripo: the cost was not confirmed."))
    progress(stages.GENERATING)

    def said(stage: str, fraction: float) -> None:
        start, end = GENERATING_SPANS[stage]
        if generating_progress is not None:
            generating_progress(start + (end - start) * fraction)

    with scratch_folder("generate") as folder:
        made = tripo.generate(photo, Path(folder), access, progress=said, timeout_s=timeout_s)
        mesh = read_mesh(made.path)
    progress(stages.REPAIRING)
    sized = scaled_to_height(mesh, height_mm)  # about the size asked (generated models stand upright), so that
    repaired = repair_mesh(sized, min_part_mm=max(MIN_PART_MM, float(sized.size().max()) * SPECK_SHARE))  # mm print
    if not repaired.fixed:
        raise BadInput("model_not_printable", _("Tripo's model could not be made printable. {verdict}")
                       .format(verdict=verdict(repaired.after, repaired=True)), task=made.task_id)
    placed = scaled_to_height(standing(repaired.mesh), height_mm)
    progress(stages.CHECKING)
    summary = summarize(placed, thorough=True)
    if not summary.closed:
        raise BadInput("model_not_printable", _("Tripo's model could not be made printable. {verdict}")
                       .format(verdict=verdict(summary)), task=made.task_id)
    progress(stages.WRITING)
    size = write_mesh(placed, output)
    return GenerateResult(output, size, summary, repaired, price, made)


def trace(source: bytes | Path, output: Path, *, name: str | None = None,
          options: Mapping[str, Any] | ArtworkOptions | None = None,
          max_megapixels: float = DEFAULT_MAX_MEGAPIXELS) -> dict[str, Any]:
    """Trace a logo (or clean an SVG) into an SVG of filled outlines in millimetres."""
    output = Path(output)
    if output.suffix.lower() != ".svg":
        raise BadInput("unknown_vector_format", _("{file}: the traced outline is written as SVG; use the .svg "
                                                  "extension.").format(file=output.name), file=str(output))
    chosen = ArtworkOptions.parse(options)
    artwork = load_artwork(source, name, chosen, max_megapixels)
    region, report = nozzle.printable_artwork(artwork, chosen)
    width, height = artwork.size
    document = outline.to_svg(region, width, height)
    size = write_atomically(output, lambda target: target.write_text(document, encoding="utf-8"))
    rings = outline.rings(region)
    return {"output": str(output), "file_bytes": size, "size_mm": [round(width, 4), round(height, 4)],
            "parts": len(region.decompose()), "holes": sum(1 for r in rings if outline.signed_area(r) < 0),
            "area_mm2": round(float(region.area()), 3), "findings": report.as_list()}


# --- before slicing: orientation, plan, fit ---------------------------------------------------------------------

def _orientation(mesh: Mesh, mode: Mode | None, options: SizedOptions | None, intent: Intent,
                 asked: str | None) -> Orientation:
    """The orientation asked for, else the mode's own, else the intent's."""
    own = mode.orientation(options) if mode is not None else None
    name = asked or own or intent.orientation
    return best_orientation(mesh) if name == "auto" else fixed_orientation(mesh, name)


def nozzle_report(mode: Mode | None, options: SizedOptions | None, settings: SliceSettings) -> Report:
    """The thinnest wall a mode builds (a lithophane's thinnest part, a plate's base) against the nozzle's line,
    with the fix: that option at the line's width."""
    report = Report()
    name = mode.thinnest_option if mode is not None else None
    thinnest = getattr(options, name) if name else None
    if thinnest is not None and thinnest < settings.line_width:
        report.add(WARNING, THIN_WALL,
                   _("The thinnest part ({thin:.2f} mm) is thinner than the {line:.2f} mm line the nozzle prints.")
                   .format(thin=thinnest, line=settings.line_width), thickness_mm=thinnest,
                   line_width_mm=settings.line_width,
                   **{FIX_OPTION: name, FIX_VALUE: math.ceil(settings.line_width * 20) / 20})
    return report


@dataclass
class PreparedModel:
    """A solid turned, planned and placed for a printer, centred on the origin on z = 0."""

    mesh: Mesh
    intent: Intent
    orientation: Orientation
    settings: SliceSettings
    report: Report


def prepare_for_printer(mesh: Mesh, printer: PrinterProfile, *, mode: Mode | None = None,
                        options: SizedOptions | None = None, intent: str | None = None,
                        overrides: SliceOverrides | None = None, tree_supports: bool = False,
                        painted: Plan | None = None, preview: bool = False) -> PreparedModel:
    """Orientation, plan and fit: everything before slicing (DoesNotFit when it does not fit); a painting's
    swaps become colour changes; for a ``preview``, a foot stands beside the sheet without being joined to it."""
    overrides = overrides or SliceOverrides()
    chosen_intent = get_intent(intent or (mode.intent if mode is not None else MODEL_INTENT))
    mesh, turn = _standing(mesh, mode, options, chosen_intent, overrides.orientation, joined=not preview)
    asked = overrides.as_settings()
    own_layers = mode.layers(options) if mode is not None else None
    if own_layers is not None:  # the solid's heights are whole layers of its own: slicing keeps them
        asked.update(first_layer_height=own_layers[0], layer_height=own_layers[1])
    loaded = asked.get("filament")
    if painted is not None:  # heated for the filaments it is painted with, whatever is said to be loaded
        asked["filament"] = painted.filaments[0].id
    settings = plan(printer, chosen_intent, turn.overhang_mm2, tree_supports, asked)
    placed, report = fit_to_printer(turned(mesh, turn.rotation), printer, adhesion_margin(settings),
                                    overrides.scale_to_fit)
    report.extend(nozzle_report(mode, options, settings))
    if painted is not None and loaded and Library().get(loaded).material != settings.filament.material:
        report.add(WARNING, "painting_material", _("Its filaments are {material}, so it is heated for {filament}, "
                                                   "not for {loaded}, the filament said to be loaded.")
                   .format(material=settings.filament.material, filament=settings.filament.name(_),
                           loaded=Library().get(loaded).name(_)))
    if settings.supports:
        report.add(INFO, "supports_needed", _("{area:.0f} mm² overhang more than 45 degrees and will print on "
                                              "supports.").format(area=turn.overhang_mm2),
                   overhang_mm2=round(turn.overhang_mm2, 1))
    centred = _centred(placed)
    settings = placed_settings(settings, mesh, centred, turn.rotation,
                               mode.seam_point(options, mesh) if mode is not None else None,
                               _colour_changes(mode, options, overrides, painted))
    if painted is not None and printer.tools > 1:
        settings = _with_tools(settings, printer, painted, float(centred.size()[0]), report)
    if overrides.color_change and not settings.color_changes:
        report.add(WARNING, "no_color_change", _("A colour change needs a logo or stamp lying flat, whose artwork "
                                                 "starts above its plate; this print stays one colour."))
    return PreparedModel(centred, chosen_intent, turn, settings, report)


def _colour_changes(mode: Mode | None, options: SizedOptions | None, overrides: SliceOverrides,
                    painted: Plan | None) -> list[ColourChange]:
    """A painting's swaps, or the one change where a logo's artwork starts when asked (heights on the solid as
    built)."""
    if painted is not None:
        return [ColourChange(float(painted.grid.top(swap.layer - 1)),
                             f"load {swap.filament.name()} ({swap.filament.id}) for layer {swap.layer}")
                for swap in painted.swaps()[1:]]
    starts = mode.artwork_starts(options) if mode is not None and overrides.color_change else None
    return [ColourChange(starts, ARTWORK_NOTE)] if starts is not None else []


def _with_tools(settings: SliceSettings, printer: PrinterProfile, painted: Plan, width: float,
                report: Report) -> SliceSettings:
    """A painting's swaps as tool changes on a printer with several tools, each filament in its own tool."""
    swaps = painted.swaps()
    tools = tools_for(printer, tuple(swap.filament for swap in swaps), width, adhesion_margin(settings))
    changes = tuple(replace(change, tool=tool_of(tools, swap.filament),
                            note=f"tool change to T{tool_of(tools, swap.filament)}: {swap.filament.name()}")
                    for change, swap in zip(settings.color_changes, swaps[1:]))
    report.add(INFO, "tool_filaments", _("Load the {printer}'s tools: {tools}. It changes between them by itself.")
               .format(printer=printer.name, tools=", ".join(f"T{index} {filament.name(_)}"
                                                            for index, filament in enumerate(tools.filaments))),
               tools=[filament.id for filament in tools.filaments])
    return replace(settings, color_changes=changes, tools=tools)


def painted_plan(report: Report, mode: Mode | None, options: SizedOptions | None, mesh: Mesh) -> Plan | None:
    """The plan of a painting (its swaps, in its build's findings, on its own layers), or None for other solids."""
    swaps = next((f.numbers["swaps"] for f in report.findings if f.code == SWAPS_FINDING), None)
    layers = mode.layers(options) if mode is not None else None
    if swaps is None or layers is None:
        return None
    grid = LayerGrid(*layers)
    return plan_of(swaps, grid, grid.levels_in(float(mesh.size()[2])))


def _standing(mesh: Mesh, mode: Mode | None, options: SizedOptions | None, intent: Intent,
              asked: str | None, joined: bool = True) -> tuple[Mesh, Orientation]:
    """The orientation (asked, else the mode's, else the intent's) and the solid it turns: a sheet that would stand
    on its bare edge gets the foot its options ask for (``joined`` to it, unless for a preview's look)."""
    turn = _orientation(mesh, mode, options, intent, asked)
    footed = mode.footing(options, mesh, joined) if mode is not None and turn.name == "upright" else None
    if footed is not None:
        return footed, replace(fixed_orientation(footed, "flat"), name="upright")
    return mesh, turn


def _centred(mesh: Mesh) -> Mesh:
    """The mesh centred on the origin, standing on z = 0 (as the slicer puts it on the bed's centre)."""
    low, high = mesh.bounds()
    return mesh.translated([-(low[0] + high[0]) / 2, -(low[1] + high[1]) / 2, -low[2]])


def assess_for_printer(built: ConvertResult, printer: PrinterProfile, intent: str | None = None,
                       overrides: SliceOverrides | None = None) -> tuple[Report, Mesh, SliceSettings | None]:
    """What a preview tells about printing (with the slicing options asked): does it fit (if not, the size that
    does), does it need supports, is anything too thin; the solid as it will stand on the bed, centred (turned as
    chosen even if too big); and, when it fits, the slicing plan it would be sliced with."""
    overrides = overrides or SliceOverrides()
    try:
        prepared = prepare_for_printer(built.mesh, printer, mode=built.mode, options=built.options, intent=intent,
                                       overrides=overrides, preview=True)
        return prepared.report, prepared.mesh, prepared.settings
    except DoesNotFit as failure:
        report = Report()
        fix = _size_that_fits(built, failure.details["largest_scale"])
        report.add(ERROR, failure.code, failure.message, **failure.details, **fix)
        mesh, turn = _standing(built.mesh, built.mode, built.options, get_intent(intent or built.mode.intent),
                               overrides.orientation, joined=False)
        return report, _centred(turned(mesh, turn.rotation)), None


def _size_that_fits(built: ConvertResult, scale: float) -> dict[str, Any]:
    """The fix for a solid too big for the printer: the width (or height) asked, made small enough that the solid,
    with what the mode adds around it (a plate's margin, a frame), shrinks by ``scale``."""
    name = "width" if built.options.width is not None else "height"
    asked = getattr(built.options, name)
    if asked is None:
        return {}
    added = max(0.0, float(built.mesh.size()[0 if name == "width" else 1]) - asked)
    return {FIX_OPTION: name, FIX_VALUE: math.floor((scale * asked - (1 - scale) * added) * 10) / 10}


def _widest(printer: PrinterProfile) -> float:
    """The widest a picture's solid is made by default for this printer (a share of its bed)."""
    return round(printer.width * PRINTER_WIDTH_SHARE)


def preview(source: bytes | Path, printer: PrinterProfile, recipe: Recipe = NOTHING_ASKED, *,
            name: str | None = None, progress: Progress = _silent, view: Path | None = None,
            pictures: bool = True) -> dict[str, Any]:
    """A quick solid as pictures (shaded, and lit from behind where the mode has that view; without ``pictures``
    none, for a page that shows the 3D view) with its findings for printing it with the slicing options asked; with
    ``view``, also the solid as it stands on the printer's bed written there for the pages' 3D view."""
    chosen_overrides = SliceOverrides.parse(recipe.overrides)
    built = build_solid(source, recipe, name=name, widest=_widest(printer), quick=True, progress=progress)
    answer = {**built.as_dict(), **({"preview": solid_picture(built.mesh)} if pictures else {})}
    report, placed, planned = assess_for_printer(built, printer, recipe.intent, chosen_overrides)
    answer["findings"] = answer["findings"] + report.as_list()
    if planned is not None:  # the estimate is of the preview's coarser solid, which holds the same plastic
        answer["estimate"] = estimate(placed, planned).as_dict()
        answer["planned"] = planned.as_options()  # what each slicing option left empty will be
    transmittance = built.mode.backlight(built.options)
    wall = built.mode.wall(built.options, built.mesh) if transmittance is not None else None
    if pictures and transmittance is not None and wall is None:  # a flat sheet: its picture seen from the front
        answer["backlit"] = backlit_picture(built.mesh, transmittance)
    painted = painted_plan(built.report, built.mode, built.options, built.mesh)
    if painted is not None:
        answer["painted"] = painted_picture(built.mesh, painted)
    rules = built.mode.live(built.options)
    if rules is not None:  # a sheet the pages can redraw at once when a size or thickness changes
        answer["live"] = live_sheet(placed, rules, {name: getattr(built.options, name)
                                                    for name in (*rules, "width", "height")},
                                    built.mode.round_back(built.options))
    if view is not None:
        lit = None if transmittance is None else lit_through(built.mesh, wall, transmittance) if wall is not None \
            else lit_from_behind(placed, transmittance)  # a shell's depths as built; placing keeps its vertices
        colours = painted_colours(placed, painted) if painted is not None else None
        answer["view"] = {**write_view(view, placed, lit, colours), "printer": printer.as_dict(),
                          "size_mm": [round(float(v), 2) for v in built.mesh.size()],  # as the model file has it
                          "bed_size_mm": [round(float(v), 2) for v in placed.size()]}  # as it stands on the bed
    return answer


# --- slicing --------------------------------------------------------------------------------------------------

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

    @property
    def filament_g(self) -> float:
        """The weight of the filament the G-code pushes."""
        return round(self.settings.filament.grams(self.facts.filament_mm or 0.0), 1)

    @property
    def filament_cost(self) -> float:
        """What that filament costs at its price per kg."""
        return round(self.filament_g / 1000 * self.settings.filament.price_per_kg, 2)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"output": str(self.output), "slicer": self.slicer, "slicer_version": self.slicer_version,
                "printer": self.printer, "intent": self.intent, "filament": self.settings.filament.id,
                "estimated_time_s": self.facts.estimated_time_s, "filament_mm": self.facts.filament_mm,
                "filament_g": self.filament_g, "filament_cost": self.filament_cost,
                "layers": self.facts.layers, "gcode_bounds_mm": self.facts.bounds,
                "max_z_mm": round(self.facts.max_z, 3), "size_mm": self.size_mm,
                "orientation": self.orientation.as_dict(), "supports": self.settings.supports,
                "settings": self.settings.as_dict(), "findings": self.report.as_list()}


def detect_slicer(name: str | None = None, configured: Mapping[str, str] | None = None) -> SlicerInfo:
    """The named slicer (or the default one) on this machine, with the user's settings for it."""
    backend = get_backend(name) if name else default_backend()
    return backend.detect(configured or {})


def _sound(summary: MeshSummary) -> bool:
    """Whether a model prints as it is: nothing stops it and nothing for repair to do."""
    return summary.closed and not needs_repair(summary)


def _printable_model(mesh: Mesh, name: str, repair: bool, progress: Progress,
                     summary: MeshSummary) -> tuple[Mesh, Report]:
    """A model as it is when it passes the thorough check (``summary``), else repaired (if allowed and possible),
    with a report of what repair did; a BadInput when it cannot be printed."""
    if _sound(summary):
        return mesh, Report()
    if not repair or not needs_repair(summary):  # not allowed, or nothing repair knows (no triangles at all)
        if summary.closed:
            return mesh, summary.report
        raise BadInput("model_not_printable", _("{file}: {verdict}").format(file=name, verdict=verdict(summary)),
                       file=name, findings=summary.report.as_list())
    progress(stages.REPAIRING)
    result = repair_mesh(mesh, before=summary)
    if not result.fixed:
        raise BadInput("model_not_printable", _("{file}: repair could not make it printable. {verdict}")
                       .format(file=name, verdict=verdict(result.after, repaired=True)), file=name,
                       **result.as_dict())
    report = Report()
    if not result.kept:
        report.add(INFO, "model_repaired", _("{file} was repaired before slicing.").format(file=name))
    report.extend(result.done)
    return result.mesh, report


def _require_slicer_memory(triangles: int, slicer: str) -> None:
    """Refuse, before it starts, a slice the slicer would need more memory for than the job may use."""
    need, budget = slicer_bytes(triangles), memory_budget()
    if need > budget:
        raise BadInput("too_large_to_slice",
                       _("{slicer} would need about {need} of memory to slice {count} triangles, more than the "
                         "{memory} this job may use. Simplify (decimate) the model, or give the job more memory "
                         "(the plugin's memory limit; on the command line, ulimit -v).")
                       .format(slicer=slicer, need=gigabytes(need), count=triangles, memory=gigabytes(budget)),
                       triangles=triangles, need_bytes=need, budget_bytes=budget)


@dataclass
class _Solid:
    """What is sliced: the solid, what was found and done on the way, the mode and options that built it (none for
    a model file), and the thorough check of a model file that runs beside the slicer."""

    mesh: Mesh
    report: Report
    mode: Mode | None = None
    options: SizedOptions | None = None
    checking: Future[MeshSummary] | None = None


class _Unsound(Exception):
    """The thorough check beside the slicer found what stops the model or what repair would change."""


@dataclass
class _StopSlicing:
    """The slicer's cancel: the person's, or the thorough check beside it finding the model unsound (its error, if
    it failed, comes through here)."""

    cancel: threading.Event | None
    checking: Future[MeshSummary]

    def is_set(self) -> bool:
        """Whether the slicer should stop."""
        return bool(self.cancel is not None and self.cancel.is_set()) or (self.checking.done()
                                                                          and not _sound(self.checking.result()))


def _model_for_slicing(source: bytes | Path, name: str, recipe: Recipe, printer: PrinterProfile, repair: bool,
                       progress: Progress, built: ConvertResult | None) -> _Solid:
    """The solid to slice: a model file (repaired if it must be and ``repair`` allows; one sound at the first look
    is sliced while the thorough look runs beside, where memory allows both), or a picture converted by its mode
    (``built`` when the printer's bed leaves its size as it is)."""
    if is_model_file(name):
        if isinstance(source, bytes):
            raise BadInput("model_bytes", _("{file}: give model files as a path.").format(file=name), file=name)
        progress(stages.LOADING)
        mesh = read_mesh(Path(source), name)
        progress(stages.CHECKING)
        summary, parts = first_look(mesh)
        if _sound(summary) and len(mesh.faces) <= triangle_budget(BESIDE_BYTES_PER_TRIANGLE):
            return _Solid(mesh, Report(), checking=in_background(closer_look, mesh, summary, parts))
        return _Solid(*_printable_model(mesh, name, repair, progress, closer_look(mesh, summary, parts)))
    widest = _widest(printer)
    if built is not None and _for_filament(built.mode.options_from(recipe.options, widest),
                                           recipe.filament) == built.options:
        report = Report()
        report.extend(built.report)
        return _Solid(built.mesh, report, built.mode, built.options)
    built = build_solid(source, recipe, name=name, widest=widest, progress=progress)
    return _Solid(built.mesh, built.report, built.mode, built.options)


def slice_job(source: bytes | Path, output: Path, recipe: Recipe = NOTHING_ASKED, *, printer: PrinterProfile,
              name: str | None = None, cancel: threading.Event | None = None, progress: Progress = _silent,
              repair: bool = True, slicing_progress: Callable[[float], None] | None = None,
              built: ConvertResult | None = None) -> SliceResult:
    """Picture or model -> checked solid -> oriented and fitted to the printer -> sliced -> checked G-code.

    ``built``: the solid already built from this picture with these options and no printer in mind (as a batch
    writes it); it is sliced as it is unless this printer's bed caps its default size. A model file sound at the
    first look is sliced while its thorough check runs beside; if that check finds it unsound, the slicer stops and
    the model is repaired (where allowed) and sliced again, or refused, as it would have been before slicing."""
    output = Path(output)
    name = name or (source.name if isinstance(source, Path) else "upload")
    overrides = SliceOverrides.parse(recipe.overrides)
    with ThreadPoolExecutor(1, thread_name_prefix="img2print-detect") as beside:
        detecting = beside.submit(detect_slicer, recipe.slicer, recipe.slicer_settings)  # answers while we build
        solid = _model_for_slicing(source, name, recipe, printer, repair, progress, built)
        info = detecting.result()
    if solid.checking is not None:
        try:
            return _sliced(solid, output, recipe, overrides, printer, info, cancel, progress, slicing_progress)
        except _Unsound:
            pass
        except Img2PrintError:  # refused before the check beside ended (too large for the bed...): its verdict first
            if (cancel is not None and cancel.is_set()) or _sound(solid.checking.result()):
                raise
        progress(stages.CHECKING)
        solid = _Solid(*_printable_model(solid.mesh, name, repair, progress, solid.checking.result()))
    return _sliced(solid, output, recipe, overrides, printer, info, cancel, progress, slicing_progress)


def _sliced(solid: _Solid, output: Path, recipe: Recipe, overrides: SliceOverrides, printer: PrinterProfile,
            info: SlicerInfo, cancel: threading.Event | None, progress: Progress,
            slicing_progress: Callable[[float], None] | None) -> SliceResult:
    """The solid oriented and fitted to the printer, sliced, its G-code checked and written to ``output``;
    ``_Unsound`` (nothing written) when the thorough check beside the slicer finds the model unsound."""
    backend = get_backend(info.name)
    report = solid.report
    prepared = prepare_for_printer(solid.mesh, printer, mode=solid.mode, options=solid.options, intent=recipe.intent,
                                   overrides=overrides,
                                   tree_supports=backend.has_tree_supports(info),
                                   painted=painted_plan(report, solid.mode, solid.options, solid.mesh))
    report.extend(prepared.report)
    _require_slicer_memory(len(prepared.mesh.faces), backend.label)
    progress(stages.SLICING)
    stop = cancel if solid.checking is None else _StopSlicing(cancel, solid.checking)
    with scratch_folder("slice") as folder:
        work = Path(folder)
        model = work / "model.stl"
        write_stl(prepared.mesh, model)
        drawing = in_background(thumbnail_block, prepared.mesh)  # drawn while the slicer runs
        sliced = work / "out.gcode"
        try:
            figures = backend.slice(info, model, sliced, printer, prepared.settings, work, progress=slicing_progress,
                                    cancel=stop, timeout_s=recipe.timeout_s)
        except Cancelled:
            if stop is cancel or (cancel is not None and cancel.is_set()):
                raise
            raise _Unsound from None  # the check beside stopped it
        if solid.checking is not None and not _sound(solid.checking.result()):
            raise _Unsound
        progress(stages.INSPECTING)
        facts = inspect(sliced, printer.centre, Commands(printer.start_macro, printer.end_macro))
        verify(facts, printer, backend.label)
        facts.estimated_time_s = figures.get("estimated_time_s", facts.estimated_time_s)
        facts.filament_mm = figures.get("filament_mm", facts.filament_mm)
        embed(sliced, drawing.result())
        write_atomically(output, lambda target: shutil.move(str(sliced), target))
    return SliceResult(output, info.name, info.version_text, printer.id, prepared.intent.id, prepared.settings,
                       prepared.orientation, facts, [round(float(v), 3) for v in prepared.mesh.size()], report)


def check_printer_gcode(printer: PrinterProfile) -> None:
    """Refuse a printer's start and end G-code that would make every print unsafe: they are read as a slicer puts
    them, around one extrusion of a first layer (BadInput naming the printer and what to set)."""
    body = ";LAYER_CHANGE\nG92 E0\nG1 X1 Y1 Z0.2 F3000\nG1 X2 Y1 E0.1\n"
    with scratch_folder("gcode") as folder:
        path = Path(folder) / "start-end.gcode"
        path.write_text(f"{fill_temperatures(printer.start_gcode)}\n{body}{fill_temperatures(printer.end_gcode)}\n",
                        encoding="utf-8")
        facts = inspect(path, printer.centre, Commands(printer.start_macro, printer.end_macro))
    try:
        verify_safe(facts.safety, printer.name, _("This start and end G-code"))
    except SlicerFailed as unsafe:
        raise BadInput(unsafe.code, unsafe.message, **unsafe.details) from unsafe
