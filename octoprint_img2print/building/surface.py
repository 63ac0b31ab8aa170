"""What the heightfield modes share: size, sampling, preparation, frame, meshing options and their checks."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..geometry.budget import FULL_GRID_BYTES_PER_TRIANGLE, triangle_budget
from ..geometry.mesh import Mesh
from ..geometry.solid import FLAT, heightfield_solid
from ..i18n import N_, _
from ..imaging import prepare
from ..imaging.load import Picture
from ..options import bad_parameter, option, require_range
from .size import MAX_SIZE_MM, SizedOptions

MAX_GRID_CELLS = 30_000_000
PREVIEW = {"pitch": 0.3}
BASE_AND_SPAN = {"base": "low", "relief_height": "span"}  # how a relief's heights follow its options: a base, and
# what stands on it


@dataclass
class SurfaceOptions(SizedOptions):
    """Size, sampling and picture preparation, all in millimetres where they are lengths."""

    pitch: float | None = option(None, N_("Sampling pitch"),
                                 N_("sampling pitch in mm (default: a quarter of the nozzle)"),
                                 unit="mm", low=0.01, high=5.0)
    max_error: float = option(0.02, N_("Largest surface error"),
                              N_("largest vertical error of the adaptive surface in mm"),
                              unit="mm", low=0.0, high=1.0, low_open=True)
    full_grid: bool = option(False, N_("Full grid"),
                             N_("mesh every grid point instead of an error-bounded surface (for comparison)"))
    black_point: float = option(0.0, N_("Black point"), N_("lightness (0-1) that counts as black"),
                                low=0.0, high=1.0)
    white_point: float = option(1.0, N_("White point"), N_("lightness (0-1) that counts as white"),
                                low=0.0, high=1.0)
    auto_levels: bool = option(False, N_("Auto levels"),
                               N_("stretch the picture's own darkest and lightest tones to black and white"))
    contrast: float = option(1.0, N_("Contrast"), N_("contrast factor around mid-grey"),
                             low=0.0, high=10.0, low_open=True)
    gamma: float = option(1.0, N_("Gamma"), N_("gamma; above 1 lightens mid-tones"),
                          low=0.0, high=10.0, low_open=True)
    smoothing: float | None = option(None, N_("Smoothing"),
                                     N_("smoothing radius (Gaussian sigma) in mm; default the spread of one "
                                        "extruded line (its width / 3.46), 0 for none"), unit="mm", low=0.0,
                                     high=50.0)
    rotate: float = option(0.0, N_("Turn the picture"),
                           N_("turn the picture counter-clockwise by this many degrees before it is placed (quarter "
                              "turns exactly; at other angles the new corners are background)"),
                           unit="°", low=-360.0, high=360.0)
    crop_box: str | None = option(None, N_("Part of the picture"),
                                  N_("the part of the (turned) picture to use: left,top,width,height in percent of "
                                     "it, e.g. 10,0,80,100 (moves and zooms the picture inside the form)"))
    crop: bool = option(False, N_("Crop to the subject"),
                        N_("crop to the subject (drop transparent or white background margins)"))
    white_background: bool = option(False, N_("White is background"),
                                    N_("treat a solid white background as background, not as geometry"))
    frame_width: float = option(0.0, N_("Frame width"), N_("frame width in mm (0: no frame)"),
                                unit="mm", low=0.0, high=MAX_SIZE_MM / 2)
    frame_thickness: float | None = option(None, N_("Frame thickness"),
                                           N_("frame thickness in mm (default: the thickest part)"),
                                           unit="mm", low=0.1, high=300.0)

    @property
    def smoothing_radius(self) -> float:
        """Smoothing sigma in mm: given, or the spread of one extruded line. A line averages the surface across its
        width w, as a Gaussian of the same variance (sigma = w / sqrt(12)) does: finer detail does not print, and
        held to the light a lithophane's plastic blurs it more."""
        return self.smoothing if self.smoothing is not None else self.line_width / math.sqrt(12)

    @property
    def sampling_pitch(self) -> float:
        """Grid spacing in mm: given, or a quarter of the nozzle (finer detail does not print)."""
        return self.pitch if self.pitch is not None else self.nozzle / 4

    def check(self) -> None:
        """The white point must lie above the black point; the part of the picture lies inside it."""
        super().check()
        if self.white_point <= self.black_point:
            raise bad_parameter("white_point", _("must be above --black-point."))
        self.box()

    def box(self) -> tuple[float, float, float, float] | None:
        """The part of the picture asked for (left, top, width, height in percent), or None for all of it."""
        if self.crop_box is None:
            return None
        try:
            left, top, width, height = (float(part) for part in self.crop_box.split(","))
        except ValueError:
            raise bad_parameter("crop_box", _("give four numbers: left,top,width,height in percent, e.g. "
                                              "10,0,80,100.")) from None
        if not (min(left, top) >= 0 and min(width, height) > 0 and left + width <= 100.0001
                and top + height <= 100.0001):
            raise bad_parameter("crop_box", _("{box} is not inside the picture: left and top from 0, width and height "
                                              "above 0, and left + width, top + height at most 100.")
                                .format(box=self.crop_box))
        return left, top, width, height

    def needed_pixels(self) -> tuple[int, int] | None:
        """Source pixels worth decoding (twice the grid; 1 where any will do), or None to decode everything.

        Large JPEGs then decode at a reduced scale. Cropping to the subject needs the whole resolution.
        """
        if self.crop or self.rotate % 90:
            return None
        columns = int(2 * self.width / self.sampling_pitch) if self.width is not None else 1
        rows = int(2 * self.height / self.sampling_pitch) if self.height is not None else 1
        if self.rotate % 180:  # a quarter turn: the picture's rows become the sheet's columns
            columns, rows = rows, columns
        box = self.box()
        if box is not None:  # a part of the picture fills the sheet: the whole needs more pixels
            columns, rows = int(columns * 100 / box[2]), int(rows * 100 / box[3])
        return columns, rows


