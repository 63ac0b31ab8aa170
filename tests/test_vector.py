"""Vector modes: tracing, SVG reading, hostile SVGs, logo plates, cookie cutters, stamps and the nozzle."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from artwork import boxes, letters, shapes, svg, tiny_blurry
from PIL import Image, ImageDraw
from solids import assert_printable_solid, assert_size, prusa_info, surface_height

from octoprint_img2print.building.artwork import ArtworkOptions, load_artwork
from octoprint_img2print.command.main import main
from octoprint_img2print.geometry import outline


def run(capsys, *args) -> tuple[int, dict]:
    code = main([*map(str, args), "--json"])
    return code, json.loads(capsys.readouterr().out)


def artwork(path, **options):
    return load_artwork(path, None, ArtworkOptions(**options), 64)


def codes(answer: dict) -> list[str]:
    return [f["code"] for f in answer["findings"]]


# --- tracing -------------------------------------------------------------------------------------------------

def test_letters_keep_their_counters(capsys, tmp_path):
    code, answer = run(capsys, "trace", letters(tmp_path / "letters.png"), "-o", tmp_path / "letters.svg",
                       "--width", "80")
    assert code == 0 and answer["parts"] == 4 and answer["holes"] == 6
    assert answer["size_mm"][0] == pytest.approx(80, rel=1e-3)


def test_traced_svg_is_in_millimetres_and_reads_back_the_same(capsys, tmp_path):
    run(capsys, "trace", shapes(tmp_path / "logo.png"), "-o", tmp_path / "logo.svg", "--width", "60")
    text = (tmp_path / "logo.svg").read_text()
    assert 'width="60.0000mm"' in text and 'fill-rule="evenodd"' in text
    traced = artwork(tmp_path / "logo.png", width=60)
    again = artwork(tmp_path / "logo.svg")
    assert again.size == pytest.approx(traced.size, rel=1e-3)
    assert again.region.area() == pytest.approx(traced.region.area(), rel=1e-3)


def test_traced_area_matches_the_drawing(tmp_path):
    logo = artwork(shapes(tmp_path / "logo.png", size=(800, 400)), width=68)
    mm_per_px = 68 / 681
    disk = math.pi * (160.5 * mm_per_px) ** 2 - math.pi * (80.5 * mm_per_px) ** 2
    square = (241 * mm_per_px) ** 2
    assert logo.region.area() == pytest.approx(disk + square, rel=0.01)


def test_tiny_blurry_jpeg_gives_a_smooth_round_outline(tmp_path):
    logo = artwork(tiny_blurry(tmp_path / "tiny.jpg"), width=40)
    (ring,) = outline.rings(logo.region)
    centre = ring.mean(axis=0)
    radii = np.hypot(*(ring - centre).T)
    assert radii.std() / radii.mean() < 0.04
    turns = np.diff(np.unwrap(np.arctan2(*(np.roll(ring, -1, axis=0) - ring).T[::-1])))
    assert np.abs(turns).max() < math.radians(25), "stair steps turn by 90 degrees"
    assert len(ring) > 40


def test_white_background_jpeg_and_transparent_png_give_the_same_artwork(tmp_path):
    on_white = artwork(shapes(tmp_path / "white.jpg", quality=90), width=60, white_background=True)
    transparent = artwork(shapes(tmp_path / "alpha.png", background=None), width=60)
    assert len(on_white.region.decompose()) == len(transparent.region.decompose()) == 2
    assert on_white.region.area() == pytest.approx(transparent.region.area(), rel=0.02)


def test_despeckle_and_fill_holes(tmp_path):
    path = boxes(tmp_path / "specks.png", (400, 200), [(20, 20, 380, 180), (390, 5, 392, 7)],
                 paper=[(100, 90, 104, 94)])
    raw = artwork(path, width=100, despeckle=0)
    assert len(raw.region.decompose()) == 2 and len(outline.rings(raw.region)) == 3
    clean = artwork(path, width=100, despeckle=1.0, fill_holes=3.0)
    assert len(clean.region.decompose()) == 1 and len(outline.rings(clean.region)) == 1


# --- SVG in --------------------------------------------------------------------------------------------------

def test_svg_units_and_viewbox(tmp_path):
    square = '<rect x="0" y="0" width="10" height="10"/>'
    for attributes, expected in [('width="20mm" height="20mm" viewBox="0 0 20 20"', 10.0),
                                 ('width="2cm" height="2cm" viewBox="0 0 10 10"', 20.0),
                                 ('width="1in" height="1in" viewBox="0 0 10 10"', 25.4),
                                 ('width="72pt" height="72pt" viewBox="0 0 20 20"', 12.7),
                                 ('width="96" height="96"', 10 * 25.4 / 96)]:
        shape = artwork(svg(tmp_path / "u.svg", square, attributes))
        assert shape.size == pytest.approx((expected, expected), rel=1e-3), attributes


def test_svg_shapes_arcs_and_nested_transforms(tmp_path):
    body = ('<g transform="translate(10,5)"><g transform="scale(2)">'
            '<circle cx="5" cy="5" r="5"/>'
            '<path d="M 20 0 h 10 v 10 h -10 z"/>'
            '<ellipse cx="40" cy="5" rx="4" ry="2"/>'
            '<polygon points="50,0 60,0 55,10"/>'
            '<path d="M 65 5 A 3 3 0 1 1 71 5 A 3 3 0 1 1 65 5 Z"/>'
            '<polyline points="75,0 85,0 85,10" fill="black"/></g></g>')
    shape = artwork(svg(tmp_path / "shapes.svg", body, 'width="200mm" height="40mm" viewBox="0 0 200 40"'))
    expected = 4 * (math.pi * 25 + 100 + math.pi * 8 + 50 + math.pi * 9 + 50)
    assert shape.region.area() == pytest.approx(expected, rel=0.005)
    assert len(shape.region.decompose()) == 6
    assert shape.size == pytest.approx((170.0, 20.0), rel=1e-3)


@pytest.mark.parametrize(("rule", "area"), [("nonzero", 400.0), ("evenodd", 400.0 - 100.0)])
def test_svg_fill_rules(tmp_path, rule, area):
    rings = "M 0 0 H 20 V 20 H 0 Z M 5 5 H 15 V 15 H 5 Z"
    shape = artwork(svg(tmp_path / f"{rule}.svg", f'<path fill-rule="{rule}" d="{rings}"/>',
                        'width="50mm" height="50mm" viewBox="0 0 50 50"'))
    assert shape.region.area() == pytest.approx(area, rel=1e-4)


def test_svg_strokes_become_areas_and_invisible_shapes_do_not(tmp_path):
    body = ('<path d="M 0 5 H 40" fill="none" stroke="black" stroke-width="2"/>'
            '<path d="M 2 40 H 22" fill="none" stroke="black" stroke-width="2" stroke-linecap="round"/>'
            '<rect x="0" y="20" width="10" height="10" fill="none"/>'
            '<rect x="20" y="20" width="10" height="10" style="display:none"/>')
    shape = artwork(svg(tmp_path / "stroke.svg", body, 'width="50mm" height="50mm" viewBox="0 0 50 50"'))
    assert shape.region.area() == pytest.approx(80 + 40 + math.pi, rel=0.005)


@pytest.mark.parametrize(("body", "root", "code"), [
    ('<image href="http://example.com/a.png" width="10" height="10"/>', None, "svg_external_reference"),
    ('<use xlink:href="other.svg#logo"/>', None, "svg_external_reference"),
    ('<rect width="5" height="5"/>', 'width="1e30mm" height="10mm"', "svg_absurd_size"),
    ('<rect width="1e9" height="5"/>', 'width="10mm" height="10mm" viewBox="0 0 10 10"', "svg_absurd_size"),
    ("<rect width='5' height='5'/>" * 100_001, None, "svg_too_complex"),
    ('<rect width="5"', None, "svg_damaged"),
    ("", None, "svg_empty"),
])
def test_hostile_or_unusable_svgs_are_refused_clearly(capsys, tmp_path, body, root, code):
    path = svg(tmp_path / "bad.svg", body, root or 'width="20mm" height="20mm" viewBox="0 0 20 20"')
    status, answer = run(capsys, "convert", path, "-o", tmp_path / "out.stl", "--mode", "logo")
    assert status == 3 and answer["error"]["code"] == code and "bad.svg" in answer["error"]["message"]
    assert not (tmp_path / "out.stl").exists()


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
    '<!DOCTYPE svg [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
])
def test_entities_are_refused(capsys, tmp_path, doctype):
    path = tmp_path / "entities.svg"
    path.write_text(f'<?xml version="1.0"?>\n{doctype}\n<svg xmlns="http://www.w3.org/2000/svg" width="10mm" '
                    'height="10mm"><title>&d;</title><rect width="5" height="5"/></svg>'.replace(
                        "&d;", "&secret;" if "secret" in doctype else "&d;"))
    status, answer = run(capsys, "convert", path, "-o", tmp_path / "out.stl", "--mode", "logo")
    assert status == 3 and answer["error"]["code"] == "svg_unsafe"


# --- solids --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("plate", ["rectangle", "rounded", "outline"])
def test_logo_plate_is_one_solid_of_the_asked_size(capsys, tmp_path, prusa_slicer, plate):
    output = tmp_path / f"logo-{plate}.stl"
    code, answer = run(capsys, "convert", shapes(tmp_path / "logo.png"), "-o", output, "--mode", "logo",
                       "--width", "60", "--plate", plate, "--margin", "4")
    assert code == 0 and answer["shells"] == 1
    mesh = assert_printable_solid(output)
    assert_size(mesh, {0: 68.0, 2: 5.0})
    assert surface_height(mesh, 4 + 5, 4 + 14) == pytest.approx(5.0, abs=1e-3)
    info = prusa_info(prusa_slicer, output)
    assert info["manifold"] == "yes" and info["number_of_parts"] == "1"


def test_logo_artwork_only_and_engraved(capsys, tmp_path, prusa_slicer):
    source = shapes(tmp_path / "logo.png")
    run(capsys, "convert", source, "-o", tmp_path / "only.3mf", "--mode", "logo", "--width", "60", "--plate", "none")
    only = assert_printable_solid(tmp_path / "only.3mf", shells=2)
    assert_size(only, {0: 60.0, 2: 3.0})
    code, answer = run(capsys, "convert", source, "-o", tmp_path / "engraved.stl", "--mode", "logo", "--width",
                       "60", "--engraved", "--engrave-depth", "1.5")
    assert code == 0 and answer["shells"] == 1
    engraved = assert_printable_solid(tmp_path / "engraved.stl")
    assert_size(engraved, {0: 66.0, 2: 2.0})
    assert surface_height(engraved, 3 + 5, 3 + 14) == pytest.approx(0.5, abs=1e-3)
    assert surface_height(engraved, 1, 1) == pytest.approx(2.0, abs=1e-3)
    assert prusa_info(prusa_slicer, tmp_path / "engraved.stl")["manifold"] == "yes"


def test_logo_hanging_hole_goes_through_the_plate(capsys, tmp_path, prusa_slicer):
    run(capsys, "convert", shapes(tmp_path / "logo.png"), "-o", tmp_path / "tag.stl", "--mode", "logo", "--width",
        "60", "--hole", "5")
    mesh = assert_printable_solid(tmp_path / "tag.stl")
    assert mesh.euler_number == 0
    assert mesh.extents[1] > 30 * 60 / 341 * 1 + 6 + 5
    assert prusa_info(prusa_slicer, tmp_path / "tag.stl")["manifold"] == "yes"


def test_multi_part_logo_unions_touching_parts_into_one_shell(capsys, tmp_path):
    boxes(tmp_path / "parts.png", (300, 100), [(10, 10, 150, 90), (140, 30, 290, 70), (200, 80, 220, 95)])
    code, answer = run(capsys, "convert", tmp_path / "parts.png", "-o", tmp_path / "p.stl", "--mode", "logo",
                       "--plate", "none", "--width", "70")
    assert code == 0 and answer["shells"] == 2
    assert_printable_solid(tmp_path / "p.stl", shells=2)


def test_cookie_cutter_wall_flange_and_height(capsys, tmp_path, prusa_slicer):
    output = tmp_path / "cutter.stl"
    disk = Image.new("L", (400, 400), 255)
    ImageDraw.Draw(disk).ellipse((0, 0, 399, 399), fill=0)
    disk.save(tmp_path / "round.png")
    code, answer = run(capsys, "convert", tmp_path / "round.png", "-o", output, "--mode",
                       "cookie-cutter", "--width", "60", "--wall", "1.2", "--flange-width", "5")
    assert code == 0 and "wall_thickened" not in codes(answer)
    mesh = assert_printable_solid(output)
    assert_size(mesh, {0: 60 + 2 * (1.2 + 5), 1: 60 + 2 * (1.2 + 5), 2: 15.0})
    assert mesh.euler_number == 0
    centre = mesh.bounds.mean(axis=0)
    tops = mesh.vertices[np.isclose(mesh.vertices[:, 2], 15.0)]
    radii = np.hypot(tops[:, 0] - centre[0], tops[:, 1] - centre[1])
    assert radii.min() == pytest.approx(30.0, rel=0.005) and radii.max() == pytest.approx(31.2, rel=0.005)
    info = prusa_info(prusa_slicer, output)
    assert info["manifold"] == "yes" and info["number_of_parts"] == "1"


def test_cookie_cutter_never_thinner_than_the_nozzle_and_imprint(capsys, tmp_path, prusa_slicer):
    code, answer = run(capsys, "convert", shapes(tmp_path / "logo.png"), "-o", tmp_path / "c.stl", "--mode",
                       "cookie-cutter", "--width", "60", "--wall", "0.3", "--imprint")
    assert code == 0 and "wall_thickened" in codes(answer)
    mesh = assert_printable_solid(tmp_path / "c.stl", shells=2)
    ridge_top = 15.0 - 4.0
    assert np.isclose(mesh.vertices[:, 2], ridge_top).any()
    assert prusa_info(prusa_slicer, tmp_path / "c.stl")["manifold"] == "yes"


def test_stamp_is_mirrored_and_has_an_optional_handle(capsys, tmp_path, prusa_slicer):
    boxes(tmp_path / "L.png", (200, 200), [(10, 10, 50, 190), (10, 150, 190, 190)])
    run(capsys, "convert", tmp_path / "L.png", "-o", tmp_path / "stamp.stl", "--mode", "stamp", "--width", "50")
    mesh = assert_printable_solid(tmp_path / "stamp.stl")
    assert_size(mesh, {0: 56.0, 1: 56.0, 2: 7.0})
    assert surface_height(mesh, 56 - 3 - 2, 30) == pytest.approx(7.0, abs=1e-3)
    assert surface_height(mesh, 3 + 2, 30) == pytest.approx(5.0, abs=1e-3)
    code, answer = run(capsys, "convert", tmp_path / "L.png", "-o", tmp_path / "handle.stl", "--mode", "stamp",
                       "--width", "50", "--handle")
    assert code == 0 and answer["shells"] == 2
    assert_printable_solid(tmp_path / "handle.stl", shells=2)
    info = prusa_info(prusa_slicer, tmp_path / "handle.stl")
    assert info["manifold"] == "yes" and info["number_of_parts"] == "2"


# --- the nozzle ----------------------------------------------------------------------------------------------

def nozzle_test_picture(path):
    """100 px = 10 mm at --width 40: a 2 px (0.2 mm) stroke, a 2 px gap, a small dot and a solid block."""
    return boxes(path, (400, 300), [(0, 0, 399, 9), (0, 10, 9, 299), (100, 100, 101, 250), (200, 100, 280, 250),
                                    (283, 100, 360, 250), (50, 270, 57, 277)])


def test_features_the_nozzle_cannot_print_are_reported_with_size_and_place(capsys, tmp_path):
    code, answer = run(capsys, "convert", nozzle_test_picture(tmp_path / "thin.png"), "-o", tmp_path / "t.stl",
                       "--mode", "logo", "--width", "40")
    assert code == 0
    found = {f["code"]: f for f in answer["findings"]}
    stroke, gap, island = found["feature_below_nozzle"], found["gap_below_nozzle"], found["island_below_nozzle"]
    assert stroke["level"] == "warning" and 0.1 < stroke["numbers"]["width_mm"] < 0.35
    assert stroke["numbers"]["x_px"] == pytest.approx(101, abs=3)
    assert stroke["numbers"]["y_px"] == pytest.approx(175, abs=6)
    assert stroke["numbers"]["x_mm"] == pytest.approx(10.1, abs=0.3)
    assert gap["numbers"]["x_px"] == pytest.approx(282, abs=3) and gap["numbers"]["width_mm"] < 0.45
    assert island["numbers"]["x_px"] == pytest.approx(54, abs=3) and island["numbers"]["y_px"] == pytest.approx(274,
                                                                                                             abs=3)


def test_fix_thin_thickens_strokes_and_says_so(capsys, tmp_path):
    source = nozzle_test_picture(tmp_path / "thin.png")
    code, answer = run(capsys, "trace", source, "-o", tmp_path / "fixed.svg", "--width", "40", "--fix-thin")
    assert code == 0 and "thin_features_thickened" in codes(answer)
    assert "feature_below_nozzle" not in codes(answer) and "island_below_nozzle" not in codes(answer)
    fixed = artwork(tmp_path / "fixed.svg")
    stroke = fixed.region ^ outline.region([np.array([(9.0, 9.0), (11.5, 9.0), (11.5, 26.0), (9.0, 26.0)])])
    assert stroke.area() / 15.0 >= 0.45


def test_corners_stay_sharp_where_the_artwork_has_corners(tmp_path):
    image = Image.new("L", (500, 300), 255)
    ImageDraw.Draw(image).polygon([(50, 250), (450, 250), (250, 50)], fill=0)
    image.save(tmp_path / "triangle.png")
    shape = artwork(tmp_path / "triangle.png", width=80)
    (ring,) = outline.rings(shape.region)
    width, height = shape.size
    for corner in [(0.0, 0.0), (width, 0.0), (width / 2, height)]:
        assert np.hypot(*(ring - corner).T).min() < 0.25, corner
    assert len(ring) < 60, "straight edges need few points"


def test_svg_to_cookie_cutter_and_stamp(capsys, tmp_path, prusa_slicer):
    star = svg(tmp_path / "star.svg", '<polygon points="50,0 61,35 98,35 68,57 79,91 50,70 21,91 32,57 2,35 39,35"/>',
               'width="100mm" height="100mm" viewBox="0 0 100 100"')
    for mode in ("cookie-cutter", "stamp", "logo"):
        output = tmp_path / f"star-{mode}.stl"
        code, answer = run(capsys, "convert", star, "-o", output, "--mode", mode, "--width", "50")
        assert code == 0 and answer["shells"] == 1, mode
        assert_printable_solid(output)
        assert prusa_info(prusa_slicer, output)["manifold"] == "yes"
