"""PrusaSlicer's seam painting, written into the model it slices: a 3MF whose triangles on the seam's side carry
PrusaSlicer's ``slic3rpe:custom_seam`` mark, so every layer's outer wall starts there (PrusaSlicer 2.3 and later
read it from the command line too). PrusaSlicer has no seam point to set; painting keeps the model where it is.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..geometry.files import read_mesh
from ..geometry.threemf import CONTENT_TYPES, CORE_NS, MODEL_PART, PACKAGE_DATE, RELATIONSHIPS
from .seams import Seam

SLIC3R_NS = "http://schemas.slic3r.org/3mf/2017/06"
MARK = ' slic3rpe:custom_seam="4"'  # a whole triangle painted "enforce": 2 bits of no split, state 1, one hex digit
CHUNK = 65536
QUICK = 1  # deflate level: a file only the slicer reads, once, in a scratch folder (level 5 took 3 times as long)
TAIL = b'</triangles></mesh></object>\n</resources>\n<build><item objectid="1"/></build>\n</model>\n'


def painted_model(model: Path, seam: Seam, output: Path) -> Path:
    """The model file (placed as planned) as a 3MF with its seam side painted for PrusaSlicer, written in chunks
    so that a large model never stands in memory as one text."""
    mesh = read_mesh(model)
    side = seam.side_faces(mesh)
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<model unit="millimeter" xml:lang="en-US" xmlns="{CORE_NS}" xmlns:slic3rpe="{SLIC3R_NS}">\n'
            f'<resources>\n<object id="1" name="{model.stem}" type="model"><mesh><vertices>\n')
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=QUICK) as package:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELATIONSHIPS)):
            package.writestr(zipfile.ZipInfo(name, date_time=PACKAGE_DATE), text)
        with package.open(MODEL_PART, "w") as document:  # by name: the package's level applies
            document.write(head.encode())
            for first in range(0, len(mesh.vertices), CHUNK):
                rows = mesh.vertices[first:first + CHUNK].tolist()
                document.write("".join(f'<vertex x="{x:.5f}" y="{y:.5f}" z="{z:.5f}"/>\n' for x, y, z in rows).encode())
            document.write(b"</vertices>\n<triangles>\n")
            for first in range(0, len(mesh.faces), CHUNK):
                rows = zip(mesh.faces[first:first + CHUNK].tolist(), side[first:first + CHUNK].tolist(), strict=True)
                document.write("".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"{MARK if painted else ""}/>\n'
                                       for (a, b, c), painted in rows).encode())
            document.write(TAIL)
    return output
