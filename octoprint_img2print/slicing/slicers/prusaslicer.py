"""PrusaSlicer backend: the plan as a PrusaSlicer config (.ini), sliced by its command line."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...filaments.library import Filament
from ...filaments.slicer_projects import PRUSASLICER_PART, tool_change_part
from ...geometry.files import read_mesh
from ...geometry.threemf import write_3mf
from ...i18n import N_
from ...printers.profile import PrinterProfile
from ...printers.vendor import PRINT, first_prusaslicer_facts
from .. import color_change
from ..backend import (
    DEFAULT_TIMEOUT_S,
    Progress,
    SlicerBackend,
    SlicerInfo,
    SlicerSetting,
    find_executable,
    not_installed,
    run,
    version_of,
)
from ..plan import SliceSettings, fill_gcode
from ..seam_painting import painted_model
from ..tool_changes import PURGE_MM3, TOWER_MM

PATTERNS = {"gyroid": "gyroid", "cubic": "cubic", "grid": "grid", "rectilinear": "rectilinear", "lines": "line",
            "triangles": "triangles", "concentric": "concentric"}
FILLS_SOLID = ("rectilinear", "concentric")  # of PATTERNS, those PrusaSlicer lets fill 100 % (its top patterns)
ARACHNE_SINCE = (2, 5)  # PrusaSlicer's variable-width (Arachne) perimeters, its default since then, come out
# differently from run to run on the same model (even on one CPU); classic perimeters give the same G-code every time
PROGRESS = re.compile(r"^(\d+) => ")
PLACEHOLDER = re.compile(r"[\[{]")
PRINT_PRESETS = "prusaslicer_print"  # a printer profile's list of the bundle's print presets made for it
OUTLINE_RESOLUTION_MM = 0.0125  # layer outlines simplified to the precision PrusaSlicer writes G-code at
# (its gcode_resolution); a 2-million-triangle model slices 3 times faster, its G-code unchanged in any printable way


def _flavor(printer: PrinterProfile, info: SlicerInfo) -> str:
    if printer.gcode_flavor == "klipper":
        return "klipper" if info.version >= (2, 6) else "marlin2"
    return printer.gcode_flavor


def vendor_facts(printer: PrinterProfile) -> dict[str, str]:
    """The printer's own facts from its PrusaSlicer vendor bundle (its printer section, and the speeds and
    accelerations of the print preset made for it); without a printer section, the retraction the profile gives."""
    speeds = first_prusaslicer_facts(printer.vendor_profiles.get(PRINT_PRESETS, ()), PRINT) or {}
    facts = first_prusaslicer_facts(printer.vendor_profiles.get(BACKEND.name, ()))
    if facts is not None:
        return {**speeds, **facts}
    fallback = {"retract_length": printer.retract_length, "retract_speed": printer.retract_speed}
    return {**speeds, **{key: f"{value:g}" for key, value in fallback.items() if value is not None}}


def color_change_command(printer: PrinterProfile) -> str:
    """The vendor bundle's colour-change G-code when it needs no PrusaSlicer placeholders, else the profile's."""
    own = vendor_facts(printer).get("color_change_gcode", "").strip()
    return own if own and not PLACEHOLDER.search(own) else printer.color_change_gcode


def config(printer: PrinterProfile, settings: SliceSettings, info: SlicerInfo) -> dict[str, Any]:
    """Every PrusaSlicer key the plan decides, with the printer's own facts from its vendor bundle."""
    bed = ",".join(f"{x:.3f}x{y:.3f}" for x, y in printer.bed_outline())
    adhesion = settings.adhesion
    values: dict[str, Any] = {
        "bed_shape": bed, "max_print_height": printer.max_height,
        "gcode_flavor": _flavor(printer, info), "layer_height": settings.layer_height,
        "first_layer_height": settings.first_layer_height, "extrusion_width": settings.line_width,
        "perimeter_extrusion_width": settings.line_width, "external_perimeter_extrusion_width": settings.line_width,
        "infill_extrusion_width": settings.line_width, "solid_infill_extrusion_width": settings.line_width,
        "top_infill_extrusion_width": settings.line_width, "first_layer_extrusion_width": settings.line_width,
        "perimeters": settings.walls, "top_solid_layers": settings.top_layers,
        "bottom_solid_layers": settings.bottom_layers, "fill_density": f"{settings.infill_density:g}%",
        "fill_pattern": _fill_pattern(settings), "support_material": int(settings.supports),
        "support_material_auto": 1, "support_material_threshold": round(settings.support_angle),
        "support_material_style": "organic" if settings.supports and settings.tree_supports else "grid",
        "brim_width": settings.brim_width if adhesion == "brim" else 0, "brim_separation": 0,
        "skirts": 1 if adhesion == "skirt" else 0, "skirt_distance": 3, "skirt_height": 1,
        **_extruders(printer, settings),
        "start_gcode": fill_gcode(printer.start_gcode, settings), "end_gcode": fill_gcode(printer.end_gcode, settings),
        "use_relative_e_distances": 0, "complete_objects": 0, "resolution": OUTLINE_RESOLUTION_MM,
    }
    if settings.same_every_time and info.version >= ARACHNE_SINCE:
        values["perimeter_generator"] = "classic"
    values.update(vendor_facts(printer))
    if "retract_length" in values:  # else PrusaSlicer's own default, unscaled
        values["retract_length"] = scaled(values["retract_length"], settings.filament.retract_factor)
    if settings.outer_wall_speed is not None:
        values["external_perimeter_speed"] = f"{settings.outer_wall_speed:g}"
    if settings.seam is not None:  # the model's painted seam side decides; aligned keeps seams in one line there
        values["seam_position"] = "aligned"
    values.update(printer.slicer_overrides.get(BACKEND.name, {}))
    if settings.tools is not None:  # PrusaSlicer's wipe tower works in relative extrusion only
        values["use_relative_e_distances"] = 1
    if int(values.get("use_relative_e_distances", 0)):
        values.setdefault("layer_gcode", "G92 E0")
    return values


