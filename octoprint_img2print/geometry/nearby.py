"""Pairs of triangles whose bounding boxes meet, leaving out neighbours known not to cross.

Each triangle's box is laid on a uniform grid; cells are hashed to buckets (packed 64-bit cell numbers, Fibonacci
hashing), and the pairs that share a bucket come from one sparse matrix product (triangles x buckets times its
transpose) in compiled code, a few rows at a time on two threads. The same product counts shared corners: a corner
whose fan cannot cross itself (``fans.flat_fans``) is weighted so that pairs sharing it stand out and are dropped."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy import sparse

MAX_GRID_ENTRIES = 20_000_000  # triangle-in-cell entries before the grid is made coarser
MAX_CELLS_PER_AXIS = 2**20  # so that packed cell numbers (21 bits an axis) stay whole however far apart parts lie
ROW_CHUNK = 250_000  # triangles laid on the grid at once
ENTRY_CHUNK = 2_000_000  # triangle-in-cell entries placed at once for triangles spanning many cells
PRODUCT_CHUNK = 4_000_000  # bucket-sharing products (about the matrix entries) made at once
THREADS = 2  # row blocks multiplied side by side (the compiled product releases the interpreter)
AXIS_CONSTANTS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)


def _grid(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """On a grid of cells about as large as most triangles (grown until the entries fit): each triangle's first
    cell and how many cells its box spans along each axis."""
    origin = low.min(axis=0)
    reach = float((high.max(axis=0) - origin).max())
    size = max(float(np.percentile((high - low).max(axis=1), 90)), reach / MAX_CELLS_PER_AXIS) or 1.0
    while True:
        first = np.floor((low - origin) / size).astype(np.int64)
        spans = np.floor((high - origin) / size).astype(np.int64) - first + 1
        if spans.prod(axis=1).sum() <= MAX_GRID_ENTRIES:
            return first, spans
        size *= 2.0


def _bucket(x: np.ndarray, y: np.ndarray, z: np.ndarray, shift: np.uint64) -> np.ndarray:
    """Each cell's bucket: the block of 2 x 2 x 2 cells it lies in, hashed (each axis's block number times an odd
    constant, summed, the top bits kept), then its place in that block; so the cells of a box one or two cells wide
    along each axis never share a bucket."""
    block = ((x >> 1).astype(np.uint64) * AXIS_CONSTANTS[0] + (y >> 1).astype(np.uint64) * AXIS_CONSTANTS[1]
             + (z >> 1).astype(np.uint64) * AXIS_CONSTANTS[2])
    return ((block >> shift).astype(np.int64) << 3) | ((x & 1) << 2) | ((y & 1) << 1) | (z & 1)


def _small_rows(first: np.ndarray, spans: np.ndarray, corners: np.ndarray, shift: np.uint64) -> tuple[np.ndarray,
                                                                                                        np.ndarray]:
    """For triangles whose box is one or two cells wide along each axis: the columns of each row in order (the
    buckets of the up to eight cells the box covers, then its ``corners`` columns, -1 for none) and how many;
    other triangles get no columns. A few hundred thousand rows at a time."""
    columns, counts = [], []
    for start in range(0, len(first), ROW_CHUNK):
        axes = [np.ascontiguousarray(first[start:start + ROW_CHUNK, axis]) for axis in range(3)]
        wide = [spans[start:start + ROW_CHUNK, axis] == 2 for axis in range(3)]
        table = np.empty((len(axes[0]), 11), dtype=np.int64)
        for column, offset in enumerate(np.ndindex(2, 2, 2)):
            inside = np.logical_and.reduce([wide[axis] for axis in range(3) if offset[axis]], initial=True)
            table[:, column] = np.where(inside, _bucket(*(axes[axis] + offset[axis] for axis in range(3)), shift), -1)
        table[:, 8:] = corners[start:start + ROW_CHUNK]
        table[np.any(spans[start:start + ROW_CHUNK] > 2, axis=1)] = -1
        kept = table >= 0
        columns.append(table[kept].astype(np.int32))
        counts.append(kept.sum(axis=1))
    return np.concatenate(columns), np.concatenate(counts)


def _large_rows(first: np.ndarray, spans: np.ndarray, corners: np.ndarray, shift: np.uint64,
                width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each triangle whose box is wider (in the triangles' order), one row: the buckets of every cell the box
    covers, each told once (a few million cells placed at a time), and its ``corners`` columns; the columns and
    each row's count; and the triangles chosen."""
    from scipy import sparse  # only the thorough check needs it

    chosen = np.flatnonzero(np.any(spans > 2, axis=1))
    cells = spans[chosen].prod(axis=1)
    ends = np.cumsum(cells)
    found, start = [np.zeros(0, dtype=np.int64)], 0
    while start < len(chosen):
        stop = max(int(np.searchsorted(ends, (ends[start - 1] if start else 0) + ENTRY_CHUNK, side="right")),
                   start + 1)
        row = np.repeat(np.arange(start, stop), cells[start:stop])
        step = np.arange(len(row)) - np.repeat(np.cumsum(cells[start:stop]) - cells[start:stop], cells[start:stop])
        span = spans[chosen[row]]
        offset = np.stack([step // (span[:, 1] * span[:, 2]), (step // span[:, 2]) % span[:, 1], step % span[:, 2]], 1)
        covered = first[chosen[row]] + offset
        found.append(np.unique((row << 32) | _bucket(covered[:, 0], covered[:, 1], covered[:, 2], shift)))
        start = stop
    calm_rows, calm_places = np.nonzero(corners[chosen] >= 0)
    rows = sparse.csr_matrix((np.ones(sum(map(len, found)) + len(calm_rows)),
                              (np.concatenate([*(part >> 32 for part in found), calm_rows]),
                               np.concatenate([*(part & 0xFFFFFFFF for part in found),
                                               corners[chosen][calm_rows, calm_places]]))),
                             shape=(len(chosen), width))
    return chosen, rows.indices, np.diff(rows.indptr)


def _matrix(low: np.ndarray, high: np.ndarray, faces: np.ndarray, quiet: np.ndarray) -> tuple[sparse.csr_matrix,
                                                                                                 int, np.ndarray]:
    """Rows x (buckets, then corners): 1 for each bucket a triangle's box covers and ``weight`` for each quiet
    corner, so that a row times a column of the transpose counts shared buckets plus ``weight`` squared for a
    shared quiet corner; ``weight``, whose square exceeds every count of shared buckets; and each row's triangle.
    Triangles whose box is one or two cells wide along each axis are the first rows, in order (the others' are
    empty); each wider one is a row after them."""
    from scipy import sparse  # only the thorough check needs it

    first, spans = _grid(low, high)
    cells = spans.prod(axis=1)
    bits = max(int(cells.sum()).bit_length() - 1, 6)  # buckets: half to all of the entries (measured fastest)
    weight = int(np.sqrt(cells.max())) + 1
    corners = np.where(quiet[faces], (1 << bits) + faces.astype(np.int64), -1)
    shift = np.uint64(67 - bits)
    small_columns, small_counts = _small_rows(first, spans, corners, shift)
    width = (1 << bits) + len(quiet)
    large, large_columns, large_counts = _large_rows(first, spans, corners, shift, width)
    del first, spans, corners
    columns = np.concatenate([small_columns, large_columns.astype(np.int32)])
    del small_columns, large_columns
    counts = np.concatenate([small_counts, large_counts])
    matrix = sparse.csr_matrix((np.where(columns >= 1 << bits, np.int32(weight), np.int32(1)), columns,
                                np.concatenate([[0], np.cumsum(counts)])), shape=(len(counts), width))
    return matrix, weight, np.concatenate([np.arange(len(low)), large])


def _meeting(low: np.ndarray, high: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose boxes meet, an axis at a time (most pairs fail on the first)."""
    for axis in range(3):
        meet = np.maximum(low[i, axis], low[j, axis]) <= np.minimum(high[i, axis], high[j, axis])
        i, j = i[meet], j[meet]
    return i, j


def _block_pairs(matrix: sparse.csr_matrix, transposed: sparse.csr_matrix, rows: tuple[int, int], limit: int,
                 low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i, j), i < j, i among ``rows``, that share a bucket and no quiet corner (a product under
    ``limit``) and whose boxes meet."""
    start, stop = rows
    product = (matrix[start:stop] @ transposed).tocoo()
    i, j = product.row + np.int32(start), product.col
    keep = (j > i) & (product.data < limit)
    return _meeting(low, high, i[keep], j[keep])


def _row_blocks(matrix: sparse.csr_matrix, transposed: sparse.csr_matrix) -> list[tuple[int, int]]:
    """Rows in blocks of about PRODUCT_CHUNK products each (a row's products: its columns' entries)."""
    from scipy import sparse  # only the thorough check needs it

    count = matrix.shape[0]
    pattern = sparse.csr_matrix((np.ones(len(matrix.indices), dtype=np.float32), matrix.indices, matrix.indptr),
                                shape=matrix.shape)
    ends = np.cumsum(pattern @ np.diff(transposed.indptr).astype(np.float32), dtype=np.float64)
    blocks, start = [], 0
    while start < count:
        stop = max(int(np.searchsorted(ends, (ends[start - 1] if start else 0) + PRODUCT_CHUNK, side="right")),
                   start + 1)
        blocks.append((start, stop))
        start = stop
    return blocks


def close_pairs(low: np.ndarray, high: np.ndarray, faces: np.ndarray, quiet: np.ndarray) -> np.ndarray:
    """Pairs (i, j), i < j, of triangles whose boxes (``low``, ``high``: float32 values) meet and that share no
    edge, leaving out pairs that share a ``quiet`` corner (one flag per vertex: its fan cannot cross itself)."""
    if len(low) < 2:
        return np.zeros((0, 2), dtype=np.int32)
    matrix, weight, triangle = _matrix(low, high, faces, quiet)
    transposed = matrix.T.tocsr()
    low32, high32 = low[triangle].astype(np.float32), high[triangle].astype(np.float32)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        found = list(pool.map(lambda rows: _block_pairs(matrix, transposed, rows, weight * weight, low32, high32),
                              _row_blocks(matrix, transposed)))
    first = triangle[np.concatenate([pair[0] for pair in found])]
    second = triangle[np.concatenate([pair[1] for pair in found])]
    i, j = np.minimum(first, second), np.maximum(first, second)
    shared = (faces[i][:, :, None] == faces[j][:, None, :]).any(axis=2).sum(axis=1)
    return np.stack([i[shared < 2], j[shared < 2]], axis=1).astype(np.int32)
