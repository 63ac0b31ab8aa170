"""A mode or a slicer is one module: dropped into its folder, it appears in the command line, the API's listing,
the settings and the worker, with no other file changed; no other source file names a particular one. Cura's
definitions folder set in the settings (also as the settings of version 1 had it) reaches the slicing step."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, require
from octoprint_server import OCTOPRINT, Server, instance
from pictures import halves, photo_like, save
from solids import assert_printable_solid

from octoprint_img2print import pipeline
from octoprint_img2print.modes import registry as modes
from octoprint_img2print.printers.profile import get_printer
from octoprint_img2print.recipe import Recipe
from octoprint_img2print.slicing.slicers import registry as slicers

PACKAGE = ROOT / "octoprint_img2print"
IMG2PRINT = ROOT / ".venv" / "bin" / "img2print"
CURA_RESOURCES = Path("/usr/share/cura/resources")
TRAVEL_MM_S = 77  # fdmprinter's own travel speed is 120 mm/s; img2print does not set it
TRAVEL_MOVE = f"G0 F{TRAVEL_MM_S * 60}"
TOY_MODE = '''"""A toy mode, written by a test: a block the size of the picture, as thick as asked."""

from __future__ import annotations

from dataclasses import dataclass

from octoprint_img2print.building.size import SizedOptions
from octoprint_img2print.geometry.booleans import box, from_manifold
from octoprint_img2print.i18n import N_
from octoprint_img2print.modes import PICTURE, Mode
from octoprint_img2print.options import option
from octoprint_img2print.report import Report


@dataclass
class ToyOptions(SizedOptions):
    """How thick the block is."""

    thickness: float = option(2.0, N_("Toy thickness"), N_("how thick the toy block is in mm"), unit="mm",
                              low=0.5, high=20.0, main=True)


def build(picture, options):
    """A box as wide as asked, as deep as the picture's aspect."""
    rows, cols = picture.lightness.shape
    return from_manifold(box((0, 0, 0), (options.width, options.width * rows / cols, options.thickness))), Report()


MODE = Mode("toy-block", N_("Toy block"), N_("A block the size of the picture."), ToyOptions, build,
            reads=PICTURE, intent="display", position=99, default_width=30.0)
'''
TOY_SLICER = '''"""A toy slicer backend, written by a test: it only says where it is."""

from __future__ import annotations

import sys

from octoprint_img2print.i18n import N_
from octoprint_img2print.slicing.backend import SlicerBackend, SlicerInfo, SlicerSetting


class ToySlicer(SlicerBackend):
    name = "toy-slicer"
    label = "Toy Slicer"
    position = 99
    settings = (SlicerSetting("path", N_("Toy Slicer path"), N_("found automatically")),)
    profile_suffix = ".toy"

    def detect(self, configured):
        return SlicerInfo(self.name, configured.get("path") or sys.executable, (0, 1), dict(configured))


