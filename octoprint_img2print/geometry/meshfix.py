"""MeshFix (through pymeshfix) in a held-back child process: it fills holes and removes self-intersections, but
it can crash, hang or eat memory on a bad mesh, so it never runs in ours.

Run as ``python -m octoprint_img2print.geometry.meshfix IN.npz OUT.npz MEMORY_MB cut|fill``: the meshes go in as
``vertices_<k>``/``faces_<k>`` and come back repaired under the same numbering (``fill``: holes filled only).
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import numpy as np

from ..i18n import _
from ..processes import end_with_parent_or_now
from ..scratch import scratch_folder
from .mesh import Mesh

MESHFIX_TIMEOUT_S = 600.0
MESHFIX_MEMORY_MB = 4096
CLEAN_ITERATIONS, CLEAN_INNER_LOOPS = 10, 3


class MeshFixFailed(Exception):
    """MeshFix crashed, ran out of time or memory, or is not installed; the reason says which."""


def available() -> bool:
    """True when pymeshfix is installed (it needs Python 3.10 or later)."""
    try:
        import pymeshfix  # noqa: F401
    except ImportError:
        return False
    return True


def repaired(meshes: list[Mesh], timeout_s: float = MESHFIX_TIMEOUT_S, memory_mb: int = MESHFIX_MEMORY_MB,
             cutting: bool = True) -> list[Mesh]:
    """Each mesh with its holes filled and (``cutting``) its self-intersections and degenerate triangles removed."""
    if not available():
        raise MeshFixFailed(_("pymeshfix is not installed; it needs Python 3.10 or later"))
    with scratch_folder("meshfix") as folder:
        given, answer = Path(folder) / "in.npz", Path(folder) / "out.npz"
        np.savez(given, **{f"vertices_{k}": m.vertices for k, m in enumerate(meshes)},
                 **{f"faces_{k}": m.faces for k, m in enumerate(meshes)})
        try:
            run = subprocess.run([sys.executable, "-m", __name__, str(given), str(answer), str(memory_mb),
                                  "cut" if cutting else "fill"], capture_output=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as expired:
            raise MeshFixFailed(_("it took longer than {seconds:.0f} s").format(seconds=timeout_s)) from expired
        if run.returncode != 0 or not answer.is_file():
            raise MeshFixFailed(_("it stopped with an error or ran out of memory"))
        with np.load(answer) as data:
            return [Mesh(data[f"vertices_{k}"], data[f"faces_{k}"]) for k in range(len(meshes))]


# --- the child --------------------------------------------------------------------------------------------------

def _repair(vertices: np.ndarray, faces: np.ndarray, cutting: bool) -> tuple[np.ndarray, np.ndarray]:
    from pymeshfix import PyTMesh

    tmesh = PyTMesh()
    tmesh.set_quiet(True)
    tmesh.load_array(vertices.astype(np.float64), faces.astype(np.int32))
    tmesh.fill_small_boundaries(0, True)
    if cutting:
        tmesh.clean(CLEAN_ITERATIONS, CLEAN_INNER_LOOPS)
    return tmesh.return_arrays()


def main(argv: list[str]) -> int:
    """Repair every mesh in the input file and save the results."""
    given, answer, memory_mb, mode = argv
    end_with_parent_or_now()
    cap = int(memory_mb) * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft == resource.RLIM_INFINITY or soft > cap:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    out: dict[str, np.ndarray] = {}
    with np.load(given) as data:
        for k in range(len(data.files) // 2):
            out[f"vertices_{k}"], out[f"faces_{k}"] = _repair(data[f"vertices_{k}"], data[f"faces_{k}"],
                                                              mode == "cut")
    partial = Path(answer + ".part")
    with partial.open("wb") as handle:
        np.savez(handle, **out)
    partial.replace(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
