"""Reading a file people upload in a child process held back like a job (niced, memory-capped, time-limited),
so that a hostile or broken file can end the child, never OctoPrint: vetting an upload, a file-list thumbnail.

Run as ``python -m octoprint_img2print.plugin.upload_reader`` with one JSON message on stdin; the last line on
stdout is the result or the error.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import BadInput, Img2PrintError
from ..filaments.calibration import calibrate_photo
from ..geometry.files import read_mesh
from ..i18n import N_, _
from ..imaging.file_limits import read_bounded
from ..imaging.kinds import is_picture
from ..imaging.load import load_picture
from ..imaging.svg import MAX_SVG_BYTES, load_svg, looks_like_svg
from ..pipeline import is_model_file
from ..rendering.file_thumbnails import file_thumbnail
from .job_request import Limits

TIMEOUT_S = 60.0
TOO_SLOW = N_("{file}: reading it took longer than {seconds:.0f} s; the file is refused.")
UNREADABLE = N_("{file}: reading it needed more memory than img2print allows, or failed; the file is refused.")
def vet(path: Path, name: str, max_megapixels: float) -> None:
    """Refuse broken, hostile or oversized uploads before they reach the file list."""
    if path.stat().st_size == 0:
        raise BadInput("empty_file", _("{file}: the file is empty.").format(file=name), file=name)
    with open(path, "rb") as opened:
        head = opened.read(4096)
    if is_model_file(name):
        read_mesh(path, name)
    elif looks_like_svg(head, name):
        load_svg(read_bounded(path, MAX_SVG_BYTES, name), name, 0.1)
    elif is_picture(name):
        load_picture(path, name, max_megapixels=max_megapixels, needed_size=(64, 64))


def thumbnail(path: Path, name: str) -> str | None:
    """The file-list thumbnail as base64 PNG, or None when the file has none."""
    picture = file_thumbnail(path, name)
    return base64.b64encode(picture).decode() if picture is not None else None


def calibrate(path: Path, name: str, steps: int, layer: float,
              backlit: tuple[str, str] | None = None) -> dict[str, Any]:
    """The fit of a TD card's photo: hiding distance (mm), colour (sRGB) and mean CIEDE2000; the TD (mm) from the
    photo against a light (path and name) when there is one."""
    light = (Path(backlit[0]), backlit[1]) if backlit is not None else None
    return asdict(calibrate_photo(path, name, steps, layer, light))


TASKS = {"vet": vet, "thumbnail": thumbnail, "calibrate": calibrate}


def run_isolated(task: str, path: Path, name: str, limits: Limits, language: str, **arguments: Any) -> Any:
    """What ``task`` answers for the file, computed in a held-back child; its errors raised here."""
    message = {"task": task, "path": str(path), "name": name, "limits": asdict(limits), "arguments": arguments}
    environment = {**os.environ, "LANGUAGE": language}
    try:
        run = subprocess.run([sys.executable, "-m", __name__], input=json.dumps(message), capture_output=True,
                             text=True, timeout=TIMEOUT_S, env=environment)
    except subprocess.TimeoutExpired as expired:
        raise BadInput("file_too_slow", _(TOO_SLOW).format(file=name, seconds=TIMEOUT_S), file=name) from expired
    lines = run.stdout.strip().splitlines()
    said = json.loads(lines[-1]) if lines else {}
    if "error" in said:
        error = said["error"]
        family = BadInput if error["kind"] == BadInput.kind else Img2PrintError
        raise family(error["code"], error["message"], **error["details"])
    if "result" not in said:
        raise BadInput("file_unreadable", _(UNREADABLE).format(file=name), file=name)
    return said["result"]


def main() -> int:
    """Read the message, obey the limits, do the task, and say the result or the error."""
    message = json.loads(sys.stdin.read())
    try:
        Limits(**message["limits"]).apply()
        result = TASKS[message["task"]](Path(message["path"]), message["name"], **message["arguments"])
        print(json.dumps({"result": result}))
        return 0
    except Img2PrintError as error:
        print(json.dumps({"error": error.as_dict()}))
        return 1
    except MemoryError:
        print(json.dumps({"error": BadInput("out_of_memory", _(UNREADABLE).format(file=message["name"]),
                                            file=message["name"]).as_dict()}))
        return 1


if __name__ == "__main__":
    sys.exit(main())
