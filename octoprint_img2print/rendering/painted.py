"""A filament painting as it will look printed, lit from the front: its solid's heights through the plan's
colours (the appearance model the plan was made with)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ..filaments.colour import to_srgb
from ..filaments.painting import Plan
from ..geometry.mesh import Mesh
from .preview import PREVIEW_SIZE, data_url, top_heights

TERRACE = 0.7  # faces whose normal points up at least this much are the flats the colours are seen on


def painted_picture(mesh: Mesh, plan: Plan, size: tuple[int, int] = PREVIEW_SIZE) -> str:
    """The painting seen from the front: each point shows the colour of the level it stops at."""
    levels = plan.grid.level_at(top_heights(mesh, size[0], steepest=TERRACE) - float(mesh.bounds()[0][2]),
                                plan.highest)
    return data_url(Image.fromarray((to_srgb(plan.colours()[levels]) * 255 + 0.5).astype(np.uint8)))


def painted_colours(mesh: Mesh, plan: Plan) -> np.ndarray:
    """Each vertex's predicted colour (sRGB, 0 to 1): that of the level it stands at (the bed's, the first)."""
    levels = plan.grid.level_at(mesh.vertices[:, 2].astype(np.float64) - float(mesh.bounds()[0][2]), plan.highest)
    return to_srgb(plan.colours()[levels])
