"""OBJ, GLB and glTF models from other tools read like trimesh reads them (glTF in metres with Y up comes out in
millimetres with Z up), check as closed solids, and damaged files are refused with one line naming the file."""

from __future__ import annotations

import base64
import itertools
import json
import math
import struct
from pathlib import Path

import numpy as np
import pytest
import trimesh
from scipy.spatial import cKDTree

from octoprint_img2print import pipeline
from octoprint_img2print.errors import BadInput
from octoprint_img2print.geometry.files import READ_MODEL_EXTENSIONS, model_format, read_mesh
from octoprint_img2print.geometry.gltf import read_glb
from octoprint_img2print.geometry.obj import read_obj
from octoprint_img2print.plugin.octoprint_plugin import extension_tree
from octoprint_img2print.rendering.file_thumbnails import file_thumbnail

# glTF (x, y, z) in metres is img2print's (x, -z, y) in millimetres.
GLTF_TO_PRINTER = 1000.0 * np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]])
CUBE_OBJ = """# a unit cube written by hand: quads, v/vt, v//vn, v/vt/vn, negative indices, w and colours
mtllib cube.mtl
o cube
v 0 0 0 1.0
v 10 0 0 0.5 0.5 0.5
  v 10 10 0
v 0 10 0
vt 0 0
vn 0 0 -1
g bottom
usemtl grey
f -4/1 -1/1 -2/1 -3/1
v 0 0 10
v 10 0 10
v 10 10 10
v 0 10 10
g rest
f -4//1 -3//1 -2//1 -1//1
f 1/1/1 2/1/1 6/1/1 5/1/1
\tf 2 3 7 6
f 3 4 8 7
s off
f 4 1 5 8
"""


def glb_file(document: dict, binary: bytes) -> bytes:
    """A GLB file holding ``document`` and one binary chunk, each padded to four bytes."""
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = (struct.pack("<II", len(text), 0x4E4F534A) + text
              + struct.pack("<II", len(binary), 0x004E4942) + binary)
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def quaternion(axis: tuple[float, float, float], degrees: float) -> list[float]:
    """The glTF rotation (x, y, z, w) by ``degrees`` about ``axis``."""
    half = math.radians(degrees) / 2
    return [*(np.asarray(axis, dtype=float) * math.sin(half)), math.cos(half)]


def column_major(matrix: np.ndarray) -> list[float]:
    return [float(v) for v in matrix.T.reshape(-1)]


