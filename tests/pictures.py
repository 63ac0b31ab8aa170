"""Real image files of every format users send, written with Pillow and pillow-heif (no binary fixtures)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()


def photo_like(width: int, height: int, seed: int = 1) -> np.ndarray:
    """An 8-bit RGB picture with smooth gradients, shapes with hard edges and a little sensor noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    sky = 200 - 120 * y / height
    rgb = np.stack([sky * 0.8, sky * 0.9, sky + 30], axis=-1)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.05, 0.2) * width
        inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r
        shade = 1 - 0.5 * np.hypot(x - cx, y - cy) / r
        rgb[inside] = (rng.uniform(30, 230, 3)[None, :] * shade[inside][:, None])
    rgb += rng.normal(0, 1.5, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def halves(width: int = 120, height: int = 80) -> np.ndarray:
    """Greyscale: left half black, right half white."""
    grey = np.full((height, width), 255, dtype=np.uint8)
    grey[:, : width // 2] = 0
    return grey


def save(array_or_image: np.ndarray | Image.Image, path: Path, **params) -> Path:
    """Save an array or image with Pillow (format from the extension) and return the path."""
    image = array_or_image if isinstance(array_or_image, Image.Image) else Image.fromarray(array_or_image)
    image.save(path, **params)
    return path


def with_orientation(image: Image.Image, path: Path, orientation: int) -> Path:
    """Save a JPEG whose EXIF orientation tag asks viewers to rotate it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, exif=exif.tobytes())
    return path


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` x ``height`` pixels and has no image data (a decompression bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path
