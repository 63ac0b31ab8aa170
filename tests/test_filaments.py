"""The filament library and slicing for the filament loaded: the G-code heats, cools, limits its flow and weighs
as the filament asks, read back as a printer would run it (tests/gcode_reading.py, independent of img2print)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml
from conftest import cli_json
from gcode_reading import moves
from pictures import save

from octoprint_img2print.filaments.library import SHIPPED_COLOUR_NAMES, SHIPPED_FINISHES, SOURCES_VARIABLE, Library
from octoprint_img2print.profile_folders import profiles_dir

TEMPERATURE = re.compile(r"^(M104|M109|M140|M190)\s.*?S(\d+)", re.M)
FAN = re.compile(r"^M10([67])(?:\s+S(\d+(?:\.\d+)?))?")
PRINTER = {"prusaslicer": "prusa_mk3s", "cura": "creality_ender3_v2"}  # each with its makers' own slicer profile


@pytest.fixture(scope="module")
def logo(tmp_path_factory) -> Path:
    grey = np.full((80, 80), 255, dtype=np.uint8)
    grey[10:70, 10:70] = 0
    grey[30:50, 30:50] = 255
    return save(grey, tmp_path_factory.mktemp("pictures") / "square.png")


def as_a_printer_runs_it(text: str) -> list[dict]:
    """Every extruding move with the hot end's and bed's target and the part fan (0-255) in force when it runs."""
    hot_end = bed = fan = 0.0
    events, state = [], []
    for line in text.splitlines():
        code = line.split(";", 1)[0].strip()
        temperature = TEMPERATURE.match(code)
        if temperature:
            if temperature.group(1) in ("M104", "M109"):
                hot_end = float(temperature.group(2))
            else:
                bed = float(temperature.group(2))
        cooling = FAN.match(code)
        if cooling:
            fan = 0.0 if cooling.group(1) == "7" else float(cooling.group(2) or 255)
        state.append((hot_end, bed, fan))
        events.append(line)
    runs, index = [], 0
    lines = text.splitlines()
    for start, end, _z, extrudes, feed, _kind, layer, pushed in moves(text):
        while not lines[index].lstrip().startswith(("G0 ", "G1 ")):
            index += 1
        hot_end, bed, fan = state[index]
        index += 1
        if extrudes and layer >= 0:
            runs.append({"layer": layer, "hot_end": hot_end, "bed": bed, "fan": fan, "feed": feed, "pushed": pushed,
                         "length": math.dist(start, end)})
    return runs


def span_at(triangles: np.ndarray, x: float, y: float) -> float:
    """How thick a solid is along the vertical line through (x, y): its highest and lowest surfaces there, from
    the triangles that line passes through."""
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    det = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    usable = np.abs(det) > 1e-12
    det = np.where(usable, det, 1.0)
    u = ((b[:, 1] - c[:, 1]) * (x - c[:, 0]) + (c[:, 0] - b[:, 0]) * (y - c[:, 1])) / det
    v = ((c[:, 1] - a[:, 1]) * (x - c[:, 0]) + (a[:, 0] - c[:, 0]) * (y - c[:, 1])) / det
    inside = usable & (u >= 0) & (v >= 0) & (u + v <= 1)
    z = u * a[:, 2] + v * b[:, 2] + (1 - u - v) * c[:, 2]
    return float(z[inside].max() - z[inside].min())


def slice_logo(logo: Path, tmp_path: Path, slicer: str, *extra: str) -> tuple[dict, list[dict]]:
    output = tmp_path / f"{slicer}.gcode"
    code, answer = cli_json("slice", str(logo), "-o", str(output), "--printer", PRINTER[slicer], "--slicer", slicer,
                            "--mode", "logo", "--width", "40", "--json", *extra)
    assert code == 0, answer
    return answer, as_a_printer_runs_it(output.read_text())


def test_the_library_has_the_common_filaments_each_valid():
    library = Library()
    assert len(library.ids()) >= 30
    materials = {library.get(i).material for i in library.ids()}
    assert {"PLA", "PETG", "ABS", "ASA", "TPU"} <= materials
    finishes = {library.get(i).finish for i in library.ids()}
    assert {"Silk", "Matte"} <= finishes
    ids = [entry["id"] for path in profiles_dir("filaments").glob("*.yaml")
           for entry in yaml.safe_load(path.read_text())["filaments"]]
    assert len(ids) == len(set(ids)), "a filament id is shipped twice"
    for filament in map(library.get, library.ids()):
        assert 0.05 <= filament.td <= 100 and filament.first_layer_nozzle_temperature >= 180
    shipped = {library.get(i).colour_name for i in library.ids()}
    assert shipped == set(SHIPPED_COLOUR_NAMES), "every shipped colour's name is in the catalogue, and no other"
    assert finishes - {""} == set(SHIPPED_FINISHES), "and every finish"


def test_filaments_list_and_show(monkeypatch, tmp_path):
    code, listed = cli_json("filaments", "list", "--json")
    assert code == 0 and {"pla_white", "petg_black", "tpu_black"} <= {f["id"] for f in listed["filaments"]}
    code, shown = cli_json("filaments", "show", "petg_black", "--json")
    assert code == 0 and shown["material"] == "PETG" and shown["name"] == "PETG Black" and shown["td"] > 0
    code, answer = cli_json("filaments", "show", "nylon_unicorn", "--json")
    assert (code, answer["error"]["code"]) == (2, "unknown_filament")
    assert "filaments list" in answer["error"]["message"]


def test_ones_own_filaments_join_and_replace_shipped_ones(monkeypatch, tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "mine.yaml").write_text(yaml.safe_dump({
        "material": "PLA", "brand": "Acme", "nozzle_temperature": 205, "first_layer_nozzle_temperature": 210,
        "bed_temperature": 55, "first_layer_bed_temperature": 55, "fan": [100, 100], "fan_off_layers": 1,
        "max_volumetric_speed": 12, "density": 1.24, "price_per_kg": 18,
        "filaments": [{"id": "acme_teal", "colour_name": "Teal", "colour": "#008080", "td": 3.3},
                      {"id": "pla_white", "colour_name": "White", "colour": "#FFFFFF", "td": 7.1}]}))
    monkeypatch.setenv(SOURCES_VARIABLE, str(own))
    code, shown = cli_json("filaments", "show", "acme_teal", "--json")
    assert code == 0 and shown["name"] == "Acme PLA Teal" and shown["nozzle_temperature"] == 205
    code, shown = cli_json("filaments", "show", "pla_white", "--json")
    assert shown["td"] == 7.1 and shown["brand"] == "Acme"
    extra = tmp_path / "extra.yaml"
    extra.write_text((own / "mine.yaml").read_text().replace("acme_teal", "acme_cyan"))
    code, shown = cli_json("filaments", "show", "acme_cyan", "--filaments", str(extra), "--json")
    assert code == 0 and shown["colour"] == "#008080"


@pytest.mark.parametrize(("content", "key"), [
    ("filaments: [{id: x}]", "material"),
    ("material: PLA\nfilaments: 3", "filaments"),
    ("material: PLA\nnozzle_temperature: 900\nfilaments: [{id: hot}]", "nozzle_temperature"),
    ("material: PLA\ncolour: red\nfilaments: [{id: red}]", "colour"),
    ("material: PLA\nwarp_factor: 9\nfilaments: [{id: fast}]", "warp_factor"),
    ("material: PLA\nfan: [80, 20]\nfilaments: [{id: fan}]", "fan"),
    ("{{{", "YAML"),
])
def test_a_bad_library_file_is_one_line_naming_the_file_and_key(tmp_path, content, key):
    bad = tmp_path / "spools.yaml"
    bad.write_text(content)
    code, answer = cli_json("filaments", "list", "--filaments", str(bad), "--json")
    assert code == 3 and answer["error"]["code"] == "bad_filament"
    message = answer["error"]["message"]
    assert "spools.yaml" in message and key in message and "\n" not in message


def test_petg_prints_at_petgs_temperatures_and_pla_at_plas(logo, tmp_path, slicer):
    answer, runs = slice_logo(logo, tmp_path, slicer, "--filament", "petg_black")
    assert answer["filament"] == "petg_black"
    # the first layer starts at the first-layer temperatures (Cura heats for the next layer before it ends)
    assert (runs[0]["layer"], runs[0]["hot_end"], runs[0]["bed"]) == (0, 235, 80)
    assert {(r["hot_end"], r["bed"]) for r in runs if r["layer"] >= 2} == {(240, 80)}
    _answer, pla = slice_logo(logo, tmp_path, slicer)
    assert (pla[0]["hot_end"], pla[0]["bed"]) == (215, 60)
    assert {(r["hot_end"], r["bed"]) for r in pla if r["layer"] >= 2} == {(210, 60)}


def test_the_fan_follows_the_filament(logo, tmp_path, slicer):
    _answer, runs = slice_logo(logo, tmp_path, slicer, "--filament", "petg_white")
    assert all(r["fan"] == 0 for r in runs if r["layer"] == 0), "PETG's first layer prints without fan"
    # PrusaSlicer keeps the fan off for PETG's first three layers; Cura ramps it up over them
    assert all(r["fan"] < 0.5 * 255 for r in runs if r["layer"] < 3)
    assert max(r["fan"] for r in runs) <= 0.5 * 255 + 1, "PETG's fan stays at or below half"
    _answer, pla = slice_logo(logo, tmp_path, slicer)
    assert max(r["fan"] for r in pla) >= 250


def test_a_soft_filament_never_flows_faster_than_its_limit(logo, tmp_path, slicer):
    _answer, runs = slice_logo(logo, tmp_path, slicer, "--filament", "tpu_black")
    area = math.pi * (1.75 / 2) ** 2
    rates = [r["pushed"] * area / (r["length"] / (r["feed"] / 60)) for r in runs if r["length"] > 2]
    assert rates and max(rates) <= 3.5 * 1.1, max(rates)
    _answer, pla = slice_logo(logo, tmp_path, slicer)
    assert max(r["pushed"] * area / (r["length"] / (r["feed"] / 60)) for r in pla if r["length"] > 2) > 3.5 * 1.2


def test_weight_and_cost_follow_the_filament(logo, tmp_path):
    answer, _runs = slice_logo(logo, tmp_path, "prusaslicer", "--filament", "abs_white")
    grams = answer["filament_mm"] * math.pi * (1.75 / 2) ** 2 * 1.04 / 1000
    assert answer["filament_g"] == pytest.approx(grams, abs=0.1)
    assert answer["filament_cost"] == pytest.approx(grams * 22 / 1000, abs=0.01)
    said = re.search(r"; (?:total )?filament used \[g\] = ([\d.]+)", (tmp_path / "prusaslicer.gcode").read_text())
    assert said and float(said.group(1)) == pytest.approx(answer["filament_g"], rel=0.03)  # PrusaSlicer's own sum


def test_a_filament_of_another_diameter_is_refused(logo, tmp_path, monkeypatch):
    (tmp_path / "thick.yaml").write_text(yaml.safe_dump({
        "material": "PLA", "nozzle_temperature": 210, "first_layer_nozzle_temperature": 215, "bed_temperature": 60,
        "first_layer_bed_temperature": 60, "fan": [100, 100], "fan_off_layers": 1, "max_volumetric_speed": 15,
        "density": 1.24, "price_per_kg": 20, "diameter": 2.85,
        "filaments": [{"id": "thick_white", "colour_name": "White", "colour": "#FFFFFF", "td": 5}]}))
    output = tmp_path / "out.gcode"
    code, answer = cli_json("slice", str(logo), "-o", str(output), "--printer", "generic", "--mode", "logo",
                            "--filament", "thick_white", "--filaments", str(tmp_path / "thick.yaml"), "--json")
    assert code == 3 and answer["error"]["code"] == "filament_diameter" and "2.85" in answer["error"]["message"]
    assert not output.exists()


def test_an_unknown_filament_is_a_usage_error_before_any_work(logo, tmp_path):
    code, answer = cli_json("slice", str(logo), "-o", str(tmp_path / "out.gcode"), "--printer", "generic",
                            "--filament", "unobtainium", "--json")
    assert code == 2 and answer["error"]["code"] == "unknown_filament"


@pytest.mark.parametrize("filament", ["pla_white", "pla_light_grey"])
def test_auto_thickness_lets_half_the_light_through_the_thinnest_part_and_one_percent_through_the_thickest(
        tmp_path, filament):
    halves = np.zeros((60, 80), dtype=np.uint8)
    halves[:, 40:] = 255  # black: thickest; white: thinnest
    picture = save(halves, tmp_path / "halves.png")
    code, answer = cli_json("convert", str(picture), "-o", str(tmp_path / "sheet.stl"), "--mode", "lithophane",
                            "--width", "40", "--thickness", "auto", "--filament", filament, "--json")
    assert code == 0, answer
    td = Library().get(filament).td
    triangles = trimesh.load(tmp_path / "sheet.stl").triangles
    low, high = triangles.reshape(-1, 3).min(axis=0), triangles.reshape(-1, 3).max(axis=0)
    middle_y = (low[1] + high[1]) / 2
    heights = {side: span_at(triangles, low[0] + share * (high[0] - low[0]), middle_y)
               for side, share in (("black", 0.25), ("white", 0.75))}
    assert 100 ** (-heights["black"] / td) == pytest.approx(0.01, abs=0.002)
    half_light = td * math.log(2, 100)  # where 100^(-d / TD) is one half
    assert heights["white"] == pytest.approx(max(half_light, 0.6), abs=0.02), "half the light, or 0.6 mm to hold"
    finding = next(f for f in answer["findings"] if f["code"] == "thickness_from_filament")
    assert finding["numbers"]["td"] == td


@pytest.mark.parametrize("command", [["convert"], ["slice"], ["batch"], ["farm", "send"], ["farm", "queue", "add"],
                                     ["filaments", "list"]])
def test_the_help_of_every_command_with_filament_options_prints(command, capsys):
    from octoprint_img2print.command.main import main

    with pytest.raises(SystemExit) as ended:
        main([*command, "--help"])
    assert ended.value.code == 0 and "--filament" in capsys.readouterr().out
