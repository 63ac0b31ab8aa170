"""What every solid printed in bands of filaments shares: its own layer heights (every part stops at the top of a
whole layer, and slicing keeps them) and the base in the first filament."""

from __future__ import annotations

from dataclasses import dataclass

from ..filaments.appearance import LayerGrid
from ..i18n import N_, _
from ..options import Options, bad_parameter, option
from .size import DEFAULT_NOZZLE_MM

LAYER_SHARE, FIRST_LAYER_SHARE = 0.2, 0.4  # a painting's layers as shares of the nozzle: thin, to blend colours


@dataclass
class PaintLayerOptions(Options):
    """The base and the layer heights in millimetres."""

    base: float = option(0.48, N_("Base"), N_("thickness of the base in mm, in the first filament"), unit="mm",
                         low=0.1, high=10.0, main=True)
    paint_layer: float | None = option(None, N_("Painting layer height"),
                                       N_("height of its layers in mm (thin layers blend colours; default a fifth of "
                                          "the nozzle); slicing keeps it"), unit="mm", low=0.02, high=0.4)
    paint_first_layer: float | None = option(None, N_("Painting first layer"),
                                             N_("height of its first layer in mm (default two fifths of the nozzle); "
                                                "slicing keeps it"), unit="mm", low=0.05, high=0.5)

    def check(self) -> None:
        """A base of at least the first layer."""
        super().check()
        if self.base < self.layers.first:
            raise bad_parameter("base", _("must be at least the first layer ({height:g} mm).")
                                .format(height=self.layers.first))

    @property
    def layers(self) -> LayerGrid:
        """The heights the print can stop at: as given, else following the nozzle (0.16 mm, then 0.08 mm for a
        0.4 mm nozzle)."""
        nozzle = getattr(self, "nozzle", DEFAULT_NOZZLE_MM)
        first = self.paint_first_layer if self.paint_first_layer is not None else round(nozzle * FIRST_LAYER_SHARE, 2)
        layer = self.paint_layer if self.paint_layer is not None else round(nozzle * LAYER_SHARE, 2)
        return LayerGrid(first, layer)


def layer_grid(options: PaintLayerOptions) -> tuple[float, float]:
    """The first layer's and every other layer's height the solid was built for, which slicing must keep."""
    return options.layers.first, options.layers.layer
