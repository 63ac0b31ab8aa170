"""PrusaSlicer's seam painting, written into the model it slices: a 3MF whose triangles on the seam's side carry
PrusaSlicer's ``slic3rpe:custom_seam`` mark, so every layer's outer wall starts there (PrusaSlicer 2.3 and later
read it from the command line too). PrusaSlicer has no seam point to set; painting keeps the model where it is.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ..geometry.files import read_mesh
from ..geometry.threemf import CONTENT_TYPES, CORE_NS, MODEL_PART, PACKAGE_DATE, RELATIONSHIPS
from .seams import Seam

SLIC3R_NS = "http://schemas.slic3r.org/3mf/2017/06"
ENFORCED = "4"  # a whole triangle painted "enforce": two bits of no split, then state 1, as one hex digit


def painted_model(model: Path, seam: Seam, output: Path) -> Path:
    """The model file (placed as planned) as a 3MF with its seam side painted for PrusaSlicer."""
    mesh = read_mesh(model)
    side = seam.side_faces(mesh)
    vertices = "".join(f'<vertex x="{x:.5f}" y="{y:.5f}" z="{z:.5f}"/>\n' for x, y, z in mesh.vertices.tolist())
    marks = np.where(side, f' slic3rpe:custom_seam="{ENFORCED}"', "")
    triangles = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"{mark}/>\n'
                        for (a, b, c), mark in zip(mesh.faces.tolist(), marks.tolist(), strict=True))
    document = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<model unit="millimeter" xml:lang="en-US" '
                f'xmlns="{CORE_NS}" xmlns:slic3rpe="{SLIC3R_NS}">\n'
                f'<resources>\n<object id="1" name="{model.stem}" type="model"><mesh><vertices>\n{vertices}'
                f'</vertices>\n<triangles>\n{triangles}</triangles></mesh></object>\n</resources>\n'
                '<build><item objectid="1"/></build>\n</model>\n')
    with zipfile.ZipFile(output, "w") as package:
        for part, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELATIONSHIPS),
                           (MODEL_PART, document)):
            package.writestr(zipfile.ZipInfo(part, date_time=PACKAGE_DATE), text, compress_type=zipfile.ZIP_DEFLATED,
                             compresslevel=5)
    return output
