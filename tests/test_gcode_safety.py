"""Every G-code img2print makes homes and heats before it pushes filament and turns the heaters off at its end;
one that does not is refused. The slices are read back by a printer-like reader written here, line by line."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from octoprint_img2print import pipeline
from octoprint_img2print.command.main import main
from octoprint_img2print.errors import SlicerFailed
from octoprint_img2print.printers.profile import from_octoprint, get_printer, printer_ids
from octoprint_img2print.recipe import Recipe
from octoprint_img2print.slicing import gcode
from octoprint_img2print.slicing.gcode import inspect, verify
from octoprint_img2print.slicing.gcode_safety import Commands

# OctoPrint's own default printer profile (octoprint.printer.profile.PrinterProfileManager.default), as a host sends it
OCTOPRINT_DEFAULT = {
    "id": "_default", "name": "Default", "model": "Generic RepRap Printer", "color": "default", "heatedBed": True,
    "heatedChamber": False,
    "volume": {"width": 200, "depth": 200, "height": 200, "formFactor": "rectangular", "origin": "lowerleft",
               "custom_box": False},
    "axes": {"x": {"speed": 6000, "inverted": False}, "y": {"speed": 6000, "inverted": False},
             "z": {"speed": 200, "inverted": False}, "e": {"speed": 300, "inverted": False}},
    "extruder": {"count": 1, "offsets": [[0.0, 0.0]], "nozzleDiameter": 0.4, "sharedNozzle": False,
                 "defaultExtrusionLength": 5},
}
WORD = re.compile(r"([A-Z])(-?\d*\.?\d+)")


def printer_run(text: str, start_macro: str = "", end_macro: str = "") -> dict:
    """What a printer does with the G-code, line by line: whether it was homed (all axes) and its hot end at
    170 °C or more, waited for, when filament was first pushed, and the heaters' targets after the last line.
    A declared start macro homes and heats; a declared end macro turns the heaters off."""
    homed, hot, nozzle, bed, e, relative = set(), False, 0.0, 0.0, 0.0, False
    first = None
    for line in text.splitlines():
        code = line.split(";", 1)[0].strip()
        if not code:
            continue
        command, words = code.split()[0].upper(), dict(WORD.findall(code.upper()[len(code.split()[0]):]))
        if command == start_macro.upper():
            homed, hot, nozzle, bed = {"X", "Y", "Z"}, True, 200.0, 60.0
        elif command == end_macro.upper():
            hot, nozzle, bed = False, 0.0, 0.0
        elif command == "G28":
            homed |= {a for a in "XYZ" if a in code.upper()[3:]} or {"X", "Y", "Z"}
        elif command in ("M104", "M109") and ("S" in words or "R" in words):
            nozzle = float(words.get("S", words.get("R")))
            hot = nozzle >= 170 and (command == "M109" or hot)
        elif command in ("M140", "M190") and "S" in words:
            bed = float(words["S"])
        elif command == "M83":
            relative = True
        elif command == "M82":
            relative = False
        elif command == "G92" and "E" in words:
            e = float(words["E"])
        elif command in ("G0", "G1") and "E" in words:
            pushed = float(words["E"]) if relative else float(words["E"]) - e
            e = e + float(words["E"]) if relative else float(words["E"])
            if pushed > 0 and first is None:
                first = {"homed": homed == {"X", "Y", "Z"}, "hot": hot}
    return {"first": first, "nozzle_at_end": nozzle, "bed_at_end": bed}


def assert_safe(path: Path, printer) -> None:
    run = printer_run(path.read_text(errors="replace"), printer.start_macro, printer.end_macro)
    assert run["first"] == {"homed": True, "hot": True}, (path.name, run)
    assert run["nozzle_at_end"] == 0 and run["bed_at_end"] == 0, (path.name, run)


@pytest.fixture(scope="module")
def dot(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dot") / "dot.png"
    image = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(image).ellipse((10, 10, 110, 110), fill=0)
    image.save(path)
    return path


@pytest.mark.parametrize("printer_id", [*printer_ids(), "octoprint"])
def test_every_printer_gets_gcode_that_homes_and_heats_first_and_ends_with_the_heaters_off(dot, tmp_path, slicer,
                                                                                             printer_id):
    printer = from_octoprint(copy.deepcopy(OCTOPRINT_DEFAULT)) if printer_id == "octoprint" \
        else get_printer(printer_id)
    output = tmp_path / "out.gcode"
    pipeline.slice_job(dot, output, recipe=Recipe(slicer=slicer, mode="logo", options={"width": 15}), printer=printer)
    assert_safe(output, printer)


def test_octoprint_printers_prime_inside_their_bed_and_keep_the_gcode_set_for_them():
    rectangular = from_octoprint(copy.deepcopy(OCTOPRINT_DEFAULT))
    prime = [tuple(map(float, re.findall(r"[XY](-?[\d.]+)", line))) for line in rectangular.start_gcode.splitlines()
             if line.startswith("G1 X")]
    assert prime and all(0 < x < 200 and 0 < y < 200 for x, y in prime)
    round_bed = from_octoprint({**copy.deepcopy(OCTOPRINT_DEFAULT), "volume": {
        "width": 180, "depth": 180, "height": 300, "formFactor": "circular", "origin": "center"}})
    prime = [tuple(map(float, re.findall(r"[XY](-?[\d.]+)", line))) for line in round_bed.start_gcode.splitlines()
             if line.startswith("G1 X")]
    assert prime and all(x * x + y * y < 90 ** 2 for x, y in prime)
    own = from_octoprint({**copy.deepcopy(OCTOPRINT_DEFAULT),
                          "img2print": {"start_gcode": "START_MINE\n", "end_gcode": "END_MINE\n"}})
    assert (own.start_gcode, own.end_gcode) == ("START_MINE\n", "END_MINE\n")


SAFE_START = "M140 S60\nM104 S215\nG28\nM190 S60\nM109 S215\nG92 E0\n"
BODY = ";LAYER_CHANGE\nG1 X10 Y10 Z0.2 F3000\nG1 X20 Y10 E1\nG1 X20 Y20 E2\n"
SAFE_END = "G1 E-1\nM104 S0\nM140 S0\nM84\n"


@pytest.mark.parametrize(("text", "code"), [
    ("M104 S215\nM109 S215\n" + BODY + SAFE_END, "gcode_not_homed"),
    ("G28 X Y\nM109 S215\n" + BODY + SAFE_END, "gcode_not_homed"),
    ("G1 X10 Y10 E3\n" + SAFE_START + BODY + SAFE_END, "gcode_not_homed"),
    ("G28\nM140 S60\nM104 S215\n" + BODY + SAFE_END, "gcode_cold_extrusion"),
    ("G28\nM109 S215\nM104 S0\n" + BODY + SAFE_END, "gcode_cold_extrusion"),
    ("G28\nM109 S150\n" + BODY + SAFE_END, "gcode_cold_extrusion"),
    (SAFE_START + BODY + "M140 S0\nM84\n", "gcode_heaters_left_on"),
    (SAFE_START + BODY + "M104 S0\nM84\n", "gcode_heaters_left_on"),
    (SAFE_START + BODY, "gcode_heaters_left_on"),
    (SAFE_START + BODY + "M104 S0\nM140 S0\nM104 S200 ; warm up again\n", "gcode_heaters_left_on"),
    ("PRINT_START BED=60 EXTRUDER=215\n" + BODY + "PRINT_END\n", "gcode_not_homed"),
])
@pytest.mark.parametrize("stretch", [8 << 20, 13])
def test_unsafe_gcode_is_refused_naming_the_printer_and_what_to_set(tmp_path, monkeypatch, text, code, stretch):
    monkeypatch.setattr(gcode, "STRETCH_BYTES", stretch)
    path = tmp_path / "unsafe.gcode"
    path.write_text(text)
    printer = get_printer("generic")
    assert printer_run(text)["first"] != {"homed": True, "hot": True} or printer_run(text)["nozzle_at_end"] \
        or printer_run(text)["bed_at_end"]
    with pytest.raises(SlicerFailed) as refused:
        verify(inspect(path, printer.centre), printer, "PrusaSlicer")
    assert refused.value.code == code
    assert "'Generic 200 mm printer'" in refused.value.message
    assert ("start_gcode" if code != "gcode_heaters_left_on" else "end_gcode") in refused.value.message


@pytest.mark.parametrize("text", [
    SAFE_START + BODY + SAFE_END,
    "N1 G28 W ; home without mesh\nM104 S215\nM116\nM140 S60\n" + BODY + "M104 S0\nM140 S0\n",
    "print_start EXTRUDER=215 BED=60\n" + BODY + "print_end ; the printer's macro\n",
    "PRINT_START\n" + BODY + "TURN_OFF_HEATERS\n",
    "G28\nSET_HEATER_TEMPERATURE HEATER=extruder TARGET=215\nTEMPERATURE_WAIT SENSOR=extruder MINIMUM=210\n"
    "SET_HEATER_TEMPERATURE HEATER=heater_bed TARGET=60\n" + BODY
    + "SET_HEATER_TEMPERATURE HEATER=extruder TARGET=0\nSET_HEATER_TEMPERATURE HEATER=heater_bed TARGET=0\n",
])
@pytest.mark.parametrize("stretch", [8 << 20, 11])
def test_safe_starts_and_ends_of_every_kind_pass(tmp_path, monkeypatch, text, stretch):
    monkeypatch.setattr(gcode, "STRETCH_BYTES", stretch)
    path = tmp_path / "safe.gcode"
    path.write_text(text)
    printer = replace(get_printer("voron_2_4_300"), start_macro="PRINT_START", end_macro="PRINT_END")
    verify(inspect(path, printer.centre, Commands(printer.start_macro, printer.end_macro)), printer, "PrusaSlicer")


def test_an_unsafe_printer_profile_stops_the_command_line_with_exit_5_and_no_file(dot, tmp_path, capsys,
                                                                                   prusa_slicer):
    profile = tmp_path / "bare.yaml"
    profile.write_text("id: bare\nname: Bare printer\nbed: {shape: rectangular, width: 200, depth: 200}\n"
                       "max_height: 200\n")
    output = tmp_path / "out.gcode"
    code = main(["slice", str(dot), "--mode", "logo", "--width", "15", "--printer", str(profile), "-o", str(output)])
    said = capsys.readouterr().err
    assert code == 5, said
    assert "'Bare printer'" in said and "start_gcode" in said and len(said.strip().splitlines()) == 1
    assert not output.exists()
