"""Equal rows of an array found in one sort of 64-bit hashes instead of a sort of whole rows.

Reading an STL welds millions of corners, and repair merges them; sorting rows (``np.unique(axis=0)``) takes seconds
in one uninterruptible call on a 2-million-triangle model. Hashing each row's bits and sorting the hashes is several
times faster; the grouping is then checked bit for bit, and a hash collision falls back to sorting rows.
"""

from __future__ import annotations

import numpy as np

MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                        0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53], dtype=np.uint64)


def equal_rows(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``values`` that are equal (floats by value: 0.0 and -0.0 alike): the index of each group's first row,
    groups in the order their first rows come, and each row's group."""
    rows = np.ascontiguousarray(values + np.zeros(1, dtype=values.dtype))  # -0.0 becomes 0.0
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    words = rows.reshape(len(rows), -1).view(np.uint32)
    hashes = np.zeros(len(rows), dtype=np.uint64)
    for column in range(words.shape[1]):
        hashes = (hashes ^ words[:, column]) * MULTIPLIERS[column % len(MULTIPLIERS)]
        hashes ^= hashes >> np.uint64(31)
    by_hash = np.argsort(hashes, kind="stable")
    hashes = hashes[by_hash]
    starts = np.ones(len(rows), dtype=bool)
    starts[1:] = hashes[1:] != hashes[:-1]
    first = by_hash[starts]  # the stable sort keeps each group's first row first
    sorted_words = words[by_hash]
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(rows)), 0))  # in sorted order
    if not np.array_equal(sorted_words, sorted_words[group_start]):
        _rows, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
    else:
        inverse = np.empty(len(rows), dtype=np.int64)
        inverse[by_hash] = np.cumsum(starts) - 1
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return first[order], rank[inverse]
