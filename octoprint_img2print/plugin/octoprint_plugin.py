"""The OctoPrint plugin: adapts OctoPrint's services (files, printer, profiles, permissions, events,
settings, slicing) to the core library and the job queue; it holds no geometry itself."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import flask
import octoprint.plugin
from octoprint.access.permissions import Permissions
from octoprint.events import Events
from octoprint.filemanager.util import DiskFileWrapper
from octoprint.slicing import SlicingCancelled, SlicingProfile

from .. import __plugin_version__
from ..errors import Img2PrintError
from ..filaments.library import SOURCES_VARIABLE, Library, loaded_kind
from ..generating import tripo
from ..i18n import N_, speaking
from ..imaging.kinds import DRAWING_EXTENSIONS, PICTURE_EXTENSIONS, RASTER_EXTENSIONS, accepted
from ..imaging.load import DEFAULT_MAX_MEGAPIXELS
from ..modes import registry as modes
from ..pipeline import detect_slicer
from ..print_rules import DEFAULT_BED_CLEAR_HOURS, BedConfirmation, hold, print_began
from ..printers.profile import OWN_GCODE
from ..report import ERROR
from ..slicing.slicers import default_backend
from ..slicing.slicers import registry as slicers
from . import api
from .job_request import GENERATE, SLICE, JobDefaults, JobRequest, Limits, build_request
from .jobs import CANCELLED, DONE, FINISHED, Job, JobQueue, may_run
from .slice_dialog import AUTOMATIC, GENERATION, dialog_profiles

SLICER_TYPE = "img2print"
EVENTS = ("job_started", "job_done", "job_failed")
BUSY_FOR_DIALOG = N_("The printer is printing. Slice from img2print's tab instead: it waits for the print and asks "
                     "before printing.")
JOB_FAILED = N_("The job failed.")
SETTINGS_VERSION = 2
WIZARD_VERSION = 1
TRIPO_KEY = ("tripo", "api_key")
TAB_ORDER, TAB_KEY = ["appearance", "components", "order", "tab"], "plugin_img2print"
PROFILE_KEYS = ("intent", "mode", "slicer", "printer", "orientation")
# a print that starts or ends leaves the bed holding something: the confirmation that it is clear no longer holds
BED_OCCUPIED_BY = (Events.PRINT_STARTED, Events.PRINT_DONE, Events.PRINT_FAILED, Events.PRINT_CANCELLED)
# while the printer is not connected nobody can tell what is put on its bed: the confirmation goes too
PRINTER_GONE = (Events.DISCONNECTED, Events.ERROR)


class Img2PrintPlugin(octoprint.plugin.StartupPlugin, octoprint.plugin.ShutdownPlugin,
                      octoprint.plugin.EventHandlerPlugin,
                      octoprint.plugin.SettingsPlugin, octoprint.plugin.AssetPlugin, octoprint.plugin.TemplatePlugin,
                      octoprint.plugin.SimpleApiPlugin, octoprint.plugin.BlueprintPlugin,
                      octoprint.plugin.SlicerPlugin, octoprint.plugin.WizardPlugin):
    """img2print inside OctoPrint."""

    def initialize(self) -> None:
        """Create the job queue (the worker thread waits for jobs); one's own filaments are the data folder's."""
        os.environ[SOURCES_VARIABLE] = str(Path(self.get_plugin_data_folder()) / api.OWN_FILAMENTS)
        self.waiters: dict[str, threading.Event] = {}
        self.announced: dict[str, str] = {}
        self.prints_started = 0
        self.bed = BedConfirmation(on_change=self._bed_changed, hours=self._bed_clear_hours)
        self.queue = JobQueue(Path(self.get_plugin_data_folder()), on_change=self._job_changed,
                              on_finished=self._job_output, settings=self._limits, may_run=self._may_run,
                              environment=self._job_environment)
        self.http = api.HttpApi(api.Services(
            file_manager=self._file_manager, printer=self._printer, queue=self.queue,
            data_folder=Path(self.get_plugin_data_folder()), job_defaults=self.job_defaults,
            default_printer=lambda: self._settings.get(["default_printer"]) or "", slicer_status=self.slicer_status,
            prints_seen=lambda: self.prints_started, limits=self._limits, tripo_access=self.tripo_access,
            bed=self.bed, octoprint_printer=lambda: self.octoprint_printer(
                self._printer_profile_manager.get_current_or_default()),
            set_printer_gcode=self.set_printer_gcode, loaded=self.loaded))

    def on_after_startup(self) -> None:
        """Let OctoPrint's login page lead back to the phone page; place the tab once; log that the plugin is
        ready."""
        allowed = self._settings.global_get(["server", "allowedLoginRedirectPaths"]) or []
        if api.PHONE_PATH not in allowed:
            self._settings.global_set(["server", "allowedLoginRedirectPaths"], [*allowed, api.PHONE_PATH])
            self._settings.save()
        self._place_tab()
        self._seed_slicing_profiles()
        self._logger.info("img2print %s ready; slicers: %s", __plugin_version__, self.slicer_status())

    def _place_tab(self) -> None:
        """Put the tab right after OctoPrint's Control tab, once: appended after every other tab, it landed in the
        tab bar's overflow menu at common widths. Where a person moves it later, it stays."""
        if self._settings.get_boolean(["tab_placed"]):
            return
        order = list(self._settings.global_get(TAB_ORDER) or [])
        if TAB_KEY not in order:
            order.insert(order.index("control") + 1 if "control" in order else 0, TAB_KEY)
            self._settings.global_set(TAB_ORDER, order)
        self._settings.set_boolean(["tab_placed"], True)
        self._settings.save()

    def _seed_slicing_profiles(self) -> None:
        """The Slice dialog's profiles, each named for what you get; the automatic one is the default.

        Profiles an older img2print seeded (without this generation) are replaced or removed.
        """
        manager = self._slicing_manager
        if SLICER_TYPE not in manager.registered_slicers:
            return
        wanted = dialog_profiles()
        for key, profile in manager.all_profiles(SLICER_TYPE, require_configured=False).items():
            seeded_before = str(profile.display_name or "").startswith("img2print")
            if (profile.data or {}).get("generation") != GENERATION and seeded_before:
                manager.delete_profile(SLICER_TYPE, key)
        for profile in wanted:
            if not os.path.exists(manager.get_profile_path(SLICER_TYPE, profile.key)):
                manager.save_profile(SLICER_TYPE, profile.key, SlicingProfile(SLICER_TYPE, profile.key, profile.data),
                                     allow_overwrite=False, display_name=profile.name)
        manager.set_default_profile(SLICER_TYPE, AUTOMATIC)

    def on_event(self, event: str, payload: dict[str, Any]) -> None:
        """Count the prints that start: a go to print given before one of them no longer holds; and a print that
        starts or ends, or the printer's disconnection, takes back the confirmation that the bed is clear."""
        if event == Events.PRINT_STARTED:
            self.prints_started += 1
        if event in BED_OCCUPIED_BY or event in PRINTER_GONE:
            self.bed.clear()

    def _bed_changed(self, state: dict[str, Any]) -> None:
        """The tab shows whether the bed is confirmed clear."""
        self._plugin_manager.send_plugin_message(self._identifier, {"type": "bed", "bed": state})

    def on_shutdown(self) -> None:
        """Stop the worker; what it was doing is marked interrupted at the next start."""
        self.queue.stop()

    # --- settings ---------------------------------------------------------------------------------------------

    def get_settings_defaults(self) -> dict[str, Any]:
        """Settings: slicer and each slicer's own settings, limits, per-mode defaults, work while printing."""
        limits = Limits()
        return {"slicer": default_backend().name, "default_printer": "", "max_megapixels": DEFAULT_MAX_MEGAPIXELS,
                "max_job_seconds": limits.max_job_seconds, "memory_mb": limits.memory_mb, "nice": limits.nice,
                "work_while_printing": False, "tab_placed": False, "bed_clear_hours": DEFAULT_BED_CLEAR_HOURS,
                "printer_gcode": {}, "loaded": {"filament": "", "material": "", "colour": ""},
                "slicers": {b.name: {s.key: "" for s in b.settings} for b in slicers().values()},
                "mode_defaults": {mode: {"width": None, "intent": ""} for mode in modes()},
                "tripo": {"api_key": "", "base_url": tripo.DEFAULT_BASE_URL,
                          "credits_per_model": tripo.CREDITS_PER_MODEL, "forget_key": False}}

    def get_settings_restricted_paths(self) -> dict[str, list[list[str]]]:
        """Tripo's API key is never sent to a browser, not even an admin's."""
        return {"never": [list(TRIPO_KEY)]}

    def get_settings_version(self) -> int:
        """Version 2 keeps each slicer's settings under ``slicers``."""
        return SETTINGS_VERSION

    def on_settings_migrate(self, target: int, current: int | None) -> None:
        """From version 1 (stored without a version): each slicer's settings move under ``slicers``."""
        if current is not None and current >= SETTINGS_VERSION:
            return
        for backend in slicers().values():
            for old, key in backend.legacy_settings:
                value = self._settings.get([old])
                if value:
                    self._settings.set(["slicers", backend.name, key], value)
                self._settings.remove([old])

    def on_settings_save(self, data: dict[str, Any]) -> dict[str, Any]:
        """Only users with img2print's manage permission change its settings. Tripo's key (which pages never see)
        changes only when a new one is typed, and goes when ``forget_key`` is sent."""
        if not Permissions.PLUGIN_IMG2PRINT_MANAGE.can():
            flask.abort(403)
        asked = data.get("tripo")
        if isinstance(asked, dict):
            asked = dict(asked)
            if asked.pop("forget_key", False):
                asked["api_key"] = ""
            elif not asked.get("api_key"):
                asked.pop("api_key", None)
            data = {**data, "tripo": asked}
        return octoprint.plugin.SettingsPlugin.on_settings_save(self, data)

    def tripo_access(self) -> tripo.TripoAccess:
        """Tripo's address, key and price from the settings."""
        return tripo.TripoAccess(self._settings.get(list(TRIPO_KEY)) or "",
                                 self._settings.get(["tripo", "base_url"]) or tripo.DEFAULT_BASE_URL,
                                 self._settings.get_float(["tripo", "credits_per_model"]) or tripo.CREDITS_PER_MODEL)

    def _job_environment(self, request: JobRequest) -> dict[str, str]:
        """Tripo's key reaches a generate job's worker in its environment, never in the stored request."""
        return self.tripo_access().environment() if request.action == GENERATE else {}

    def _limits(self) -> Limits:
        return Limits(nice=self._settings.get_int(["nice"]), memory_mb=self._settings.get_int(["memory_mb"]),
                      max_job_seconds=self._settings.get_int(["max_job_seconds"]))

    def _may_run(self, action: str = SLICE) -> bool:
        printing = self._printer.is_printing() if self._printer is not None else False
        return may_run(action, printing, self._settings.get_boolean(["work_while_printing"]))

    def _bed_clear_hours(self) -> float:
        return self._settings.get_float(["bed_clear_hours"]) or DEFAULT_BED_CLEAR_HOURS

    def loaded(self) -> dict[str, str]:
        """What the settings say is loaded in the printer (a filament of the library; material and colour typed, else
        the filament's), for slicing and a print farm's matching."""
        loaded = self._settings.get(["loaded"]) or {}
        filament, material, colour = (str(loaded.get(key) or "").strip() for key in ("filament", "material", "colour"))
        if filament not in Library().filaments:  # a filament of one's own library that has gone since: none is said
            filament = ""
        material, colour = loaded_kind(filament, material, colour)
        return {"filament": filament, "material": material or "", "colour": colour or ""}

    def octoprint_printer(self, profile: dict[str, Any]) -> dict[str, Any]:
        """An OctoPrint printer profile with the start and end G-code set for it in img2print's settings, if any."""
        own = (self._settings.get(["printer_gcode"]) or {}).get(str(profile.get("id", "")))
        return {**profile, OWN_GCODE: dict(own)} if own else dict(profile)

    def set_printer_gcode(self, profile_id: str, texts: dict[str, str]) -> None:
        """Keep the start and end G-code of one OctoPrint printer profile (empty texts: back to the generic ones)."""
        kept = dict(self._settings.get(["printer_gcode"]) or {})
        if any(texts.values()):
            kept[profile_id] = {"start_gcode": texts.get("start_gcode", ""), "end_gcode": texts.get("end_gcode", "")}
        else:
            kept.pop(profile_id, None)
        self._settings.set(["printer_gcode"], kept)
        self._settings.save()

    def job_defaults(self) -> JobDefaults:
        """What the settings add to every job."""
        return JobDefaults(slicer=self._settings.get(["slicer"]) or default_backend().name,
                           slicer_settings=self._settings.get(["slicers"]) or {},
                           max_megapixels=self._settings.get_float(["max_megapixels"]),
                           timeout_s=self._settings.get_int(["max_job_seconds"]),
                           mode_defaults=self._settings.get(["mode_defaults"]) or {},
                           filament=self.loaded()["filament"] or None)

    def slicer_status(self) -> list[dict[str, Any]]:
        """Each slicer: what a user may set for it, found or not, its path and version, or how to install it."""
        configured = self._settings.get(["slicers"]) or {}
        status = []
        for backend in slicers().values():
            entry = backend.describe(api.in_user_language)
            try:
                with speaking(api.language()):
                    info = detect_slicer(backend.name, configured.get(backend.name) or {})
                entry.update(installed=True, path=info.path, version=info.version_text)
            except Img2PrintError as failure:
                entry.update(installed=False, message=failure.message)
            status.append(entry)
        return status

    # --- assets and templates ---------------------------------------------------------------------------------

    def get_assets(self) -> dict[str, list[str]]:
        """The tab's view model and style."""
        return {"js": ["js/img2print_common.js", "js/img2print_fields.js", "js/img2print_view3d.js", "js/img2print.js",
                       "js/img2print_files.js"],
                "css": ["css/img2print.css", "css/img2print_view3d.css"]}

    def get_template_vars(self) -> dict[str, Any]:
        """The files the pages know: what the tab's file picker accepts (pictures, drawings and every model format
        img2print reads), and the extensions of each kind for the file list's buttons and thumbnails (G-code's too)."""
        kinds = api.file_kinds()
        return {"accept_files": accepted(PICTURE_EXTENSIONS + kinds["models"]),
                "picture_extensions": "|".join(PICTURE_EXTENSIONS), "model_extensions": "|".join(kinds["models"]),
                "gcode_extensions": "|".join(kinds["gcode"])}

    def get_template_configs(self) -> list[dict[str, Any]]:
        """A tab, a settings page and a first-run wizard step."""
        return [{"type": "tab", "name": "img2print", "custom_bindings": True},
                {"type": "settings", "name": "img2print", "custom_bindings": True},
                {"type": "wizard", "name": "img2print", "custom_bindings": True}]

    # --- first-run wizard -------------------------------------------------------------------------------------

    def is_wizard_required(self) -> bool:
        """The wizard step (slicers found, default printer) is shown until seen, and again for a newer version."""
        return True

    def get_wizard_version(self) -> int:
        """Raise it when the wizard step asks something new."""
        return WIZARD_VERSION

    def is_template_autoescaped(self) -> bool:
        """Templates are autoescaped (mandatory from OctoPrint 1.13)."""
        return True

    # --- HTTP: the routes live in api.py ----------------------------------------------------------------------

    def is_api_protected(self) -> bool:
        """Only logged-in users and API keys reach the API."""
        return True

    def get_api_commands(self) -> dict[str, list[str]]:
        """POST /api/plugin/img2print commands and their required fields."""
        return api.COMMANDS

    def on_api_command(self, command: str, data: dict[str, Any]) -> flask.Response:
        """Run a command."""
        return self.http.command(command, data)

    def on_api_get(self, request: flask.Request) -> flask.Response:
        """Lists and job status."""
        return self.http.listing()

    def is_blueprint_protected(self) -> bool:
        """The routes check permissions themselves: the phone page sends visitors to the login page."""
        return False

    def is_blueprint_csrf_protected(self) -> bool:
        """Browser sessions must send OctoPrint's CSRF token to the upload route."""
        return True

    def get_blueprint(self) -> flask.Blueprint:
        """The blueprint with api.py's routes (made once)."""
        if not hasattr(self, "_blueprint"):
            self._blueprint = flask.Blueprint(self._identifier, self._identifier, **self.get_blueprint_kwargs())
            self.http.register(self._blueprint)
        return self._blueprint

    def bodysize(self, current_max_body_sizes, *args, **kwargs):
        """Allow large photos on the upload and calibration routes."""
        return [("POST", "/upload", api.MAX_UPLOAD_BYTES), ("POST", "/calibrate", api.MAX_UPLOAD_BYTES)]

    def preprocess_upload(self, path: str, file_object: Any, *args, **kwargs) -> Any:
        """OctoPrint's upload hook: what img2print reads is vetted before OctoPrint keeps it (api.py)."""
        return api.vetting_upload(self.http.services, path, file_object)

    # --- jobs ----------------------------------------------------------------------------------------------

    def _job_changed(self, job: Job) -> None:
        self._plugin_manager.send_plugin_message(self._identifier, {"type": "job", "job": api.job_view(job)})
        event = {"running": "job_started", "done": "job_done", "failed": "job_failed"}.get(job.status)
        if event and self.announced.get(job.id) != job.status:
            self.announced[job.id] = job.status
            self._event_bus.fire(f"plugin_img2print_{event}", {"job": job.id, "action": job.action, "file": job.name,
                                                               "error": (job.error or {}).get("code")})
        if job.status in FINISHED and job.id in self.waiters:
            self.waiters[job.id].set()

    def _free_name(self, folder: str, name: str) -> str:
        """``name`` in ``folder`` of the file list, numbered (photo-2.gcode) when that name is taken already."""
        stem, suffix = Path(name).stem, Path(name).suffix
        candidate, number = name, 1
        while self._file_manager.file_exists("local", self._file_manager.join_path("local", folder, candidate)):
            number += 1
            candidate = f"{stem}-{number}{suffix}"
        return self._file_manager.join_path("local", folder, candidate)

    def _job_output(self, job: Job, produced: Path) -> None:
        """Put a job's model or G-code into OctoPrint's file list (or hand it to OctoPrint's slicing)."""
        target = job.request.target
        if target.machinecode_path:
            shutil.copyfile(produced, target.machinecode_path)
            return
        name = self._free_name(target.folder, produced.name)
        result = job.result or {}
        analysis = None
        if produced.suffix == ".gcode":
            analysis = {"estimatedPrintTime": result.get("estimated_time_s"),
                        "filament": {"tool0": {"length": result.get("filament_mm")}}}
        path = self._file_manager.add_file("local", name, DiskFileWrapper(produced.name, str(produced), move=False),
                                           allow_overwrite=False, analysis=analysis)
        result["file"] = path
        if produced.suffix != ".gcode":
            return
        disk = self._file_manager.path_on_disk("local", path)
        if target.print:
            has_errors = any(f.get("level") == ERROR for f in result.get("findings", []))
            seen = self.prints_started
            reason = hold(target.go, self._printer.is_ready(), seen, has_errors)
            if reason is None or self._printer.is_ready():
                self._printer.select_file(disk, False, printAfterSelect=reason is None)
            if reason is None and not print_began(self._printer.is_printing, lambda: self.prints_started, seen):
                reason = "print_did_not_start"
            result["print"] = {"started": reason is None, "code": reason, "file": path}
        elif target.select and self._printer.is_ready():
            self._printer.select_file(disk, False)

    # --- OctoPrint's slicing system --------------------------------------------------------------------------

    def is_slicer_configured(self) -> bool:
        """Offered to OctoPrint's Slice dialog when PrusaSlicer or CuraEngine is installed."""
        return any(s["installed"] for s in self.slicer_status())

    def get_slicer_properties(self) -> dict[str, Any]:
        """img2print slices models and pictures to G-code."""
        return {"type": SLICER_TYPE, "name": "img2print", "same_device": True, "progress_report": True,
                "source_file_types": ["model"], "destination_extensions": list(api.file_kinds()["gcode"])}

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
            if key in PROFILE_KEYS:
                data[key] = value
            else:
                data.setdefault("options", {})[key] = value
        Path(path).write_text(json.dumps(data))

    def do_slice(self, model_path, printer_profile, machinecode_path=None, profile_path=None, position=None,
                 on_progress=None, on_progress_args=None, on_progress_kwargs=None):
        """Slice through the job queue (one job at a time, lowered priority) and wait for it.

        Not during a print (unless heavy work may run then): OctoPrint starts "Start printing" by itself once this
        returns, which must not happen on a bed the running print still occupies.
        """
        if not self._may_run():
            return False, api.in_user_language(BUSY_FOR_DIALOG)
        profile = json.loads(Path(profile_path).read_text()) if profile_path else {}
        machinecode_path = machinecode_path or str(Path(model_path).with_suffix(".gcode"))
        request = build_request(SLICE, model_path, Path(model_path).name, profile, self.job_defaults(),
                                printer_profile=self.octoprint_printer(dict(printer_profile)),
                                machinecode_path=machinecode_path)
        done = threading.Event()
        job = self.queue.submit(request.name, request)
        self.waiters[job.id] = done
        if job.status in FINISHED:
            done.set()
        try:
            while not done.wait(0.5):
                if on_progress is not None:
                    on_progress(*(on_progress_args or ()), _progress=job.progress, **(on_progress_kwargs or {}))
            if job.status == CANCELLED:
                raise SlicingCancelled()
            if job.status != DONE:
                return False, api.in_user_language((job.error or {}).get("message", JOB_FAILED))
            if on_progress is not None:  # the dialog ends at its end, however quick the job was
                on_progress(*(on_progress_args or ()), _progress=1.0, **(on_progress_kwargs or {}))
            result = job.result or {}
            return True, {"analysis": {"estimatedPrintTime": result.get("estimated_time_s"),
                                       "filament": {"tool0": {"length": result.get("filament_mm")}}}}
        finally:
            self.waiters.pop(job.id, None)

    def cancel_slicing(self, machinecode_path: str) -> None:
        """OctoPrint's cancel for a slicing job it started."""
        for job in self.queue.listing():
            if job.request.target.machinecode_path == machinecode_path:
                self.queue.cancel(job.id)


def extension_tree(*args, **kwargs) -> dict[str, Any]:
    """Pictures, SVGs and every model format img2print reads, so OctoPrint accepts and offers to slice them."""
    from octoprint.filemanager import ContentTypeMapping

    return {"model": {"img2print_picture": ContentTypeMapping(list(RASTER_EXTENSIONS), "image/*"),
                      "img2print_svg": ContentTypeMapping(list(DRAWING_EXTENSIONS), "image/svg+xml"),
                      "3mf": ContentTypeMapping(["3mf"], "model/3mf"),
                      "stl": ContentTypeMapping(["stl"], "application/sla"),
                      "obj": ContentTypeMapping(["obj"], "model/obj"),
                      "glb": ContentTypeMapping(["glb"], "model/gltf-binary"),
                      "gltf": ContentTypeMapping(["gltf"], "model/gltf+json")}}


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

    from ..command.main import main

    @click.command("cli", context_settings={"ignore_unknown_options": True, "help_option_names": []})
    @click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
    def command(arguments: tuple[str, ...]) -> None:
        """img2print's own command line: convert, trace, slice, profiles, check."""
        sys.exit(main(list(arguments)))

    return [command]
