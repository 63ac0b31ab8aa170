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
    # peak memory: the largest of img2print and the slicer it waits for (Linux keeps the maximum)
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"img2print failed ({status}): {' '.join(args)}")
    answer = json.loads(output)
    measured = {"wall_s": round(wall, 2), "peak_mb": round(usage.ru_maxrss / 1024, 1)}
    if "triangles" in answer:
        measured.update(triangles=answer["triangles"], file_mb=round(answer["file_bytes"] / 1e6, 1),
                        closed=answer["closed"])
    else:
        measured.update(estimated_time_s=answer["estimated_time_s"], layers=answer["layers"],
                        filament_mm=round(answer["filament_mm"], 1))
    return measured


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


def svg_1000_paths(path: Path, seed: int = 5) -> Path:
    """An SVG with 1000 paths: Bezier blobs, arcs and straight polygons scattered over a 200 mm page."""
    rng = np.random.default_rng(seed)
    paths = []
    for index in range(1000):
        x, y, r = rng.uniform(5, 195), rng.uniform(5, 195), rng.uniform(0.8, 3.0)
        if index % 3 == 0:
            paths.append(f'<path d="M {x - r:.2f} {y:.2f} A {r:.2f} {r:.2f} 0 1 1 {x + r:.2f} {y:.2f} '
                         f'A {r:.2f} {r:.2f} 0 1 1 {x - r:.2f} {y:.2f} Z"/>')
        elif index % 3 == 1:
            paths.append(f'<path d="M {x:.2f} {y - r:.2f} C {x + 2 * r:.2f} {y - r:.2f} {x + r:.2f} {y + r:.2f} '
                         f'{x:.2f} {y + r:.2f} S {x - 2 * r:.2f} {y - r:.2f} {x:.2f} {y - r:.2f} Z"/>')
        else:
            points = " ".join(f"{x + r * np.cos(a):.2f},{y + r * np.sin(a):.2f}"
                              for a in np.linspace(0, 2 * np.pi, 6, endpoint=False))
            paths.append(f'<polygon points="{points}"/>')
    path.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200mm" height="200mm" viewBox="0 0 200 200">'
                    + "".join(paths) + "</svg>")
    return path


def logo_4000(path: Path) -> Path:
    """A 4000 x 4000 px black-on-white logo: rings, a star, bars and lettering."""
    from PIL import ImageDraw, ImageFont

    image = Image.new("L", (4000, 4000), 255)
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 200, 3800, 3800), fill=0)
    draw.ellipse((500, 500, 3500, 3500), fill=255)
    star = [(2000 + r * np.sin(a), 1700 - r * np.cos(a)) for i, a in enumerate(np.linspace(0, 2 * np.pi, 10,
            endpoint=False)) for r in [900 if i % 2 == 0 else 380]]
    draw.polygon(star, fill=0)
    for i in range(7):
        draw.rectangle((900 + i * 320, 2700, 1080 + i * 320, 3150), fill=0)
    draw.text((1000, 3200), "IMG2PRINT", font=ImageFont.load_default(size=240), fill=0)
    image.save(path)
    return path


def vector_logos(work: Path) -> dict:
    """An SVG with 1000 paths and a 4000 x 4000 px logo, each to a logo plate STL."""
    drawing = make_input("svg_1000_paths", work / "paths.svg")
    picture = make_input("logo_4000", work / "logo-4000.png")
    return {"svg_1000_paths": run_case(["convert", str(drawing), "--mode", "logo", "--width", "150",
                                        "-o", str(work / "paths.stl")]),
            "logo_4000px": run_case(["convert", str(picture), "--mode", "logo", "--width", "100",
                                     "-o", str(work / "logo.stl")]),
            "goals": "each under 2 s on 2 cores"}


