"""Filament painting: which filament each layer band prints with, and how high each pixel stands, so that the print
seen from the front (appearance.py's model) looks like the picture.

Every pixel that stops at the same level shows the same colour, so a plan (a filament per band of layers) makes
one curve of colours over the levels; each pixel takes the level whose colour is nearest its own (in CIELAB). The
plan is found by local search from the luminance plan (filaments from dark to light, swaps at even heights):
moving swaps, changing a band's filament, adding and removing swaps, while the colour error falls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..i18n import _
from ..report import INFO, Report
from .appearance import LayerGrid, linear_colour, stack_colours
from .colour import ciede2000, lab
from .library import Filament, Library

SWAPS_FINDING = "filament_swaps"  # the finding whose numbers hold a painting's swaps, which slicing puts in the G-code
TARGET_BIN = 4.0  # CIELAB units: target colours closer than this count as one (weighted) while optimising
MAX_TARGETS = 60_000  # pixels sampled for the optimiser
MOVES = (-8, -4, -2, -1, 1, 2, 4, 8)
MAX_EVALUATIONS = 4000
SWAP_COST = 0.15  # CIELAB units of mean error a swap must save to be worth a filament change by hand
ROWS_AT_ONCE = 4096  # pixels matched to levels per step (bounded memory)


@dataclass(frozen=True)
class Swap:
    """Load ``filament`` before printing layer ``layer`` (1 for the first), whose top is at ``height`` mm."""

    layer: int
    height: float
    filament: Filament

    def as_dict(self, translate=lambda text: text) -> dict:
        """Plain data for JSON answers."""
        return {"layer": self.layer, "height": round(self.height, 3), "filament": self.filament.id,
                "name": self.filament.name(translate), "colour": self.filament.colour}


@dataclass(frozen=True)
class Plan:
    """Band i prints with ``filaments[i]`` up to level ``tops[i]``; pixels stand between ``lowest`` and the last
    top."""

    grid: LayerGrid
    filaments: tuple[Filament, ...]
    tops: tuple[int, ...]
    lowest: int

    @property
    def highest(self) -> int:
        """The highest level a pixel may stand at."""
        return self.tops[-1]

    def colours(self) -> np.ndarray:
        """The colour (linear RGB) seen at each level (row 0 unused)."""
        return stack_colours(self.filaments, self.tops, self.grid)

    def swaps(self) -> list[Swap]:
        """The filament changes: the first filament loaded at layer 1, then one per band."""
        starts = (0, *self.tops[:-1])
        return [Swap(start + 1, float(self.grid.top(start + 1)), filament)
                for start, filament in zip(starts, self.filaments)]


@dataclass(frozen=True)
class Targets:
    """The picture's colours as the optimiser weighs them: distinct CIELAB colours and how many pixels each has."""

    lab: np.ndarray
    weights: np.ndarray

    @classmethod
    def of(cls, linear: np.ndarray) -> Targets:
        """From linear RGB pixels (N, 3): a fixed sample, binned in CIELAB."""
        pixels = linear.reshape(-1, 3)
        if len(pixels) > MAX_TARGETS:
            pixels = pixels[np.random.default_rng(0).choice(len(pixels), MAX_TARGETS, replace=False)]
        colours = lab(pixels)
        bins = np.round(colours / TARGET_BIN).astype(np.int64)
        _keys, first, counts = np.unique(bins, axis=0, return_index=True, return_counts=True)
        return cls(colours[first], counts.astype(np.float64))

    def error(self, curve_lab: np.ndarray) -> float:
        """The weighted mean distance (ΔE76) from each colour to its nearest colour of the curve."""
        distance = np.sqrt(((self.lab[:, None, :] - curve_lab[None, :, :]) ** 2).sum(axis=-1)).min(axis=1)
        return float((distance * self.weights).sum() / self.weights.sum())


def _error(plan: Plan, targets: Targets) -> float:
    """What the optimiser lowers: the colour error, and a little for each swap (each is a filament change by
    hand)."""
    return targets.error(lab(plan.colours()[plan.lowest:])) + SWAP_COST * (len(plan.tops) - 1)


def _lightness(filament: Filament) -> float:
    return float(lab(linear_colour(filament))[0])


def add_swaps(report: Report, plan: Plan) -> None:
    """The plan's swaps as a finding: the order to load the filaments in, in words and as numbers."""
    swaps = plan.swaps()
    steps = [_("start with {filament}").format(filament=swaps[0].filament.name(_))]
    steps += [_("at layer {layer} ({height:.2f} mm) load {filament}")
              .format(layer=s.layer, height=s.height, filament=s.filament.name(_)) for s in swaps[1:]]
    report.add(INFO, SWAPS_FINDING, _("Filaments: {steps}.").format(steps="; ".join(steps)),
               swaps=[s.as_dict(_) for s in swaps])


def plan_of(swaps: Sequence[dict], grid: LayerGrid, highest: int) -> Plan:
    """The plan a swap list describes, as a finding holds it (each swap's layer and filament id)."""
    library = Library()
    return Plan(grid, tuple(library.get(s["filament"]) for s in swaps),
                (*(s["layer"] - 1 for s in swaps[1:]), highest), 1)


