"""Words and nested shapes come out as drawn: --text name tags, SVG <text>, a badge with letters inside a ring
(traced and as SVG), islands nested four deep, and a word when anything is left out.

The reference for text is FreeType through Pillow (`ImageFont.truetype`), an independent renderer of the same font
file at the same size; the reference for shapes is a raster Pillow draws from the same description. Solids are
measured with trimesh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import trimesh
from conftest import require
from PIL import Image, ImageDraw, ImageFont
from PIL import features as pil_features

from octoprint_img2print.building.artwork import ArtworkOptions, load_artwork
from octoprint_img2print.geometry import outline
from octoprint_img2print.imaging.fonts import SHIPPED_FOLDER
from octoprint_img2print.imaging.svg import load_svg
from tests.conftest import cli_json

SANS = SHIPPED_FOLDER / "DejaVuSans.ttf"
SANS_BOLD = SHIPPED_FOLDER / "DejaVuSans-Bold.ttf"
PX_PER_MM = 40  # the reference rasters' resolution
PX = 25.4 / 96  # mm per SVG user unit


def _freetype_ink(text: str, font_file: Path, size_mm: float, direction: str | None = None) -> tuple[np.ndarray,
                                                                                                      float]:
    """FreeType's raster of ``text`` at ``size_mm`` (a boolean ink mask, y down, baseline-left at (20, 3 em)) and
    its advance in mm; with a ``direction``, laid out by Raqm (FriBiDi's bidirectional algorithm) in a paragraph of
    that direction."""
    font = ImageFont.truetype(str(font_file), size=round(size_mm * PX_PER_MM))
    advance = font.getlength(text, direction=direction) / PX_PER_MM
    width, height = round(advance * PX_PER_MM) + 40, round(size_mm * PX_PER_MM * 4)
    image = Image.new("L", (width, height), 0)
    ImageDraw.Draw(image).text((20, size_mm * PX_PER_MM * 3), text, font=font, fill=255, anchor="ls",
                               direction=direction)
    return np.asarray(image) > 127, advance


def _region_ink(region: outline.Region, shape: tuple[int, int], baseline_row: float) -> np.ndarray:
    """The region (mm, y up) rasterised on the reference's grid: mm (0, 0) at pixel (20, ``baseline_row``)."""
    image = Image.new("L", (shape[1], shape[0]), 0)
    draw = ImageDraw.Draw(image)
    for piece in sorted(region.decompose(), key=lambda p: -np.prod(np.subtract(outline.bounds(p)[2:],
                                                                                 outline.bounds(p)[:2]))):
        for ring in outline.rings(piece):
            points = [(20 + x * PX_PER_MM, baseline_row - y * PX_PER_MM) for x, y in ring]
            draw.polygon(points, fill=255 if outline.signed_area(ring) > 0 else 0)
    return np.asarray(image) > 127


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max(1, (a | b).sum()))


@pytest.mark.parametrize(("text", "font_file", "weight"), [("Anna", SANS, "normal"),
                                                           ("Hello, World!", SANS, "normal"),
                                                           ("Kühn 42", SANS_BOLD, "bold")])
def test_svg_text_matches_the_same_string_drawn_by_freetype(text, font_file, weight):
    size_mm = 10.0
    document = (f'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="0" font-family="DejaVu Sans" '
                f'font-weight="{weight}" font-size="{size_mm}mm">{text}</text></svg>')
    drawing = load_svg(document.encode(), "t.svg", 0.01)
    want, advance = _freetype_ink(text, font_file, size_mm)
    got = _region_ink(drawing.region, want.shape, size_mm * PX_PER_MM * 3)
    assert _iou(got, want) >= 0.95
    assert drawing.region.area() == pytest.approx(want.sum() / PX_PER_MM ** 2, rel=0.03)
    assert outline.bounds(drawing.region)[2] <= advance + 0.5
    assert drawing.fonts == {"DejaVu Sans"}


# right-to-left words among left-to-right ones, numbers in right-to-left text, and a right-to-left paragraph (SVG's
# direction, whose text-anchor "end" is the left end), each against Raqm's layout with FriBiDi
BIDI = {"Hebrew inside English": ("Hi שלום there", "ltr", ""),
        "English and a number inside Hebrew": ("שלום abc 123!", "rtl", ' direction="rtl" text-anchor="end"'),
        "Arabic then English": ("مرحبا SVG 2024.", "ltr", "")}


