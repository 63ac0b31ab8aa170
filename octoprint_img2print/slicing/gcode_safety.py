"""Whether a G-code is safe to start: it homes and heats the hot end before it first pushes filament, and leaves
no heater on at its end.

A printer that is not homed drives the nozzle into the bed or prints in the air; a cold hot end grinds the
filament (or the firmware refuses to extrude and the print goes on empty); a heater left on after the print is a
hazard on an unattended machine. The commands that matter are read with their byte offsets as the G-code is
inspected, so the order of homing, heating and the first extrusion is known without a second pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import SlicerFailed
from ..i18n import N_, _

HOT_END_MIN_C = 170.0  # Marlin's and Klipper's minimum extrusion temperature: below it a hot end counts as cold
ALL_AXES = 0b111  # X, Y and Z homed
HOME, NOZZLE_SET, NOZZLE_WAIT, WAIT_ALL, BED_SET, START_MACRO, END_MACRO, ALL_OFF = range(8)
BUILT_IN = rb"G28|M10[49]|M1[49]0|M116|G10|TURN_OFF_HEATERS|SET_HEATER_TEMPERATURE|TEMPERATURE_WAIT"
LETTER_WORD = re.compile(rb"([A-Za-z])[ \t]*(-?\d*\.?\d+)?")
KEY_WORD = re.compile(rb"(\w+)=(\S+)")
FIX_START = N_("Set a start G-code that homes (G28) and heats and waits (M190, M109) before it prints: "
               "'start_gcode' in the printer profile, or the start G-code in img2print's settings for OctoPrint's "
               "printer; for a Klipper start macro that does both, name it as 'start_macro'.")
HEATERS_LEFT_ON = {(True, True): N_("the hot end and the bed"), (True, False): N_("the hot end"),
                   (False, True): N_("the bed"), (False, False): None}  # by (hot end on, bed on)
FIX_END = N_("Set an end G-code that turns them off (M104 S0, M140 S0): 'end_gcode' in the printer profile, or the "
             "end G-code in img2print's settings for OctoPrint's printer; for a Klipper end macro that does it, name "
             "it as 'end_macro'.")


@dataclass
class SafetyLog:
    """The commands that home, heat and cool, in file order as (byte offset, kind, value), and where filament is
    first and last pushed."""

    events: list[tuple[int, int, float]] = field(default_factory=list)
    first_push_at: int | None = None
    last_push_at: int | None = None


@dataclass(frozen=True)
class Commands:
    """How to find the commands that matter in a printer's G-code: the built-in ones and its declared macros."""

    start_macro: str = ""
    end_macro: str = ""

    @property
    def pattern(self) -> re.Pattern[bytes]:
        """A line's command when it homes, heats or cools; Klipper's commands and macros are case-insensitive, so
        all are matched so."""
        names = b"|".join([BUILT_IN, *(re.escape(m.encode()) for m in (self.start_macro, self.end_macro) if m)])
        return re.compile(rb"^[ \t]*(?:N\d+[ \t]+)?(" + names + rb")(?=[ \t;\r\n]|$)([^;\n]*)", re.M | re.I)

    def event(self, name: str, arguments: bytes) -> tuple[int, float] | None:
        """What one command does to homing and the heaters, or None when nothing that matters here."""
        if name in (self.start_macro.upper(), self.end_macro.upper()):
            return (START_MACRO, 0.0) if name == self.start_macro.upper() else (END_MACRO, 0.0)
        if name in ("SET_HEATER_TEMPERATURE", "TEMPERATURE_WAIT"):
            pairs = KEY_WORD.findall(arguments)
            return _klipper_event(name, {key.decode().upper(): value.decode().lower() for key, value in pairs})
        words = {k.decode().upper(): float(v) if v else None for k, v in LETTER_WORD.findall(arguments)}
        value = words.get("S", words.get("R"))
        if name == "G28":
            axes = [axis for axis in "XYZ" if axis in words] or list("XYZ")
            return HOME, float(sum(1 << "XYZ".index(axis) for axis in axes))
        kinds = {"M104": NOZZLE_SET, "G10": NOZZLE_SET, "M109": NOZZLE_WAIT, "M140": BED_SET, "M190": BED_SET}
        if name in kinds:
            return (kinds[name], value) if value is not None else None
        return (WAIT_ALL, 0.0) if name == "M116" else (ALL_OFF, 0.0)


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def _klipper_event(name: str, words: dict[str, str]) -> tuple[int, float] | None:
    """Klipper's SET_HEATER_TEMPERATURE HEATER=... TARGET=... and TEMPERATURE_WAIT SENSOR=... MINIMUM=...."""
    if name == "SET_HEATER_TEMPERATURE":
        target = _number(words.get("TARGET"))
        if target is None:
            return None
        return (BED_SET, target) if "bed" in words.get("HEATER", "") else (NOZZLE_SET, target)
    minimum = _number(words.get("MINIMUM"))
    if minimum is None or "bed" in words.get("SENSOR", ""):
        return None
    return NOZZLE_WAIT, minimum


