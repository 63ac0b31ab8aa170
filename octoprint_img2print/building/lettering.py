"""The words of a --text option as an SVG drawing, so that they go through the same reader as any drawing."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

LINE_SPACING = 1.2  # lines of --text this many font sizes apart


def text_drawing(text: str, font: str, size_mm: float, bold: bool) -> bytes:
    """An SVG with ``text`` (one line per new line, centred) in ``font`` at ``size_mm``, black on white."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    spans = "".join(f'<tspan x="0" y="{(index * LINE_SPACING) * size_mm:.4f}mm">{escape(line)}</tspan>'
                    for index, line in enumerate(lines))
    weight = "bold" if bold else "normal"
    return (f'<svg xmlns="http://www.w3.org/2000/svg"><text font-family={quoteattr(font)} font-weight="{weight}" '
            f'font-size="{size_mm:.4f}mm" text-anchor="middle">{spans}</text></svg>'
            ).encode()