def cube_document(index_stride: bool = False) -> tuple[dict, bytes]:
    """A 20 mm cube instanced by a hierarchy of nodes; positions interleaved with padding, indices after filler.

    Node 0 (translate, rotate 90 degrees about X, stretch y twice) holds node 1 (a matrix turning 90 degrees about
    Y and moving up); node 2 is a mirrored copy off to the side. With ``index_stride`` every index is followed by
    two bytes of padding (byteStride 4), which must read the same.
    """
    box = trimesh.creation.box(extents=(0.02, 0.02, 0.02))
    padding = np.full((len(box.vertices), 3), 7.0, dtype=np.float32)
    positions = np.hstack([padding, box.vertices.astype(np.float32)]).tobytes()
    indices = box.faces.astype(np.uint16).reshape(-1, 1)
    if index_stride:
        indices = np.hstack([indices, np.full_like(indices, 999)])
    filler = b"\xff" * 8
    index_view_start = len(filler) + len(positions)
    binary = filler + positions + b"\xee\xee\xee\xee" + indices.tobytes()
    turn = trimesh.transformations.rotation_matrix(math.pi / 2, [0, 1, 0])
    turn[:3, 3] = [0, 0.01, 0]
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0, 2]}],
        "nodes": [{"translation": [0.05, 0, 0.01], "rotation": quaternion((1, 0, 0), 90), "scale": [1, 2, 1],
                   "children": [1]},
                  {"matrix": column_major(turn), "mesh": 0},
                  {"translation": [-0.05, 0, 0], "scale": [-1, 1, 1], "mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "mode": 4}]}],
        "accessors": [{"bufferView": 0, "byteOffset": 12, "componentType": 5126, "count": len(box.vertices),
                       "type": "VEC3"},
                      {"bufferView": 1, "byteOffset": 4, "componentType": 5123, "count": indices.shape[0],
                       "type": "SCALAR"}],
        "bufferViews": [{"buffer": 0, "byteOffset": len(filler), "byteLength": len(positions), "byteStride": 24},
                        {"buffer": 0, "byteOffset": index_view_start, "byteLength": 4 + indices.nbytes}],
        "buffers": [{"byteLength": len(binary)}],
    }
    if index_stride:
        document["bufferViews"][1]["byteStride"] = indices.itemsize * 2
    return document, binary


def write_glb(path: Path, document: dict, binary: bytes) -> Path:
    path.write_bytes(glb_file(document, binary))
    return path


def write_embedded_gltf(path: Path, document: dict, binary: bytes) -> Path:
    """The document as a .gltf file with its buffer embedded as a base64 data: URI."""
    embedded = json.loads(json.dumps(document))
    embedded["buffers"][0]["uri"] = "data:application/octet-stream;base64," + base64.b64encode(binary).decode()
    path.write_text(json.dumps(embedded))
    return path


def trimesh_in_printer_space(path: Path) -> trimesh.Trimesh:
    """What trimesh reads from a glTF file, turned into img2print's millimetres with Z up."""
    scene = trimesh.load(str(path), force="scene")
    mesh = scene.to_mesh()
    return trimesh.Trimesh(mesh.vertices @ GLTF_TO_PRINTER.T, mesh.faces, process=False)


def assert_same_vertices(ours: np.ndarray, theirs: np.ndarray, tolerance: float = 1e-3) -> None:
    """Every vertex of one set lies on a vertex of the other."""
    assert cKDTree(theirs).query(ours)[0].max() < tolerance
    assert cKDTree(ours).query(theirs)[0].max() < tolerance


def refusal(path: Path, **kwargs) -> BadInput:
    """The BadInput reading ``path`` gives, checked to be one line naming the file."""
    with pytest.raises(BadInput) as caught:
        read_mesh(path, **kwargs)
    error = caught.value
    assert path.name in error.message and "\n" not in error.message
    assert error.details["file"] == path.name
    return error


@pytest.fixture
def cube_glb(tmp_path) -> Path:
    return write_glb(tmp_path / "cube.glb", *cube_document())


def test_hand_built_glb_hierarchy_reads_like_trimesh(cube_glb):
    ours = read_mesh(cube_glb)
    theirs = trimesh_in_printer_space(cube_glb)
    assert ours.vertices.dtype == np.float32 and ours.faces.dtype == np.int32
    assert len(ours.vertices) == 16 and len(ours.faces) == 24
    assert_same_vertices(ours.vertices, theirs.vertices)
    np.testing.assert_allclose(ours.bounds(), theirs.bounds, atol=1e-3)
    # the stretched cube is 20 x 40 x 20 mm, the mirrored one 20 mm: both wound outward
    assert ours.volume() == pytest.approx(16000 + 8000, rel=1e-5)
    assert abs(theirs.volume) == pytest.approx(24000, rel=1e-5)


def test_the_hierarchy_places_each_cube_where_its_nodes_say(cube_glb):
    ours = read_mesh(cube_glb)
    stretched = ours.vertices[ours.vertices[:, 0] > 0]
    mirrored = ours.vertices[ours.vertices[:, 0] < 0]
    # node 1 lifts the cube to glTF y 0..20 mm; node 0 stretches that to 0..40, turns it into glTF z and moves it
    # by (50, 0, 10): glTF x 40..60, y -10..10, z 10..50, which is printer x 40..60, y -50..-10, z -10..10
    np.testing.assert_allclose(stretched.min(axis=0), [40, -50, -10], atol=1e-3)
    np.testing.assert_allclose(stretched.max(axis=0), [60, -10, 10], atol=1e-3)
    np.testing.assert_allclose(mirrored.min(axis=0), [-60, -10, -10], atol=1e-3)
    np.testing.assert_allclose(mirrored.max(axis=0), [-40, 10, 10], atol=1e-3)


def test_strided_indices_read_like_packed_ones(tmp_path, cube_glb):
    strided = write_glb(tmp_path / "strided.glb", *cube_document(index_stride=True))
    packed = read_mesh(cube_glb)
    read = read_mesh(strided)
    np.testing.assert_array_equal(read.vertices, packed.vertices)
    np.testing.assert_array_equal(read.faces, packed.faces)


def test_embedded_gltf_reads_like_the_glb(tmp_path, cube_glb):
    gltf = write_embedded_gltf(tmp_path / "cube.gltf", *cube_document())
    ours = read_mesh(gltf)
    np.testing.assert_array_equal(ours.vertices, read_mesh(cube_glb).vertices)
    assert_same_vertices(ours.vertices, trimesh_in_printer_space(gltf).vertices)


@pytest.mark.parametrize("suffix", [".glb", ".gltf"])
def test_gltf_exported_by_trimesh_reads_like_trimesh(tmp_path, suffix):
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=0.03).apply_translation([0.01, 0.04, -0.02])
    path = tmp_path / f"sphere{suffix}"
    if suffix == ".glb":
        sphere.export(str(path))
    else:
        path.write_bytes(trimesh.exchange.gltf.export_gltf(trimesh.Scene(sphere), embed_buffers=True)["model.gltf"])
    ours = read_mesh(path)
    theirs = trimesh_in_printer_space(path)
    assert len(ours.faces) == len(sphere.faces)
    assert_same_vertices(ours.vertices, theirs.vertices)
    assert ours.volume() == pytest.approx(sphere.volume * 1e9, rel=1e-5)
    np.testing.assert_allclose(ours.bounds(), theirs.bounds, atol=1e-3)
    np.testing.assert_allclose(ours.size(), sphere.extents[[0, 2, 1]] * 1000, rtol=1e-5)


