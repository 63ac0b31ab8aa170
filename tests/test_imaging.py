"""Every image format users send loads with the right orientation, tones and background."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import halves, photo_like, save, with_orientation
from PIL import Image

from octoprint_img2print.imaging.load import load_picture
from octoprint_img2print.imaging.prepare import crop_to_subject, mark_white_background

FORMATS = ["png", "jpg", "webp", "bmp", "gif", "tif", "heic"]


@pytest.mark.parametrize("extension", FORMATS)
def test_every_format_loads_with_left_dark_and_right_light(tmp_path, extension):
    path = save(Image.fromarray(halves()).convert("RGB"), tmp_path / f"halves.{extension}")
    picture = load_picture(path)
    assert picture.lightness.shape == (80, 120)
    assert picture.lightness[:, :50].mean() < 0.05
    assert picture.lightness[:, 70:].mean() > 0.95


def test_png_sixteen_bit_keeps_its_precision(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 300).astype(np.uint16), (20, 1))
    picture = load_picture(save(Image.fromarray(ramp), tmp_path / "ramp16.png"), keep_values=True)
    assert len(np.unique(picture.values)) == 300
    assert picture.values.max() == pytest.approx(65535)
    assert picture.lightness.max() == pytest.approx(1.0)


def test_palette_png_and_greyscale_png(tmp_path):
    palette = Image.fromarray(photo_like(64, 48)).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    grey = Image.fromarray(halves()).convert("L")
    assert load_picture(save(palette, tmp_path / "palette.png")).lightness.shape == (48, 64)
    assert load_picture(save(grey, tmp_path / "grey.png")).lightness[:, -1].mean() == pytest.approx(1.0)


def test_transparent_pixels_are_background(tmp_path):
    rgba = np.zeros((40, 60, 4), dtype=np.uint8)
    rgba[10:30, 20:40] = (0, 0, 0, 255)
    picture = load_picture(save(rgba, tmp_path / "logo.png"))
    assert picture.background.sum() == 40 * 60 - 20 * 20
    crop_to_subject(picture)
    assert picture.lightness.shape == (20, 20)


def test_palette_transparency_is_background(tmp_path):
    image = Image.new("P", (30, 20), 0)
    image.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)
    image.paste(1, (10, 5, 20, 15))
    image.info["transparency"] = 0
    picture = load_picture(save(image, tmp_path / "pal.png", transparency=0))
    assert picture.background.sum() == 30 * 20 - 100


def test_white_background_touching_the_border_is_background_but_white_inside_is_not(tmp_path):
    grey = np.full((50, 50), 255, dtype=np.uint8)
    grey[10:40, 10:40] = 0
    grey[20:30, 20:30] = 255
    picture = load_picture(save(grey, tmp_path / "ring.png"))
    mark_white_background(picture)
    assert picture.background[0, 0] and not picture.background[25, 25] and not picture.background[15, 15]


def test_jpeg_exif_orientation_is_honoured(tmp_path):
    wide = Image.fromarray(halves(120, 80)).convert("RGB")
    picture = load_picture(with_orientation(wide, tmp_path / "rotated.jpg", 6))
    assert picture.lightness.shape == (120, 80)
    assert picture.lightness[:50].mean() < 0.1 and picture.lightness[70:].mean() > 0.9


def test_heic_from_a_phone_with_orientation(tmp_path):
    wide = Image.fromarray(halves(120, 80)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 8
    path = tmp_path / "IMG_0001.HEIC"
    wide.save(path, format="HEIF", exif=exif.tobytes())
    picture = load_picture(path)
    assert picture.lightness.shape == (120, 80)
    assert picture.lightness[:50].mean() > 0.9 and picture.lightness[70:].mean() < 0.1


def test_cmyk_jpeg_has_the_same_tones_as_rgb(tmp_path):
    rgb = Image.fromarray(photo_like(80, 60))
    picture_rgb = load_picture(save(rgb, tmp_path / "rgb.jpg", quality=95))
    picture_cmyk = load_picture(save(rgb.convert("CMYK"), tmp_path / "cmyk.jpg", quality=95))
    assert np.abs(picture_rgb.lightness - picture_cmyk.lightness).mean() < 0.03


def test_gif_gives_its_first_frame(tmp_path):
    frames = [Image.fromarray(np.full((20, 20), v, dtype=np.uint8)).convert("P") for v in (0, 255)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert load_picture(path).lightness.mean() < 0.05


def test_colour_to_luminance_weights_green_over_red_over_blue_in_linear_light(tmp_path):
    strip = np.zeros((10, 40, 3), dtype=np.uint8)
    strip[:, 0:10] = (255, 0, 0)
    strip[:, 10:20] = (0, 255, 0)
    strip[:, 20:30] = (0, 0, 255)
    strip[:, 30:40] = (128, 128, 128)
    light = load_picture(save(strip, tmp_path / "rgb.png")).lightness[0, ::10]
    assert light[1] > light[0] > light[2]
    assert light[1] == pytest.approx(0.8600, abs=0.01)
    assert light[3] == pytest.approx(128 / 255, abs=0.005)


@pytest.mark.parametrize("extension", ["jpg", "png"])
def test_large_pictures_decode_at_a_reduced_scale_that_still_has_the_needed_pixels(tmp_path, extension):
    big = Image.fromarray(halves(2400, 1800)).convert("RGB")
    full = load_picture(save(big, tmp_path / f"big.{extension}"))
    reduced = load_picture(tmp_path / f"big.{extension}", needed_size=(500, 1))
    assert full.lightness.shape == (1800, 2400)
    assert 500 <= reduced.lightness.shape[1] < 1200
    assert reduced.lightness.shape[0] * 4 == reduced.lightness.shape[1] * 3
    assert reduced.lightness.mean() == pytest.approx(full.lightness.mean(), abs=0.01)


def test_reduced_scale_respects_exif_rotation(tmp_path):
    wide = Image.fromarray(halves(2400, 1600)).convert("RGB")
    picture = load_picture(with_orientation(wide, tmp_path / "turned.jpg", 6), needed_size=(500, 1))
    rows, cols = picture.lightness.shape
    assert rows > cols >= 500
