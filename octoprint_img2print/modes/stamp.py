"""Stamp: the artwork mirrored and raised on a block; an optional handle that plugs into the block's back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..building.artwork import PREVIEW, Artwork, ArtworkOptions, rectangle
from ..building.nozzle import printable_artwork
from ..geometry import outline
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..options import bad_parameter, option
from ..report import Report
from . import ARTWORK, Mode

if TYPE_CHECKING:
    import manifold3d

SOCKET_FLOOR_MM = 1.5
PEG_CLEARANCE_MM = 0.3
PART_GAP_MM = 10.0


@dataclass
class StampOptions(ArtworkOptions):
    """Stamp options in millimetres; width and height are the stamp face's artwork."""

    base: float = option(5.0, N_("Block thickness"), N_("thickness of the stamp's block in mm"),
                         unit="mm", low=1.0, high=100.0, main=True)
    relief_height: float = option(2.0, N_("Artwork height"), N_("height of the mirrored artwork on the block in mm"),
                                  unit="mm", low=0.2, high=50.0, main=True)
    margin: float = option(3.0, N_("Margin"), N_("block margin around the artwork in mm"),
                           unit="mm", low=0.0, high=200.0)
    handle: bool = option(False, N_("Handle"), N_("add a stamp handle that plugs into the block"), main=True)
    handle_diameter: float = option(20.0, N_("Handle diameter"), N_("stamp handle diameter in mm"),
                                    unit="mm", low=8.0, high=100.0)
    handle_height: float = option(25.0, N_("Handle height"), N_("stamp handle height in mm"),
                                  unit="mm", low=10.0, high=200.0)

    def check(self) -> None:
        """A handle needs a block thick enough for its socket."""
        super().check()
        if self.handle and self.base < SOCKET_FLOOR_MM + 2.0:
            raise bad_parameter("base", _("a handle needs a block at least {minimum:g} mm thick.")
                                .format(minimum=SOCKET_FLOOR_MM + 2.0))


def _handle(options: StampOptions, beside: float) -> tuple[manifold3d.Manifold, manifold3d.Manifold]:
    """The knob with its peg (standing on the knob), and the socket cut into the block's back."""
    peg_radius = options.handle_diameter / 4
    socket_depth = options.base - SOCKET_FLOOR_MM
    circle = outline.circle
    knob = outline.extrude(circle(options.handle_diameter / 2, 64), 0.0, options.handle_height)
    peg = outline.extrude(circle(peg_radius - PEG_CLEARANCE_MM, 48), options.handle_height - 0.01,
                          options.handle_height + socket_depth - 0.5)
    handle = (knob + peg).translate((beside + options.handle_diameter / 2, options.handle_diameter / 2, 0.0))
    return handle, outline.extrude(circle(peg_radius, 48), -1.0, socket_depth)


def build(artwork: Artwork, options: StampOptions) -> tuple[Mesh, Report]:
    """The stamp block face up (and the handle beside it when asked), and the nozzle findings."""
    art, report = printable_artwork(artwork, options)
    mirrored = art.mirror((1.0, 0.0))
    x0, y0, _x1, _y1 = outline.bounds(mirrored)
    face = mirrored.translate((-x0, -y0))
    block = rectangle(outline.bounds(face), options.margin)
    parts = [outline.extrude(block, 0.0, options.base),
             outline.extrude(face, options.base - 0.01, options.base + options.relief_height)]
    if not options.handle:
        return outline.solid(parts), report
    box = outline.bounds(block)
    handle, socket = _handle(options, box[2] + PART_GAP_MM)
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, 0.0)
    return outline.solid([outline.body(parts, [socket.translate(centre)]), handle]), report


def artwork_starts(options: StampOptions) -> float:
    """The top of the block, where the mirrored artwork begins."""
    return options.base


MODE = Mode("stamp", N_("Stamp"), N_("The artwork mirrored and raised on a block, with an optional handle."),
            StampOptions, build, reads=ARTWORK, intent="stamp", position=60,
            preview=PREVIEW, thinnest_option="base", artwork_starts=artwork_starts)
