"""SVG attribute and property values: numbers, lengths with their units, transforms and colours.

Values that do not parse give None (or an empty list), which the caller treats as the SVG specification treats a
declaration in error: as if it were not there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
LENGTH = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]+|%)?\s*$")
TRANSFORM = re.compile(r"\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)\s*,?")
ARGUMENT = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(deg|rad|grad|turn|px)?(?![a-zA-Z%])")
DEGREES_PER = {"deg": 1.0, "rad": 180 / math.pi, "grad": 0.9, "turn": 360.0}
CSS_FUNCTION = re.compile(r"^\s*(rgba?|hsla?)\s*\((.*)\)\s*$", re.IGNORECASE)
PX_PER_UNIT = {"": 1.0, "px": 1.0, "in": 96.0, "cm": 96.0 / 2.54, "mm": 96.0 / 25.4, "q": 96.0 / 101.6,
               "pt": 96.0 / 72.0, "pc": 16.0}
FONT_SIZE_KEYWORDS = {"xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0,
                      "x-large": 24.0, "xx-large": 32.0, "xxx-large": 48.0}
DEFAULT_FONT_SIZE = 16.0
ALIGNMENTS = {"min": 0.0, "mid": 0.5, "max": 1.0}
TRANSFORM_ARGUMENTS = {"matrix": (6,), "translate": (1, 2), "scale": (1, 2), "rotate": (1, 3), "skewX": (1,),
                       "skewY": (1,)}


@dataclass(frozen=True)
class Lengths:
    """What relative lengths are relative to: the viewport (px), the element's font size and the root's."""

    width: float
    height: float
    font_size: float = DEFAULT_FONT_SIZE
    root_font_size: float = DEFAULT_FONT_SIZE
    root_width: float = 0.0
    root_height: float = 0.0

    @property
    def diagonal(self) -> float:
        """The normalised diagonal that percentages of neither width nor height refer to."""
        return math.sqrt((self.width ** 2 + self.height ** 2) / 2)

    def px(self, text: str | None, axis: str = "xy") -> float | None:
        """A length in px; ``axis`` says what a percentage is of: "x" width, "y" height, "xy" the diagonal."""
        if text is None:
            return None
        match = LENGTH.match(str(text))
        if match is None:
            return None
        value, unit = float(match.group(1)), (match.group(2) or "").lower()
        if unit in PX_PER_UNIT:
            result = value * PX_PER_UNIT[unit]
        elif unit == "%":
            result = value / 100 * {"x": self.width, "y": self.height}.get(axis, self.diagonal)
        else:
            relative = {"em": self.font_size, "ex": self.font_size / 2, "rem": self.root_font_size,
                        "vw": self.root_width / 100, "vh": self.root_height / 100,
                        "vmin": min(self.root_width, self.root_height) / 100,
                        "vmax": max(self.root_width, self.root_height) / 100}.get(unit)
            if relative is None:
                return None
            result = value * relative
        return result if math.isfinite(result) else None

    def within(self, width: float, height: float) -> Lengths:
        """The same lengths inside a new viewport."""
        return Lengths(width, height, self.font_size, self.root_font_size, self.root_width, self.root_height)

    def with_font_size(self, size: float) -> Lengths:
        """The same lengths for an element of another font size."""
        return Lengths(self.width, self.height, size, self.root_font_size, self.root_width, self.root_height)


def numbers(text: str | None) -> list[float]:
    """Every number in a list such as ``points`` or ``viewBox`` (commas or spaces between)."""
    return [float(n) for n in NUMBER.findall(text or "")]


def strict_numbers(text: str | None) -> list[float]:
    """A list of plain numbers (such as a text's rotate); empty when anything else is in it (in error)."""
    words = (text or "").replace(",", " ").split()
    return [float(w) for w in words] if all(NUMBER.fullmatch(w) for w in words) else []


def font_size(text: str | None, lengths: Lengths, parent: float) -> float:
    """A computed font size in px: keywords, lengths, and em and percentages of the parent's size."""
    if text is None:
        return parent
    word = str(text).strip().lower()
    if word in FONT_SIZE_KEYWORDS:
        return FONT_SIZE_KEYWORDS[word]
    if word in ("larger", "smaller"):
        return parent * (1.2 if word == "larger" else 1 / 1.2)
    size = parent * float(word[:-1]) / 100 if NUMBER.fullmatch(word[:-1]) and word.endswith("%") \
        else lengths.with_font_size(parent).px(word)
    return size if size is not None and size >= 0 else parent


def matrix(a: float, b: float, c: float, d: float, e: float, f: float) -> np.ndarray:
    """SVG's matrix(a b c d e f) as a 3 x 3 matrix for column points."""
    return np.array([[a, c, e], [b, d, f], [0.0, 0.0, 1.0]])


def translation(x: float, y: float) -> np.ndarray:
    """A move by (x, y)."""
    return matrix(1, 0, 0, 1, x, y)


def _one(name: str, values: list[float]) -> np.ndarray:
    if name == "matrix":
        return matrix(*values)
    if name == "translate":
        return translation(values[0], values[1] if len(values) > 1 else 0.0)
    if name == "scale":
        return matrix(values[0], 0, 0, values[1] if len(values) > 1 else values[0], 0, 0)
    if name == "rotate":
        turn = math.radians(values[0])
        centre = values[1:3] if len(values) == 3 else [0.0, 0.0]
        cos, sin = math.cos(turn), math.sin(turn)
        return translation(*centre) @ matrix(cos, sin, -sin, cos, 0, 0) @ translation(-centre[0], -centre[1])
    slant = math.tan(math.radians(values[0]))
    return matrix(1, 0, slant, 1, 0, 0) if name == "skewX" else matrix(1, slant, 0, 1, 0, 0)


def _arguments(text: str) -> list[float] | None:
    """A transform function's arguments: numbers, px lengths, and angles in degrees (deg, rad, grad or turn as
    CSS writes them); None when anything else is there."""
    found = list(ARGUMENT.finditer(text))
    if ARGUMENT.sub("", text).replace(",", "").strip():
        return None
    return [float(m.group(1)) * DEGREES_PER.get(m.group(2) or "", 1.0) for m in found]


def transform(text: str | None) -> np.ndarray | None:
    """A transform list (SVG's attribute, or CSS's property with units) as one matrix; identity for none, None
    for one in error (the element is then drawn without it, as browsers do)."""
    result = np.eye(3)
    text = (text or "").strip()
    if text == "none":
        return result
    position = 0
    while position < len(text):
        match = TRANSFORM.match(text, position)
        if match is None:
            return None
        values = _arguments(match.group(2))
        if values is None:
            return None
        if len(values) not in TRANSFORM_ARGUMENTS[match.group(1)]:
            return None
        result = result @ _one(match.group(1), values)
        position = match.end()
    return result


def _channel(text: str, scale: float) -> float | None:
    """One colour channel 0..1 from a number on ``scale`` or a percentage."""
    text = text.strip()
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text) / scale
    except ValueError:
        return None
    return min(1.0, max(0.0, value)) if math.isfinite(value) else None


