"""Bad files and absurd parameters give a clear error naming the file or option, and no output file."""

from __future__ import annotations

import json

import pytest
from pictures import photo_like, png_header_only, save
from PIL import Image

from octoprint_img2print.command.main import main


def run(capsys, *args: str) -> tuple[int, dict]:
    code = main([*map(str, args), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def photo(tmp_path):
    return save(photo_like(160, 120), tmp_path / "photo.jpg")


def assert_refused(capsys, tmp_path, source, code: str, exit_code: int = 3, *extra: str) -> dict:
    output = tmp_path / "out.stl"
    status, answer = run(capsys, "convert", source, "-o", output, *extra)
    assert status == exit_code
    assert answer["ok"] is False and answer["error"]["code"] == code
    assert not output.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []
    return answer["error"]


def test_truncated_jpeg(capsys, tmp_path, photo):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(photo.read_bytes()[: photo.stat().st_size // 2])
    error = assert_refused(capsys, tmp_path, broken, "image_damaged")
    assert "broken.jpg" in error["message"] and "truncated" in error["message"]


def test_corrupt_png(capsys, tmp_path):
    path = save(photo_like(64, 64), tmp_path / "corrupt.png")
    data = bytearray(path.read_bytes())
    data[100:140] = b"\x00" * 40
    path.write_bytes(bytes(data))
    assert "corrupt.png" in assert_refused(capsys, tmp_path, path, "image_damaged")["message"]


def test_text_file_with_an_image_extension(capsys, tmp_path):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a picture\n")
    error = assert_refused(capsys, tmp_path, fake, "not_an_image")
    assert "holiday.jpg" in error["message"] and "PNG" in error["message"]


def test_empty_file(capsys, tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert "empty.png" in assert_refused(capsys, tmp_path, empty, "empty_file")["message"]


def test_missing_file(capsys, tmp_path):
    assert_refused(capsys, tmp_path, tmp_path / "nowhere.png", "file_not_found")


def test_decompression_bomb_is_refused_before_decoding(capsys, tmp_path):
    bomb = png_header_only(tmp_path / "bomb.png", 200_000, 200_000)
    error = assert_refused(capsys, tmp_path, bomb, "image_too_large")
    assert "bomb.png" in error["message"]


def test_pixel_limit_is_configurable(capsys, tmp_path):
    big = save(Image.new("L", (3000, 2000), 128), tmp_path / "big.png")
    assert_refused(capsys, tmp_path, big, "image_too_large", 3, "--max-megapixels", "5")


@pytest.mark.parametrize(("options", "option"), [
    (["--width", "-5"], "width"),
    (["--width", "0"], "width"),
    (["--height", "0"], "height"),
    (["--width", "5000"], "width"),
    (["--min-thickness", "3.5", "--max-thickness", "3"], "min-thickness"),
    (["--min-thickness", "0"], "min-thickness"),
    (["--pitch", "0"], "pitch"),
    (["--max-error", "0"], "max-error"),
    (["--frame-width", "60"], "frame-width"),
    (["--gamma", "0"], "gamma"),
    (["--black-point", "0.8", "--white-point", "0.5"], "white-point"),
    (["--width", "1000", "--pitch", "0.05"], "pitch"),
])
def test_absurd_parameters_are_usage_errors_naming_the_option(capsys, tmp_path, photo, options, option):
    error = assert_refused(capsys, tmp_path, photo, "bad_parameter", 2, *options)
    assert error["details"]["parameter"] == option
    assert f"--{option}" in error["message"]


def test_option_of_another_mode_is_refused(capsys, tmp_path, photo):
    error = assert_refused(capsys, tmp_path, photo, "bad_parameter", 2, "--mode", "relief", "--water-level", "3")
    assert error["details"]["parameter"] == "water-level"


def test_unknown_output_format_is_a_usage_error(capsys, tmp_path, photo):
    status, answer = run(capsys, "convert", photo, "-o", tmp_path / "out.obj")
    assert status == 2 and answer["error"]["code"] == "unknown_model_format"
    assert not (tmp_path / "out.obj").exists()


def test_usage_error_from_the_parser_exits_2(tmp_path, photo):
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", str(photo)])
    assert exit_info.value.code == 2


def test_text_errors_go_to_stderr_without_a_traceback(capsys, tmp_path):
    fake = tmp_path / "x.png"
    fake.write_text("nope")
    assert main(["convert", str(fake), "-o", str(tmp_path / "x.stl")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("img2print: error: x.png:") and "Traceback" not in err


def test_output_folder_that_does_not_exist(capsys, tmp_path, photo):
    status, answer = run(capsys, "convert", photo, "-o", tmp_path / "missing" / "out.stl")
    assert status == 3 and answer["error"]["code"] == "cannot_write"
    assert "missing" in answer["error"]["message"]


@pytest.mark.parametrize(("option", "value"), [("--height", "1e-9"), ("--width", "0.5"), ("--max-megapixels", "nan"),
                                               ("--max-megapixels", "-1")])
def test_sizes_and_limits_that_make_no_sense_are_usage_errors(capsys, tmp_path, photo, option, value):
    code, answer = run(capsys, "convert", str(photo), "-o", str(tmp_path / "out.stl"), option, value)
    assert code == 2 and answer["error"]["code"] == "bad_parameter" and option in answer["error"]["message"]
    assert not (tmp_path / "out.stl").exists()


def test_a_slice_timeout_that_is_not_a_number_is_a_usage_error(capsys, tmp_path, photo):
    code, answer = run(capsys, "slice", str(photo), "-o", str(tmp_path / "out.gcode"), "--printer", "generic",
                       "--timeout", "nan")
    assert code == 2 and "--timeout" in answer["error"]["message"]


def test_folders_devices_and_pipes_are_never_replaced(capsys, tmp_path, photo):
    import os

    (tmp_path / "folder.stl").mkdir()
    os.mkfifo(tmp_path / "pipe.stl")
    for target in (tmp_path / "folder.stl", tmp_path / "pipe.stl"):
        code, answer = run(capsys, "convert", str(photo), "-o", str(target))
        assert code == 3 and answer["error"]["code"] == "cannot_write" and target.name in answer["error"]["message"]
    assert (tmp_path / "folder.stl").is_dir() and (tmp_path / "pipe.stl").is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.stl", "photo.jpg", "pipe.stl"]


def test_a_full_disk_is_a_clear_error_and_leaves_no_partial_file(capsys, tmp_path, photo, monkeypatch):
    import errno

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("octoprint_img2print.geometry.files.write_stl", full)
    code, answer = run(capsys, "convert", str(photo), "-o", str(tmp_path / "out.stl"))
    assert code == 3 and answer["error"]["code"] == "cannot_write" and "No space left" in answer["error"]["message"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]


USE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">{}</svg>'
HOSTILE_SVGS = {
    "svg_empty": USE_SVG.format('<use id="a" xlink:href="#a"/><g id="b"><use xlink:href="#b"/></g>'),
    "svg_too_complex": USE_SVG.format('<rect id="l0" width="1" height="1"/>' + "".join(
        f'<g id="l{i}">' + f'<use xlink:href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, 10))),
    "svg_too_deep": USE_SVG.format("<g>" * 10000 + '<rect width="10" height="10"/>' + "</g>" * 10000),
}


@pytest.mark.parametrize("code", sorted(HOSTILE_SVGS))
@pytest.mark.parametrize("command", ["convert", "trace"])
def test_use_loops_fan_outs_and_deep_nesting_are_refused_before_any_geometry(capsys, tmp_path, code, command):
    """A <use> that draws itself once ran into Python's recursion limit (now left out as browsers do, so a drawing
    of nothing else is empty); a <use> fan-out ran for minutes."""
    drawing = tmp_path / "hostile.svg"
    drawing.write_text(HOSTILE_SVGS[code])
    output = tmp_path / ("out.svg" if command == "trace" else "out.stl")
    status, answer = run(capsys, command, drawing, "-o", output, *(["--mode", "logo"] if command == "convert" else []))
    assert status == 3 and answer["error"]["code"] == code and "hostile.svg" in answer["error"]["message"]
    assert not output.exists()


def test_a_drawing_that_uses_its_shapes_again_still_converts(capsys, tmp_path):
    drawing = tmp_path / "reused.svg"
    drawing.write_text(USE_SVG.format('<rect id="r" width="10" height="10"/><use xlink:href="#r" x="20"/>'
                                      '<use xlink:href="#r" y="20"/>'))
    status, answer = run(capsys, "convert", drawing, "-o", tmp_path / "out.stl", "--mode", "logo", "--width", "30")
    assert status == 0 and answer["closed"] is True


@pytest.mark.parametrize("mode", ["lithophane", "topo"])
def test_float_tiffs_with_infinities_become_closed_solids_with_them_at_the_base(capsys, tmp_path, mode):
    import numpy as np
    import tifffile
    import trimesh

    values = np.random.default_rng(0).random((60, 80)).astype(np.float32) * 100
    values[10:20, 10:20], values[30:35, 40:50], values[0, 0] = np.inf, -np.inf, np.nan
    tifffile.imwrite(tmp_path / "heights.tif", values)
    code, answer = run(capsys, "convert", tmp_path / "heights.tif", "-o", tmp_path / "out.stl", "--mode", mode,
                       "--width", "40")
    assert code == 0 and answer["closed"] is True
    solid = trimesh.load(tmp_path / "out.stl")
    assert np.isfinite(solid.vertices).all() and solid.is_watertight


def test_a_model_with_corners_that_are_not_numbers_is_not_printable(capsys, tmp_path):
    import numpy as np
    import trimesh

    box = trimesh.creation.box(extents=(10, 10, 10))
    corners = box.vertices.copy()
    corners[0] = [np.nan, 0.0, 0.0]
    trimesh.Trimesh(corners, box.faces, process=False).export(str(tmp_path / "nan.stl"))
    code, answer = run(capsys, "check", tmp_path / "nan.stl")
    assert code == 3 and answer["findings"][0]["code"] == "non_finite_vertices" and answer["repairable"] is True


def _package(path, model: str, compression: int = 8, parts: dict[str, str] | None = None) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", compression) as package:
        package.writestr("3D/3dmodel.model", model)
        for name, text in (parts or {}).items():
            package.writestr(name, text)


def _fan_out_3mf(path) -> None:
    """A triangle used by an object of ten components, used by one of ten, ... fifteen times: 1e15 triangles."""
    objects = ['<object id="1"><mesh><vertices><vertex x="0" y="0" z="0"/><vertex x="1" y="0" z="0"/>'
               '<vertex x="0" y="1" z="0"/></vertices><triangles><triangle v1="0" v2="1" v3="2"/></triangles>'
               '</mesh></object>']
    for level in range(2, 17):
        objects.append(f'<object id="{level}"><components>'
                       + f'<component objectid="{level - 1}"/>' * 10 + "</components></object>")
    _package(path, '<model unit="millimeter" xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02">'
                   f'<resources>{"".join(objects)}</resources><build><item objectid="16"/></build></model>')


def test_3mf_bombs_fan_outs_and_strange_packing_are_refused_at_once(capsys, tmp_path):
    import zipfile

    _fan_out_3mf(tmp_path / "fan.3mf")
    code, answer = run(capsys, "check", tmp_path / "fan.3mf")
    assert code == 3 and answer["error"]["code"] == "too_many_triangles"
    _package(tmp_path / "bomb.3mf", "<model>" + " " * (50 * 2**20) + "</model>", zipfile.ZIP_DEFLATED)
    code, answer = run(capsys, "check", tmp_path / "bomb.3mf")
    assert code == 3 and answer["error"]["code"] == "model_zip_bomb"
    _package(tmp_path / "odd.3mf", "<model/>", zipfile.ZIP_STORED)
    data = bytearray((tmp_path / "odd.3mf").read_bytes())  # compression method 99: one zipfile does not know
    data[8:10] = data[data.rindex(b"PK\x01\x02") + 10:data.rindex(b"PK\x01\x02") + 12] = (99).to_bytes(2, "little")
    (tmp_path / "odd.3mf").write_bytes(bytes(data))
    code, answer = run(capsys, "check", tmp_path / "odd.3mf")
    assert code == 3 and answer["error"]["code"] == "unreadable_model" and "\n" not in answer["error"]["message"]


@pytest.mark.parametrize(("name", "mode"), [("huge.png", "lithophane"), ("huge.png", "logo"), ("huge.stl", None)])
def test_huge_files_are_measured_and_refused_before_they_are_read(capsys, tmp_path, name, mode):
    """A sparse file of 2 GB costs no disk here; reading it whole would cost 2 GB of memory."""
    huge = tmp_path / name
    with open(huge, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"solid x\n")
        handle.truncate(2 * 1024**3)
    arguments = ["check", huge] if mode is None else ["convert", huge, "-o", tmp_path / "out.stl", "--mode", mode]
    code, answer = run(capsys, *arguments)
    assert code == 3 and answer["error"]["code"] == "file_too_large" and name in answer["error"]["message"]


def test_a_jpeg_that_holds_too_little_data_for_its_size_is_damaged(capsys, tmp_path):
    """A JPEG whose header declares 8000 x 7999 pixels over a few kilobytes of data: its decoder would fill the
    picture with grey and say nothing; it is refused as damaged, before any decoding."""
    import io
    import struct

    buffer = io.BytesIO()
    Image.fromarray(photo_like(64, 64)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    frame = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, frame + 5, 7999, 8000)
    liar = tmp_path / "liar.jpg"
    liar.write_bytes(bytes(data))
    assert main(["convert", str(liar), "-o", str(tmp_path / "liar.stl")]) == 3
    said = capsys.readouterr().err
    assert "liar.jpg" in said and "8000 x 7999" in said and not (tmp_path / "liar.stl").exists()
    flat = tmp_path / "flat.jpg"  # the least data an honest JPEG can hold: one flat grey, optimised coding
    Image.new("L", (4000, 4000), 128).save(flat, "JPEG", optimize=True, progressive=True)
    assert main(["convert", str(flat), "-o", str(tmp_path / "flat.stl"), "--max-megapixels", "20"]) == 0


TETRA = ('<mesh><vertices><vertex x="0" y="0" z="0"/><vertex x="10" y="0" z="0"/><vertex x="0" y="10" z="0"/>'
         '<vertex x="0" y="0" z="10"/></vertices><triangles><triangle v1="0" v2="2" v3="1"/>'
         '<triangle v1="0" v2="1" v3="3"/><triangle v1="1" v2="2" v3="3"/><triangle v1="0" v2="3" v3="2"/>'
         '</triangles></mesh>')
TETRA_TWICE = TETRA.replace('v1="0" v2="2"', 'v1="2" v2="2"')  # a triangle with one corner twice
CORE = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"


def model_of(resources: str, build: str = '<item objectid="1"/>', namespace: str = CORE,
             unit: str = "millimeter") -> str:
    return f'<model unit="{unit}" xmlns="{namespace}"><resources>{resources}</resources><build>{build}</build></model>'


@pytest.mark.parametrize(("model", "words"), [
    (model_of(f'<object id="1" type="other">{TETRA}</object>'), "type 'other'"),
    (model_of(f'<object id="1" type="sculpture">{TETRA}</object>'), "'sculpture'"),
    (model_of(f'<object id="1">{TETRA}</object><object id="1">{TETRA}</object>'), "two objects have the id 1"),
    (model_of(f'<object id="1">{TETRA}</object>', '<item objectid="7"/>'), "object 7, which the model does not"),
    (model_of('<object id="1"><components><component objectid="9"/></components></object>'), "object 9"),
    (model_of(f'<object id="1">{TETRA_TWICE}</object>'), "one corner twice"),
    (model_of(f'<object id="1">{TETRA}<components><component objectid="1"/></components></object>'),
     "either a mesh or components"),
    (model_of('<object id="1"></object>'), "either a mesh or components"),
    (model_of(f'<object id="1">{TETRA}</object>', ""), "build is empty"),
    (model_of(f'<object id="1">{TETRA}</object>', unit="furlong"), "'furlong'"),
    (model_of(f'<object id="1">{TETRA}</object>', namespace="http://schemas.microsoft.com/3dmanufacturing/2013/01"),
     "not in the 3MF core namespace"),
])
def test_a_3mf_that_breaks_its_core_specification_is_refused_naming_the_rule(capsys, tmp_path, model, words):
    _package(tmp_path / "bad.3mf", model)
    code, answer = run(capsys, "check", tmp_path / "bad.3mf")
    assert (code, answer["error"]["code"]) == (3, "invalid_3mf"), answer
    message = answer["error"]["message"]
    assert message.startswith("bad.3mf: ") and words in message and "\n" not in message and "('" not in message


def test_a_3mf_that_keeps_its_core_specification_is_read(capsys, tmp_path):
    _package(tmp_path / "good.3mf", model_of(f'<object id="1" type="model">{TETRA}</object>'
                                             '<object id="2"><components><component objectid="1"/></components>'
                                             '</object>', '<item objectid="2" transform="1 0 0 0 1 0 0 0 1 5 5 0"/>',
                                             unit="centimeter"))
    code, answer = run(capsys, "check", tmp_path / "good.3mf")
    assert code == 0 and answer["closed"] and answer["size_mm"] == [100.0, 100.0, 100.0], answer


PRODUCTION = "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"


def production_model(resources: str, build: str) -> str:
    """A root model part that may refer into other parts (the production extension's p:path)."""
    return (f'<model unit="millimeter" xmlns="{CORE}" xmlns:p="{PRODUCTION}" requiredextensions="p">'
            f'<resources>{resources}</resources><build>{build}</build></model>')


def test_a_3mf_whose_components_are_in_other_parts_is_read_as_slicers_write_it(capsys, tmp_path):
    """As Bambu Studio and Orca Slicer write a project: the root part's object is made of components in another
    model part of the package (p:path), one of them moved; every object id 1 of both parts stays apart."""
    part = model_of(f'<object id="1" type="model">{TETRA}</object><object id="2" type="model">{TETRA}</object>', "")
    root = production_model('<object id="1"><components>'
                            '<component p:path="/3D/Objects/object_1.model" objectid="1"/>'
                            '<component p:path="/3D/Objects/object_1.model" objectid="2" '
                            'transform="1 0 0 0 1 0 0 0 1 20 0 0"/></components></object>',
                            '<item objectid="1" transform="1 0 0 0 1 0 0 0 1 0 0 5"/>')
    _package(tmp_path / "project.3mf", root, parts={"3D/Objects/object_1.model": part})
    code, answer = run(capsys, "check", tmp_path / "project.3mf")
    assert code == 0 and answer["closed"] and answer["shells"] == 2, answer
    assert answer["size_mm"] == [30.0, 10.0, 10.0] and answer["triangles"] == 8


@pytest.mark.parametrize(("parts", "words"), [
    ({}, "refers to the part 3D/Objects/object_1.model, which the package does not hold"),
    ({"3D/Objects/object_1.model": model_of(f'<object id="5">{TETRA}</object>', "")},
     "object 1 in 3D/Objects/object_1.model, which the model does not define"),
    ({"3D/Objects/object_1.model": model_of(
        '<object id="1"><components><component p:path="/3D/Objects/other.model" objectid="1"/></components>'
        '</object>', "").replace("<model ", f'<model xmlns:p="{PRODUCTION}" ')},
     "only the root part"),
    ({"3D/Objects/object_1.model": model_of(f'<object id="1">{TETRA}</object>', "", unit="inch")}, "one unit"),
])
def test_a_3mf_whose_parts_break_the_production_extension_is_refused_naming_the_rule(capsys, tmp_path, parts, words):
    root = production_model('<object id="1"><components><component p:path="/3D/Objects/object_1.model" objectid="1"/>'
                            '</components></object>', '<item objectid="1"/>')
    _package(tmp_path / "bad.3mf", root, parts=parts)
    code, answer = run(capsys, "check", tmp_path / "bad.3mf")
    assert (code, answer["error"]["code"]) == (3, "invalid_3mf"), answer
    message = answer["error"]["message"]
    assert message.startswith("bad.3mf: ") and words in message and "\n" not in message and "('" not in message
