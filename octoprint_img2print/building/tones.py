"""What every picture-to-thickness form shares: the thickness range and how tones map onto it."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ..filaments.library import Filament
from ..i18n import N_, _
from ..imaging.load import SRGB_TO_LINEAR
from ..options import Choice, bad_parameter, option
from .surface import SurfaceOptions

LINEAR, TRANSMISSION = "linear", "transmission"
GIVEN, FROM_FILAMENT = "given", "auto"
# --thickness auto: backlight through d mm of a filament of transmission distance TD is 100^(-d / TD) (1 % at the TD,
# where by HueForge's definition no perceptible light gets through); the thinnest part lets half of it through, the
# thickest 1 %, at most MAX_AUTO_MM (a very translucent filament makes a faint lithophane, not a brick)
THINNEST_LIGHT, THICKEST_LIGHT = 0.5, 0.01
MIN_SHEET_MM = 0.6  # thinner, a sheet breaks as it comes off the bed
MAX_AUTO_MM = 8.0

THICKNESS_RANGE = {"min_thickness": "low", "max_thickness": "high"}

@dataclass
class ToneOptions(SurfaceOptions):
    """The thinnest and thickest part in millimetres and the tone mapping between them."""

    min_thickness: float = option(0.8, N_("Thinnest part"), N_("thinnest part of a lithophane in mm"),
                                  unit="mm", low=0.1, high=50.0, main=True)
    max_thickness: float = option(3.0, N_("Thickest part"), N_("thickest part of a lithophane in mm"),
                                  unit="mm", low=0.1, high=50.0, main=True)
    thickness: str = option(GIVEN, N_("Thickness from"),
                            N_("given: the thinnest and thickest part as set; auto: from the filament's TD (the "
                               "thinnest lets half the light through, the thickest about 1 %)"),
                            choices=(Choice(GIVEN, N_("The thinnest and thickest part")),
                                     Choice(FROM_FILAMENT, N_("The filament's translucency (TD)"))))
    negative: bool = option(False, N_("Negative"), N_("light pixels thick, dark pixels thin"))
    tone: str = option(LINEAR, N_("Tone mapping"), N_("tone mapping: linear or transmission (Beer-Lambert)"),
                       choices=(Choice(LINEAR, N_("Linear")), Choice(TRANSMISSION, N_("Light transmission"))))
    transmittance: float = option(0.5, N_("Transmittance"),
                                  N_("light let through per mm of plastic, for transmission tones"),
                                  low=0.01, high=0.99)

    def check(self) -> None:
        """The thinnest part below the thickest."""
        super().check()
        if self.min_thickness >= self.max_thickness:
            raise bad_parameter("min_thickness", _("{low:g} mm is not thinner than --max-thickness {high:g} mm.")
                                .format(low=self.min_thickness, high=self.max_thickness))

    def for_filament(self, filament: Filament) -> ToneOptions:
        """With ``thickness`` auto, the thickness range and transmittance that follow the filament's TD (mm):
        light through d mm is 100^(-d / TD); the thinnest part lets THINNEST_LIGHT through (at least MIN_SHEET_MM),
        the thickest THICKEST_LIGHT (at most MAX_AUTO_MM)."""
        if self.thickness != FROM_FILAMENT:
            return self
        td = filament.td

        def depth(light: float) -> float:
            return round(-td * math.log(light, 100), 2)
        thickest = min(max(depth(THICKEST_LIGHT), MIN_SHEET_MM + 0.2), MAX_AUTO_MM)
        return replace(self, min_thickness=min(max(depth(THINNEST_LIGHT), MIN_SHEET_MM), thickest - 0.2),
                       max_thickness=thickest, transmittance=min(0.99, max(0.01, round(100 ** (-1 / td), 4))))

    @property
    def rim_thickness(self) -> float:
        """Thickness of the frame or rim: given, or the thickest part."""
        return self.frame_thickness if self.frame_thickness is not None else self.max_thickness


def thickness(lightness: np.ndarray, options: ToneOptions) -> np.ndarray:
    """Thickness in mm for each lightness (0 black .. 1 white), linear or by light transmission."""
    light = 1.0 - lightness if options.negative else lightness
    low, high = options.min_thickness, options.max_thickness
    if options.tone == LINEAR:
        return high - light * (high - low)
    linear_light = np.interp(light, np.arange(256) / 255.0, SRGB_TO_LINEAR)
    darkest = options.transmittance ** (high - low)
    relative = darkest + linear_light * (1.0 - darkest)
    return low + np.log(relative) / np.log(options.transmittance)


def thickness_rules(options: ToneOptions) -> dict[str, str] | None:
    """How a toned sheet's heights follow its options when the pages redraw it at once: between its thinnest and
    thickest parts; None when the filament's TD sets them (the typed ones do not count then)."""
    return None if options.thickness == FROM_FILAMENT else THICKNESS_RANGE
