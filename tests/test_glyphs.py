"""Fonts and shaped glyph outlines, checked against FreeType's rendering of the same text through Pillow."""

from __future__ import annotations

import importlib.resources
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from PIL import Image, ImageDraw, ImageFont
from PIL import features as pil_features

from octoprint_img2print.imaging import fonts, glyphs
from octoprint_img2print.imaging.fonts import find_font
from octoprint_img2print.imaging.glyphs import ascent_descent, shape

SIZE = 200  # em size in pixels for the comparisons with FreeType
SHIPPED = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf"]


def _shipped(name: str) -> fonts.Font:
    """A face of the shipped fonts, whatever is installed."""
    path = fonts.SHIPPED_FOLDER / name
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        return fonts.Font(path, 0, font["name"].getDebugName(1), font["OS/2"].usWeightClass, False)


def _nonzero_raster(rings: list[np.ndarray], width: int, height: int) -> np.ndarray:
    """Pixels whose centre lies inside the rings under the nonzero rule (winding numbers counted along each row)."""
    winding = np.zeros((height, width + 1), dtype=np.int32)
    for ring in rings:
        for (x0, y0), (x1, y1) in zip(ring, np.roll(ring, -1, axis=0)):
            if y0 == y1:
                continue
            rows = np.arange(max(0, math.ceil(min(y0, y1) - 0.5)), min(height, math.ceil(max(y0, y1) - 0.5)))
            crossings = x0 + (rows + 0.5 - y0) * (x1 - x0) / (y1 - y0)
            columns = np.clip(np.ceil(crossings - 0.5), 0, width).astype(int)
            np.add.at(winding, (rows, columns), 1 if y1 > y0 else -1)
    return np.cumsum(winding, axis=1)[:, :width] != 0


def _placed(text: str, font: fonts.Font, origin: tuple[float, float]) -> tuple[list[np.ndarray], float]:
    """Our rings of the shaped text with the first glyph's origin at ``origin``, and the total advance."""
    x, y = origin
    rings = []
    for glyph in shape(text, font, SIZE, 0.05):
        rings += [ring + np.array([x + glyph.x_offset, y + glyph.y_offset]) for ring in glyph.rings]
        x += glyph.x_advance
        y += glyph.y_advance
    return rings, x - origin[0]


@pytest.mark.parametrize(("text", "file"), [
    ("Hallo Welt!", "DejaVuSans.ttf"),
    ("fi ligature & Kerning AV", "DejaVuSans.ttf"),
    ("0123456789", "DejaVuSans.ttf"),
    ("Ägypten", "DejaVuSans.ttf"),
    ("Hallo Welt!", "DejaVuSans-Bold.ttf"),
    ("Ägypten fi AV", "DejaVuSerif.ttf"),
    ("0123456789 {x}", "DejaVuSansMono.ttf"),
])
def test_outlines_match_freetype(text: str, file: str) -> None:
    """Ink area, advance and shape of our outlines agree with Pillow's FreeType rendering at the same size."""
    require(pil_features.check("raqm"), "Pillow with Raqm (without it, no ligatures or GPOS kerning)")
    font = _shipped(file)
    reference = ImageFont.truetype(str(font.path), SIZE, layout_engine=ImageFont.Layout.RAQM)
    length = reference.getlength(text)
    origin = (50, 260)
    width, height = int(length) + 100, 360
    theirs = Image.new("L", (width, height))
    ImageDraw.Draw(theirs).text(origin, text, font=reference, fill=255, anchor="ls")
    coverage = np.asarray(theirs, dtype=np.float64) / 255
    rings, advance = _placed(text, font, origin)
    ours = _nonzero_raster(rings, width, height)

    assert advance == pytest.approx(length, rel=0.01)
    assert ours.sum() == pytest.approx(coverage.sum(), rel=0.02)
    inked = coverage >= 0.5
    assert (ours & inked).sum() / (ours | inked).sum() >= 0.95


