"""How long a print takes and how much filament it uses, estimated before any slicer runs (the preview's figures;
the slicer's own replace them once it has sliced).

The plastic: the shell (every face's area times its thickness: top and bottom skins where a face lies flat, walls
where it stands) and the infill's share of the rest, never more than the solid holds. The time: that plastic drawn
as lines of the plan's width and layer height at an effective 26 mm/s, which is what PrusaSlicer's estimates for
img2print's lithophanes, reliefs and logos on the shipped printers work out at (24.6-28.7 mm/s of line, walls,
infill, travel and layer changes included), and never faster than the filament melts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..geometry.mesh import Mesh
from .plan import SliceSettings

EFFECTIVE_SPEED_MM_S = 26.0
LYING_FLAT = 0.5  # a face whose normal's z share is above this is a skin (top or bottom), else a wall


@dataclass(frozen=True)
class Estimate:
    """Print time (s) and filament (mm, g, cost) as estimated before slicing."""

    time_s: float
    filament_mm: float
    filament_g: float
    filament_cost: float

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers (marked as an estimate)."""
        return {"estimate": True, "time_s": round(self.time_s), "filament_mm": round(self.filament_mm),
                "filament_g": round(self.filament_g, 1), "filament_cost": round(self.filament_cost, 2)}


def plastic_mm3(mesh: Mesh, settings: SliceSettings) -> float:
    """The plastic the print lays down, in mm³."""
    normals = mesh.face_normals()
    doubled = np.linalg.norm(normals, axis=1)
    lying = np.abs(normals[:, 2]) > LYING_FLAT * np.maximum(doubled, 1e-12)
    skin = (settings.top_layers + settings.bottom_layers) / 2 * settings.layer_height
    thickness = np.where(lying, skin, settings.walls * settings.line_width)
    volume = max(mesh.volume(), 0.0)
    shell = min(volume, float((doubled / 2 * thickness).sum()))
    return shell + settings.infill_density / 100 * (volume - shell)


def estimate(mesh: Mesh, settings: SliceSettings) -> Estimate:
    """The estimate for this solid, as it stands on the bed, printed with these settings."""
    plastic = plastic_mm3(mesh, settings)
    filament = settings.filament
    flow = min(settings.line_width * settings.layer_height * EFFECTIVE_SPEED_MM_S, filament.max_volumetric_speed)
    length = plastic / (math.pi * (filament.diameter / 2) ** 2)
    grams = filament.grams(length)
    return Estimate(plastic / flow, length, grams, grams / 1000 * filament.price_per_kg)
