"""Printer profiles and intents: shipped, validated with errors that name file and key; G-code checks refuse
bad results; previews are in the thumbnail format OctoPrint's plugins read."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
import trimesh
import yaml
from conftest import cli_json
from PIL import Image

from octoprint_img2print.command.main import main
from octoprint_img2print.errors import BadInput, SlicerFailed
from octoprint_img2print.geometry.mesh import Mesh
from octoprint_img2print.printers.profile import from_octoprint, get_printer, load_profile, printer_ids
from octoprint_img2print.rendering.gcode_thumbnail import thumbnail_block
from octoprint_img2print.slicing import gcode
from octoprint_img2print.slicing.gcode import inspect, verify
from octoprint_img2print.slicing.intents import get_intent, intent_from_dict, intent_ids
from octoprint_img2print.slicing.plan import plan

REQUIRED = ["prusa_mk4", "prusa_mk3s", "prusa_mini", "creality_ender3_v2", "creality_ender3_s1", "creality_ender5",
            "creality_cr10", "anycubic_kobra_2", "anycubic_i3_mega", "voron_2_4_300", "artillery_sidewinder_x2",
            "elegoo_neptune_4", "generic"]


def test_every_required_printer_is_shipped_with_its_real_size():
    assert set(REQUIRED) <= set(printer_ids())
    mk4, ender, voron = get_printer("prusa_mk4"), get_printer("creality_ender3_v2"), get_printer("voron_2_4_300")
    assert (mk4.width, mk4.depth, mk4.max_height) == (250, 210, 220)
    assert (ender.width, ender.depth, ender.max_height) == (220, 220, 250)
    assert (voron.width, voron.depth, voron.gcode_flavor) == (300, 300, "klipper")
    assert get_printer("generic_delta").bed_shape == "circular" and get_printer("generic_delta").centre == (0, 0)


def test_profiles_list_and_show(capsys):
    assert main(["profiles", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {p["id"] for p in listed["printers"]} >= set(REQUIRED)
    assert {i["id"] for i in listed["intents"]} >= {"display", "functional", "lithophane", "logo", "cookie-cutter",
                                                    "stamp", "relief"}
    assert main(["profiles", "show", "prusa_mini", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["bed"] == {"shape": "rectangular", "width": 180, "depth": 180} and "start_gcode" in shown


GOOD = yaml.safe_load((get_printer.__globals__["profiles_dir"]("printers") / "generic.yaml").read_text())


@pytest.mark.parametrize(("change", "key", "words"), [
    ({"max_height": "tall"}, "max_height", "number"),
    ({"bed": {"shape": "hexagonal", "width": 200, "depth": 200}}, "shape", "rectangular"),
    ({"bed": {"shape": "rectangular", "width": 200}}, "depth", "missing"),
    ({"gcode_flavor": "sailfish"}, "gcode_flavor", "marlin2"),
    ({"nozzel": 0.4}, "nozzel", "not a printer profile key"),
    ({"id": "other"}, "id", "file name"),
    ({"nozzle": -1}, "nozzle", "above"),
    ({"tools": 0}, "tools", "whole number"),
    ({"tools": 2, "bed": {"shape": "circular", "diameter": 200}}, "tools", "round bed"),
    ({"shared_nozzle": "yes"}, "shared_nozzle", "true or false"),
])
def test_bad_printer_profiles_name_the_file_key_and_problem(tmp_path, change, key, words):
    path = tmp_path / "generic.yaml"
    path.write_text(yaml.safe_dump({**GOOD, **change}))
    with pytest.raises(BadInput) as error:
        load_profile(path)
    assert "generic.yaml" in error.value.message and f"'{key}'" in error.value.message
    assert words in error.value.message


@pytest.mark.parametrize("change, key", [({"prusaslicr": {"perimeters": 3}}, "prusaslicr"),
                                         ({"vendor_profiles": {"curra": ["creality_ender3"]}}, "vendor_profiles")])
def test_settings_for_a_slicer_there_is_not_are_refused_when_slicing_with_the_key_named(tmp_path, change, key):
    """The printer profile does not know the slicers: a section or vendor list that names none is refused by the
    slicing plan, with one line naming the printer and the key, before any slicer runs."""
    from pictures import halves, save

    printer = tmp_path / "generic.yaml"
    printer.write_text(yaml.safe_dump({**GOOD, **change}))
    save(halves(), tmp_path / "small.png")
    code, answer = cli_json("slice", str(tmp_path / "small.png"), "-o", str(tmp_path / "out.gcode"), "--printer",
                            str(printer), "--mode", "relief", "--width", "20", "--json")
    assert (code, answer["error"]["code"]) == (3, "bad_printer_profile"), answer
    assert "'generic'" in answer["error"]["message"] and f"'{key}'" in answer["error"]["message"]
    assert not (tmp_path / "out.gcode").exists()


def test_broken_yaml_is_named(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(BadInput, match=r"broken\.yaml"):
        load_profile(path)


def test_octoprint_printer_profile_maps_onto_the_same_type():
    octoprint_profile = {"id": "_default", "name": "Default", "heatedBed": True,
                         "volume": {"width": 200, "depth": 200, "height": 180, "formFactor": "circular",
                                    "origin": "center"}, "extruder": {"nozzleDiameter": 0.6}}
    printer = from_octoprint(octoprint_profile)
    assert (printer.bed_shape, printer.width, printer.max_height, printer.origin, printer.nozzle) == \
        ("circular", 200, 180, "centre", 0.6)
    with pytest.raises(BadInput, match="Default"):
        from_octoprint({**octoprint_profile, "volume": {**octoprint_profile["volume"], "height": 0}})


def test_intents_decide_the_settings_and_layer_height_follows_the_nozzle():
    assert set(intent_ids()) >= {"display", "functional", "lithophane", "logo", "cookie-cutter", "stamp", "relief"}
    display, functional, litho = get_intent("display"), get_intent("functional"), get_intent("lithophane")
    assert display.infill_pattern in ("gyroid", "cubic") and 15 <= display.infill_density <= 20
    assert functional.infill_density == pytest.approx(40, abs=5) and functional.walls > display.walls
    assert litho.infill_density == 100 and litho.orientation == "upright" and litho.adhesion == "brim"
    mk4 = get_printer("prusa_mk4")
    assert 0.1 <= plan(mk4, litho, 0, False).layer_height <= 0.12
    big_nozzle = mk4.__class__(**{**mk4.__dict__, "nozzle": 0.6})
    assert plan(big_nozzle, display, 0, False).layer_height == pytest.approx(0.3)
    assert plan(big_nozzle, display, 0, False).line_width == pytest.approx(0.675)


def test_an_intent_cannot_ask_for_a_pattern_that_cannot_be_solid():
    data = {**get_intent("lithophane").__dict__, "infill_pattern": "gyroid"}
    with pytest.raises(BadInput, match="infill_pattern"):
        intent_from_dict(data, "lithophane.yaml")


GCODE_HEAD = "G90\nM82\nG92 E0\n"


@pytest.mark.parametrize(("body", "code"), [
    ("G1 X10 Y10 Z0.2 F3000\n", "empty_gcode"),
    (";LAYER_CHANGE\n;Z:0.2\nG1 X10 Y10 Z0.2\nG1 X260 Y10 E5\n", "gcode_off_bed"),
    (";LAYER:0\nG1 X10 Y10 Z0.2\nG1 X20 Y10 E1\n;LAYER:1\nG1 Z230.5\nG1 X30 Y10 E2\n", "gcode_too_tall"),
])
def test_bad_gcode_is_refused_after_slicing(tmp_path, body, code):
    path = tmp_path / "out.gcode"
    path.write_text(GCODE_HEAD + body)
    printer = get_printer("prusa_mk4")
    with pytest.raises(SlicerFailed) as failure:
        verify(inspect(path, printer.centre), printer, "test")
    assert failure.value.code == code


def test_prime_lines_before_the_first_layer_are_allowed(tmp_path):
    path = tmp_path / "prime.gcode"
    path.write_text("G28\nM109 S215\nM83\nG1 Y-4 F6000\nG1 X60 E9 F1000\n;LAYER_CHANGE\nG1 X10 Y10 Z0.2\n"
                    "G1 X20 Y10 E1\nM104 S0\n")
    printer = get_printer("prusa_mk4")
    facts = inspect(path, printer.centre)
    verify(facts, printer, "test")
    assert facts.layers == 1 and facts.bounds == [[10, 10], [20, 10]]


def test_thumbnails_are_pngs_in_the_prusaslicer_comment_format():
    block = thumbnail_block(Mesh(trimesh.creation.box(extents=(20, 10, 5)).vertices,
                                 trimesh.creation.box(extents=(20, 10, 5)).faces))
    found = re.findall(r"; thumbnail begin (\d+)x(\d+) (\d+)\n(.*?); thumbnail end", block, re.S)
    assert [(w, h) for w, h, _n, _d in found] == [("16", "16"), ("220", "124")]
    for width, height, length, data in found:
        encoded = "".join(line[2:] for line in data.splitlines())
        assert len(encoded) == int(length) and all(len(line) <= 80 for line in data.splitlines())
        image = Image.open(io.BytesIO(base64.b64decode(encoded)))
        assert image.size == (int(width), int(height))
        assert image.getchannel("A").getextrema()[1] == 255


MIXED_MODES = ("G90\nM82\nG92 E0\nG91\nG1 Z5 E-1 ; lift and retract, relative\nG90\n;LAYER_CHANGE\n"
               "G1 X10 Y10 Z0.2\nG1 X20 Y10 E1\nG91\nG1 X5 Y5 E1\nG90\nG92 E0\nG1 X1 Y1 E0.5 ; move\nG1 Z10\n"
               ";LAYER:3\nG1 X3 E1.5\nM83\nG1 X4 E.5\nG1 X5 E-.5\nG1 Y7 E.2\nG10 X500 E9\nG1X400\n")


@pytest.mark.parametrize("stretch", [8 << 20, 40, 7])
def test_gcode_is_followed_through_relative_moves_resets_and_stretches(tmp_path, stretch, monkeypatch):
    """Absolute and relative moves (G90/G91), extrusion modes (M82/M83) and G92 resets give the positions a
    printer would reach, however the file is cut into stretches; G10 and words without a space are no moves."""
    path = tmp_path / "mixed.gcode"
    path.write_text(MIXED_MODES)
    monkeypatch.setattr(gcode, "STRETCH_BYTES", stretch)
    facts = inspect(path)
    assert facts.layers == 2 and facts.extrusions == 5
    # (10,10)-(20,10); the relative +5,+5 move to (25,15) extrudes nothing (E stays 1); (25,15)-(1,1) after a reset
    assert facts.bounds == [[1, 1], [25, 15]]
    assert facts.layer_heights == {0.2, 10.0} and facts.max_z == 10.0
    assert facts.extruded_mm == pytest.approx(2 + 0.5 + 1.0 + 0.5 + 0.2)  # from E-1 to E1 is 2 mm


def test_every_shipped_intent_name_is_in_the_catalogue():
    from octoprint_img2print.slicing.intents import SHIPPED_INTENT_NAMES

    assert {get_intent(name).name for name in intent_ids()} <= set(SHIPPED_INTENT_NAMES)
