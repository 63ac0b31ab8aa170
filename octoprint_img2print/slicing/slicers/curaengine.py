"""CuraEngine backend: the plan as CuraEngine settings with every derived key computed here.

CuraEngine uses only each setting's default_value and evaluates none of the formulas Cura's interface
evaluates, so density, wall and brim counts become line distances and line counts before it runs.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import SlicerFailed
from ...filaments.library import Filament
from ...geometry.files import read_mesh
from ...geometry.mesh import Mesh
from ...geometry.stl import write_stl
from ...i18n import N_, _
from ...printers.profile import CENTRE, CIRCULAR, PrinterProfile
from ...printers.vendor import cura_definition, cura_facts, expand_tokens
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
from ..tool_changes import TOWER_MM, tool_bands

DEFINITION_DIRS = (Path("/usr/share/cura/resources"), Path("/usr/local/share/cura/resources"))
PATTERNS = {"gyroid": "gyroid", "cubic": "cubic", "grid": "grid", "rectilinear": "lines", "lines": "lines",
            "triangles": "triangles", "concentric": "concentric"}
LINE_DISTANCE_FACTOR = {"grid": 2, "triangles": 3, "trihexagon": 3, "cubic": 3, "cubicsubdiv": 3, "tetrahedral": 2,
                        "quarter_cubic": 2, "cross": 1, "cross_3d": 1, "lightning": 1.6}
FLAVORS = {"marlin2": "RepRap (Marlin/Sprinter)", "marlin": "RepRap (Marlin/Sprinter)",
           "klipper": "RepRap (Marlin/Sprinter)", "reprapfirmware": "RepRap (RepRap)"}
SKIRT_GAP_MM = 3.0
SEAM_REACH_MM = 0.5  # just beyond the side: nearer to it than a wide arc's other end or a ring's bumps beside the weld
GENERIC_DEFINITION = "fdmprinter"
FLOW_KEYS = ("material_flow", "wall_material_flow", "wall_0_material_flow", "wall_x_material_flow",
             "skin_material_flow", "roofing_material_flow", "infill_material_flow", "skirt_brim_material_flow",
             "support_material_flow", "support_interface_material_flow", "support_roof_material_flow",
             "support_bottom_material_flow", "material_flow_layer_0")
EXTRUSION_SPEEDS = ("speed_print", "speed_infill", "speed_wall", "speed_wall_0", "speed_wall_x", "speed_roofing",
                    "speed_topbottom", "speed_support", "speed_support_infill", "speed_support_interface",
                    "speed_support_roof", "speed_support_bottom", "speed_prime_tower", "speed_ironing",
                    "speed_layer_0", "speed_print_layer_0", "skirt_brim_speed")
FIRST_LAYER_SPEEDS = ("speed_layer_0", "speed_print_layer_0", "skirt_brim_speed")
# CuraEngine -v says when each stage is done; the share of the work done by then (the export, with the paths
# planned, takes most)
PROGRESS = re.compile(r"^Progress: (\w[\w+ ]*) accomplished in [\d.]+s")
STAGE_DONE = {"start": 0.02, "slice": 0.1, "layerparts": 0.15, "inset+skin": 0.35, "support": 0.45, "export": 0.95}


def resources(configured: str | None = None) -> Path | None:
    """The Cura resources folder holding definitions/fdmprinter.def.json."""
    for base in ([Path(configured)] if configured else []) + list(DEFINITION_DIRS):
        if (base / "definitions" / "fdmprinter.def.json").is_file():
            return base
    return None


def infill_line_distance(line_width: float, density: float, pattern: str) -> float:
    """Distance between infill lines for a density, as Cura's formula computes it (0 for no infill)."""
    if density <= 0:
        return 0.0
    return line_width * 100.0 / density * LINE_DISTANCE_FACTOR.get(pattern, 1)


def printer_definition(printer: PrinterProfile, base: Path | None) -> str | None:
    """The printer's own Cura definition id when this Cura installation has it."""
    return cura_definition(base, printer.vendor_profiles.get(BACKEND.name, ())) if base is not None else None


def _seam(printer: PrinterProfile, settings: SliceSettings) -> dict[str, Any]:
    """Outer walls start at the vertex nearest a point beyond the seam's side (CuraEngine's user-specified seam)."""
    seam = settings.seam
    if seam is None:
        return {}
    cx, cy = printer.centre
    return {"z_seam_type": "back", "z_seam_relative": False, "z_seam_corner": "z_seam_corner_none",
            "z_seam_x": round(cx + seam.x + seam.dx * SEAM_REACH_MM, 3),
            "z_seam_y": round(cy + seam.y + seam.dy * SEAM_REACH_MM, 3)}


