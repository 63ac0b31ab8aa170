"""What keeps img2print quick on a small machine, checked for what it does: the whole-array smoothing and part
labelling give scipy's answers, and a lithophane (or the help) loads no library it does not use."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from pictures import photo_like, save
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from octoprint_img2print.geometry.topology import components
from octoprint_img2print.imaging.blur import gaussian

UNUSED_BY_LITHOPHANES = ["contourpy", "manifold3d", "pillow_heif", "scipy", "shapely", "stl", "cssselect2", "tinycss2",
                         "uharfbuzz", "fontTools", "tifffile", "tripo3d", "requests", "dask", "distributed"]


@pytest.mark.parametrize(("shape", "sigma"), [((750, 1000), 1.0), ((120, 90), 2.5), ((300, 400), 40.0),
                                              ((5, 7), 3.0), ((64, 1), 1.5)])
def test_smoothing_is_scipys_gaussian_with_nearest_edges(shape, sigma):
    values = np.random.default_rng(1).random(shape).astype(np.float32)
    expected = ndimage.gaussian_filter(values.astype(np.float64), sigma, mode="nearest")
    assert np.abs(gaussian(values, sigma) - expected).max() < 1e-6


@pytest.mark.parametrize(("nodes", "pairs"), [(10, 0), (10, 5), (1000, 800), (200_000, 150_000)])
def test_parts_are_labelled_as_scipy_labels_them(nodes, pairs):
    rng = np.random.default_rng(nodes)
    first, second = rng.integers(0, nodes, pairs), rng.integers(0, nodes, pairs)
    ours = components(nodes, first, second)
    count, theirs = connected_components(coo_matrix((np.ones(pairs), (first, second)), shape=(nodes, nodes)),
                                         directed=False)
    assert ours.max() + 1 == count and len(np.unique(ours * count + theirs)) == count


def test_a_long_chain_is_one_part():
    order = np.random.default_rng(2).permutation(100_000)
    assert components(100_000, order[:-1], order[1:]).max() == 0


def _loaded(arguments: list[str]) -> list[str]:
    script = ("import sys\nfrom octoprint_img2print.command.main import main\ntry:\n    main(" + repr(arguments) + ")\n"
              "except SystemExit:\n    pass\nprint(sorted({m.split('.')[0] for m in sys.modules}))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return json.loads(run.stdout.splitlines()[-1].replace("'", '"'))


def test_a_lithophane_and_the_help_load_no_library_they_do_not_use(tmp_path):
    photo = save(photo_like(400, 300), tmp_path / "photo.jpg")
    for arguments in (["--help"], ["convert", str(photo), "-o", str(tmp_path / "photo.stl"), "--width", "80"]):
        assert set(_loaded(arguments)) & set(UNUSED_BY_LITHOPHANES) == set(), arguments
    assert (tmp_path / "photo.stl").exists()
