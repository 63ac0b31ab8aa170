"""How much memory a solid may take: the job's own limit (the plugin's memory cap, an address-space limit), or 2 GB
for the command line; and how many triangles of a heightfield's surface that allows."""

from __future__ import annotations

import resource

DEFAULT_BUDGET_BYTES = 2 * 1024**3  # the command line's: room for OctoPrint and a slicer beside it on a 4 GB Pi
BASE_BYTES = 450 * 1024**2  # a job's address space before its solid: Python, numpy and its libraries, the picture
# the peak of building, checking and writing a heightfield solid, per triangle of its surface, measured in address
# space: a 150 mm full-grid lithophane (3 million triangles) needs 1.0 to 1.25 GB; a picture of noise, every grid
# point its own triangle, 2.9 GB for 8 million (the error-bounded surface keeps more per triangle)
FULL_GRID_BYTES_PER_TRIANGLE = 260
ADAPTIVE_BYTES_PER_TRIANGLE = 360
MIN_TRIANGLES = 200_000


def memory_budget() -> int:
    """The bytes a job may take: its address-space limit, else the command line's default."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return DEFAULT_BUDGET_BYTES if soft == resource.RLIM_INFINITY else int(soft)


def triangle_budget(bytes_per_triangle: int) -> int:
    """How many triangles a heightfield's surface may have within the memory budget."""
    return max(MIN_TRIANGLES, (memory_budget() - BASE_BYTES) // bytes_per_triangle)
