"""A TD card: a stepped card that shows how a filament hides what lies under it, for calibrating it.

Two rows of cells, each cell one more layer of the filament under test (the first none): one row over white, one
over black, printed from one nozzle with four swaps: white for the base (thin enough to let light through), the
tested filament (the white row's steps, under the black row), black (the black row's backing), the tested filament
again (the black row's steps). Photographed on white paper, ``img2print filaments calibrate`` fits the filament's
hiding distance from it; photographed again against a light, its TD from the light through the white row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..building.paint_layers import PaintLayerOptions, layer_grid
from ..building.size import SizedOptions
from ..filaments import painting
from ..filaments.library import Filament, Library, filament_choices
from ..geometry.mesh import Mesh
from ..geometry.solid import heightfield_solid
from ..i18n import N_, _
from ..options import bad_parameter, option
from ..report import INFO, Report
from . import NOTHING, Mode

CELL_PITCH_MM = 0.5  # the card's grid: cells are many millimetres wide
MAX_ERROR_MM = 0.005


@dataclass
class CardOptions(PaintLayerOptions, SizedOptions):
    """The card's steps, backing filaments and layer heights; the tested filament is the one it is printed for."""

    steps: int = option(10, N_("Steps"), N_("how many cells of one more layer each, after a bare one"), low=2,
                        high=30, main=True)
    black: str = option("pla_black", N_("Black backing"), N_("the black filament under one row"),
                        listing=filament_choices)
    white: str = option("pla_white", N_("White backing"), N_("the white filament under the other row"),
                        listing=filament_choices)
    black_thickness: float = option(1.2, N_("Black backing thickness"),
                                    N_("thickness of the black under the second row in mm (enough to let no light "
                                       "through)"), unit="mm", low=0.3, high=5.0)
    tested: str = "pla_white"  # the filament under test: the one the card is printed for (set from it, no option)

    def for_filament(self, filament: Filament) -> CardOptions:
        """The card for testing ``filament``."""
        return replace(self, tested=filament.id)


@dataclass(frozen=True)
class CardLayout:
    """Where each cell of the card lies: rows (over black, over white) by steps + 1 cells, in mm."""

    steps: int
    width: float

    @property
    def cell(self) -> float:
        """A cell's side."""
        return self.width / (self.steps + 1)

    @property
    def depth(self) -> float:
        """The card's depth: two rows."""
        return 2 * self.cell



def card_plan(options: CardOptions) -> tuple[painting.Plan, int, int]:
    """The card's bands (white, tested, black, tested), the level of the white row's bare cell and of the black
    row's."""
    library, layers = Library(), options.layers
    filaments = {role: library.get(getattr(options, role)) for role in ("black", "white", "tested")}
    if len({f.material for f in filaments.values()}) > 1:
        raise bad_parameter("black", _("the backing filaments must be of the tested filament's material ({material}), "
                                       "as one print is printed at one material's temperatures.")
                            .format(material=filaments["tested"].material))
    white_top = layers.levels_in(options.base)
    black_top = white_top + options.steps + max(1, round(options.black_thickness / options.layers.layer))
    tested = filaments["tested"]
    plan = painting.Plan(layers, (filaments["white"], tested, filaments["black"], tested),
                         (white_top, white_top + options.steps, black_top, black_top + options.steps), white_top)
    return plan, white_top, black_top


def build(_nothing: None, options: CardOptions) -> tuple[Mesh, Report]:
    """The card lying flat, its swaps as findings."""
    layout = CardLayout(options.steps, options.width or 80.0)
    plan, white_top, black_top = card_plan(options)
    columns = max(2, round(layout.width / CELL_PITCH_MM) + 1)
    rows = max(2, round(layout.depth / CELL_PITCH_MM) + 1)
    x = np.linspace(0, 1, columns)
    step = np.minimum((x * (options.steps + 1)).astype(int), options.steps)
    levels = np.empty((rows, columns), dtype=np.int64)
    back = np.linspace(0, 1, rows) < 0.5
    levels[back] = black_top + step
    levels[~back] = white_top + step
    heights = options.layers.top(levels)
    mesh = heightfield_solid(heights, layout.width, layout.depth, max_error=MAX_ERROR_MM)
    report = Report()
    painting.add_swaps(report, plan)
    report.add(INFO, "td_card_photo", _("Once printed, photograph it from above, lit from the front, lying on white "
                                        "paper; for its TD too, photograph it again held against a bright light (a "
                                        "window, a white screen) in a dark room; then: img2print filaments calibrate "
                                        "PHOTO --backlit PHOTO2 --filament {filament}")
               .format(filament=options.tested))
    return mesh, report


MODE = Mode("td-card", N_("TD card"),
            N_("A stepped card of the filament over black and over white, to photograph and calibrate it with."),
            CardOptions, build, reads=NOTHING, intent="painting", position=90, default_width=80.0,
            orientation=lambda _options: "flat", layers=layer_grid)
