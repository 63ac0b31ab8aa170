"""A preview picture of the model inside the G-code, in the form OctoPrint's thumbnail plugins read."""

from __future__ import annotations

import base64
import io
import os
import shutil
from pathlib import Path

from ..geometry.mesh import Mesh
from .shading import render

SIZES = ((16, 16), (220, 124))


def thumbnail_block(mesh: Mesh) -> str:
    """G-code comment lines with base64 PNG previews (PrusaSlicer's thumbnail format)."""
    blocks = []
    for width, height in SIZES:
        buffer = io.BytesIO()
        render(mesh, width, height).save(buffer, format="PNG", optimize=True)
        encoded = base64.b64encode(buffer.getvalue()).decode()
        lines = [f"; {encoded[i:i + 78]}" for i in range(0, len(encoded), 78)]
        blocks.append("\n".join([";", f"; thumbnail begin {width}x{height} {len(encoded)}", *lines,
                                 "; thumbnail end", ";"]))
    return "\n".join(blocks) + "\n"


def embed(gcode: Path, block: str) -> None:
    """Put the previews (``thumbnail_block``'s lines) after the G-code's first line (where PrusaSlicer puts its
    own)."""
    staged = gcode.with_name(gcode.name + ".thumb")
    try:
        with open(gcode, "rb") as source, open(staged, "wb") as target:
            target.write(source.readline())
            target.write(block.encode())
            shutil.copyfileobj(source, target, 1024 * 1024)
        os.replace(staged, gcode)
    finally:
        staged.unlink(missing_ok=True)
