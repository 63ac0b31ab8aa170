"""3MF packages: a minimal valid writer and a reader for the core mesh specification, with the production
extension's components in other model parts of the package (``p:path``, as Bambu Studio and Orca Slicer write)."""

from __future__ import annotations

import io
import zipfile
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from defusedxml import ElementTree

from ..errors import BadInput
from ..i18n import _
from .mesh import Mesh, concatenate
from .obj import check_triangle_count

CORE_NS = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
PRODUCTION_PATH = "{http://schemas.microsoft.com/3dmanufacturing/production/2015/06}path"
MODEL_PART = "3D/3dmodel.model"
MAX_UNPACKED_BYTES = 512 * 1024**2  # the model part as declared; reading stops there even when it lies
MAX_PACKING_RATIO = 200  # mesh XML packs about 5-10 times; far more is a zip bomb
MAX_COMPONENT_DEPTH = 16
UNITS = {"micron": 0.001, "millimeter": 1.0, "centimeter": 10.0, "inch": 25.4, "foot": 304.8, "meter": 1000.0}  # mm
OBJECT_TYPES = ("model", "solidsupport", "support", "surface", "other")
PACKAGE_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
 <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
 <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
</Types>
"""
RELATIONSHIPS = f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
 <Relationship Target="/{MODEL_PART}" Id="rel0"
  Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
</Relationships>
"""


def _rows(array: np.ndarray, template: str) -> str:
    """Format every row of ``array`` with ``template`` into one string."""
    out = io.StringIO()
    np.savetxt(out, array, fmt=template)
    return out.getvalue()


def write_3mf(mesh: Mesh, path: Path, name: str = "img2print", extra: Mapping[str, str] | None = None) -> None:
    """Write ``mesh`` as one object of a 3MF package, in millimetres; ``extra``: more parts by name (a slicer's
    own metadata)."""
    vertices = _rows(mesh.vertices, '<vertex x="%.5f" y="%.5f" z="%.5f"/>')
    triangles = _rows(mesh.faces, '<triangle v1="%d" v2="%d" v3="%d"/>')
    model = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}">\n'
        f'<metadata name="Application">img2print</metadata>\n<resources>\n'
        f'<object id="1" name="{name}" type="model"><mesh><vertices>\n{vertices}</vertices>\n'
        f"<triangles>\n{triangles}</triangles></mesh></object>\n</resources>\n"
        '<build><item objectid="1"/></build>\n</model>\n'
    )
    with zipfile.ZipFile(path, "w") as package:
        for part, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELATIONSHIPS), (MODEL_PART, model),
                           *(extra or {}).items()):
            # a fixed date, so that the same mesh always gives the same bytes
            package.writestr(zipfile.ZipInfo(part, date_time=PACKAGE_DATE), text, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=5)


def _transform(text: str | None) -> np.ndarray:
    """A 3MF transform attribute as a 4x3 matrix (identity when absent)."""
    if not text:
        return np.vstack([np.eye(3), np.zeros(3)])
    return np.array([float(v) for v in text.split()], dtype=np.float64).reshape(4, 3)


def _apply(mesh: Mesh, matrix: np.ndarray) -> Mesh:
    return Mesh(mesh.vertices.astype(np.float64) @ matrix[:3] + matrix[3], mesh.faces)


