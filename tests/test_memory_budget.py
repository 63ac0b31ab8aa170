"""Every surface is bounded before it takes more memory than the job may use: a full grid is refused before any
work, an adaptive surface that needs more triangles than the budget allows is refused where it stops (issue 29's
17 GB full grid)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

import numpy as np
from conftest import ROOT, cli_json
from PIL import Image

COMMAND = [sys.executable, "-m", "octoprint_img2print.command"]


def test_a_full_grid_past_the_budget_is_refused_at_once_and_writes_nothing(tmp_path):
    Image.fromarray((np.random.default_rng(1).random((200, 200)) * 255).astype(np.uint8)).save(tmp_path / "s.png")
    started = time.monotonic()
    code, answer = cli_json("convert", str(tmp_path / "s.png"), "-o", str(tmp_path / "grid.stl"), "--width", "1000",
                            "--height", "1000", "--pitch", "0.2", "--full-grid", "--json")
    assert (code, answer["error"]["code"]) == (2, "bad_parameter") and "50,000,000 triangles" in answer["error"][
        "message"]
    assert time.monotonic() - started < 20 and not (tmp_path / "grid.stl").exists()


def test_an_adaptive_surface_past_the_budget_is_refused_within_the_jobs_memory(tmp_path):
    """Noise at every grid point under a 1 GB address-space limit (the plugin's memory cap works the same way)."""
    Image.fromarray((np.random.default_rng(2).random((1200, 1200)) * 255).astype(np.uint8)).save(tmp_path / "n.png")
    cap = 1024**3

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    run = subprocess.run([*COMMAND, "convert", str(tmp_path / "n.png"), "-o", str(tmp_path / "noise.stl"),
                          "--width", "120", "--smoothing", "0", "--json"], capture_output=True, text=True, cwd=ROOT,
                         preexec_fn=limited, timeout=600)
    assert run.returncode == 3, run.stderr[-2000:]
    assert '"surface_too_large"' in run.stdout and "--max-error" in run.stdout
    assert not (tmp_path / "noise.stl").exists()
    ok = subprocess.run([*COMMAND, "convert", str(tmp_path / "n.png"), "-o", str(tmp_path / "coarse.stl"),
                         "--width", "120", "--pitch", "0.5", "--json"], capture_output=True, text=True, cwd=ROOT,
                        preexec_fn=limited, timeout=600)
    assert ok.returncode == 0, ok.stderr[-2000:]  # the advice works


def _limited(cap: int):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    return limit


def test_a_solid_too_large_to_shape_in_the_memory_left_is_refused_not_crashed(tmp_path):
    """A full-grid lithophane of 3 million triangles stood on its foot for slicing under a 1.3 GB address-space
    limit: manifold3d, which shapes the foot, would stop the whole process (a segmentation fault) when memory ran
    out; the room is measured first and the slice refused, naming the numbers and what to do."""
    Image.fromarray((np.random.default_rng(1).random((300, 400)) * 255).astype(np.uint8)).save(tmp_path / "n.png")
    run = subprocess.run([*COMMAND, "slice", str(tmp_path / "n.png"), "-o", str(tmp_path / "n.gcode"), "--mode",
                          "lithophane", "--width", "140", "--pitch", "0.1", "--full-grid", "--printer", "generic",
                          "--json"], capture_output=True, text=True, cwd=ROOT, preexec_fn=_limited(1_300 * 1024**2),
                         timeout=600)
    assert run.returncode == 3, (run.returncode, run.stderr[-2000:])
    error = json.loads(run.stdout)["error"]
    assert error["code"] == "too_large_for_memory" and "--pitch" in error["message"] and "GB" in error["message"]
    assert not (tmp_path / "n.gcode").exists()


def test_a_model_with_more_triangles_than_the_jobs_memory_holds_is_refused_before_it_is_read(tmp_path):
    """1.3 million triangles under a 1 GB address-space limit (about 1.1 million fit): refused from the file's size
    alone; without the limit (2 GB on the command line) the same file is read and checked."""
    count = 1_300_000
    records = np.zeros(count, dtype=[("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
    records["corners"] = np.random.default_rng(3).random((count, 3, 3)) * 100
    with open(tmp_path / "many.stl", "wb") as handle:
        handle.write(b"\0" * 80 + np.uint32(count).tobytes())
        records.tofile(handle)
    run = subprocess.run([*COMMAND, "check", str(tmp_path / "many.stl"), "--json"], capture_output=True, text=True,
                         cwd=ROOT, preexec_fn=_limited(1024**3), timeout=600)
    error = json.loads(run.stdout)["error"]
    assert run.returncode == 3 and error["code"] == "too_many_triangles", run.stdout[-2000:]
    assert "1300000 triangles" in error["message"] and "memory" in error["message"]
    _code, answer = cli_json("check", str(tmp_path / "many.stl"), "--json")
    assert answer["triangles"] == count and "error" not in answer, answer