def square_pyramid_document(mode: int) -> tuple[dict, bytes]:
    """A closed 10 mm square pyramid, 6 mm high, as one triangle strip (mode 5) or two fans (mode 6)."""
    corners = np.array([[0, 0, 0], [0.01, 0, 0], [0.01, 0, -0.01], [0, 0, -0.01], [0.005, 0.006, -0.005]],
                       dtype=np.float32)
    strips = {5: [[3, 2, 0, 1, 4, 2, 3, 3, 4, 0]], 6: [[4, 0, 1, 2, 3, 0], [0, 3, 2, 1]]}[mode]
    binary = corners.tobytes()
    accessors = [{"bufferView": 0, "componentType": 5126, "count": 5, "type": "VEC3"}]
    views = [{"buffer": 0, "byteLength": len(binary)}]
    for strip in strips:
        indices = np.array(strip, dtype=np.uint8).tobytes()
        views.append({"buffer": 0, "byteOffset": len(binary), "byteLength": len(indices)})
        accessors.append({"bufferView": len(views) - 1, "componentType": 5121, "count": len(strip),
                          "type": "SCALAR"})
        binary += indices
    primitives = [{"attributes": {"POSITION": 0}, "indices": index, "mode": mode} for index in range(1, len(views))]
    return {"asset": {"version": "2.0"}, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
            "meshes": [{"primitives": primitives}], "accessors": accessors, "bufferViews": views,
            "buffers": [{"byteLength": len(binary)}]}, binary


@pytest.mark.parametrize("mode", [5, 6])
def test_triangle_strips_and_fans_make_a_closed_outward_solid(tmp_path, mode):
    path = write_glb(tmp_path / f"pyramid-{mode}.glb", *square_pyramid_document(mode))
    mesh = read_mesh(path)
    assert len(mesh.faces) == 6
    assert mesh.volume() == pytest.approx(10 * 10 * 6 / 3, rel=1e-5)
    assert pipeline.check(path).closed


def test_obj_written_by_hand_reads_quads_and_relative_indices(tmp_path):
    path = tmp_path / "cube.obj"
    path.write_text(CUBE_OBJ)
    mesh = read_mesh(path)
    assert len(mesh.vertices) == 8 and len(mesh.faces) == 12
    assert mesh.volume() == pytest.approx(1000)
    corners = np.array(list(itertools.product([0, 10], repeat=3)))  # trimesh's OBJ reader drops the indented line
    assert_same_vertices(mesh.vertices, corners)
    assert pipeline.check(path).closed


def test_obj_exported_by_trimesh_reads_like_trimesh(tmp_path):
    torus = trimesh.creation.torus(major_radius=20, minor_radius=6)
    path = tmp_path / "torus.obj"
    torus.export(str(path))
    mesh = read_mesh(path)
    theirs = trimesh.load(str(path), force="mesh")
    assert len(mesh.faces) == len(theirs.faces) == len(torus.faces)
    assert_same_vertices(mesh.vertices, theirs.vertices)
    assert mesh.volume() == pytest.approx(theirs.volume, rel=1e-5)
    np.testing.assert_allclose(mesh.bounds(), theirs.bounds, atol=1e-3)


