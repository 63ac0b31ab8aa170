"""GeoTIFF elevation maps: the file's own pixel size gives a true-scale terrain, its no-data pixels lie at the base.

The GeoTIFFs are written here with tifffile and their GeoTIFF tags; the STL is measured with trimesh.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import tifffile
from solids import assert_printable_solid, assert_size, surface_height

from octoprint_img2print.command.main import main

ROWS, COLUMNS = 100, 200
BASE = 2.0
UTM_33N, WGS84 = 32633, 4326
METRE, FOOT, INDIAN_FOOT = 9001, 9002, 9080
# Lengths of one degree at latitude 60 on the WGS 84 ellipsoid, from published tables.
LONGITUDE_DEGREE_AT_60 = 55_799.98
LATITUDE_DEGREE_AT_60 = 111_412.24


def terrain() -> np.ndarray:
    """A hill of 100 m on a plain at 500 m, centred on the raster; float32 like GDAL's elevation exports."""
    y, x = np.mgrid[0:ROWS, 0:COLUMNS].astype(np.float64)
    hill = np.exp(-((x - COLUMNS / 2) ** 2 + (y - ROWS / 2) ** 2) / 800.0)
    return (500.0 + 100.0 * (hill - hill.min()) / (hill.max() - hill.min())).astype(np.float32)


def projected_keys(unit: int) -> list[int]:
    """A GeoKeyDirectory for a projected CRS (UTM 33N) with its linear unit."""
    return [1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, UTM_33N, 3076, 0, 1, unit]


def geographic_keys() -> list[int]:
    """A GeoKeyDirectory for a geographic CRS (WGS 84) in degrees."""
    return [1, 1, 0, 4, 1024, 0, 1, 2, 1025, 0, 1, 1, 2048, 0, 1, WGS84, 2054, 0, 1, 9102]


def write_geotiff(path, elevation: np.ndarray, keys: list[int] | None, scale: float = 0.0,
                  top_left: tuple[float, float] = (500_000.0, 4_000_000.0), nodata: str | None = None):
    """A GeoTIFF as GDAL writes one: pixel scale, one tiepoint at the top left corner, keys and GDAL_NODATA."""
    tags = []
    if keys is not None:
        tags += [(33550, "d", 3, (scale, scale, 0.0), False),
                 (33922, "d", 6, (0.0, 0.0, 0.0, *top_left, 0.0), False),
                 (34735, "H", len(keys), keys, False)]
    if nodata is not None:
        tags.append((42113, "s", 0, nodata, False))
    tifffile.imwrite(path, elevation, extratags=tags)
    return path


