"""The stages a piece of work goes through, each with what a person reads while it runs (the command line's progress
line, the tab's and the phone's job cards through the API listing)."""

from __future__ import annotations

from .i18n import N_

LOADING, BUILDING, CHECKING, REPAIRING = "loading", "building", "checking", "repairing"
GENERATING, WRITING, SLICING, INSPECTING = "generating", "writing", "slicing", "inspecting"

LABELS = {
    LOADING: N_("Loading the picture"),
    BUILDING: N_("Building the solid"),
    CHECKING: N_("Checking the solid"),
    REPAIRING: N_("Repairing the model"),
    GENERATING: N_("Tripo is making the model"),
    WRITING: N_("Writing the file"),
    SLICING: N_("Slicing"),
    INSPECTING: N_("Checking the G-code"),
}
