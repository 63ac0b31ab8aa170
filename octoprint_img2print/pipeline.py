"""The one place that knows the order of the stages: picture -> mode -> solid -> checks -> file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadInput, Img2PrintError
from .geometry import outline
from .geometry.checks import MeshSummary, summarize
from .geometry.files import model_format, read_mesh, write_atomically, write_mesh
from .geometry.mesh import Mesh
from .i18n import _
from .imaging.load import DEFAULT_MAX_MEGAPIXELS, load_picture
from .modes import ARTWORK, MODES, nozzle
from .modes.options import ModeOptions
from .modes.vector import VectorOptions, load_artwork
from .report import Report

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
    report: Report
    output: Path | None = None
    file_bytes: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        data = {"mode": self.mode, **self.summary.as_dict()}
        data["findings"] = self.report.as_list() + data["findings"]
        if self.output is not None:
            data.update(output=str(self.output), file_bytes=self.file_bytes)
        return data


def mode_options(mode: str, values: dict[str, Any] | ModeOptions) -> ModeOptions:
    """Validated options of ``mode`` from plain values (or options already made)."""
    if mode not in MODES:
        raise BadInput("unknown_mode", _("Unknown mode '{mode}'; choose one of: {choices}.")
                       .format(mode=mode, choices=", ".join(MODES)), mode=mode)
    options = values if isinstance(values, ModeOptions) else MODES[mode].options.from_dict(values)
    options.validate()
    return options


def build_solid(source: bytes | Path, *, name: str | None = None, mode: str = "lithophane",
                options: dict[str, Any] | ModeOptions | None = None,
                max_megapixels: float = DEFAULT_MAX_MEGAPIXELS, progress: Progress = _silent) -> ConvertResult:
    """Turn an image into a checked solid; refuse to hand on anything that is not a closed solid."""
    chosen = mode_options(mode, options or {})
    progress(STAGE_LOADING)
    if MODES[mode].reads == ARTWORK:
        loaded = load_artwork(source, name, chosen, max_megapixels)
    else:
        loaded = load_picture(source, name, max_megapixels=max_megapixels, needed_size=chosen.needed_pixels(),
                              keep_values=MODES[mode].needs_values)
    progress(STAGE_BUILDING)
    mesh, report = MODES[mode].module.build(loaded, chosen)
    progress(STAGE_CHECKING)
    summary = summarize(mesh)
    if not summary.closed:
        raise Img2PrintError("internal_mesh_error",
                             _("img2print built a solid that is not closed ({problems}); please report this "
                               "with the picture.").format(problems=", ".join(summary.report.codes())))
    return ConvertResult(mode, mesh, summary, report)


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


def trace(source: bytes | Path, output: Path, *, name: str | None = None,
          options: dict[str, Any] | VectorOptions | None = None,
          max_megapixels: float = DEFAULT_MAX_MEGAPIXELS) -> dict[str, Any]:
    """Trace a logo (or clean an SVG) into an SVG of filled outlines in millimetres."""
    output = Path(output)
    if output.suffix.lower() != ".svg":
        raise BadInput("unknown_vector_format", _("{file}: the traced outline is written as SVG; use the .svg "
                                                  "extension.").format(file=output.name), file=str(output))
    chosen = options if isinstance(options, VectorOptions) else VectorOptions.from_dict(options or {})
    chosen.validate()
    artwork = load_artwork(source, name, chosen, max_megapixels)
    region, report = nozzle.printable_artwork(artwork, chosen)
    width, height = artwork.size
    document = outline.to_svg(region, width, height)
    size = write_atomically(output, lambda target: target.write_text(document, encoding="utf-8"))
    rings = outline.rings(region)
    return {"output": str(output), "file_bytes": size, "size_mm": [round(width, 4), round(height, 4)],
            "parts": len(region.decompose()), "holes": sum(1 for r in rings if outline.signed_area(r) < 0),
            "area_mm2": round(float(region.area()), 3), "findings": report.as_list()}
