"""Read back the G-code a slicer wrote: layers, where it extrudes, how high, how long, how much filament.

Slicers accept bad jobs silently, so a result is refused here when it has no layers, extrudes off the bed
or goes above the printer's height. Moves before the first layer (prime lines of the start G-code) are
not held against the bed, because printers prime outside the print area on purpose.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import SlicerFailed
from ..i18n import _
from ..printers.profile import CIRCULAR, PrinterProfile
from .gcode_safety import Commands, SafetyLog, read_commands, verify_safe

BED_TOLERANCE_MM = 0.5
HEIGHT_TOLERANCE_MM = 0.05
LAYER_COMMENT = re.compile(rb";(?:LAYER_CHANGE|LAYER:-?\d+\r?$)", re.M)
TYPE_COMMENT = re.compile(rb";TYPE:([^\n]*)")
PRUSA_TIME = re.compile(rb"; estimated printing time \(normal mode\)[^=\n]*=([^\n]*)")
PRUSA_FILAMENT = re.compile(rb"; filament used \[mm\][^=\n]*=\s*([\d.]+(?:,\s*[\d.]+)*)")  # one per extruder
CURA_TIME = re.compile(rb";TIME:(\d+(?:\.\d*)?)")
CURA_FILAMENT = re.compile(rb";Filament used: *([\d.]+)m\s*$", re.M)
BLANKS = np.frombuffer(b" \t\r\n", np.uint8)
IS_BLANK = np.isin(np.arange(256), BLANKS)
IS_NUMBER_BYTE = np.isin(np.arange(256), np.frombuffer(b"0123456789.-", np.uint8))
AXIS_COLUMN = np.full(256, -1)
AXIS_COLUMN[np.frombuffer(b"XYZE", np.uint8)] = np.arange(4)
STRETCH_BYTES = 8 << 20
BLANK = np.uint8(ord(" "))
DOT = np.uint8(ord("."))
POWERS_OF_TEN = 10.0 ** np.arange(23)
DURATION = re.compile(r"(\d+)([dhms])")
UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}

NO_MACROS = Commands()
GCODE_EXTENSIONS = (".gcode", ".gco", ".g")


@dataclass
class GcodeFacts:
    """What the G-code does."""

    layers: int = 0
    extrusions: int = 0
    min_xy: list[float] = field(default_factory=lambda: [math.inf, math.inf])
    max_xy: list[float] = field(default_factory=lambda: [-math.inf, -math.inf])
    max_z: float = 0.0
    layer_heights: set[float] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    estimated_time_s: float | None = None
    filament_mm: float | None = None
    extruded_mm: float = 0.0
    max_radius: float = 0.0
    safety: SafetyLog = field(default_factory=SafetyLog)
    # each layer marker's end (the byte after its line) and the height its layer prints at: the Z of its first
    # extruding move (Cura moves up to a layer's height before writing its marker, PrusaSlicer after)
    layer_starts: list[tuple[int, float]] = field(default_factory=list)

    @property
    def bounds(self) -> list[list[float]]:
        """[[min x, min y], [max x, max y]] of every extrusion after the first layer began."""
        return [[round(v, 3) for v in self.min_xy], [round(v, 3) for v in self.max_xy]]


def _duration(text: str) -> float:
    return float(sum(int(n) * UNITS[u] for n, u in DURATION.findall(text)))


def _last(pattern: re.Pattern[bytes], data: bytes) -> bytes | None:
    found = pattern.findall(data)
    return found[-1] if found else None


def _take_comments(facts: GcodeFacts, data: bytes) -> None:
    """What the slicer's comments in ``data`` say: feature types, estimated time and filament (PrusaSlicer's
    always, Cura's when nothing was said yet)."""
    facts.types |= {kind.strip().decode("utf-8", "replace") for kind in set(TYPE_COMMENT.findall(data))}
    prusa_time, prusa_filament = _last(PRUSA_TIME, data), _last(PRUSA_FILAMENT, data)
    cura_time, cura_filament = CURA_TIME.search(data), CURA_FILAMENT.search(data)
    if prusa_time is not None:
        facts.estimated_time_s = _duration(prusa_time.decode("ascii", "replace"))
    elif cura_time and facts.estimated_time_s is None:
        facts.estimated_time_s = float(cura_time.group(1))
    if prusa_filament is not None:
        facts.filament_mm = sum(float(length) for length in prusa_filament.split(b","))
    elif cura_filament and facts.filament_mm is None:
        facts.filament_mm = float(cura_filament.group(1)) * 1000