def _extruders(printer: PrinterProfile, settings: SliceSettings) -> dict[str, Any]:
    """The keys of every extruder the printer has (its vendor G-code may name them all), each with the filament its
    tool holds (the plan's filament where no tool change asks for another), and for tool changes the tower that
    cleans the nozzle between them. Every tool is primed at the bed's front edge before the print, as PrusaSlicer's
    own multi-material profiles do: without that, PrusaSlicer 2.5's wipe tower wrote infinite coordinates in a
    third of the runs of the same job with two tool changes or more (the G-code check refused them)."""
    per_tool = [_filament(printer, filament) for filament in settings.per_tool(printer.tools)]
    values = {key: (";" if isinstance(value, str) else ",").join(str(one[key]) for one in per_tool)
              for key, value in per_tool[0].items()}
    values["nozzle_diameter"] = ",".join([f"{settings.nozzle:g}"] * printer.tools)
    values["filament_diameter"] = ",".join([f"{settings.filament_diameter:g}"] * printer.tools)
    if printer.tools > 1:
        values["single_extruder_multi_material"] = int(printer.shared_nozzle)
        values["extruder_colour"] = values["filament_colour"]
    if settings.tools is not None:
        count = printer.tools
        values.update(wipe_tower=1, wipe_tower_x=f"{settings.tools.tower[0]:.2f}",
                      wipe_tower_y=f"{settings.tools.tower[1]:.2f}", wipe_tower_width=f"{TOWER_MM:g}",
                      wipe_tower_rotation_angle=0, single_extruder_multi_material_priming=1,
                      wiping_volumes_matrix=",".join("0" if i == j else f"{PURGE_MM3:g}" for i in range(count)
                                                     for j in range(count)),
                      wiping_volumes_extruders=",".join([f"{PURGE_MM3 / 2:g}"] * (2 * count)))
    return values


def _filament(printer: PrinterProfile, filament: Filament) -> dict[str, Any]:
    """The filament's keys: temperatures, cooling, flow and its limit, and what the G-code's estimates use."""
    bed = printer.heated_bed
    return {"filament_type": filament.material, "filament_colour": filament.colour,
            "temperature": filament.nozzle_temperature,
            "first_layer_temperature": filament.first_layer_nozzle_temperature,
            "bed_temperature": filament.bed_temperature if bed else 0,
            "first_layer_bed_temperature": filament.first_layer_bed_temperature if bed else 0,
            "cooling": 1, "fan_always_on": int(filament.fan[0] > 0), "min_fan_speed": filament.fan[0],
            "max_fan_speed": filament.fan[1], "bridge_fan_speed": filament.fan[1],
            "disable_fan_first_layers": filament.fan_off_layers,
            "filament_max_volumetric_speed": filament.max_volumetric_speed, "extrusion_multiplier": filament.flow,
            "filament_density": filament.density, "filament_cost": filament.price_per_kg}


