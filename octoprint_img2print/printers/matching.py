"""Which of img2print's shipped printers is the one OctoPrint's printer profile describes (bed shape and size,
height, name), so that printer's own start and end G-code and vendor facts can apply."""

from __future__ import annotations

import re
from typing import Any

from .profile import CIRCULAR, PrinterProfile, get_printer, printer_ids

SIZE_TOLERANCE_MM = 2.0  # makers' figures and OctoPrint profiles differ by a millimetre here and there
NEAR_TOLERANCE_MM = 15.0  # a profile whose name matches may have its bed measured a little differently
COMMON_WORDS = frozenset({"printer", "generic", "default", "the", "original", "mm", "3d", "reprap"})


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", text.lower()) if word not in COMMON_WORDS and len(word) > 1}


def _bed(profile: dict[str, Any]) -> tuple[str, float, float, float]:
    volume = profile.get("volume") or {}
    shape = CIRCULAR if volume.get("formFactor") == CIRCULAR else "rectangular"
    return shape, float(volume.get("width") or 0), float(volume.get("depth") or 0), float(volume.get("height") or 0)


def _score(printer: PrinterProfile, profile: dict[str, Any]) -> int:
    """How well a shipped printer matches: 0 when it does not; the bed's exact size, then name words, count."""
    shape, width, depth, height = _bed(profile)
    if shape != printer.bed_shape:
        return 0
    off = max(abs(width - printer.width), abs(depth - printer.depth) if shape != CIRCULAR else 0.0)
    shared = len(_words(f"{profile.get('name', '')} {profile.get('model', '')}") & _words(printer.name))
    if off <= SIZE_TOLERANCE_MM:
        return 10 + 3 * shared + (abs(height - printer.max_height) <= SIZE_TOLERANCE_MM)
    return 3 * shared if off <= NEAR_TOLERANCE_MM and shared >= 2 else 0


def suggested_printer(profile: dict[str, Any]) -> PrinterProfile | None:
    """The shipped printer that best matches OctoPrint's printer profile, or None when none does."""
    scored = [(score, printer.id, printer) for printer in map(get_printer, printer_ids())
              if (score := _score(printer, profile)) > 0]
    return max(scored, key=lambda entry: (entry[0], entry[1]))[2] if scored else None
