"""A safe start and end G-code for a printer that brings none of its own (a printer known only from OctoPrint's
printer profile): home, heat the bed and the nozzle and wait, prime a line inside the bed; at the end retract,
lift, turn the heaters, the fan and the motors off."""

from __future__ import annotations

import math

PRIME_MARGIN_MM = 5.0  # the prime line's distance from the bed's edge
PRIME_LENGTH_MM = 80.0
PRIME_FILAMENT_MM = 8.0  # about a 0.4 x 0.3 mm line of this length, pushed by 1.75 mm filament
LIFT_MM = 10.0


def _prime_line(shape: str, width: float, depth: float, centre: tuple[float, float]) -> tuple[tuple[float, float],
                                                                                               tuple[float, float]]:
    """Where the prime line starts and ends: along the front left edge of a rectangular bed, along a chord near the
    front of a round one, always inside it."""
    cx, cy = centre
    if shape == "circular":
        radius = width / 2 - PRIME_MARGIN_MM
        y = cy - radius * 0.8
        half = min(PRIME_LENGTH_MM / 2, math.sqrt(radius ** 2 - (y - cy) ** 2) * 0.9)
        return (cx - half, y), (cx + half, y)
    x0, y0 = cx - width / 2 + PRIME_MARGIN_MM, cy - depth / 2 + PRIME_MARGIN_MM
    length = min(PRIME_LENGTH_MM, depth - 2 * PRIME_MARGIN_MM)
    return (x0, y0), (x0, y0 + length)


def start_gcode(shape: str, width: float, depth: float, centre: tuple[float, float], heated_bed: bool) -> str:
    """Home, heat and wait, prime a line inside the bed; ``{bed_temperature}`` and ``{nozzle_temperature}`` are
    filled in by the slicing plan."""
    (xa, ya), (xb, yb) = _prime_line(shape, width, depth, centre)
    bed = ["M140 S{bed_temperature}"] if heated_bed else []
    bed_wait = ["M190 S{bed_temperature}"] if heated_bed else []
    lines = ["G90", "M82", *bed, "M104 S{nozzle_temperature}", "G28", *bed_wait, "M109 S{nozzle_temperature}",
             "G92 E0", "G1 Z2.0 F3000", f"G1 X{xa:.1f} Y{ya:.1f} Z0.3 F5000",
             f"G1 X{xb:.1f} Y{yb:.1f} Z0.3 F1500 E{PRIME_FILAMENT_MM:g}", "G92 E0", "G1 Z2.0 F3000"]
    return "\n".join(lines) + "\n"


def end_gcode() -> str:
    """Retract and lift, then heaters, fan and motors off."""
    lines = ["G91", "G1 E-2 F2700", f"G1 Z{LIFT_MM:g} F600", "G90", "M104 S0", "M140 S0", "M107", "M84"]
    return "\n".join(lines) + "\n"
