"""What the pages need to redraw a sheet at once when a size or thickness option changes, before its exact preview
arrives: the direction from the sheet's back into it in the 3D view, where its back lies, and how the mode's options
stretch what stands on the back (option name -> "low", "high" or "span"), with the values it was built with.

The pages move each shown point of the sheet (its depth from the back between 0 and the deepest it was built):
along the back by the new width over the old (about the sheet's middle across and its lowest point, where it
stands), and its depth from the back as the rules say ("low" and "high" bound a range that maps onto the new one;
"low" and "span" are a base and what stands on it; below "low" the solid scales with it). What is not of the sheet
(a foot: behind the back, deeper than the sheet, or below where it stands) keeps its depth and its height."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..geometry.mesh import Mesh
from .view_mesh import sheet_inward


def live_sheet(placed: Mesh, rules: Mapping[str, str], built_with: Mapping[str, float | None]) -> dict[str, Any]:
    """The redraw facts of ``placed`` (the sheet as the 3D view shows it)."""
    inward, _unit, back = sheet_inward(placed)
    return {"inward": [round(float(v), 6) for v in inward], "back_mm": round(back, 4),
            "rules": dict(rules),
            "built_with": {name: float(value) for name, value in built_with.items() if value is not None}}