def test_shipped_fonts_are_package_data() -> None:
    """The shipped DejaVu 2.37 files, their licence and README are reachable as the package's data."""
    folder = importlib.resources.files("octoprint_img2print") / "fonts"
    for name in [*SHIPPED, "LICENSE", "README"]:
        assert folder.joinpath(name).is_file(), name
    assert Path(str(folder)).resolve() == fonts.SHIPPED_FOLDER
    assert "Bitstream Vera" in folder.joinpath("LICENSE").read_text()
    assert _shipped("DejaVuSans.ttf").family == "DejaVu Sans"
    from fontTools.ttLib import TTFont

    for name in SHIPPED:
        with TTFont(str(fonts.SHIPPED_FOLDER / name), lazy=True) as font:
            assert font["name"].getDebugName(5) == "Version 2.37"


def test_bold_face_of_a_family() -> None:
    """A CSS weight picks the family's face of that weight; a regular request does not get the condensed face."""
    bold = find_font(["DejaVu Sans"], 700)
    assert (bold.path.name, bold.family, bold.weight, bold.italic) == ("DejaVuSans-Bold.ttf", "DejaVu Sans", 700, False)
    assert find_font(["dejavu sans"]).path.name == "DejaVuSans.ttf"
    assert find_font(["DejaVu Sans"], 900).weight == 700


def test_first_installed_family_or_generic_wins() -> None:
    """An unknown family is passed over; the generic serif and monospace map to DejaVu Serif and Sans Mono."""
    assert find_font(["No Such Font", "serif"]).family == "DejaVu Serif"
    assert find_font(["monospace", "serif"]).family == "DejaVu Sans Mono"
    assert find_font(["No Such Font"]).family == "DejaVu Sans"
    assert find_font([]).family == "DejaVu Sans"


def test_weight_matching_follows_css() -> None:
    """Between faces of 400 and 700: 500 takes the lighter, 600 the heavier, 300 the lighter."""
    faces = [fonts._Face(fonts.Font(Path(f"{weight}.ttf"), 0, "F", weight, False), 5) for weight in (400, 700)]
    assert [fonts._best(faces, weight, False).weight for weight in (300, 500, 600, 900)] == [400, 400, 700, 700]
    faces.append(fonts._Face(fonts.Font(Path("italic.ttf"), 0, "F", 400, True), 5))
    assert fonts._best(faces, 700, True).path.name == "italic.ttf"  # the style before the weight


def test_shipped_copies_when_nothing_is_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no installed fonts the shipped DejaVu files serve: Bold from 600, regular Serif and Mono for any style."""
    monkeypatch.setattr(fonts, "FONT_FOLDERS", (str(tmp_path),))
    for families, weight, italic, file in [
        (["Unknown Family"], 400, False, "DejaVuSans.ttf"),
        (["Unknown Family"], 600, False, "DejaVuSans-Bold.ttf"),
        (["sans-serif"], 500, True, "DejaVuSans.ttf"),
        (["serif"], 700, True, "DejaVuSerif.ttf"),
        (["Nope", "monospace"], 400, False, "DejaVuSansMono.ttf"),
        (["cursive"], 400, False, "DejaVuSans.ttf"),
    ]:
        font = find_font(families, weight, italic)
        assert font.path == fonts.SHIPPED_FOLDER / file, (families, weight, italic)


def test_broken_font_files_are_skipped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Garbage, a cut font, a collection claiming billions of faces and a pipe are skipped; a good font is found."""
    (tmp_path / "garbage.ttf").write_bytes(os.urandom(5000))
    (tmp_path / "cut.ttf").write_bytes((fonts.SHIPPED_FOLDER / "DejaVuSerif.ttf").read_bytes()[:3000])
    (tmp_path / "bomb.ttc").write_bytes(b"ttcf\x00\x01\x00\x00\xff\xff\xff\xff" + bytes(64))
    (tmp_path / "empty.otf").write_bytes(b"")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.ttf")
    nested = tmp_path / "deeper" / "still"
    nested.mkdir(parents=True)
    shutil.copy(fonts.SHIPPED_FOLDER / "DejaVuSerif.ttf", nested / "Copy.TTF")
    monkeypatch.setattr(fonts, "FONT_FOLDERS", (str(tmp_path),))
    assert find_font(["DejaVu Serif"]).path == nested / "Copy.TTF"


