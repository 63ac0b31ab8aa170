"""Real logo pictures and SVG documents for the vector-mode tests (written, not stored)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont


def letters(path: Path, text: str = "AOB8") -> Path:
    """Black letters with counters on white, drawn with Pillow's bundled FreeType font."""
    image = Image.new("L", (120 * len(text), 170), 255)
    ImageDraw.Draw(image).text((10, 10), text, font=ImageFont.load_default(size=140), fill=0)
    image.save(path)
    return path


def shapes(path: Path, size: tuple[int, int] = (400, 200), background: int | None = 255, **params) -> Path:
    """A disk with a hole and a square, black on white (or on transparency when background is None)."""
    mode = "L" if background is not None else "LA"
    image = Image.new(mode, size, background if background is not None else (0, 0))
    draw = ImageDraw.Draw(image)
    scale = size[0] / 400
    ink = 0 if background is not None else (0, 255)
    paper = 255 if background is not None else (0, 0)
    draw.ellipse([v * scale for v in (20, 20, 180, 180)], fill=ink)
    draw.ellipse([v * scale for v in (60, 60, 140, 140)], fill=paper)
    draw.rectangle([v * scale for v in (240, 40, 360, 160)], fill=ink)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image = image.convert("RGB")
    image.save(path, **params)
    return path


def tiny_blurry(path: Path) -> Path:
    """A 64 x 40 pixel logo, blurred and saved as a low-quality JPEG, as phones forward them."""
    image = Image.new("L", (64, 40), 255)
    ImageDraw.Draw(image).ellipse((4, 4, 36, 36), fill=0)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    image.convert("RGB").save(path, quality=60)
    return path


def svg(path: Path, body: str, attributes: str = 'width="100mm" height="50mm" viewBox="0 0 100 50"') -> Path:
    """An SVG document with the given root attributes and content."""
    path.write_text(f'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
                    f'xmlns:xlink="http://www.w3.org/1999/xlink" {attributes}>{body}</svg>\n')
    return path


def boxes(path: Path, size: tuple[int, int], ink: list[tuple[int, int, int, int]],
          paper: list[tuple[int, int, int, int]] = ()) -> Path:
    """White picture with black rectangles (``ink``), then white ones cut back into them (``paper``)."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    for box in ink:
        draw.rectangle(box, fill=0)
    for box in paper:
        draw.rectangle(box, fill=255)
    image.save(path)
    return path
