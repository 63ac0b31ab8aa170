"""The OctoPrint plugin: adapts OctoPrint's services (files, printer, profiles, permissions, events,
settings, slicing) to the core library and the job queue; it holds no geometry itself."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import flask
import octoprint.plugin
from octoprint.access.permissions import Permissions
from octoprint.filemanager.util import DiskFileWrapper
from octoprint.slicing import SlicingCancelled, SlicingProfile

from . import __plugin_version__, api, thumbnails
from .errors import BadInput, Img2PrintError
from .geometry.files import read_mesh
from .i18n import N_
from .imaging.load import load_picture
from .imaging.svg import load_svg, looks_like_svg
from .jobs import CANCELLED, DONE, JobQueue
from .modes import MODES
from .pipeline import detect_slicer, is_model_file
from .slicing.intents import get_intent, intent_ids

SLICER_TYPE = "img2print"
PHONE_PATH = "/plugin/img2print/phone"
EVENTS = ("job_started", "job_done", "job_failed")


class Img2PrintPlugin(octoprint.plugin.StartupPlugin, octoprint.plugin.ShutdownPlugin,
                      octoprint.plugin.SettingsPlugin, octoprint.plugin.AssetPlugin, octoprint.plugin.TemplatePlugin,
                      octoprint.plugin.SimpleApiPlugin, octoprint.plugin.BlueprintPlugin,
                      octoprint.plugin.SlicerPlugin):
    """img2print inside OctoPrint."""

    def initialize(self) -> None:
        """Create the job queue (the worker thread waits for jobs)."""
        self.waiters: dict[str, threading.Event] = {}
        self.announced: dict[str, str] = {}
        self.queue = JobQueue(Path(self.get_plugin_data_folder()), on_change=self._job_changed,
                              on_finished=self._job_output, settings=self._limits, may_run=self._may_run)

    def on_after_startup(self) -> None:
        """Let OctoPrint's login page lead back to the phone page; log that the plugin is ready."""
        allowed = self._settings.global_get(["server", "allowedLoginRedirectPaths"]) or []
        if PHONE_PATH not in allowed:
            self._settings.global_set(["server", "allowedLoginRedirectPaths"], [*allowed, PHONE_PATH])
            self._settings.save()
        self._seed_slicing_profiles()
        self._logger.info("img2print %s ready; slicers: %s", __plugin_version__, self.slicer_status())

    def _seed_slicing_profiles(self) -> None:
        """One slicing profile per intent for OctoPrint's Slice dialog (printer from OctoPrint, mode by file)."""
        if SLICER_TYPE not in self._slicing_manager.registered_slicers:
            return
        for intent_id in intent_ids():
            if os.path.exists(self._slicing_manager.get_profile_path(SLICER_TYPE, intent_id)):
                continue
            intent = get_intent(intent_id)
            profile = SlicingProfile(SLICER_TYPE, intent_id, {"intent": intent_id, "mode": "", "slicer": "",
                                                              "options": {}, "name": f"img2print: {intent.name}"})
            self._slicing_manager.save_profile(SLICER_TYPE, intent_id, profile, allow_overwrite=False,
                                               display_name=f"img2print: {intent.name}")

    def on_shutdown(self) -> None:
        """Stop the worker; what it was doing is marked interrupted at the next start."""
        self.queue.stop()

    # --- settings ---------------------------------------------------------------------------------------------

    def get_settings_defaults(self) -> dict[str, Any]:
        """Settings: slicer and paths, limits, and whether heavy work may run while printing."""
        return {"slicer": "prusaslicer", "prusaslicer_path": "", "cura_path": "", "cura_definitions": "",
                "default_printer": "", "max_megapixels": 64, "max_job_seconds": 3600, "memory_mb": 1536,
                "nice": 10, "work_while_printing": False,
                "mode_defaults": {mode: {"width": None, "intent": ""} for mode in MODES}}

    def on_settings_save(self, data: dict[str, Any]) -> dict[str, Any]:
        """Only users with img2print's manage permission change its settings."""
        if not Permissions.PLUGIN_IMG2PRINT_MANAGE.can():
            flask.abort(403)
        return octoprint.plugin.SettingsPlugin.on_settings_save(self, data)

    def _mode_defaults(self, mode: str | None) -> dict[str, Any]:
        """The width and intent set in the settings for a mode (empty values: img2print's own defaults)."""
        if not mode:
            return {}
        stored = self._settings.get(["mode_defaults", mode]) or {}
        return {key: value for key, value in stored.items() if value not in (None, "")}

    def _limits(self) -> dict[str, Any]:
        return {"max_job_seconds": self._settings.get_int(["max_job_seconds"]),
                "memory_mb": self._settings.get_int(["memory_mb"]), "nice": self._settings.get_int(["nice"])}

    def _may_run(self) -> bool:
        printing = self._printer.is_printing() if self._printer is not None else False
        return not printing or self._settings.get_boolean(["work_while_printing"])

    def slicer_paths(self) -> dict[str, str]:
        """Configured slicer paths (empty: found on PATH)."""
        return {"prusaslicer": self._settings.get(["prusaslicer_path"]) or "",
                "cura": self._settings.get(["cura_path"]) or "",
                "cura_definitions": self._settings.get(["cura_definitions"]) or ""}

    def slicer_status(self) -> dict[str, Any]:
        """Each slicer: found or not, its path and version, or how to install it."""
        status = {}
        for name in ("prusaslicer", "cura"):
            try:
                info = detect_slicer(name, self.slicer_paths())
                status[name] = {"installed": True, "path": info.path, "version": info.version_text}
            except Img2PrintError as failure:
                status[name] = {"installed": False, "message": api.in_user_language(failure.message)}
        return status

    # --- assets and templates ---------------------------------------------------------------------------------

    def get_assets(self) -> dict[str, list[str]]:
        """The tab's view model and style."""
        return {"js": ["js/img2print.js", "js/img2print_files.js"], "css": ["css/img2print.css"]}

    def get_template_configs(self) -> list[dict[str, Any]]:
        """A tab and a settings page."""
        return [{"type": "tab", "name": "img2print", "custom_bindings": True},
                {"type": "settings", "name": "img2print", "custom_bindings": True}]

    def is_template_autoescaped(self) -> bool:
        """Templates are autoescaped (mandatory from OctoPrint 1.13)."""
        return True

    # --- HTTP API -------------------------------------------------------------------------------------------

    def is_api_protected(self) -> bool:
        """Only logged-in users and API keys reach the API."""
        return True

    def get_api_commands(self) -> dict[str, list[str]]:
        """POST /api/plugin/img2print commands and their required fields."""
        return api.COMMANDS

    def on_api_command(self, command: str, data: dict[str, Any]) -> flask.Response:
        """Run a command."""
        return api.command(self, command, data)

    def on_api_get(self, request: flask.Request) -> flask.Response:
        """Lists and job status."""
        return api.listing(self)

    def is_blueprint_protected(self) -> bool:
        """The routes check permissions themselves: the phone page sends visitors to the login page."""
        return False

    def is_blueprint_csrf_protected(self) -> bool:
        """Browser sessions must send OctoPrint's CSRF token to the upload route."""
        return True

    @octoprint.plugin.BlueprintPlugin.route("/phone", methods=["GET"])
    def phone(self):
        """The phone page: take or choose a photo, pick a mode, see the preview, print (log in first)."""
        if api.require() is not None:
            here = flask.request.script_root + PHONE_PATH
            return flask.redirect(f"{flask.request.script_root}/login/?redirect={quote(here)}")
        return flask.render_template("img2print_phone.jinja2", version=__plugin_version__)

    @octoprint.plugin.BlueprintPlugin.route("/thumbnail", methods=["GET"])
    def thumbnail(self):
        """A small picture for the file list: the picture itself, a drawing's outline, or a G-code's preview."""
        denied = api.require(Permissions.FILES_LIST)
        if denied:
            return denied
        path = flask.request.args.get("path", "")
        if not self._file_manager.file_exists("local", path):
            return api.error(404, "unknown_file", api.translate(N_("There is no such file in OctoPrint's file list.")))
        disk = Path(self._file_manager.path_on_disk("local", path))
        key = hashlib.sha1(f"{path}:{disk.stat().st_mtime}".encode()).hexdigest()
        cache = Path(self.get_plugin_data_folder()) / "thumbnails" / f"{key}.png"
        if not cache.exists():
            picture = thumbnails.file_thumbnail(disk, Path(path).name)
            if picture is None:
                return api.error(404, "no_thumbnail", api.translate(N_("This file has no preview.")))
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(picture)
        response = flask.make_response(cache.read_bytes())
        response.headers["Content-Type"] = "image/png"
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    @octoprint.plugin.BlueprintPlugin.route("/upload", methods=["POST"])
    def upload(self) -> flask.Response:
        """Upload a picture (or model) and queue what to do with it: preview, convert, slice or slice and print."""
        action = flask.request.values.get("action", "convert")
        if action not in ("preview", "convert", "slice", "print"):
            return api.error(400, "bad_action", api.translate(N_("action must be preview, convert, slice or print.")))
        needed = [Permissions.FILES_UPLOAD, Permissions.PLUGIN_IMG2PRINT_CONVERT]
        if action in ("slice", "print"):
            needed += [Permissions.PLUGIN_IMG2PRINT_SLICE, Permissions.SLICE]
        if action == "print":
            needed.append(Permissions.PRINT)
        denied = api.require(*needed)
        if denied:
            return denied
        data = {k: v for k, v in flask.request.values.to_dict().items() if not k.startswith("file.")}
        for key in ("options", "overrides"):
            try:
                data[key] = json.loads(data.get(key) or "{}")
            except ValueError:
                data[key] = None
            if not isinstance(data[key], dict):
                return api.error(400, "bad_json", api.translate(N_("'{field}' must be a JSON object.")).format(
                    field=key))
        staged, name = self._received_upload()
        if staged is None:
            return api.error(400, "no_file", api.translate(N_("Send the picture as the form field 'file'.")))
        try:
            if not (api.is_picture(name) or is_model_file(name)):
                return api.error(415, "unsupported_type", api.translate(
                    N_("img2print takes PNG, JPEG, WebP, BMP, GIF, TIFF, HEIC and SVG pictures and STL or 3MF "
                       "models.")))
            self._vet_upload(staged, name)
            path = self._file_manager.add_file("local", self._file_manager.sanitize_path("local", name),
                                               DiskFileWrapper(name, str(staged), move=True), allow_overwrite=True)
        except Img2PrintError as failure:
            return api.from_exception(failure)
        finally:
            staged.unlink(missing_ok=True)
        data["file"] = path
        if action == "print":
            data.update(print=True, select=True)
        job = self.submit("slice" if action == "print" else action, self._file_manager.path_on_disk("local", path),
                          path, data, api.language())
        response = flask.jsonify({"file": path, **api.job_view(job)})
        response.status_code = 202
        return response

    def _received_upload(self) -> tuple[Path | None, str]:
        """The uploaded file on disk and its name; OctoPrint's upload handler already stored large bodies."""
        values = flask.request.values
        if values.get("file.path") and values.get("file.name"):
            return Path(values["file.path"]), os.path.basename(values["file.name"])
        upload = flask.request.files.get("file")
        if upload is None or not upload.filename:
            return None, ""
        name = os.path.basename(upload.filename)
        staged = Path(self.get_plugin_data_folder()) / "uploads" / f"{time.time_ns()}-{name}"
        staged.parent.mkdir(parents=True, exist_ok=True)
        upload.save(str(staged))
        return staged, name

    def _vet_upload(self, staged: Path, name: str) -> None:
        """Refuse broken, hostile or oversized uploads before they reach the file list."""
        limit = float(self._settings.get_float(["max_megapixels"]))
        if staged.stat().st_size == 0:
            raise BadInput("empty_file", api.translate("{file}: the file is empty.").format(file=name), file=name)
        head = staged.read_bytes()[:4096]
        if is_model_file(name):
            read_mesh(staged, name)
        elif looks_like_svg(head, name):
            load_svg(staged.read_bytes(), name, 0.1)
        elif api.is_picture(name):
            load_picture(staged, name, max_megapixels=limit, needed_size=(64, 64))

    def bodysize(self, current_max_body_sizes, *args, **kwargs):
        """Allow large photos on the upload route."""
        return [("POST", "/upload", 100 * 1024 * 1024)]

    # --- jobs ----------------------------------------------------------------------------------------------

    def _slice_request(self, slicer: str | None) -> dict[str, Any]:
        """What every slicing job takes from the settings: slicer, its paths, the time and picture limits."""
        return {"slicer": slicer or self._settings.get(["slicer"]), "slicer_paths": self.slicer_paths(),
                "timeout_s": self._settings.get_int(["max_job_seconds"]),
                "max_megapixels": self._settings.get_float(["max_megapixels"])}

    def submit(self, action: str, disk_path: str, path: str, data: dict[str, Any], language: str):
        """Queue a job for a file of the file list."""
        mode = data.get("mode") or None
        defaults = self._mode_defaults(mode)
        options = {k: v for k, v in (data.get("options") or {}).items() if v not in (None, "")}
        if "width" in defaults and "width" not in options and "height" not in options:
            options["width"] = float(defaults["width"])
        request: dict[str, Any] = {"action": action, "source": disk_path, "name": Path(path).name, "mode": mode,
                                   "options": options, "language": language,
                                   "max_megapixels": self._settings.get_float(["max_megapixels"])}
        stem = Path(path).stem
        if action == "convert":
            request["output_name"] = f"{stem}.stl"
        if action in ("slice", "preview"):
            request.update(printer_profile=self._printer_profile_manager.get_current_or_default(),
                           intent=data.get("intent") or defaults.get("intent"))
            if data.get("printer") or self._settings.get(["default_printer"]):
                request["printer"] = data.get("printer") or self._settings.get(["default_printer"])
                request.pop("printer_profile")
        if action == "slice":
            request.update(self._slice_request(data.get("slicer")), output_name=f"{stem}.gcode",
                           overrides=data.get("overrides") or None, orientation=data.get("orientation") or None,
                           scale_to_fit=bool(data.get("scale_to_fit")))
        request["target"] = {"folder": str(Path(path).parent) if "/" in path else "",
                             "select": bool(data.get("select")), "print": bool(data.get("print"))}
        user = getattr(flask.g, "identity", None)
        return self.queue.submit(action, path, request, user=getattr(user, "id", None))

    def _job_changed(self, job) -> None:
        self._plugin_manager.send_plugin_message(self._identifier, {"type": "job", "job": api.job_view(job)})
        event = {"running": "job_started", "done": "job_done", "failed": "job_failed"}.get(job.status)
        if event and self.announced.get(job.id) != job.status:
            self.announced[job.id] = job.status
            self._event_bus.fire(f"plugin_img2print_{event}", {"job": job.id, "action": job.action, "file": job.name,
                                                               "error": (job.error or {}).get("code")})
        if job.status in (DONE, CANCELLED, "failed") and job.id in self.waiters:
            self.waiters[job.id].set()

    def _job_output(self, job, produced: Path) -> None:
        """Put a job's model or G-code into OctoPrint's file list (or hand it to OctoPrint's slicing)."""
        target = job.request.get("target", {})
        if "machinecode_path" in target:
            shutil.copyfile(produced, target["machinecode_path"])
            return
        name = self._file_manager.join_path("local", target.get("folder", ""), produced.name)
        result = job.result or {}
        analysis = None
        if produced.suffix == ".gcode":
            analysis = {"estimatedPrintTime": result.get("estimated_time_s"),
                        "filament": {"tool0": {"length": result.get("filament_mm")}}}
        path = self._file_manager.add_file("local", name, DiskFileWrapper(produced.name, str(produced), move=False),
                                           allow_overwrite=True, analysis=analysis)
        job.request["stored_as"] = path
        if produced.suffix == ".gcode" and (target.get("select") or target.get("print")):
            self._printer.select_file(self._file_manager.path_on_disk("local", path), False,
                                      printAfterSelect=target.get("print", False))

    # --- OctoPrint's slicing system --------------------------------------------------------------------------

    def is_slicer_configured(self) -> bool:
        """Offered to OctoPrint's Slice dialog when PrusaSlicer or CuraEngine is installed."""
        return any(s["installed"] for s in self.slicer_status().values())

    def get_slicer_properties(self) -> dict[str, Any]:
        """img2print slices models and pictures to G-code."""
        return {"type": SLICER_TYPE, "name": "img2print", "same_device": True, "progress_report": True,
                "source_file_types": ["model"], "destination_extensions": ["gcode", "gco", "g"]}

    def get_slicer_extension_tree(self) -> dict[str, Any]:
        """Models and pictures this slicer accepts."""
        return extension_tree()

    def get_slicer_default_profile(self) -> SlicingProfile:
        """Without a profile: the mode by what the file is, the intent by the mode, OctoPrint's printer."""
        return SlicingProfile(SLICER_TYPE, "default", {"intent": "", "mode": "", "slicer": "", "options": {}},
                              display_name="img2print", description=api.translate(
                                  N_("A photo becomes a lithophane, a logo or SVG a logo plate.")), default=True)

    def get_slicer_profile(self, path: str) -> SlicingProfile:
        """A saved profile (JSON: intent, mode, slicer, options)."""
        data = json.loads(Path(path).read_text())
        return SlicingProfile(SLICER_TYPE, Path(path).stem, data, display_name=data.get("name", Path(path).stem))

    def save_slicer_profile(self, path: str, profile: SlicingProfile, allow_overwrite: bool = True,
                            overrides: dict[str, Any] | None = None) -> None:
        """Save a profile; ``overrides`` (from profile.* in the slice request) are merged in."""
        if os.path.exists(path) and not allow_overwrite:
            raise OSError(f"{path} exists")
        data = dict(profile.data or {})
        for key, value in (overrides or {}).items():
            if key in ("intent", "mode", "slicer", "printer", "orientation"):
                data[key] = value
            else:
                data.setdefault("options", {})[key] = value
        Path(path).write_text(json.dumps(data))

    def do_slice(self, model_path, printer_profile, machinecode_path=None, profile_path=None, position=None,
                 on_progress=None, on_progress_args=None, on_progress_kwargs=None):
        """Slice through the job queue (one job at a time, lowered priority) and wait for it."""
        profile = json.loads(Path(profile_path).read_text()) if profile_path else {}
        name = Path(model_path).name
        machinecode_path = machinecode_path or str(Path(model_path).with_suffix(".gcode"))
        request = {**self._slice_request(profile.get("slicer")), "action": "slice", "source": model_path,
                   "name": name, "mode": profile.get("mode") or None, "options": profile.get("options") or {},
                   "intent": profile.get("intent") or None, "printer_profile": dict(printer_profile),
                   "output_name": "sliced.gcode", "language": "en", "target": {"machinecode_path": machinecode_path}}
        done = threading.Event()
        job = self.queue.submit("slice", name, request)
        self.waiters[job.id] = done
        if job.status in (DONE, CANCELLED, "failed"):
            done.set()
        try:
            while not done.wait(0.5):
                if on_progress is not None:
                    on_progress(*(on_progress_args or ()), _progress=job.progress, **(on_progress_kwargs or {}))
            if job.status == CANCELLED:
                raise SlicingCancelled()
            if job.status != DONE:
                return False, api.in_user_language((job.error or {}).get("message", "failed"))
            result = job.result or {}
            return True, {"analysis": {"estimatedPrintTime": result.get("estimated_time_s"),
                                       "filament": {"tool0": {"length": result.get("filament_mm")}}}}
        finally:
            self.waiters.pop(job.id, None)

    def cancel_slicing(self, machinecode_path: str) -> None:
        """OctoPrint's cancel for a slicing job it started."""
        for job in self.queue.listing():
            if job.request.get("target", {}).get("machinecode_path") == machinecode_path:
                self.queue.cancel(job.id)