BACKEND = ToySlicer()
'''
TOY_FILES = {PACKAGE / "modes" / "toy_block_written_by_a_test.py": TOY_MODE,
             PACKAGE / "slicing" / "slicers" / "toy_slicer_written_by_a_test.py": TOY_SLICER}


def definitions_elsewhere(folder: Path) -> Path:
    """A copy of Cura's definitions with another travel speed, so the G-code shows which definitions were used."""
    require(shutil.which("CuraEngine") is not None and (CURA_RESOURCES / "definitions").is_dir(), "CuraEngine")
    for part in ("definitions", "extruders"):
        shutil.copytree(CURA_RESOURCES / part, folder / part)
    fdmprinter = folder / "definitions" / "fdmprinter.def.json"
    data = json.loads(fdmprinter.read_text())
    data["settings"]["speed"]["children"]["speed_travel"]["default_value"] = TRAVEL_MM_S
    fdmprinter.write_text(json.dumps(data))
    return folder


@pytest.fixture(scope="module")
def toys():
    """The toy mode and slicer in their folders for this module's tests; removed afterwards."""
    try:
        for path, text in TOY_FILES.items():
            path.write_text(text)
        yield
    finally:
        for path in TOY_FILES:
            path.unlink(missing_ok=True)
        modes.cache_clear()
        slicers.cache_clear()


@pytest.fixture(scope="module")
def server(toys, tmp_path_factory):
    """OctoPrint with the toys, whose stored settings are of version 1 with Cura's definitions elsewhere."""
    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    base = tmp_path_factory.mktemp("extending") / "base"
    resources = definitions_elsewhere(tmp_path_factory.mktemp("cura"))
    instance.prepare(str(OCTOPRINT), base)
    config = yaml.safe_load((base / "config.yaml").read_text())
    config["plugins"]["img2print"] = {"cura_definitions": str(resources), "slicer": "cura"}
    (base / "config.yaml").write_text(yaml.safe_dump(config))
    with Server(OCTOPRINT, base) as running:
        running.wait_for_log("img2print 0.1.0 ready")
        running.resources = resources
        yield running


def run_cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(IMG2PRINT), *arguments], capture_output=True, text=True, timeout=300)


def test_a_mode_module_alone_appears_in_the_command_line(toys, tmp_path):
    assert "toy-block" in run_cli("--help").stdout
    assert "--thickness" in run_cli("convert", "--help").stdout
    picture = save(photo_like(120, 60), tmp_path / "p.png")
    done = run_cli("convert", str(picture), "-o", str(tmp_path / "toy.stl"), "--mode", "toy-block", "--width", "40",
                   "--thickness", "3", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["size_mm"] == pytest.approx([40, 20, 3], abs=0.01)
    assert_printable_solid(tmp_path / "toy.stl")
    refused = run_cli("convert", str(picture), "-o", str(tmp_path / "no.stl"), "--mode", "toy-block",
                      "--thickness", "50")
    assert refused.returncode == 2 and "--thickness" in refused.stderr and not (tmp_path / "no.stl").exists()


def test_a_mode_and_a_slicer_module_alone_appear_in_the_api_and_the_settings(server):
    admin = server.session()
    listing = admin.get("/api/plugin/img2print").json()
    toy = next(mode for mode in listing["modes"] if mode["id"] == "toy-block")
    assert toy["label"] == "Toy block" and toy["default_width"] == 30.0
    assert [o["name"] for o in toy["options"] if o["main"]] == ["width", "thickness"]
    thickness = next(o for o in toy["options"] if o["name"] == "thickness")
    assert (thickness["min"], thickness["max"], thickness["unit"], thickness["default"]) == (0.5, 20.0, "mm", 2.0)
    slicer = next(s for s in listing["slicers"] if s["id"] == "toy-slicer")
    assert slicer["label"] == "Toy Slicer" and slicer["installed"] and slicer["settings"][0]["key"] == "path"
    settings = admin.get("/api/settings").json()["plugins"]["img2print"]
    assert settings["slicers"]["toy-slicer"] == {"path": ""}
    assert set(settings["mode_defaults"]) == {mode["id"] for mode in listing["modes"]}


def test_the_worker_finds_a_mode_module_alone(server):
    admin = server.session()
    admin.post("/api/files/local", files={"file": ("toy.png", save_bytes(halves(80, 40)))})
    job = admin.post("/api/plugin/img2print", json={"command": "convert", "file": "toy.png", "mode": "toy-block",
                                                     "options": {"thickness": 4}}).json()
    state = admin.wait(job["id"])
    assert state["status"] == "done", state
    assert state["result"]["mode"] == "toy-block" and state["result"]["size_mm"] == pytest.approx([30, 15, 4], abs=0.01)
    assert "toy.stl" in admin.files()


def save_bytes(array) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_cura_definitions_set_in_old_settings_reach_the_slicing_step(server):
    admin = server.session()
    settings = admin.get("/api/settings").json()["plugins"]["img2print"]
    assert settings["slicers"]["cura"]["definitions"] == str(server.resources)
    assert "cura_definitions" not in settings
    admin.post("/api/files/local", files={"file": ("plate.png", save_bytes(halves(80, 40)))})
    job = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "plate.png", "mode": "logo",
                                                     "options": {"width": 20}, "printer": "generic"}).json()
    state = admin.wait(job["id"])
    assert state["status"] == "done", state
    assert state["result"]["slicer"] == "cura"
    gcode = admin.get("/downloads/files/local/plate.gcode").text
    assert TRAVEL_MOVE in gcode


def test_cura_definitions_elsewhere_reach_the_slicer_from_the_library(tmp_path):
    resources = definitions_elsewhere(tmp_path / "cura")
    cube = tmp_path / "cube.stl"
    import trimesh

    trimesh.creation.box(extents=(20, 20, 10)).export(cube)
    result = pipeline.slice_job(cube, tmp_path / "cube.gcode",
                                recipe=Recipe(slicer="cura", slicer_settings={"definitions": str(resources)}),
                                printer=get_printer("generic"))
    assert result.slicer == "cura"
    assert TRAVEL_MOVE in (tmp_path / "cube.gcode").read_text()


def test_no_source_file_names_a_mode_or_a_slicer_outside_its_module_and_the_registry():
    owners = {mode.id: Path(sys.modules[mode.build.__module__].__file__) for mode in modes().values()}
    owners.update({name: Path(sys.modules[type(backend).__module__].__file__) for name, backend in slicers().items()})
    registries = {PACKAGE / "modes" / "__init__.py", PACKAGE / "slicing" / "slicers" / "__init__.py"}
    sources = [p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".js", ".jinja2") and p not in registries
               and "translations" not in p.parts and "written_by_a_test" not in p.name]
    intent_choice = re.compile(r"intent=[\"'][\w-]+[\"']")  # intents are profiles, named by their files
    texts = {source: intent_choice.sub("", source.read_text()) for source in sources}
    found = []
    for name, owner in owners.items():
        quoted = re.compile(rf"[\"']{re.escape(name)}[\"']")
        found += [f"{source.relative_to(ROOT)} names {name}" for source, text in texts.items()
                  if source != owner and quoted.search(text)]
    assert found == []
