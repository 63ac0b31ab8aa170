"""The Unicode Bidirectional Algorithm (UAX #9) for one line of text without explicit embeddings: the level of each
character (rules W1-W7, N1-N2, I1-I2, L1) and the visual order of runs (L2). Right-to-left words inside
left-to-right text (and the other way round) come out as a browser lays them out; explicit embedding and isolate
characters are left out of the resolution (they are rare in drawings), a forced direction (``unicode-bidi:
bidi-override``) sets the levels outright."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TypeVar

STRONG = {"L": "L", "R": "R", "AL": "R"}
NEUTRAL = {"B", "S", "WS", "ON", "BN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
Item = TypeVar("Item")


def _weak(types: list[str], start: str) -> list[str]:
    """Rules W1-W7 over the character types, ``start`` being the type before the text (sos)."""
    previous, strong = start, start
    for index, kind in enumerate(types):  # W1 (NSM takes the type before it), W2, W3 (remembering AL)
        if kind == "NSM":
            kind = types[index] = previous
        if kind in STRONG:
            strong = kind
        if kind == "EN" and strong == "AL":
            types[index] = "AN"
        previous = kind
    types[:] = ["R" if kind == "AL" else kind for kind in types]
    for index in range(1, len(types) - 1):  # W4
        before, kind, after = types[index - 1], types[index], types[index + 1]
        if (kind == "ES" and before == after == "EN") or (kind == "CS" and before == after in ("EN", "AN")):
            types[index] = before
    for index, kind in enumerate(types):  # W5: terminators next to European numbers
        if kind == "EN":
            for step in (-1, 1):
                near = index + step
                while 0 <= near < len(types) and types[near] == "ET":
                    types[near] = "EN"
                    near += step
    types[:] = ["ON" if kind in ("ES", "ET", "CS") else kind for kind in types]  # W6
    strong = start
    for index, kind in enumerate(types):  # W7
        if kind in ("L", "R"):
            strong = kind
        elif kind == "EN" and strong == "L":
            types[index] = "L"
    return types


def _as_strong(kind: str) -> str:
    """How a resolved type counts for the neutrals beside it (N1: numbers count as R)."""
    return "R" if kind in ("R", "EN", "AN") else kind


def levels(text: str, base: int = 0, forced: Sequence[int | None] | None = None) -> list[int]:
    """The embedding level of each character of ``text`` in a paragraph of level ``base`` (0: left to right, 1: right
    to left); ``forced`` gives a level for characters whose direction is overridden (None: resolved)."""
    edge = "R" if base % 2 else "L"
    types = _weak([unicodedata.bidirectional(c) or "L" for c in text], edge)
    index = 0
    while index < len(types):  # N1, N2: a run of neutrals takes the direction around it, else the paragraph's
        if types[index] not in NEUTRAL:
            index += 1
            continue
        end = index
        while end < len(types) and types[end] in NEUTRAL:
            end += 1
        before = _as_strong(types[index - 1]) if index > 0 else edge
        after = _as_strong(types[end]) if end < len(types) else edge
        types[index:end] = [before if before == after else edge] * (end - index)
        index = end
    if base % 2 == 0:  # I1
        resolved = [base + {"R": 1, "AN": 2, "EN": 2}.get(kind, 0) for kind in types]
    else:  # I2
        resolved = [base + (1 if kind in ("L", "EN", "AN") else 0) for kind in types]
    end = len(text)
    while end > 0 and unicodedata.bidirectional(text[end - 1]) in ("WS", "S", "B", "BN"):  # L1: trailing blanks
        end -= 1
    resolved[end:] = [base] * (len(text) - end)
    return [level if force is None else force for level, force in zip(resolved, forced or [None] * len(text))]


def visual_order(items: Sequence[Item], item_levels: Sequence[int]) -> list[Item]:
    """The items (characters or runs of one level each) in the order they are seen, left to right (L2: from the
    highest level down to the lowest odd one, every stretch at that level or above is reversed)."""
    order = list(range(len(items)))
    if not items:
        return []
    lowest_odd = min(level for level in item_levels) | 1
    for level in range(max(item_levels), lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if item_levels[order[index]] < level:
                index += 1
                continue
            end = index
            while end < len(order) and item_levels[order[end]] >= level:
                end += 1
            order[index:end] = order[index:end][::-1]
            index = end
    return [items[i] for i in order]
