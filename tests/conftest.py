"""Shared test helpers: real tools are required in CI and may only be skipped elsewhere."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
os.environ["LANGUAGE"] = "en"
sys.path.insert(0, str(Path(__file__).parent))


def cli_json(*argv: str) -> tuple[int, dict]:
    """Run the img2print command line with --json among its arguments: its exit code and its JSON answer."""
    from octoprint_img2print.command.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, json.loads(out.getvalue())


def require(available: bool, what: str) -> None:
    """Skip when ``what`` is missing on a developer machine; fail when CI is set."""
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but is missing")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="session")
def prusa_slicer() -> str:
    """Path of the real PrusaSlicer command line."""
    path = shutil.which("prusa-slicer")
    require(path is not None, "prusa-slicer")
    return path


@pytest.fixture(params=["prusaslicer", "cura"])
def slicer(request) -> str:
    """Each real slicer in turn (PrusaSlicer; CuraEngine with Cura's printer definitions)."""
    from octoprint_img2print.slicing.slicers import curaengine

    if request.param == "prusaslicer":
        require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    else:
        require(shutil.which("CuraEngine") is not None and curaengine.resources() is not None,
                "CuraEngine with Cura's definitions (apt packages cura-engine and cura)")
    return request.param


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    """A plain OctoPrint with img2print and its virtual printer, shared by a test module (a module that needs other
    settings defines its own)."""
    from octoprint_server import OCTOPRINT, Server

    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    with Server(OCTOPRINT, tmp_path_factory.mktemp(request.module.__name__) / "base") as running:
        running.wait_for_log("img2print 0.1.0 ready")
        yield running