@pytest.mark.parametrize("suffix", [".obj", ".glb", ".gltf"])
def test_a_closed_cube_from_each_format_checks_as_a_printable_solid(tmp_path, suffix):
    path = tmp_path / f"cube{suffix}"
    cube = trimesh.creation.box(extents=[20 if suffix == ".obj" else 0.02] * 3)
    if suffix == ".gltf":
        path.write_bytes(trimesh.exchange.gltf.export_gltf(trimesh.Scene(cube), embed_buffers=True)["model.gltf"])
    else:
        cube.export(str(path))
    summary = pipeline.check(path)
    assert summary.closed and summary.report.codes() == [] and summary.shells == 1
    assert summary.size_mm == pytest.approx([20, 20, 20]) and summary.volume_mm3 == pytest.approx(8000)


def test_every_read_format_is_a_model_file_with_a_thumbnail(tmp_path, cube_glb):
    assert READ_MODEL_EXTENSIONS == (".stl", ".3mf", ".obj", ".glb", ".gltf")
    for name in ("a.OBJ", "b.glb", "c.gltf", "d.stl", "e.3mf"):
        assert pipeline.is_model_file(name)
    assert not pipeline.is_model_file("f.png")
    assert file_thumbnail(cube_glb, "cube.glb")[:8] == b"\x89PNG\r\n\x1a\n"
    mappings = extension_tree()["model"]
    assert {"obj", "glb", "gltf"} <= set(mappings)
    assert set(mappings["gltf"].extensions) == {"gltf"} and set(mappings["glb"].extensions) == {"glb"}


def test_unknown_extension_lists_the_formats_read_and_written(tmp_path):
    path = tmp_path / "model.ply"
    path.write_bytes(b"ply\n")
    error = refusal(path)
    assert error.code == "unknown_model_format"
    assert all(suffix in error.message for suffix in READ_MODEL_EXTENSIONS)
    with pytest.raises(BadInput) as caught:
        model_format(tmp_path / "out.glb")
    assert "model files: .stl, .3mf. Use" in caught.value.message


def damaged_glb(tmp_path: Path, damage: str) -> Path:
    """The hierarchy cube GLB with one kind of damage."""
    document, binary = cube_document()
    path = tmp_path / f"{damage}.glb"
    if damage == "index_out_of_range":
        binary = binary[:-2] + struct.pack("<H", 99)
    elif damage == "draco":
        document["extensionsUsed"] = document["extensionsRequired"] = ["KHR_draco_mesh_compression"]
    elif damage == "meshopt":
        document["extensionsRequired"] = ["EXT_meshopt_compression"]
    elif damage == "nan_vertex":
        binary = binary[:8 + 12] + struct.pack("<f", math.nan) + binary[8 + 16:]
    elif damage == "count_past_buffer":
        document["accessors"][0]["count"] = 9
    elif damage == "view_past_buffer":
        document["bufferViews"][0]["byteOffset"] = len(binary)
    elif damage == "node_cycle":
        document["nodes"][1]["children"] = [0]
    elif damage == "primitives_not_a_list":
        document["meshes"][0]["primitives"] = "triangles"
    elif damage == "asset_not_an_object":
        document["asset"] = "2.0"
    elif damage == "missing_accessor":
        document["meshes"][0]["primitives"][0]["indices"] = 7
    elif damage == "zero_rotation":
        document["nodes"][0]["rotation"] = [0, 0, 0, 0]
    write_glb(path, document, binary)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:-40])
    elif damage == "bad_magic":
        path.write_bytes(b"GLTF" + path.read_bytes()[4:])
    elif damage == "version_1":
        path.write_bytes(path.read_bytes()[:4] + struct.pack("<I", 1) + path.read_bytes()[8:])
    return path


@pytest.mark.parametrize(("damage", "code", "words"), [
    ("truncated", "unreadable_model", "header gives a length"),
    ("bad_magic", "unreadable_model", "GLB signature"),
    ("version_1", "unreadable_model", "glTF 2.0"),
    ("index_out_of_range", "model_index_out_of_range", "vertex 99"),
    ("draco", "compressed_model", "KHR_draco_mesh_compression"),
    ("meshopt", "compressed_model", "without mesh compression"),
    ("nan_vertex", "non_finite_coordinates", "NaN"),
    ("count_past_buffer", "unreadable_model", "past the end"),
    ("view_past_buffer", "unreadable_model", "runs past its buffer"),
    ("node_cycle", "unreadable_model", "appears twice"),
    ("primitives_not_a_list", "unreadable_model", "not a list"),
    ("asset_not_an_object", "unreadable_model", "not a glTF document"),
    ("missing_accessor", "unreadable_model", "accessors 7 does not exist"),
    ("zero_rotation", "unreadable_model", "quaternion"),
])
def test_damaged_glb_is_refused_in_one_line_naming_the_file(tmp_path, damage, code, words):
    error = refusal(damaged_glb(tmp_path, damage))
    assert error.code == code and words in error.message


