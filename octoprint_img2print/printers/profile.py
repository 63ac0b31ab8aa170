"""PrinterProfile: bed, height, nozzle and G-code of one printer, validated, from YAML or OctoPrint."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import BadInput
from ..i18n import _
from ..profile_folders import profiles_dir
from . import generic_gcode

RECTANGULAR, CIRCULAR = "rectangular", "circular"
CORNER, CENTRE = "corner", "centre"
FLAVORS = ("marlin2", "marlin", "klipper", "reprapfirmware")
MACRO_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)?")
MAX_TOOLS = 16
KEYS = {"id", "name", "bed", "origin", "max_height", "nozzle", "filament_diameter", "heated_bed", "gcode_flavor",
        "start_gcode", "end_gcode", "start_macro", "end_macro", "retract_length", "retract_speed", "color_change_gcode",
        "tools", "shared_nozzle", "vendor_profiles"}  # and a section of its own settings per slicer


@dataclass(frozen=True)
class PrinterProfile:
    """One printer. Lengths in mm; for a circular bed width = depth = diameter. ``tools``: the filaments it can
    change between by itself (extruders, or the slots of a multi-material unit when ``shared_nozzle``)."""

    id: str
    name: str
    bed_shape: str
    width: float
    depth: float
    max_height: float
    origin: str = CORNER
    nozzle: float = 0.4
    filament_diameter: float = 1.75
    heated_bed: bool = True
    gcode_flavor: str = "marlin2"
    start_gcode: str = ""
    end_gcode: str = ""
    start_macro: str = ""
    end_macro: str = ""
    slicer_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)
    retract_length: float | None = None
    retract_speed: float | None = None
    color_change_gcode: str = "M600"
    vendor_profiles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tools: int = 1
    shared_nozzle: bool = False

    @property
    def centre(self) -> tuple[float, float]:
        """The bed's centre in G-code coordinates."""
        return (0.0, 0.0) if self.origin == CENTRE else (self.width / 2, self.depth / 2)

    def bed_outline(self, points: int = 64) -> list[tuple[float, float]]:
        """The bed's edge in G-code coordinates, counter-clockwise."""
        cx, cy = self.centre
        if self.bed_shape == CIRCULAR:
            r = self.width / 2
            return [(cx + r * math.cos(a), cy + r * math.sin(a))
                    for a in (2 * math.pi * i / points for i in range(points))]
        x0, y0 = cx - self.width / 2, cy - self.depth / 2
        return [(x0, y0), (x0 + self.width, y0), (x0 + self.width, y0 + self.depth), (x0, y0 + self.depth)]

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        bed = {"shape": self.bed_shape, "diameter": self.width} if self.bed_shape == CIRCULAR \
            else {"shape": self.bed_shape, "width": self.width, "depth": self.depth}
        return {"id": self.id, "name": self.name, "bed": bed, "origin": self.origin, "max_height": self.max_height,
                "nozzle": self.nozzle, "filament_diameter": self.filament_diameter, "heated_bed": self.heated_bed,
                "gcode_flavor": self.gcode_flavor, "tools": self.tools, "shared_nozzle": self.shared_nozzle}


def _problem(source: str, key: str, problem: str) -> BadInput:
    return BadInput("bad_printer_profile", _("{file}: '{key}' {problem}").format(file=source, key=key,
                                                                                  problem=problem),
                    file=source, key=key)


def _number(data: dict, key: str, source: str, low: float, high: float, default: float | None = None) -> float:
    value = data.get(key, default)
    if value is None:
        raise _problem(source, key, _("is missing."))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < float(value) <= high:
        raise _problem(source, key, _("must be a number above {low:g} and at most {high:g}, not {value!r}.")
                       .format(low=low, high=high, value=value))
    return float(value)


def _choice(data: dict, key: str, source: str, choices: tuple[str, ...], default: str) -> str:
    value = data.get(key, default)
    if value not in choices:
        raise _problem(source, key, _("must be one of {choices}, not {value!r}.")
                       .format(choices=", ".join(choices), value=value))
    return value


