"""How much memory a solid may take: the job's own limit (the plugin's memory cap, an address-space limit), or 2 GB
for the command line; and how many triangles of a heightfield's surface, of a model read from a file, and of a model
handed to a slicer (a process of its own under the same limit) that allows."""

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
# reading, checking, placing and writing a model from a file, per triangle: the check of two spheres of 2.6 million
# triangles peaks at 1.42 GB, a 2-million-triangle slice's own process at about 1.4 GB
MODEL_BYTES_PER_TRIANGLE = 520
# the thorough check of a model running beside its placing, its writing for the slicer and its preview picture, per
# triangle: a 2-million-triangle slice's own process peaks at 1.27 GB that way
BESIDE_BYTES_PER_TRIANGLE = 650
# manifold3d's share of a boolean (a stand, a frame, a cut) on a solid, per triangle: a 2-million-triangle plate
# united with a foot block took 1.64 GB of address space more than the plate (it crashes when that runs out)
BOOLEAN_BYTES_PER_TRIANGLE = 850
# a slicer's peak: PrusaSlicer 235 MB, CuraEngine 297 MB for a model of 650,000 triangles
SLICER_BASE_BYTES = 100 * 1024**2
SLICER_BYTES_PER_TRIANGLE = 450


def memory_used() -> int:
    """The bytes this process holds now, as its budget counts them: its address space under an address-space limit
    (what the limit counts), else what it keeps in memory (threads reserve far more address space than they use)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    field = "VmRSS:" if soft == resource.RLIM_INFINITY else "VmSize:"
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def memory_budget() -> int:
    """The bytes a job may take: its address-space limit, else the command line's default."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return DEFAULT_BUDGET_BYTES if soft == resource.RLIM_INFINITY else int(soft)


def triangle_budget(bytes_per_triangle: int) -> int:
    """How many triangles a heightfield's surface may have within the memory budget."""
    return max(MIN_TRIANGLES, (memory_budget() - BASE_BYTES) // bytes_per_triangle)


def slicer_bytes(triangles: int) -> int:
    """About how much memory a slicer takes for a model of ``triangles``."""
    return SLICER_BASE_BYTES + SLICER_BYTES_PER_TRIANGLE * triangles


def gigabytes(count: int) -> str:
    """A number of bytes as gigabytes for a message (two digits)."""
    return f"{count / 1024**3:.2g} GB"


def require_room_for_booleans(triangles: int) -> None:
    """Refuse, with the numbers, a boolean on a solid of ``triangles`` that the memory left to the job cannot hold
    (manifold3d stops the whole process when memory runs out, instead of raising an error)."""
    from ..errors import BadInput
    from ..i18n import _

    need, budget = BOOLEAN_BYTES_PER_TRIANGLE * triangles, memory_budget()
    left = budget - memory_used()
    if need > left:
        raise BadInput("too_large_for_memory",
                       _("The solid has {count} triangles; shaping it (stand, frame or cut) needs about {need} more "
                         "memory than the {left} left of the {memory} this job may use. Make it smaller, use a "
                         "coarser --pitch or leave out --full-grid, or give the job more memory (the plugin's "
                         "memory limit; on the command line, ulimit -v).")
                       .format(count=triangles, need=gigabytes(need), left=gigabytes(max(left, 0)),
                               memory=gigabytes(budget)), triangles=triangles, need_bytes=need, budget_bytes=budget)
