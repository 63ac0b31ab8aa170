"""The picture files img2print reads, by extension: one place for the upload checks, OctoPrint's file types, the
batch's folders and the pages' file pickers."""

from __future__ import annotations

from pathlib import Path

RASTER_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff", "heic", "heif")
DRAWING_EXTENSIONS = ("svg",)
PICTURE_EXTENSIONS = RASTER_EXTENSIONS + DRAWING_EXTENSIONS


def is_picture(name: str) -> bool:
    """True for the picture and drawing types img2print converts."""
    return Path(name).suffix.lower().lstrip(".") in PICTURE_EXTENSIONS


def accepted(extensions: tuple[str, ...]) -> str:
    """A file picker's ``accept``: every image a phone's camera gives, and these extensions (HEIC and SVG, which
    some browsers do not count as images)."""
    return ",".join(["image/*", *(f".{extension.lstrip('.')}" for extension in extensions)])