@pytest.mark.parametrize("case", BIDI)
def test_text_of_both_directions_is_laid_out_as_the_bidirectional_algorithm_orders_it(case):
    require(pil_features.check("raqm"), "Pillow with Raqm (the reference layout of bidirectional text)")
    text, direction, attributes = BIDI[case]
    size_mm = 10.0
    document = (f'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="0" font-family="DejaVu Sans" '
                f'font-size="{size_mm}mm"{attributes}>{text}</text></svg>')
    drawing = load_svg(document.encode(), "t.svg", 0.01)
    want, _advance = _freetype_ink(text, SANS, size_mm, direction)
    got = _region_ink(drawing.region, want.shape, size_mm * PX_PER_MM * 3)
    assert _iou(got, want) >= 0.93, case


def test_a_texts_bounding_box_is_its_glyph_cells():
    """SVG 2 (text bounding box): the union of the glyphs' cells, each its advance wide from the font's ascent to
    its descent, not the outlines' tight box: a clip of the box's upper half ends half-way between ascent and
    descent (checked against FreeType's raster cut at its own metrics)."""
    size_mm = 10.0
    document = ('<svg xmlns="http://www.w3.org/2000/svg"><clipPath id="c" clipPathUnits="objectBoundingBox">'
                '<rect width="1" height="0.5"/></clipPath>'
                f'<text x="0" y="0" font-family="DejaVu Sans" font-size="{size_mm}mm" clip-path="url(#c)">Hxy</text>'
                '</svg>')
    drawing = load_svg(document.encode(), "t.svg", 0.01)
    want, _advance = _freetype_ink("Hxy", SANS, size_mm)
    ascent, descent = ImageFont.truetype(str(SANS), size=round(size_mm * PX_PER_MM)).getmetrics()
    baseline = size_mm * PX_PER_MM * 3
    want[round(baseline - ascent + (ascent + descent) / 2):] = False
    got = _region_ink(drawing.region, want.shape, baseline)
    assert _iou(got, want) >= 0.95


def test_letter_spacing_leaves_a_cursive_scripts_letters_joined():
    """CSS Text 3 (cursive tracking): letters of Arabic are not pulled apart by letter-spacing; spaces are."""
    def drawn(spacing: str, text: str) -> outline.Region:
        document = (f'<svg xmlns="http://www.w3.org/2000/svg"><text x="0" y="20" font-family="DejaVu Sans" '
                    f'font-size="20" letter-spacing="{spacing}">{text}</text></svg>')
        return load_svg(document.encode(), "t.svg", 0.01).region

    joined, spaced = drawn("0", "مرحبا"), drawn("6", "مرحبا")
    assert outline.bounds(spaced) == pytest.approx(outline.bounds(joined), abs=1e-6)
    words, spaced_words = drawn("0", "مرحبا بكم"), drawn("6", "مرحبا بكم")
    width = outline.bounds(words)[2] - outline.bounds(words)[0]
    assert outline.bounds(spaced_words)[2] - outline.bounds(spaced_words)[0] == pytest.approx(width + 6 * PX,
                                                                                            abs=0.02)


def test_text_anchor_letter_spacing_and_text_length_move_the_glyphs_as_specified():
    def box(attributes: str) -> tuple[float, float, float, float]:
        document = (f'<svg xmlns="http://www.w3.org/2000/svg"><text x="100" y="50" font-size="20" '
                    f'font-family="DejaVu Sans" {attributes}>HHHH</text></svg>')
        return outline.bounds(load_svg(document.encode(), "t.svg", 0.01).region)

    advance = ImageFont.truetype(str(SANS), size=2000).getlength("HHHH") / 100  # at 20 user units
    start, middle, end = box(""), box('text-anchor="middle"'), box('text-anchor="end"')
    assert middle[0] == pytest.approx(start[0] - advance / 2 * PX, abs=0.01)
    assert end[0] == pytest.approx(start[0] - advance * PX, abs=0.01)
    spaced = box('letter-spacing="5"')
    assert spaced[2] - spaced[0] == pytest.approx(start[2] - start[0] + 3 * 5 * PX, abs=0.01)
    stretched = box('textLength="200" lengthAdjust="spacingAndGlyphs"')
    assert stretched[2] - stretched[0] > (start[2] - start[0]) * 1.5