def profile_from_dict(data: Any, source: str) -> PrinterProfile:
    """Validate a printer profile read from YAML; errors name the file, the key and the problem."""
    if not isinstance(data, dict):
        raise _problem(source, "(top level)", _("must be a mapping of keys to values."))
    slicers = {key for key, value in data.items() if key not in KEYS and isinstance(value, dict)}
    for key in data:
        if key not in KEYS and key not in slicers:
            raise _problem(source, key, _("is not a printer profile key."))
    for key in ("id", "name"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise _problem(source, key, _("must be a non-empty text."))
    bed = data.get("bed")
    if not isinstance(bed, dict):
        raise _problem(source, "bed", _("must be a mapping with shape and size."))
    shape = _choice(bed, "shape", source, (RECTANGULAR, CIRCULAR), RECTANGULAR)
    if shape == CIRCULAR:
        width = depth = _number(bed, "diameter", source, 10, 2000)
    else:
        width, depth = _number(bed, "width", source, 10, 2000), _number(bed, "depth", source, 10, 2000)
    for key in slicers:
        if not isinstance(data.get(key, {}), dict):
            raise _problem(source, key, _("must be a mapping of slicer keys to values."))
    for key in ("start_gcode", "end_gcode", "color_change_gcode"):
        if not isinstance(data.get(key, ""), str):
            raise _problem(source, key, _("must be text."))
    for key in ("start_macro", "end_macro"):
        if not MACRO_NAME.fullmatch(data.get(key, "")):
            raise _problem(source, key, _("must be the name of one G-code macro (letters, digits and _), not "
                                          "{value!r}.").format(value=data.get(key)))
    vendor = data.get("vendor_profiles", {})
    if not isinstance(vendor, dict) or any(not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)
                                           for ids in vendor.values()):
        raise _problem(source, "vendor_profiles", _("must map slicers' profile lists to lists of profile names."))
    for key in ("heated_bed", "shared_nozzle"):
        if not isinstance(data.get(key, key == "heated_bed"), bool):
            raise _problem(source, key, _("must be true or false."))
    tools = data.get("tools", 1)
    if isinstance(tools, bool) or not isinstance(tools, int) or not 1 <= tools <= MAX_TOOLS:
        raise _problem(source, "tools", _("must be a whole number from 1 to {most}, not {value!r}.")
                       .format(most=MAX_TOOLS, value=tools))
    if tools > 1 and shape == CIRCULAR:
        raise _problem(source, "tools", _("must be 1 for a round bed: img2print places the tower that cleans the "
                                          "nozzle between tools beside the print on a rectangular bed only."))
    return PrinterProfile(
        id=data["id"], name=data["name"], bed_shape=shape, width=width, depth=depth,
        max_height=_number(data, "max_height", source, 10, 3000),
        origin=_choice(data, "origin", source, (CORNER, CENTRE), CORNER),
        nozzle=_number(data, "nozzle", source, 0.05, 3.0, 0.4),
        filament_diameter=_number(data, "filament_diameter", source, 1.0, 3.5, 1.75),
        heated_bed=data.get("heated_bed", True), gcode_flavor=_choice(data, "gcode_flavor", source, FLAVORS, "marlin2"),
        start_gcode=data.get("start_gcode", ""), end_gcode=data.get("end_gcode", ""),
        start_macro=data.get("start_macro", ""), end_macro=data.get("end_macro", ""),
        slicer_overrides={key: dict(data[key]) for key in slicers if key in data},
        retract_length=_number(data, "retract_length", source, 0.0, 20.0) if "retract_length" in data else None,
        retract_speed=_number(data, "retract_speed", source, 0.0, 200.0) if "retract_speed" in data else None,
        color_change_gcode=data.get("color_change_gcode", "M600").strip() or "M600",
        vendor_profiles={key: tuple(ids) for key, ids in vendor.items()}, tools=tools,
        shared_nozzle=data.get("shared_nozzle", False))


def load_profile(path: Path) -> PrinterProfile:
    """Read and validate one printer profile file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        raise BadInput("bad_printer_profile", _("{file}: not a readable YAML file ({reason}).")
                       .format(file=path.name, reason=error), file=path.name) from error
    profile = profile_from_dict(data, path.name)
    if profile.id != path.stem:
        raise _problem(path.name, "id", _("must equal the file name '{stem}'.").format(stem=path.stem))
    return profile


def printer_ids() -> list[str]:
    """Ids of every shipped printer profile."""
    return sorted(p.stem for p in profiles_dir("printers").glob("*.yaml"))


def get_printer(printer_id: str) -> PrinterProfile:
    """A shipped printer profile by id, or one's own profile file (``.yaml``), or a BadInput error listing the ids
    there are."""
    if printer_id.endswith((".yaml", ".yml")) and Path(printer_id).is_file():
        return load_profile(Path(printer_id))
    path = profiles_dir("printers") / f"{printer_id}.yaml"
    if not printer_id.replace("_", "").isalnum() or not path.is_file():
        raise BadInput("unknown_printer", _("There is no printer '{printer}'. Known printers: {known}.")
                       .format(printer=printer_id, known=", ".join(printer_ids())), printer=printer_id)
    return load_profile(path)


OWN_GCODE = "img2print"  # the key of an OctoPrint printer profile's dictionary under which img2print's settings
# hand in the start and end G-code a person set for that printer


def from_octoprint(profile: dict[str, Any]) -> PrinterProfile:
    """The printer OctoPrint knows (its printer profile dictionary) as a PrinterProfile. Its start and end G-code
    are the ones set for it in img2print's settings (under ``OWN_GCODE``), else a safe generic pair."""
    volume, extruder = profile.get("volume", {}), profile.get("extruder", {})
    circular = volume.get("formFactor") == CIRCULAR
    own = profile.get(OWN_GCODE) or {}
    data = {
        "id": str(profile.get("id", "octoprint")), "name": str(profile.get("name", "OctoPrint printer")),
        "bed": {"shape": CIRCULAR, "diameter": volume.get("width")} if circular
        else {"shape": RECTANGULAR, "width": volume.get("width"), "depth": volume.get("depth")},
        "origin": CENTRE if volume.get("origin") == "center" else CORNER,
        "max_height": volume.get("height"), "nozzle": extruder.get("nozzleDiameter", 0.4),
        "heated_bed": bool(profile.get("heatedBed", True)),
        "tools": _tools(extruder.get("count", 1)) if not circular else 1,
        "shared_nozzle": bool(extruder.get("sharedNozzle", False)),
    }
    source = _("OctoPrint printer profile '{name}'").format(name=data["name"])
    printer = profile_from_dict(data, source)
    start = own.get("start_gcode") or generic_gcode.start_gcode(printer.bed_shape, printer.width, printer.depth,
                                                               printer.centre, printer.heated_bed)
    return replace(printer, start_gcode=str(start), end_gcode=str(own.get("end_gcode") or generic_gcode.end_gcode()))


def _tools(count: Any) -> int:
    """OctoPrint's extruder count as a number of tools (1 when it says nothing usable)."""
    return count if isinstance(count, int) and not isinstance(count, bool) and 1 <= count <= MAX_TOOLS else 1