def extension_tree(*args, **kwargs) -> dict[str, Any]:
    """Pictures, SVGs and 3MF as model files, so OctoPrint accepts their upload and offers to slice them."""
    from octoprint.filemanager import ContentTypeMapping

    return {"model": {"img2print_picture": ContentTypeMapping(["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif",
                                                               "tiff", "heic", "heif"], "image/*"),
                      "img2print_svg": ContentTypeMapping(["svg"], "image/svg+xml"),
                      "3mf": ContentTypeMapping(["3mf"], "model/3mf"),
                      "stl": ContentTypeMapping(["stl"], "application/sla")}}


def permissions(*args, **kwargs) -> list[dict[str, Any]]:
    """img2print's own permissions, on top of OctoPrint's file and slicing permissions."""
    from octoprint.access import ADMIN_GROUP, USER_GROUP

    return [
        {"key": "CONVERT", "name": "Convert pictures", "roles": ["convert"], "default_groups": [USER_GROUP],
         "description": N_("Preview and convert pictures into models, and check models.")},
        {"key": "SLICE", "name": "Slice with img2print", "roles": ["slice"], "default_groups": [USER_GROUP],
         "description": N_("Slice pictures and models into G-code with img2print.")},
        {"key": "MANAGE", "name": "Manage img2print", "roles": ["manage"], "default_groups": [ADMIN_GROUP],
         "description": N_("Change img2print's settings."), "dangerous": True},
    ]


def custom_events(*args, **kwargs) -> list[str]:
    """Events other plugins can react to: plugin_img2print_job_started, _job_done, _job_failed."""
    return list(EVENTS)


__all__ = ["Img2PrintPlugin", "cli_commands", "custom_events", "extension_tree", "permissions"]


def cli_commands(cli_group, pass_octoprint_ctx, *args, **kwargs) -> list:
    """`octoprint plugins img2print:cli ...` runs the img2print command line inside OctoPrint's environment."""
    import sys

    import click

    from .cli import main

    @click.command("cli", context_settings={"ignore_unknown_options": True, "help_option_names": []})
    @click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
    def command(arguments: tuple[str, ...]) -> None:
        """img2print's own command line: convert, trace, slice, profiles, check."""
        sys.exit(main(list(arguments)))

    return [command]
