"""What every mode asks first: the size in mm (either or both) and the nozzle it is printed with."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import N_
from ..options import Options, option

MIN_SIZE_MM, MAX_SIZE_MM = 1.0, 1000.0  # nothing narrower than a few nozzle lines prints as a picture
DEFAULT_NOZZLE_MM = 0.4
LINE_WIDTH_RATIO = 1.125  # slicers lay a line about this much wider than the nozzle


@dataclass
class SizedOptions(Options):
    """Width and height in mm (either keeps the aspect, both fill) and the nozzle diameter."""

    width: float | None = option(None, N_("Width"), N_("width in mm (the height follows the picture unless given)"),
                                 unit="mm", low=MIN_SIZE_MM, high=MAX_SIZE_MM, main=True)
    height: float | None = option(None, N_("Height"),
                                  N_("height in mm (the width follows the picture unless given)"),
                                  unit="mm", low=MIN_SIZE_MM, high=MAX_SIZE_MM)
    nozzle: float = option(DEFAULT_NOZZLE_MM, N_("Nozzle"),
                           N_("nozzle diameter in mm; sets the default sampling pitch and the thin-feature checks"),
                           unit="mm", low=0.05, high=3.0)

    @property
    def line_width(self) -> float:
        """The line the nozzle lays down, the narrowest thing it prints."""
        return self.nozzle * LINE_WIDTH_RATIO

    def needed_pixels(self) -> tuple[int, int] | None:
        """Source pixels worth decoding (columns, rows), or None to decode everything."""
        return None
