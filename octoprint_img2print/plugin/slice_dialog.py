"""The profiles img2print offers in OctoPrint's Slice dialog, each named for what you get: the automatic one
(the default: the file decides), one per mode (with the mode's own intent), and models as they are for the
intents no mode has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..i18n import _
from ..modes import FLAT_ART, PHOTO, mode_for
from ..modes import registry as modes
from ..slicing.intents import get_intent, intent_ids

GENERATION = 3
AUTOMATIC = "auto"
MODEL_PREFIX = "model-"


@dataclass(frozen=True)
class DialogProfile:
    """One profile: its key, the name the dialog shows, and what the job takes from it."""

    key: str
    name: str
    data: dict[str, Any]


def _data(name: str, mode: str, intent: str) -> dict[str, Any]:
    return {"name": name, "mode": mode, "intent": intent, "slicer": "", "options": {}, "generation": GENERATION}


def dialog_profiles() -> list[DialogProfile]:
    """The automatic profile first, then one per mode, then models as they are for the intents no mode has."""
    automatic = _("img2print: Automatic ({photo} from a photo, {logo} from a logo or SVG, a model as it is)").format(
        photo=_(mode_for(PHOTO).label), logo=_(mode_for(FLAT_ART).label))
    profiles = [DialogProfile(AUTOMATIC, automatic, _data(automatic, "", ""))]
    for mode in modes().values():
        name = _("img2print: {mode}").format(mode=_(mode.label))
        profiles.append(DialogProfile(mode.id, name, _data(name, mode.id, mode.intent)))
    taken = {mode.intent for mode in modes().values()}
    for intent_id in intent_ids():
        if intent_id not in taken:
            name = _("img2print: Model as it is ({intent})").format(intent=get_intent(intent_id).name)
            profiles.append(DialogProfile(MODEL_PREFIX + intent_id, name, _data(name, "", intent_id)))
    return profiles
