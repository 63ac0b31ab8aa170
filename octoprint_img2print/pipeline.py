"""The one place that knows the order of the stages: picture -> mode -> solid -> checks -> file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadInput, Img2PrintError
from .geometry.checks import MeshSummary, summarize
from .geometry.files import model_format, read_mesh, write_mesh
from .geometry.mesh import Mesh
from .i18n import _
from .imaging.load import DEFAULT_MAX_MEGAPIXELS, load_picture
from .modes import MODES
from .modes.surface import SurfaceOptions

Progress = Callable[[str], None]

STAGE_LOADING = "loading"
STAGE_BUILDING = "building"
STAGE_CHECKING = "checking"
STAGE_WRITING = "writing"


def _silent(_stage: str) -> None:
    """Progress sink that shows nothing."""


@dataclass
class ConvertResult:
    """A converted solid, what the checks found, and where it was written."""

    mode: str
    mesh: Mesh
    summary: MeshSummary
    output: Path | None = None
    file_bytes: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        data = {"mode": self.mode, **self.summary.as_dict()}
        if self.output is not None:
            data.update(output=str(self.output), file_bytes=self.file_bytes)
        return data


def mode_options(mode: str, values: dict[str, Any] | SurfaceOptions) -> SurfaceOptions:
    """Validated options of ``mode`` from plain values (or options already made)."""
    if mode not in MODES:
        raise BadInput("unknown_mode", _("Unknown mode '{mode}'; choose one of: {choices}.")
                       .format(mode=mode, choices=", ".join(MODES)), mode=mode)
    options = values if isinstance(values, SurfaceOptions) else MODES[mode].options.from_dict(values)
    options.validate()
    return options


def build_solid(source: bytes | Path, *, name: str | None = None, mode: str = "lithophane",
                options: dict[str, Any] | SurfaceOptions | None = None,
                max_megapixels: float = DEFAULT_MAX_MEGAPIXELS, progress: Progress = _silent) -> ConvertResult:
    """Turn an image into a checked solid; refuse to hand on anything that is not a closed solid."""
    chosen = mode_options(mode, options or {})
    progress(STAGE_LOADING)
    picture = load_picture(source, name, max_megapixels=max_megapixels, needed_size=chosen.needed_pixels(),
                           keep_values=MODES[mode].needs_values)
    progress(STAGE_BUILDING)
    mesh = MODES[mode].module.build(picture, chosen)
    progress(STAGE_CHECKING)
    summary = summarize(mesh)
    if not summary.closed:
        raise Img2PrintError("internal_mesh_error",
                             _("img2print built a solid that is not closed ({problems}); please report this "
                               "with the picture.").format(problems=", ".join(summary.report.codes())))
    return ConvertResult(mode, mesh, summary)


def convert(source: bytes | Path, output: Path, *, ascii: bool = False, progress: Progress = _silent,
            **kwargs: Any) -> ConvertResult:
    """Turn an image into a checked solid and write it to ``output`` (format from its extension)."""
    output = Path(output)
    model_format(output)
    result = build_solid(source, progress=progress, **kwargs)
    progress(STAGE_WRITING)
    result.file_bytes = write_mesh(result.mesh, output, ascii=ascii)
    result.output = output
    return result


def check(path: Path) -> MeshSummary:
    """Read any STL or 3MF file and report whether it is a printable solid."""
    return summarize(read_mesh(Path(path)))
