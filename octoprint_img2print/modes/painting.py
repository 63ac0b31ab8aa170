"""Filament painting: a photo as a flat relief printed in thin layers with a filament swap at chosen layers, so
that thin translucent layers over each other show the picture's colours from a few spools on one nozzle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..building.paint_layers import PaintLayerOptions, layer_grid
from ..building.surface import PREVIEW, SurfaceOptions, framed_solid, sample
from ..filaments import painting
from ..filaments.colour import to_linear
from ..filaments.library import Filament, Library, filament_choices
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..imaging import prepare
from ..imaging.load import Picture
from ..options import bad_parameter, option
from ..report import INFO, Report
from . import COLOUR, Mode

FIDELITY_FINDING = "painting_fidelity"


@dataclass
class PaintingOptions(PaintLayerOptions, SurfaceOptions):
    """The palette, the swaps and the heights in millimetres (whole layers)."""

    palette: str = option("pla_black,pla_white", N_("Filaments"),
                          N_("the filaments you have, of one material: the print uses those that match the picture "
                             "best"), main=True, listing=filament_choices, several=True)
    colours: int | None = option(None, N_("Filaments to use"),
                                 N_("use at most this many of them, chosen for the picture (default: all)"),
                                 low=1, high=16)
    swaps: int = option(8, N_("Swaps"), N_("the most filament changes during the print"), low=0, high=40,
                        main=True)
    max_height: float = option(2.0, N_("Highest"), N_("height of the highest part in mm"), unit="mm", low=0.2,
                               high=20.0)

    def check(self) -> None:
        """Known filaments of one material; a base below the highest part."""
        super().check()
        materials = sorted({f.material for f in self.filaments()})
        if len(materials) > 1:
            raise bad_parameter("palette", _("mixes {materials}; one print is printed at one material's "
                                             "temperatures, so choose filaments of one material.")
                                .format(materials=", ".join(materials)))
        if self.base >= self.max_height:
            raise bad_parameter("base", _("{low:g} mm is not below --max-height {high:g} mm.")
                                .format(low=self.base, high=self.max_height))

    def filaments(self) -> list[Filament]:
        """The palette's filaments, each once."""
        library = Library()
        ids = list(dict.fromkeys(part.strip() for part in (self.palette or "").split(",") if part.strip()))
        if not ids:
            raise bad_parameter("palette", _("name at least one filament."))
        return [library.get(i) for i in ids]


def _picture_colours(picture: Picture, grid_shape: tuple[int, int], options: PaintingOptions) -> np.ndarray:
    """The picture's colours on the printing grid, in linear light, smoothed as its lightness is."""
    rows, columns = grid_shape
    colour = picture.colour if picture.colour is not None else \
        np.repeat((picture.lightness * 255)[..., None], 3, axis=-1)
    channels = [prepare.smooth(prepare.resample(to_linear(colour[..., c] / 255.0).astype(np.float32), columns, rows),
                               options.smoothing_radius, options.sampling_pitch) for c in range(3)]
    return np.clip(np.stack(channels, axis=-1), 0.0, 1.0)


def build(picture: Picture, options: PaintingOptions) -> tuple[Mesh, Report]:
    """The painted relief, lying on its base, and the swaps and fidelity as findings."""
    grid = sample(picture, options)
    target = _picture_colours(picture, grid.lightness.shape, options)
    layers = options.layers
    lowest, highest = layers.levels_in(options.base), layers.levels_in(options.max_height)
    palette = options.filaments()
    plan = painting.optimised_plan(target[~grid.background], palette, layers, lowest, highest, options.swaps,
                                   options.colours or len(palette))
    levels = painting.nearest_levels(plan, target)
    levels[grid.background] = lowest
    plan = painting.trimmed(plan, int(levels.max()))
    heights = layers.top(levels).astype(np.float32)
    mesh = framed_solid(heights, grid, options, float(layers.top(plan.highest)))
    return mesh, _findings(plan, target[~grid.background], levels[~grid.background])


def _findings(plan: painting.Plan, target: np.ndarray, levels: np.ndarray) -> Report:
    """The swaps (the order to load the filaments in) and how closely the print will match the picture."""
    report = Report()
    painting.add_swaps(report, plan)
    mean, p95 = painting.fidelity(target, painting.predicted(plan, levels))
    report.add(INFO, FIDELITY_FINDING, _("Predicted colour difference from the picture (CIEDE2000): {mean:.1f} on "
                                         "average, {p95:.1f} at the 95th percentile. Below 3 the eye hardly tells "
                                         "them apart; above 10 colours look clearly different, and filaments of the "
                                         "picture's missing colours would help.").format(mean=mean, p95=p95),
               mean_delta_e=round(mean, 2), p95_delta_e=round(p95, 2))
    return report


MODE = Mode("painting", N_("Filament painting"),
            N_("A photo in colour from a few filaments on one nozzle: thin layers over each other, with filament "
               "swaps at chosen layers."),
            PaintingOptions, build, reads=COLOUR, intent="painting", position=25, default_width=100.0,
            preview=PREVIEW, thinnest_option="base", orientation=lambda _options: "flat", layers=layer_grid,
            live=lambda _options: {"base": "low", "max_height": "high"})
