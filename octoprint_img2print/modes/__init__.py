"""The modes: one module each, which defines ``MODE``; this registry finds them and looks them up by id.

Adding a mode is adding one module here: its options describe themselves, and the CLI, the API's listing, the
pages, the pipeline and the worker all loop over the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from ..building.size import SizedOptions
from ..discovery import declared_in
from ..errors import BadInput
from ..geometry.mesh import Mesh
from ..geometry.shells import RoundBack, Wall
from ..i18n import _
from ..options import Translate, describe
from ..report import Report

# what a mode reads: a picture's lightness, its colours too, an elevation image's raw values, artwork outlines, or
# nothing (a solid made from its options alone)
PICTURE, COLOUR, ELEVATION, ARTWORK, NOTHING = "picture", "colour", "elevation", "artwork", "nothing"
# what an input is when nobody names a mode: a mode may declare itself the default for some of these
PHOTO, FLAT_ART, DRAWING = "photo", "flat art", "drawing"


def _nothing(_options: Any) -> None:
    """A fact a mode does not have."""


def _nothing_of(_options: Any, _solid: Mesh, *_how: Any) -> None:
    """A fact of the solid a mode does not have."""


@dataclass(frozen=True)
class Mode:
    """Everything about one mode. ``label`` and ``description`` are catalogue messages (N_); ``thinnest_option``
    names the option that sets the thinnest wall the mode builds; ``artwork_starts`` gives the height (mm, in the
    solid as built) where a second colour's artwork begins, ``seam_point`` (given the options and the solid as built)
    a point of that solid where layers' seams belong (a weld), ``backlight`` the transmittance of a form shown lit
    from behind, ``wall`` (given the options and the solid as built) the depths of a shell lit from inside (a flat
    sheet has none: its back is its largest plane), ``live`` how the options stretch a sheet's heights when the
    pages redraw it at once (option name -> "low", "high" or "span"; None where they cannot), ``round_back`` how a
    shell's round back follows the options then (None for a flat sheet), ``footing`` (given
    the options, the solid as built and whether joined into one solid, which a preview's look does not need) the
    solid standing on a foot, for when the slicer would stand it upright,
    ``layers`` the first and every other layer's height the solid was built for, which slicing keeps; each None
    when the solid has none."""

    id: str
    label: str
    description: str
    options: type[SizedOptions]
    build: Callable[[Any, Any], tuple[Mesh, Report]]
    reads: str
    intent: str
    position: int
    default_width: float | None = None
    default_for: tuple[str, ...] = ()
    preview: Mapping[str, float] = field(default_factory=dict)
    orientation: Callable[[Any], str | None] = _nothing
    thinnest_option: str | None = None
    backlight: Callable[[Any], float | None] = _nothing
    wall: Callable[[Any, Mesh], Wall | None] = _nothing_of
    live: Callable[[Any], Mapping[str, str] | None] = _nothing
    round_back: Callable[[Any], RoundBack | None] = _nothing
    artwork_starts: Callable[[Any], float | None] = _nothing
    seam_point: Callable[[Any, Mesh], tuple[float, float, float] | None] = _nothing_of
    footing: Callable[[Any, Mesh, bool], Mesh | None] = _nothing_of
    layers: Callable[[Any], tuple[float, float] | None] = _nothing

    def options_from(self, values: Mapping[str, Any] | SizedOptions, widest: float | None = None) -> SizedOptions:
        """Validated options from plain values; without a size, the mode's default width (at most ``widest``)."""
        options = values if isinstance(values, SizedOptions) else self.options.from_dict(dict(values))
        if options.width is None and options.height is None and self.default_width is not None:
            options = replace(options, width=min(self.default_width, widest) if widest else self.default_width)
        return self.options.parse(options)

    def preview_options(self, options: SizedOptions) -> SizedOptions:
        """The options coarsened for a quick preview (never finer than asked)."""
        coarse = {name: max(value, getattr(options, name) or 0.0) for name, value in self.preview.items()}
        return replace(options, **coarse)

    def describe(self, translate: Translate) -> dict[str, Any]:
        """Plain data for the API's listing, in the reader's language."""
        return {"id": self.id, "label": translate(self.label), "description": translate(self.description),
                "reads": self.reads, "intent": self.intent, "default_width": self.default_width,
                "default_for": list(self.default_for), "options": describe(self.options, translate)}


@cache
def registry() -> dict[str, Mode]:
    """Every mode, found by importing the modules of this package, in menu order."""
    return declared_in(__name__, __path__, "MODE", Mode, key=lambda mode: mode.id)


def get_mode(mode_id: str) -> Mode:
    """A mode by id, or a BadInput error listing the modes there are."""
    modes = registry()
    if mode_id not in modes:
        raise BadInput("unknown_mode", _("Unknown mode '{mode}'; choose one of: {choices}.")
                       .format(mode=mode_id, choices=", ".join(modes)), mode=mode_id)
    return modes[mode_id]


def mode_for(kind: str) -> Mode:
    """The mode that declares itself the default for a kind of input (photo, flat art, drawing)."""
    return next(mode for mode in registry().values() if kind in mode.default_for)


def describe_modes(translate: Translate) -> list[dict[str, Any]]:
    """Every mode with its options, for the API's listing."""
    return [mode.describe(translate) for mode in registry().values()]
