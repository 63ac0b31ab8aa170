"""`img2print generate`: one photo to Tripo's image-to-model service and back as a repaired, standing, sized solid
that slices. Tripo's cloud cannot be reached from here: every test talks to the STAND-IN in tripo_standin.py
(a local server speaking the endpoints Tripo's own SDK calls), never to Tripo."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import trimesh
from gcode_reading import read
from pictures import photo_like, save
from solids import load
from tripo_standin import TripoStandIn

from octoprint_img2print.command.main import main
from octoprint_img2print.generating import tripo

KEY = "tsk_standin_key"


@pytest.fixture
def photo(tmp_path):
    return save(photo_like(320, 240), tmp_path / "pawn.jpg")


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    """The stand-in finishes in a few polls; waiting seconds between them only slows the tests."""
    monkeypatch.setattr(tripo, "FIRST_POLL_S", 0.05)
    monkeypatch.setenv("TRIPO_API_KEY", KEY)


def generate(capsys, photo, output, url, *extra: str) -> tuple[int, dict]:
    code = main(["generate", str(photo), "-o", str(output), "--height", "60", "--tripo-url", url, "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def leftovers(folder: Path) -> list[str]:
    """Files a failed run must not leave: the output, partial files, generation folders."""
    mine = [p.name for p in folder.iterdir() if p.suffix != ".jpg"]
    return mine + [p.name for p in Path(tempfile.gettempdir()).glob("img2print-generate-*")]


def test_a_photo_becomes_a_closed_standing_model_of_the_height_asked_that_slices(capsys, tmp_path, photo,
                                                                                 prusa_slicer):
    with TripoStandIn() as standin:
        code, answer = generate(capsys, photo, tmp_path / "pawn.stl", standin.url, "--yes")
        payload = standin.created_tasks[0]["payload"]
    assert code == 0, answer
    assert payload["texture"] is False and payload["pbr"] is False  # a print needs no texture: fewer credits
    model = load(tmp_path / "pawn.stl")
    assert model.is_watertight and model.is_winding_consistent and len(model.split()) == 1
    assert model.bounds[0][2] == pytest.approx(0.0, abs=1e-4) and model.extents[2] == pytest.approx(60.0, rel=1e-4)
    assert model.extents[0] == pytest.approx(model.extents[1], rel=0.05)  # the pawn stands on its round foot
    assert model.extents[0] < 40
    codes = [d["code"] for d in answer["repaired"]]
    assert "closed_holes" in codes and "united_parts" in codes and "dropped_specks" in codes
    assert answer["credits"] == {"cost": 20.0, "balance": 600.0, "used": 20.0}
    code = main(["slice", str(tmp_path / "pawn.stl"), "-o", str(tmp_path / "pawn.gcode"), "--printer", "prusa_mk4",
                 "--json"])
    assert code == 0, capsys.readouterr().out
    assert max(read(tmp_path / "pawn.gcode").layer_zs) == pytest.approx(60.0, abs=0.3)


def test_a_3mf_output_is_written_the_same_way(capsys, tmp_path, photo):
    with TripoStandIn() as standin:
        code, _answer = generate(capsys, photo, tmp_path / "pawn.3mf", standin.url, "--yes")
    assert code == 0
    assert load(tmp_path / "pawn.3mf").extents[2] == pytest.approx(60.0, rel=1e-4)


def test_without_yes_and_without_a_terminal_nothing_is_sent(capsys, tmp_path, photo):
    with TripoStandIn() as standin:
        code, answer = generate(capsys, photo, tmp_path / "pawn.stl", standin.url)
        sent = [path for method, path in standin.requests if method == "POST"]
    assert code == 2 and "--yes" in answer["error"]["message"]
    assert sent == [] and leftovers(tmp_path) == []


def test_a_terminal_is_told_of_the_third_party_and_the_cost_and_may_say_no(capsys, tmp_path, photo, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: print(prompt, file=__import__("sys").stderr) or "n")
    with TripoStandIn() as standin:
        code = main(["generate", str(photo), "-o", str(tmp_path / "pawn.stl"), "--height", "60",
                     "--tripo-url", standin.url])
        sent = [path for method, path in standin.requests if method == "POST"]
    err = capsys.readouterr().err
    assert code == 130 and sent == [] and leftovers(tmp_path) == []
    assert "third-party service" in err and "20 credits" in err and "holds 600" in err


@pytest.mark.parametrize(("behaviour", "exit_code", "error_code", "words"), [
    ("wrong_key", 3, "tripo_wrong_key", "refused the API key"),
    ("out_of_credits", 6, "tripo_no_credits", "holds 0"),
    ("rate_limited", 6, "tripo_busy", "as many of your tasks"),
    ("task_fails", 6, "tripo_task_failed", "could not make a model"),
    ("download_missing", 6, "tripo_failed", "could not be downloaded"),
])
def test_each_failure_of_the_service_is_one_clear_error_and_leaves_nothing(capsys, tmp_path, photo, behaviour,
                                                                          exit_code, error_code, words):
    with TripoStandIn(behaviour=behaviour) as standin:
        code, answer = generate(capsys, photo, tmp_path / "pawn.stl", standin.url, "--yes")
    assert (code, answer["error"]["code"]) == (exit_code, error_code)
    assert words in answer["error"]["message"] and "\n" not in answer["error"]["message"]
    assert leftovers(tmp_path) == []


def test_a_task_that_never_finishes_times_out(capsys, tmp_path, photo):
    with TripoStandIn(behaviour="never_finishes") as standin:
        code, answer = generate(capsys, photo, tmp_path / "pawn.stl", standin.url, "--yes", "--timeout", "1")
    assert (code, answer["error"]["code"]) == (6, "tripo_timeout") and leftovers(tmp_path) == []


def test_no_key_says_where_to_get_one_and_asks_nothing(capsys, tmp_path, photo, monkeypatch):
    monkeypatch.delenv("TRIPO_API_KEY")
    with TripoStandIn() as standin:
        code, answer = generate(capsys, photo, tmp_path / "pawn.stl", standin.url, "--yes")
        asked = list(standin.requests)
    assert (code, answer["error"]["code"]) == (3, "tripo_no_key") and asked == []
    assert "platform.tripo3d.ai" in answer["error"]["message"] and "TRIPO_API_KEY" in answer["error"]["message"]


def test_without_the_internet_it_says_this_one_needs_it(capsys, tmp_path, photo):
    with TripoStandIn() as standin:
        url = standin.url
    code, answer = generate(capsys, photo, tmp_path / "pawn.stl", url, "--yes")
    assert (code, answer["error"]["code"]) == (6, "tripo_unreachable")
    assert "needs the internet" in answer["error"]["message"] and "offline" in answer["error"]["message"]
    assert leftovers(tmp_path) == []


def test_a_broken_photo_is_refused_before_anything_is_sent(capsys, tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    with TripoStandIn() as standin:
        code, answer = generate(capsys, tmp_path / "broken.jpg", tmp_path / "pawn.stl", standin.url, "--yes")
        asked = list(standin.requests)
    assert code == 3 and "broken.jpg" in answer["error"]["message"] and asked == []


def test_the_base_goes_down_or_else_the_largest_flat_face():
    from octoprint_img2print.geometry.mesh import Mesh
    from octoprint_img2print.geometry.placing import standing

    plank = trimesh.creation.box(extents=(4.0, 40.0, 10.0))  # lying on its 40 x 10 side would be the largest face
    on_edge = plank.copy()
    on_edge.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0]))
    stood = standing(Mesh(on_edge.vertices, on_edge.faces))
    assert sorted(np.round(stood.size(), 3)) == [4.0, 10.0, 40.0] and stood.size()[2] == pytest.approx(4.0)
    cone = trimesh.creation.cone(radius=10.0, height=30.0)  # its base is its only flat face
    upside_down = cone.copy()
    upside_down.apply_transform(trimesh.transformations.rotation_matrix(np.pi, [1, 0, 0]))
    stood = standing(Mesh(upside_down.vertices, upside_down.faces))
    low = stood.vertices[stood.vertices[:, 2] < 1e-3]
    assert stood.size()[2] == pytest.approx(30.0) and np.ptp(low[:, 0]) == pytest.approx(20.0, rel=0.01)
