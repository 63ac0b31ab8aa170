"""Filament painting: the appearance model against its formula, CIEDE2000 against its published test data, a
picture made of the palette's own colours painted back closely, and the swaps in both slicers' G-code where the
answer says, before the first extrusion of their layer, read as a printer runs it."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import cli_json
from gcode_reading import moves
from PIL import Image
from test_gcode_safety import OCTOPRINT_DEFAULT, assert_safe

from octoprint_img2print import pipeline
from octoprint_img2print.filaments.appearance import LayerGrid, stack_colours
from octoprint_img2print.filaments.colour import ciede2000, lab, to_linear, to_srgb
from octoprint_img2print.filaments.library import Library
from octoprint_img2print.filaments.painting import Plan, fidelity, nearest_levels, optimised_plan, predicted
from octoprint_img2print.printers.profile import from_octoprint
from octoprint_img2print.recipe import Recipe

sys.path.insert(0, str(Path(__file__).parent))
SHARMA = [  # Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", Table 1: Lab 1, Lab 2, ΔE00
    (50.0000, 2.6772, -79.7751, 50.0000, 0.0000, -82.7485, 2.0425),
    (50.0000, 3.1571, -77.2803, 50.0000, 0.0000, -82.7485, 2.8615),
    (50.0000, 2.8361, -74.0200, 50.0000, 0.0000, -82.7485, 3.4412),
    (50.0000, -1.3802, -84.2814, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -1.1848, -84.8006, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, -0.9009, -85.5211, 50.0000, 0.0000, -82.7485, 1.0000),
    (50.0000, 0.0000, 0.0000, 50.0000, -1.0000, 2.0000, 2.3669),
    (50.0000, -1.0000, 2.0000, 50.0000, 0.0000, 0.0000, 2.3669),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0009, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0010, 7.1792),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0011, 7.2195),
    (50.0000, 2.4900, -0.0010, 50.0000, -2.4900, 0.0012, 7.2195),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0009, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0010, -2.4900, 4.8045),
    (50.0000, -0.0010, 2.4900, 50.0000, 0.0011, -2.4900, 4.7461),
    (50.0000, 2.5000, 0.0000, 50.0000, 0.0000, -2.5000, 4.3065),
    (50.0000, 2.5000, 0.0000, 73.0000, 25.0000, -18.0000, 27.1492),
    (50.0000, 2.5000, 0.0000, 61.0000, -5.0000, 29.0000, 22.8977),
    (50.0000, 2.5000, 0.0000, 56.0000, -27.0000, -3.0000, 31.9030),
    (50.0000, 2.5000, 0.0000, 58.0000, 24.0000, 15.0000, 19.4535),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.1736, 0.5854, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2972, 0.0000, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 1.8634, 0.5757, 1.0000),
    (50.0000, 2.5000, 0.0000, 50.0000, 3.2592, 0.3350, 1.0000),
    (60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644),
    (63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.2630),
    (61.2901, 3.7196, -5.3901, 61.4292, 2.2480, -4.9620, 1.8731),
    (35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645),
    (22.7233, 20.0904, -46.6940, 23.0331, 14.9730, -42.5619, 2.0373),
    (36.4612, 47.8580, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146),
    (90.8027, -2.0831, 1.4410, 91.1528, -1.6435, 0.0447, 1.4441),
    (90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381),
    (6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377),
    (2.0776, 0.0795, -1.1350, 0.9033, -0.0636, -0.5514, 0.9082),
]
PALETTE = ("pla_black", "pla_red", "pla_yellow", "pla_white")
PRINTER = {"prusaslicer": "prusa_mk3s", "cura": "creality_ender3_v2"}


def test_ciede2000_gives_the_published_differences_both_ways():
    table = np.array(SHARMA)
    assert np.abs(ciede2000(table[:, 0:3], table[:, 3:6]) - table[:, 6]).max() < 1e-4
    assert np.abs(ciede2000(table[:, 3:6], table[:, 0:3]) - table[:, 6]).max() < 1e-4


def test_lab_of_srgb_primaries_and_white():
    assert lab(to_linear(np.array([1.0, 0.0, 0.0]))) == pytest.approx([53.24, 80.09, 67.20], abs=0.02)
    assert lab(to_linear(np.array([1.0, 1.0, 1.0]))) == pytest.approx([100.0, 0.0, 0.0], abs=0.01)
    assert to_srgb(to_linear(np.linspace(0, 1, 11))) == pytest.approx(np.linspace(0, 1, 11), abs=1e-9)


def colour(filament) -> np.ndarray:
    """A filament's colour in linear light, by the sRGB standard's formula."""
    srgb = np.array(filament.rgb) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


@pytest.mark.parametrize(("layers", "over"), [(1, "pla_white"), (3, "pla_white"), (6, "pla_black")])
def test_a_filament_over_another_shows_as_the_formula_says(layers, over):
    library = Library()
    top, under = library.get("pla_red"), library.get(over)
    grid = LayerGrid(0.2, 0.1)
    base = 4  # four layers of the one below, as thick as it likes: it shows its own colour
    colours = stack_colours([under, top], [base, base + layers], grid)
    hiding = top.hiding_factor * top.td
    through = 10 ** (-layers * 0.1 / hiding)  # what the formula says d mm of the filament lets through
    expected = colour(top) * (1 - through) + colour(under) * through
    assert colours[base] == pytest.approx(colour(under), abs=1e-12)
    assert colours[base + layers] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_a_picture_of_the_palettes_own_colours_is_painted_back_closely():
    library = Library()
    palette = [library.get(i) for i in PALETTE]
    grid = LayerGrid(0.16, 0.08)
    truth = Plan(grid, (palette[0], palette[1], palette[2], palette[3]), (9, 13, 17, 24), 6)
    levels = np.random.default_rng(4).integers(6, 25, (120, 160))
    picture = predicted(truth, levels)  # what that plan prints: colours the palette can make
    plan = optimised_plan(picture, palette, grid, 6, 24, swaps=8, colours=4)
    mean, p95 = fidelity(picture, predicted(plan, nearest_levels(plan, picture)))
    assert mean < 1.0 and p95 < 2.0


def painting_picture(folder: Path) -> Path:
    """A colour picture of a few flat regions and a gradient."""
    rows, cols = 90, 120
    y, x = np.mgrid[0:rows, 0:cols]
    image = np.zeros((rows, cols, 3), dtype=np.uint8)
    image[...] = (240, 235, 225)
    image[(x - 40) ** 2 + (y - 45) ** 2 < 25 ** 2] = (200, 30, 40)
    image[(x > 70) & (y < 45)] = (245, 210, 30)
    image[(x > 70) & (y >= 45)] = np.stack([x * 2, x * 2, x * 2], -1)[(x > 70) & (y >= 45)].astype(np.uint8)
    path = folder / "painting.png"
    Image.fromarray(image).save(path)
    return path


def as_run(text: str) -> tuple[list[tuple[int, float]], list[tuple[float, int]]]:
    """Where each colour change stands (line, the height of the next extruding move) and every extrusion
    (height, line), as a printer runs the G-code."""
    lines = text.splitlines()
    changes = [i for i, line in enumerate(lines) if line.split(";")[0].strip() == "M600"]
    extrusions, index = [], 0
    for _start, _end, z, extrudes, _feed, _kind, layer, _pushed in moves(text):
        while not lines[index].lstrip().startswith(("G0 ", "G1 ")):
            index += 1
        if extrudes and layer >= 0:
            extrusions.append((z, index))
        index += 1
    return [(at, next(z for z, line in extrusions if line > at)) for at in changes], extrusions


def test_the_swaps_are_in_the_gcode_where_the_answer_says_before_their_layer(tmp_path, slicer):
    picture = painting_picture(tmp_path)
    output = tmp_path / "painting.gcode"
    code, answer = cli_json("slice", str(picture), "-o", str(output), "--printer", PRINTER[slicer], "--slicer",
                            slicer, "--mode", "painting", "--width", "40", "--filaments", ",".join(PALETTE),
                            "--swaps", "5", "--json")
    assert code == 0, answer
    swaps = next(f for f in answer["findings"] if f["code"] == "filament_swaps")["numbers"]["swaps"]
    assert 2 <= len(swaps) <= 6 and swaps[0]["layer"] == 1
    text = output.read_text()
    changes, extrusions = as_run(text)
    assert len(changes) == len(swaps) - 1, "one colour change per swap"
    lines = text.splitlines()
    for (line, first_z), swap in zip(changes, swaps[1:]):
        assert first_z == pytest.approx(swap["height"], abs=1e-3), "the layer after the change is the swap's"
        below = [z for z, at in extrusions if at < line]
        assert max(below) == pytest.approx(swap["height"] - 0.08, abs=1e-3), "nothing of that layer before it"
        assert swap["filament"] in lines[line - 1] and swap["name"] in lines[line - 1]  # the comment says what
    assert answer["settings"]["layer_height"] == 0.08 and answer["settings"]["first_layer_height"] == 0.16
    assert answer["filament"] == swaps[0]["filament"]


def test_a_printer_with_its_own_colour_change_command_gets_it_at_every_swap(tmp_path):
    picture = painting_picture(tmp_path)
    own = yaml.safe_load((Path(__file__).parent.parent / "profiles" / "printers" / "generic.yaml").read_text())
    own.update(id="pausing", name="Pausing printer", color_change_gcode="PAUSE_FOR_FILAMENT")
    (tmp_path / "pausing.yaml").write_text(yaml.safe_dump(own))
    output = tmp_path / "painting.gcode"
    code, answer = cli_json("slice", str(picture), "-o", str(output), "--printer", str(tmp_path / "pausing.yaml"),
                            "--mode", "painting", "--width", "40", "--filaments", ",".join(PALETTE), "--json")
    assert code == 0, answer
    swaps = next(f for f in answer["findings"] if f["code"] == "filament_swaps")["numbers"]["swaps"]
    text = output.read_text()
    assert len(re.findall(r"^PAUSE_FOR_FILAMENT\s*$", text, re.M)) == len(swaps) - 1 >= 1
    assert not re.search(r"^M600", text, re.M)


TOWERS = ("Wipe tower", "PRIME-TOWER")  # PrusaSlicer's and Cura's names of the tower that cleans the nozzle
SKIRTS = ("Skirt/Brim", "SKIRT")  # which goes round the print and the tower


def tools_as_run(text: str) -> list[tuple[float, int]]:
    """Each extrusion of the print itself (not of the tower, nor of the skirt, on which Cura primes each tool) as a
    printer runs it: its height and the tool selected (T<n>) when it is made."""
    tool, index, lines, made = 0, 0, text.splitlines(), []
    for _start, _end, z, extrudes, _feed, kind, layer, _pushed in moves(text):
        while not lines[index].lstrip().startswith(("G0 ", "G1 ")):
            selected = re.match(r"^T(\d+)\s*(;.*)?$", lines[index].strip())
            tool = int(selected.group(1)) if selected else tool
            index += 1
        index += 1
        if extrudes and layer >= 0 and kind not in TOWERS + SKIRTS:
            made.append((z, tool))
    return made


def test_a_printer_with_several_tools_changes_tools_at_every_swap_itself(tmp_path, slicer):
    picture = painting_picture(tmp_path)
    output = tmp_path / "painting.gcode"
    code, answer = cli_json("slice", str(picture), "-o", str(output), "--printer", "prusa_mk3s_mmu2s", "--slicer",
                            slicer, "--mode", "painting", "--width", "40", "--filaments", ",".join(PALETTE),
                            "--swaps", "5", "--json")
    assert code == 0, answer
    swaps = next(f for f in answer["findings"] if f["code"] == "filament_swaps")["numbers"]["swaps"]
    tools = next(f for f in answer["findings"] if f["code"] == "tool_filaments")["numbers"]["tools"]
    assert len(swaps) >= 3 and tools[0] == swaps[0]["filament"] and set(tools) == {s["filament"] for s in swaps}
    text = output.read_text()
    assert not re.search(r"^M600", text, re.M), "no colour change by hand: the printer changes tools"
    made = tools_as_run(text)
    for z, tool in made:
        band = [swap for swap in swaps if swap["height"] <= z + 1e-3][-1]
        assert tools[tool] == band["filament"], f"at {z} mm tool T{tool} prints, not {band['filament']}'s"
    assert {tool for _z, tool in made} == set(range(len(tools)))
    xs = {part: [end[0] for _start, end, _z, extrudes, _f, kind, layer, _p in moves(text)
                 if extrudes and layer >= 0 and (kind in TOWERS) == (part == "tower") and kind not in SKIRTS]
          for part in ("tower", "print")}
    assert xs["tower"] and min(xs["tower"]) > max(xs["print"]) + 2, "a tower beside the print cleans the nozzle"
    assert answer["settings"]["tools"] == tools


FINITE_MOVE = re.compile(r"^G[01]((?: +[XYZEF]-?(?:\d+\.?\d*|\.\d+))*) *(?:;.*)?$")


def test_a_painting_with_several_tool_changes_slices_to_runnable_g_code_every_time(tmp_path):
    """PrusaSlicer 2.5's wipe tower wrote infinite coordinates ("G1 Y-inf") in about a fifth of the runs of this very
    job (classic perimeters, three tool changes) until every tool was primed before the print: each of eight runs
    must give G-code whose every move a printer can read, and prime each tool once before the first layer."""
    picture = painting_picture(tmp_path)

    def slice_once(run: int) -> tuple[subprocess.CompletedProcess, Path]:
        output = tmp_path / f"painting-{run}.gcode"
        return subprocess.run([sys.executable, "-m", "octoprint_img2print.command", "slice", str(picture), "-o",
                               str(output), "--printer", "prusa_mk3s_mmu2s", "--slicer", "prusaslicer", "--mode",
                               "painting", "--width", "40", "--filaments", ",".join(PALETTE), "--swaps", "5",
                               "--same-every-time", "--json"], capture_output=True, text=True, timeout=300), output

    with ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(slice_once, range(8)))
    for run, output in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        text = output.read_text()
        moves_made = [line for line in text.splitlines() if re.match(r"^G[01] ", line)]
        assert moves_made and all(FINITE_MOVE.match(line) for line in moves_made), \
            next(line for line in moves_made if not FINITE_MOVE.match(line))
        before_print = text[:text.index(";LAYER_CHANGE")]
        primed = re.findall(r"^T(\d+)\s*$", before_print[before_print.index("CP PRIMING START"):], re.M)
        assert sorted(map(int, primed)) == list(range(len(PALETTE)))


def test_octoprints_printer_with_two_extruders_paints_with_both(tmp_path, slicer):
    printer = from_octoprint({**copy.deepcopy(OCTOPRINT_DEFAULT), "volume": {
        "width": 220, "depth": 220, "height": 250, "formFactor": "rectangular", "origin": "lowerleft"},
        "extruder": {"count": 2, "offsets": [[0.0, 0.0], [0.0, 0.0]], "nozzleDiameter": 0.4, "sharedNozzle": False}})
    assert (printer.tools, printer.shared_nozzle) == (2, False)
    output = tmp_path / "painting.gcode"
    result = pipeline.slice_job(painting_picture(tmp_path), output,
                                recipe=Recipe(slicer=slicer, mode="painting",
                                              options={"width": 40, "palette": "pla_black,pla_white", "swaps": 3}),
                                printer=printer)
    assert result.settings.tools is not None and len(result.settings.tools.filaments) == 2
    made = tools_as_run(output.read_text())
    assert {tool for _z, tool in made} == {0, 1} and not re.search(r"^M600", output.read_text(), re.M)
    assert_safe(output, printer)


def test_a_printer_with_too_few_tools_or_no_room_for_the_tower_is_refused_clearly(tmp_path):
    picture = painting_picture(tmp_path)
    own = yaml.safe_load((Path(__file__).parent.parent / "profiles" / "printers" / "prusa_mk3s_mmu2s.yaml")
                         .read_text())
    own.update(id="two_tools", name="Two-tool printer", tools=2)
    (tmp_path / "two_tools.yaml").write_text(yaml.safe_dump(own))
    output = tmp_path / "painting.gcode"
    code, answer = cli_json("slice", str(picture), "-o", str(output), "--printer", str(tmp_path / "two_tools.yaml"),
                            "--mode", "painting", "--width", "40", "--filaments", ",".join(PALETTE), "--json")
    assert code == 2 and answer["error"]["code"] == "too_many_filaments", answer
    assert "--colours" in answer["error"]["message"] and not output.exists()
    code, answer = cli_json("slice", str(picture), "-o", str(output), "--printer", "prusa_mk3s_mmu2s", "--mode",
                            "painting", "--width", "215", "--filaments", ",".join(PALETTE), "--json")
    assert answer["error"]["code"] == "no_room_for_tower" and "at most" in answer["error"]["message"], answer
    assert not output.exists()


def test_the_solid_stands_in_whole_layers_and_the_answer_says_how_close_it_comes(tmp_path):
    picture = painting_picture(tmp_path)
    code, answer = cli_json("convert", str(picture), "-o", str(tmp_path / "painting.stl"), "--mode", "painting",
                            "--width", "40", "--filaments", ",".join(PALETTE), "--max-height", "1.6", "--json")
    assert code == 0 and answer["closed"], answer
    assert answer["size_mm"][2] <= 1.6 + 1e-3
    import trimesh

    solid = trimesh.load(tmp_path / "painting.stl")
    assert solid.is_watertight and solid.volume > 0
    heights = solid.vertices[:, 2]
    layer_tops = 0.16 + 0.08 * np.arange(20)
    on_a_top = np.abs(heights[:, None] - layer_tops[None]).min(axis=1) < 1e-4
    assert (on_a_top | (np.abs(heights) < 1e-6)).all(), "every corner on the bed or at a layer's top"
    found = next(f for f in answer["findings"] if f["code"] == "painting_fidelity")["numbers"]
    assert 0 <= found["mean_delta_e"] <= found["p95_delta_e"] < 60


@pytest.mark.parametrize(("arguments", "words"), [
    (["--filaments", "pla_black,petg_white"], "one material"),
    (["--filaments", "pla_black,pla_unicorn"], "no filament 'pla_unicorn'"),
    (["--palette", "", "--filaments", ""], "at least one filament"),
    (["--base", "2.5", "--max-height", "2"], "not below"),
])
def test_bad_painting_options_are_one_line(tmp_path, arguments, words):
    picture = painting_picture(tmp_path)
    code, answer = cli_json("convert", str(picture), "-o", str(tmp_path / "x.stl"), "--mode", "painting",
                            *arguments, "--json")
    assert code == 2 and words in answer["error"]["message"], answer
    assert not (tmp_path / "x.stl").exists()


def test_prusaslicer_opens_the_3mf_with_its_colour_changes(tmp_path, prusa_slicer):
    picture = painting_picture(tmp_path)
    model = tmp_path / "painting.3mf"
    code, answer = cli_json("convert", str(picture), "-o", str(model), "--mode", "painting", "--width", "40",
                            "--filaments", ",".join(PALETTE), "--json")
    assert code == 0, answer
    swaps = next(f for f in answer["findings"] if f["code"] == "filament_swaps")["numbers"]["swaps"]
    gcode = tmp_path / "plain.gcode"  # PrusaSlicer on its own, nothing of img2print after it
    subprocess.run([prusa_slicer, "--export-gcode", "--layer-height", "0.08", "--first-layer-height", "0.16",
                    "-o", str(gcode), str(model)], check=True, capture_output=True, timeout=300)
    changes, _extrusions = as_run(gcode.read_text())
    assert [round(z, 3) for _line, z in changes] == [s["height"] for s in swaps[1:]]
    colours = re.findall(r"^;COLOR_CHANGE,T\d+,(#[0-9A-F]{6})", gcode.read_text(), re.M)
    assert colours == [s["colour"].upper() for s in swaps[1:]]


def card_photo(path: Path, own: tuple[int, int, int], hiding: float, steps: int = 10, layer: float = 0.08) -> Path:
    """A photo of a TD card as a camera with a warm cast would take it: the card (rows over black and over white,
    each cell one more layer) lying on white paper, every cell the colour a filament of hiding distance ``hiding``
    and colour ``own`` shows there by the formula, with noise, as a JPEG."""
    library = Library()
    backing = [colour(library.get("pla_black")), colour(library.get("pla_white"))]
    srgb = np.array(own) / 255.0
    filament = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    photo = np.full((600, 1300, 3), 0.8)  # the paper
    cell = 100
    for row in range(2):
        for step in range(steps + 1):
            through = 10 ** (-step * layer / hiding)
            shown = filament * (1 - through) + backing[row] * through
            photo[200 + row * cell:200 + (row + 1) * cell, 100 + step * cell:100 + (step + 1) * cell] = shown * 0.8
    photo = photo * np.array([1.08, 1.0, 0.86])  # the light's warm cast, on paper and card alike
    encoded = np.where(photo <= 0.0031308, photo * 12.92, 1.055 * np.clip(photo, 0, 1) ** (1 / 2.4) - 0.055)
    noisy = encoded * 255 + np.random.default_rng(9).normal(0, 2.0, encoded.shape)
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path


def backlit_photo(path: Path, td: float, steps: int = 10, layer: float = 0.08, base: float = 0.48) -> Path:
    """A photo of a TD card held against a light, as a camera with a cool cast would take it: the light all round,
    the black row letting nothing through, the white row's cells letting through what the white base and the
    filament's layers do, with HueForge's definition of TD (1 % through at the TD), with noise, as a JPEG."""
    white_td = Library().get("pla_white").td
    photo = np.full((600, 1300, 3), 0.9)  # the light
    cell = 100
    photo[200:300, 100:100 + (steps + 1) * cell] = 0.0005  # the black row
    for step in range(steps + 1):
        through = 100 ** (-base / white_td) * 100 ** (-step * layer / td)
        photo[300:400, 100 + step * cell:100 + (step + 1) * cell] = 0.9 * through
    photo = photo * np.array([0.9, 1.0, 1.1])
    encoded = np.where(photo <= 0.0031308, photo * 12.92, 1.055 * np.clip(photo, 0, 1) ** (1 / 2.4) - 0.055)
    noisy = encoded * 255 + np.random.default_rng(3).normal(0, 1.5, encoded.shape)
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path, quality=92)
    return path


@pytest.mark.parametrize("td", [0.6, 2.0, 5.0])
def test_a_card_against_a_light_gives_the_filaments_td_and_its_hiding_factor(tmp_path, td):
    front = card_photo(tmp_path / "card.jpg", (200, 40, 50), 0.4)
    light = backlit_photo(tmp_path / "light.jpg", td)
    code, answer = cli_json("filaments", "calibrate", str(front), "--backlit", str(light), "--filament", "pla_red",
                            "--save", str(tmp_path / "mine.yaml"), "--json")
    assert code == 0, answer
    assert answer["td_mm"] == pytest.approx(td, rel=0.1)
    kept = yaml.safe_load((tmp_path / "mine.yaml").read_text())["filaments"][0]
    assert kept["td"] == answer["td_mm"] and answer["filament"]["td"] == answer["td_mm"]
    assert kept["hiding_factor"] * kept["td"] == pytest.approx(answer["hiding_distance_mm"], rel=0.01)


def test_a_card_against_too_dim_a_light_is_refused_and_nothing_is_kept(tmp_path):
    front = card_photo(tmp_path / "card.jpg", (200, 40, 50), 0.4)
    light = backlit_photo(tmp_path / "light.jpg", 0.05)  # almost nothing through its first layer
    code, answer = cli_json("filaments", "calibrate", str(front), "--backlit", str(light), "--filament", "pla_red",
                            "--save", str(tmp_path / "mine.yaml"), "--json")
    assert code == 3 and answer["error"]["code"] == "calibration_photo" and "light.jpg" in answer["error"]["message"]
    assert not (tmp_path / "mine.yaml").exists()


@pytest.mark.parametrize(("own", "hiding"), [((200, 40, 50), 0.68), ((40, 90, 200), 0.3), ((250, 210, 30), 1.4)])
def test_a_card_photo_is_fitted_back_to_its_hiding_distance(tmp_path, own, hiding):
    photo = card_photo(tmp_path / "card.jpg", own, hiding)
    code, answer = cli_json("filaments", "calibrate", str(photo), "--filament", "pla_red", "--save",
                            str(tmp_path / "mine.yaml"), "--json")
    assert code == 0, answer
    assert answer["hiding_distance_mm"] == pytest.approx(hiding, rel=0.1)
    fitted = np.array([int(answer["filament"]["colour"][i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    assert ciede2000(lab(to_linear(fitted)), lab(to_linear(np.array(own) / 255.0))) < 5
    assert answer["fit_delta_e"] < 3
    kept = yaml.safe_load((tmp_path / "mine.yaml").read_text())["filaments"]
    assert [f["id"] for f in kept] == ["pla_red"]
    assert kept[0]["hiding_factor"] * kept[0]["td"] == pytest.approx(answer["hiding_distance_mm"], rel=0.01)
    code, shown = cli_json("filaments", "show", "pla_red", "--filaments", str(tmp_path / "mine.yaml"), "--json")
    assert shown["hiding_factor"] == kept[0]["hiding_factor"]


def test_a_card_is_printed_with_its_four_swaps_and_a_photo_without_paper_is_refused(tmp_path):
    code, answer = cli_json("convert", "--mode", "td-card", "--filament", "pla_red", "-o",
                            str(tmp_path / "card.stl"), "--json")
    assert code == 0 and answer["closed"], answer
    swaps = next(f for f in answer["findings"] if f["code"] == "filament_swaps")["numbers"]["swaps"]
    assert [s["filament"] for s in swaps] == ["pla_white", "pla_red", "pla_black", "pla_red"]
    dark = tmp_path / "dark.jpg"
    Image.fromarray(np.full((300, 400, 3), 20, np.uint8)).save(dark)
    code, answer = cli_json("filaments", "calibrate", str(dark), "--filament", "pla_red", "--save",
                            str(tmp_path / "mine.yaml"), "--json")
    assert code == 3 and answer["error"]["code"] == "calibration_photo" and "white paper" in answer["error"]["message"]
    assert not (tmp_path / "mine.yaml").exists()


def test_a_painting_is_heated_for_its_own_filaments_whatever_is_said_to_be_loaded(tmp_path):
    picture = painting_picture(tmp_path)
    output = tmp_path / "painting.gcode"
    code, answer = cli_json("slice", str(picture), "-o", str(output), "--printer", "prusa_mk3s", "--mode", "painting",
                            "--width", "40", "--filaments", ",".join(PALETTE), "--filament", "petg_black", "--json")
    assert code == 0, answer
    assert answer["filament"] in PALETTE
    assert "painting_material" in [f["code"] for f in answer["findings"] if f["level"] == "warning"]
    assert re.findall(r"^M104 S(\d+)", output.read_text(), re.M)[:2] == ["215", "210"]  # PLA's, not PETG's