def luminance_plan(palette: Sequence[Filament], grid: LayerGrid, lowest: int, highest: int,
                   swaps: int) -> Plan:
    """The usual plan: the palette from dark to light, swaps at even heights between ``lowest`` and ``highest``
    (at most ``swaps``)."""
    ordered = sorted(palette, key=_lightness)
    bands = max(1, min(len(ordered), swaps + 1, highest - lowest + 1))
    chosen = [ordered[round(i * (len(ordered) - 1) / max(1, bands - 1))] for i in range(bands)]
    span = highest - lowest
    tops = [lowest + round(span * (i + 1) / bands) for i in range(bands)]
    tops[0] = max(tops[0], lowest)
    return Plan(grid, tuple(chosen), tuple(tops), lowest)


def luminance_levels(plan: Plan, linear: np.ndarray) -> np.ndarray:
    """The usual heights: the picture's luminance mapped evenly from the lowest level (black) to the highest."""
    lightness = np.clip(lab(linear)[..., 0] / 100.0, 0.0, 1.0)
    return np.rint(plan.lowest + lightness * (plan.highest - plan.lowest)).astype(np.int32)


def _valid(tops: Sequence[int], lowest: int) -> bool:
    return tops[0] >= lowest and all(b > a for a, b in zip(tops, tops[1:]))


def _neighbours(plan: Plan, palette: Sequence[Filament], swaps: int, colours: int):
    """Every plan one step away: a swap moved (alone or with those above it), a band's filament changed, a band
    split or two bands joined."""
    tops, filaments = list(plan.tops), list(plan.filaments)
    for i in range(len(tops) - 1):
        for step in MOVES:
            for end in (i + 1, len(tops) - 1):  # this swap alone, or with every swap above it
                moved = [*tops[:i], *(top + step for top in tops[i:end]), *tops[end:]]
                if end > i and _valid(moved, plan.lowest):
                    yield replace(plan, tops=tuple(moved))
    used = {f.id for f in filaments}
    for i in range(len(filaments)):
        for other in palette:
            if other.id != filaments[i].id and (other.id in used or len(used) < colours):
                yield replace(plan, filaments=tuple([*filaments[:i], other, *filaments[i + 1:]]))
    if len(tops) - 1 < swaps:
        for i, top in enumerate(tops):
            start = tops[i - 1] if i else plan.lowest - 1
            if top - start >= 2:
                middle = (start + top + 1) // 2
                for other in palette:
                    if other.id != filaments[i].id and (other.id in used or len(used) < colours):
                        yield replace(plan, tops=tuple([*tops[:i], middle, *tops[i:]]),
                                      filaments=tuple([*filaments[:i + 1], other, *filaments[i + 1:]]))
    for i in range(len(tops) - 1):
        yield replace(plan, tops=tuple(tops[:i] + tops[i + 1:]), filaments=tuple(filaments[:i] + filaments[i + 1:]))


def optimised_plan(linear: np.ndarray, palette: Sequence[Filament], grid: LayerGrid, lowest: int, highest: int,
                   swaps: int, colours: int) -> Plan:
    """The plan whose colours best match the picture (linear RGB pixels), with at most ``swaps`` swaps and
    ``colours`` different filaments of the palette."""
    targets = Targets.of(linear)
    plan = luminance_plan(palette[:colours] if colours < len(palette) else palette, grid, lowest, highest, swaps)
    best = _error(plan, targets)
    evaluations = 0
    improved = True
    while improved and evaluations < MAX_EVALUATIONS:
        improved = False
        for candidate in _neighbours(plan, palette, swaps, colours):
            if any(a.id == b.id for a, b in zip(candidate.filaments, candidate.filaments[1:])):
                continue  # a swap to the filament already loaded is none
            evaluations += 1
            error = _error(candidate, targets)
            if error < best - 1e-9:
                plan, best, improved = candidate, error, True
                break
            if evaluations >= MAX_EVALUATIONS:
                break
    return plan


def nearest_levels(plan: Plan, linear: np.ndarray) -> np.ndarray:
    """Each pixel's level: the one whose colour is nearest its own (ΔE76), among lowest..highest."""
    curve = lab(plan.colours()[plan.lowest:])
    pixels = lab(linear.reshape(-1, 3))
    levels = np.empty(len(pixels), dtype=np.int32)
    for start in range(0, len(pixels), ROWS_AT_ONCE):
        chunk = pixels[start:start + ROWS_AT_ONCE]
        levels[start:start + ROWS_AT_ONCE] = ((chunk[:, None, :] - curve[None]) ** 2).sum(-1).argmin(axis=1)
    return (levels + plan.lowest).reshape(linear.shape[:-1])


def trimmed(plan: Plan, highest_used: int) -> Plan:
    """The plan without the bands above the highest level a pixel stands at (never printed, no swap for them)."""
    kept = [i for i, start in enumerate((plan.lowest - 1, *plan.tops[:-1])) if i == 0 or start < highest_used]
    tops = [min(plan.tops[i], highest_used) for i in kept]
    tops[-1] = max(highest_used, plan.lowest)
    return replace(plan, filaments=tuple(plan.filaments[i] for i in kept), tops=tuple(tops))


def predicted(plan: Plan, levels: np.ndarray) -> np.ndarray:
    """The colour seen (linear RGB) at each pixel standing at ``levels``."""
    return plan.colours()[levels]


def fidelity(linear: np.ndarray, seen: np.ndarray) -> tuple[float, float]:
    """Mean and 95th percentile CIEDE2000 between the picture and the print as predicted, pixel by pixel."""
    difference = ciede2000(lab(linear.reshape(-1, 3)), lab(seen.reshape(-1, 3)))
    return float(difference.mean()), float(np.percentile(difference, 95))
