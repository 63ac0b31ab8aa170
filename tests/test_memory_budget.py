"""Every surface is bounded before it takes more memory than the job may use: a full grid is refused before any
work, an adaptive surface that needs more triangles than the budget allows is refused where it stops (issue 29's
17 GB full grid)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time

import numpy as np
from conftest import ROOT, cli_json
from PIL import Image

COMMAND = [sys.executable, "-m", "octoprint_img2print.cli"]


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