def test_tspans_keep_their_own_style_and_position():
    document = ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><text x="10" y="40" font-size="30">'
                'A<tspan x="100" y="80" fill="white">B</tspan><tspan font-weight="bold" dx="5">C</tspan>'
                '</text></svg>')
    region = load_svg(document.encode(), "t.svg", 0.01).region
    pieces = sorted(outline.bounds(p) for p in region.decompose())
    assert len(pieces) == 2  # A, and C after the white B (which paints nothing over nothing)
    assert pieces[1][0] > 100 * PX  # C follows B at x = 100, moved by dx


def test_an_unknown_font_falls_back_to_dejavu_and_the_answer_names_it(tmp_path):
    path = tmp_path / "tag.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="20mm" viewBox="0 0 60 20">'
                    '<text x="2" y="15" font-size="12" font-family="No Such Font, fantasy">Tag</text></svg>')
    status, answer = cli_json("convert", str(path), "-o", str(tmp_path / "tag.stl"), "--mode", "logo", "--json")
    assert status == 0
    fonts = [f for f in answer["findings"] if f["code"] == "svg_text_fonts"]
    assert fonts and fonts[0]["numbers"]["fonts"] == ["DejaVu Sans"]


def _footprint(stl: Path, height: float) -> float:
    """The area of a prism's footprint: its volume over its height (trimesh measures)."""
    mesh = trimesh.load_mesh(stl)
    assert mesh.is_watertight and mesh.is_winding_consistent
    return float(mesh.volume) / height


def test_a_name_tag_made_with_text_alone_has_the_glyphs_area(tmp_path):
    out = tmp_path / "anna.stl"
    status, answer = cli_json("convert", "-o", str(out), "--text", "Anna", "--text-size", "12", "--plate", "none",
                              "--relief-height", "2", "--despeckle", "0", "--json")
    assert status == 0 and answer["mode"] == "logo"
    want, advance = _freetype_ink("Anna", SANS, 12.0)
    assert _footprint(out, 2.0) == pytest.approx(want.sum() / PX_PER_MM ** 2, rel=0.03)
    assert answer["size_mm"][0] == pytest.approx(advance, abs=1.5)  # the ink is a little narrower than the advance


def _section_ink(stl: Path, z: float, filled: bool) -> np.ndarray:
    """The solid's cut at height ``z`` (trimesh) rasterised at PX_PER_MM and cropped to its ink, y down: its rings
    even-odd, or with ``filled`` every ring filled (a cutter's blades become the shapes they go round)."""
    mesh = trimesh.load_mesh(stl)
    assert mesh.is_watertight and mesh.is_winding_consistent and mesh.body_count == 1
    section = mesh.section(plane_origin=(0, 0, z), plane_normal=(0, 0, 1))
    x0, y0, x1, y1 = mesh.bounds[0][0], mesh.bounds[0][1], mesh.bounds[1][0], mesh.bounds[1][1]
    ink = np.zeros((round((y1 - y0) * PX_PER_MM) + 2, round((x1 - x0) * PX_PER_MM) + 2), dtype=bool)
    for ring in section.discrete:
        image = Image.new("L", (ink.shape[1], ink.shape[0]), 0)
        ImageDraw.Draw(image).polygon([((x - x0) * PX_PER_MM, (y1 - y) * PX_PER_MM) for x, y, _z in ring], fill=255)
        ring_ink = np.asarray(image) > 127
        ink = ink | ring_ink if filled else ink ^ ring_ink
    return _cropped(ink)


