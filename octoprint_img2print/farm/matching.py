"""What a job asks of a printer (which printer it is, the nozzle, the filament, material and colour loaded, tags,
host names) and whether a host has it."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Any

from ..printers.profile import get_printer
from .hosts import HostStatus

NOZZLE_TOLERANCE_MM = 0.01


@functools.cache
def _printer_id(printer: str) -> str:
    """A printer's id, its profile read once (a queue matches thousands of copies with hosts each round)."""
    return get_printer(printer).id


def _same(wanted: str | None, has: str | None) -> bool:
    return wanted is None or (has is not None and wanted.strip().casefold() == has.strip().casefold())


@dataclass(frozen=True)
class Wants:
    """What a job needs: a printer (a shipped id or a profile file; for G-code, the printer it was sliced for), a
    nozzle, a filament (the one it is sliced for), a material and a colour loaded, every one of some tags, one of some
    hosts. None or empty: anything."""

    printer: str | None = None
    nozzle: float | None = None
    filament: str | None = None
    material: str | None = None
    colour: str | None = None
    tags: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()

    def printer_id(self) -> str | None:
        """The id of the printer asked for (a profile file's own id)."""
        return _printer_id(self.printer) if self.printer else None

    def met_by(self, status: HostStatus) -> bool:
        """Whether the host is what the job needs (its printer profile known)."""
        profile = status.profile
        if profile is None:
            return False
        return ((not self.hosts or status.host.name in self.hosts)
                and set(self.tags) <= set(status.host.tags)
                and (self.printer is None or profile.id == self.printer_id())
                and (self.nozzle is None or abs(profile.nozzle - self.nozzle) <= NOZZLE_TOLERANCE_MM)
                and _same(self.filament, status.filament) and _same(self.material, status.material)
                and _same(self.colour, status.colour))

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON) without what is not asked for."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()
                if value not in (None, ())}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Wants:
        """The needs as stored."""
        return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})
