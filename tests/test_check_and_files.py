"""`img2print check` judges any STL or 3MF a user has; the writers produce files every tool reads."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
import trimesh
from conftest import require
from pictures import photo_like, save
from solids import assert_printable_solid, prusa_info

from octoprint_img2print.command.main import main


def check(capsys, path, *extra: str) -> tuple[int, dict]:
    code = main(["check", str(path), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def cube() -> trimesh.Trimesh:
    return trimesh.creation.box(extents=(20, 20, 20))


def export(mesh: trimesh.Trimesh, path) -> object:
    mesh.export(str(path))
    return path


@pytest.fixture
def photo(tmp_path):
    return save(photo_like(120, 90), tmp_path / "photo.png")


def test_a_good_cube_from_another_tool_passes(capsys, tmp_path):
    code, answer = check(capsys, export(cube(), tmp_path / "cube.stl"))
    assert code == 0 and answer["closed"] is True and answer["verdict"].startswith("OK")
    assert answer["size_mm"] == pytest.approx([20, 20, 20])
    assert answer["volume_mm3"] == pytest.approx(8000, rel=1e-6)
    assert answer["triangles"] == 12 and answer["shells"] == 1 and answer["findings"] == []


def test_a_3mf_from_another_tool_passes(capsys, tmp_path):
    code, answer = check(capsys, export(cube(), tmp_path / "cube.3mf"))
    assert code == 0 and answer["volume_mm3"] == pytest.approx(8000, rel=1e-6)


def test_the_text_verdict_comes_first(capsys, tmp_path):
    mesh = cube()
    mesh.faces = mesh.faces[1:]
    assert main(["check", str(export(mesh, tmp_path / "open.stl"))]) == 3
    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line.startswith("NOT PRINTABLE") and "only one triangle" in first_line


@pytest.mark.parametrize(("damage", "code"), [
    ("drop_face", "open_edges"),
    ("flip_all", "inside_out"),
    ("flip_one", "inconsistent_winding"),
    ("fin", "non_manifold_edges"),
    ("sliver", "degenerate_faces"),
])
def test_defects_are_reported_with_stable_codes(capsys, tmp_path, damage, code):
    mesh = cube()
    vertices, faces = mesh.vertices.copy(), mesh.faces.copy()
    if damage == "drop_face":
        faces = faces[1:]
    elif damage == "flip_all":
        faces = faces[:, ::-1]
    elif damage == "flip_one":
        faces[0] = faces[0, ::-1]
    elif damage == "fin":
        a, b = faces[0, 0], faces[0, 1]
        vertices = np.vstack([vertices, [[50, 50, 50]]])
        faces = np.vstack([faces, [[a, b, len(vertices) - 1], [b, a, len(vertices) - 1]]])
    elif damage == "sliver":
        vertices = np.vstack([vertices, (vertices[faces[0, 0]] + vertices[faces[0, 1]]) / 2])
        m = len(vertices) - 1
        a, b, c = faces[0]
        faces = np.vstack([faces[1:], [[a, m, c], [m, b, c], [a, b, m]]])
    broken = trimesh.Trimesh(vertices, faces, process=False)
    status, answer = check(capsys, export(broken, tmp_path / "broken.stl"))
    assert status == 3 and answer["closed"] is False
    assert code in [f["code"] for f in answer["findings"]]
    assert all(f["level"] in ("error", "warning", "info") for f in answer["findings"])


def test_two_separate_solids_are_closed_but_counted(capsys, tmp_path):
    pair = trimesh.util.concatenate([cube(), cube().apply_translation([40, 0, 0])])
    code, answer = check(capsys, export(pair, tmp_path / "pair.stl"))
    assert code == 0 and answer["shells"] == 2 and [f["code"] for f in answer["findings"]] == ["multiple_shells"]


@pytest.mark.parametrize(("name", "content"), [("garbage.stl", b"solid x\nfacet nonsense\n" * 3),
                                                ("broken.3mf", b"PK\x03\x04 not really a zip"),
                                                ("empty.stl", b"")])
def test_unreadable_models_are_bad_input(capsys, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    status, answer = check(capsys, path)
    assert status == 3 and answer["ok"] is False
    assert name in answer["error"]["message"]


def test_hostile_3mf_entities_are_refused(capsys, tmp_path):
    model = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
             '<model xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">&lol2;</model>')
    path = tmp_path / "lol.3mf"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("3D/3dmodel.model", model)
    status, answer = check(capsys, path)
    assert status == 3 and answer["error"]["code"] == "unreadable_model"


def test_ascii_stl_is_written_on_request_and_read_by_every_tool(capsys, tmp_path, photo, prusa_slicer):
    output = tmp_path / "ascii.stl"
    assert main(["convert", str(photo), "-o", str(output), "--ascii", "--width", "40", "--json"]) == 0
    capsys.readouterr()
    assert output.read_bytes()[:6] == b"solid "
    assert_printable_solid(output)
    assert prusa_info(prusa_slicer, output)["manifold"] == "yes"
    code, answer = check(capsys, output)
    assert code == 0 and answer["size_mm"][0] == pytest.approx(40, rel=1e-4)


def test_binary_stl_is_the_default(capsys, tmp_path, photo):
    output = tmp_path / "bin.stl"
    assert main(["convert", str(photo), "-o", str(output), "--width", "40", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert output.stat().st_size == 84 + 50 * answer["triangles"] == answer["file_bytes"]


def test_3mf_is_a_valid_package(capsys, tmp_path, photo):
    output = tmp_path / "plate.3mf"
    assert main(["convert", str(photo), "-o", str(output), "--mode", "relief", "--width", "40", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    with zipfile.ZipFile(output) as package:
        assert {"[Content_Types].xml", "_rels/.rels", "3D/3dmodel.model"} <= set(package.namelist())
        assert b'unit="millimeter"' in package.read("3D/3dmodel.model")
    assert len(assert_printable_solid(output).faces) == answer["triangles"]
    code, checked = check(capsys, output)
    assert code == 0 and checked["volume_mm3"] == pytest.approx(answer["volume_mm3"], rel=1e-4)


def test_json_output_has_the_promised_keys(capsys, tmp_path, photo):
    assert main(["convert", str(photo), "-o", str(tmp_path / "k.stl"), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert {"size_mm", "triangles", "closed", "volume_mm3", "findings", "output", "file_bytes"} <= set(answer)
    assert len(answer["size_mm"]) == 3


SAVITAR_PROBE = """
import json, sys, zipfile, struct
import Savitar
scene = Savitar.ThreeMFParser().parse(zipfile.ZipFile(sys.argv[1]).read("3D/3dmodel.model"))
mesh = scene.getSceneNodes()[0].getMeshData()
faces = len(mesh.getFacesAsBytes()) // 12
xs = struct.unpack(f"{len(mesh.getVerticesAsBytes()) // 4}f", mesh.getVerticesAsBytes())[0::3]
print(json.dumps({"faces": faces, "unit": scene.getUnit(), "width": max(xs) - min(xs)}))
"""


def test_cura_3mf_reader_opens_our_3mf(capsys, tmp_path, photo):
    debian_python = Path("/usr/bin/python3")
    has_savitar = debian_python.exists() and subprocess.run([debian_python, "-c", "import Savitar"]).returncode == 0
    require(has_savitar, "Cura's 3MF library Savitar (Debian package python3-savitar)")
    output = tmp_path / "for-cura.3mf"
    assert main(["convert", str(photo), "-o", str(output), "--width", "70", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    read = subprocess.run([debian_python, "-c", SAVITAR_PROBE, str(output)], capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    cura = json.loads(read.stdout)
    assert cura["faces"] == answer["triangles"] and cura["unit"] == "millimeter"
    assert cura["width"] == pytest.approx(70, rel=1e-4)


@pytest.mark.parametrize("colliding", [False, True])
def test_an_stl_welds_into_one_closed_solid_even_when_hashes_collide(tmp_path, monkeypatch, colliding):
    """Reading an STL joins corners at the same place (0.0 and -0.0 alike), found by hashing; when every hash
    collides the rows are compared instead, with the same solid."""
    from octoprint_img2print.geometry import grouping
    from octoprint_img2print.geometry.stl import read_stl

    if colliding:
        monkeypatch.setattr(grouping, "MULTIPLIERS", np.zeros(1, dtype=np.uint64))
    corners = (trimesh.creation.box((10, 20, 30)).triangles + np.array([5, 10, 15])).astype(np.float32)
    corners[:6][corners[:6] == 0] = -0.0  # half the triangles meet the others at -0.0
    trimesh.Trimesh(corners.reshape(-1, 3), np.arange(len(corners) * 3).reshape(-1, 3),
                    process=False).export(tmp_path / "box.stl")
    assert np.signbit(np.frombuffer((tmp_path / "box.stl").read_bytes()[84:], dtype=np.float32)).any()
    mesh = read_stl(tmp_path / "box.stl")
    assert len(mesh.vertices) == 8 and len(mesh.faces) == 12
    assert mesh.volume() == pytest.approx(6000.0)


def test_the_edge_tables_sort_is_numpys_stable_sort():
    """The edge table's sort (keys packed with their places where both fit in 64 bits, else an argsort) puts equal
    keys in the order they came, as numpy's stable sort does; and it counts edges as trimesh does."""
    from octoprint_img2print.geometry import topology

    rng = np.random.default_rng(8)
    for keys in (rng.integers(0, 40, 50_000), rng.integers(0, 2**40, 50_000), rng.integers(2**60, 2**62, 5_000),
                 np.zeros(0, dtype=np.int64)):
        order, ordered = topology._stable_order(keys)
        assert np.array_equal(order, np.argsort(keys, kind="stable")) and np.array_equal(ordered, np.sort(keys))
    solid = trimesh.creation.icosphere(subdivisions=3)
    doubled = np.concatenate([solid.faces, solid.faces[:5]])  # five edges gain a third face
    table = topology.edges(doubled, len(solid.vertices))
    assert len(table.counts) == len(solid.edges_unique)
    assert table.non_manifold == len(np.unique(np.sort(solid.faces[:5][:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)),
                                               axis=0))


def test_a_solid_from_manifold3d_holds_no_view_of_its_memory():
    """A solid shaped by manifold3d (a lithophane's foot, a frame) is copied out of it: its arrays viewed manifold3d's
    mesh and kept it alive for as long as the solid; where a thread drawing the G-code's preview still held the solid
    when Ctrl-C ended the command, nanobind reported manifold3d's mesh leaked after 'img2print: cancelled.'."""
    import manifold3d

    from octoprint_img2print.geometry.booleans import from_manifold

    def owner(array: np.ndarray) -> np.ndarray:
        while isinstance(array.base, np.ndarray):
            array = array.base
        return array

    solid = from_manifold(manifold3d.Manifold.cube((10, 20, 30)))
    assert owner(solid.vertices).flags.owndata and owner(solid.faces).flags.owndata
    assert len(solid.faces) == 12 and np.allclose(solid.size(), (10, 20, 30))
