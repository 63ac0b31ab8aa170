"""Every HTTP route of img2print: the API under /api/plugin/img2print, and the upload, phone page, thumbnail and
3D view routes under /plugin/img2print. OctoPrint's services are handed in; every route states its permissions.

Every answer is JSON (the phone page, thumbnails and 3D views aside); errors carry a stable ``code`` and a message
in the asking user's language. What each action needs is ``NEEDS`` (served in the listing as ``permissions``);
each route names its own with ``requires``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import flask
import werkzeug.exceptions
from flask_babel import get_locale
from flask_login import current_user
from octoprint.access.permissions import Permissions
from octoprint.filemanager.util import DiskFileWrapper

from .. import __plugin_version__, i18n, stages
from ..building.lettering import words_name
from ..errors import Img2PrintError, described_kinds
from ..filaments.calibration import CALIBRATED_FILE, Fit, calibrated, said, save
from ..filaments.library import DEFAULT_FILAMENT, Library
from ..generating import tripo
from ..geometry.files import READ_MODEL_EXTENSIONS
from ..i18n import N_
from ..imaging.kinds import DRAWING_EXTENSIONS, PICTURE_EXTENSIONS, RASTER_EXTENSIONS, accepted, is_picture
from ..modes import COLOUR, DRAWING, NOTHING, describe_modes, mode_for
from ..modes import registry as modes
from ..modes.td_card import CardOptions
from ..options import bad_parameter, describe
from ..pipeline import check_printer_gcode, is_model_file
from ..print_rules import BED_CLEAR_UNCONFIRMED, HOLDS, BedConfirmation, PrintGo, confirmed, hold, print_began
from ..printers.matching import suggested_printer
from ..printers.profile import OWN_GCODE, from_octoprint, get_printer, printer_ids
from ..slicing.gcode import GCODE_EXTENSIONS
from ..slicing.intents import ORIENTATION_CHOICES, get_intent, intent_ids, intents_for
from ..slicing.plan import SliceOverrides
from .job_request import CHECK, CONVERT, GENERATE, PREVIEW, REPAIR, SLICE, JobDefaults, Limits, build_request
from .jobs import Job, JobQueue
from .upload_reader import run_isolated
from .worker import printer_name

PRINT = "print"
QUOTE = "quote"
BED_CLEAR = "bed_clear"
PRINTER_GCODE = "printer_gcode"
MAX_GCODE_CHARS = 20000
USE_BED_CONFIRMATION = "use_bed_confirmation"  # a print command's field: start on the host's stored confirmation
COMMANDS = {PREVIEW: ["file"], CONVERT: ["file"], SLICE: ["file"], CHECK: ["file"], REPAIR: ["file"],
            GENERATE: ["file", "height"], QUOTE: [], PRINT: ["file"], BED_CLEAR: [], PRINTER_GCODE: [],
            "cancel": ["job"]}
UPLOAD_ACTIONS = (PREVIEW, CONVERT, SLICE, PRINT, GENERATE)
PHONE_PATH = "/plugin/img2print/phone"
# the phone page's template, under the prefix OctoPrint gives a plugin's templates (plugin_<identifier>/)
PHONE_TEMPLATE = "plugin_img2print/img2print_phone.jinja2"
MAX_ADDRESS_CHARS = 500
BACKLIT_FIELD = "backlit"  # the calibration's second photo: the card held against a light
OWN_FILAMENTS = "filaments"  # the data folder's folder of one's own filament library files
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
RECENT_JOBS = 20
CONVERT_NEEDS = ("PLUGIN_IMG2PRINT_CONVERT",)
# what each action needs beyond logging in, by OctoPrint's permission names ("print" as an upload's action is
# slice and print; the command "print" prints a G-code of the file list)
PRINT_FILE_NEEDS = ("PRINT",)
MANAGE_NEEDS = ("PLUGIN_IMG2PRINT_MANAGE",)
NEEDS = {PREVIEW: CONVERT_NEEDS, CHECK: CONVERT_NEEDS, QUOTE: CONVERT_NEEDS, "cancel": CONVERT_NEEDS,
         GENERATE: ("PLUGIN_IMG2PRINT_CONVERT", "FILES_UPLOAD"),
         CONVERT: ("PLUGIN_IMG2PRINT_CONVERT", "FILES_UPLOAD"), REPAIR: ("PLUGIN_IMG2PRINT_CONVERT", "FILES_UPLOAD"),
         SLICE: ("PLUGIN_IMG2PRINT_SLICE", "SLICE"),
         PRINT: ("PLUGIN_IMG2PRINT_SLICE", "SLICE", "PRINT"),  # an upload or a slice that starts the print
         "print_file": PRINT_FILE_NEEDS, BED_CLEAR: PRINT_FILE_NEEDS, PRINTER_GCODE: MANAGE_NEEDS,
         "upload": ("FILES_UPLOAD",), "select": ("FILES_SELECT",), "thumbnail": ("FILES_LIST",)}


def language() -> str:
    """The language of the user asking (OctoPrint's choice), for messages; English outside a request."""
    if not flask.has_request_context():
        return "en"
    try:
        return str(get_locale() or "en")
    except RuntimeError:
        return "en"


def in_user_language(message: str) -> i18n.Message:
    """A message (from the catalogue) in the asking user's language; its numbers are formatted in that language."""
    return i18n.in_language(i18n.translations((language(), "en")), message)


translate = in_user_language  # the extraction keyword for the literal messages written here


def error(status: int, code: str, message: str, /, **details: Any) -> flask.Response:
    """A JSON error answer."""
    response = flask.jsonify({"error": {"code": code, "message": message, "details": details}})
    response.status_code = status
    return response


def from_exception(failure: Img2PrintError) -> flask.Response:
    """A core error as an HTTP answer, with the status its kind declares."""
    return error(failure.http_status, failure.code, failure.message, **failure.details)


def refusal(*names: str) -> flask.Response | None:
    """401 for anonymous users, 403 for users without every named permission, None when allowed."""
    user = current_user if flask.has_request_context() else None
    if user is None or user.is_anonymous:
        return error(401, "unauthorized", translate("Log in (or send an API key) to use img2print."))
    if not all(getattr(Permissions, name).can() for name in names):
        return error(403, "forbidden", translate("Your OctoPrint user may not do this."))
    return None


def requires(needed: tuple[str, ...] | Callable[..., tuple[str, ...]]):
    """A route that answers 401/403 unless the user has the permissions (or those ``needed(*args)`` names)."""
    def decorate(view: Callable[..., flask.Response]) -> Callable[..., flask.Response]:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> flask.Response:
            names = needed(*args, **kwargs) if callable(needed) else needed
            return refusal(*names) or view(*args, **kwargs)
        return checked
    return decorate


def job_view(job: Job) -> dict[str, Any]:
    """A job as the API shows it, with its messages in the user's language."""
    data = job.public()
    if data.get("error"):
        data["error"] = {**data["error"], "message": in_user_language(data["error"]["message"])}
    data["note"] = in_user_language(data["note"]) if data["note"] else ""
    printing = (data.get("result") or {}).get("print")
    if printing and printing.get("code"):
        data["result"] = {**data["result"], "print": {**printing, "message": in_user_language(HOLDS[printing["code"]])}}
    return data


def listed_printer(printer: Any) -> dict[str, Any]:
    """A shipped printer as the listing gives it, its name in the user's language where it is words."""
    data = printer.as_dict()
    return {**data, "name": printer_name(data["name"], in_user_language)}


def held(code: str, status: int = 409) -> flask.Response:
    """The answer for a print that must not start, saying why."""
    return error(status, code, in_user_language(HOLDS[code]))


def occupied(printer: Any) -> bool:
    """True while OctoPrint's printer has a print on its bed: printing, pausing, paused or cancelling."""
    return printer.is_printing() or printer.is_pausing() or printer.is_paused() or printer.is_cancelling()


PRINTER_SAYS = {
    "printing": N_("The printer is printing {file}, done to {percent} %."),
    "paused": N_("The printer is paused in the middle of {file}."),
    "cancelling": N_("The printer is cancelling {file}."),
    "ready": N_("The printer is ready."),
    "busy": N_("The printer is not ready."),
    "offline": N_("The printer is not connected."),
}


def printer_state(printer: Any) -> dict[str, Any]:
    """OctoPrint's printer as a page tells it: printing (which file, how far), paused, cancelling, ready, busy
    otherwise, or offline; ``occupied`` while a print is on its bed (no print may be started then), and what to say,
    in the user's language."""
    job = ((printer.get_current_job() or {}).get("file") or {}) if occupied(printer) else {}
    name = str(job.get("display") or job.get("name") or "")
    completion = ((printer.get_current_data() or {}).get("progress") or {}).get("completion")
    if printer.is_cancelling():
        state = "cancelling"
    elif printer.is_paused() or printer.is_pausing():
        state = "paused"
    elif printer.is_printing():
        state = "printing"
    elif printer.is_ready():
        state = "ready"
    else:
        state = "busy" if printer.is_operational() else "offline"
    percent = round(float(completion)) if isinstance(completion, (int, float)) else 0
    return {"state": state, "occupied": occupied(printer), "file": name or None,
            "percent": percent if state == "printing" else None,
            "message": in_user_language(PRINTER_SAYS[state]).format(file=name or "-", percent=percent)}


def _number(value: Any, name: str) -> float:
    """A number from JSON or a form, or a bad_parameter error naming the field."""
    try:
        return float(value)
    except (TypeError, ValueError) as failure:
        raise bad_parameter(name, translate("must be a number.")) from failure


def asks_to_print(action: str, data: dict[str, Any]) -> bool:
    """True when a request wants the print started."""
    return action == PRINT or bool(data.get("print"))


@dataclass
class Services:
    """What the routes use: OctoPrint's file manager and printer profiles, the job queue, the plugin's data
    folder, and the plugin's settings as the values a job and the listing need."""

    file_manager: Any
    printer: Any
    queue: JobQueue
    data_folder: Path
    job_defaults: Callable[[], JobDefaults]
    default_printer: Callable[[], str]
    slicer_status: Callable[[], list[dict[str, Any]]]
    prints_seen: Callable[[], int]
    limits: Callable[[], Limits]
    tripo_access: Callable[[], tripo.TripoAccess]
    bed: BedConfirmation
    octoprint_printer: Callable[[], dict[str, Any]]  # OctoPrint's current printer profile with its own G-code
    set_printer_gcode: Callable[[str, dict[str, str]], None]  # keep the start and end G-code of a printer profile
    loaded: Callable[[], dict[str, str]]  # what is loaded in the printer: material, colour


def _made_without_file(action: str, data: dict[str, Any]) -> str | None:
    """For a preview, convert or slice of what needs no file, the name it is made under: words alone (the text
    option given: named after them) or a mode that reads nothing (named after the mode); else None."""
    options, mode = data.get("options"), data.get("mode")
    if action not in (PREVIEW, CONVERT, SLICE):
        return None
    if isinstance(options, dict) and str(options.get("text") or "").strip():
        return words_name(str(options["text"]))
    if isinstance(mode, str) and mode in modes() and modes()[mode].reads == NOTHING:
        return mode
    return None


def _selecting(data: Any) -> tuple[str, ...]:
    """Selecting the result (without printing it) needs OctoPrint's own permission to select files."""
    return NEEDS["select"] if confirmed(data.get("select")) and not confirmed(data.get("print")) else ()


def _command_needs(_api: HttpApi, name: str, data: dict[str, Any]) -> tuple[str, ...]:
    if name == PRINT:
        return NEEDS["print_file"]
    if name in (BED_CLEAR, PRINTER_GCODE):
        return NEEDS[name]
    return (*NEEDS[PRINT if name == SLICE and data.get("print") else name], *_selecting(data))


def _kept_for_an_hour(data: bytes, content_type: str) -> flask.Response:
    """A file's bytes (a thumbnail, a 3D view) that the browser may keep for an hour."""
    response = flask.make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def file_kinds() -> dict[str, tuple[str, ...]]:
    """The extensions (without their dot) of each kind of file img2print reads or writes."""
    return {"rasters": RASTER_EXTENSIONS, "drawings": DRAWING_EXTENSIONS,
            "models": tuple(extension.lstrip(".") for extension in READ_MODEL_EXTENSIONS),
            "gcode": tuple(extension.lstrip(".") for extension in GCODE_EXTENSIONS)}


def vocabularies() -> dict[str, Any]:
    """What the pages share with the core, declared there once: the stages of a job with what a person reads, the
    files img2print reads, what each action needs of the user, and the error kinds."""
    return {"stages": {stage: in_user_language(label) for stage, label in stages.LABELS.items()},
            "file_kinds": {kind: list(extensions) for kind, extensions in file_kinds().items()},
            "permissions": {action: list(names) for action, names in NEEDS.items()},
            "error_kinds": described_kinds()}


class VettedFile(DiskFileWrapper):
    """An upload img2print has vetted already: OctoPrint's preprocessor hook lets it through as it is."""


class VettingUpload:
    """An upload through OctoPrint's own file upload of a kind img2print reads: vetted in a held-back child as
    OctoPrint saves it; a refused file is removed, and the upload is answered 400 with img2print's reason as the
    error (OctoPrint's upload notification shows it), or, outside a request, OctoPrint's own refusal of a file."""

    def __init__(self, upload: Any, name: str, services: Any) -> None:
        self._upload, self._name, self._services = upload, name, services

    def __getattr__(self, key: str) -> Any:
        return getattr(self._upload, key)

    def save(self, path: str, permissions: int | None = None) -> None:
        """Saved under a hidden name while it is vetted, so a file list read meanwhile never shows it; kept under
        its own name only once it passed."""
        from octoprint.filemanager.storage import StorageError

        final = Path(path)
        vetting = final.with_name(f".{final.name}.img2print-vetting")
        self._upload.save(str(vetting), permissions=permissions)
        try:
            run_isolated("vet", vetting, self._name, self._services.limits(), language(),
                         max_megapixels=self._services.job_defaults().max_megapixels)
        except Img2PrintError as refused:
            vetting.unlink(missing_ok=True)
            if flask.has_request_context():  # OctoPrint's Upload: the answer says why, not "invalid type"
                raise werkzeug.exceptions.BadRequest(description=refused.message) from refused
            raise StorageError(refused.message, code=StorageError.INVALID_FILE, cause=refused) from refused
        vetting.replace(final)


def vetting_upload(services: Any, path: str, file_object: Any) -> VettingUpload | None:
    """OctoPrint's preprocessor hook: pictures, drawings and models that img2print reads are vetted before they are
    kept (img2print's own upload has vetted its file already)."""
    name = Path(path).name
    if isinstance(file_object, VettedFile) or not (is_picture(name) or is_model_file(name)):
        return None
    return VettingUpload(file_object, name, services)


def _upload_needs(_api: HttpApi) -> tuple[str, ...]:
    action = flask.request.values.get("action", CONVERT)
    return (*NEEDS["upload"], *NEEDS.get(action, CONVERT_NEEDS), *_selecting(flask.request.values))


class HttpApi:
    """The routes, over the services handed in."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def register(self, blueprint: flask.Blueprint) -> None:
        """Add the routes under /plugin/img2print."""
        blueprint.add_url_rule("/phone", "phone", self.phone, methods=["GET"])
        blueprint.add_url_rule("/thumbnail", "thumbnail", self.thumbnail, methods=["GET"])
        blueprint.add_url_rule("/view", "view", self.view, methods=["GET"])
        blueprint.add_url_rule("/phone-code.svg", "phone_code", self.phone_code, methods=["GET"])
        blueprint.add_url_rule("/upload", "upload", self.upload, methods=["POST"])
        blueprint.add_url_rule("/calibrate", "calibrate", self.calibrate, methods=["POST"])

    # --- /api/plugin/img2print ------------------------------------------------------------------------------

    @requires(CONVERT_NEEDS)
    def listing(self) -> flask.Response:
        """GET: one job (``?job=ID``), only the bed's confirmation (``?bed``, for print farms), only the printer's
        state (``?printer``, for the phone page), or printers,
        intents, modes with their options (and the intents the pages offer for each; whether it prints in its own
        filaments, a painting's, so that the slicing's filament menu does not apply), slicers, the settings' defaults
        (printer, each mode's width and intent), recent jobs."""
        if "bed" in flask.request.args:
            return flask.jsonify(self._farm_answer())
        if "printer" in flask.request.args:
            return flask.jsonify({"printer": printer_state(self.services.printer)})
        job_id = flask.request.args.get("job")
        if job_id:
            found = self.services.queue.get(job_id)
            return flask.jsonify(job_view(found)) if found else error(404, "unknown_job",
                                                                       translate("There is no such job."))
        return flask.jsonify({
            "printers": [listed_printer(get_printer(p)) for p in printer_ids()],
            "intents": [{"id": i, "name": in_user_language(get_intent(i).name)} for i in intent_ids()],
            "modes": [{**mode, "intents": intents_for(mode["intent"]), "own_filaments": mode["reads"] == COLOUR}
                      for mode in describe_modes(in_user_language)],
            "overrides": self._slicing_options(),
            "orientations": [{"value": c.value, "label": in_user_language(c.label)} for c in ORIENTATION_CHOICES],
            "slicers": self.services.slicer_status(),
            "tripo": {"configured": bool(self.services.tripo_access().api_key),
                      "third_party": in_user_language(tripo.THIRD_PARTY)},
            "bed": self.services.bed.as_dict(),
            "printer_state": printer_state(self.services.printer),
            "octoprint_printer": self._octoprint_printer(),
            "defaults": {"printer": self.services.default_printer(),
                         "modes": self.services.job_defaults().mode_defaults},
            "jobs": [job_view(j) for j in self.services.queue.listing()[:RECENT_JOBS]],
            **vocabularies()})

    def _slicing_options(self) -> list[dict[str, Any]]:
        """The slicing options as the pages show them, the filament starting at the one loaded."""
        described = describe(SliceOverrides, in_user_language)
        loaded = self.services.job_defaults().filament or DEFAULT_FILAMENT
        return [{**option, "default": loaded} if option["name"] == "filament" else option for option in described]

    @requires(_command_needs)
    def command(self, name: str, data: dict[str, Any]) -> flask.Response:
        """POST commands: preview, convert, slice, check, repair, generate (queued as jobs), quote, print and
        cancel."""
        if name == "cancel":
            return self._cancel(str(data["job"]))
        if name == QUOTE:
            return self._quote()
        if name == BED_CLEAR:
            return self._bed_clear()
        if name == PRINTER_GCODE:
            return self._printer_gcode(data)
        if name == GENERATE and not confirmed(data.get("confirm_credits")):
            return error(400, "credits_unconfirmed", translate("Confirm the Tripo credits this spends first."))
        stored = name == PRINT and confirmed(data.get(USE_BED_CONFIRMATION))
        if asks_to_print(name, data) and not stored and not confirmed(data.get("bed_clear")):
            return held(BED_CLEAR_UNCONFIRMED, 400)
        path = str(data.get("file", ""))
        if not (path == "" and _made_without_file(name, data)) and not self._listed(path):
            return error(404, "unknown_file", translate("There is no such file in OctoPrint's file list."), file=path)
        if name == PRINT:
            return self._print(path, stored)
        if name in (CHECK, REPAIR) and not is_model_file(path):
            return error(400, "not_a_model", translate("Only models (STL, 3MF, OBJ, GLB, glTF) can be checked and "
                                                       "repaired."), file=path)
        try:
            job = self.submit(name, path, data)
        except Img2PrintError as failure:
            return from_exception(failure)
        response = flask.jsonify(job_view(job))
        response.status_code = 202
        return response

    def _listed(self, path: str) -> bool:
        """True for a file of OctoPrint's file list; a path that leads out of it (``../config.yaml``) is none."""
        try:
            return bool(self.services.file_manager.file_exists("local", path))
        except ValueError:
            return False

    def _quote(self) -> flask.Response:
        """What a model from Tripo costs and what the account holds, and that the photo leaves this machine."""
        try:
            price = tripo.quote(self.services.tripo_access(), timeout_s=tripo.QUOTE_TIMEOUT_S)
        except Img2PrintError as failure:
            return from_exception(failure)
        return flask.jsonify({**price.as_dict(), "third_party": in_user_language(tripo.THIRD_PARTY)})

    def _cancel(self, job_id: str) -> flask.Response:
        if self.services.queue.cancel(job_id):
            return flask.jsonify({"cancelled": True})
        job = self.services.queue.get(job_id)
        if job is None:
            return error(404, "unknown_job", translate("There is no such job."))
        return error(409, "job_finished", translate("The job has finished already."), status=job.status)

    def _bed_clear(self) -> flask.Response:
        """Record on this host that a person found the bed clear (409 while a print occupies it or the printer is
        not connected)."""
        user, printer = getattr(flask.g, "identity", None), self.services.printer
        reason = self.services.bed.confirm(getattr(user, "id", None), occupied(printer), printer.is_operational())
        if reason is not None:
            return held(reason)
        return flask.jsonify({"bed": self.services.bed.as_dict()})

    def _printer_gcode(self, data: dict[str, Any]) -> flask.Response:
        """Set (or, with empty texts, forget) the start and end G-code of OctoPrint's current printer profile, once
        they pass the safety check."""
        texts = {key: data.get(key) or "" for key in ("start_gcode", "end_gcode")}
        if not all(isinstance(text, str) and len(text) <= MAX_GCODE_CHARS for text in texts.values()):
            return error(400, "bad_printer_gcode", translate("The start and end G-code must be texts of at most "
                                                             "{count} characters.").format(count=MAX_GCODE_CHARS))
        profile = self.services.octoprint_printer()
        try:
            check_printer_gcode(from_octoprint({**profile, OWN_GCODE: texts}))
        except Img2PrintError as failure:
            return from_exception(failure)
        self.services.set_printer_gcode(str(profile.get("id", "")), texts)
        return flask.jsonify({"octoprint_printer": self._octoprint_printer()})

    def _farm_answer(self) -> dict[str, Any]:
        """A print farm's small question: the bed's confirmation, and which printer this is (img2print's chosen
        printer, or the start and end G-code set for OctoPrint's) with what is loaded."""
        own = self.services.octoprint_printer().get(OWN_GCODE)
        return {"bed": self.services.bed.as_dict(), "printer": self.services.default_printer() or None,
                "printer_gcode": own or None, "loaded": self.services.loaded()}

    def _octoprint_printer(self) -> dict[str, Any]:
        """OctoPrint's current printer as img2print uses it: its start and end G-code (set here, or the generic
        ones) and the shipped printer that matches it."""
        profile = self.services.octoprint_printer()
        try:
            printer = from_octoprint(profile)
        except Img2PrintError as failure:
            return {"id": profile.get("id"), "name": profile.get("name"), "error": failure.message}
        suggested = suggested_printer(profile)
        return {"id": printer.id, "name": printer.name, "own_gcode": bool(profile.get(OWN_GCODE)),
                "start_gcode": printer.start_gcode, "end_gcode": printer.end_gcode,
                "suggested": {"id": suggested.id, "name": printer_name(suggested.name, in_user_language)}
                if suggested else None}

    def _print(self, path: str, stored: bool = False) -> flask.Response:
        """Start printing a G-code of the file list now, if the printer is idle: the bed was confirmed clear with
        this request, or (``stored``) earlier on this host, and that confirmation is used up by the start."""
        if Path(path).suffix.lower() not in GCODE_EXTENSIONS:
            return error(400, "not_gcode", translate("Only G-code can be printed; slice the file first."))
        printer = self.services.printer

        def begin() -> str | None:
            seen = self.services.prints_seen()
            reason = hold(PrintGo(True, seen, occupied(printer)), printer.is_ready(), seen)
            if reason is None:
                printer.select_file(self.services.file_manager.path_on_disk("local", path), False,
                                    printAfterSelect=True)
                if not print_began(printer.is_printing, self.services.prints_seen, seen):
                    return "print_did_not_start"
            return reason

        reason = self.services.bed.start(begin) if stored else begin()
        if reason is not None:
            return held(reason)
        return flask.jsonify({"started": True, "file": path})

    def submit(self, action: str, path: str, data: dict[str, Any]) -> Job:
        """Queue a job for a file of the file list, with img2print's printer or else OctoPrint's current one.

        A print is asked with the person's go: the bed is clear, now, with the printer as it is now.
        """
        files, printer = self.services.file_manager, self.services.printer
        asked = {**data, "printer": data.get("printer") or self.services.default_printer()}
        if action == GENERATE:
            asked["options"] = {"height": _number(data.get("height"), "height")}
        go = PrintGo(confirmed(data.get("bed_clear")), self.services.prints_seen(), occupied(printer)) \
            if data.get("print") else None
        source = files.path_on_disk("local", path) if path else ""
        made = _made_without_file(action, data) if path == "" else None
        if made is not None:  # no file: named after the words (a logo unless asked) or the mode that needs none
            path = made
            asked["mode"] = asked.get("mode") or mode_for(DRAWING).id
        request = build_request(action, source, path, asked, self.services.job_defaults(),
                                language=language(), go=go,
                                printer_profile=self.services.octoprint_printer())
        user = getattr(flask.g, "identity", None)
        return self.services.queue.submit(Path(path).name, request, user=getattr(user, "id", None))

    # --- /plugin/img2print/... ------------------------------------------------------------------------------

    def phone(self) -> flask.Response:
        """The phone page: take or choose a photo, pick a mode, see the preview, print (log in first)."""
        if refusal() is not None:
            here = flask.request.script_root + PHONE_PATH
            return flask.redirect(f"{flask.request.script_root}/login/?redirect={quote(here)}")
        return flask.render_template(PHONE_TEMPLATE, version=__plugin_version__,
                                     catalogue=i18n.messages(language()), accept_pictures=accepted(PICTURE_EXTENSIONS),
                                     accept_photos=accepted(RASTER_EXTENSIONS))

    @requires(CONVERT_NEEDS)
    def phone_code(self) -> flask.Response:
        """A QR code (SVG) of the phone page's address as the asking browser reaches OctoPrint (``?url=``)."""
        import segno  # only the tab asks for it

        address = flask.request.args.get("url", "")
        if not address.startswith(("http://", "https://")) or len(address) > MAX_ADDRESS_CHARS:
            return error(400, "bad_address", translate("Give the phone page's address as http(s)://…"))
        picture = io.BytesIO()
        segno.make(address, error="m").save(picture, kind="svg", scale=4, border=2, dark="#000000", light="#ffffff")
        response = flask.make_response(picture.getvalue())
        response.headers["Content-Type"] = "image/svg+xml"
        response.headers["Cache-Control"] = "private, max-age=86400"
        return response

    @requires(NEEDS["thumbnail"])
    def thumbnail(self) -> flask.Response:
        """A small picture for the file list: the picture itself, a drawing's outline, or a G-code's preview."""
        files = self.services.file_manager
        path = flask.request.args.get("path", "")
        if not self._listed(path):
            return error(404, "unknown_file", translate("There is no such file in OctoPrint's file list."))
        disk = Path(files.path_on_disk("local", path))
        key = hashlib.sha1(f"{path}:{disk.stat().st_mtime}".encode()).hexdigest()
        cache = self.services.data_folder / "thumbnails" / f"{key}.png"
        if not cache.exists():
            try:
                picture = run_isolated("thumbnail", disk, Path(path).name, self.services.limits(), language())
            except Img2PrintError:
                picture = None
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(base64.b64decode(picture) if picture is not None else b"")  # a failure is remembered
        if cache.stat().st_size == 0:  # a G-code without preview, a damaged picture: nothing to show, not an error
            return flask.Response(status=204)
        return _kept_for_an_hour(cache.read_bytes(), "image/png")

    @requires(CONVERT_NEEDS)
    def view(self) -> flask.Response:
        """The solid of a finished preview job (``?job=ID``) as it stands on the bed, for the 3D view: the binary
        of rendering/view_mesh.py. Only the queue's own file of that job is ever read."""
        found = self.services.queue.view(flask.request.args.get("job", ""))
        if found is None:
            return error(404, "no_view", translate("This preview is no longer kept; preview again."))
        return _kept_for_an_hour(found.read_bytes(), "application/octet-stream")

    @requires(_upload_needs)
    def upload(self) -> flask.Response:
        """Upload a picture (or model) and queue what to do with it: preview, convert, slice, slice and print, or
        generate (Tripo)."""
        action = flask.request.values.get("action", CONVERT)
        if action not in UPLOAD_ACTIONS:
            return error(400, "bad_action", translate("action must be preview, convert, slice, print or generate."))
        data: dict[str, Any] = {k: v for k, v in flask.request.values.to_dict().items() if not k.startswith("file.")}
        if asks_to_print(action, data) and not confirmed(data.get("bed_clear")):
            return held(BED_CLEAR_UNCONFIRMED, 400)
        if action == GENERATE and not confirmed(data.get("confirm_credits")):
            return error(400, "credits_unconfirmed", translate("Confirm the Tripo credits this spends first."))
        for key in ("options", "overrides"):
            try:
                data[key] = json.loads(data.get(key) or "{}")
            except ValueError:
                data[key] = None
            if not isinstance(data[key], dict):
                return error(400, "bad_json", translate("'{field}' must be a JSON object.").format(field=key))
        staged, name = self._received_upload()
        if staged is None:
            return error(400, "no_file", translate("Send the picture as the form field 'file'."))
        files = self.services.file_manager
        try:
            if not (is_picture(name) or is_model_file(name)):
                return error(415, "unsupported_type", translate(
                    "img2print takes PNG, JPEG, WebP, BMP, GIF, TIFF, HEIC and SVG pictures and STL, 3MF, OBJ, GLB or "
                    "glTF models."))
            run_isolated("vet", staged, name, self.services.limits(), language(),
                         max_megapixels=self.services.job_defaults().max_megapixels)
            path = files.add_file("local", files.sanitize_path("local", name),
                                  VettedFile(name, str(staged), move=True), allow_overwrite=True)
            if action == PRINT:
                data.update(print=True, select=True)
            job = self.submit(SLICE if action == PRINT else action, path, data)
        except Img2PrintError as failure:
            return from_exception(failure)
        finally:
            staged.unlink(missing_ok=True)
        response = flask.jsonify({"file": path, **job_view(job)})
        response.status_code = 202
        return response

    @requires(CONVERT_NEEDS)
    def calibrate(self) -> flask.Response:
        """A photo of a printed TD card (form field 'file'), optionally one of it against a light ('backlit'), and
        the filament it was printed in ('filament'; the card's 'steps' and 'paint_layer' when not the default): the
        filament's hiding distance, colour and (backlit) TD fitted in a held-back child, kept in the data folder's own
        library, and how well it fitted."""
        values = flask.request.values
        staged, name = self._received_upload()
        light, light_name = self._received_upload(BACKLIT_FIELD)
        if staged is None:
            return error(400, "no_file", translate("Send the picture as the form field 'file'."))
        try:
            if not is_picture(name) or (light is not None and not is_picture(light_name)):
                return error(415, "unsupported_type", translate("Send a photo of the card (JPEG, PNG, HEIC ...)."))
            filament = Library().get(str(values.get("filament", "")))
            card = CardOptions.parse({key: values[key] for key in ("steps", "paint_layer") if values.get(key)})
            result = run_isolated("calibrate", staged, name, self.services.limits(), language(), steps=card.steps,
                                  layer=card.layers.layer,
                                  backlit=(str(light), light_name) if light is not None else None)
            found = Fit(**{**result, "colour": tuple(result["colour"])})
            kept = calibrated(filament, found)
            save(kept, self.services.data_folder / OWN_FILAMENTS / CALIBRATED_FILE)
        except Img2PrintError as failure:
            return from_exception(failure)
        finally:
            staged.unlink(missing_ok=True)
            if light is not None:
                light.unlink(missing_ok=True)
        with i18n.speaking(language()):
            message = said(kept, found)
        return flask.jsonify({"filament": kept.as_dict(in_user_language), "fit_delta_e": round(found.error, 2),
                              "hiding_distance_mm": round(found.hiding_distance, 3),
                              "td_mm": round(found.td, 3) if found.td is not None else None, "message": message})

    def _received_upload(self, field: str = "file") -> tuple[Path | None, str]:
        """The file uploaded as form field ``field`` on disk and its name; OctoPrint's upload handler already
        stored large bodies."""
        values = flask.request.values
        if values.get(f"{field}.path") and values.get(f"{field}.name"):
            return Path(values[f"{field}.path"]), os.path.basename(values[f"{field}.name"])
        upload = flask.request.files.get(field)
        if upload is None or not upload.filename:
            return None, ""
        name = os.path.basename(upload.filename)
        staged = self.services.data_folder / "uploads" / f"{time.time_ns()}-{name}"
        staged.parent.mkdir(parents=True, exist_ok=True)
        upload.save(str(staged))
        return staged, name