def _hsl(hue: float, saturation: float, lightness: float) -> tuple[float, float, float]:
    """CSS's hsl() as r, g, b (0..1)."""
    def channel(n: float) -> float:
        k = (n + hue / 30) % 12
        a = saturation * min(lightness, 1 - lightness)
        return lightness - a * max(-1.0, min(k - 3, 9 - k, 1.0))
    return channel(0), channel(8), channel(4)


def _function_colour(name: str, body: str) -> tuple[float, float, float, float] | None:
    """rgb()/rgba()/hsl()/hsla() with commas or spaces, numbers or percentages, and an optional alpha."""
    parts = [p for p in re.split(r"\s*[,/]\s*|\s+", body.strip()) if p]
    if len(parts) not in (3, 4):
        return None
    alpha = _channel(parts[3], 1.0) if len(parts) == 4 else 1.0
    if name.lower().startswith("rgb"):
        channels = [_channel(p, 255.0) for p in parts[:3]]
        if alpha is None or None in channels:
            return None
        return (*channels, alpha)  # type: ignore[return-value]
    saturation, lightness = _channel(parts[1], 100.0), _channel(parts[2], 100.0)
    try:
        hue = float(parts[0].removesuffix("deg"))
    except ValueError:
        return None
    if alpha is None or saturation is None or lightness is None:
        return None
    return (*_hsl(hue % 360, saturation, lightness), alpha)


def colour(text: str) -> tuple[float, float, float, float] | None:
    """A CSS colour as r, g, b, alpha (0..1); None for one that is not a colour (``currentColor`` included)."""
    from PIL import ImageColor

    word = text.strip().lower()
    if word == "transparent":
        return 0.0, 0.0, 0.0, 0.0
    function = CSS_FUNCTION.match(word)
    if function:
        return _function_colour(function.group(1), function.group(2))
    if word.startswith("#") and len(word) in (4, 5, 7, 9) and all(c in "0123456789abcdef" for c in word[1:]):
        digits = word[1:] if len(word) > 5 else "".join(c * 2 for c in word[1:])
        values = [int(digits[i:i + 2], 16) / 255 for i in range(0, len(digits), 2)]
        return values[0], values[1], values[2], values[3] if len(values) == 4 else 1.0
    named = ImageColor.colormap.get(word)
    return colour(named) if isinstance(named, str) else None


def transform_origin(text: str, lengths: Lengths) -> tuple[float, float]:
    """A transform-origin in px: one or two lengths, percentages or keywords (CSS's order rules)."""
    words = text.replace(",", " ").split()[:2] or ["0", "0"]
    vertical, horizontal = {"top": "0%", "bottom": "100%"}, {"left": "0%", "right": "100%"}
    if len(words) == 1:
        word = words[0].lower()
        words = ["50%", vertical[word]] if word in vertical else [horizontal.get(word, word), "50%"]
    elif words[0].lower() in vertical or words[1].lower() in horizontal:
        words = [words[1], words[0]]
    x, y = ({**horizontal, "center": "50%"}.get(words[0].lower(), words[0]),
            {**vertical, "center": "50%"}.get(words[1].lower(), words[1]))
    return lengths.px(x, "x") or 0.0, lengths.px(y, "y") or 0.0


def viewbox_matrix(box: list[float], width: float, height: float, aspect: str | None) -> np.ndarray:
    """The viewBox's user units into a viewport of ``width`` x ``height`` (preserveAspectRatio)."""
    vx, vy, vw, vh = box
    words = (aspect or "xMidYMid meet").split()
    align = words[0] if words else "xMidYMid"
    sx, sy = width / vw, height / vh
    if align != "none":
        sx = sy = max(sx, sy) if len(words) > 1 and words[1] == "slice" else min(sx, sy)
    tx, ty = -vx * sx, -vy * sy
    if align != "none" and len(align) == 8:
        tx += (width - vw * sx) * ALIGNMENTS.get(align[1:4].lower(), 0.5)
        ty += (height - vh * sy) * ALIGNMENTS.get(align[5:8].lower(), 0.5)
    return matrix(sx, 0, 0, sy, tx, ty)
