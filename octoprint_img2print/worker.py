"""One heavy job in its own process: lowered CPU priority, a memory cap, progress as JSON lines on stdout.

Run as ``python -m octoprint_img2print.worker`` with one JSON request on stdin. A crash or a blown memory
cap here ends this process only, never OctoPrint. The last line on stdout is the result or the error.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

from . import pipeline
from .errors import Img2PrintError
from .i18n import _
from .preview import backlit_picture, solid_picture
from .printers.profile import from_octoprint, get_printer

PREVIEW_PITCH_MM = 0.3
PREVIEW_TOLERANCE_MM = 0.1


def _say(kind: str, **data: Any) -> None:
    sys.stdout.write(json.dumps({"type": kind, **data}) + "\n")
    sys.stdout.flush()


def limit(nice: int, memory_mb: int) -> None:
    """Lower this process's priority and cap its address space."""
    if nice:
        os.nice(nice)
    if memory_mb:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _printer(request: dict[str, Any]):
    if request.get("printer_profile"):
        return from_octoprint(request["printer_profile"])
    return get_printer(request.get("printer") or "generic")


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Do what the request asks: preview, convert, slice or check."""
    action, source = request["action"], Path(request["source"])
    name, mode, options = request.get("name") or source.name, request.get("mode"), request.get("options") or {}
    max_megapixels = float(request.get("max_megapixels", 64))

    def stage(key: str) -> None:
        _say("progress", stage=key, fraction=None)

    if action == "check":
        return pipeline.check(source).as_dict()
    if action == "preview":
        mode = mode or pipeline.default_mode(name, source)
        coarse = {**options, "pitch": max(PREVIEW_PITCH_MM, float(options.get("pitch") or 0))} \
            if mode in ("lithophane", "relief", "topo") else \
            {**options, "tolerance": max(PREVIEW_TOLERANCE_MM, float(options.get("tolerance") or 0))}
        built = pipeline.build_solid(source, name=name, mode=mode, options=coarse, max_megapixels=max_megapixels,
                                     progress=stage)
        answer = {**built.as_dict(), "preview": solid_picture(built.mesh)}
        answer["findings"] = answer["findings"] + pipeline.assess_for_printer(
            built, _printer(request), request.get("intent")).as_list()
        if built.mode == "lithophane" and built.options.shape == "flat" and not built.options.stand:
            answer["backlit"] = backlit_picture(built.mesh, built.options.transmittance)
        return answer
    output = Path(request["output"])
    if action == "convert":
        return pipeline.convert(source, output, name=name, mode=mode or pipeline.default_mode(name, source),
                                options=options,
                                max_megapixels=max_megapixels, progress=stage).as_dict()
    if action == "slice":
        result = pipeline.slice_job(
            source, output, printer=_printer(request), slicer=request.get("slicer", "prusaslicer"),
            intent=request.get("intent"), name=name, mode=mode, options=options,
            overrides=request.get("overrides"), orientation=request.get("orientation"),
            scale_to_fit=bool(request.get("scale_to_fit")), max_megapixels=max_megapixels,
            slicer_paths=request.get("slicer_paths"), timeout_s=float(request.get("timeout_s", 3600)),
            progress=stage, slicing_progress=lambda f: _say("progress", stage=pipeline.STAGE_SLICING, fraction=f))
        return result.as_dict()
    raise ValueError(f"unknown action {action!r}")


def main() -> int:
    """Read the request, obey the limits, run, and report."""
    request = json.loads(sys.stdin.read())
    try:
        limit(int(request.get("nice", 10)), int(request.get("memory_mb", 0)))
        result = run(request)
        result["worker"] = {"nice": os.nice(0), "memory_limit_mb": resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20
                            if resource.getrlimit(resource.RLIMIT_AS)[0] > 0 else None}
        _say("result", result=result)
        return 0
    except Img2PrintError as error:
        _say("error", error=error.as_dict())
        return 1
    except MemoryError:
        _say("error", error={"code": "out_of_memory", "kind": "bad_input", "details": {},
                             "message": _("The job needed more memory than the limit set in img2print's settings.")})
        return 1


if __name__ == "__main__":
    sys.exit(main())