def lithophane_to_gcode(work: Path) -> dict:
    """A 12 MP photo to G-code of a 100 mm lithophane with PrusaSlicer, adaptive against the full grid."""
    photo = make_input("photo_12mp", work / "photo-12mp.jpg")
    common = ["slice", str(photo), "--width", "100", "--printer", "prusa_mk4", "--slicer", "prusaslicer"]
    adaptive = run_case([*common, "-o", str(work / "adaptive.gcode")])
    grid = run_case([*common, "-o", str(work / "grid.gcode"), "--full-grid"])
    return {"adaptive": adaptive, "full_grid": grid,
            "speedup": round(grid["wall_s"] / adaptive["wall_s"], 1),
            "memory_share": round(adaptive["peak_mb"] / grid["peak_mb"], 2),
            "goals": "adaptive >= 9x faster, <= half the peak memory, same estimated print time"}


def _octoprint_session(port: int, login: dict):
    import requests

    session = requests.Session()
    session.get(f"http://127.0.0.1:{port}/", timeout=30)
    session.headers["X-CSRF-Token"] = next(c.value for c in session.cookies if c.name.startswith("csrf_token"))
    session.post(f"http://127.0.0.1:{port}/api/login", json={"user": login["user"], "pass": login["password"]},
                 timeout=30).raise_for_status()
    return session


def _latencies(session, url: str, stop, seconds: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        session.get(url, timeout=30)
        seconds.append(time.perf_counter() - started)
        time.sleep(0.1)


def plugin_upload_to_gcode(work: Path) -> dict:
    """Through a real OctoPrint: upload a 12 MP photo, slice it, until the G-code is in the file list;
    and OctoPrint's API latency while idle and while that job runs."""
    import importlib.util
    import threading

    spec = importlib.util.spec_from_file_location("instance", ROOT / ".ci" / "octoprint_instance.py")
    instance = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(instance)
    octoprint = str(ROOT / ".venv" / "bin" / "octoprint")
    base, port = work / "octoprint", 5099
    login = instance.prepare(octoprint, base)
    server = subprocess.Popen(instance.serve_command(octoprint, base, port), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        instance.wait_online(port, process=server)
        time.sleep(5)
        session = _octoprint_session(port, login)
        url = f"http://127.0.0.1:{port}/api/printer"
        idle: list[float] = []
        stop = threading.Event()
        watcher = threading.Thread(target=_latencies, args=(session, url, stop, idle))
        watcher.start()
        time.sleep(5)
        stop.set()
        watcher.join()
        photo = make_input("photo_12mp", work / "photo-12mp.jpg")
        busy: list[float] = []
        stop = threading.Event()
        watcher = threading.Thread(target=_latencies, args=(_octoprint_session(port, login), url, stop, busy))
        started = time.perf_counter()
        watcher.start()
        answer = session.post(f"http://127.0.0.1:{port}/plugin/img2print/upload",
                              files={"file": ("photo-12mp.jpg", photo.read_bytes())},
                              data={"action": "slice", "mode": "lithophane", "options": '{"width": 100}',
                                    "printer": "prusa_mk4"}, timeout=120)
        answer.raise_for_status()
        while "photo-12mp.gcode" not in [f["name"] for f in session.get(
                f"http://127.0.0.1:{port}/api/files/local", timeout=30).json()["files"]]:
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        stop.set()
        watcher.join()

        def summary(values: list[float]) -> dict:
            ordered = sorted(values)
            return {"median_ms": round(1000 * ordered[len(ordered) // 2], 1),
                    "p95_ms": round(1000 * ordered[int(len(ordered) * 0.95)], 1),
                    "max_ms": round(1000 * ordered[-1], 1),
                    "samples": len(ordered)}

        return {"upload_to_gcode_in_file_list_s": round(elapsed, 2), "api_latency_idle": summary(idle),
                "api_latency_while_slicing": summary(busy)}
    finally:
        server.terminate()
        server.wait(timeout=60)


CASES = {"lithophane-12mp": lithophane_12mp, "lithophane-12mp-png": lithophane_12mp_png,
         "vector-logos": vector_logos, "lithophane-gcode": lithophane_to_gcode,
         "plugin": plugin_upload_to_gcode}


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