def test_scan_is_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No more than MAX_FONT_FILES font files are read; other files are not counted."""
    for number in range(5):
        (tmp_path / f"{number}.otf").write_bytes(b"")
        (tmp_path / f"{number}.txt").write_bytes(b"")
    monkeypatch.setattr(fonts, "MAX_FONT_FILES", 3)
    assert [path.name for path in fonts._font_files([str(tmp_path)])] == ["0.otf", "1.otf", "2.otf"]


def test_arabic_is_shaped() -> None:
    """Arabic is laid out right to left with joined forms: lam and alef make one glyph, clusters run backwards."""
    font = find_font(["DejaVu Sans"])
    text = "السلام عليكم"
    shaped = shape(text, font, 100, 0.05)
    assert len(shaped) < len(text)
    clusters = [glyph.cluster for glyph in shaped]
    assert clusters == sorted(clusters, reverse=True)
    assert all(glyph.rings for glyph, cluster in zip(shaped, clusters) if text[cluster] != " ")


def test_clusters_count_characters_and_missing_glyphs_keep_their_advance() -> None:
    """Clusters are indices into the str (not UTF-8 bytes); a character DejaVu lacks advances without ink."""
    font = _shipped("DejaVuSans.ttf")
    shaped = shape("ä中€b", font, 100, 0.05)
    assert [glyph.cluster for glyph in shaped] == [0, 1, 2, 3]
    assert shaped[1].rings == () and shaped[1].x_advance > 0
    assert all(glyph.rings for glyph in (shaped[0], shaped[2], shaped[3]))


def test_features_and_direction() -> None:
    """Ligatures are on unless turned off; a direction can be forced, a wrong one is refused."""
    font = _shipped("DejaVuSans.ttf")
    assert len(shape("fi", font, 10, 0.05)) == 1
    assert len(shape("fi", font, 10, 0.05, features={"liga": False})) == 2
    assert [glyph.cluster for glyph in shape("ab", font, 10, 0.05, direction="rtl")] == [1, 0]
    kerned = sum(glyph.x_advance for glyph in shape("AV", font, 100, 0.05))
    plain = sum(glyph.x_advance for glyph in shape("AV", font, 100, 0.05, features={"kern": False}))
    assert kerned < plain
    with pytest.raises(ValueError, match="direction"):
        shape("ab", font, 10, 0.05, direction="sideways")


def test_geometry_is_y_down_scaled_and_oriented() -> None:
    """A capital stands on the baseline at negative y up to its cap height; an outer ring has a positive shoelace
    area and the hole of an o a negative one; ascent and descent are the font's, scaled, both positive."""
    from fontTools.ttLib import TTFont

    font = _shipped("DejaVuSans.ttf")
    with TTFont(str(font.path)) as ttfont:
        units = ttfont["head"].unitsPerEm
        cap = ttfont["glyf"]["H"].yMax * 100 / units
        ascent, descent = ttfont["hhea"].ascent * 100 / units, -ttfont["hhea"].descent * 100 / units
    (letter,) = shape("H", font, 100, 0.05)
    points = np.concatenate(letter.rings)
    assert points[:, 1].max() == pytest.approx(0, abs=1e-9)
    assert points[:, 1].min() == pytest.approx(-cap, abs=0.01)
    (o,) = shape("o", font, 100, 0.05)
    areas = sorted(0.5 * float(np.sum(r[:, 0] * np.roll(r[:, 1], -1) - np.roll(r[:, 0], -1) * r[:, 1]))
                   for r in o.rings)
    assert areas[0] < 0 < areas[1] and abs(areas[0]) < areas[1]
    assert ascent_descent(font, 100) == pytest.approx((ascent, descent))


def test_curves_stay_within_the_tolerance() -> None:
    """Every point of a finely flattened outline lies within the tolerance of the coarse one, with few points."""
    import shapely

    font = _shipped("DejaVuSerif.ttf")
    for tolerance in (0.05, 0.5):
        (coarse,) = shape("S", font, 100, tolerance)
        (fine,) = shape("S", font, 100, 0.0005)
        for rough, exact in zip(coarse.rings, fine.rings):
            assert shapely.distance(shapely.linearrings(rough), shapely.points(exact)).max() <= tolerance + 0.001
        assert sum(map(len, coarse.rings)) < sum(map(len, fine.rings)) / 4


