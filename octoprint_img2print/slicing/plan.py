"""The neutral plan: printer x intent x what the model needs, before any slicer's own names."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from ..building.size import LINE_WIDTH_RATIO
from ..errors import BadInput
from ..filaments.library import DEFAULT_FILAMENT, Filament, Library, filament_choices
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..options import Options, option
from ..printers.profile import PrinterProfile
from .color_change import ColourChange, placed_height
from .intents import ADHESION_CHOICES, ORIENTATION_CHOICES, PATTERN_CHOICES, SUPPORT_CHOICES, Intent
from .seams import Seam, nearest_vertex, seam_for
from .slicers import check_slicer_sections
from .tool_changes import Tools

SUPPORT_ANGLE_DEG = 45.0
SUPPORT_MIN_AREA_MM2 = 5.0
PROBE_NOZZLE, PROBE_BED = 215, 60  # what a printer's start G-code is checked with before any filament is chosen


@dataclass(frozen=True)
class SliceSettings:
    """Everything a backend renders into its own keys. Lengths in mm, density in percent, speeds in mm/s.
    ``outer_wall_speed`` None keeps the printer's; ``seam`` None leaves seams to the slicer; ``color_changes``: the
    heights above which the first layer starts with the printer's colour-change command; ``same_every_time``: only
    the slicer's choices that give the same G-code on every run; ``filament``: temperatures, fan, flow limits and
    the material's tweaks; ``tools``: the filament each tool holds when the colour changes are tool changes."""

    nozzle: float
    filament_diameter: float
    layer_height: float
    first_layer_height: float
    line_width: float
    walls: int
    top_layers: int
    bottom_layers: int
    infill_density: float
    infill_pattern: str
    supports: bool
    support_angle: float
    tree_supports: bool
    adhesion: str
    brim_width: float
    filament: Filament
    outer_wall_speed: float | None = None
    seam: Seam | None = None
    color_changes: tuple[ColourChange, ...] = ()
    same_every_time: bool = False
    tools: Tools | None = None

    def per_tool(self, tools: int) -> list[Filament]:
        """The filament each of a printer's ``tools`` holds: the one a tool change gives it, else the plan's."""
        held = list(self.tools.filaments) if self.tools is not None else []
        return [*held, *[self.filament] * (tools - len(held))]

    def as_options(self) -> dict[str, Any]:
        """The values the slicing options (SliceOverrides) take in this plan: what a field left empty is sliced
        with (supports as this model gets them)."""
        return {"layer_height": self.layer_height, "infill": self.infill_density, "infill_pattern": self.infill_pattern,
                "walls": self.walls, "supports": "always" if self.supports else "none", "adhesion": self.adhesion,
                "brim_width": self.brim_width, "filament": self.filament.id}

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers (the filament by id)."""
        tools = [f.id for f in self.tools.filaments] if self.tools is not None else None
        return {**asdict(self), "filament": self.filament.id, "tools": tools}


@dataclass
class SliceOverrides(Options):
    """Settings a user may set instead of the intent's (None keeps the intent's), and how the model is placed."""

    orientation: str | None = option(None, N_("Orientation"), N_("how the model stands on the bed"),
                                     choices=ORIENTATION_CHOICES)
    filament: str | None = option(None, N_("Filament"),
                                  N_("the filament loaded: the print takes its temperatures, fan and speed limits"),
                                  listing=filament_choices)
    scale_to_fit: bool = option(False, N_("Scale to fit"), N_("scale the model down if it does not fit"))

    layer_height: float | None = option(None, N_("Layer height"),
                                        N_("layer height in mm (default: follows the nozzle and the intent)"),
                                        unit="mm", low=0.02, high=2.0)
    infill: float | None = option(None, N_("Infill"), N_("infill density in percent"), unit="%", low=0.0,
                                  high=100.0)
    infill_pattern: str | None = option(None, N_("Infill pattern"), N_("infill pattern"), choices=PATTERN_CHOICES)
    walls: int | None = option(None, N_("Walls"), N_("number of walls (perimeters)"), low=1, high=30)
    supports: str | None = option(None, N_("Supports"), N_("which overhangs print on supports"),
                                  choices=SUPPORT_CHOICES)
    adhesion: str | None = option(None, N_("Adhesion"),
                                  N_("a skirt primes the nozzle around the model; a brim, a rim joined to it, holds it "
                                     "on the bed"), choices=ADHESION_CHOICES)
    brim_width: float | None = option(None, N_("Brim width"), N_("brim width in mm"), unit="mm", low=0.0,
                                      high=100.0)
    color_change: bool = option(False, N_("Colour change"),
                                N_("pause for a filament change (M600) where a logo's or stamp's artwork starts, "
                                   "for two colours"))
    same_every_time: bool = option(False, N_("Same G-code every time"),
                                   N_("the same G-code for the same job on every run (PrusaSlicer: classic "
                                      "perimeters; its variable-width ones differ from run to run but often print "
                                      "faster)"))

    def check(self) -> None:
        """A filament is one the library knows."""
        if self.filament is not None:
            Library().get(self.filament)

    def as_settings(self) -> dict[str, Any]:
        """The overrides of the intent's settings that are set, named as in SliceSettings (supports as the user's
        choice; the filament by id)."""
        placement = ("orientation", "scale_to_fit", "color_change")
        values = {k: v for k, v in asdict(self).items() if v is not None and k not in placement}
        if "infill" in values:
            values["infill_density"] = float(values.pop("infill"))
        return values


def layer_height_for(nozzle: float, ratio: float) -> float:
    """Layer height that follows the nozzle, in hundredths of a millimetre."""
    return max(0.04, round(nozzle * ratio, 2))


def plan(printer: PrinterProfile, intent: Intent, overhang_area_mm2: float, tree_available: bool,
         overrides: dict[str, Any] | None = None) -> SliceSettings:
    """Settings for this printer and intent; supports only where the model's overhangs need them."""
    check_slicer_sections(printer)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    filament = Library().get(overrides.pop("filament", DEFAULT_FILAMENT))
    if abs(filament.diameter - printer.filament_diameter) > 0.2:
        raise BadInput("filament_diameter", _("The filament '{filament}' is {size:g} mm thick; {printer} takes "
                                              "{taken:g} mm filament. Choose a filament of that size.")
                       .format(filament=filament.name(_), size=filament.diameter, printer=printer.name,
                               taken=printer.filament_diameter), filament=filament.id)
    supports = intent.supports == "always" or (intent.supports == "auto"
                                               and overhang_area_mm2 >= SUPPORT_MIN_AREA_MM2)
    support_choice = overrides.pop("supports", None)
    if support_choice is not None:
        supports = support_choice == "always" or (support_choice == "auto"
                                                  and overhang_area_mm2 >= SUPPORT_MIN_AREA_MM2)
    layer = layer_height_for(printer.nozzle, intent.layer_height_ratio)
    settings = SliceSettings(
        nozzle=printer.nozzle, filament_diameter=printer.filament_diameter, layer_height=layer,
        first_layer_height=max(layer, round(printer.nozzle * 0.5, 2)),
        line_width=round(printer.nozzle * LINE_WIDTH_RATIO, 3), walls=intent.walls, top_layers=intent.top_layers,
        bottom_layers=intent.bottom_layers, infill_density=float(intent.infill_density),
        infill_pattern=intent.infill_pattern, supports=supports, support_angle=SUPPORT_ANGLE_DEG,
        tree_supports=tree_available, adhesion=intent.adhesion, brim_width=intent.brim_width, filament=filament,
        outer_wall_speed=intent.outer_wall_speed)
    if "layer_height" in overrides and "first_layer_height" not in overrides:
        overrides["first_layer_height"] = max(overrides["layer_height"], settings.first_layer_height)
    return replace(settings, **overrides)


