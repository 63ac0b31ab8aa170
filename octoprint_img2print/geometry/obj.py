"""Wavefront OBJ files (vertices and faces only), read with numpy over the whole text; also the limits and
checks every model reader written here applies (glTF uses them too)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BadInput
from ..i18n import _
from .budget import MODEL_BYTES_PER_TRIANGLE, gigabytes, memory_budget, triangle_budget
from .mesh import Mesh, welded

MAX_TRIANGLES = 20_000_000
BLANK = np.zeros(256, dtype=bool)
BLANK[list(b" \t\r\n\x0b\x0c")] = True
NEWLINE, SLASH = ord("\n"), ord("/")
SLASHES_TO_BLANKS = bytes.maketrans(b"/", b" ")
INDENTATION = re.compile(rb"(?m)^[ \t]+")


def check_triangle_count(count: int, name: str, limit: int = MAX_TRIANGLES) -> None:
    """Refuse a model of more than ``limit`` triangles, or more than the job's memory holds, before its faces are
    read."""
    if count > limit:
        raise BadInput("too_many_triangles",
                       _("{file}: the model has {count} triangles; img2print reads at most {limit}. "
                         "Simplify (decimate) the model and try again.").format(file=name, count=count, limit=limit),
                       file=name, triangles=count, limit=limit)
    fitting = triangle_budget(MODEL_BYTES_PER_TRIANGLE)
    if count > fitting:
        raise BadInput("too_many_triangles",
                       _("{file}: the model has {count} triangles; within the {memory} of memory this job may use, "
                         "img2print reads at most {limit}. Simplify (decimate) the model, or give the job more "
                         "memory (the plugin's memory limit; on the command line, ulimit -v).")
                       .format(file=name, count=count, limit=fitting, memory=gigabytes(memory_budget())),
                       file=name, triangles=count, limit=fitting)


def check_finite(vertices: np.ndarray, name: str) -> None:
    """Refuse vertices with NaN or infinite coordinates."""
    if not np.isfinite(vertices).all():
        raise BadInput("non_finite_coordinates",
                       _("{file}: some vertex coordinates are not numbers (NaN or infinite). Export the model again.")
                       .format(file=name), file=name)


@dataclass
class _Lines:
    """The bytes of a text that ends in a newline, with the start and the newline position of every line."""

    buffer: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @classmethod
    def of(cls, text: bytes) -> _Lines:
        """The lines of ``text``."""
        buffer = np.frombuffer(text, dtype=np.uint8)
        ends = np.flatnonzero(buffer == NEWLINE)
        return cls(buffer, np.r_[0, ends[:-1] + 1], ends)

    def starting_with(self, keyword: bytes) -> np.ndarray:
        """Numbers (from 0) of the lines that start with the one-letter ``keyword`` and a blank."""
        second = self.buffer[np.minimum(self.starts + 1, len(self.buffer) - 1)]
        return np.flatnonzero((self.ends - self.starts >= 2) & (self.buffer[self.starts] == keyword[0])
                              & BLANK[second])

    def arguments(self, lines: np.ndarray) -> bytes:
        """The text of the chosen lines without their keyword, each line still ending in its newline."""
        chosen = np.zeros(len(self.starts), dtype=bool)
        chosen[lines] = True
        keep = np.repeat(chosen, self.ends - self.starts + 1)
        keep[self.starts[lines]] = False
        return self.buffer[keep].tobytes()


def _unindented(data: bytes) -> bytes:
    """``data`` without blanks at the start of its lines (the slow regular expression only when there are some)."""
    if data[:1] in (b" ", b"\t") or b"\n " in data or b"\n\t" in data:
        return INDENTATION.sub(b"", data)
    return data


def _word_starts(text: bytes) -> np.ndarray:
    """Positions in ``text`` where a blank-separated word begins."""
    blank = BLANK[np.frombuffer(text, dtype=np.uint8)]
    return np.flatnonzero(~blank & np.r_[True, blank[:-1]])


def _per_line(positions: np.ndarray, text: bytes, lines: int) -> np.ndarray:
    """How many of ``positions`` lie on each of the ``lines`` lines of ``text``."""
    newlines = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == NEWLINE)
    return np.bincount(np.searchsorted(newlines, positions), minlength=lines)


def _numbers(text: bytes, dtype: type, keyword: str) -> np.ndarray:
    """Every number in ``text``; a ValueError when a word is not one."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # numpy before 2.0 only warns and stops early
        try:
            return np.fromstring(text, dtype=dtype, sep=" ")
        except (ValueError, DeprecationWarning) as error:
            raise ValueError(f"a '{keyword}' line holds something that is not a number") from error


