"""How many times the outlines of a drawing cross each other, estimated from a sample of their segments: a
scribble of thousands of crossing lines costs the geometry kernel time that grows with its crossings, so such a
drawing is refused before it is filled."""

from __future__ import annotations

import numpy as np

CHECKED_FROM = 5_000  # segments; fewer cannot cross often enough to matter
SAMPLE = 128  # segments tested against all the others
MAX_CROSSINGS = 20_000_000  # about 8 s of the geometry kernel here
CHUNK = 20_000  # segments compared at once (memory)


def _crossing(p: np.ndarray, q: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which segment pairs (p[i]-q[i], a[j]-b[j]) cross properly, as a (len(p), len(a)) boolean array."""
    def side(o: np.ndarray, d: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.sign((d[:, None, 0] - o[:, None, 0]) * (x[None, :, 1] - o[:, None, 1])
                       - (d[:, None, 1] - o[:, None, 1]) * (x[None, :, 0] - o[:, None, 0]))

    first = side(p, q, a) * side(p, q, b)
    second = (np.sign((b[None, :, 0] - a[None, :, 0]) * (p[:, None, 1] - a[None, :, 1])
                      - (b[None, :, 1] - a[None, :, 1]) * (p[:, None, 0] - a[None, :, 0]))
              * np.sign((b[None, :, 0] - a[None, :, 0]) * (q[:, None, 1] - a[None, :, 1])
                        - (b[None, :, 1] - a[None, :, 1]) * (q[:, None, 0] - a[None, :, 0])))
    return (first < 0) & (second < 0)


class TooManyCrossings(Exception):
    """The outline crosses itself more often than can be filled in bounded time."""

    def __init__(self, crossings: float) -> None:
        super().__init__(crossings)
        self.crossings = crossings


def require_few_crossings(rings: list[np.ndarray], closed: bool = True) -> None:
    """TooManyCrossings when the polylines cross each other more than MAX_CROSSINGS times."""
    crossings = estimated_crossings(rings, closed)
    if crossings > MAX_CROSSINGS:
        raise TooManyCrossings(crossings)


def estimated_crossings(rings: list[np.ndarray], closed: bool = True) -> float:
    """About how many proper crossings the segments of these polylines (closed rings, or open lines) have."""
    starts = [r for r in rings if len(r) >= 2]
    if not starts:
        return 0.0
    a = np.concatenate([r for r in starts])
    b = np.concatenate([np.roll(r, -1, axis=0) if closed else np.vstack([r[1:], r[-1:]]) for r in starts])
    count = len(a)
    if count < CHECKED_FROM:
        return 0.0
    picked = np.random.default_rng(0).choice(count, SAMPLE, replace=False)
    found = sum(int(_crossing(a[picked], b[picked], a[i:i + CHUNK], b[i:i + CHUNK]).sum())
                for i in range(0, count, CHUNK))
    return found * count / SAMPLE / 2
