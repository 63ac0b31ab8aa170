"""The HTTP API under /api/plugin/img2print (and the upload route under /plugin/img2print/upload).

Every answer is JSON; errors carry a stable ``code`` and a message in the asking user's language.
Permissions: PLUGIN_IMG2PRINT_CONVERT for previews, conversions, checks and the lists; PLUGIN_IMG2PRINT_SLICE
(with OctoPrint's SLICE) for slicing; OctoPrint's PRINT to start printing; FILES_UPLOAD to upload.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import flask
from flask_babel import get_locale
from flask_login import current_user
from octoprint.access.permissions import Permissions

from . import i18n
from .errors import Img2PrintError
from .modes import MODES
from .printers.profile import get_printer, printer_ids
from .slicing.intents import get_intent, intent_ids

if TYPE_CHECKING:
    from .plugin import Img2PrintPlugin

PICTURE_EXTENSIONS = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff", "heic", "heif", "svg")
COMMANDS = {"preview": ["file"], "convert": ["file"], "slice": ["file"], "check": ["file"], "cancel": ["job"]}


def language() -> str:
    """The language of the user asking (OctoPrint's choice), for messages; English outside a request."""
    if not flask.has_request_context():
        return "en"
    try:
        return str(get_locale() or "en")
    except RuntimeError:
        return "en"


def in_user_language(message: str) -> str:
    """A message (from the catalogue) in the asking user's language."""
    return i18n.translations((language(), "en")).gettext(message)


translate = in_user_language  # the extraction keyword for the literal messages written here


def error(status: int, code: str, message: str, **details: Any) -> flask.Response:
    """A JSON error answer."""
    response = flask.jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    return response


def from_exception(failure: Img2PrintError) -> flask.Response:
    """A core error as an HTTP answer: 400 bad input, 409 does not fit, 502 slicer, 409 cancelled."""
    status = {"bad_input": 400, "does_not_fit": 409, "slicer_failed": 502, "cancelled": 409}.get(failure.kind, 500)
    return error(status, failure.code, failure.message, **failure.details)


def require(*permissions) -> flask.Response | None:
    """401 for anonymous users, 403 for users without every permission, None when allowed."""
    user = current_user if flask.has_request_context() else None
    if user is None or user.is_anonymous:
        return error(401, "unauthorized", translate("Log in (or send an API key) to use img2print."))
    if not all(permission.can() for permission in permissions):
        return error(403, "forbidden", translate("Your OctoPrint user may not do this."))
    return None


def job_view(job) -> dict[str, Any]:
    """A job as the API shows it, with its messages in the user's language."""
    data = job.public()
    if data.get("error"):
        data["error"] = {**data["error"], "message": in_user_language(data["error"]["message"])}
    data["note"] = in_user_language(data["note"]) if data["note"] else ""
    return data


def listing(plugin: Img2PrintPlugin) -> flask.Response:
    """GET: printers, intents, modes, slicers and jobs."""
    denied = require(Permissions.PLUGIN_IMG2PRINT_CONVERT)
    if denied:
        return denied
    printers = [get_printer(p).as_dict() for p in printer_ids()]
    intents = [{"id": i, "name": get_intent(i).name} for i in intent_ids()]
    modes = [{"id": name, "reads": mode.reads} for name, mode in MODES.items()]
    job = flask.request.args.get("job")
    if job:
        found = plugin.queue.get(job)
        return job_view(found) if found else error(404, "unknown_job", translate("There is no such job."))
    return flask.jsonify({"printers": printers, "intents": intents, "modes": modes, "slicers": plugin.slicer_status(),
                          "jobs": [job_view(j) for j in plugin.queue.listing()[:20]]})


def _source(plugin: Img2PrintPlugin, data: dict[str, Any]) -> tuple[str, str] | flask.Response:
    """The uploaded file named in a command: its path on disk and its name, or an error answer."""
    path = str(data.get("file", ""))
    if not plugin._file_manager.file_exists("local", path):
        return error(404, "unknown_file", translate("There is no such file in OctoPrint's file list."), file=path)
    return plugin._file_manager.path_on_disk("local", path), path


def command(plugin: Img2PrintPlugin, name: str, data: dict[str, Any]) -> flask.Response:
    """POST commands: preview, convert, slice, check (queued as jobs) and cancel."""
    needed = {"slice": (Permissions.PLUGIN_IMG2PRINT_SLICE, Permissions.SLICE),
              "convert": (Permissions.PLUGIN_IMG2PRINT_CONVERT, Permissions.FILES_UPLOAD)}.get(
                  name, (Permissions.PLUGIN_IMG2PRINT_CONVERT,))
    if name == "slice" and data.get("print"):
        needed = (*needed, Permissions.PRINT)
    denied = require(*needed)
    if denied:
        return denied
    if name == "cancel":
        if plugin.queue.cancel(str(data["job"])):
            return flask.jsonify({"cancelled": True})
        job = plugin.queue.get(str(data["job"]))
        if job is None:
            return error(404, "unknown_job", translate("There is no such job."))
        return error(409, "job_finished", translate("The job has finished already."), status=job.status)
    found = _source(plugin, data)
    if isinstance(found, flask.Response):
        return found
    disk_path, path = found
    try:
        job = plugin.submit(name, disk_path, path, data, language())
    except Img2PrintError as failure:
        return from_exception(failure)
    response = flask.jsonify(job_view(job))
    response.status_code = 202
    return response


def is_picture(name: str) -> bool:
    """True for the picture and drawing types img2print converts."""
    return Path(name).suffix.lower().lstrip(".") in PICTURE_EXTENSIONS