@dataclass
class _Machine:
    """Where the machine is and how it reads coordinates, carried from one stretch of G-code to the next."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    e: float = 0.0
    absolute: bool = True
    absolute_e: bool = True
    printing: bool = False
    offset: int = 0  # bytes read before the current stretch
    marker_end: int | None = None  # a layer marker whose layer has not extruded yet: the byte after its line


def _stretches(file: BinaryIO, size: int) -> Iterator[bytes]:
    """The G-code in stretches of whole lines of about ``size`` bytes each (bounded memory for any file)."""
    rest = b""
    while block := file.read(size):
        block = rest + block
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            rest = block
            continue
        rest = block[cut:]
        yield block[:cut]
    if rest:
        yield rest


def _line_heads(text: np.ndarray, starts: np.ndarray, code_ends: np.ndarray) -> dict[bytes, np.ndarray]:
    """Which lines are G0/G1 moves, G90, G91, G92, M82 and M83 (the command at the line's start)."""
    padded = np.concatenate([text, np.full(4, ord(" "), np.uint8)])
    letter, first, second, third = (padded[starts + k] for k in range(4))
    code_length = code_ends - starts

    def command(head: bytes) -> np.ndarray:
        ends_there = np.isin(padded[starts + len(head)], BLANKS) | (code_length == len(head))
        same = letter == head[0]
        for at, column in enumerate((first, second, third)[:len(head) - 1], start=1):
            same &= column == head[at]
        return same & ends_there

    return {head: command(head) for head in (b"G0", b"G1", b"G90", b"G91", b"G92", b"M82", b"M83")}


def _axis_values(text: np.ndarray, starts: np.ndarray, code_ends: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The X, Y, Z and E numbers of the ``wanted`` lines, one column each, NaN where a line does not give one.

    The numbers' digits are gathered without their decimal point, each followed by a blank, read as integers
    by numpy's own parser at once and divided by the power of ten of their decimals (exactly what reading them
    as decimals gives)."""
    values = np.full((len(starts), 4), np.nan)
    numeric = IS_NUMBER_BYTE[text]
    begins = np.flatnonzero(numeric[1:] & ~numeric[:-1]) + 1
    begins = begins[begins >= 2]
    line = np.searchsorted(starts, begins, "right") - 1
    column = AXIS_COLUMN[text[begins - 1]]
    inside = (column >= 0) & (begins < code_ends[line]) & wanted[line] & IS_BLANK[text[begins - 2]]
    begins, line, column = begins[inside], line[inside], column[inside]
    stops = np.flatnonzero(~numeric)
    ends = stops[np.minimum(np.searchsorted(stops, begins), max(len(stops) - 1, 0))] if len(stops) else begins
    ends = np.where(ends > begins, ends, len(text))
    dots = np.flatnonzero(text == DOT)
    first_dot = dots[np.minimum(np.searchsorted(dots, begins), max(len(dots) - 1, 0))] if len(dots) else ends
    decimals = np.where((first_dot >= begins) & (first_dot < ends), ends - first_dot - 1, 0)
    lengths = ends - begins + 1  # the number and the byte after it, made a blank
    last = np.cumsum(lengths) - 1
    gathered = text[np.minimum(np.repeat(begins - (last + 1 - lengths), lengths) + np.arange(int(lengths.sum())),
                               len(text) - 1)]
    gathered[last] = BLANK
    with warnings.catch_warnings():  # numpy warns, and stops, where a number cannot be read
        warnings.simplefilter("ignore", DeprecationWarning)
        digits = np.fromstring(gathered[gathered != DOT].tobytes(), dtype=np.int64, sep=" ")
    if len(digits) != len(begins):
        raise SlicerFailed("unreadable_gcode", _("The G-code has a coordinate img2print cannot read; the slicer's "
                                                 "output is damaged. Slice again."))
    numbers = digits / POWERS_OF_TEN[np.minimum(decimals, len(POWERS_OF_TEN) - 1)]
    values[line, column] = numbers
    return values


def _positions(given: np.ndarray, sets: np.ndarray, start: float) -> np.ndarray:
    """Position after each line of one axis: lines in ``sets`` set it to their value, other lines with a value
    move by it, the rest keep it; ``start`` is where the stretch begins."""
    values = np.where(np.isnan(given), 0.0, given)
    resetting = sets & ~np.isnan(given)
    moved = np.cumsum(np.where(resetting, 0.0, values))
    last = np.maximum.accumulate(np.where(resetting, np.arange(len(given)), -1))
    origin = np.where(last >= 0, values[np.maximum(last, 0)] - moved[np.maximum(last, 0)], start)
    return origin + moved


def _latest(switch_on: np.ndarray, switch_off: np.ndarray, before: bool) -> np.ndarray:
    """A mode after each line, switched on and off by some lines, ``before`` at the start."""
    said = np.where(switch_on, 1, np.where(switch_off, 0, -1))
    last = np.maximum.accumulate(np.where(said >= 0, np.arange(len(said)), -1))
    return np.where(last >= 0, said[np.maximum(last, 0)] == 1, before)


def _read_stretch(data: bytes, machine: _Machine, facts: GcodeFacts, centre: tuple[float, float]) -> None:
    """Follow one stretch of whole lines of G-code on whole arrays: positions, modes, layers, the extrusions'
    ends and what the comments say."""
    _take_comments(facts, data)
    text = np.frombuffer(data, np.uint8)
    breaks = np.flatnonzero(text == ord("\n"))
    starts = np.concatenate([[0], breaks + 1])
    line_ends = np.concatenate([breaks, [len(text)]])
    if starts[-1] == len(text):
        starts, line_ends = starts[:-1], line_ends[:-1]
    semicolons = np.flatnonzero(text == ord(";"))
    first = semicolons[np.minimum(np.searchsorted(semicolons, starts), max(len(semicolons) - 1, 0))] \
        if len(semicolons) else line_ends
    comment_at = np.where((first >= starts) & (first < line_ends), first, line_ends)
    heads = _line_heads(text, starts, comment_at)
    moves = heads[b"G0"] | heads[b"G1"]
    values = _axis_values(text, starts, comment_at, moves | heads[b"G92"])
    found = np.asarray([match.start() for match in LAYER_COMMENT.finditer(data)], dtype=np.int64)
    found_lines = np.searchsorted(starts, found, "right") - 1
    layer_lines = found_lines[comment_at[found_lines] == found]  # a layer comment, not text inside another
    facts.layers += len(layer_lines)
    printing = machine.printing | (np.cumsum(np.bincount(layer_lines, minlength=len(starts))) > 0)
    absolute = _latest(heads[b"G90"], heads[b"G91"], machine.absolute)
    absolute_e = _latest(heads[b"M82"], heads[b"M83"], machine.absolute_e)
    x, y, z, e = (_positions(np.where(moves | heads[b"G92"], values[:, k], np.nan),
                             heads[b"G92"] | (moves & (absolute_e if k == 3 else absolute)), start)
                  for k, start in enumerate((machine.x, machine.y, machine.z, machine.e)))
    before_e = np.concatenate([[machine.e], e[:-1]])
    pushed = np.where(moves & ~np.isnan(values[:, 3]), e - before_e, 0.0)
    facts.extruded_mm += float(pushed[pushed > 0].sum())
    pushing = np.flatnonzero(pushed > 1e-6)
    if len(pushing):
        if facts.safety.first_push_at is None:
            facts.safety.first_push_at = machine.offset + int(starts[pushing[0]])
        facts.safety.last_push_at = machine.offset + int(starts[pushing[-1]])
    extruding = printing & (pushed > 1e-6) & (~np.isnan(values[:, 0]) | ~np.isnan(values[:, 1]))
    rows = np.flatnonzero(extruding)
    before_x = np.concatenate([[machine.x], x[:-1]])
    before_y = np.concatenate([[machine.y], y[:-1]])
    _measure(facts, np.stack([before_x[rows], before_y[rows], x[rows], y[rows]], axis=1).reshape(-1, 2), z[rows],
             centre)
    _layer_starts(facts, machine, layer_lines, rows, z, machine.offset + np.minimum(line_ends + 1, len(text)))
    machine.x, machine.y, machine.z, machine.e = float(x[-1]), float(y[-1]), float(z[-1]), float(e[-1])
    machine.absolute, machine.absolute_e, machine.printing = bool(absolute[-1]), bool(absolute_e[-1]), \
        bool(printing[-1])
    machine.offset += len(data)


def _layer_starts(facts: GcodeFacts, machine: _Machine, markers: np.ndarray, extruding: np.ndarray, z: np.ndarray,
                  marker_ends: np.ndarray) -> None:
    """Pair each layer marker of a stretch (and one left waiting by the stretch before) with the first extruding
    move after it and before the next marker."""
    markers = np.unique(markers)
    first = np.searchsorted(extruding, markers)
    following = np.append(markers[1:], np.iinfo(np.int64).max)
    if machine.marker_end is not None and len(extruding) and (not len(markers) or extruding[0] < markers[0]):
        facts.layer_starts.append((machine.marker_end, float(z[extruding[0]])))
        machine.marker_end = None
    for marker, at, limit in zip(markers, first, following):
        if at < len(extruding) and extruding[at] < limit:
            facts.layer_starts.append((int(marker_ends[marker]), float(z[extruding[at]])))
    if len(markers) and (first[-1] >= len(extruding)):
        machine.marker_end = int(marker_ends[markers[-1]])


def inspect(path: Path, centre: tuple[float, float] = (0.0, 0.0), commands: Commands = NO_MACROS) -> GcodeFacts:
    """Read the G-code and gather its facts (``centre``: the bed's, for the distance of extrusions; ``commands``:
    the printer's start and end macros).

    Lines are followed on whole arrays, a few megabytes at a time: each move's X, Y, Z and E, absolute or
    relative (G90/G91, M82/M83, G92), and the ends of every extrusion once the first layer began, measured stretch
    by stretch (memory does not grow with the file). The commands that home, heat and cool are noted where they
    stand."""
    facts = GcodeFacts()
    machine = _Machine()
    pattern = commands.pattern
    with open(path, "rb") as file:
        for data in _stretches(file, STRETCH_BYTES):
            read_commands(data, machine.offset, commands, pattern, facts.safety)
            _read_stretch(data, machine, facts, centre)
    return facts


def _measure(facts: GcodeFacts, points: np.ndarray, zs: np.ndarray, centre: tuple[float, float]) -> None:
    """Add one stretch's extrusions to the facts: extent, distance from the centre, height and layer heights (kept
    as running figures, so memory does not grow with the G-code)."""
    facts.extrusions += len(zs)
    if not len(zs):
        return
    facts.min_xy = [min(a, float(b)) for a, b in zip(facts.min_xy, points.min(axis=0))]
    facts.max_xy = [max(a, float(b)) for a, b in zip(facts.max_xy, points.max(axis=0))]
    facts.max_radius = max(facts.max_radius, float(np.hypot(points[:, 0] - centre[0], points[:, 1] - centre[1]).max()))
    facts.max_z = max(facts.max_z, float(zs.max()))
    facts.layer_heights |= {float(v) for v in np.round(np.unique(zs), 3)}


def verify(facts: GcodeFacts, printer: PrinterProfile, source: str) -> None:
    """Refuse G-code that would not print or is not safe to start: no layers, extrusion off the bed, too high,
    filament pushed before homing or heating, or a heater left on at the end."""
    if facts.layers == 0 or facts.extrusions == 0:
        raise SlicerFailed("empty_gcode", _("{slicer} produced G-code without any layer to print. The model may be "
                                            "open, empty or too thin for this nozzle.").format(slicer=source),
                           slicer=source)
    cx, cy = printer.centre
    tolerance = BED_TOLERANCE_MM
    if printer.bed_shape == CIRCULAR:
        inside = facts.max_radius <= printer.width / 2 + tolerance
    else:
        inside = (facts.min_xy[0] >= cx - printer.width / 2 - tolerance
                  and facts.min_xy[1] >= cy - printer.depth / 2 - tolerance
                  and facts.max_xy[0] <= cx + printer.width / 2 + tolerance
                  and facts.max_xy[1] <= cy + printer.depth / 2 + tolerance)
    if not inside:
        raise SlicerFailed("gcode_off_bed", _("{slicer} placed extrusion outside the bed of the {printer} (from "
                                              "{x0:.1f}, {y0:.1f} to {x1:.1f}, {y1:.1f} mm). Nothing was kept.")
                           .format(slicer=source, printer=printer.name, x0=facts.min_xy[0], y0=facts.min_xy[1],
                                   x1=facts.max_xy[0], y1=facts.max_xy[1]), slicer=source)
    if facts.max_z > printer.max_height + HEIGHT_TOLERANCE_MM:
        raise SlicerFailed("gcode_too_tall", _("{slicer} prints up to Z {z:.2f} mm, above the {printer}'s "
                                               "{height:g} mm.").format(slicer=source, z=facts.max_z,
                                                                        printer=printer.name,
                                                                        height=printer.max_height), slicer=source)
    verify_safe(facts.safety, printer.name, _("{slicer}'s G-code").format(slicer=source), slicer=source)
