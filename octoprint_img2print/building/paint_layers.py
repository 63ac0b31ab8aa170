"""What every solid printed in bands of filaments shares: its own layer heights (every part stops at the top of a
whole layer, and slicing keeps them) and the base in the first filament."""

from __future__ import annotations

from dataclasses import dataclass

from ..filaments.appearance import LayerGrid
from ..i18n import N_, _
from ..options import Options, bad_parameter, option


@dataclass
class PaintLayerOptions(Options):
    """The base and the layer heights in millimetres."""

    base: float = option(0.48, N_("Base"), N_("thickness of the base in mm, in the first filament"), unit="mm",
                         low=0.1, high=10.0, main=True)
    paint_layer: float = option(0.08, N_("Painting layer height"),
                                N_("height of its layers in mm (thin layers blend colours); slicing keeps it"),
                                unit="mm", low=0.02, high=0.4)
    paint_first_layer: float = option(0.16, N_("Painting first layer"),
                                      N_("height of its first layer in mm; slicing keeps it"), unit="mm", low=0.05,
                                      high=0.5)

    def check(self) -> None:
        """A base of at least the first layer."""
        super().check()
        if self.base < self.paint_first_layer:
            raise bad_parameter("base", _("must be at least the first layer ({height:g} mm).")
                                .format(height=self.paint_first_layer))

    @property
    def layers(self) -> LayerGrid:
        """The heights the print can stop at."""
        return LayerGrid(self.paint_first_layer, self.paint_layer)


def layer_grid(options: PaintLayerOptions) -> tuple[float, float]:
    """The first layer's and every other layer's height the solid was built for, which slicing must keep."""
    return options.paint_first_layer, options.paint_layer
