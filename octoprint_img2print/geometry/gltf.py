"""glTF 2.0 models (binary .glb, and .gltf with embedded buffers) as one mesh in millimetres, standing on Z."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import BadInput
from ..i18n import _
from .mesh import Mesh, concatenate, welded
from .obj import MAX_TRIANGLES, check_finite, check_triangle_count

GLB_MAGIC = b"glTF"
GLB_VERSION = 2
GLB_HEADER_BYTES = 12
CHUNK_HEADER_BYTES = 8
JSON_CHUNK = 0x4E4F534A
BIN_CHUNK = 0x004E4942
UINT8, UINT16, UINT32, FLOAT32 = 5121, 5123, 5125, 5126
DTYPES = {UINT8: np.dtype("<u1"), UINT16: np.dtype("<u2"), UINT32: np.dtype("<u4"), FLOAT32: np.dtype("<f4")}
WIDTHS = {"SCALAR": 1, "VEC3": 3}
TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN = 4, 5, 6
COMPRESSIONS = ("KHR_draco_mesh_compression", "EXT_meshopt_compression", "KHR_mesh_quantization")
BASE64_DATA_URI = re.compile(r"data:[^,]*;base64,")
SHOWN_URI_CHARACTERS = 80
# glTF is in metres with Y up; img2print works in millimetres with Z up: (x, y, z) -> 1000 * (x, -z, y).
TO_PRINTER = np.array([[1000.0, 0, 0, 0], [0, 0, -1000.0, 0], [0, 1000.0, 0, 0], [0, 0, 0, 1]])


def _natural(value: Any, what: str) -> int:
    """``value`` when it is a whole number of at least 0, else a ValueError naming ``what``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{what} is not a whole number of at least 0")
    return value


def _pick(items: Any, index: Any, what: str, kind: type = dict) -> Any:
    """``items[index]`` when that exists and is a ``kind``, else a ValueError."""
    if not isinstance(items, list) or not isinstance(index, int) or isinstance(index, bool) \
            or not 0 <= index < len(items) or not isinstance(items[index], kind):
        raise ValueError(f"{what} {index} does not exist")
    return items[index]


def _listed(value: Any, what: str) -> list[Any]:
    """``value`` when it is a list, else a ValueError naming ``what``."""
    if not isinstance(value, list):
        raise ValueError(f"{what} is not a list")
    return value


@dataclass
class _Document:
    """The glTF JSON, the bytes of its buffers and the name of the file, for messages."""

    json: dict[str, Any]
    buffers: list[bytes]
    name: str

    def item(self, kind: str, index: Any) -> dict[str, Any]:
        """Entry ``index`` of the top-level list ``kind`` (e.g. 'nodes')."""
        return _pick(self.json.get(kind), index, kind)

    def buffer(self, index: Any) -> bytes:
        """The bytes of buffer ``index``."""
        return _pick(self.buffers, index, "buffer", bytes)


def _glb_chunks(data: bytes) -> tuple[bytes, bytes | None]:
    """The JSON chunk and the binary chunk (if any) of a GLB file, after checking its header."""
    if data[:4] != GLB_MAGIC:
        raise ValueError("it does not start with the GLB signature 'glTF'")
    if len(data) < GLB_HEADER_BYTES:
        raise ValueError("the file is cut short inside its header")
    version, length = (int(v) for v in np.frombuffer(data, dtype="<u4", count=2, offset=4))
    if version != GLB_VERSION:
        raise ValueError(f"it is GLB version {version}; img2print reads glTF 2.0")
    if length != len(data):
        raise ValueError(f"its header gives a length of {length} bytes but the file has {len(data)}")
    chunks = list(_chunks(data))
    if not chunks or chunks[0][0] != JSON_CHUNK:
        raise ValueError("its first chunk is not the JSON chunk")
    return chunks[0][1], next((body for kind, body in chunks[1:] if kind == BIN_CHUNK), None)