def settings_for(printer: PrinterProfile, settings: SliceSettings, base: Path | None = None) -> dict[str, Any]:
    """Every CuraEngine key the plan decides, derived keys included, and the machine facts of the printer's own
    Cura definition (in ``base``, Cura's resources) where there is one, else the profile's start and end G-code
    and retraction."""
    pattern = PATTERNS[settings.infill_pattern]
    width = settings.line_width
    brim_lines = math.ceil(settings.brim_width / width) if settings.adhesion == "brim" else 0
    values: dict[str, Any] = {
        "machine_width": printer.width, "machine_depth": printer.depth, "machine_height": printer.max_height,
        "machine_shape": "elliptic" if printer.bed_shape == CIRCULAR else "rectangular",
        "machine_center_is_zero": printer.origin == CENTRE, "machine_heated_bed": printer.heated_bed,
        "machine_nozzle_size": settings.nozzle, "material_diameter": settings.filament_diameter,
        "machine_gcode_flavor": FLAVORS[printer.gcode_flavor],
        "machine_start_gcode": fill_gcode(printer.start_gcode, settings),
        "machine_end_gcode": fill_gcode(printer.end_gcode, settings),
        "layer_height": settings.layer_height, "layer_height_0": settings.first_layer_height,
        "line_width": width, "wall_line_width": width, "wall_line_width_0": width, "wall_line_width_x": width,
        "skin_line_width": width, "infill_line_width": width, "skirt_brim_line_width": width,
        "support_line_width": width, "initial_layer_line_width_factor": 100,
        "wall_line_count": settings.walls, "wall_thickness": settings.walls * width,
        "top_layers": settings.top_layers, "bottom_layers": settings.bottom_layers,
        "initial_bottom_layers": settings.bottom_layers,
        "top_thickness": settings.top_layers * settings.layer_height,
        "bottom_thickness": settings.bottom_layers * settings.layer_height,
        "infill_sparse_density": settings.infill_density, "infill_pattern": pattern,
        "infill_line_distance": infill_line_distance(width, settings.infill_density, pattern),
        "infill_sparse_thickness": settings.layer_height,
        "support_enable": settings.supports, "support_angle": settings.support_angle,
        "support_structure": "tree" if settings.supports and settings.tree_supports else "normal",
        "support_type": "everywhere", "support_infill_rate": 15, "support_pattern": "zigzag",
        "support_line_distance": infill_line_distance(width, 15, "zigzag"),
        "adhesion_type": settings.adhesion, "brim_width": settings.brim_width, "brim_line_count": brim_lines,
        "skirt_line_count": 1, "skirt_gap": SKIRT_GAP_MM,
        **_filament(printer, settings.filament),
        "center_object": False,
    }
    values.update(_seam(printer, settings))
    if settings.outer_wall_speed is not None:
        values["speed_wall_0"] = settings.outer_wall_speed
    own = printer_definition(printer, base)
    if own is None:
        retraction = {"retraction_amount": printer.retract_length, "retraction_speed": printer.retract_speed,
                      "retraction_retract_speed": printer.retract_speed,
                      "retraction_prime_speed": printer.retract_speed}
        values.update({key: value for key, value in retraction.items() if value is not None})
    else:
        for key in ("machine_start_gcode", "machine_end_gcode"):
            del values[key]
        values.update(cura_facts(base, own, values))
        for key in ("machine_start_gcode", "machine_end_gcode"):
            values[key] = expand_tokens(values.get(key, ""), values)
    if "retraction_amount" in values:  # else Cura's own default, unscaled
        values["retraction_amount"] = round(float(values["retraction_amount"]) * settings.filament.retract_factor, 3)
    values.update(_flow_limited(values, settings, base, own))
    values.update(printer.slicer_overrides.get(BACKEND.name, {}))
    return values


def _filament(printer: PrinterProfile, filament: Filament) -> dict[str, Any]:
    """The filament's keys: temperatures, cooling and flow (every flow key, as CuraEngine evaluates no formula)."""
    bed = printer.heated_bed
    flow = round(filament.flow * 100, 1)
    return {"material_print_temperature": filament.nozzle_temperature,
            "material_print_temperature_layer_0": filament.first_layer_nozzle_temperature,
            "material_initial_print_temperature": filament.nozzle_temperature,
            "material_final_print_temperature": filament.nozzle_temperature,
            "material_bed_temperature": filament.bed_temperature if bed else 0,
            "material_bed_temperature_layer_0": filament.first_layer_bed_temperature if bed else 0,
            "cool_fan_enabled": filament.fan[1] > 0, "cool_fan_speed": filament.fan[1],
            "cool_fan_speed_min": filament.fan[0], "cool_fan_speed_max": filament.fan[1], "cool_fan_speed_0": 0,
            "cool_fan_full_layer": filament.fan_off_layers + 1, "material_density": filament.density,
            **{key: flow for key in FLOW_KEYS}}


