"""Framing the picture inside the form: --rotate turns it (counter-clockwise, as a picture viewer's "rotate left"
does) and --crop-box keeps a part of it, before it is placed. Checked against Pillow's own turn and crop of the same
picture: where the solid is thick (dark) and thin (light)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import cli_json
from pictures import save
from PIL import Image
from solids import assert_printable_solid, surface_height

WIDTH_MM = 60.0
THICK, THIN = 3.0, 0.8  # a lithophane's defaults: black is thickest, white thinnest


def blocks() -> Image.Image:
    """A 6 x 4 board of black and white blocks, no two rows or columns alike, 40 pixels a block."""
    pattern = np.array([[0, 1, 1, 0, 1, 0], [1, 1, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1], [1, 0, 1, 1, 0, 0]])
    return Image.fromarray((np.kron(pattern, np.ones((40, 40))) * 255).astype(np.uint8))


def dark_blocks(picture: Image.Image, columns: int, rows: int) -> list[list[bool]]:
    """Which blocks of a columns x rows division of the picture are dark at their centres (Pillow's view)."""
    grey = np.asarray(picture.convert("L"), dtype=float)
    height, width = grey.shape
    return [[grey[int((r + 0.5) * height / rows), int((c + 0.5) * width / columns)] < 128 for c in range(columns)]
            for r in range(rows)]


def thick_blocks(path, columns: int, rows: int) -> tuple[list[list[bool]], tuple[float, float]]:
    """Which blocks of the solid's top are thick at their centres (row 0 at the back: the picture's top), and its
    size."""
    mesh = assert_printable_solid(path)
    (x0, y0, _), (x1, y1, _) = mesh.bounds
    width, depth = x1 - x0, y1 - y0
    heights = [[surface_height(mesh, x0 + (c + 0.5) * width / columns, y1 - (r + 0.5) * depth / rows)
                for c in range(columns)] for r in range(rows)]
    assert all(h == pytest.approx(THICK, abs=0.2) or h == pytest.approx(THIN, abs=0.2) for row in heights for h in row)
    return [[h > (THICK + THIN) / 2 for h in row] for row in heights], (width, depth)


def made(tmp_path, *options: str):
    picture = save(blocks(), tmp_path / "blocks.png")
    code, answer = cli_json("convert", str(picture), "-o", str(tmp_path / "framed.stl"), "--width", str(WIDTH_MM),
                            "--json", *options)
    assert code == 0, answer
    return tmp_path / "framed.stl"


@pytest.mark.parametrize("degrees", [90, 180, 270, -90])
def test_a_quarter_turn_places_the_picture_as_pillow_turns_it(tmp_path, degrees):
    expected = blocks().rotate(degrees, expand=True)
    columns, rows = (4, 6) if degrees % 180 else (6, 4)
    thick, (width, depth) = thick_blocks(made(tmp_path, "--rotate", str(degrees)), columns, rows)
    assert thick == dark_blocks(expected, columns, rows)
    assert depth / width == pytest.approx(expected.height / expected.width, rel=0.02)


def test_a_part_of_the_picture_fills_the_form_as_pillow_crops_it(tmp_path):
    """The right half's top three quarters: 3 x 3 blocks, placed at the asked width."""
    expected = blocks().crop((120, 0, 240, 120))
    thick, (width, depth) = thick_blocks(made(tmp_path, "--crop-box", "50,0,50,75"), 3, 3)
    assert thick == dark_blocks(expected, 3, 3)
    assert (width, depth) == (pytest.approx(WIDTH_MM, abs=0.01), pytest.approx(WIDTH_MM, rel=0.02))


def test_turning_then_cropping_crops_the_turned_picture(tmp_path):
    expected = blocks().rotate(90, expand=True).crop((0, 120, 160, 240))
    thick, _size = thick_blocks(made(tmp_path, "--rotate", "90", "--crop-box", "0,50,100,50"), 4, 3)
    assert thick == dark_blocks(expected, 4, 3)


def test_a_free_angle_turns_the_picture_on_a_canvas_that_holds_it(tmp_path):
    original, expected = blocks(), blocks().rotate(30, expand=True)
    mesh = assert_printable_solid(made(tmp_path, "--rotate", "30"))
    width, depth = mesh.extents[:2]
    assert depth / width == pytest.approx(expected.height / expected.width, rel=0.03)
    (x0, y0, _), (x1, y1, _) = mesh.bounds
    turn = np.radians(30)
    for row, column in ((1, 2), (1, 3), (2, 2), (2, 3), (0, 1), (3, 4)):  # blocks' centres, where Pillow puts them
        x, y = (column + 0.5) * 40 - original.width / 2, (row + 0.5) * 40 - original.height / 2
        fx = (expected.width / 2 + x * np.cos(turn) + y * np.sin(turn)) / expected.width
        fy = (expected.height / 2 - x * np.sin(turn) + y * np.cos(turn)) / expected.height
        dark = original.getpixel((int((column + 0.5) * 40), int((row + 0.5) * 40))) < 128
        assert (expected.getpixel((int(fx * expected.width), int(fy * expected.height))) < 128) == dark
        height = surface_height(mesh, x0 + fx * (x1 - x0), y1 - fy * (y1 - y0))
        assert (height > (THICK + THIN) / 2) == dark, (row, column, height)


@pytest.mark.parametrize("box, words", [("10,10,95,50", "not inside the picture"), ("a,b,c,d", "four numbers"),
                                        ("10,10,0,50", "not inside the picture"), ("10,10,50", "four numbers")])
def test_a_part_outside_the_picture_is_refused_in_one_line(tmp_path, box, words):
    picture = save(blocks(), tmp_path / "blocks.png")
    code, answer = cli_json("convert", str(picture), "-o", str(tmp_path / "framed.stl"), "--crop-box", box, "--json")
    assert code == 2 and answer["error"]["code"] == "bad_parameter"
    assert "--crop-box" in answer["error"]["message"] and words in answer["error"]["message"]
    assert not (tmp_path / "framed.stl").exists()