def _short_line(counts: np.ndarray, lines: np.ndarray, needed: int, what: str) -> None:
    """A ValueError naming the first line with fewer than ``needed`` words."""
    short = np.flatnonzero(counts < needed)
    if len(short):
        raise ValueError(f"line {lines[short[0]] + 1}: {what}")


def _fan(counts: np.ndarray) -> np.ndarray:
    """Positions in the flat corner list of the fan triangles of polygons with ``counts`` corners."""
    triangles = counts - 2
    first = np.repeat(np.cumsum(counts) - counts, triangles)
    step = np.arange(int(triangles.sum())) - np.repeat(np.cumsum(triangles) - triangles, triangles)
    return np.stack([first, first + step + 1, first + step + 2], axis=1)


def _vertices(text: _Lines, lines: np.ndarray) -> np.ndarray:
    """x, y, z of the 'v' lines ``lines`` (a w or colour after them is ignored)."""
    arguments = text.arguments(lines)
    counts = _per_line(_word_starts(arguments), arguments, len(lines))
    _short_line(counts, lines, 3, "a vertex needs three coordinates")
    values = _numbers(arguments, np.float64, "v")
    return values[(np.cumsum(counts) - counts)[:, None] + np.arange(3)]


def _corners(text: _Lines, lines: np.ndarray, name: str, max_triangles: int) -> tuple[np.ndarray, np.ndarray]:
    """The vertex number (as written) of every corner of the 'f' lines ``lines``, and the corner count of each.

    Texture and normal numbers after a slash are read too, then dropped: a vertex number follows a blank.
    """
    arguments = text.arguments(lines)
    numbers = arguments.translate(SLASHES_TO_BLANKS)
    starts = _word_starts(numbers)
    vertex = np.frombuffer(arguments, dtype=np.uint8)[starts - 1] != SLASH
    counts = _per_line(starts[vertex], numbers, len(lines))
    _short_line(counts, lines, 3, "a face needs at least three corners")
    check_triangle_count(int((counts - 2).sum()), name, max_triangles)
    return _numbers(numbers, np.int64, "f")[vertex], counts


def _resolved(corners: np.ndarray, counts: np.ndarray, face_lines: np.ndarray, vertex_lines: np.ndarray,
              name: str) -> np.ndarray:
    """Corners as positions in the vertex list: 1 is the first vertex, -1 the last one written before the face."""
    line_of_corner = np.repeat(face_lines, counts)
    before = np.searchsorted(vertex_lines, line_of_corner)
    resolved = np.where(corners < 0, before + corners, corners - 1)
    wrong = np.flatnonzero((resolved < 0) | (resolved >= len(vertex_lines)))
    if len(wrong):
        raise BadInput("model_index_out_of_range",
                       _("{file}: the face on line {line} refers to vertex {index}, which does not exist (the file has "
                         "{count} vertices, counted from 1). Export the model again.")
                       .format(file=name, line=line_of_corner[wrong[0]] + 1, index=corners[wrong[0]],
                               count=len(vertex_lines)), file=name)
    return resolved


def read_obj(path: Path, name: str, max_triangles: int = MAX_TRIANGLES) -> Mesh:
    """Read the vertices and faces of an OBJ file (polygons fanned into triangles), merging identical corners."""
    text = _Lines.of(_unindented(path.read_bytes()) + b"\n")
    vertex_lines, face_lines = text.starting_with(b"v"), text.starting_with(b"f")
    if not len(face_lines):
        raise ValueError("it holds no faces ('f' lines)")
    corners, counts = _corners(text, face_lines, name, max_triangles)
    resolved = _resolved(corners, counts, face_lines, vertex_lines, name)
    vertices = _vertices(text, vertex_lines)
    check_finite(vertices, name)
    return welded(Mesh(vertices, resolved[_fan(counts)]))
