"""The modes: each a module with an Options dataclass and ``build(input, options) -> (Mesh, Report)``.

Picture modes take a Picture (pixels); artwork modes take an Artwork (outlines from an SVG or a traced logo).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from . import cookie_cutter, lithophane, logo, relief, stamp, topo
from .options import ModeOptions

PICTURE, ARTWORK = "picture", "artwork"


@dataclass(frozen=True)
class Mode:
    """A mode's name, options type, builder, what it reads, and whether it needs raw elevation values."""

    name: str
    options: type[ModeOptions]
    module: ModuleType
    reads: str = PICTURE
    needs_values: bool = False


MODES = {
    "lithophane": Mode("lithophane", lithophane.LithophaneOptions, lithophane),
    "relief": Mode("relief", relief.ReliefOptions, relief),
    "topo": Mode("topo", topo.TopoOptions, topo, needs_values=True),
    "logo": Mode("logo", logo.LogoOptions, logo, reads=ARTWORK),
    "cookie-cutter": Mode("cookie-cutter", cookie_cutter.CookieCutterOptions, cookie_cutter, reads=ARTWORK),
    "stamp": Mode("stamp", stamp.StampOptions, stamp, reads=ARTWORK),
}
