"""One heavy job in its own process: lowered CPU priority, a memory cap, progress as JSON lines.

The job queue forks each job from a warm process that has img2print imported already (``warm``); the lines
travel back through a pipe. The message holds the job's request, its limits and where to write its file. A
crash or a blown memory cap here ends this process only, never OctoPrint. The last line is the result or the
error.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import i18n, pipeline, stages
from ..building.artwork import ArtworkOptions
from ..errors import Img2PrintError
from ..generating import tripo
from ..geometry.checks import repairable, verdict
from ..i18n import N_, _
from ..modes import registry
from ..options import in_page_words
from ..printers.profile import PrinterProfile, from_octoprint, get_printer
from ..processes import end_with_parent_or_now
from ..report import grouped
from ..slicing.plan import SliceOverrides
from .job_request import CHECK, CONVERT, GENERATE, PREVIEW, REPAIR, SLICE, JobRequest, Limits

FALLBACK_PRINTER = "generic"
INTERNAL_ERROR = "internal_error"  # a fault of img2print itself on a file (the batch's code for it too)
FAILED_ON = N_("{file}: img2print failed on it ({reason}); please report this with the picture.")
OUT_OF_MEMORY = N_("The job needed more memory than the limit set in img2print's settings.")
MAX_REASON_CHARS = 200
# the shipped printers whose names are words rather than a maker's model name, so that the catalogue has them (a
# test keeps them in step with profiles/printers/); the pages show them translated
SHIPPED_PRINTER_NAMES = (N_("Generic 200 mm printer"), N_("Generic delta, 180 mm round bed"))
# where each stage starts and ends in a job's progress, 0 to 1, by action (slicing fills its span as it goes)
STAGE_SPANS = {
    CONVERT: {stages.LOADING: (0.0, 0.1), stages.BUILDING: (0.1, 0.8),
              stages.CHECKING: (0.8, 0.9), stages.WRITING: (0.9, 1.0)},
    SLICE: {stages.LOADING: (0.0, 0.03), stages.BUILDING: (0.03, 0.2),
            stages.CHECKING: (0.2, 0.25), stages.SLICING: (0.25, 0.95),
            stages.INSPECTING: (0.95, 1.0)},
    PREVIEW: {stages.LOADING: (0.0, 0.1), stages.BUILDING: (0.1, 0.8),
              stages.CHECKING: (0.8, 1.0)},
    REPAIR: {stages.LOADING: (0.0, 0.1), stages.REPAIRING: (0.1, 0.9),
             stages.WRITING: (0.9, 1.0)},
    GENERATE: {stages.LOADING: (0.0, 0.02), stages.GENERATING: (0.02, 0.85),
               stages.REPAIRING: (0.85, 0.95), stages.CHECKING: (0.95, 0.98),
               stages.WRITING: (0.98, 1.0)},
}


_send: Callable[[str], None] = print  # where the lines go: the warm child's pipe


def _say(kind: str, **data: Any) -> None:
    _send(json.dumps({"type": kind, **data}))


def _printer(request: JobRequest) -> PrinterProfile:
    if request.printer_profile:
        return from_octoprint(request.printer_profile)
    return get_printer(request.printer or FALLBACK_PRINTER)


class Progress:
    """A job's stages as one rising fraction, 0 to 1."""

    def __init__(self, action: str) -> None:
        self.spans = STAGE_SPANS.get(action, {})

    def stage(self, key: str) -> None:
        """A stage begins."""
        self.within(key, 0.0)

    def within(self, key: str, fraction: float) -> None:
        """``fraction`` of a stage is done."""
        start, end = self.spans.get(key, (0.0, 0.0))
        _say("progress", stage=key, fraction=round(start + (end - start) * min(1.0, fraction), 4))


def run(request: JobRequest, output: Path | None, view: Path | None = None) -> dict[str, Any]:
    """Do what the request asks: preview (its 3D view written to ``view``), convert, slice, check, repair or
    generate (the person confirmed the cost on the page before the job was queued)."""
    source: Path | bytes = Path(request.source) if request.source else b""  # nothing: words alone
    progress = Progress(request.action)
    if request.action == CHECK:
        summary = pipeline.check(source, request.name)
        return {**summary.as_dict(), "verdict": verdict(summary), "repairable": repairable(summary)}
    if request.action == GENERATE:
        made = pipeline.generate(source, output, height_mm=float(request.recipe.options["height"]),
                                 access=tripo.TripoAccess.from_environment(), confirm=lambda _price: True,
                                 name=request.name, max_megapixels=request.recipe.max_megapixels,
                                 progress=progress.stage,
                                 generating_progress=lambda f: progress.within(stages.GENERATING, f))
        return {**made.as_dict(), "findings": made.repair.done.as_list()}
    if request.action == REPAIR:
        repaired = pipeline.repair(source, output, name=request.name, progress=progress.stage)
        return {**repaired.as_dict(), "size_mm": repaired.after.size_mm, "triangles": repaired.after.triangles,
                "findings": repaired.done.as_list()}
    if request.action == PREVIEW:
        return pipeline.preview(source, _printer(request), request.recipe, name=request.name, progress=progress.stage,
                                view=view, pictures=request.pictures)
    if request.action == CONVERT:
        return pipeline.convert(source, output, request.recipe, name=request.name,
                                progress=progress.stage).as_dict()
    if request.action == SLICE:
        return pipeline.slice_job(source, output, request.recipe, printer=_printer(request), name=request.name,
                                  progress=progress.stage,
                                  slicing_progress=lambda f: progress.within(stages.SLICING, f)).as_dict()
    raise ValueError(f"unknown action {request.action!r}")


