"""What the pages need to redraw a sheet at once when a size or thickness option changes, before its exact preview
arrives: the direction from the sheet's back into it in the 3D view, where its back lies, and how the mode's options
stretch what stands on the back (option name -> "low", "high" or "span"), with the values it was built with.

The pages move each shown point of the sheet (its depth from the back between 0 and the deepest it was built):
along the back by the new width over the old (about the sheet's middle across and its lowest point, where it
stands), and its depth from the back as the rules say ("low" and "high" bound a range that maps onto the new one;
"low" and "span" are a base and what stands on it; below "low" the solid scales with it). What is not of the sheet
(a foot: behind the back, deeper than the sheet, or below where it stands) keeps its depth and its height.

A sheet bent round a vertical axis (an arc, a cylinder) has its back on a circle round that axis: a wider picture
makes the circle larger and the sheet taller by the same factor (from its lowest point), and each point's depth from
the back moves outwards as the rules say."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..geometry.mesh import Mesh
from ..geometry.shells import axis_and_back
from .view_mesh import sheet_inward


def live_sheet(placed: Mesh, rules: Mapping[str, str], built_with: Mapping[str, float | None],
               bent: bool = False) -> dict[str, Any]:
    """The redraw facts of ``placed`` (the sheet as the 3D view shows it; ``bent`` round a vertical axis)."""
    if bent:
        centre, back = axis_and_back(placed)
        shape: dict[str, Any] = {"axis": [round(float(v), 4) for v in centre]}
    else:
        inward, _unit, back = sheet_inward(placed)
        shape = {"inward": [round(float(v), 6) for v in inward]}
    return {**shape, "back_mm": round(back, 4), "rules": dict(rules),
            "built_with": {name: float(value) for name, value in built_with.items() if value is not None}}
