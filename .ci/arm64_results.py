"""The Raspberry Pi check's two ends on this machine: the photo it converts, and its results checked as the tests
check them (the solid closed by trimesh's count, the G-code homing, heating first and ending with the heaters off,
on the bed), so that the arm64 run is judged by the same measures as the suite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
import trimesh  # noqa: E402
from gcode_reading import read  # noqa: E402
from pictures import photo_like, save  # noqa: E402
from test_gcode_safety import assert_safe  # noqa: E402

from octoprint_img2print.printers.profile import get_printer  # noqa: E402


def picture(path: Path) -> None:
    """A 3-megapixel photo-like picture with fine grain all over (a detailed photo, not a smooth one)."""
    photo = photo_like(2000, 1500, seed=7).astype(np.int16)
    grain = np.random.default_rng(7).normal(0, 12, photo.shape[:2])[..., None]
    save(np.clip(photo + grain, 0, 255).astype(np.uint8), path)


def check(folder: Path) -> None:
    """The answers and files of the arm64 run, checked."""
    assert (folder / "machine.txt").read_text().strip() == "aarch64", "not run as arm64"
    converted = json.loads((folder / "convert.json").read_text())
    assert converted["ok"] and converted["closed"], converted
    mesh = trimesh.load_mesh(folder / "photo.stl")
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert abs(mesh.extents[0] - 60) < 0.5, mesh.extents
    checked = json.loads((folder / "check.json").read_text())
    assert checked["ok"] and checked["closed"] and checked["triangles"] == len(mesh.faces), checked
    sliced = json.loads((folder / "slice.json").read_text())
    assert sliced["ok"] and sliced["slicer"] == "prusaslicer", sliced
    printer = get_printer("prusa_mk3s")
    assert_safe(folder / "photo.gcode", printer)
    gcode = read(folder / "photo.gcode")
    xs, ys = [x for x, _y in gcode.first_layer_xy], [y for _x, y in gcode.first_layer_xy]
    assert min(xs) >= 0 and max(xs) <= printer.width and min(ys) >= 0 and max(ys) <= printer.depth
    print(f"img2print arm64: {converted['triangles']} triangles, closed by trimesh; G-code of "
          f"{len(gcode.layer_zs)} layers homes, heats and ends cold on the bed")


if __name__ == "__main__":
    {"picture": picture, "check": check}[sys.argv[1]](Path(sys.argv[2]))
