"""The package installs from an archive of the repository with a current pip, as OctoPrint's Plugin Manager
does, and the installed command works outside the source tree."""

from __future__ import annotations

import json
import subprocess
import venv
import zipfile

import pytest
import yaml
from conftest import ROOT
from pictures import photo_like, save


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("install")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    archive = work / "img2print-main.zip"
    with zipfile.ZipFile(archive, "w") as package:
        for name in filter(None, files.decode().split("\0")):
            if (ROOT / name).is_file():
                package.write(ROOT / name, f"img2print-main/{name}")
    environment = work / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "-U", "pip"], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", str(archive)], check=True)
    return environment


def test_entry_points_console_script_and_catalogues_are_installed(installed):
    probe = ("import json, importlib.metadata as m, pathlib, octoprint_img2print as p; "
             "eps = m.entry_points(); "
             "print(json.dumps({'plugin': [e.value for e in eps.select(group='octoprint.plugin', name='img2print')],"
             " 'script': [e.value for e in eps.select(group='console_scripts', name='img2print')],"
             " 'location': p.__file__,"
             " 'catalogues': sorted(str(c.relative_to(pathlib.Path(p.__file__).parent))"
             " for c in pathlib.Path(p.__file__).parent.glob('translations/*/LC_MESSAGES/messages.mo'))}))")
    answer = json.loads(subprocess.run([installed / "bin" / "python", "-c", probe], capture_output=True,
                                       text=True, check=True, cwd=installed).stdout)
    assert answer["plugin"] == ["octoprint_img2print"]
    assert answer["script"] == ["octoprint_img2print.command.main:main"]
    assert str(installed) in answer["location"]
    shipped = sorted(p.relative_to(ROOT / "octoprint_img2print").as_posix()
                     for p in (ROOT / "octoprint_img2print").glob("translations/*/LC_MESSAGES/messages.mo"))
    assert answer["catalogues"] == shipped


def test_installed_package_carries_the_printer_intent_and_filament_profiles(installed, tmp_path):
    probe = ("import json; from octoprint_img2print.printers.profile import printer_ids; "
             "from octoprint_img2print.slicing.intents import intent_ids; "
             "from octoprint_img2print.profile_folders import profiles_dir; "
             "from octoprint_img2print.filaments.library import Library; "
             "print(json.dumps([printer_ids(), intent_ids(), Library().ids(), str(profiles_dir('printers'))]))")
    printers, intents, filaments, folder = json.loads(subprocess.run(
        [installed / "bin" / "python", "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin"}).stdout)
    assert printers == sorted(p.stem for p in (ROOT / "profiles" / "printers").glob("*.yaml"))
    assert intents == sorted(p.stem for p in (ROOT / "profiles" / "intents").glob("*.yaml"))
    assert filaments == sorted(entry["id"] for p in (ROOT / "profiles" / "filaments").glob("*.yaml")
                               for entry in yaml.safe_load(p.read_text())["filaments"])
    assert str(installed) in folder


def test_installed_command_converts_a_picture(installed, tmp_path):
    picture = save(photo_like(200, 150), tmp_path / "photo.webp")
    run = subprocess.run([installed / "bin" / "img2print", "convert", str(picture), "-o", str(tmp_path / "p.3mf"),
                          "--width", "50", "--json"], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["closed"] is True
