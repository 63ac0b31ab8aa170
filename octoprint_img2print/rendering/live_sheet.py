"""What the pages need to redraw a sheet at once when a size or thickness option changes, before its exact preview
arrives: the direction from the sheet's back into it in the 3D view, where its back lies, and how the mode's options
stretch what stands on the back (option name -> "low", "high" or "span"), with the values it was built with.

The pages move each shown point of the sheet (its depth from the back between 0 and the deepest it was built):
along the back by the new width over the old (about the sheet's middle across and its lowest point, where it
stands), and its depth from the back as the rules say ("low" and "high" bound a range that maps onto the new one;
"low" and "span" are a base and what stands on it; below "low" the solid scales with it). What is not of the sheet
(a foot: behind the back, deeper than the sheet, or below where it stands) keeps its depth and its height.

A shell (a lithophane bent round, a lamp's shade: round a vertical axis; a dome: round the middle of its base) has
its back on a circle or a sphere: the back's new radius is the old one times the new width over the old (a picture
bent round) or half the new width less the rim (a shade's or a dome's outer diameter), each point of the shell lies
that much farther out plus its depth from the back as the rules say, and what is not of the shell (a plate inside)
grows round the axis by the back's factor; round an axis, the shell's height between its rims follows the back's
factor, or the height asked where one was given, and the rims keep theirs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..geometry.mesh import Mesh
from ..geometry.shells import AXIS, RoundBack, axis_and_back, base_centre
from .view_mesh import sheet_inward


def live_sheet(placed: Mesh, rules: Mapping[str, str], built_with: Mapping[str, float | None],
               round_back: RoundBack | None = None) -> dict[str, Any]:
    """The redraw facts of ``placed`` (the sheet as the 3D view shows it; a shell whose back is round as
    ``round_back`` says)."""
    if round_back is None:
        inward, _unit, back = sheet_inward(placed)
        shape: dict[str, Any] = {"inward": [round(float(v), 6) for v in inward]}
    elif round_back.around == AXIS:
        centre, back = axis_and_back(placed)
        shape = {"axis": [round(float(v), 4) for v in centre]}
    else:
        centre, back = base_centre(placed), 0.0
        shape = {"centre": [round(float(v), 4) for v in centre]}
    if round_back is not None:
        back = round_back.radius_mm if round_back.radius_mm is not None else back
        shape["round"] = {"less": round_back.less, "bands_mm": list(round_back.bands_mm),
                          "fixed_height": round_back.fixed_height}
    return {**shape, "back_mm": round(back, 4), "rules": dict(rules),
            "built_with": {name: float(value) for name, value in built_with.items() if value is not None}}
