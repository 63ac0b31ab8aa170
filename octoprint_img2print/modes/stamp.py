"""Stamp: the artwork mirrored and raised on a block; an optional handle that plugs into the block's back."""

from __future__ import annotations

from dataclasses import dataclass

import manifold3d

from ..geometry import outline
from ..geometry.mesh import Mesh
from ..i18n import _
from ..report import Report
from .nozzle import printable_artwork
from .options import bad_parameter, require_range
from .vector import Artwork, VectorOptions, rectangle

SOCKET_FLOOR_MM = 1.5
PEG_CLEARANCE_MM = 0.3
PART_GAP_MM = 10.0


@dataclass
class StampOptions(VectorOptions):
    """Stamp options in millimetres; width and height are the stamp face's artwork."""

    base: float = 5.0
    relief_height: float = 2.0
    margin: float = 3.0
    handle: bool = False
    handle_diameter: float = 20.0
    handle_height: float = 25.0

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""
        super().validate()
        require_range("base", self.base, 1.0, 100.0)
        require_range("relief_height", self.relief_height, 0.2, 50.0)
        require_range("margin", self.margin, 0.0, 200.0)
        if self.handle:
            if self.base < SOCKET_FLOOR_MM + 2.0:
                raise bad_parameter("base", _("a handle needs a block at least {minimum:g} mm thick.")
                                    .format(minimum=SOCKET_FLOOR_MM + 2.0))
            require_range("handle_diameter", self.handle_diameter, 8.0, 100.0)
            require_range("handle_height", self.handle_height, 10.0, 200.0)


def _handle(options: StampOptions, beside: float) -> tuple[manifold3d.Manifold, manifold3d.Manifold]:
    """The knob with its peg (standing on the knob), and the socket cut into the block's back."""
    peg_radius = options.handle_diameter / 4
    socket_depth = options.base - SOCKET_FLOOR_MM
    circle = manifold3d.CrossSection.circle
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
