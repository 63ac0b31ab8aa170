"""The modes: each a module with an Options dataclass and ``build(picture, options) -> Mesh``."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from . import lithophane, relief, topo
from .surface import SurfaceOptions


@dataclass(frozen=True)
class Mode:
    """A mode's name, its options type, its builder, and whether it reads raw elevation values."""

    name: str
    options: type[SurfaceOptions]
    module: ModuleType
    needs_values: bool = False


MODES = {
    "lithophane": Mode("lithophane", lithophane.LithophaneOptions, lithophane),
    "relief": Mode("relief", relief.ReliefOptions, relief),
    "topo": Mode("topo", topo.TopoOptions, topo, needs_values=True),
}