def read_commands(data: bytes, base: int, commands: Commands, pattern: re.Pattern[bytes], log: SafetyLog) -> None:
    """Add the homing, heating and cooling commands of one stretch of G-code that starts at byte ``base``."""
    for match in pattern.finditer(data):
        found = commands.event(match.group(1).decode().upper(), match.group(2))
        if found is not None:
            log.events.append((base + match.start(), *found))


@dataclass
class _State:
    homed: int = 0
    hot: bool = False
    nozzle: float = 0.0
    bed: float = 0.0

    def apply(self, kind: int, value: float) -> None:
        if kind == HOME:
            self.homed |= int(value)
        elif kind in (NOZZLE_SET, NOZZLE_WAIT):
            self.nozzle = value
            self.hot = value >= HOT_END_MIN_C and (kind == NOZZLE_WAIT or self.hot)
        elif kind == WAIT_ALL:
            self.hot = self.nozzle >= HOT_END_MIN_C
        elif kind == BED_SET:
            self.bed = value
        elif kind == START_MACRO:  # a declared start macro homes, heats and waits
            self.homed, self.hot, self.nozzle, self.bed = ALL_AXES, True, HOT_END_MIN_C, 1.0
        else:  # a declared end macro, or Klipper's TURN_OFF_HEATERS
            self.hot, self.nozzle, self.bed = False, 0.0, 0.0


def verify_safe(log: SafetyLog, printer: str, subject: str, **details: str) -> None:
    """Refuse a G-code that pushes filament before homing or before the hot end is heated, or that leaves a heater
    on at its end (``printer``: the printer profile's name; ``subject``: what the G-code is, as a message begins,
    such as "PrusaSlicer's G-code")."""
    if log.first_push_at is None:
        return  # nothing is extruded: the check for an empty G-code refuses it
    state = _State()
    before = sum(1 for at, _kind, _value in log.events if at <= log.first_push_at)  # the events are in file order
    for _at, kind, value in log.events[:before]:
        state.apply(kind, value)
    if state.homed != ALL_AXES:
        raise SlicerFailed("gcode_not_homed", _("{subject} for the printer profile '{printer}' pushes filament before "
                                                "the printer is homed. {fix}")
                           .format(subject=subject, printer=printer, fix=_(FIX_START)), printer=printer, **details)
    if not state.hot:
        raise SlicerFailed("gcode_cold_extrusion", _("{subject} for the printer profile '{printer}' pushes filament "
                                                     "before the hot end has heated to {minimum:g} °C and waited for "
                                                     "it. {fix}")
                           .format(subject=subject, printer=printer, minimum=HOT_END_MIN_C, fix=_(FIX_START)),
                           printer=printer, **details)
    for _at, kind, value in log.events[before:]:
        state.apply(kind, value)
    left_on = HEATERS_LEFT_ON[(state.nozzle > 0, state.bed > 0)]
    if left_on is not None:
        raise SlicerFailed("gcode_heaters_left_on", _("{subject} for the printer profile '{printer}' ends with "
                                                      "{heaters} still heated. {fix}")
                           .format(subject=subject, printer=printer, heaters=_(left_on), fix=_(FIX_END)),
                           printer=printer, **details)
