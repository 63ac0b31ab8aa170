"""Open an image of any format users send and turn it into lightness, background and raw values."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from ..errors import BadInput
from ..i18n import N_, _
from .file_limits import MAX_PICTURE_BYTES, require_file, require_size
from .geotiff import GeoTags, read_geotags

ImageFile.LOAD_TRUNCATED_IMAGES = False
ISO_MEDIA_BRAND = slice(4, 8)  # HEIC and other ISO media files say "ftyp" here

DEFAULT_MAX_MEGAPIXELS = 64.0
ALPHA_BACKGROUND = 0.5
EXIF_ORIENTATION = 0x0112
TURNING_ORIENTATIONS = (5, 6, 7, 8)
REDUCIBLE_MODES = ("L", "LA", "RGB", "RGBA", "CMYK")
SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
# a JPEG codes each 8 x 8 block of pixels in at least a few bits (its DC step and end of block); one that holds
# less than one bit a block is cut off, and its decoder would fill the rest with grey without a word
JPEG_MIN_BITS_PER_BLOCK = 1


CUT_OFF = N_("the file ends before all of the picture's data")
BROKEN = N_("the picture's data is broken")
# Pillow's English reasons for a damaged picture, and img2print's own words for them
PILLOW_REASONS = ((re.compile(r"image file is truncated(?: \(\d+ bytes not processed\))?|Truncated File Read"),
                   CUT_OFF),
                  (re.compile(r"broken data stream when reading image file"), BROKEN))


def _in_own_words(reason: str) -> str:
    """A decoder's reason with Pillow's English ones (a cut-off picture's "image file is truncated ...") in
    img2print's own, translated words."""
    for pattern, words in PILLOW_REASONS:
        reason = pattern.sub(lambda _found, words=words: _(words), reason)
    return reason


@dataclass
class Picture:
    """An image in memory: sRGB-encoded lightness 0..1, a background mask, raw values for elevation maps, a
    GeoTIFF's own tags (pixel size, no-data), and its colours where they are asked for."""

    name: str
    lightness: np.ndarray
    background: np.ndarray
    values: np.ndarray | None
    source_size: tuple[int, int]
    geo: GeoTags | None = None
    colour: np.ndarray | None = None  # sRGB 0-255 (rows, columns, 3), kept for a mode that reads colour

    def crop(self, window: tuple[slice, slice]) -> None:
        """Keep only ``window`` (rows, columns) of every array."""
        self.replace(lambda array: array[window])

    def replace(self, change: Callable[[np.ndarray], np.ndarray]) -> None:
        """Change every array the same way (a crop, a quarter turn)."""
        self.lightness, self.background = change(self.lightness), change(self.background)
        if self.values is not None:
            self.values = change(self.values)
        if self.colour is not None:
            self.colour = change(self.colour)


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """Decode sRGB 0..1 to linear light 0..1 (the sRGB standard's curve)."""
    srgb = np.asarray(srgb, dtype=np.float64)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


SRGB_TO_LINEAR = srgb_to_linear(np.arange(256) / 255.0).astype(np.float32)
REC709 = (0.2126, 0.7152, 0.0722)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Encode linear light 0..1 with the sRGB curve (in place where possible), in the array's own precision."""
    np.clip(linear, 0.0, 1.0, out=linear)
    low = linear <= 0.0031308
    encoded = np.power(linear, 1 / 2.4, dtype=linear.dtype)
    encoded *= 1.055
    encoded -= 0.055
    encoded[low] = linear[low] * 12.92
    return encoded


def luminance(rgb: np.ndarray) -> np.ndarray:
    """Perceptual lightness of 8-bit sRGB pixels: linear-light Rec. 709 luminance, sRGB-encoded again."""
    y = SRGB_TO_LINEAR[rgb[..., 0]] * np.float32(REC709[0])
    y += SRGB_TO_LINEAR[rgb[..., 1]] * np.float32(REC709[1])
    y += SRGB_TO_LINEAR[rgb[..., 2]] * np.float32(REC709[2])
    return linear_to_srgb(y)


def _heif_when_needed(head: bytes) -> None:
    """Teach Pillow HEIC (pillow-heif) when a file is one; other pictures never import it."""
    if head[ISO_MEDIA_BRAND] == b"ftyp":
        import pillow_heif

        pillow_heif.register_heif_opener()


def _open(source: bytes | Path, name: str) -> Image.Image:
    """Open the image header, or raise a BadInput error that names the file."""
    if isinstance(source, Path):
        require_file(source, name)
        if source.stat().st_size == 0:
            raise BadInput("empty_file", _("{file}: the file is empty.").format(file=name), file=name)
        require_size(source, MAX_PICTURE_BYTES, name)
        stream = source
    else:
        if not source:
            raise BadInput("empty_file", _("{file}: the file is empty.").format(file=name), file=name)
        stream = io.BytesIO(source)
    with open(stream, "rb") if isinstance(stream, Path) else io.BytesIO(source[:16]) as head:
        _heif_when_needed(head.read(16))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(stream)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        if isinstance(error, UnidentifiedImageError):
            raise BadInput("not_an_image", _("{file}: this is not an image img2print can read. Send a PNG, JPEG, "
                                              "WebP, HEIC, GIF, BMP or TIFF file.").format(file=name),
                           file=name) from error
        raise BadInput("image_too_large", _("{file}: the image has too many pixels to be safe to open.")
                       .format(file=name), file=name) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise BadInput("image_damaged", _("{file}: the image is damaged and cannot be read ({reason}).")
                       .format(file=name, reason=error), file=name) from error


def _check_data(image: Image.Image, name: str, size: int) -> None:
    """Refuse a JPEG that holds too little data for the pixels it declares (cut off, or lying about its size)."""
    width, height = image.size
    if image.format == "JPEG" and size * 8 < width * height / 64 * JPEG_MIN_BITS_PER_BLOCK:
        raise BadInput("image_damaged", _("{file}: the image is damaged or truncated: {size} bytes cannot hold its "
                                          "{width} x {height} pixels. Export or download it again.")
                       .format(file=name, size=size, width=width, height=height), file=name)


def _check_pixels(image: Image.Image, name: str, max_megapixels: float) -> None:
    width, height = image.size
    if width * height > max_megapixels * 1e6:
        raise BadInput("image_too_large",
                       _("{file}: the image has {megapixels:.1f} megapixels, more than the limit of {limit:g}. "
                         "Scale it down before sending it.").format(file=name, megapixels=width * height / 1e6,
                                                                   limit=max_megapixels),
                       file=name, megapixels=width * height / 1e6, limit=max_megapixels)
    if width < 2 or height < 2:
        raise BadInput("image_too_small", _("{file}: the image is only {width} x {height} pixels.")
                       .format(file=name, width=width, height=height), file=name)


def _no_data(values: np.ndarray, nodata: float | None) -> np.ndarray:
    """Mark NaN, infinities and the file's no-data value, and give those pixels the lowest real value (in place)."""
    missing = ~np.isfinite(values)
    if nodata is not None:
        missing |= values == np.float32(nodata)
    if missing.any():
        values[missing] = 0.0 if missing.all() else values[~missing].min()
    return missing


def _colour(image: Image.Image) -> np.ndarray:
    """The image's sRGB colours, 0-255 (grey and 16-bit images as grey)."""
    if image.mode in SIXTEEN_BIT_MODES or image.mode == "F":
        values = np.asarray(image, dtype=np.float32)
        grey = np.clip(values / (65535.0 if values.max() > 255 else 255.0) * 255.0, 0, 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=-1)
    return np.asarray(image.convert("RGB"))


def _arrays(image: Image.Image, keep_values: bool,
            nodata: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Lightness, background mask and (if asked) raw single-channel values of a decoded image; no-data pixels
    of a 16-bit or float image are background."""
    mode = image.mode
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if mode in SIXTEEN_BIT_MODES or mode == "F":
        values = np.array(image, dtype=np.float32)
        background = _no_data(values, nodata)
        full_scale = 65535.0 if mode.startswith("I;16") or values.max() > 255 else 255.0
        if mode == "F":
            span = float(values.max() - values.min()) or 1.0
            lightness = (values - values.min()) / span
        else:
            lightness = np.clip(values / full_scale, 0.0, 1.0)
        return lightness.astype(np.float32), background, values if keep_values else None
    if mode in ("1", "L", "LA") or (mode in ("P", "PA") and _palette_is_grey(image)):
        grey = image.convert("LA" if has_alpha else "L")
        array = np.asarray(grey)
        channel = array[..., 0] if has_alpha else array
        lightness = channel.astype(np.float32) / 255.0
        alpha = array[..., 1] if has_alpha else None
    else:
        colour = image.convert("RGBA" if has_alpha else "RGB")
        array = np.asarray(colour)
        lightness = luminance(array)
        alpha = array[..., 3] if has_alpha else None
    background = alpha < ALPHA_BACKGROUND * 255 if alpha is not None else np.zeros(lightness.shape, dtype=bool)
    values = lightness * np.float32(255.0) if keep_values else None
    return lightness, background, values


def _palette_is_grey(image: Image.Image) -> bool:
    palette = np.asarray(image.getpalette() or [], dtype=np.int32).reshape(-1, 3)
    return bool(len(palette)) and bool((palette.max(axis=1) == palette.min(axis=1)).all())


def _reduced(image: Image.Image, needed_size: tuple[int, int] | None) -> Image.Image:
    """Shrink a decoded image by a whole factor (box filter) while it keeps at least ``needed_size`` pixels."""
    if not needed_size or image.mode not in REDUCIBLE_MODES:
        return image
    factor = min(image.width // max(1, needed_size[0]), image.height // max(1, needed_size[1]))
    return image.reduce(factor) if factor >= 2 else image


def load_picture(source: bytes | Path, name: str | None = None, *, max_megapixels: float = DEFAULT_MAX_MEGAPIXELS,
                 needed_size: tuple[int, int] | None = None, keep_values: bool = False,
                 keep_colour: bool = False) -> Picture:
    """Decode ``source`` (bytes or a path) into a Picture, honouring EXIF orientation; GIFs give their first frame.

    ``needed_size`` (columns, rows, as displayed) lets large JPEGs decode at a reduced scale that still has at
    least that many pixels. A TIFF's GeoTIFF tags are read too: its no-data pixels (and NaN) become background.
    """
    name = name or (source.name if isinstance(source, Path) else "image")
    image = _open(source, name)
    _check_pixels(image, name, max_megapixels)
    _check_data(image, name, len(source) if isinstance(source, bytes) else source.stat().st_size)
    source_size = image.size
    geo = read_geotags(source) if image.format == "TIFF" else None
    try:
        orientation = image.getexif().get(EXIF_ORIENTATION, 1)
        if needed_size and image.format == "JPEG":
            image.draft(image.mode, needed_size[::-1] if orientation in TURNING_ORIENTATIONS else needed_size)
        if orientation != 1:  # turning copies the whole picture: only when the camera says so
            image = ImageOps.exif_transpose(image)
        image.load()
        image = _reduced(image, needed_size)
        lightness, background, values = _arrays(image, keep_values, geo.nodata if geo else None)
        colour = _colour(image) if keep_colour else None
        if background.all() and (image.mode in SIXTEEN_BIT_MODES or image.mode == "F"):
            raise BadInput("image_no_data", _("{file}: every pixel of the image is no-data (NaN, infinite or the "
                                              "file's no-data value); there is nothing to make a solid of.")
                           .format(file=name), file=name)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise BadInput("image_damaged",
                       _("{file}: the image is damaged or truncated and cannot be read ({reason}). "
                         "Export or download it again.").format(file=name, reason=_in_own_words(str(error))),
                       file=name) from error
    return Picture(name, lightness, background, values, source_size, geo, colour)
