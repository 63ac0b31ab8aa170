"""Intents: what an object is for decides its slicer settings (profiles/intents/*.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import BadInput
from ..i18n import N_, _
from ..options import Choice
from ..profile_folders import profiles_dir

PATTERN_CHOICES = (Choice("gyroid", N_("Gyroid")), Choice("cubic", N_("Cubic")), Choice("grid", N_("Grid")),
                   Choice("rectilinear", N_("Rectilinear")), Choice("lines", N_("Lines")),
                   Choice("triangles", N_("Triangles")), Choice("concentric", N_("Concentric")))
SUPPORT_CHOICES = (Choice("auto", N_("Where overhangs need them")), Choice("none", N_("None")),
                   Choice("always", N_("Always")))
ADHESION_CHOICES = (Choice("none", N_("None")), Choice("skirt", N_("Skirt")), Choice("brim", N_("Brim")))
ORIENTATION_CHOICES = (Choice("auto", N_("Least overhang")), Choice("flat", N_("Flat")),
                       Choice("upright", N_("Upright")))
PATTERNS = tuple(c.value for c in PATTERN_CHOICES)
SOLID_PATTERNS = ("rectilinear", "lines", "concentric")
SUPPORTS = tuple(c.value for c in SUPPORT_CHOICES)
ADHESION = tuple(c.value for c in ADHESION_CHOICES)
ORIENTATIONS = tuple(c.value for c in ORIENTATION_CHOICES)
# the names of the intents shipped in profiles/intents/*.yaml, so that the catalogue has them (a test keeps the
# two in step); a name of a user's own intent shows as written
SHIPPED_INTENT_NAMES = (N_("Cookie cutter"), N_("Display piece"), N_("Filament painting"), N_("Functional part"),
                        N_("Lithophane"), N_("Logo plate"), N_("Relief or terrain"), N_("Stamp"))


@dataclass(frozen=True)
class Intent:
    """Settings that follow from what the object is for."""

    id: str
    name: str
    layer_height_ratio: float
    walls: int
    top_layers: int
    bottom_layers: int
    infill_density: float
    infill_pattern: str
    supports: str
    adhesion: str
    orientation: str
    brim_width: float = 5.0
    outer_wall_speed: float | None = None


def _check(condition: bool, source: str, key: str, problem: str) -> None:
    if not condition:
        raise BadInput("bad_intent", _("{file}: '{key}' {problem}").format(file=source, key=key, problem=problem),
                       file=source, key=key)


def intent_from_dict(data: Any, source: str) -> Intent:
    """Validate an intent read from YAML; errors name the file, the key and the problem."""
    _check(isinstance(data, dict), source, "(top level)", _("must be a mapping of keys to values."))
    number = (int, float)
    _check(0.1 <= data.get("layer_height_ratio", 0) <= 0.8 if isinstance(data.get("layer_height_ratio"), number)
           else False, source, "layer_height_ratio", _("must be between 0.1 and 0.8."))
    for key in ("walls", "top_layers", "bottom_layers"):
        _check(isinstance(data.get(key), int) and 1 <= data[key] <= 20, source, key,
               _("must be a whole number from 1 to 20."))
    _check(isinstance(data.get("infill_density"), number) and 0 <= data["infill_density"] <= 100, source,
           "infill_density", _("must be a percentage from 0 to 100."))
    for key, choices in (("infill_pattern", PATTERNS), ("supports", SUPPORTS), ("adhesion", ADHESION),
                         ("orientation", ORIENTATIONS)):
        _check(data.get(key) in choices, source, key, _("must be one of {choices}.").format(choices=", ".join(choices)))
    if "outer_wall_speed" in data:
        speed = data["outer_wall_speed"]
        _check(isinstance(speed, number) and not isinstance(speed, bool) and 5 <= speed <= 300, source,
               "outer_wall_speed", _("must be a speed from 5 to 300 mm/s."))
    if data["infill_density"] >= 100:
        _check(data["infill_pattern"] in SOLID_PATTERNS, source, "infill_pattern",
               _("must be a pattern that can print solid ({choices}) at 100 % infill.")
               .format(choices=", ".join(SOLID_PATTERNS)))
    known = {f for f in Intent.__dataclass_fields__}
    for key in data:
        _check(key in known, source, key, _("is not an intent key."))
    return Intent(**{k: data[k] for k in data})


def intent_ids() -> list[str]:
    """Ids of every shipped intent."""
    return sorted(p.stem for p in profiles_dir("intents").glob("*.yaml"))


GENERAL_INTENTS = ("display", "functional")  # what any solid may be for: to look at, or to use


def intents_for(own: str | None) -> list[str]:
    """The intents a page offers for a mode whose own intent is ``own``: that one first, then the general ones (a
    lithophane is not sliced as a cookie cutter); every one when there is no mode (a model as it is). The one place
    that decides it; the command line and the API still take any intent."""
    known = intent_ids()
    if not own:
        return known
    return [intent for intent in dict.fromkeys((own, *GENERAL_INTENTS)) if intent in known]


def load_intent(path: Path) -> Intent:
    """Read and validate one intent file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BadInput("bad_intent", _("{file}: not a readable YAML file ({reason}).")
                       .format(file=path.name, reason=error), file=path.name) from error
    intent = intent_from_dict(data, path.name)
    _check(intent.id == path.stem, path.name, "id", _("must equal the file name '{stem}'.").format(stem=path.stem))
    return intent


def get_intent(intent_id: str) -> Intent:
    """A shipped intent by id, or a BadInput error listing the ids there are."""
    path = profiles_dir("intents") / f"{intent_id}.yaml"
    if not intent_id.replace("-", "").replace("_", "").isalnum() or not path.is_file():
        raise BadInput("unknown_intent", _("There is no intent '{intent}'. Known intents: {known}.")
                       .format(intent=intent_id, known=", ".join(intent_ids())), intent=intent_id)
    return load_intent(path)