def test_length_is_bounded() -> None:
    """Up to MAX_CHARACTERS characters are shaped; one more is refused with a ValueError."""
    font = _shipped("DejaVuSans.ttf")
    assert len(shape("ab" * (glyphs.MAX_CHARACTERS // 2), font, 10, 0.1)) == glyphs.MAX_CHARACTERS
    with pytest.raises(ValueError, match="characters"):
        shape("x" * (glyphs.MAX_CHARACTERS + 1), font, 10, 0.1)
    with pytest.raises(ValueError):
        shape("x", font, 0, 0.1)


def test_damaged_fonts_raise_oserror(tmp_path: Path) -> None:
    """A file that is no font, and a glyph made of itself (a component loop), give an OSError to translate."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent

    garbage = tmp_path / "garbage.ttf"
    garbage.write_bytes(os.urandom(4000))
    with pytest.raises(OSError, match="cannot be read"):
        shape("A", fonts.Font(garbage, 0, "Garbage", 400, False), 10, 0.1)

    font = TTFont(str(fonts.SHIPPED_FOLDER / "DejaVuSans.ttf"))
    composite = Glyph()
    composite.numberOfContours, component = -1, GlyphComponent()
    component.glyphName, component.x, component.y, component.flags = "B", 0, 0, 0
    composite.components = [component]
    font["glyf"]["A"] = composite
    looped = tmp_path / "looped.ttf"
    font.save(str(looped))  # then "A" made of "B" becomes "A" made of "A": fontTools refuses to write that
    with TTFont(str(looped)) as saved:
        start = saved.reader.tables["glyf"].offset + saved["loca"][saved.getGlyphID("A")] + 12
        own_id = saved.getGlyphID("A")
    data = bytearray(looped.read_bytes())
    data[start:start + 2] = own_id.to_bytes(2, "big")
    looped.write_bytes(bytes(data))
    with pytest.raises(OSError, match="cannot be read"):
        shape("A", fonts.Font(looped, 0, "Looped", 400, False), 10, 0.1)


def _cubic_font(path: Path) -> None:
    """A CFF (cubic) font "Cubic Test" whose "o" is a circle of radius 400 units in a 1000-unit em."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    k = 400 * 0.5523  # control distance of a quarter circle
    circle = T2CharStringPen(1000, None)
    circle.moveTo((900, 400))
    for (x1, y1), (x2, y2), (x3, y3) in [((900, 400 + k), (500 + k, 800), (500, 800)),
                                         ((500 - k, 800), (100, 400 + k), (100, 400)),
                                         ((100, 400 - k), (500 - k, 0), (500, 0)),
                                         ((500 + k, 0), (900, 400 - k), (900, 400))]:
        circle.curveTo((x1, y1), (x2, y2), (x3, y3))
    circle.closePath()
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "o"])
    builder.setupCharacterMap({ord("o"): "o"})
    builder.setupCFF("CubicTest-Regular", {"FullName": "Cubic Test"},
                     {".notdef": T2CharStringPen(500, None).getCharString(), "o": circle.getCharString()}, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "o": (1000, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Cubic Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))


def test_cubic_outlines_of_a_cff_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An installed .otf is found by its family name; its cubic curves flatten within the tolerance, and its outer
    ring comes out the other way round from TrueType's (as the font has it)."""
    import shapely

    _cubic_font(tmp_path / "cubic.otf")
    monkeypatch.setattr(fonts, "FONT_FOLDERS", (str(tmp_path),))
    font = find_font(["Cubic Test"])
    assert (font.path, font.family) == (tmp_path / "cubic.otf", "Cubic Test")
    first, second = shape("oo", font, 100, 0.05)
    assert second.rings[0] == pytest.approx(first.rings[0])
    assert first.x_advance == pytest.approx(100)
    (ring,) = first.rings
    (exact,) = shape("o", font, 100, 0.0005)[0].rings
    assert shapely.distance(shapely.linearrings(ring), shapely.points(exact)).max() <= 0.05 + 0.001
    area = 0.5 * float(np.sum(ring[:, 0] * np.roll(ring[:, 1], -1) - np.roll(ring[:, 0], -1) * ring[:, 1]))
    assert area == pytest.approx(-math.pi * 40**2, rel=0.01)
    assert ring[:, 1].min() == pytest.approx(-80) and ring[:, 1].max() == pytest.approx(0, abs=1e-9)
