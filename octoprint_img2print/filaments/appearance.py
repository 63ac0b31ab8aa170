"""What a stack of thin filament layers looks like lit from the front: the appearance model of filament painting,
used alike by the optimiser, the findings and the preview.

In linear-light RGB, a layer of thickness t of filament f lets T = 10^(-t / HD_f) of what lies under it show
through, with HD_f = hiding_factor x TD_f, the front-lit hiding distance; the colour seen is F (1 - T) + T B, where
B is the colour of the stack below, composited layer by layer from the first up. The first layer lies on nothing
but more of itself (the base is opaque).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .colour import to_linear
from .library import Filament

LEVEL_EPSILON_MM = 1e-6


@dataclass(frozen=True)
class LayerGrid:
    """The heights a print can stop at: the top of the first layer, then one layer more each (mm)."""

    first: float
    layer: float

    def top(self, level: int | np.ndarray) -> float | np.ndarray:
        """The height (mm) of the top of layer ``level`` (1 for the first)."""
        return self.first + (np.asarray(level) - 1) * self.layer

    def levels_in(self, height: float) -> int:
        """How many whole layers fit in ``height`` mm (at least one)."""
        return max(1, int(np.floor((height - self.first) / self.layer + LEVEL_EPSILON_MM)) + 1)

    def level_at(self, heights: np.ndarray, highest: int) -> np.ndarray:
        """The level each height (mm) stands at, the nearest layer top, from 1 to ``highest``."""
        return np.clip(np.rint((np.asarray(heights) - self.first) / self.layer).astype(int) + 1, 1, highest)

    def thickness(self, level: int) -> float:
        """How thick layer ``level`` is."""
        return self.first if level == 1 else self.layer


def linear_colour(filament: Filament) -> np.ndarray:
    """A filament's colour in linear light."""
    return to_linear(np.asarray(filament.rgb, dtype=np.float64) / 255.0)


def transmittance(filament: Filament, thickness: float) -> float:
    """How much of what lies under a layer of ``thickness`` mm of ``filament`` shows through it, lit from the
    front."""
    return float(10 ** (-thickness / filament.hiding_distance))


def stack_colours(filaments: Sequence[Filament], tops: Sequence[int], grid: LayerGrid) -> np.ndarray:
    """The colour seen (linear RGB) where the print stops at each level 1..tops[-1] (row 0 unused): band i of
    ``filaments[i]`` runs from the level after ``tops[i - 1]`` up to ``tops[i]``."""
    colours = np.zeros((tops[-1] + 1, 3))
    seen = linear_colour(filaments[0])
    starts = (0, *tops[:-1])
    for filament, start, top in zip(filaments, starts, tops):
        own = linear_colour(filament)
        for level in range(start + 1, top + 1):
            through = transmittance(filament, grid.thickness(level))
            seen = own * (1 - through) + seen * through
            colours[level] = seen
    return colours
