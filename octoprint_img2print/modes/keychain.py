"""Keychain: a small lithophane (dark thick, light thin) on a rounded fob with a frame, and a ring with a hole on
top for the key ring; it prints lying flat.

A lithophane rather than a logo: a photo is what people put on a lit key fob, and the frame and ring share the
lithophane's thickest part, so the fob is one flat piece with no overhang."""

from __future__ import annotations

from dataclasses import dataclass

from ..building.lettering import TextOptions
from ..building.outlined import HoleOptions, cut_sheet, hole_tab, rounded_rectangle
from ..building.surface import PREVIEW, framed_solid, sample
from ..building.tones import thickness, thickness_rules
from ..geometry.mesh import Mesh
from ..i18n import N_
from ..imaging.load import Picture
from ..report import Report
from . import PICTURE, Mode

FOB_FRAME_MM = 2.0  # the frame along the fob's outline when no frame width is given
CORNER_MM = 4.0


@dataclass
class KeychainOptions(TextOptions, HoleOptions):
    """A key fob's width and height are the fob's, the ring above it added; lengths in millimetres; --text makes a
    name fob (or writes under the photo)."""


def build(picture: Picture, options: KeychainOptions) -> tuple[Mesh, Report]:
    """The fob lying flat: the picture cut to a rounded rectangle, framed along it, with the ring on top."""
    grid = sample(picture, options)
    options.check_tab(grid.width)
    heights = thickness(grid.lightness, options)
    heights[grid.background] = options.min_thickness
    plate = framed_solid(heights, grid, options, options.rim_thickness)
    fob = rounded_rectangle(grid.width, grid.height, CORNER_MM)
    ring, hole, _centre = hole_tab(fob, options)
    frame = options.frame_width or FOB_FRAME_MM
    return cut_sheet(plate, fob, frame, options.rim_thickness, ring, hole), Report()


def lies_flat(_options: KeychainOptions) -> str:
    """A key fob prints lying as built."""
    return "flat"


def backlight(options: KeychainOptions) -> float:
    """A fob is shown lit from behind."""
    return options.transmittance


MODE = Mode("keychain", N_("Keychain"),
            N_("A photo as a small lithophane key fob with a ring hole: dark is thick, light is thin."),
            KeychainOptions, build, reads=PICTURE, intent="lithophane", position=16, default_width=40.0,
            preview=PREVIEW, orientation=lies_flat, thinnest_option="min_thickness", backlight=backlight,
            live=thickness_rules)
