"""Small pictures for OctoPrint's file list: pictures themselves, SVG outlines, models and G-code previews."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import BadInput
from ..geometry import outline
from ..geometry.files import READ_MODEL_EXTENSIONS, read_mesh
from ..imaging.file_limits import read_bounded
from ..imaging.svg import MAX_SVG_BYTES, load_svg
from ..slicing.gcode import GCODE_EXTENSIONS
from .shading import render

SIZE = (160, 120)
GCODE_THUMBNAIL = re.compile(r"; thumbnail begin (\d+)x(\d+) \d+\n(.*?); thumbnail end", re.S)
GCODE_HEAD_BYTES = 512 * 1024
MAX_MODEL_BYTES = 30 * 1024 * 1024


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _picture(path: Path) -> bytes | None:
    try:
        with Image.open(path) as image:
            if image.format == "JPEG":
                image.draft("RGB", SIZE)
            picture = ImageOps.exif_transpose(image).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    picture.thumbnail(SIZE)
    return _png(picture)


def _drawing(path: Path) -> bytes | None:
    try:
        region = load_svg(read_bounded(path, MAX_SVG_BYTES, path.name), path.name, 0.2).region
    except BadInput:
        return None
    x0, y0, x1, y1 = outline.bounds(region)
    scale = min((SIZE[0] - 8) / max(x1 - x0, 1e-9), (SIZE[1] - 8) / max(y1 - y0, 1e-9))
    shape = Image.fromarray(outline.mask(region, scale).astype(np.uint8) * 255, "L")
    image = Image.new("RGBA", SIZE)
    image.paste((40, 40, 40, 255), ((SIZE[0] - shape.width) // 2, (SIZE[1] - shape.height) // 2), shape)
    return _png(image)


def _gcode(path: Path) -> bytes | None:
    with open(path, "rb") as gcode:
        head = gcode.read(GCODE_HEAD_BYTES).decode("utf-8", errors="replace")
    found = GCODE_THUMBNAIL.findall(head)
    if not found:
        return None
    _w, _h, data = max(found, key=lambda f: int(f[0]) * int(f[1]))
    return base64.b64decode("".join(line[2:] for line in data.splitlines()))


def _model(path: Path, name: str) -> bytes | None:
    """The shaded model, for models small enough to read while the file list waits."""
    if path.stat().st_size > MAX_MODEL_BYTES:
        return None
    try:
        return _png(render(read_mesh(path, name), *SIZE))
    except BadInput:
        return None


def file_thumbnail(path: Path, name: str) -> bytes | None:
    """PNG bytes of a file's preview, or None when it has none."""
    suffix = Path(name).suffix.lower()
    if suffix in GCODE_EXTENSIONS:
        return _gcode(path)
    if suffix in READ_MODEL_EXTENSIONS:
        return _model(path, name)
    if suffix == ".svg":
        return _drawing(path)
    return _picture(path)
