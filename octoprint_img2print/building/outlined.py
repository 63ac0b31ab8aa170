"""Flat lithophanes cut to an outline (a heart, a rounded key fob) with a frame that follows it, and tabs with a
hanging hole (a hook tab on a frame, a keychain's ring)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry import outline
from ..geometry.booleans import to_manifold
from ..geometry.mesh import Mesh
from ..i18n import N_, _
from ..options import bad_parameter, option
from .tones import ToneOptions

HEART_POINTS = 180
OUTLINE_FRAME_MM = 3.0  # the frame along a cut outline when no frame width is given
CUT_MARGIN_MM = 1.0


@dataclass
class HoleOptions(ToneOptions):
    """A tab with a hanging hole: the hole's diameter and the rim of plastic around it, in millimetres."""

    hole: float = option(5.0, N_("Hanging hole"), N_("diameter in mm of the hole in the hook tab or keychain ring"),
                         unit="mm", low=1.0, high=50.0)
    hole_rim: float = option(2.5, N_("Rim around the hole"), N_("width in mm of the plastic around the hanging hole"),
                             unit="mm", low=0.8, high=50.0)

    def check_tab(self, sheet_width: float) -> None:
        """The ring must fit on the sheet's top edge."""
        if self.hole + 2 * self.hole_rim > sheet_width:
            raise bad_parameter("hole", _("a {hole:g} mm hole with a {rim:g} mm rim is wider than the {width:g} mm "
                                          "sheet; choose a smaller hole or a wider sheet.")
                                .format(hole=self.hole, rim=self.hole_rim, width=sheet_width))


def heart(width: float, height: float) -> outline.Region:
    """A heart filling the box (0, 0)-(width, height), its point at the bottom."""
    t = np.linspace(0.0, 2 * np.pi, HEART_POINTS, endpoint=False)
    ring = np.stack([16 * np.sin(t) ** 3, 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)],
                    axis=1)
    low, high = ring.min(axis=0), ring.max(axis=0)
    ring = (ring - low) / (high - low) * [width, height]
    return outline.region([ring if outline.signed_area(ring) > 0 else ring[::-1]], outline.NONZERO)


def rounded_rectangle(width: float, height: float, radius: float) -> outline.Region:
    """The box (0, 0)-(width, height) with round corners."""
    radius = min(radius, width / 2, height / 2)
    inner = outline.region([np.array([[radius, radius], [width - radius, radius], [width - radius, height - radius],
                                      [radius, height - radius]])], outline.NONZERO)
    return outline.offset(inner, radius) if radius > 0 else outline.region(
        [np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=float)], outline.NONZERO)


def grip_height(shape: outline.Region, share: float) -> float:
    """The lowest height above the shape's bottom at which it is at least ``share`` of its full width wide."""
    x0, y0, x1, y1 = outline.bounds(shape)
    for level in np.linspace(y0, y1, 101):
        band = outline.region([np.array([[x0 - 1, level], [x1 + 1, level], [x1 + 1, level + 0.01],
                                         [x0 - 1, level + 0.01]])], outline.NONZERO)
        across = shape ^ band
        if not across.is_empty():
            bx0, _by0, bx1, _by1 = outline.bounds(across)
            if bx1 - bx0 >= share * (x1 - x0):
                return float(level - y0)
    return float(y1 - y0)


def hole_tab(sheet: outline.Region, options: HoleOptions) -> tuple[outline.Region, outline.Region, tuple[float, float]]:
    """A round tab above the middle of the sheet's top edge, the hole in it, and the hole's centre."""
    x0, _y0, x1, y1 = outline.bounds(sheet)
    radius = options.hole / 2 + options.hole_rim
    centre = ((x0 + x1) / 2, y1 + options.hole / 2)
    neck = outline.region([np.array([[centre[0] - radius, y1 - options.hole_rim], [centre[0] + radius,
                                     y1 - options.hole_rim], [centre[0] + radius, centre[1]],
                                     [centre[0] - radius, centre[1]]])], outline.NONZERO)
    tab = outline.union([outline.circle(radius).translate(centre), neck])
    return tab, outline.circle(options.hole / 2).translate(centre), centre


def cut_sheet(plate: Mesh, shape: outline.Region, frame_width: float, frame_thickness: float,
              tab: outline.Region | None = None, hole: outline.Region | None = None) -> Mesh:
    """The lying plate cut to ``shape``, with a frame ``frame_width`` wide along its outline, a tab at frame
    thickness and a hole through both, as one closed solid on the bed."""
    top = float(plate.vertices[:, 2].max()) + CUT_MARGIN_MM
    inside = outline.extrude(shape, -CUT_MARGIN_MM, top)
    parts = [to_manifold(plate) ^ inside]
    rim = shape - outline.offset(shape, -frame_width) if frame_width > 0 else outline.empty()
    border = outline.union([rim] + ([tab] if tab is not None else []))
    if not border.is_empty():
        parts.append(outline.extrude(border, 0.0, frame_thickness))
    cuts = [outline.extrude(hole, -CUT_MARGIN_MM, max(top, frame_thickness) + CUT_MARGIN_MM)] if hole else []
    return outline.solid(parts, cuts)