@dataclass
class SurfaceGrid:
    """The prepared picture on the printing grid (frame excluded) and the final size of the sheet."""

    lightness: np.ndarray
    background: np.ndarray
    values: np.ndarray | None
    width: float
    height: float
    frame_rows: int
    frame_columns: int
    source_columns: int

    @property
    def picture_width(self) -> float:
        """Width in mm of the picture inside the frame."""
        columns = self.lightness.shape[1]
        return self.width * (columns - 1) / (columns - 1 + 2 * self.frame_columns)


def _sheet_size(options: SurfaceOptions, aspect: float, side_frames: bool) -> tuple[float, float, float]:
    """Outer width, outer height and the picture's aspect (rows/cols) after fitting the requested size."""
    frame_y = 2 * options.frame_width
    frame_x = frame_y if side_frames else 0.0
    if options.width is not None and options.height is not None:
        return options.width, options.height, (options.height - frame_y) / (options.width - frame_x)
    if options.height is not None:
        return (options.height - frame_y) / aspect + frame_x, options.height, aspect
    if options.width is None:
        raise bad_parameter("width", _("give a width or a height."))
    return options.width, (options.width - frame_x) * aspect + frame_y, aspect


def _fill(picture: Picture, aspect: float) -> None:
    """Centre-crop the picture to ``aspect`` (rows/cols), as a photo print fills its paper."""
    rows, cols = picture.lightness.shape
    if abs(rows / cols - aspect) < 1e-6:
        return
    if rows / cols > aspect:
        keep = max(2, round(cols * aspect))
        window = (slice((rows - keep) // 2, (rows - keep) // 2 + keep), slice(None))
    else:
        keep = max(2, round(rows / aspect))
        window = (slice(None), slice((cols - keep) // 2, (cols - keep) // 2 + keep))
    picture.crop(window)


def sample(picture: Picture, options: SurfaceOptions, side_frames: bool = True) -> SurfaceGrid:
    """Background, crop, size and resample the picture onto the printing grid, then tone and smooth it.

    Without ``side_frames`` the frame runs along the top and bottom only (a cylinder has no sides).
    """
    if options.rotate:
        prepare.turn(picture, options.rotate)
    box = options.box()
    if box is not None:
        prepare.crop_box(picture, box)
    if options.white_background:
        prepare.mark_white_background(picture)
    if options.crop:
        prepare.crop_to_subject(picture)
    rows, cols = picture.lightness.shape
    width, height, aspect = _sheet_size(options, rows / cols, side_frames)
    frame = options.frame_width
    if width - 2 * frame <= 0 or height - 2 * frame <= 0:
        raise bad_parameter("frame_width", _("the frame leaves no room for the picture."), value=frame)
    for name, value in (("width", width), ("height", height)):
        require_range(name, value, 0.0, MAX_SIZE_MM, low_open=True)
    _fill(picture, aspect)
    source_columns = picture.lightness.shape[1]
    pitch = options.sampling_pitch
    grid_cols, grid_rows = round(width / pitch) + 1, round(height / pitch) + 1
    if grid_cols * grid_rows > MAX_GRID_CELLS:
        raise bad_parameter("pitch", _("{pitch:g} mm over {width:g} x {height:g} mm needs {cells:,} points, more "
                                       "than {limit:,}; use a coarser pitch or a smaller size.")
                            .format(pitch=pitch, width=width, height=height, cells=grid_cols * grid_rows,
                                    limit=MAX_GRID_CELLS))
    triangles, allowed = 2 * (grid_cols - 1) * (grid_rows - 1), triangle_budget(FULL_GRID_BYTES_PER_TRIANGLE)
    if options.full_grid and triangles > allowed:
        raise bad_parameter("full_grid", _("{pitch:g} mm over {width:g} x {height:g} mm makes a full grid of "
                                           "{triangles:,} triangles; this job's memory allows {limit:,}. Leave it "
                                           "out (the adaptive surface is as true within --max-error), or use a "
                                           "coarser --pitch or a smaller size.")
                            .format(pitch=pitch, width=width, height=height, triangles=triangles, limit=allowed))
    frame_rows = round(frame / (height / (grid_rows - 1)))
    frame_cols = round(frame / (width / (grid_cols - 1))) if side_frames else 0
    inner_cols, inner_rows = max(2, grid_cols - 2 * frame_cols), max(2, grid_rows - 2 * frame_rows)
    lightness = prepare.resample(picture.lightness, inner_cols, inner_rows)
    background = prepare.resample_mask(picture.background, inner_cols, inner_rows)
    values = prepare.resample(picture.values, inner_cols, inner_rows) if picture.values is not None else None
    lightness = prepare.levels(lightness, options.black_point, options.white_point, options.auto_levels,
                               options.contrast, options.gamma)
    lightness = prepare.smooth(lightness, options.smoothing_radius, pitch)
    if values is not None:
        values = prepare.smooth(values, options.smoothing_radius, pitch)
    return SurfaceGrid(lightness, background, values, width, height, frame_rows, frame_cols, source_columns)


def framed_solid(heights: np.ndarray, grid: SurfaceGrid, options: SurfaceOptions, frame_thickness: float,
                 shape: str = FLAT, curve_angle: float = 120.0) -> Mesh:
    """Surround ``heights`` with the frame (if any) and close it into a solid."""
    if grid.frame_rows or grid.frame_columns:
        padding = ((grid.frame_rows, grid.frame_rows), (grid.frame_columns, grid.frame_columns))
        heights = np.pad(heights, padding, mode="constant", constant_values=frame_thickness)
    return heightfield_solid(heights, grid.width, grid.height, max_error=options.max_error,
                             full=options.full_grid, shape=shape, curve_angle_deg=curve_angle)
