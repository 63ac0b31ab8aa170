"""A corpus of bad and hostile input files, generated on the spot (nothing checked in as binaries).

Each ``Case`` writes one file and says what img2print must answer: the error code (or ``None`` when the file
is awkward but fine), and which commands read it. Files stay small unless the attack needs size; then they are
sparse (seek and truncate), so they cost no disk.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

PICTURE_COMMANDS = ("convert", "trace", "slice")
MODEL_COMMANDS = ("check", "repair", "slice")
CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="50mm" ' \
           'height="50mm" viewBox="0 0 100 100">'


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, how to make it, and the answer img2print owes for it."""

    id: str
    name: str
    make: Callable[[Path], None]
    code: str | None  # the error's code; None: converted (exit 0)
    commands: tuple[str, ...] = PICTURE_COMMANDS
    options: tuple[str, ...] = ()
    exit_code: int = 3
    unreadable: bool = False  # made unreadable to the user running the command
    answers: dict[str, str | None] = field(default_factory=dict)  # another answer for some commands

    def answer(self, command: str) -> str | None:
        """The error code the command owes (None: it succeeds)."""
        return self.answers.get(command, self.code)


def _bytes(data: bytes | Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(data() if callable(data) else data)


def _text(text: str | Callable[[], str]) -> Callable[[Path], None]:
    return lambda path: path.write_text(text() if callable(text) else text)


def _sparse(head: bytes, size: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(head)
            handle.truncate(size)
    return make


# pictures ------------------------------------------------------------------------------------------------------

def _encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def _photo(size: tuple[int, int] = (96, 64), mode: str = "RGB") -> Image.Image:
    y, x = np.mgrid[0:size[1], 0:size[0]]
    grey = ((x * 255 // size[0]) ^ (y * 255 // size[1])).astype(np.uint8)
    return Image.fromarray(np.stack([grey, 255 - grey, grey // 2], axis=-1)).convert(mode)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png(width: int, height: int, rows: bytes | None = None, depth: int = 8, colour: int = 0) -> bytes:
    """A PNG of grey pixels; ``rows`` is the raw (unfiltered) data, or none at all (a header that lies)."""
    body = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    if rows is not None:
        body += _chunk(b"IDAT", zlib.compress(rows, 9))
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b"")


def _png_bomb() -> bytes:
    """9000 x 9000 real black pixels (81 megapixels) packed into about 80 kB."""
    return _png(9000, 9000, b"\x00" * (9001 * 9000))


def _jpeg_that_lies() -> bytes:
    """A JPEG whose frame header says 8000 x 7999 pixels, followed by almost no scan data."""
    small = _encoded(_photo((16, 16), "L"), "JPEG")
    start = small.index(b"\xff\xc0") + 5
    lying = small[:start] + struct.pack(">HH", 7999, 8000) + small[start + 4:]
    return lying[:lying.index(b"\xff\xda") + 40]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _float_tiff(values: np.ndarray) -> bytes:
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, values.astype(np.float32))
    return buffer.getvalue()


def _nan_tiff() -> bytes:
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    values = 50 + 30 * np.sin(x / 9) * np.cos(y / 7)  # hills, and holes of no-data in them
    values[5:15, 5:15], values[20:30, 30:40], values[0, 0] = np.nan, np.inf, -np.inf
    return _float_tiff(values)


def _palette_with_transparency() -> bytes:
    image = _photo().convert("P", palette=Image.ADAPTIVE, colors=16)
    return _encoded(image, "PNG", transparency=0)


def _animated_gif() -> bytes:
    frames = [_photo().convert("P"), _photo().rotate(90).convert("P"), _photo().rotate(180).convert("P")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return _encoded(_photo((128, 96)), "HEIF")


def _gif_header(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b"," + struct.pack(
        "<HHHH", 0, 0, width, height) + b"\x00\x02\x02\x44\x01\x00;"


def _bmp_header(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) + info + b"\x00" * 16


def _folder(path: Path) -> None:
    path.mkdir()


def _unreadable_picture(path: Path) -> None:
    path.write_bytes(_encoded(_photo(), "PNG"))
    path.chmod(0)


SMALL = ("--width", "30")  # what is sliced stays small: the corpus is about the files, not the slicer

PICTURES = [
    Case("png_truncated", "cut.png", _bytes(lambda: _truncated(_encoded(_photo(), "PNG"))), "image_damaged"),
    Case("jpeg_truncated", "cut.jpg", _bytes(lambda: _truncated(_encoded(_photo(), "JPEG"))), "image_damaged"),
    Case("webp_truncated", "cut.webp", _bytes(lambda: _truncated(_encoded(_photo(), "WEBP"))), "image_damaged"),
    Case("heic_truncated", "cut.heic", _bytes(lambda: _truncated(_heic())), "image_damaged"),
    Case("jpeg_lying_header", "lying.jpg", _bytes(_jpeg_that_lies), "image_damaged"),
    Case("png_header_only_bomb", "bomb.png", _bytes(lambda: _png(200_000, 200_000)), "image_too_large"),
    Case("png_real_bomb", "bomb81.png", _bytes(_png_bomb), "image_too_large"),
    Case("gif_header_bomb", "bomb.gif", _bytes(lambda: _gif_header(65535, 65535)), "image_too_large"),
    Case("bmp_header_bomb", "bomb.bmp", _bytes(lambda: _bmp_header(60000, 60000)), "image_too_large"),
    Case("png_zero_by_zero", "zero.png", _bytes(lambda: _png(0, 0, b"")), "not_an_image"),
    Case("png_one_row", "row.png", _bytes(lambda: _png(500, 1, b"\x00" + b"\x80" * 500)), "image_too_small"),
    Case("png_one_column", "column.png", _bytes(lambda: _png(1, 500, b"\x00\x80" * 500)), "image_too_small"),
    Case("tiff_nan_and_infinities", "heights.tif", _bytes(_nan_tiff), None, ("convert", "slice"),
         ("--mode", "topo", "--width", "30")),
    Case("tiff_all_nan", "nothing.tif", _bytes(lambda: _float_tiff(np.full((32, 32), np.nan))), "image_no_data",
         ("convert", "trace", "slice"), ("--mode", "topo")),
    Case("png_16_bit", "deep.png", _bytes(lambda: _png(64, 48, b"".join(
        b"\x00" + bytes(range(128)) for _ in range(48)), depth=16)), None, options=SMALL),
    Case("jpeg_cmyk", "cmyk.jpg", _bytes(lambda: _encoded(_photo(mode="CMYK"), "JPEG")), None, options=SMALL),
    Case("png_palette_transparency", "palette.png", _bytes(_palette_with_transparency), None, options=SMALL),
    Case("gif_animated", "moving.gif", _bytes(_animated_gif), None, options=SMALL),
    Case("png_named_jpg", "really-png.jpg", _bytes(lambda: _encoded(_photo(), "PNG")), None, options=SMALL),
    Case("text_named_png", "notes.png", _text("this is not a picture\n"), "not_an_image"),
    Case("empty_png", "empty.png", _bytes(b""), "empty_file"),
    Case("folder_named_png", "folder.png", _folder, "not_a_file"),
    Case("unreadable_png", "locked.png", _unreadable_picture, "file_unreadable", unreadable=True),
    Case("png_sparse_2gb", "huge.png", _sparse(b"\x89PNG\r\n\x1a\n", 2 * 1024**3), "file_too_large"),
    Case("png_bad_crc", "crc.png", _bytes(lambda: _encoded(_photo(), "PNG").replace(b"IDAT", b"IDAT\x00", 1)),
         "image_damaged"),
]

# drawings -------------------------------------------------------------------------------------------------------


def _svg(body: str) -> Callable[[Path], None]:
    return _text(SVG_OPEN + body + "</svg>")


def _million_commands() -> str:
    steps = "".join(f"L{i % 97} {i % 89}" for i in range(1_000_000))
    return SVG_OPEN + f'<path d="M0 0{steps}Z"/></svg>'


def _circles(count: int) -> str:
    return SVG_OPEN + "".join(f'<circle cx="{i % 100}" cy="{i // 100 % 100}" r="0.4"/>' for i in range(count)) \
        + "</svg>"


LAUGHS = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol">' + "".join(
    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)) + ']>' \
    + SVG_OPEN + '<rect width="10" height="10"/><desc>&j;</desc></svg>'
XXE = '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + SVG_OPEN \
    + '<rect width="10" height="10"/><desc>&x;</desc></svg>'
FAN_OUT = '<rect id="l0" width="1" height="1"/>' + "".join(
    f'<g id="l{i}">' + f'<use xlink:href="#l{i - 1}"/>' * 10 + "</g>" for i in range(1, 10))
LOGO = ("--mode", "logo", "--width", "30")

DRAWINGS = [
    Case("svg_use_self", "loop.svg", _svg('<use id="a" xlink:href="#a"/><rect width="10" height="10"/>'),
         None, options=LOGO),  # the loop left out (as browsers do), the rest drawn
    Case("svg_use_cycle", "cycle.svg", _svg('<g id="a"><use xlink:href="#b"/></g><g id="b"><use xlink:href="#a"/>'
                                             '</g>'), "svg_empty", options=LOGO),
    Case("svg_use_fan_out", "laughs-use.svg", _svg(FAN_OUT), "svg_too_complex", options=LOGO),
    Case("svg_deep_nesting", "deep.svg", _svg("<g>" * 10000 + '<rect width="10" height="10"/>' + "</g>" * 10000),
         "svg_too_deep", options=LOGO),
    Case("svg_far_coordinates", "far.svg", _svg('<rect x="1e300" y="0" width="1e300" height="10"/>'),
         "svg_absurd_size", options=LOGO),
    Case("svg_overflowing_coordinates", "overflow.svg", _svg('<path d="M0 0L1e400 0L0 1e400Z"/>'),
         "svg_absurd_size", options=LOGO),
    Case("svg_far_transform", "far-move.svg", _svg('<rect transform="translate(1e200 0)" width="10" height="10"/>'),
         "svg_absurd_size", options=LOGO),
    Case("svg_scale_zero", "flat.svg", _svg('<rect transform="scale(0)" width="10" height="10"/>'), "svg_empty",
         options=LOGO),
    Case("svg_singular_matrix", "singular.svg", _svg('<rect transform="matrix(1 1 1 1 0 0)" width="10" '
                                                     'height="10"/>'), "svg_empty", options=LOGO),
    Case("svg_million_commands", "million.svg", _text(_million_commands), "svg_too_complex", options=LOGO),
    Case("svg_100k_circles", "circles.svg", _text(lambda: _circles(100_000)), "svg_too_complex", options=LOGO),
    Case("svg_xxe", "xxe.svg", _text(XXE), "svg_unsafe", options=LOGO),
    Case("svg_billion_laughs", "laughs.svg", _text(LAUGHS), "svg_unsafe", options=LOGO),
    Case("svg_external_image", "external.svg", _svg('<image xlink:href="file:///etc/passwd" width="10" '
                                                    'height="10"/><rect width="5" height="5"/>'),
         "svg_external_reference", options=LOGO),
    Case("svg_external_use", "external-use.svg", _svg('<use xlink:href="other.svg#shape"/>'),
         "svg_external_reference", options=LOGO),
    Case("svg_empty_file", "empty.svg", _bytes(b""), "empty_file", options=LOGO),
    Case("svg_no_shapes", "blank.svg", _svg(""), "svg_empty", options=LOGO),
    Case("svg_zero_area", "line.svg", _svg('<rect width="0" height="10"/><path d="M0 0L10 10"/>'), "svg_empty",
         options=LOGO),
    Case("svg_self_intersecting", "bowtie.svg", _svg('<path d="M10 10L90 90L90 10L10 90Z"/><path '
                                                     'd="M50 5L61 40L98 40L68 62L79 97L50 75L21 97L32 62L2 40L39 40Z"'
                                                     ' fill-rule="nonzero"/>'), None, options=LOGO),
    Case("svg_not_xml", "broken.svg", _text("<svg><rect width='10'"), "svg_damaged", options=LOGO),
    Case("svg_absurd_width", "wide.svg", _text('<svg xmlns="http://www.w3.org/2000/svg" width="1e300mm" '
                                               'height="10mm"><rect width="5" height="5"/></svg>'),
         "svg_absurd_size", options=LOGO),
    Case("svg_nan_coordinates", "nan.svg", _svg('<path d="M0 0LNaN 0L0 10Z"/><rect width="nan" height="10"/>'),
         "svg_empty", options=LOGO),
    Case("svg_sparse_huge", "huge.svg", _sparse(SVG_OPEN.encode(), 64 * 1024**2), "file_too_large", options=LOGO),
]

# models ---------------------------------------------------------------------------------------------------------

BOX = np.array([[0, 0, 0], [10, 0, 0], [10, 10, 0], [0, 10, 0], [0, 0, 10], [10, 0, 10], [10, 10, 10], [0, 10, 10]],
               dtype=np.float32)
BOX_FACES = np.array([[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4], [1, 2, 6], [1, 6, 5],
                      [2, 3, 7], [2, 7, 6], [3, 0, 4], [3, 4, 7]])


def binary_stl(corners: np.ndarray, faces: np.ndarray, declared: int | None = None) -> bytes:
    """A binary STL of the triangles; ``declared`` is the count its header claims."""
    triangles = corners[faces].astype(np.float32)
    records = np.zeros(len(faces), dtype=[("normal", "<f4", 3), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
    records["corners"] = triangles
    count = len(faces) if declared is None else declared
    return b"\0" * 80 + struct.pack("<I", count) + records.tobytes()


def _box_with(value: float) -> bytes:
    corners = BOX.copy()
    corners[6] = value
    return binary_stl(corners, BOX_FACES)


def _ascii_stl(corners: np.ndarray, faces: np.ndarray) -> str:
    facets = "".join("facet normal 0 0 0\nouter loop\n" + "".join(f"vertex {x} {y} {z}\n" for x, y, z in corners[f])
                     + "endloop\nendfacet\n" for f in faces)
    return f"solid box\n{facets}endsolid box\n"


def _model_xml(resources: str, build: str) -> str:
    return f'<model unit="millimeter" xmlns="{CORE_NS}"><resources>{resources}</resources><build>{build}</build>' \
           '</model>'


def _box_object(object_id: int = 1) -> str:
    vertices = "".join(f'<vertex x="{x}" y="{y}" z="{z}"/>' for x, y, z in BOX)
    triangles = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in BOX_FACES)
    return f'<object id="{object_id}" type="model"><mesh><vertices>{vertices}</vertices><triangles>{triangles}' \
           '</triangles></mesh></object>'


def _package(parts: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    return _package({"3D/3dmodel.model": "<model>" + " " * (50 * 2**20) + "</model>"})


def _lying_crc() -> bytes:
    """A 3MF whose model part says it unpacks to 10 bytes (and its CRC) but holds 64 MB of zeros."""
    data = bytearray(_package({"3D/3dmodel.model": b"<model>" + b"\0" * (64 * 2**20)}))
    for header in (b"PK\x03\x04", b"PK\x01\x02"):
        at = data.index(header)
        size_at = at + (22 if header == b"PK\x03\x04" else 24)
        data[size_at:size_at + 4] = struct.pack("<I", 10)
    return bytes(data)


def _repacked(flag: int | None = None, method: int | None = None) -> bytes:
    data = bytearray(_package({"3D/3dmodel.model": _model_xml(_box_object(), '<item objectid="1"/>')},
                              zipfile.ZIP_STORED))
    for header, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(header)
        if flag is not None:
            data[at + offset:at + offset + 2] = struct.pack("<H", flag)
        if method is not None:
            data[at + offset + 2:at + offset + 4] = struct.pack("<H", method)
    return bytes(data)


def _fan_out() -> bytes:
    objects = [_box_object(1)] + [f'<object id="{level}"><components>' + f'<component objectid="{level - 1}"/>' * 10
                                  + "</components></object>" for level in range(2, 17)]
    return _package({"3D/3dmodel.model": _model_xml("".join(objects), '<item objectid="16"/>')})


def _component_loop() -> bytes:
    objects = '<object id="1"><components><component objectid="2"/></components></object>' \
              '<object id="2"><components><component objectid="1"/></components></object>'
    return _package({"3D/3dmodel.model": _model_xml(objects, '<item objectid="1"/>')})


def _glb(json_part: bytes, binary: bytes = b"", declared_length: int | None = None) -> bytes:
    json_part += b" " * (-len(json_part) % 4)
    chunks = struct.pack("<I4s", len(json_part), b"JSON") + json_part
    if binary:
        chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
    length = 12 + len(chunks) if declared_length is None else declared_length
    return b"glTF" + struct.pack("<II", 2, length) + chunks


def _gltf_lying_accessor() -> bytes:
    """A glTF whose accessor claims a billion positions from a 36-byte buffer."""
    buffer = np.zeros((3, 3), np.float32).tobytes()
    document = {"asset": {"version": "2.0"}, "scenes": [{"nodes": [0]}], "nodes": [{"mesh": 0}],
                "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
                "accessors": [{"bufferView": 0, "componentType": 5126, "count": 1_000_000_000, "type": "VEC3",
                               "min": [0, 0, 0], "max": [1, 1, 1]}],
                "bufferViews": [{"buffer": 0, "byteLength": len(buffer)}], "buffers": [{"byteLength": len(buffer)}]}
    return _glb(json.dumps(document).encode(), buffer)


def _gltf_external() -> str:
    return json.dumps({"asset": {"version": "2.0"}, "buffers": [{"uri": "../../../../etc/passwd",
                                                                 "byteLength": 1000}]})


HUGE_SLAB = binary_stl(BOX * np.float32([1e37, 1e37, 1e35]), BOX_FACES)  # 1e38 mm wide, 1 % as high
REPAIRED = {"repair": None, "slice": None}  # repair (also before slicing) drops the triangles that are not numbers
SCALE = ("--scale-to-fit",)

MODELS = [
    Case("stl_binary_claims_a_billion", "claims.stl", _bytes(lambda: binary_stl(BOX, BOX_FACES, 1_000_000_000)),
         None, MODEL_COMMANDS),
    Case("stl_binary_claims_fewer", "fewer.stl", _bytes(lambda: binary_stl(BOX, BOX_FACES, 3)), None,
         MODEL_COMMANDS),
    Case("stl_binary_truncated", "cut.stl", _bytes(lambda: binary_stl(BOX, BOX_FACES)[:-70]), "unreadable_model",
         MODEL_COMMANDS),
    Case("stl_ascii_truncated", "cut-ascii.stl", _text(lambda: _ascii_stl(BOX, BOX_FACES)[:300]), "unreadable_model",
         MODEL_COMMANDS),
    Case("stl_ascii_garbage_numbers", "words.stl", _text(lambda: _ascii_stl(BOX, BOX_FACES).replace("10", "ten")),
         "unreadable_model", MODEL_COMMANDS),
    Case("stl_nan_vertex", "nan.stl", _bytes(lambda: _box_with(np.nan)), "non_finite_vertices", MODEL_COMMANDS,
         answers=REPAIRED),
    Case("stl_inf_vertex", "inf.stl", _bytes(lambda: _box_with(np.inf)), "non_finite_vertices", MODEL_COMMANDS,
         answers=REPAIRED),
    Case("stl_ascii_nan", "nan-ascii.stl", _text(lambda: _ascii_stl(BOX, BOX_FACES).replace("vertex 10.0 10.0 10.0",
                                                                                           "vertex nan inf -inf")),
         "non_finite_vertices", MODEL_COMMANDS,
         answers=REPAIRED),
    Case("stl_zero_triangles", "nothing.stl", _bytes(b"\0" * 80 + struct.pack("<I", 0)), "empty_mesh",
         MODEL_COMMANDS, answers={"repair": "not_repairable", "slice": "model_not_printable"}),
    Case("stl_header_only", "header.stl", _bytes(b"\0" * 40), "unreadable_model", MODEL_COMMANDS),
    Case("stl_sparse_2gb", "huge.stl", _sparse(b"solid x\n", 2 * 1024**3), "file_too_large", MODEL_COMMANDS),
    Case("stl_picture_inside", "picture.stl", _bytes(lambda: _encoded(_photo(), "PNG")), "unreadable_model",
         MODEL_COMMANDS),
    Case("stl_folder", "folder.stl", _folder, "not_a_file", MODEL_COMMANDS),
    Case("stl_1e38_box_scaled_to_fit", "universe.stl", _bytes(HUGE_SLAB), None, MODEL_COMMANDS, SCALE),
    Case("3mf_zip_bomb", "bomb.3mf", _bytes(_zip_bomb), "model_zip_bomb", MODEL_COMMANDS),
    Case("3mf_lying_crc", "crc.3mf", _bytes(_lying_crc), "unreadable_model", MODEL_COMMANDS),
    Case("3mf_encrypted", "secret.3mf", _bytes(lambda: _repacked(flag=1)), "unreadable_model", MODEL_COMMANDS),
    Case("3mf_unknown_compression", "odd.3mf", _bytes(lambda: _repacked(method=99)), "unreadable_model",
         MODEL_COMMANDS),
    Case("3mf_component_fan_out", "fan.3mf", _bytes(_fan_out), "too_many_triangles", MODEL_COMMANDS),
    Case("3mf_component_loop", "loop.3mf", _bytes(_component_loop), "unreadable_model", MODEL_COMMANDS),
    Case("3mf_missing_model_part", "hollow.3mf", _bytes(lambda: _package({"[Content_Types].xml": "<Types/>"})),
         "unreadable_model", MODEL_COMMANDS),
    Case("3mf_not_a_zip", "text.3mf", _text("not a zip"), "unreadable_model", MODEL_COMMANDS),
    Case("3mf_xxe", "xxe.3mf", _bytes(lambda: _package({"3D/3dmodel.model": XXE.replace("svg", "model")})),
         "unreadable_model", MODEL_COMMANDS),
    Case("obj_missing_vertices", "holes.obj", _text("v 0 0 0\nv 1 0 0\nf 1 2 3\nf 4 5 6\n"),
         "model_index_out_of_range", MODEL_COMMANDS),
    Case("obj_garbage", "garbage.obj", _text("v one two three\nf a b c\n"), "unreadable_model", MODEL_COMMANDS),
    Case("obj_nan", "nan.obj", _text("v 0 0 0\nv 1 0 0\nv nan 1 0\nv 0 0 1\nf 1 2 3\nf 1 3 4\nf 1 4 2\nf 2 4 3\n"),
         "non_finite_coordinates", MODEL_COMMANDS),
    Case("glb_bad_magic", "bad.glb", _bytes(b"glTX" + b"\0" * 40), "unreadable_model", MODEL_COMMANDS),
    Case("glb_lying_length", "long.glb", _bytes(lambda: _glb(b'{"asset":{"version":"2.0"}}', b"",
                                                             declared_length=2**31)), "unreadable_model",
         MODEL_COMMANDS),
    Case("glb_lying_accessor", "accessor.glb", _bytes(_gltf_lying_accessor), "too_many_triangles", MODEL_COMMANDS),
    Case("gltf_broken_json", "broken.gltf", _text('{"asset": {"version": "2.0"'), "unreadable_model",
         MODEL_COMMANDS),
    Case("gltf_external_buffer", "outside.gltf", _text(_gltf_external), "external_buffer", MODEL_COMMANDS),
]

CORPUS = PICTURES + DRAWINGS + MODELS


# the runner -----------------------------------------------------------------------------------------------------

MEMORY_LIMIT = 1536 * 2**20
NOBODY = 65534


def _child(request: dict) -> None:
    """In the forked child: obey the limits, send output to the request's files, run the command, exit."""
    import os
    import resource
    import sys
    import tempfile
    import traceback

    code = 1
    sys.stdout.flush()
    try:
        resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
        for fd, name in ((1, "stdout"), (2, "stderr")):
            os.dup2(os.open(request[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        os.environ["TMPDIR"] = request["tmp"]
        tempfile.tempdir = None
        os.chdir(request["cwd"])
        if request.get("nobody"):
            os.setgid(NOBODY)
            os.setuid(NOBODY)
        from octoprint_img2print.command.main import main

        code = main(request["argv"])
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else 2
    except BaseException:  # what a user would see: Python's own traceback and exit 1
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _run(request: dict) -> dict:
    """Fork a child for the request and wait for it within its time; the answer says how it ended."""
    import os
    import signal
    import time

    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _child(request)
    deadline = started + request["timeout"]
    timed_out = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline and not timed_out:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
    return {"exit": os.waitstatus_to_exitcode(status), "seconds": time.monotonic() - started,
            "max_rss_mb": usage.ru_maxrss / 1024, "timed_out": timed_out}


def serve() -> None:
    """Read requests (JSON lines) on stdin, answer each on stdout: one warm process, a fresh fork per command."""
    import sys

    import octoprint_img2print.command.main  # noqa: F401  (imported once, before any fork)
    from octoprint_img2print.pipeline import detect_slicer

    detect_slicer()  # as a warm worker: the slicer's version is asked once

    for line in sys.stdin:
        print(json.dumps(_run(json.loads(line))), flush=True)


if __name__ == "__main__":
    serve()
