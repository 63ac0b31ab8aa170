"""Calibrating a filament from photos of its TD card (modes/td_card.py): lying on white paper, lit from the front
(its hiding distance and colour), and held against a light (its TD).

The paper around the card sets the white balance (it is white: every channel is divided by the paper's), the card is
found as what differs from the paper, each cell's colour is the median of its middle. Under the appearance model a
cell of i layers of thickness t shows F (1 - T^i) + T^i B over a backing B (the bare cell of its row), with
T = 10^(-t / HD): the hiding distance HD is searched on a fine logarithmic scale, the filament's own colour F solved
for each by least squares, and the best fit's error said as the mean CIEDE2000 between the cells and the model.

Against a light, the light around the card sets the white balance as the paper does; the white row lets through
T_white x 100^(-d / TD) of it at d mm of the filament (TD as HueForge defines it: 1 % through at the TD), so the
TD follows from the slope of the logarithm of the cells' brightness over their thickness (least squares over the
cells bright enough to measure and not saturated), whatever the white base lets through.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from ..errors import BadInput
from ..geometry.files import write_atomically
from ..i18n import _
from ..imaging.load import load_picture
from .colour import ciede2000, lab, to_linear, to_srgb
from .library import Filament, read_library

BORDER_SHARE = 0.04  # the photo's outer strip that shows the paper
CARD_DIFFERENCE = 12.0  # CIELAB distance from the paper that counts as card
ROW_SHARE = 0.3  # a row or column of the photo belongs to the card where this share of it does
CELL_SAMPLE = 0.3  # the middle of a cell that is measured: this share of its side around its centre
DISTANCES_MM = np.geomspace(0.01, 30.0, 800)
MEASURABLE = (0.002, 0.9)  # a backlit cell's brightness (of the light around the card) that says something
WHITE_ROW = 1
CALIBRATED_FILE = "calibrated.yaml"  # where calibrated filaments are kept in one's own filament folder


@dataclass(frozen=True)
class Fit:
    """What a card says about its filament: the front-lit hiding distance (mm), the filament's own colour seen at
    full thickness (sRGB 0-255) and how far the model stays from the cells (mean CIEDE2000); with a backlit photo,
    its TD (mm)."""

    hiding_distance: float
    colour: tuple[int, int, int]
    error: float
    td: float | None = None


def card_cells(photo: np.ndarray, name: str, steps: int) -> np.ndarray:
    """The colours (linear RGB, paper white 1) of the card's cells in an sRGB photo (rows, columns, 3): rows (over
    black, over white) by steps + 1, from the card's back left; a photo without a card is refused."""
    linear = to_linear(np.asarray(photo, dtype=np.float64) / 255.0)
    rows, columns = linear.shape[:2]
    edge = max(2, round(min(rows, columns) * BORDER_SHARE))
    border = np.concatenate([linear[:edge].reshape(-1, 3), linear[-edge:].reshape(-1, 3),
                             linear[:, :edge].reshape(-1, 3), linear[:, -edge:].reshape(-1, 3)])
    paper = np.median(border, axis=0)
    if paper.min() <= 0.05:
        raise BadInput("calibration_photo", _("{file}: the edges of the photo are not white paper; photograph the "
                                              "card lying on white paper, with paper all round it.").format(file=name),
                       file=name)
    balanced = np.clip(linear / paper, 0.0, 1.5)
    card = np.sqrt(((lab(balanced) - lab(np.ones(3))) ** 2).sum(axis=-1)) > CARD_DIFFERENCE
    inside_rows = np.nonzero(card.mean(axis=1) > ROW_SHARE * card.mean(axis=1).max())[0]
    inside_columns = np.nonzero(card.mean(axis=0) > ROW_SHARE * card.mean(axis=0).max())[0]
    if len(inside_rows) < 4 or len(inside_columns) < 4 * (steps + 1):
        raise BadInput("calibration_photo", _("{file}: no card was found on the paper; photograph it from above, "
                                              "filling most of the photo.").format(file=name), file=name)
    top, bottom = inside_rows[0], inside_rows[-1] + 1
    left, right = inside_columns[0], inside_columns[-1] + 1
    cell_w, cell_h = (right - left) / (steps + 1), (bottom - top) / 2
    cells = np.empty((2, steps + 1, 3))
    for row in range(2):
        for step in range(steps + 1):
            cx, cy = left + (step + 0.5) * cell_w, top + (row + 0.5) * cell_h
            half_w, half_h = max(1, round(cell_w * CELL_SAMPLE / 2)), max(1, round(cell_h * CELL_SAMPLE / 2))
            window = balanced[round(cy) - half_h:round(cy) + half_h, round(cx) - half_w:round(cx) + half_w]
            cells[row, step] = np.median(window.reshape(-1, 3), axis=0)
    return cells