def scaled(lengths: Any, factor: float) -> str:
    """A retraction length (PrusaSlicer writes one per extruder, comma-separated) times ``factor``."""
    return ",".join(f"{float(part) * factor:g}" for part in str(lengths).split(","))


def _fill_pattern(settings: SliceSettings) -> str:
    """PrusaSlicer's infill pattern for the plan's; at 100 % PrusaSlicer refuses all but the solid patterns, so
    rectilinear stands in for the others."""
    if settings.infill_density >= 100 and PATTERNS[settings.infill_pattern] not in FILLS_SOLID:
        return "rectilinear"
    return PATTERNS[settings.infill_pattern]


def _with_tool_changes(model: Path, settings: SliceSettings, output: Path) -> Path:
    """The model as a 3MF whose tool changes PrusaSlicer makes itself: each from the middle of its first layer on
    (PrusaSlicer gives a layer the tool of the last change below its top)."""
    changes = [(change.z + settings.layer_height / 2, change.tool) for change in settings.color_changes
               if change.tool is not None]
    write_3mf(read_mesh(model), output, extra={PRUSASLICER_PART: tool_change_part(changes)})
    return output


def write_ini(values: dict[str, Any], path: Path) -> None:
    """A PrusaSlicer config file (line breaks in values escaped as PrusaSlicer writes them)."""
    lines = ["# PrusaSlicer config written by img2print"]
    for key, value in values.items():
        text = str(value).replace("\\", "\\\\").replace("\n", "\\n")
        lines.append(f"{key} = {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class PrusaSlicer(SlicerBackend):
    """PrusaSlicer's command line with a config file written from the plan."""

    name = "prusaslicer"
    label = "PrusaSlicer"
    position = 10
    settings = (SlicerSetting("path", N_("PrusaSlicer path"), N_("found automatically")),)
    legacy_settings = (("prusaslicer_path", "path"),)
    profile_suffix = ".ini"
    vendor_keys = ("prusaslicer", PRINT_PRESETS)

    def detect(self, configured: Mapping[str, str]) -> SlicerInfo:
        """PrusaSlicer on this machine, with its version, or SlicerFailed saying how to install it."""
        path = find_executable(("prusa-slicer", "PrusaSlicer", "prusaslicer"), configured.get("path"))
        if path is None:
            raise not_installed(self.label, "prusa-slicer")
        return SlicerInfo(self.name, path, version_of([path, "--help"], r"PrusaSlicer-(\d+(?:\.\d+)+)"),
                          dict(configured))

    def has_tree_supports(self, info: SlicerInfo) -> bool:
        """Organic (tree) supports arrived in PrusaSlicer 2.6."""
        return info.version >= (2, 6)

    def slice(self, info: SlicerInfo, model: Path, output: Path, printer: PrinterProfile, settings: SliceSettings,
              work: Path, *, progress: Progress | None = None, cancel: threading.Event | None = None,
              timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, float]:
        """Slice ``model`` (already placed: centred on the origin, on z = 0), its seam side painted when the plan
        places seams; no extra figures needed."""
        ini = work / "img2print-prusaslicer.ini"
        write_ini(config(printer, settings, info), ini)
        cx, cy = printer.centre
        if settings.tools is not None:
            cx, cy = settings.tools.centre
            model = _with_tool_changes(model, settings, work / "img2print-tools.3mf")
        elif settings.seam is not None:
            model = painted_model(model, settings.seam, work / "img2print-seam.3mf")
        run([info.path, "--export-gcode", "--load", str(ini), "--center", f"{cx:.3f},{cy:.3f}", "--output",
             str(output), str(model)], slicer=self.label, timeout_s=timeout_s, cancel=cancel, progress=progress,
            progress_pattern=PROGRESS)
        if settings.color_changes and settings.tools is None:
            color_change.insert(output, settings.color_changes, color_change_command(printer))
        return {}

    def export_profile(self, info: SlicerInfo, printer: PrinterProfile, settings: SliceSettings, path: Path,
                       name: str) -> None:
        """A PrusaSlicer config (File > Import Config, or ``prusa-slicer --load``)."""
        write_ini(config(printer, settings, info), path)


BACKEND = PrusaSlicer()