def convert(capsys, source, output, *options: str) -> dict:
    """Convert with the command line as a topo map and return its JSON answer."""
    assert main(["convert", str(source), "-o", str(output), "--json", "--mode", "topo", "--width", "100",
                 "--base", str(BASE), *options]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["closed"] is True
    return answer


def codes(answer: dict) -> list[str]:
    return [finding["code"] for finding in answer["findings"]]


def true_relief(ground_width_m: float, exaggeration: float = 1.0) -> float:
    """Model height of the 100 m hill printed 100 mm wide over ``ground_width_m`` metres, with the base."""
    return BASE + 100.0 * 100.0 / ground_width_m * exaggeration


def test_projected_geotiff_in_metres_prints_at_true_scale_without_ground_pixel(capsys, tmp_path):
    path = write_geotiff(tmp_path / "dem.tif", terrain(), projected_keys(METRE), scale=5.0)
    answer = convert(capsys, path, tmp_path / "dem.stl", "--exaggeration", "2")
    assert_size(assert_printable_solid(tmp_path / "dem.stl"), {0: 100.0, 1: 50.0, 2: true_relief(1000.0, 2.0)})
    [found] = [f for f in answer["findings"] if f["code"] == "ground_pixel_from_geotiff"]
    assert found["level"] == "info" and found["numbers"]["ground_pixel_m"] == pytest.approx(5.0)
    assert "GeoTIFF" in found["message"]


def test_projected_geotiff_in_feet_is_converted_to_metres(capsys, tmp_path):
    path = write_geotiff(tmp_path / "feet.tif", terrain(), projected_keys(FOOT), scale=10.0)
    convert(capsys, path, tmp_path / "feet.stl")
    ground_width = COLUMNS * 10.0 * 0.3048
    assert_size(assert_printable_solid(tmp_path / "feet.stl"), {2: true_relief(ground_width)})


def test_geographic_geotiff_is_measured_at_its_centre_latitude_and_keeps_its_shape(capsys, tmp_path):
    arc_second = 1 / 3600
    top = 60.0 + ROWS / 2 * arc_second
    path = write_geotiff(tmp_path / "geo.tif", terrain(), geographic_keys(), scale=arc_second, top_left=(10.0, top))
    answer = convert(capsys, path, tmp_path / "geo.stl", "--exaggeration", "3")
    ground_width = COLUMNS * arc_second * LONGITUDE_DEGREE_AT_60
    ground_height = ROWS * arc_second * LATITUDE_DEGREE_AT_60
    mesh = assert_printable_solid(tmp_path / "geo.stl")
    assert_size(mesh, {0: 100.0, 1: 100.0 * ground_height / ground_width, 2: true_relief(ground_width, 3.0)})
    [found] = [f for f in answer["findings"] if f["code"] == "ground_pixel_from_geotiff"]
    assert found["numbers"]["latitude"] == pytest.approx(60.0, abs=1e-6)
    assert found["numbers"]["across_m"] == pytest.approx(arc_second * LONGITUDE_DEGREE_AT_60, rel=1e-4)
    assert found["numbers"]["down_m"] == pytest.approx(arc_second * LATITUDE_DEGREE_AT_60, rel=1e-4)
    assert "latitude 60.000" in found["message"]


def test_explicit_ground_pixel_overrides_the_geotiff(capsys, tmp_path):
    path = write_geotiff(tmp_path / "dem.tif", terrain(), projected_keys(METRE), scale=5.0)
    answer = convert(capsys, path, tmp_path / "given.stl", "--ground-pixel", "10")
    assert_size(assert_printable_solid(tmp_path / "given.stl"), {2: true_relief(COLUMNS * 10.0)})
    assert "ground_pixel_from_geotiff" not in codes(answer)


def test_unknown_linear_unit_is_said_and_the_relief_height_is_used(capsys, tmp_path):
    path = write_geotiff(tmp_path / "odd.tif", terrain(), projected_keys(INDIAN_FOOT), scale=5.0)
    answer = convert(capsys, path, tmp_path / "odd.stl", "--relief-height", "7")
    assert_size(assert_printable_solid(tmp_path / "odd.stl"), {2: BASE + 7.0})
    [found] = [f for f in answer["findings"] if f["code"] == "geotiff_unit_unknown"]
    assert found["level"] == "warning" and found["numbers"]["unit"] == INDIAN_FOOT


@pytest.mark.parametrize(("missing", "tag"), [(-9999.0, "-9999"), (math.nan, "nan")])
def test_no_data_pixels_lie_at_the_base(capsys, tmp_path, missing, tag):
    elevation = terrain()
    elevation[:30, :40] = missing
    elevation[40:60, 95:105] = missing
    path = write_geotiff(tmp_path / "holes.tif", elevation, projected_keys(METRE), scale=5.0, nodata=tag)
    convert(capsys, path, tmp_path / "holes.stl")
    mesh = assert_printable_solid(tmp_path / "holes.stl")
    assert np.isfinite(mesh.vertices).all()
    valid = elevation[np.isfinite(elevation) & (elevation != missing)]
    assert_size(mesh, {0: 100.0, 1: 50.0, 2: BASE + (valid.max() - valid.min()) * 100.0 / 1000.0})
    corner, summit = surface_height(mesh, 5.0, 45.0), surface_height(mesh, 50.0, 25.0)
    assert corner == pytest.approx(BASE, abs=0.02) and summit == pytest.approx(BASE, abs=0.02)
    assert surface_height(mesh, 50.0, 35.0) > BASE + 2.0


def test_nan_in_a_plain_float_tiff_lies_at_the_base(capsys, tmp_path):
    elevation = terrain()
    elevation[:30, :40] = math.nan
    path = write_geotiff(tmp_path / "nan.tif", elevation, None)
    answer = convert(capsys, path, tmp_path / "nan.stl", "--relief-height", "10")
    mesh = assert_printable_solid(tmp_path / "nan.stl")
    assert_size(mesh, {2: BASE + 10.0})
    assert surface_height(mesh, 5.0, 45.0) == pytest.approx(BASE, abs=0.02)
    assert answer["findings"] == []


def test_plain_tiff_without_geotiff_tags_behaves_as_before(capsys, tmp_path):
    path = write_geotiff(tmp_path / "plain.tif", terrain(), None)
    answer = convert(capsys, path, tmp_path / "plain.stl", "--relief-height", "10")
    assert_size(assert_printable_solid(tmp_path / "plain.stl"), {0: 100.0, 1: 50.0, 2: BASE + 10.0})
    assert answer["findings"] == []
    convert(capsys, path, tmp_path / "scaled.stl", "--ground-pixel", "5")
    assert_size(assert_printable_solid(tmp_path / "scaled.stl"), {2: true_relief(1000.0)})


def test_tifffile_is_imported_only_for_tiffs(tmp_path):
    png = tmp_path / "dem.png"
    from PIL import Image
    Image.fromarray(terrain().astype(np.uint16)).save(png)
    script = ("import sys\nfrom pathlib import Path\nfrom octoprint_img2print.imaging.load import load_picture\n"
              f"load_picture(Path({str(png)!r}), keep_values=True)\nprint('tifffile' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert run.stdout.strip() == "False"
