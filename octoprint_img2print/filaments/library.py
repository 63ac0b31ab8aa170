"""The filament library: shipped filaments (profiles/filaments/*.yaml), the user's own (the folders and files in
IMG2PRINT_FILAMENTS, which OctoPrint's plugin points at its data folder) and files given with ``--filaments``.

A library file holds a ``filaments`` list; every other key of the file is a default for each of its filaments (a
material's temperatures once, its colours below). A filament of a later source replaces one of the same id.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import MISSING, asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import BadInput
from ..i18n import N_, _
from ..profile_folders import profiles_dir

SOURCES_VARIABLE = "IMG2PRINT_FILAMENTS"  # folders and .yaml files of one's own filaments, separated by os.pathsep
DEFAULT_FILAMENT = "pla_white"
DEFAULT_HIDING_FACTOR = 0.1  # front-lit hiding distance over backlit TD (Kromacut's calibration of 8 filaments)
ID = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
LIBRARY_SUFFIXES = (".yaml", ".yml")
MAX_LIBRARY_BYTES = 1_000_000
# the colour names of the shipped filaments, so that the catalogue has them (a test keeps the two in step); a
# colour of one's own filament shows as written
SHIPPED_COLOUR_NAMES = (N_("White"), N_("Lithophane white"), N_("Natural"), N_("Black"), N_("Grey"),
                        N_("Light grey"), N_("Red"), N_("Orange"), N_("Yellow"), N_("Green"), N_("Blue"),
                        N_("Light blue"), N_("Purple"), N_("Pink"), N_("Brown"), N_("Beige"), N_("Skin"), N_("Gold"),
                        N_("Silver"), N_("Copper"), N_("Clear"))
SHIPPED_FINISHES = (N_("Matte"), N_("Silk"))  # likewise the finishes


@dataclass(frozen=True)
class Filament:
    """One spool's facts. Temperatures in °C, fan in percent (lowest, highest), ``fan_off_layers`` first layers
    without fan (Cura starts without and reaches the fan at that layer), volumetric speed in mm³/s, density in
    g/cm³, diameter in mm, price per kg in the user's currency; ``td`` HueForge's transmission distance (mm,
    backlit); ``hiding_factor`` the front-lit hiding distance over TD; ``retract_factor`` scales the printer's
    retraction, ``flow`` the extruded amount."""

    id: str
    material: str
    colour_name: str
    colour: str
    td: float
    nozzle_temperature: int
    first_layer_nozzle_temperature: int
    bed_temperature: int
    first_layer_bed_temperature: int
    fan: tuple[int, int]
    fan_off_layers: int
    max_volumetric_speed: float
    density: float
    price_per_kg: float
    diameter: float = 1.75
    finish: str = ""
    brand: str = ""
    hiding_factor: float = DEFAULT_HIDING_FACTOR
    retract_factor: float = 1.0
    flow: float = 1.0

    def name(self, translate: Any = lambda text: text) -> str:
        """'PLA Silk Gold', 'Prusament PETG Black': brand, material, finish and the colour in the reader's
        language."""
        return " ".join(part for part in (self.brand, self.material, translate(self.finish) if self.finish else "",
                                          translate(self.colour_name)) if part)

    @property
    def rgb(self) -> tuple[int, int, int]:
        """The colour as 0-255 sRGB."""
        return int(self.colour[1:3], 16), int(self.colour[3:5], 16), int(self.colour[5:7], 16)

    @property
    def hiding_distance(self) -> float:
        """The thickness (mm) that hides what lies under it when lit from the front: hiding_factor x TD."""
        return self.hiding_factor * self.td

    def grams(self, length_mm: float) -> float:
        """The weight of ``length_mm`` of this filament."""
        return length_mm * math.pi * (self.diameter / 2) ** 2 * self.density / 1000

    def entry(self) -> dict[str, Any]:
        """The filament as a library file holds it."""
        return {**asdict(self), "fan": list(self.fan)}

    def as_dict(self, translate: Any = lambda text: text) -> dict[str, Any]:
        """Plain data for JSON answers, with the name in the reader's language."""
        return {**self.entry(), "name": self.name(translate)}