def _option_types(request: JobRequest) -> list[type]:
    """The options a job's messages may name: its mode's (or every mode's), tracing's and slicing's."""
    mode = request.recipe.mode
    chosen = [registry()[mode]] if mode in registry() else list(registry().values())
    return [*(mode.options for mode in chosen), ArtworkOptions, SliceOverrides]


def printer_name(name: str, translate: Callable[[str], str]) -> str:
    """A printer's name as a page shows it: a shipped generic printer's in the reader's language, others as
    written."""
    return str(translate(name)) if name in SHIPPED_PRINTER_NAMES else name


def for_pages(result: dict[str, Any], request: JobRequest) -> dict[str, Any]:
    """A result as pages show it: findings worded with the options' labels, and grouped with their fixes; the 3D
    view's printer named in the job's language."""
    findings = result.get("findings")
    if findings is not None:
        for finding in findings:
            finding["message"] = in_page_words(finding["message"], _option_types(request), _)
        result["groups"] = grouped(findings, _)
    printer = (result.get("view") or {}).get("printer")
    if isinstance(printer, dict) and isinstance(printer.get("name"), str):
        printer["name"] = printer_name(printer["name"], _)
    return result


def warm(connection: Any, message: dict[str, Any], environment: dict[str, str], log_path: str) -> None:
    """Run one job in a child forked from the warm process: its environment (language, temporary folder, a
    service's key), its log as stderr, its lines through ``connection``; it ends when the queue's process ends."""
    global _send
    end_with_parent_or_now()
    os.environ.update(environment)
    tempfile.tempdir = None  # the warm process may have settled on its own temporary folder already
    i18n.translations.cache_clear()
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 2)
    _send = connection.send
    code = serve(message)
    connection.close()
    os._exit(code)


def shortened(text: str) -> str:
    """A text as one line of at most MAX_REASON_CHARS characters."""
    line = " ".join(text.split())
    return line if len(line) <= MAX_REASON_CHARS else line[:MAX_REASON_CHARS - 1] + "…"


def one_line(error: BaseException) -> str:
    """An unexpected error as one short line: its type and what it says ("ImportError: No module named 'x'")."""
    said = str(error).strip()
    return shortened(f"{type(error).__name__}: {said}" if said else type(error).__name__)


def failed_on(name: str, reason: str) -> Img2PrintError:
    """The error for a fault of img2print itself on a file (not the file's, not a limit's), with its reason."""
    return Img2PrintError(INTERNAL_ERROR, _(FAILED_ON).format(file=name, reason=reason), file=name, reason=reason)


def out_of_memory(error: BaseException) -> bool:
    """True for an error the memory cap caused: Python's MemoryError, or the system refusing memory (ENOMEM, as when
    a slicer cannot be started under the cap)."""
    return isinstance(error, MemoryError) or (isinstance(error, OSError) and error.errno == errno.ENOMEM)


def serve(message: dict[str, Any]) -> int:
    """Obey the limits, run, and report: the result, img2print's error, the memory cap's, or (any other fault, an
    ImportError, a bug) that img2print failed on the file, with the reason in one line."""
    limits = Limits(**message["limits"])
    request = JobRequest.from_dict(message["request"])
    try:
        limits.apply()
        output = Path(message["output"]) if message.get("output") else None
        view = Path(message["view"]) if message.get("view") else None
        result = for_pages(run(request, output, view), request)
        address_space = resource.getrlimit(resource.RLIMIT_AS)[0]
        result["worker"] = {"nice": os.nice(0), "memory_limit_mb": address_space // 2**20
                            if address_space > 0 else None}
        _say("result", result=result)
        return 0
    except Img2PrintError as error:
        error.message = in_page_words(error.message, _option_types(request), _)
        _say("error", error=error.as_dict())
        return 1
    except Exception as error:  # every fault of a job is said, never a crash of its worker
        if out_of_memory(error):
            _say("error", error=Img2PrintError("out_of_memory", _(OUT_OF_MEMORY)).as_dict())
            return 1
        traceback.print_exc()  # into the job's log, for the report
        _say("error", error=failed_on(request.name, one_line(error)).as_dict())
        return 1

