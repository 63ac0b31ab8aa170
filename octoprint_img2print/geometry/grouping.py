"""Equal rows of an array found in one sort of 64-bit hashes instead of a sort of whole rows.

Reading an STL welds millions of corners, and repair merges them; sorting rows (``np.unique(axis=0)``) takes seconds
in one uninterruptible call on a 2-million-triangle model. Hashing each row's bits and sorting the hashes is several
times faster; the grouping is then checked bit for bit, and where different rows share a hash, those rows alone are
sorted by their bits.
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
    order, runs = _sorted_by_hash(hashes)
    sorted_words = words[order]
    starts = np.ones(len(rows), dtype=bool)
    starts[1:] = (sorted_words[1:] != sorted_words[:-1]).any(axis=1)
    clashes = starts[1:] & (runs[1:] == runs[:-1])  # two different rows with one hash: rare
    if clashes.any():
        order = _clashes_sorted(order, runs, words, np.unique(runs[1:][clashes]))
        sorted_words = words[order]
        starts[1:] = (sorted_words[1:] != sorted_words[:-1]).any(axis=1)
    first = order[starts]  # each group's rows in the order they come, so its first row first
    inverse = np.empty(len(rows), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    by_first = np.argsort(first)
    rank = np.empty_like(by_first)
    rank[by_first] = np.arange(len(by_first))
    return first[by_first], rank[inverse]


def _sorted_by_hash(hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows in order of their hashes (cut short by as many bits as a row's number needs) and then of their
    numbers, by one sort of the two packed in 64 bits (a sort of plain numbers is twice as fast as an argsort);
    and each sorted row's cut hash."""
    bits = np.uint64(max(1, (len(hashes) - 1).bit_length()))
    keys = np.sort((hashes >> bits << bits) | np.arange(len(hashes), dtype=np.uint64))
    return (keys & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64), keys >> bits


def _clashes_sorted(order: np.ndarray, runs: np.ndarray, words: np.ndarray, clashing: np.ndarray) -> np.ndarray:
    """``order`` with the rows of every run of one hash in ``clashing`` sorted by their bits, then numbers, so
    that equal rows sit side by side."""
    inside = np.isin(runs, clashing)
    places = np.flatnonzero(inside)
    rows = order[places]
    by_bits = np.lexsort((rows, *words[rows].T[::-1], runs[places]))
    order = order.copy()
    order[places] = rows[by_bits]
    return order
