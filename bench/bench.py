"""img2print benchmark: wall time, peak memory, triangles and file size, each case in its own process.

Usage: .venv/bin/python bench/bench.py [CASE ...]   (cases: see CASES; default all)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def photo_12mp(path: Path, seed: int = 7) -> Path:
    """A 4000 x 3000 photo-like JPEG: smooth gradients, soft and hard-edged shapes, fine texture, sensor noise."""
    rng = np.random.default_rng(seed)
    height, width = 3000, 4000
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = 190 - 110 * y / height + 20 * np.sin(x / 700.0)
    for _ in range(14):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(150, 900)
        d = np.hypot(x - cx, y - cy) / r
        hard = rng.random() < 0.5
        weight = (d < 1).astype(np.float32) if hard else np.clip(1 - d, 0, 1) ** 2
        image = image * (1 - weight) + rng.uniform(20, 235) * (1 - 0.4 * d) * weight
    image += 6 * np.sin(x / 9.0) * np.sin(y / 13.0) * (y > height * 0.7)
    image += rng.normal(0, 2.0, image.shape).astype(np.float32)
    rgb = np.clip(np.stack([image * 0.95, image, image * 1.05 + 5], axis=-1), 0, 255).astype(np.uint8)
    Image.fromarray(rgb).save(path, quality=90)
    return path


def run_case(args: list[str]) -> dict:
    """Run one img2print command in a child process; return its JSON answer, wall time and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "octoprint_img2print.cli", *args, "--json"],
                               stdout=subprocess.PIPE, cwd=ROOT)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"img2print failed ({status}): {' '.join(args)}")
    answer = json.loads(output)
    return {"wall_s": round(wall, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "triangles": answer["triangles"], "file_mb": round(answer["file_bytes"] / 1e6, 1),
            "closed": answer["closed"]}


def make_input(function: str, path: Path) -> Path:
    """Write a bench input in a child process, so this process stays small.

    Linux carries a parent's peak memory into every child it forks, so a large parent would inflate the
    peak memory measured for the conversions.
    """
    subprocess.run([sys.executable, __file__, "--make", function, str(path)], check=True)
    return path


def lithophane_12mp(work: Path) -> dict:
    """A 12 MP photo to a 100 mm lithophane, adaptive (default settings) against the full grid."""
    photo = make_input("photo_12mp", work / "photo-12mp.jpg")
    common = ["convert", str(photo), "--width", "100"]
    adaptive = run_case([*common, "-o", str(work / "adaptive.stl")])
    grid = run_case([*common, "-o", str(work / "grid.stl"), "--full-grid"])
    return {"adaptive": adaptive, "full_grid": grid,
            "adaptive_triangles_share": round(adaptive["triangles"] / grid["triangles"], 3),
            "goals": "adaptive: wall <= 3 s, peak <= 400 MB, triangles <= 15% of the full grid"}


def lithophane_12mp_png(work: Path) -> dict:
    """The same photo as a lossless PNG (no reduced-scale decoding), adaptive only."""
    photo = work / "photo-12mp.png"
    as_png = "import sys; from PIL import Image; Image.open(sys.argv[1]).save(sys.argv[2])"
    jpeg = make_input("photo_12mp", work / "photo-12mp.jpg")
    subprocess.run([sys.executable, "-c", as_png, str(jpeg), str(photo)], check=True)
    return {"adaptive": run_case(["convert", str(photo), "--width", "100", "-o", str(work / "png.stl")])}


CASES = {"lithophane-12mp": lithophane_12mp, "lithophane-12mp-png": lithophane_12mp_png}


def main() -> None:
    """Run the chosen cases and print one JSON object per case."""
    if sys.argv[1:2] == ["--make"]:
        globals()[sys.argv[2]](Path(sys.argv[3]))
        return
    chosen = sys.argv[1:] or list(CASES)
    print(json.dumps({"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}))
    with tempfile.TemporaryDirectory(prefix="img2print-bench-") as folder:
        for name in chosen:
            print(json.dumps({"case": name, **CASES[name](Path(folder))}, indent=1))


if __name__ == "__main__":
    main()
