"""What to make of a picture or model and how to slice it, as one value: the mode and its options, what the object
is for (intent), the slicer with its own settings, the slicing overrides (filament included), and the limits. The
command line, the plugin's job request, a batch manifest's row and the farm each build one in one place; the
pipeline takes it with the source, the printer and the progress and cancel hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from . import __plugin_version__
from .imaging.load import DEFAULT_MAX_MEGAPIXELS
from .slicing.backend import DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class Recipe:
    """One way of making a print; every part optional (the picture, the printer and the defaults decide)."""

    mode: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    intent: str | None = None
    slicer: str | None = None
    slicer_settings: Mapping[str, str] = field(default_factory=dict)  # the slicer's own: its path, profiles
    overrides: Mapping[str, Any] = field(default_factory=dict)
    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def filament(self) -> str | None:
        """The filament asked for, if any."""
        return self.overrides.get("filament") or None

    def shape(self) -> dict[str, Any]:
        """Everything that shapes the G-code (the limits aside), for a content hash."""
        return {"mode": self.mode, "options": dict(self.options), "overrides": dict(self.overrides),
                "intent": self.intent, "slicer": self.slicer, "img2print": __plugin_version__}

    def as_dict(self) -> dict[str, Any]:
        """Plain data, as stored."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipe:
        """The recipe from its plain data (other keys, as a stored job has them beside it, are left out)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})