def fit(cells: np.ndarray, layer: float) -> Fit:
    """The hiding distance and own colour that best explain the cells (rows over black and over white, each from its
    bare cell) for layers ``layer`` mm thick."""
    steps = np.arange(cells.shape[1])
    backing = cells[:, :1, :]
    best: tuple[float, float, np.ndarray] | None = None
    measured = lab(cells[:, 1:])
    for distance in DISTANCES_MM:
        through = (10.0 ** (-steps * layer / distance))[None, :, None]
        share = 1 - through
        target = cells - through * backing
        own = np.clip((share * target).sum(axis=(0, 1)) / max(2 * float((share ** 2).sum()), 1e-12), 0, 1)
        model = own * share + through * backing
        error = float(ciede2000(measured, lab(model[:, 1:])).mean())
        if best is None or error < best[0]:
            best = (error, float(distance), own)
    assert best is not None
    error, distance, own = best
    red, green, blue = (int(v) for v in np.rint(to_srgb(own) * 255))
    return Fit(distance, (red, green, blue), error)


def backlit_td(cells: np.ndarray, layer: float, name: str) -> float:
    """The TD from the white row of a card photographed against a light (cells as ``card_cells`` gives them, the
    light around the card as white), or BadInput when too few cells let a measurable share of light through."""
    brightness = cells[WHITE_ROW] @ np.array([0.2126, 0.7152, 0.0722])
    thickness = np.arange(len(brightness)) * layer
    usable = (brightness > MEASURABLE[0]) & (brightness < MEASURABLE[1])
    if usable.sum() < 3:
        raise BadInput("calibration_photo", _("{file}: too few cells of the card let light through to measure; hold it "
                                              "against a brighter light, in a dark room.").format(file=name),
                       file=name)
    slope = np.polyfit(thickness[usable], np.log10(brightness[usable]), 1)[0]
    if slope >= 0:
        raise BadInput("calibration_photo", _("{file}: the cells do not get darker with more layers; photograph the "
                                              "card held against a light, with nothing lighting it from the front.")
                       .format(file=name), file=name)
    return float(-2.0 / slope)


def calibrated(filament: Filament, found: Fit) -> Filament:
    """The filament with the card's colour, its TD when measured, and its hiding distance as its hiding factor over
    that TD."""
    td = round(found.td, 3) if found.td is not None else filament.td
    return replace(filament, td=td, hiding_factor=round(min(1.0, max(0.01, found.hiding_distance / td)), 4),
                   colour="#{:02X}{:02X}{:02X}".format(*found.colour))


def save(filament: Filament, path: Path) -> None:
    """Keep ``filament`` in one's own library file ``path`` (its other filaments kept, one of the same id
    replaced), written whole under a temporary name and then renamed."""
    kept = [f for f in read_library(path) if f.id != filament.id] if path.is_file() else []
    entries = [f.entry() for f in [*kept, filament]]
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda target: Path(target).write_text(yaml.safe_dump({"filaments": entries},
                                                                               sort_keys=False), encoding="utf-8"))


def said(filament: Filament, found: Fit) -> str:
    """What a person is told about a calibration, in their language."""
    measured = _("measured against the light") if found.td is not None else _("as the library says")
    return _("{filament}: it hides what lies under it within {distance:.2f} mm lit from the front (hiding factor "
             "{factor:g} of its TD {td:g} mm, {measured}), colour {colour}; the model stays within {error:.1f} "
             "CIEDE2000 of the card on average.").format(filament=filament.name(_), distance=found.hiding_distance,
                                                         factor=filament.hiding_factor, td=filament.td,
                                                         measured=measured, colour=filament.colour, error=found.error)


def calibrate_photo(path: Path, name: str, steps: int, layer: float, backlit: tuple[Path, str] | None = None) -> Fit:
    """The fit of the card in the photo at ``path``, with its TD from the photo against a light when there is one."""
    found = fit(card_cells(load_picture(path, name, keep_colour=True).colour, name, steps), layer)
    if backlit is None:
        return found
    light_path, light_name = backlit
    cells = card_cells(load_picture(light_path, light_name, keep_colour=True).colour, light_name, steps)
    return replace(found, td=backlit_td(cells, layer, light_name))
