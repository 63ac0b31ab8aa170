"""A painting's swaps as the slicers keep colour changes in a 3MF project, so that PrusaSlicer, Orca Slicer and
Bambu Studio open the painting with its colours: a colour change (type 0, the printer's M600) at the top of the first
layer of each new filament, with that filament's colour; for a printer with several tools, PrusaSlicer's tool
changes (type 2, one object printed by tools changing at heights), which its command line slices too."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from .painting import Plan

PRUSASLICER_PART = "Metadata/Prusa_Slicer_custom_gcode_per_print_z.xml"
ORCA_PART = "Metadata/custom_gcode_per_layer.xml"  # Orca Slicer's and Bambu Studio's
COLOUR_CHANGE, TOOL_CHANGE = 0, 2  # the slicers' types of a custom G-code: 0 colour change, 1 pause, 2 tool change


def colour_change_parts(plan: Plan) -> dict[str, str]:
    """The parts of a 3MF package that carry the plan's swaps, by part name."""
    changes = [(round(swap.height, 4), swap.filament.colour) for swap in plan.swaps()[1:]]
    prusa = "".join(f'<code print_z="{z:g}" type="{COLOUR_CHANGE}" extruder="1" color={quoteattr(colour)} extra="" '
                    f'gcode="M600"/>\n' for z, colour in changes)
    orca = "".join(f'<layer top_z="{z:g}" type="{COLOUR_CHANGE}" extruder="1" color={quoteattr(colour)} extra="" '
                   f'gcode="M600"/>\n' for z, colour in changes)
    return {PRUSASLICER_PART: '<?xml version="1.0" encoding="utf-8"?>\n<custom_gcodes_per_print_z>\n'
                              f'{prusa}<mode value="SingleExtruder"/>\n</custom_gcodes_per_print_z>\n',
            ORCA_PART: '<?xml version="1.0" encoding="utf-8"?>\n<custom_gcodes_per_layer>\n<plate>\n'
                       f'<plate_info id="1"/>\n{orca}<mode value="SingleExtruder"/>\n</plate>\n'
                       '</custom_gcodes_per_layer>\n'}


def tool_change_part(changes: list[tuple[float, int]]) -> str:
    """PrusaSlicer's part for tool changes: from each height (a layer's top, mm) on, tool ``tool`` (0 for the
    first) prints."""
    codes = "".join(f'<code print_z="{z:g}" type="{TOOL_CHANGE}" extruder="{tool + 1}" color="" extra="" '
                    f'gcode="tool_change"/>\n' for z, tool in changes)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<custom_gcodes_per_print_z>\n'
            f'{codes}<mode value="MultiAsSingle"/>\n</custom_gcodes_per_print_z>\n')