def _chunks(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The type and bytes of every chunk after the GLB header."""
    offset = GLB_HEADER_BYTES
    while offset + CHUNK_HEADER_BYTES <= len(data):
        size, kind = (int(v) for v in np.frombuffer(data, dtype="<u4", count=2, offset=offset))
        offset += CHUNK_HEADER_BYTES
        if offset + size > len(data):
            raise ValueError("a chunk runs past the end of the file")
        yield kind, data[offset:offset + size]
        offset += size


def _refuse_compression(document: dict[str, Any], name: str) -> None:
    """A clear BadInput for a model that needs a mesh compression to be read."""
    required = _listed(document.get("extensionsRequired", []), "extensionsRequired")
    used = [extension for extension in COMPRESSIONS if extension in required]
    if used:
        raise BadInput("compressed_model",
                       _("{file}: the model is compressed ({compression}), which img2print does not read. "
                         "Export it again without mesh compression.").format(file=name, compression=", ".join(used)),
                       file=name, extensions=used)


def _buffer_bytes(entry: dict[str, Any], binary: bytes | None, name: str) -> bytes:
    """The bytes of one buffer: the GLB binary chunk, or a base64 data: URI; any other URI is refused."""
    uri = entry.get("uri")
    if uri is None:
        if binary is None:
            raise ValueError("a buffer has no data (no uri and no binary chunk)")
        data = binary
    elif isinstance(uri, str) and (header := BASE64_DATA_URI.match(uri)):
        data = base64.b64decode(uri[header.end():], validate=True)
    else:
        shown = " ".join(str(uri).split())[:SHOWN_URI_CHARACTERS]
        raise BadInput("external_buffer",
                       _("{file}: the model's data is in another file or address ({uri}), which img2print does not "
                         "read. Export the model as one .glb file (binary glTF) instead.").format(file=name, uri=shown),
                       file=name, uri=shown)
    if _natural(entry.get("byteLength"), "a buffer's byteLength") > len(data):
        raise ValueError("a buffer holds fewer bytes than its byteLength says")
    return data


def _document(json_bytes: bytes, binary: bytes | None, name: str) -> _Document:
    """The parsed glTF 2.0 JSON with the bytes of its buffers."""
    document = json.loads(json_bytes)
    if not isinstance(document, dict) or not isinstance(document.get("asset"), dict):
        raise ValueError("its JSON is not a glTF document (no asset)")
    version = str(document["asset"].get("version", ""))
    if not version.startswith("2."):
        raise ValueError(f"it is glTF version {version or 'unknown'}; img2print reads glTF 2.0")
    _refuse_compression(document, name)
    entries = _listed(document.get("buffers", []), "buffers")
    buffers = [_buffer_bytes(_pick(entries, index, "buffer"), binary, name) for index in range(len(entries))]
    return _Document(document, buffers, name)


def _rotation(quaternion: np.ndarray) -> np.ndarray:
    """The 3x3 rotation of a quaternion (x, y, z, w), normalised first."""
    norm = np.linalg.norm(quaternion)
    if not norm > 0:
        raise ValueError("a node's rotation is not a valid quaternion")
    x, y, z, w = quaternion / norm
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _local_transform(node: dict[str, Any]) -> np.ndarray:
    """A node's 4x4 transform: its column-major matrix, or translation * rotation * scale."""
    if "matrix" in node:
        return np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T
    matrix = np.eye(4)
    rotation = _rotation(np.array(node.get("rotation", [0, 0, 0, 1]), dtype=np.float64).reshape(4))
    matrix[:3, :3] = rotation * np.array(node.get("scale", [1, 1, 1]), dtype=np.float64).reshape(3)
    matrix[:3, 3] = np.array(node.get("translation", [0, 0, 0]), dtype=np.float64).reshape(3)
    return matrix


def _mode(primitive: dict[str, Any]) -> Any:
    """How the primitive's corners make triangles (glTF's default is a triangle list)."""
    return primitive.get("mode", TRIANGLES)


def _placed_primitives(document: _Document) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Every triangle primitive of the default scene with its world transform (points and lines have no surface)."""
    scene = document.item("scenes", document.json.get("scene", 0))
    stack = [(index, np.eye(4)) for index in _listed(scene.get("nodes", []), "a scene's nodes")]
    seen: set[int] = set()
    placed = []
    while stack:
        index, parent = stack.pop()
        node = document.item("nodes", index)
        if index in seen:
            raise ValueError(f"node {index} appears twice in the scene")
        seen.add(index)
        world = parent @ _local_transform(node)
        if "mesh" in node:
            primitives = _listed(document.item("meshes", node["mesh"]).get("primitives"), "a mesh's primitives")
            placed += [(_pick(primitives, i, "primitive"), world) for i in range(len(primitives))]
        stack += [(child, world) for child in _listed(node.get("children", []), "a node's children")]
    return [(primitive, world) for primitive, world in placed
            if _mode(primitive) in (TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN)]


def _position_accessor(primitive: dict[str, Any]) -> Any:
    """The accessor of the primitive's vertex positions."""
    attributes = primitive.get("attributes")
    if not isinstance(attributes, dict) or "POSITION" not in attributes:
        raise ValueError("a mesh primitive has no POSITION attribute")
    return attributes["POSITION"]


def _count(document: _Document, index: Any) -> int:
    """How many values accessor ``index`` holds."""
    return _natural(document.item("accessors", index).get("count"), f"accessor {index}'s count")


def _sizes(document: _Document, primitive: dict[str, Any]) -> tuple[int, int]:
    """How many triangles and vertices the primitive makes, from its accessors' counts alone."""
    vertices = _count(document, _position_accessor(primitive))
    corners = _count(document, primitive["indices"]) if "indices" in primitive else vertices
    return (corners // 3 if _mode(primitive) == TRIANGLES else max(corners - 2, 0)), vertices


def _check_size(document: _Document, placed: list[tuple[dict[str, Any], np.ndarray]], max_triangles: int) -> None:
    """Refuse a scene of too many triangles, or of more vertices than that many triangles could use."""
    sizes = [_sizes(document, primitive) for primitive, _world in placed]
    check_triangle_count(sum(triangles for triangles, _vertices in sizes), document.name, max_triangles)
    vertices = sum(vertices for _triangles, vertices in sizes)
    if vertices > 3 * max_triangles:
        raise ValueError(f"it lists {vertices} vertices, more than img2print reads")


def _accessor(document: _Document, index: Any, component_types: tuple[int, ...], kind: str) -> np.ndarray:
    """An accessor's values as a read-only (count, width) array, after checking that they lie inside their buffer."""
    accessor = document.item("accessors", index)
    component = accessor.get("componentType")
    if component not in component_types or accessor.get("type") != kind or "sparse" in accessor:
        raise ValueError(f"accessor {index} is not a plain {kind} of componentType "
                         f"{' or '.join(str(c) for c in component_types)}")
    dtype, width = DTYPES[component], WIDTHS[kind]
    count = _count(document, index)
    view = document.item("bufferViews", accessor.get("bufferView"))
    buffer = document.buffer(view.get("buffer"))
    start = _natural(view.get("byteOffset", 0), "a bufferView's byteOffset")
    length = _natural(view.get("byteLength"), "a bufferView's byteLength")
    element = dtype.itemsize * width
    stride = _natural(view.get("byteStride", element), "a bufferView's byteStride")
    offset = _natural(accessor.get("byteOffset", 0), f"accessor {index}'s byteOffset")
    if start + length > len(buffer) or stride < element:
        raise ValueError(f"accessor {index}'s bufferView runs past its buffer or has a too small byteStride")
    if count and offset + stride * (count - 1) + element > length:
        raise ValueError(f"accessor {index} reads past the end of its bufferView")
    if not count:
        return np.zeros((0, width), dtype=dtype)
    return np.ndarray((count, width), dtype=dtype, buffer=buffer, offset=start + offset,
                      strides=(stride, dtype.itemsize))


def _triangles(corners: np.ndarray, mode: int) -> np.ndarray:
    """Triangles (rows of three corners) of a triangle list, strip or fan, wound as glTF defines."""
    if mode == TRIANGLES:
        if len(corners) % 3:
            raise ValueError("a triangle list's corner count is not a multiple of three")
        return corners.reshape(-1, 3)
    first = np.arange(max(len(corners) - 2, 0))
    if mode == TRIANGLE_FAN:
        return np.stack([corners[first + 1], corners[first + 2], corners[np.zeros_like(first)]], axis=1)
    odd = first % 2
    strip = np.stack([corners[first], corners[first + 1 + odd], corners[first + 2 - odd]], axis=1)
    joins = (strip[:, 0] == strip[:, 1]) | (strip[:, 1] == strip[:, 2]) | (strip[:, 0] == strip[:, 2])
    return strip[~joins]


def _primitive_mesh(document: _Document, primitive: dict[str, Any], world: np.ndarray) -> Mesh:
    """One primitive placed by ``world`` and turned into printer space (mirroring transforms keep faces outward)."""
    positions = _accessor(document, _position_accessor(primitive), (FLOAT32,), "VEC3").astype(np.float64)
    if "indices" in primitive:
        corners = _accessor(document, primitive["indices"], (UINT8, UINT16, UINT32), "SCALAR").reshape(-1)
    else:
        corners = np.arange(len(positions))
    highest = int(corners.max()) if len(corners) else -1
    if highest >= len(positions):
        raise BadInput("model_index_out_of_range",
                       _("{file}: a triangle refers to vertex {index}, but its mesh has only {count} vertices. "
                         "Export the model again.").format(file=document.name, index=highest, count=len(positions)),
                       file=document.name)
    matrix = TO_PRINTER @ world
    faces = _triangles(corners.astype(np.int64), _mode(primitive))
    if np.linalg.det(matrix[:3, :3]) < 0:
        faces = faces[:, ::-1]
    return Mesh(positions @ matrix[:3, :3].T + matrix[:3, 3], faces)


def _mesh(document: _Document, max_triangles: int) -> Mesh:
    """Every triangle of the default scene in one mesh, in millimetres with Z up, identical corners merged."""
    placed = _placed_primitives(document)
    _check_size(document, placed, max_triangles)
    mesh = concatenate([_primitive_mesh(document, primitive, world) for primitive, world in placed])
    if not len(mesh.faces):
        raise ValueError("it holds no triangles")
    check_finite(mesh.vertices, document.name)
    return welded(mesh)


def read_glb(path: Path, name: str, max_triangles: int = MAX_TRIANGLES) -> Mesh:
    """Read a binary glTF (.glb) file."""
    json_bytes, binary = _glb_chunks(path.read_bytes())
    return _mesh(_document(json_bytes, binary, name), max_triangles)


def read_gltf(path: Path, name: str, max_triangles: int = MAX_TRIANGLES) -> Mesh:
    """Read a .gltf file whose buffers are embedded as base64 data: URIs."""
    return _mesh(_document(path.read_bytes(), None, name), max_triangles)
