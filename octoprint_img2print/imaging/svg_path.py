"""SVG path data and basic shapes as flattened subpaths, following the SVG 2 path grammar and its error handling
(a path is drawn up to its first error)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .svg_tree import local
from .svg_values import Lengths, numbers

SHAPES = {"path", "rect", "circle", "ellipse", "line", "polyline", "polygon"}
MAX_CURVE_POINTS = 4096
FINER = 4  # curves are flattened to a quarter of the tolerance, so that small circles keep their area
ARGUMENTS = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}
NUMBER_AT = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
SEPARATORS = " \t\r\n\f"


class TooManyPoints(Exception):
    """The drawing flattens into more points than the budget allows."""


@dataclass
class Subpath:
    """A polyline in user units; ``closed`` when it ends with Z (or is a closed shape)."""

    points: np.ndarray
    closed: bool


class Budget:
    """Points left for the whole drawing."""

    def __init__(self, points: int) -> None:
        self.left = points

    def spend(self, count: int) -> None:
        """Take ``count`` points; TooManyPoints once none are left."""
        self.left -= count
        if self.left < 0:
            raise TooManyPoints


def _count(bend: float, tolerance: float) -> int:
    """Segments for a curve whose second derivative stays below ``bend``, so that chords stay within tolerance."""
    return max(1, min(MAX_CURVE_POINTS, math.ceil(math.sqrt(bend * FINER / (8 * tolerance))))) if bend > 0 else 1


def cubic(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, tolerance: float) -> np.ndarray:
    """Points of a cubic Bézier after its start."""
    bend = 6 * max(np.linalg.norm(p0 - 2 * p1 + p2), np.linalg.norm(p1 - 2 * p2 + p3))
    t = np.linspace(0.0, 1.0, _count(bend, tolerance) + 1)[1:, None]
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t ** 2 * p2 + t ** 3 * p3


def quadratic(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, tolerance: float) -> np.ndarray:
    """Points of a quadratic Bézier after its start."""
    t = np.linspace(0.0, 1.0, _count(2 * np.linalg.norm(p0 - 2 * p1 + p2), tolerance) + 1)[1:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2


def ellipse_points(centre: np.ndarray, rx: float, ry: float, rotation: float, start: float, sweep: float,
                   tolerance: float) -> np.ndarray:
    """Points on an ellipse (radii, rotation in radians) from angle ``start`` over ``sweep``, after the start."""
    radius = max(rx, ry)
    step = 2 * math.acos(max(-1.0, 1 - tolerance / FINER / radius)) if radius > tolerance else math.pi / 2
    count = max(2, min(MAX_CURVE_POINTS, math.ceil(abs(sweep) / max(step, 1e-6))))
    angles = start + sweep * np.linspace(0.0, 1.0, count + 1)[1:]
    cos, sin = math.cos(rotation), math.sin(rotation)
    x, y = rx * np.cos(angles), ry * np.sin(angles)
    return np.column_stack([centre[0] + cos * x - sin * y, centre[1] + sin * x + cos * y])


def arc(start: np.ndarray, rx: float, ry: float, rotation_deg: float, large: bool, sweep: bool, end: np.ndarray,
        tolerance: float) -> np.ndarray:
    """An elliptical arc from ``start`` to ``end`` (SVG's endpoint form, radii corrected as the spec says)."""
    rx, ry = abs(rx), abs(ry)
    if rx == 0 or ry == 0 or np.allclose(start, end):
        return end[None, :] if not np.array_equal(start, end) else np.empty((0, 2))
    phi = math.radians(rotation_deg % 360)
    cos, sin = math.cos(phi), math.sin(phi)
    half = (start - end) / 2
    x1, y1 = cos * half[0] + sin * half[1], -sin * half[0] + cos * half[1]
    scale = x1 ** 2 / rx ** 2 + y1 ** 2 / ry ** 2
    if scale > 1:
        rx, ry = rx * math.sqrt(scale), ry * math.sqrt(scale)
    numerator = rx ** 2 * ry ** 2 - rx ** 2 * y1 ** 2 - ry ** 2 * x1 ** 2
    factor = math.sqrt(max(0.0, numerator / (rx ** 2 * y1 ** 2 + ry ** 2 * x1 ** 2)))
    if large == sweep:
        factor = -factor
    cx1, cy1 = factor * rx * y1 / ry, -factor * ry * x1 / rx
    middle = (start + end) / 2
    centre = np.array([cos * cx1 - sin * cy1 + middle[0], sin * cx1 + cos * cy1 + middle[1]])
    theta = math.atan2((y1 - cy1) / ry, (x1 - cx1) / rx)
    delta = math.atan2((-y1 - cy1) / ry, (-x1 - cx1) / rx) - theta
    if sweep and delta < 0:
        delta += 2 * math.pi
    elif not sweep and delta > 0:
        delta -= 2 * math.pi
    points = ellipse_points(centre, rx, ry, phi, theta, delta, tolerance)
    points[-1] = end
    return points


class _Reader:
    """Numbers, flags and command letters of path data, with SVG's optional separators."""

    def __init__(self, text: str) -> None:
        self.text, self.at = text, 0

    def _skip(self, comma: bool) -> None:
        while self.at < len(self.text) and self.text[self.at] in SEPARATORS:
            self.at += 1
        if comma and self.at < len(self.text) and self.text[self.at] == ",":
            self.at += 1
            self._skip(False)

    def command(self) -> str | None:
        self._skip(False)
        if self.at < len(self.text) and self.text[self.at].lower() in ARGUMENTS:
            self.at += 1
            return self.text[self.at - 1]
        return None

    def ended(self) -> bool:
        self._skip(False)
        return self.at >= len(self.text)

    def number(self, first: bool) -> float | None:
        self._skip(not first)
        match = NUMBER_AT.match(self.text, self.at)
        if match is None:
            return None
        self.at = match.end()
        return float(match.group())  # one too large to hold is infinite, and the drawing then refuses it

    def flag(self) -> float | None:
        self._skip(True)
        if self.at < len(self.text) and self.text[self.at] in "01":
            self.at += 1
            return float(self.text[self.at - 1])
        return None

    def arguments(self, command: str) -> list[float] | None:
        """The arguments of one command, None when they are not all there."""
        values = []
        for index in range(ARGUMENTS[command.lower()]):
            value = self.flag() if command.lower() == "a" and index in (3, 4) else self.number(index == 0)
            if value is None:
                return None
            values.append(value)
        return values


class _Pen:
    """The current point, subpath and last control point while a path is drawn."""

    def __init__(self, tolerance: float, budget: Budget) -> None:
        self.tolerance, self.budget = tolerance, budget
        self.subpaths: list[Subpath] = []
        self.points: list[np.ndarray] = []
        self.current = np.zeros(2)
        self.start = np.zeros(2)
        self.control: np.ndarray | None = None
        self.quadratic_control: np.ndarray | None = None

    def finish(self, closed: bool) -> None:
        if self.points:
            self.subpaths.append(Subpath(np.concatenate(self.points), closed))
        self.points = []

    def move(self, point: np.ndarray) -> None:
        self.finish(False)
        self.current = self.start = point
        self.points = [point[None, :]]
        self.budget.spend(1)

    def add(self, points: np.ndarray) -> None:
        if not self.points:
            self.points = [self.current[None, :]]
        self.budget.spend(len(points))
        self.points.append(points)
        if len(points):
            self.current = points[-1].copy()

    def close(self) -> None:
        self.finish(True)
        self.current = self.start.copy()


def _step(pen: _Pen, command: str, values: list[float]) -> None:
    """Draw one command with its arguments."""
    relative, kind = command.islower(), command.lower()
    origin = pen.current if relative else np.zeros(2)
    control, quadratic_control = None, None
    if kind == "m":
        pen.move(origin + values[:2])
    elif kind == "l":
        pen.add((origin + values[:2])[None, :])
    elif kind in "hv":
        point = pen.current.copy()
        axis = 0 if kind == "h" else 1
        point[axis] = (pen.current[axis] if relative else 0.0) + values[0]
        pen.add(point[None, :])
    elif kind in "cs":
        first = (2 * pen.current - pen.control if pen.control is not None else pen.current) if kind == "s" \
            else origin + values[0:2]
        second, end = origin + values[-4:-2], origin + values[-2:]
        pen.add(cubic(pen.current, first, second, end, pen.tolerance))
        control = second
    elif kind in "qt":
        middle = (2 * pen.current - pen.quadratic_control if pen.quadratic_control is not None else pen.current) \
            if kind == "t" else origin + values[0:2]
        end = origin + values[-2:]
        pen.add(quadratic(pen.current, middle, end, pen.tolerance))
        quadratic_control = middle
    elif kind == "a":
        end = origin + values[5:7]
        pen.add(arc(pen.current, values[0], values[1], values[2], bool(values[3]), bool(values[4]), end,
                    pen.tolerance))
    else:
        pen.close()
    pen.control, pen.quadratic_control = control, quadratic_control


def path_data(text: str, tolerance: float, budget: Budget) -> list[Subpath]:
    """The subpaths of path data, drawn up to the first error; a command after Z without M starts a new subpath
    at the closing point."""
    reader, pen = _Reader(text or ""), _Pen(tolerance, budget)
    command = reader.command()
    if command is None or command.lower() != "m":
        return []
    while True:
        values = reader.arguments(command)
        if values is None:
            break
        _step(pen, command, values)
        if reader.ended():
            break
        following = reader.command()
        if following is not None:
            command = following
        elif command.lower() == "z":
            break
        elif command.lower() == "m":
            command = "l" if command == "m" else "L"
    pen.finish(False)
    return pen.subpaths


def polyline(values: list[float], closed: bool) -> list[Subpath]:
    """A polyline or polygon from its points (an odd last number is dropped, as the spec says)."""
    points = np.array(values[:len(values) // 2 * 2], dtype=np.float64).reshape(-1, 2)
    return [Subpath(points, closed)] if len(points) else []


def rectangle(x: float, y: float, width: float, height: float, rx: float, ry: float,
              tolerance: float) -> list[Subpath]:
    """A rectangle with elliptical corners (radii already resolved and clamped)."""
    if rx <= 0 or ry <= 0:
        return [Subpath(np.array([[x, y], [x + width, y], [x + width, y + height], [x, y + height]]), True)]
    corners = [((x + width - rx, y + ry), -math.pi / 2), ((x + width - rx, y + height - ry), 0.0),
               ((x + rx, y + height - ry), math.pi / 2), ((x + rx, y + ry), math.pi)]
    points = [ellipse_points(np.array(c), rx, ry, 0.0, start, math.pi / 2, tolerance) for c, start in corners]
    return [Subpath(np.concatenate([np.array([[x + rx, y]]), *points]), True)]


def ellipse(cx: float, cy: float, rx: float, ry: float, tolerance: float) -> list[Subpath]:
    """A whole ellipse, drawn from its rightmost point as SVG does."""
    around = ellipse_points(np.array([cx, cy]), rx, ry, 0.0, 0.0, 2 * math.pi, tolerance)
    return [Subpath(np.vstack([[cx + rx, cy], around[:-1]]), True)]  # from the start point, as dashes count


def _radii(rx: float | None, ry: float | None) -> tuple[float, float]:
    """rx and ry with SVG 2's auto: a missing or negative one (invalid, so ignored) equals the other."""
    rx = rx if rx is not None and rx >= 0 else None
    ry = ry if ry is not None and ry >= 0 else None
    return (rx if rx is not None else ry or 0.0), (ry if ry is not None else rx or 0.0)


def _rect_radii(element: Any, lengths: Lengths, width: float, height: float) -> tuple[float, float]:
    """A rect's corner radii, auto as SVG 2 says, clamped to half its sides."""
    rx, ry = _radii(lengths.px(element.get("rx"), "x"), lengths.px(element.get("ry"), "y"))
    return min(rx, width / 2), min(ry, height / 2)


def shape_subpaths(element: Any, lengths: Lengths, tolerance: float,
                   budget: Budget) -> list[Subpath]:
    """The outline of a basic shape or path in its user units; none when a size is zero or negative."""
    kind = local(element)

    def length(name: str, axis: str) -> float:
        value = lengths.px(element.get(name), axis)
        return value if value is not None else 0.0

    if kind == "path":
        return path_data(element.get("d", ""), tolerance, budget)
    if kind in ("polyline", "polygon"):
        return polyline(numbers(element.get("points")), kind == "polygon")
    if kind == "line":
        ends = [length("x1", "x"), length("y1", "y"), length("x2", "x"), length("y2", "y")]
        return polyline(ends, False)
    if kind == "rect":
        width, height = length("width", "x"), length("height", "y")
        if width <= 0 or height <= 0:
            return []
        rx, ry = _rect_radii(element, lengths, width, height)
        return rectangle(length("x", "x"), length("y", "y"), width, height, rx, ry, tolerance)
    if kind == "circle":
        radius = length("r", "xy")
        return ellipse(length("cx", "x"), length("cy", "y"), radius, radius, tolerance) if radius > 0 else []
    rx, ry = _radii(lengths.px(element.get("rx"), "x"), lengths.px(element.get("ry"), "y"))
    if rx <= 0 or ry <= 0:
        return []
    return ellipse(length("cx", "x"), length("cy", "y"), rx, ry, tolerance)