# key: (low, high, integer) for numbers; the rest are texts or the fan pair
RANGES = {"td": (0.05, 100.0, False), "nozzle_temperature": (150, 350, True),
          "first_layer_nozzle_temperature": (150, 350, True), "bed_temperature": (0, 130, True),
          "first_layer_bed_temperature": (0, 130, True), "fan_off_layers": (0, 20, True),
          "max_volumetric_speed": (0.5, 100.0, False), "density": (0.5, 3.0, False),
          "price_per_kg": (0.0, 10000.0, False),
          "diameter": (1.0, 3.5, False), "hiding_factor": (0.01, 1.0, False), "retract_factor": (0.0, 3.0, False),
          "flow": (0.5, 1.5, False)}
KEYS = tuple(f.name for f in fields(Filament))


def _problem(source: str, key: str, problem: str) -> BadInput:
    return BadInput("bad_filament", _("{file}: '{key}' {problem}").format(file=source, key=key, problem=problem),
                    file=source, key=key)


def _number(source: str, key: str, value: Any) -> float:
    low, high, integer = RANGES[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
            or (integer and value != int(value)):
        problem = _("must be a whole number from {low:g} to {high:g}, not {value!r}.") if integer \
            else _("must be a number from {low:g} to {high:g}, not {value!r}.")
        raise _problem(source, key, problem.format(low=low, high=high, value=value))
    return int(value) if integer else float(value)


def _fan(source: str, value: Any) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2 or any(
            isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100 for v in value) or value[0] > value[1]:
        raise _problem(source, "fan", _("must be [lowest, highest] in percent, from 0 to 100, not {value!r}.")
                       .format(value=value))
    return int(value[0]), int(value[1])


def filament_from_dict(data: Mapping[str, Any], source: str) -> Filament:
    """Validate one filament (its file's defaults already merged in); errors name the file, the key and why."""
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise _problem(source, unknown[0], _("is not a filament key."))
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "fan":
            values[key] = _fan(source, value)
        elif key in RANGES:
            values[key] = _number(source, key, value)
        elif not isinstance(value, str) or len(value) > 80 or not value.isprintable():
            raise _problem(source, key, _("must be a short text."))
        else:
            values[key] = value.strip()
    missing = [f.name for f in fields(Filament) if f.name not in data and f.default is MISSING]
    if missing:
        raise _problem(source, missing[0], _("is missing."))
    if not ID.fullmatch(values["id"]):
        raise _problem(source, "id", _("must be lower-case letters, digits and _, not {value!r}.")
                       .format(value=values["id"]))
    if not COLOUR.fullmatch(values["colour"]):
        raise _problem(source, "colour", _("must be an sRGB colour written #RRGGBB, not {value!r}.")
                       .format(value=values["colour"]))
    return Filament(**values)


def read_library(path: Path) -> list[Filament]:
    """The filaments of one library file, each checked (read again only when the file changes)."""
    try:
        stat = path.stat()
    except OSError:
        return list(_read_library(path, -1, -1))  # says why it cannot be read
    return list(_read_library(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=64)
def _read_library(path: Path, _changed: int, _size: int) -> tuple[Filament, ...]:
    """The filaments of one library file as it was at that change time and size."""
    source = path.name
    try:
        if path.stat().st_size > MAX_LIBRARY_BYTES:
            raise _problem(source, "(file)", _("is larger than {limit} bytes.").format(limit=MAX_LIBRARY_BYTES))
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as error:
        reason = " ".join(str(error).split())
        raise BadInput("bad_filament", _("{file}: not a readable YAML file ({reason}).")
                       .format(file=source, reason=reason), file=source) from error
    if not isinstance(data, dict) or not isinstance(data.get("filaments"), list):
        raise _problem(source, "filaments", _("must be a list of filaments (see profiles/README.md)."))
    shared = {key: value for key, value in data.items() if key != "filaments"}
    found = []
    for entry in data["filaments"]:
        if not isinstance(entry, dict):
            raise _problem(source, "filaments", _("must hold one mapping per filament."))
        found.append(filament_from_dict({**shared, **entry}, source))
    return tuple(found)


def library_paths(place: Path) -> list[Path]:
    """The library files of a folder, or the file itself; a BadInput error when there is no such file."""
    if place.is_dir():
        return sorted(p for p in place.iterdir() if p.suffix in LIBRARY_SUFFIXES and p.is_file())
    if not place.is_file():
        raise BadInput("unknown_file", _("{file}: there is no such filament library file.").format(file=place.name),
                       file=place.name)
    return [place]


def own_sources() -> list[Path]:
    """The user's own filament folders and files (IMG2PRINT_FILAMENTS); a folder not made yet is none."""
    given = os.environ.get(SOURCES_VARIABLE, "")
    places = [Path(part) for part in given.split(os.pathsep) if part]
    return [place for place in places if place.exists() or place.suffix in LIBRARY_SUFFIXES]


CARRIED: ContextVar[tuple[Filament, ...]] = ContextVar("carried_filaments", default=())


def own_filaments() -> tuple[Filament, ...]:
    """One's own filaments as this process sees them (its own files, and those carried to it), to carry to a worker
    that may run on another machine, where those files are not."""
    found = [f for place in own_sources() for path in library_paths(place) for f in read_library(path)]
    return (*found, *CARRIED.get())


@contextmanager
def carried(filaments: tuple[Filament, ...]) -> Iterator[None]:
    """Inside, ``filaments`` (carried from the process that asked for the work) join the library, after this
    process's own; only for the calling thread, so jobs side by side on one worker keep their own."""
    token = CARRIED.set(filaments)
    try:
        yield
    finally:
        CARRIED.reset(token)


class Library:
    """Filaments by id: the shipped ones, then the user's own, then those carried from the process that asked for
    the work (a later one wins)."""

    def __init__(self) -> None:
        self.filaments: dict[str, Filament] = {}
        for place in [profiles_dir("filaments"), *own_sources()]:
            for path in library_paths(place):
                self.filaments.update((f.id, f) for f in read_library(path))
        self.filaments.update((f.id, f) for f in CARRIED.get())

    def ids(self) -> list[str]:
        """Every filament id, sorted."""
        return sorted(self.filaments)

    def get(self, filament_id: str) -> Filament:
        """A filament by id, or a BadInput error saying how to see the known ones."""
        found = self.filaments.get(filament_id)
        if found is None:
            raise BadInput("unknown_filament", _("There is no filament '{filament}'. 'img2print filaments list' "
                                                 "shows the {count} known ones.")
                           .format(filament=filament_id, count=len(self.filaments)), filament=filament_id)
        return found


def loaded_kind(filament_id: str | None, material: str | None, colour: str | None) -> tuple[str | None, str | None]:
    """The material and colour said to be loaded: as typed, else the loaded filament's (when this library knows
    it)."""
    filament = Library().filaments.get(filament_id or "")
    if filament is None:
        return material or None, colour or None
    return material or filament.material, colour or filament.colour_name


def filament_choices(translate_text: Any) -> list[dict[str, str]]:
    """The library's filaments as menu entries, by name in the reader's language."""
    library = Library()
    entries = [{"value": i, "label": library.get(i).name(translate_text)} for i in library.ids()]
    return sorted(entries, key=lambda entry: entry["label"].casefold())


def split_filaments(given: str) -> tuple[list[Path], list[str]]:
    """``--filaments``: library files (``.yaml``) and filament ids, comma-separated, in the order given."""
    files, ids = [], []
    for part in (p.strip() for p in given.split(",")):
        if part.endswith(LIBRARY_SUFFIXES):
            files.append(Path(part))
        elif part:
            ids.append(part)
    return files, ids