def _model_part(package: zipfile.ZipFile) -> str:
    """The name of the model part, read from the package relationships when present."""
    names = package.namelist()
    if "_rels/.rels" in names:
        for rel in ElementTree.fromstring(package.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/3dmodel"):
                return rel.get("Target", MODEL_PART).lstrip("/")
    return MODEL_PART


def _model_info(package: zipfile.ZipFile, name: str, part: str, unpacked: int = 0,
                referred: bool = False) -> zipfile.ZipInfo:
    """A model part, refused when it declares more than MAX_UNPACKED_BYTES with the ``unpacked`` bytes of the parts
    read before it, or packs like a zip bomb, or (``referred`` to by the root part) is missing; never more than it
    declares is read (zipfile stops there), so a lying size cannot make it larger."""
    try:
        info = package.getinfo(part)
    except KeyError:
        if not referred:  # no model at all: an unreadable package
            raise
        raise _refused(name, _("{file}: its model refers to the part {part}, which the package does not hold."),
                       part=part) from None
    if unpacked + info.file_size > MAX_UNPACKED_BYTES:
        raise BadInput("model_too_large", _("{file}: the 3MF's model unpacks to more than {limit} MB; simplify the "
                                            "model and export it again.").format(file=name,
                                                                                  limit=MAX_UNPACKED_BYTES // 2**20),
                       file=name)
    if info.file_size > MAX_PACKING_RATIO * max(info.compress_size, 1) and info.file_size > 2**20:
        raise BadInput("model_zip_bomb", _("{file}: the 3MF packs far tighter than a model can (a zip bomb); "
                                           "it is refused.").format(file=name), file=name)
    return info


@dataclass
class _Object:
    """One object of the model as read: its mesh's numbers, or its components (object id, transform)."""

    kind: str = "model"
    vertices: array = field(default_factory=lambda: array("d"))
    triangles: array = field(default_factory=lambda: array("q"))
    components: list[tuple[str, str | None]] = field(default_factory=list)  # (object key, transform)

    def mesh(self) -> Mesh:
        """The object's own mesh (none for an object of components)."""
        vertices = np.frombuffer(self.vertices, dtype=np.float64).reshape(-1, 3)
        faces = np.frombuffer(self.triangles, dtype=np.int64).reshape(-1, 3)
        if len(faces) and (faces.max() >= len(vertices) or faces.min() < 0):
            raise ValueError("a triangle refers to a vertex that does not exist")
        return Mesh(vertices, faces)


@dataclass
class _Model:
    """A model as read from its root part and the parts it refers to: its unit, objects by key (the id in the root
    part, "id in part" in another) and the root's build items (object key, transform)."""

    unit: str = "millimeter"
    objects: dict[str, _Object] = field(default_factory=dict)
    items: list[tuple[str, str | None]] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)  # other model parts referred to -> the object referring
    triangles: int = 0


def _key(object_id: str, part: str | None) -> str:
    """How an object is known (and named in messages): its id, and the model part it is in unless the root."""
    return f"{object_id} in {part}" if part else object_id


def _target(element: Any, part: str | None, root: str) -> str | None:
    """The part a component or build item refers into: its p:path (None for the root part), else its own part."""
    path = element.get(PRODUCTION_PATH)
    if not path:
        return part
    target = path.lstrip("/")
    return None if target == root else target


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refused(name: str, message: str, **values: Any) -> BadInput:
    """A 3MF that breaks a rule of its core specification."""
    return BadInput("invalid_3mf", message.format(file=name, **values), file=name)


def _opened(element: Any, model: _Model, name: str, part: str | None) -> _Object | None:
    """What a start tag says: the model's namespace and unit (the same in every part), a new object (its type and
    id checked)."""
    tag = _local(element.tag)
    if tag == "model":
        namespace = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""
        if namespace != CORE_NS:
            raise _refused(name, _("{file}: its model is not in the 3MF core namespace ({namespace}); export it again "
                                   "from a current program."), namespace=namespace or "-")
        unit = element.get("unit", "millimeter")
        if unit not in UNITS:
            raise _refused(name, _("{file}: its unit '{unit}' is none the 3MF specification allows ({units})."),
                           unit=unit, units=", ".join(UNITS))
        if part is not None and unit != model.unit:
            raise _refused(name, _("{file}: its part {part} measures in {unit}, its root part in {root}; the 3MF "
                                   "production extension asks for one unit."), part=part, unit=unit,
                           root=model.unit)
        model.unit = unit
    elif tag == "object":
        object_id, kind = _key(element.get("id", ""), part), element.get("type", "model")
        if object_id in model.objects:
            raise _refused(name, _("{file}: two objects have the id {object}; the 3MF specification gives each its "
                                   "own."), object=object_id)
        if kind not in OBJECT_TYPES:
            raise _refused(name, _("{file}: object {object} has the type '{type}', which the 3MF specification does "
                                   "not know."), object=object_id, type=kind)
        model.objects[object_id] = _Object(kind=kind)
        return model.objects[object_id]
    return None


def _streamed(stream: Any, name: str, model: _Model, root: str, part: str | None = None) -> None:
    """Read a model part (``part``, None for the root) into ``model`` as it is decompressed, keeping only its
    numbers: memory follows the mesh, not the XML, and a part that lies about its checksum is refused at its end
    having cost no more. Every triangle is counted as it comes (refused past the limit, all parts together); read
    elements are dropped as soon as they are read; what the 3MF core specification and its production extension
    forbid is refused naming the rule."""
    current, held = None, None
    for event, element in ElementTree.iterparse(stream, events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            current = _opened(element, model, name, part) or current
            if tag in ("vertices", "triangles"):
                held = element
            continue
        if tag == "vertex" and current is not None:
            current.vertices.extend((float(element.get("x")), float(element.get("y")), float(element.get("z"))))
        elif tag == "triangle" and current is not None:
            corners = (int(element.get("v1")), int(element.get("v2")), int(element.get("v3")))
            if len(set(corners)) < 3:
                raise _refused(name, _("{file}: an object has a triangle that uses one corner twice, which the 3MF "
                                       "specification forbids."))
            current.triangles.extend(corners)
            model.triangles += 1
            if model.triangles % 100_000 == 0:
                check_triangle_count(model.triangles, name)
        elif tag in ("component", "item") and (current is not None or tag == "item"):
            target = _target(element, part, root)
            if part is not None and target != part:
                raise _refused(name, _("{file}: its part {part} refers to another part, which the 3MF production "
                                       "extension allows only the root part to do."), part=part)
            key = _key(element.get("objectid", ""), target)
            if target is not None:
                model.parts.setdefault(target, key)
            if tag == "item" and part is None:
                model.items.append((key, element.get("transform")))
            elif tag == "component":
                current.components.append((key, element.get("transform")))
        elif tag == "object":
            current = None
        if tag in ("vertex", "triangle") and held is not None and len(held) >= 10_000:
            held.clear()  # the read ones, so that millions of them never stand in memory
        element.clear()


def _read_part(package: zipfile.ZipFile, name: str, model: _Model, root: str, part: str | None,
               unpacked: int) -> int:
    """Read a model part into ``model``; the bytes unpacked so far, this part's included."""
    info = _model_info(package, name, part or root, unpacked, referred=part is not None)
    with package.open(info) as stream:
        _streamed(stream, name, model, root, part)
    return unpacked + info.file_size


def _check_references(model: _Model, name: str) -> None:
    """Every object holds a mesh or components (not both), every reference is to an object the model defines, and
    the build prints no object of type 'other'."""
    for object_id, obj in model.objects.items():
        if bool(obj.triangles or obj.vertices) == bool(obj.components):
            raise _refused(name, _("{file}: object {object} must hold either a mesh or components, as the 3MF "
                                   "specification says."), object=object_id)
        for part, _transform_text in obj.components:
            if part not in model.objects:
                raise _refused(name, _("{file}: a component of object {object} is object {part}, which the model "
                                       "does not define."), object=object_id, part=part)
    if not model.items:
        raise _refused(name, _("{file}: its build is empty: there is nothing to print."))
    for object_id, _transform_text in model.items:
        if object_id not in model.objects:
            raise _refused(name, _("{file}: the build prints object {object}, which the model does not define."),
                           object=object_id)
        if model.objects[object_id].kind == "other":
            raise _refused(name, _("{file}: the build prints object {object}, whose type 'other' the 3MF "
                                   "specification keeps out of builds."), object=object_id)


def _triangle_counts(model: _Model) -> dict[str, int]:
    """How many triangles each object makes with all its components drawn out (counted, not built)."""
    counts: dict[str, int] = {}

    def count(object_id: str, depth: int) -> int:
        if depth > MAX_COMPONENT_DEPTH:
            raise ValueError("components nest too deeply")
        if object_id not in counts:
            obj = model.objects[object_id]
            counts[object_id] = len(obj.triangles) // 3 + sum(count(part, depth + 1) for part, _t in obj.components)
        return counts[object_id]

    for object_id in model.objects:
        count(object_id, 0)
    return counts


def read_3mf(path: Path, name: str | None = None) -> Mesh:
    """Read every build item of a 3MF package into one mesh in millimetres; packages that unpack or fan out
    (components used over and over) past img2print's limits are refused before anything is built."""
    name = name or path.name
    model = _Model()
    with zipfile.ZipFile(path) as package:
        root = _model_part(package)
        unpacked = _read_part(package, name, model, root, None, 0)
        for part in list(model.parts):  # the other parts the root refers to (they refer to no more)
            unpacked = _read_part(package, name, model, root, part, unpacked)
    _check_references(model, name)
    unit = UNITS[model.unit]
    counts = _triangle_counts(model)
    check_triangle_count(sum(counts[object_id] for object_id, _t in model.items), name)

    def build(object_id: str, depth: int = 0) -> Mesh:
        if depth > MAX_COMPONENT_DEPTH:
            raise ValueError("components nest too deeply")
        obj = model.objects[object_id]
        parts = [obj.mesh()] if obj.triangles else []
        parts += [_apply(build(part, depth + 1), _transform(transform)) for part, transform in obj.components]
        return concatenate(parts)

    mesh = concatenate([_apply(build(object_id), _transform(transform)) for object_id, transform in model.items])
    return Mesh(mesh.vertices * unit, mesh.faces)