def _cropped(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _shape_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two ink masks scaled onto the same box (their sizes are compared apart)."""
    size = (max(a.shape[1], b.shape[1]), max(a.shape[0], b.shape[0]))
    a, b = (np.asarray(Image.fromarray(m.astype(np.uint8) * 255).resize(size)) > 127 for m in (a, b))
    return _iou(a, b)


@pytest.mark.parametrize("mode", ["stamp", "cookie-cutter"])
def test_stamps_and_cookie_cutters_made_with_text_alone_carry_the_glyphs_mirrored(tmp_path, mode):
    out = tmp_path / f"{mode}.stl"
    status, answer = cli_json("convert", "-o", str(out), "--mode", mode, "--text", "Anna", "--text-size", "12",
                              "--despeckle", "0", "--json")
    assert status == 0 and answer["closed"] and answer["shells"] == 1, answer
    top = answer["size_mm"][2] - 0.1  # the stamp's face, the cutter's blade edge
    ink = _section_ink(out, top, filled=False)
    glyphs = _cropped(_freetype_ink("Anna", SANS, 12.0)[0])
    if mode == "cookie-cutter":  # the blade goes round each glyph: what it encloses is the glyph, counters closed
        ink = _cropped(_section_ink(out, top, filled=True) & ~ink)
        assert glyphs.sum() < ink.sum() < 1.5 * glyphs.sum()
    else:
        assert ink.sum() == pytest.approx(glyphs.sum(), rel=0.05)
    mirrored, as_read = _shape_iou(ink, glyphs[:, ::-1]), _shape_iou(ink, glyphs)
    least = 0.8 if mode == "stamp" else 0.6  # a cutter's inside: the glyphs with counters closed, a blade apart
    assert mirrored > least and mirrored > as_read + 0.3, (mirrored, as_read)  # turned over, it prints as read


def test_text_goes_under_a_pictures_artwork_and_both_are_kept(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="30mm" height="30mm" viewBox="0 0 30 30">'
                    '<circle cx="15" cy="15" r="15"/></svg>')
    options = ArtworkOptions(text="Max", text_size=8.0)
    art = load_artwork(logo, None, options, 12.0)
    pieces = sorted(art.region.decompose(), key=lambda p: -p.area())
    disc, letters = pieces[0], pieces[1:]
    assert disc.area() == pytest.approx(np.pi * 15 ** 2, rel=0.01)
    assert len(letters) == 3 and all(outline.bounds(p)[3] < outline.bounds(disc)[1] for p in letters)


def test_text_alone_without_a_picture_is_refused_clearly_when_empty(tmp_path):
    status, answer = cli_json("convert", "-o", str(tmp_path / "x.stl"), "--text", "   ", "--json")
    assert status == 3 and answer["error"]["code"] == "no_input"
    assert not (tmp_path / "x.stl").exists()


def _badge(size: int) -> Image.Image:
    """A badge as people print it: a ring, 'Hi' inside it, a dot inside the ring's hole, and 'OK!' under it."""
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    s = size / 100
    draw.ellipse((5 * s, 5 * s, 95 * s, 95 * s), fill=0)
    draw.ellipse((12 * s, 12 * s, 88 * s, 88 * s), fill=255)
    font = ImageFont.truetype(str(SANS_BOLD), size=round(30 * s))
    draw.text((50 * s, 60 * s), "Hi", font=font, fill=0, anchor="ms")
    draw.ellipse((46 * s, 70 * s, 54 * s, 78 * s), fill=0)
    return image


def test_a_traced_badge_keeps_the_letters_inside_its_ring(tmp_path):
    picture = _badge(800)
    path = tmp_path / "badge.png"
    picture.save(path)
    out = tmp_path / "badge.stl"
    status, _ = cli_json("convert", str(path), "-o", str(out), "--mode", "logo", "--plate", "none",
                         "--width", "90", "--relief-height", "2", "--json")
    assert status == 0
    ink = (np.asarray(picture) < 128).sum() * (90 / 720) ** 2  # the ring, 720 pixels across, is made 90 mm wide
    assert _footprint(out, 2.0) == pytest.approx(ink, rel=0.03)
    assert trimesh.load_mesh(out).body_count == 5  # ring, H, i's stem, i's dot, the dot


def test_an_svg_badge_keeps_the_letters_inside_its_ring():
    document = ('<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="100mm" viewBox="0 0 100 100">'
                '<circle cx="50" cy="50" r="41.5" fill="none" stroke="black" stroke-width="7"/>'
                '<text x="50" y="60" font-family="DejaVu Sans" font-weight="bold" font-size="30" '
                'text-anchor="middle">Hi</text><circle cx="50" cy="74" r="4"/></svg>')
    region = load_svg(document.encode(), "badge.svg", 0.01).region
    ring = np.pi * (45 ** 2 - 38 ** 2)
    letters, _ = _freetype_ink("Hi", SANS_BOLD, 30.0)
    expected = ring + letters.sum() / PX_PER_MM ** 2 + np.pi * 16
    assert region.area() == pytest.approx(expected, rel=0.02)
    assert len(region.decompose()) == 5


def _nested_squares(depth: int) -> list[tuple[float, int]]:
    """Half-sizes and colours (0 ink, 255 paper) of squares painted largest first, alternating."""
    return [(40 - 5 * level, 0 if level % 2 == 0 else 255) for level in range(depth * 2)]


@pytest.mark.parametrize("how", ["svg_evenodd", "svg_painted", "png"])
def test_islands_nested_four_deep_are_all_kept(tmp_path, how):
    squares = _nested_squares(4)  # ink, hole, island, hole, island, hole, island, hole
    expected = sum((2 * h) ** 2 * (1 if colour == 0 else -1) for h, colour in squares)
    if how == "png":
        image = Image.new("L", (1000, 1000), 255)
        draw = ImageDraw.Draw(image)
        for half, colour in squares:
            draw.rectangle((500 - half * 10, 500 - half * 10, 500 + half * 10 - 1, 500 + half * 10 - 1), fill=colour)
        path = tmp_path / "nested.png"
        image.save(path)
        art = load_artwork(path, None, ArtworkOptions(width=80.0), 12.0)
    else:
        if how == "svg_evenodd":
            rings = " ".join(f"M {50 - h} {50 - h} h {2 * h} v {2 * h} h {-2 * h} z" for h, _ in squares)
            body = f'<path fill-rule="evenodd" d="{rings}"/>'
        else:
            body = "".join(f'<rect x="{50 - h}" y="{50 - h}" width="{2 * h}" height="{2 * h}" '
                           f'fill="{"black" if c == 0 else "white"}"/>' for h, c in squares)
        document = (f'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="100mm" viewBox="0 0 100 100">'
                    f'{body}</svg>')
        art = load_artwork(document.encode(), "nested.svg", ArtworkOptions(), 12.0)
    assert art.region.area() == pytest.approx(expected, rel=0.02)
    assert len(art.region.decompose()) == 4


def test_parts_left_out_below_despeckle_are_reported_and_kept_on_request(tmp_path):
    path = tmp_path / "specks.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="50mm" height="50mm" viewBox="0 0 50 50">'
                    '<rect x="5" y="5" width="20" height="20"/><circle cx="40" cy="40" r="0.3"/>'
                    '<circle cx="40" cy="10" r="0.3"/></svg>')
    status, answer = cli_json("convert", str(path), "-o", str(tmp_path / "a.stl"), "--mode", "logo", "--json")
    dropped = [f for f in answer["findings"] if f["code"] == "artwork_parts_dropped"]
    assert status == 0 and dropped and dropped[0]["numbers"]["count"] == 2
    assert dropped[0]["numbers"]["fix_option"] == "despeckle"
    status, answer = cli_json("convert", str(path), "-o", str(tmp_path / "b.stl"), "--mode", "logo",
                              "--despeckle", "0", "--json")
    assert status == 0 and not [f for f in answer["findings"] if f["code"] == "artwork_parts_dropped"]