def adhesion_margin(settings: SliceSettings) -> float:
    """Room around the model that the skirt or brim needs on the bed."""
    if settings.adhesion == "brim":
        return settings.brim_width + 1.0
    return 4.0 if settings.adhesion == "skirt" else 1.0


def fill_gcode(text: str, settings: SliceSettings) -> str:
    """A printer's start or end G-code with its {nozzle_temperature} and {bed_temperature} filled in: the
    filament's first-layer ones."""
    filament = settings.filament
    return fill_temperatures(text, filament.first_layer_nozzle_temperature, filament.first_layer_bed_temperature)


def fill_temperatures(text: str, nozzle: int = PROBE_NOZZLE, bed: int = PROBE_BED) -> str:
    """Start or end G-code with {nozzle_temperature} and {bed_temperature} filled in."""
    return text.replace("{nozzle_temperature}", str(nozzle)).replace("{bed_temperature}", str(bed))


def placed_settings(settings: SliceSettings, built: Mesh, placed: Mesh, rotation: np.ndarray,
                    seam_point: tuple[float, float, float] | None,
                    changes: list[ColourChange]) -> SliceSettings:
    """The plan with the facts of the solid as placed on the bed: where seams go (at the mode's ``seam_point`` of
    the solid as built, else a standing sheet's end) and the colour changes' heights (given on the solid as built;
    none once the solid was turned so that its layers no longer run along them)."""
    vertex = nearest_vertex(built, seam_point) if seam_point is not None else None
    heights = [placed_height(c.z, rotation, float(built.size()[2]), float(placed.size()[2])) for c in changes]
    on_bed = tuple(replace(c, z=z) for c, z in zip(changes, heights) if z is not None)
    return replace(settings, seam=seam_for(placed, vertex), color_changes=on_bed if len(on_bed) == len(changes) else ())