def test_gltf_with_an_external_buffer_is_refused_asking_for_glb(tmp_path):
    document, binary = cube_document()
    document["buffers"][0]["uri"] = "cube.bin"
    (tmp_path / "cube.bin").write_bytes(binary)
    path = tmp_path / "cube.gltf"
    path.write_text(json.dumps(document))
    error = refusal(path)
    assert error.code == "external_buffer" and "cube.bin" in error.message and ".glb" in error.message


@pytest.mark.parametrize(("line", "code", "words"), [
    ("f 0 1 2", "model_index_out_of_range", "line 10 refers to vertex 0"),
    ("f 1 2 9", "model_index_out_of_range", "vertex 9"),
    ("f -1 -2 -9", "model_index_out_of_range", "vertex -9"),
    ("f 1 2", "unreadable_model", "at least three corners"),
    ("f 1 2 x", "unreadable_model", "not a number"),
    ("v 1 nan 0\nf 1 2 5", "non_finite_coordinates", "NaN"),
    ("v 1 2", "unreadable_model", "three coordinates"),
])
def test_damaged_obj_is_refused_in_one_line_naming_the_file(tmp_path, line, code, words):
    path = tmp_path / "damaged.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nf 1 3 2\nf 1 2 4\nf 2 3 4\nf 3 1 4\n#\n" + line + "\n")
    error = refusal(path)
    assert error.code == code and words in error.message


def test_obj_without_faces_is_refused(tmp_path):
    path = tmp_path / "points.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\n")
    assert "no faces" in refusal(path).message


def test_too_many_triangles_are_refused_before_reading_them(tmp_path, cube_glb):
    obj = tmp_path / "cube.obj"
    obj.write_text(CUBE_OBJ)
    for read, path in ((read_obj, obj), (read_glb, cube_glb)):
        with pytest.raises(BadInput) as caught:
            read(path, path.name, max_triangles=11)
        assert caught.value.code == "too_many_triangles" and path.name in caught.value.message
        assert read(path, path.name, max_triangles=24).faces.size


def test_glb_listing_far_more_vertices_than_its_triangles_use_is_refused(tmp_path):
    document, binary = cube_document()
    document["accessors"][1]["count"] = 3
    path = write_glb(tmp_path / "few-triangles.glb", document, binary)
    assert len(read_glb(path, path.name, max_triangles=6).faces) == 2
    with pytest.raises(ValueError, match="lists 16 vertices"):
        read_glb(path, path.name, max_triangles=5)


def test_a_big_obj_reads_every_face(tmp_path):
    sphere = trimesh.creation.icosphere(subdivisions=7, radius=50)
    path = tmp_path / "big.obj"
    lines = [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in sphere.vertices]
    lines += [f"f {a}/1/1 {b}/1/1 {c}/1/1" for a, b, c in sphere.faces + 1]
    path.write_text("\n".join(lines) + "\n")
    mesh = read_mesh(path)
    assert len(mesh.faces) == len(sphere.faces) == 327680
    assert mesh.volume() == pytest.approx(sphere.volume, rel=1e-5)


def test_an_ascii_stl_with_several_solids_is_read_whole(tmp_path):
    """Some exporters write one 'solid' block per part; every block is read (compared with trimesh's parts)."""
    parts = [trimesh.creation.box(extents=(10, 10, 10)),
             trimesh.creation.icosphere(subdivisions=2, radius=4).apply_translation((20, 0, 0))]
    path = tmp_path / "parts.stl"
    path.write_text("".join(trimesh.exchange.stl.export_stl_ascii(part).replace("solid ", f"solid part{n} ", 1)
                            .replace("endsolid ", f"endsolid part{n} ", 1) + "\n" for n, part in enumerate(parts)))
    mesh = read_mesh(path)
    assert len(mesh.faces) == sum(len(part.faces) for part in parts)
    assert mesh.volume() == pytest.approx(sum(part.volume for part in parts), rel=1e-4)