def _flow_limited(values: dict[str, Any], settings: SliceSettings, base: Path | None,
                  own: str | None) -> dict[str, float]:
    """Every extruding speed above what the filament's volumetric limit allows at this layer and line width,
    brought down to it (speeds the printer's definition or fdmprinter give; CuraEngine has no such limit)."""
    known = {**(cura_facts(base, own or GENERIC_DEFINITION, values) if base is not None else {}), **values}
    limited = {}
    for key in EXTRUSION_SPEEDS:
        layer = settings.first_layer_height if key in FIRST_LAYER_SPEEDS else settings.layer_height
        cap = round(settings.filament.max_volumetric_speed / (layer * settings.line_width), 1)
        if key in known and float(known[key]) > cap:
            limited[key] = cap
    return limited


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def definition(printer: PrinterProfile, settings: SliceSettings, name: str, base: Path | None) -> dict[str, Any]:
    """A Cura printer definition whose defaults are this plan, for Cura and CuraEngine; it inherits the printer's
    own Cura definition where Cura has one, else fdmprinter."""
    own = printer_definition(printer, base)
    metadata: dict[str, Any] = {"visible": True, "author": "img2print", "manufacturer": "img2print"}
    if own is None:
        metadata["machine_extruder_trains"] = {"0": "fdmextruder"}
    return {"version": 2, "name": name, "inherits": own or GENERIC_DEFINITION, "metadata": metadata,
            "overrides": {key: {"default_value": value}
                          for key, value in settings_for(printer, settings, base).items()}}


def search_path(info_resources: Path) -> str:
    """CURA_ENGINE_SEARCH_PATH for inherited definitions."""
    return f"{info_resources / 'definitions'}:{info_resources / 'extruders'}"


def _header(stderr: str) -> list[str]:
    """The real header CuraEngine prints after slicing (the file's own header holds placeholders)."""
    match = re.search(r"Gcode header after slicing:\n(.*?)End of gcode header\.", stderr, re.S)
    return match.group(1).strip().splitlines() if match else []


def _fix_header(output: Path, header: list[str]) -> None:
    """Replace the placeholder header lines in the G-code with the real ones."""
    real = {line.split(":", 1)[0]: line for line in header if line.startswith(";") and ":" in line}
    text = output.read_text(encoding="utf-8", errors="replace").split("\n")
    for index, line in enumerate(text[:40]):
        key = line.split(":", 1)[0]
        if key in real:
            text[index] = real[key]
    output.write_text("\n".join(text), encoding="utf-8")


class CuraEngine(SlicerBackend):
    """CuraEngine's command line with every setting given on it, and Cura's printer definitions."""

    name = "cura"
    label = "CuraEngine"
    position = 20
    settings = (SlicerSetting("path", N_("CuraEngine path"), N_("found automatically")),
                SlicerSetting("definitions", N_("Cura definitions folder"), str(DEFINITION_DIRS[0])))
    legacy_settings = (("cura_path", "path"), ("cura_definitions", "definitions"))
    profile_suffix = ".def.json"
    vendor_keys = ("cura",)

    def detect(self, configured: Mapping[str, str]) -> SlicerInfo:
        """CuraEngine and Cura's printer definitions on this machine, or SlicerFailed saying how to install them."""
        path = find_executable(("CuraEngine", "curaengine"), configured.get("path"))
        if path is None:
            raise not_installed(self.label, "cura-engine cura")
        found = resources(configured.get("definitions"))
        if found is None:
            raise SlicerFailed("slicer_not_installed",
                               _("CuraEngine is installed but Cura's printer definitions (fdmprinter.def.json) are "
                                 "not. Install them (sudo apt install cura) or give their folder in the settings."),
                               slicer=self.label)
        return SlicerInfo(self.name, path, version_of([path, "help"], r"version (\d+(?:\.\d+)+)"),
                          {**configured, "definitions": str(found)})

    def has_tree_supports(self, info: SlicerInfo) -> bool:
        """CuraEngine 4.7 and later build tree supports (support_structure = tree)."""
        return info.version >= (4, 7)

    def slice(self, info: SlicerInfo, model: Path, output: Path, printer: PrinterProfile, settings: SliceSettings,
              work: Path, *, progress: Progress | None = None, cancel: threading.Event | None = None,
              timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, float]:
        """Slice ``model`` (centred on the origin, on z = 0); returns the real time and filament."""
        base = Path(info.settings["definitions"])
        own = printer_definition(printer, base) or GENERIC_DEFINITION
        values = settings_for(printer, settings, base)
        if settings.tools is None:
            command = [info.path, "slice", "-v", "-j", str(base / "definitions" / f"{own}.def.json"),
                       *_setting_args(values), "-l", str(model)]
        else:
            command = [info.path, "slice", "-v", *_tool_args(printer, settings, own, values, model, work)]
        command += ["-o", str(output)]
        _out, err = run(command, slicer=self.label, env={"CURA_ENGINE_SEARCH_PATH": search_path(base)},
                        timeout_s=timeout_s, cancel=cancel, progress=progress, progress_pattern=PROGRESS,
                        fraction_of=lambda stage: STAGE_DONE.get(stage, 0.0))
        figures = _figures(output, err, settings)
        if settings.color_changes and settings.tools is None:
            color_change.insert(output, settings.color_changes, printer.color_change_gcode)
        return figures

    def export_profile(self, info: SlicerInfo, printer: PrinterProfile, settings: SliceSettings, path: Path,
                       name: str) -> None:
        """A Cura definition file (.def.json) inheriting the printer's own definition (or fdmprinter), for Cura or
        ``CuraEngine -j`` with Cura's definitions on its search path."""
        definitions = info.settings.get("definitions")
        path.write_text(json.dumps(definition(printer, settings, name, Path(definitions) if definitions else None),
                                   indent=2) + "\n", encoding="utf-8")