def test_a_name_fob_made_with_text_alone_shows_the_glyphs_dark(tmp_path):
    from octoprint_img2print.building.lettering import lettered
    from octoprint_img2print.modes.keychain import KeychainOptions

    picture = lettered(b"", "", KeychainOptions(text="Anna", text_size=12.0, width=60.0), 12.0)
    scale = 20.0  # the text raster's pixels per mm (text alone)
    want, _ = _freetype_ink("Anna", SANS, 12.0)
    assert (picture.lightness < 0.5).sum() / scale ** 2 == pytest.approx(want.sum() / PX_PER_MM ** 2, rel=0.03)
    out = tmp_path / "fob.stl"
    status, answer = cli_json("convert", "-o", str(out), "--mode", "keychain", "--text", "Anna", "--json")
    assert status == 0 and answer["mode"] == "keychain" and trimesh.load_mesh(out).is_watertight


def test_text_under_a_photo_keeps_its_size_in_mm(tmp_path):
    from octoprint_img2print.building.lettering import lettered
    from octoprint_img2print.modes.keychain import KeychainOptions

    photo = tmp_path / "photo.png"
    Image.new("L", (400, 300), 128).save(photo)
    picture = lettered(photo, "photo.png", KeychainOptions(text="Max", text_size=6.0, width=40.0), 12.0)
    px_per_mm = 400 / 40
    want, _ = _freetype_ink("Max", SANS, 6.0)
    letters = picture.lightness[300:] < 0.5  # under the photo's 300 rows
    assert picture.lightness.shape[1] == 400 and np.allclose(picture.lightness[:300], 128 / 255, atol=0.01)
    assert letters.sum() / px_per_mm ** 2 == pytest.approx(want.sum() / PX_PER_MM ** 2, rel=0.04)


