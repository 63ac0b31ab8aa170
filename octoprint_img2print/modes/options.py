"""What every mode's options share: building from plain values, and errors that name the option."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from ..errors import BadInput
from ..i18n import _


def bad_parameter(name: str, problem: str, **numbers: Any) -> BadInput:
    """A BadInput error about one parameter, named as on the command line."""
    option = name.replace("_", "-")
    return BadInput("bad_parameter", _("--{option}: {problem}").format(option=option, problem=problem),
                    parameter=option, **numbers)


def require_range(name: str, value: float, low: float, high: float, *, low_open: bool = False) -> None:
    """Refuse ``value`` outside [low, high] (or (low, high] when ``low_open``)."""
    too_low = value <= low if low_open else value < low
    if too_low or value > high or not np.isfinite(value):
        bracket = "(" if low_open else "["
        raise bad_parameter(name, _("{value:g} is outside the usable range {bracket}{low:g}, {high:g}].")
                            .format(value=value, bracket=bracket, low=low, high=high), value=value)


@dataclass
class ModeOptions:
    """Base of every mode's options dataclass."""

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModeOptions:
        """Options from a mapping, ignoring None values and refusing unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise bad_parameter(unknown[0], _("this option does not apply to this mode."))
        return cls(**{k: v for k, v in values.items() if v is not None})

    def validate(self) -> None:
        """Refuse absurd values with an error that names the option."""


MAX_SIZE_MM = 1000.0
DEFAULT_NOZZLE_MM = 0.4


@dataclass
class SizedOptions(ModeOptions):
    """What every mode asks first: the size in mm (either or both) and the nozzle it is printed with."""

    width: float | None = None
    height: float | None = None
    nozzle: float = DEFAULT_NOZZLE_MM

    def validate(self) -> None:
        """Refuse sizes no printer can make and nozzles that do not exist."""
        for name in ("width", "height"):
            value = getattr(self, name)
            if value is not None:
                require_range(name, value, 0.0, MAX_SIZE_MM, low_open=True)
        require_range("nozzle", self.nozzle, 0.05, 3.0)
