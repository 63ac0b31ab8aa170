"""What a picture is when nobody says: a logo (few flat tones, or a transparent background) or a photo."""

from __future__ import annotations

import numpy as np

from .load import Picture

FLAT_SHARE = 0.9
TRANSPARENT_SHARE = 0.2
NEAR = 0.12


def looks_like_logo(picture: Picture) -> bool:
    """True for artwork: mostly near-black and near-white pixels, or a good part transparent."""
    if picture.background.mean() >= TRANSPARENT_SHARE:
        return True
    light = picture.lightness
    flat = ((light <= NEAR) | (light >= 1 - NEAR)).mean()
    return bool(flat >= FLAT_SHARE and np.isclose(light, light.max(), atol=NEAR).mean() > 0.3)