def _setting_args(values: Mapping[str, Any]) -> list[str]:
    return [part for key, value in values.items() for part in ("-s", f"{key}={_text(value)}")]


def _tool_args(printer: PrinterProfile, settings: SliceSettings, own: str, values: dict[str, Any], model: Path,
               work: Path) -> list[str]:
    """CuraEngine's arguments for a print whose tool changes at heights: a definition with one extruder per tool,
    every setting given to each extruder (whose own definition would otherwise hold Cura's defaults), and the model
    cut at the heights into bands, each loaded for its tool; a prime tower beside it."""
    tools = settings.tools
    assert tools is not None
    machine = work / "img2print-tools.def.json"
    machine.write_text(json.dumps({
        "version": 2, "name": "img2print tools", "inherits": own,
        "metadata": {"machine_extruder_trains": {str(tool): "fdmextruder" for tool in range(printer.tools)}},
        "overrides": {"machine_extruder_count": {"default_value": printer.tools}}}), encoding="utf-8")
    tower_x, tower_y = tools.tower
    values = {**values, "machine_extruder_count": printer.tools,
              "machine_extruders_share_nozzle": printer.shared_nozzle,
              "machine_extruders_share_heater": printer.shared_nozzle, "prime_tower_enable": True,
              "prime_tower_size": TOWER_MM, "prime_tower_position_x": round(tower_x + TOWER_MM, 3),
              "prime_tower_position_y": round(tower_y, 3), "prime_tower_brim_enable": False}
    arguments = ["-j", str(machine), *_setting_args(values)]
    for tool, filament in enumerate(settings.per_tool(printer.tools)):
        arguments += [f"-e{tool}", *_setting_args({**values, **_filament(printer, filament), "extruder_nr": tool})]
    cx, cy = printer.centre
    shift = (tools.centre[0] - cx, tools.centre[1] - cy)
    for index, (tool, band) in enumerate(tool_bands(read_mesh(model), settings.color_changes)):
        path = work / f"img2print-band-{index}.stl"
        write_stl(Mesh(band.vertices + np.array([*shift, 0.0], dtype=band.vertices.dtype), band.faces), path)
        arguments += [f"-e{tool}", "-l", str(path), "-s", f"extruder_nr={tool}"]
    return arguments


def _figures(output: Path, err: str, settings: SliceSettings) -> dict[str, float]:
    """Refuse a run CuraEngine reported errors for; fix the G-code's header; the real time and filament."""
    errors = [line for line in err.splitlines() if line.startswith("[ERROR]")]
    if errors:
        raise SlicerFailed("slicer_failed", _("CuraEngine reported: {message}").format(message=" | ".join(errors[:3])),
                           slicer="CuraEngine")
    header = _header(err)
    if header:
        _fix_header(output, header)
    figures: dict[str, float] = {}
    time_match = re.search(r"Print time \(s\): (\d+)", err)
    volume_match = re.search(r"Filament \(mm\^3\): ([\d.]+)", err)
    if time_match:
        figures["estimated_time_s"] = float(time_match.group(1))
    if volume_match:
        area = math.pi * (settings.filament_diameter / 2) ** 2
        figures["filament_mm"] = float(volume_match.group(1)) / area
    return figures


BACKEND = CuraEngine()