def test_positions_go_to_the_characters_left_after_white_space_collapses():
    """SVG 2 §11.5: x, y, dx, dy and rotate values belong to addressable characters, which leading white space
    and a run of spaces beyond the first are not."""
    document = ('<svg xmlns="http://www.w3.org/2000/svg"><text x="10 40 70" y="30" font-size="20" '
                'font-family="DejaVu Sans">\n    A<tspan>B</tspan>   C</text></svg>')
    region = load_svg(document.encode(), "t.svg", 0.01).region
    from fontTools.ttLib import TTFont

    font = TTFont(str(SANS))
    lefts = sorted(outline.bounds(p)[0] / PX for p in region.decompose())
    ink_left = [font["glyf"][font.getBestCmap()[ord(c)]].xMin * 20 / font["head"].unitsPerEm for c in "AB"]
    assert lefts[0] == pytest.approx(10 + ink_left[0], abs=0.05)
    assert lefts[1] == pytest.approx(40 + ink_left[1], abs=0.05)
    assert lefts[2] > 70  # the space before C lies at 70, C after it


@pytest.mark.parametrize("how", ["svg", "png"])
def test_parts_that_touch_at_a_point_become_separate_closed_solids(tmp_path, how):
    """A path crossing itself under the even-odd rule and a checkerboard join parts at single points; as they are
    written, a slicer (like trimesh, which joins corners by position) must see closed solids."""
    if how == "svg":
        path = tmp_path / "crossing.svg"
        path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="50mm" height="50mm" viewBox="0 0 50 50">'
                        '<path fill-rule="evenodd" d="M 25 2 L 39 47 L 2 18 L 48 18 L 11 47 Z '
                        'M 5 5 L 45 45 L 45 5 L 5 45 Z"/></svg>')
    else:
        path = tmp_path / "checker.png"
        Image.fromarray((np.indices((8, 8)).sum(0) % 2 * 255).astype(np.uint8).repeat(50, 0).repeat(50, 1)).save(path)
    out = tmp_path / "parts.stl"
    status, answer = cli_json("convert", str(path), "-o", str(out), "--mode", "logo", "--plate", "none", "--json")
    assert status == 0 and answer["closed"]
    written = trimesh.load_mesh(out)  # welded by position, as a slicer reads it
    assert written.is_watertight and written.is_winding_consistent and written.body_count == answer["shells"] > 1


def test_the_check_sees_parts_joined_at_an_edge_as_a_slicer_does():
    from octoprint_img2print.geometry.checks import summarize
    from octoprint_img2print.geometry.mesh import Mesh

    box = trimesh.creation.box(extents=(1, 1, 1))
    other = box.copy()
    other.apply_translation((1, 1, 0))  # shares the vertical edge at x = y = 0.5
    mesh = Mesh(np.vstack([box.vertices, other.vertices]).astype(np.float32),
                np.vstack([box.faces, other.faces + len(box.vertices)]).astype(np.int32))
    summary = summarize(mesh)
    assert not summary.closed and summary.non_manifold_edges == 1


def test_findings_in_words_added_under_a_picture_point_at_no_pixel_of_it(tmp_path):
    """A finding in the words lies outside the picture: it is placed in mm only, while one in the picture keeps
    its pixel."""
    path = tmp_path / "thin.svg"
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40mm" height="40mm" viewBox="0 0 40 40">'
                    '<rect x="5" y="5" width="30" height="30"/><rect x="10" y="10" width="20" height="0.2" '
                    'fill="white"/></svg>')
    status, answer = cli_json("convert", str(path), "-o", str(tmp_path / "t.stl"), "--mode", "logo", "--text", "Anna",
                              "--bold", "--json")
    assert status == 0
    gaps = [f for f in answer["findings"] if f["code"] == "gap_below_nozzle"]
    in_picture = [f for f in gaps if f["numbers"]["y_mm"] > 20]
    in_words = [f for f in gaps if f["numbers"]["y_mm"] < 15]
    assert in_picture and all("x_px" in f["numbers"] and "pixel" in f["message"] for f in in_picture)
    assert in_words and all("x_px" not in f["numbers"] and "pixel" not in f["message"] for f in in_words)
    fonts = [f for f in answer["findings"] if f["code"] == "svg_text_fonts"]
    assert len(fonts) == 1 and fonts[0]["numbers"]["fonts"] == ["DejaVu Sans"]


def test_findings_of_words_without_a_picture_point_at_no_pixel(tmp_path):
    status, answer = cli_json("convert", "-o", str(tmp_path / "t.stl"), "--text", "Hi, i. ;", "--text-size", "2",
                              "--despeckle", "0", "--json")
    assert status == 0
    placed = [f for f in answer["findings"] if "x_mm" in f["numbers"]]
    assert placed and all("x_px" not in f["numbers"] and "pixel" not in f["message"] for f in placed)
