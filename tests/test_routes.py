"""img2print's HTTP routes (plugin/api.py) through Flask's test client, without booting OctoPrint: who may do what,
what is refused and why, over stand-ins for OctoPrint's services. What only a real OctoPrint shows stays in
test_plugin.py."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
import flask_login
import pytest
from flask_babel import Babel
from octoprint.access import READONLY_GROUP, USER_GROUP
from octoprint.access.groups import GroupManager
from octoprint.access.permissions import Permissions, PluginOctoPrintPermission
from octoprint.filemanager.storage import LocalFileStorage
from octoprint.printer.profile import PrinterProfileManager
from octoprint.server.util.flask import get_json_command_from_request
from octoprint.vendor.flask_principal import AnonymousIdentity, Identity
from pictures import halves, photo_like
from PIL import Image

from octoprint_img2print.generating import tripo
from octoprint_img2print.plugin import api, jobs
from octoprint_img2print.plugin.job_request import JobDefaults, Limits
from octoprint_img2print.plugin.octoprint_plugin import permissions as plugin_permissions
from octoprint_img2print.print_rules import BedConfirmation
from octoprint_img2print.printers.profile import OWN_GCODE

API = "/api/plugin/img2print"
UPLOAD = "/plugin/img2print/upload"
PERMISSIONS_HEADER = "X-Test-Permissions"  # the stand-in login: the permission keys of the user asking
LOGIN_ONLY = {"img2print.phone"}  # the phone page needs a login only; the routes it calls check permissions
CONVERT, SLICE, MANAGE = "PLUGIN_IMG2PRINT_CONVERT", "PLUGIN_IMG2PRINT_SLICE", "PLUGIN_IMG2PRINT_MANAGE"
MANAGER_GCODE = {"start_gcode": "M140 S{bed_temperature}\nG28 ; my own start\nM190 S{bed_temperature}\n"
                                "M109 S{nozzle_temperature}\n",
                 "end_gcode": "M104 S0\nM140 S0\nM84 ; my own end\n"}


def picture_bytes(array: Any, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def add_img2print_permissions() -> None:
    """img2print's permissions as OctoPrint adds them from the plugin's hook (PLUGIN_IMG2PRINT_<KEY>, needing the
    role plugin_img2print_<role>), once in this process."""
    for definition in plugin_permissions():
        key = f"PLUGIN_IMG2PRINT_{definition['key']}"
        if Permissions.permissions.get(key) is None:
            setattr(Permissions, key, PluginOctoPrintPermission(
                f"img2print: {definition['name']}", definition["description"],
                *(f"plugin_img2print_{role}" for role in definition["roles"]),
                plugin="img2print", default_groups=definition["default_groups"]))


def group(name: str) -> tuple[str, ...]:
    """The permission keys OctoPrint gives a default group (img2print's own among them)."""
    return tuple(permission.key for permission in GroupManager.default_permissions_for_group(name))


class User(flask_login.UserMixin):
    """Stand-in for OctoPrint's logged-in user: an id and the permission keys it holds."""

    def __init__(self, permissions: tuple[str, ...]) -> None:
        self.id, self.permissions = "tester", permissions


class FileListStandIn:
    """Stand-in for OctoPrint's file manager: OctoPrint's own local storage in a temporary folder ("local" only; no
    analysis, no events, no upload hooks, no check of file types)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.storage = LocalFileStorage(str(folder))

    def file_exists(self, _origin: str, path: str) -> bool:
        return self.storage.file_exists(path)

    def path_on_disk(self, _origin: str, path: str) -> str:
        return self.storage.path_on_disk(path)

    def sanitize_path(self, _origin: str, path: str) -> str:
        return self.storage.sanitize_path(path)

    def add_file(self, _origin: str, path: str, file_object: Any, **_: Any) -> str:
        """Saved as OctoPrint's storage names it (its check of the file type needs OctoPrint's plugins)."""
        stored = self.storage.path_in_storage(path)
        file_object.save(self.storage.path_on_disk(stored))
        return stored

    def put(self, name: str, data: bytes) -> None:
        """A file in the list, as if someone had uploaded it."""
        (self.folder / name).write_bytes(data)

    def names(self) -> list[str]:
        return sorted(path.name for path in self.folder.iterdir() if path.is_file())


class PrinterStandIn:
    """Stand-in for OctoPrint's printer: "ready", "printing" (a file, 12 % done) or "offline"; a print started on a
    ready printer makes it print."""

    def __init__(self) -> None:
        self.state, self.file, self.prints = "ready", "", 0

    def is_printing(self) -> bool:
        return self.state == "printing"

    def is_pausing(self) -> bool:
        return False

    def is_paused(self) -> bool:
        return False

    def is_cancelling(self) -> bool:
        return False

    def is_ready(self) -> bool:
        return self.state == "ready"

    def is_operational(self) -> bool:
        return self.state != "offline"

    def get_current_job(self) -> dict[str, Any]:
        return {"file": {"name": self.file}}

    def get_current_data(self) -> dict[str, Any]:
        return {"progress": {"completion": 12.0 if self.is_printing() else None}}

    def select_file(self, path: str, _sd: bool, printAfterSelect: bool = False) -> None:  # noqa: N803 (OctoPrint's)
        if printAfterSelect and self.is_ready():
            self.state, self.file, self.prints = "printing", Path(path).name, self.prints + 1


class PrinterProfileStandIn:
    """Stand-in for OctoPrint's current printer profile (its default one) and img2print's setting of its own start
    and end G-code."""

    def __init__(self) -> None:
        self.own: dict[str, str] = {}

    def current(self) -> dict[str, Any]:
        profile = dict(PrinterProfileManager.default)
        return {**profile, OWN_GCODE: dict(self.own)} if self.own else profile

    def set_gcode(self, _profile_id: str, texts: dict[str, str]) -> None:
        self.own = dict(texts) if any(texts.values()) else {}


@dataclass
class Host:
    """img2print's routes in a small Flask app standing in for OctoPrint, with its stand-in services."""

    app: flask.Flask
    files: FileListStandIn
    printer: PrinterStandIn
    queue: jobs.JobQueue

    def send(self, method: str, path: str, who: tuple[str, ...] | None, **kwargs: Any) -> Any:
        """A request by a user with the permissions ``who`` (None: anonymous)."""
        headers = {**kwargs.pop("headers", {}), **({PERMISSIONS_HEADER: ",".join(who)} if who is not None else {})}
        if "data" in kwargs:  # a form's files as (bytes, name), opened anew for each request
            kwargs["data"] = {key: (io.BytesIO(value[0]), value[1]) if isinstance(value, tuple) else value
                              for key, value in kwargs["data"].items()}
            kwargs["content_type"] = "multipart/form-data"
        return self.app.test_client().open(path, method=method, headers=headers, **kwargs)

    def command(self, name: str, who: tuple[str, ...] | None = None, **fields: Any) -> Any:
        """POST /api/plugin/img2print with a command (by a user with every permission unless ``who``)."""
        return self.send("POST", API, everything() if who is None else who, json={"command": name, **fields})

    def upload(self, data: bytes, name: str, who: tuple[str, ...] | None = None,
               headers: dict[str, str] | None = None, **fields: str) -> Any:
        """POST /plugin/img2print/upload with a file (by a user with every permission unless ``who``)."""
        return self.send("POST", UPLOAD, everything() if who is None else who, headers=headers or {},
                         data={"file": (data, name), **fields})


def everything() -> tuple[str, ...]:
    """Every permission OctoPrint knows (an admin's)."""
    return tuple(Permissions.permissions)


def host_app(http: api.HttpApi) -> flask.Flask:
    """A Flask app standing in for OctoPrint around the routes: its login (a header naming the user's permissions),
    identity (the needs of those permissions, as OctoPrint's user provides), locale (Accept-Language), the
    blueprint under /plugin/img2print, and the SimpleApiPlugin's GET and POST under /api/plugin/img2print with
    OctoPrint's own check of a command's fields (not its API protection: img2print's own checks answer here)."""
    app = flask.Flask(__name__)
    app.secret_key = "routes"
    Babel(app, locale_selector=lambda: flask.request.accept_languages.best_match(["en", "de", "es", "fr"], "en"))
    logins = flask_login.LoginManager(app)

    @logins.request_loader
    def load_user(request: flask.Request) -> User | None:
        keys = request.headers.get(PERMISSIONS_HEADER)
        return None if keys is None else User(tuple(key for key in keys.split(",") if key))

    @app.before_request
    def identify() -> None:
        user = flask_login.current_user
        if user.is_anonymous:
            flask.g.identity = AnonymousIdentity()
            return
        flask.g.identity = Identity(user.id)
        for key in user.permissions:
            flask.g.identity.provides.update(Permissions.permissions[key].needs)

    def command() -> flask.Response:
        name, data, _response = get_json_command_from_request(flask.request, api.COMMANDS)
        return http.command(name, data)

    blueprint = flask.Blueprint("img2print", __name__)
    http.register(blueprint)
    app.register_blueprint(blueprint, url_prefix="/plugin/img2print")
    app.add_url_rule(API, "api_get", http.listing, methods=["GET"])
    app.add_url_rule(API, "api_command", command, methods=["POST"])
    return app


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Host]:
    """The routes over stand-ins, with a real job queue that runs nothing (its jobs wait; no warm process)."""
    add_img2print_permissions()
    monkeypatch.setattr(jobs, "warm_up", lambda: None)
    (tmp_path / "files").mkdir()
    files, printer, profile = FileListStandIn(tmp_path / "files"), PrinterStandIn(), PrinterProfileStandIn()
    queue = jobs.JobQueue(tmp_path / "data", on_change=lambda _job: None, on_finished=lambda _job, _path: None,
                          settings=Limits, may_run=lambda _action: False)
    http = api.HttpApi(api.Services(
        file_manager=files, printer=printer, queue=queue, data_folder=tmp_path / "data",
        job_defaults=lambda: JobDefaults(slicer="prusaslicer", slicer_settings={}), default_printer=lambda: "",
        slicer_status=lambda: [], prints_seen=lambda: printer.prints, limits=Limits,
        tripo_access=lambda: tripo.TripoAccess(base_url="http://127.0.0.1:9"), bed=BedConfirmation(),
        octoprint_printer=profile.current, set_printer_gcode=profile.set_gcode, loaded=lambda: {}))
    yield Host(host_app(http), files, printer, queue)
    queue.stop()


def registered_requests(app: flask.Flask) -> list[tuple[str, str, dict[str, Any]]]:
    """Every request the app answers as registered: each method of each route (the API's POST once per command),
    with a body that would pass a route without a permission check."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint == "api_command":
                found += [(method, rule.rule, {"json": {"command": name, **dict.fromkeys(fields, "own.png")}})
                          for name, fields in api.COMMANDS.items()]
            elif method == "POST":
                found.append((method, rule.rule, {"data": {"action": "convert", "file": (b"x", "p.png")}}))
            else:
                found.append((method, rule.rule + "?path=own.png&job=x&url=http://x", {}))
    return found


def refused(answer: Any, status: int, code: str) -> bool:
    return answer.status_code == status and answer.get_json()["error"]["code"] == code


def test_every_registered_route_and_command_refuses_anonymous_users_and_users_without_its_permission(host):
    """Read from what is registered: a new route or command without a permission check fails here."""
    host.files.put("own.png", picture_bytes(halves()))
    asked = registered_requests(host.app)
    endpoints = {rule.endpoint for rule in host.app.url_map.iter_rules()}
    assert endpoints >= LOGIN_ONLY and {"img2print.upload", "img2print.thumbnail", "api_command"} <= endpoints
    assert sum(path == API and method == "POST" for method, path, _ in asked) == len(api.COMMANDS)
    for method, path, kwargs in asked:
        anonymous = host.send(method, path, None, **kwargs)
        if path.startswith("/plugin/img2print/phone?"):
            assert anonymous.status_code == 302 and "/login/?redirect=" in anonymous.location
            continue
        assert refused(anonymous, 401, "unauthorized"), (method, path, kwargs, anonymous.status_code)
        assert refused(host.send(method, path, (), **kwargs), 403, "forbidden"), (method, path, kwargs)
    assert host.files.names() == ["own.png"] and host.queue.listing() == [] and host.printer.state == "ready"


@pytest.mark.parametrize(("method", "path", "body", "needed"), [
    ("GET", API, {}, (CONVERT,)),
    ("POST", API, {"command": "preview", "file": "own.png"}, (CONVERT,)),
    ("POST", API, {"command": "check", "file": "own.png"}, (CONVERT,)),
    ("POST", API, {"command": "convert", "file": "own.png"}, (CONVERT, "FILES_UPLOAD")),
    ("POST", API, {"command": "repair", "file": "own.png"}, (CONVERT, "FILES_UPLOAD")),
    ("POST", API, {"command": "slice", "file": "own.png"}, (SLICE, "SLICE")),
    ("POST", API, {"command": "slice", "file": "own.png", "select": True}, (SLICE, "SLICE", "FILES_SELECT")),
    ("POST", API, {"command": "slice", "file": "own.png", "print": True}, (SLICE, "SLICE", "PRINT")),
    ("POST", API, {"command": "print", "file": "own.png"}, ("PRINT",)),
    ("POST", API, {"command": "bed_clear"}, ("PRINT",)),
    ("POST", API, {"command": "printer_gcode"}, (MANAGE,)),
    ("POST", API, {"command": "cancel", "job": "nothing"}, (CONVERT,)),
    ("POST", UPLOAD, {"action": "preview"}, ("FILES_UPLOAD", CONVERT)),
    ("POST", UPLOAD, {"action": "convert"}, ("FILES_UPLOAD", CONVERT)),
    ("POST", UPLOAD, {"action": "slice"}, ("FILES_UPLOAD", SLICE, "SLICE")),
    ("POST", UPLOAD, {"action": "print"}, ("FILES_UPLOAD", SLICE, "SLICE", "PRINT")),
    ("POST", UPLOAD, {"action": "slice", "select": "true"}, ("FILES_UPLOAD", SLICE, "SLICE", "FILES_SELECT")),
    ("GET", "/plugin/img2print/thumbnail?path=own.png", {}, ("FILES_LIST",)),
    ("GET", "/plugin/img2print/view?job=nothing", {}, (CONVERT,)),
    ("GET", "/plugin/img2print/phone-code.svg", {}, (CONVERT,)),
    ("POST", "/plugin/img2print/calibrate", {}, (CONVERT,)),
])
def test_each_action_needs_exactly_its_permissions(host, method, path, body, needed):
    """One permission short is 403; with all of them the request is answered (whatever it is, not 401/403)."""
    kwargs = {"json": body} if path == API and method == "POST" else {"data": body} if method == "POST" else {}
    for missing in needed:
        short = tuple(key for key in needed if key != missing)
        assert refused(host.send(method, path, short, **kwargs), 403, "forbidden"), missing
    assert host.send(method, path, needed, **kwargs).status_code not in (401, 403)


def test_octoprints_groups_read_only_users_see_thumbnails_only_and_ordinary_users_convert_and_list(host):
    viewer, maker = group(READONLY_GROUP), group(USER_GROUP)
    host.files.put("own.png", picture_bytes(halves()))
    assert host.send("GET", "/plugin/img2print/thumbnail?path=own.png", viewer).status_code in (200, 204)
    for method, path, kwargs in registered_requests(host.app):
        if "thumbnail" not in path and "/phone?" not in path:
            assert refused(host.send(method, path, viewer, **kwargs), 403, "forbidden"), (method, path, kwargs)
    listing = host.send("GET", API, maker)
    assert listing.status_code == 200
    assert {"printers", "intents", "modes", "slicers", "jobs"} <= set(listing.get_json())
    assert host.command("convert", maker, file="own.png").status_code == 202
    assert refused(host.command("printer_gcode", maker, **MANAGER_GCODE), 403, "forbidden")


def test_refusals_speak_the_users_language(host):
    refused_in_german = host.upload(b"x", "p.png", group(READONLY_GROUP), action="convert",
                                    headers={"Accept-Language": "de"})
    assert refused_in_german.status_code == 403
    assert refused_in_german.get_json()["error"]["message"] == "Dieser OctoPrint-Benutzer darf das nicht."


def test_paths_out_of_the_file_list_are_unknown_files_not_server_errors(host):
    for path in ("../config.yaml", "../../etc/passwd", "/etc/passwd"):
        answer = host.command("check", file=path)
        assert refused(answer, 404, "unknown_file"), path
        assert "root:" not in answer.get_data(as_text=True)
        assert host.send("GET", f"/plugin/img2print/thumbnail?path={path}", everything()).status_code == 404
    for name, body in (("convert", {"file": ""}), ("convert", {"file": "", "options": {"text": "  "}}),
                       ("check", {"file": "", "options": {"text": "Anna"}}),  # words alone: no check
                       ("slice", {"file": "", "mode": "lithophane"}), ("preview", {"file": "gone.png"})):
        assert refused(host.command(name, **body), 404, "unknown_file"), body
    assert host.queue.listing() == []


def test_missing_fields_and_unknown_commands_are_refused_by_octoprints_command_check(host):
    assert host.command("cancel").status_code == 400
    assert host.command("generate", file="own.png").status_code == 400  # no height
    assert host.command("melt", file="own.png").status_code == 400


def test_bad_numbers_and_kinds_of_file_are_refused_before_a_job_is_queued(host):
    host.files.put("pawn.jpg", picture_bytes(photo_like(64, 64), "JPEG"))
    answer = host.command("generate", file="pawn.jpg", height="tall", confirm_credits=True)
    assert refused(answer, 400, "bad_parameter") and "height" in answer.get_json()["error"]["message"]
    assert refused(host.command("generate", file="pawn.jpg", height=50), 400, "credits_unconfirmed")
    assert refused(host.command("repair", file="pawn.jpg"), 400, "not_a_model")
    assert refused(host.command("print", file="pawn.jpg", bed_clear=True), 400, "not_gcode")
    assert refused(host.command("printer_gcode", start_gcode=12), 400, "bad_printer_gcode")
    assert refused(host.send("GET", "/plugin/img2print/phone-code.svg?url=javascript:x", everything()), 400,
                   "bad_address")
    assert host.queue.listing() == []


def test_unknown_jobs_are_404_and_cancelling_a_finished_job_is_409_never_500(host):
    host.files.put("own.png", picture_bytes(halves()))
    assert refused(host.send("GET", f"{API}?job=nothing", everything()), 404, "unknown_job")
    assert refused(host.command("cancel", job="nothing"), 404, "unknown_job")
    assert refused(host.send("GET", "/plugin/img2print/view?job=nothing", everything()), 404, "no_view")
    job = host.command("preview", file="own.png").get_json()
    assert job["status"] == "queued" and host.send("GET", f"{API}?job={job['id']}", everything()).status_code == 200
    assert host.command("cancel", job=job["id"]).get_json() == {"cancelled": True}
    again = host.command("cancel", job=job["id"])
    assert refused(again, 409, "job_finished") and again.get_json()["error"]["details"]["status"] == "cancelled"


@pytest.mark.parametrize(("name", "data", "status", "code"), [
    ("broken.jpg", picture_bytes(photo_like(100, 80), "JPEG")[:800], 400, "image_damaged"),
    ("lol.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">'
                b'<text>&a;</text></svg>', 400, "svg_unsafe"),
    ("notes.png", b"just some text, not a picture", 400, "not_an_image"),
    ("empty.png", b"", 400, "empty_file"),
    ("table.xlsx", b"PK\x03\x04", 415, "unsupported_type"),
    ("broken.stl", b"solid broken\nfacet normal 0 0 1\n", 400, "unreadable_model"),
])
def test_bad_uploads_get_clear_4xx_and_leave_nothing(host, name, data, status, code):
    answer = host.upload(data, name, action="convert")
    assert refused(answer, status, code)
    assert name in answer.get_json()["error"]["message"] or status == 415
    assert host.files.names() == [] and host.queue.listing() == []


def test_oversize_pictures_are_refused(host):
    buffer = io.BytesIO()
    Image.new("L", (9000, 8000), 200).save(buffer, format="PNG")
    assert refused(host.upload(buffer.getvalue(), "huge.png", action="convert"), 400, "image_too_large")
    assert host.files.names() == []


def test_bad_form_fields_are_refused_before_anything_is_stored(host):
    png = picture_bytes(halves())
    assert refused(host.upload(png, "options.png", action="convert", options="{not json"), 400, "bad_json")
    assert refused(host.upload(png, "options.png", action="convert", overrides="[1]"), 400, "bad_json")
    assert refused(host.upload(png, "options.png", action="melt"), 400, "bad_action")
    assert refused(host.upload(png, "options.png", action="generate"), 400, "credits_unconfirmed")
    no_file = host.send("POST", UPLOAD, everything(), data={"action": "convert"})
    assert refused(no_file, 400, "no_file")
    assert host.files.names() == [] and host.queue.listing() == []


def test_a_good_upload_lands_in_the_file_list_and_queues_its_job(host):
    answer = host.upload(picture_bytes(halves()), "good.png", action="preview")
    assert answer.status_code == 202 and answer.get_json()["file"] == "good.png"
    assert host.files.names() == ["good.png"] and [job.name for job in host.queue.listing()] == ["good.png"]


def test_without_the_bed_clear_confirmation_nothing_is_sliced_or_printed(host):
    png = picture_bytes(halves())
    assert refused(host.upload(png, "unconfirmed.png", action="print", mode="logo"), 400, "bed_clear_unconfirmed")
    assert host.files.names() == []
    host.files.put("api.png", png)
    host.files.put("ready.gcode", b"G28\nG1 X10 Y10 F3000\n")
    assert refused(host.command("slice", file="api.png", print=True), 400, "bed_clear_unconfirmed")
    assert refused(host.command("print", file="ready.gcode"), 400, "bed_clear_unconfirmed")
    assert refused(host.command("print", file="ready.gcode", use_bed_confirmation=True), 409, "bed_clear_unconfirmed")
    assert host.queue.listing() == [] and host.printer.state == "ready"


def test_a_confirmed_print_starts_once_and_a_busy_or_offline_printer_is_refused(host):
    host.files.put("ready.gcode", b"G28\n")
    started = host.command("print", file="ready.gcode", bed_clear=True)
    assert started.status_code == 200 and started.get_json() == {"started": True, "file": "ready.gcode"}
    assert host.printer.file == "ready.gcode"
    assert refused(host.command("print", file="ready.gcode", bed_clear=True), 409, "printer_was_busy")
    assert refused(host.command("bed_clear"), 409, "bed_busy")
    state = host.send("GET", f"{API}?printer", everything()).get_json()["printer"]
    assert state["state"] == "printing" and state["file"] == "ready.gcode" and state["percent"] == 12
    host.printer.state = "offline"
    assert refused(host.command("bed_clear"), 409, "bed_printer_offline")
    assert refused(host.command("print", file="ready.gcode", bed_clear=True), 409, "printer_not_ready")
    assert host.printer.prints == 1


def test_the_hosts_bed_confirmation_starts_one_print_and_is_used_up(host):
    host.files.put("ready.gcode", b"G28\n")
    confirmed = host.command("bed_clear")
    assert confirmed.status_code == 200 and confirmed.get_json()["bed"]["clear"] is True
    assert host.send("GET", f"{API}?bed", everything()).get_json()["bed"]["by"] == "tester"
    assert host.command("print", file="ready.gcode", use_bed_confirmation=True).get_json()["started"] is True
    assert host.send("GET", f"{API}?bed", everything()).get_json()["bed"]["clear"] is False


def test_the_gcode_of_octoprints_printer_is_refused_when_unsafe(host):
    unsafe = host.command("printer_gcode", **{**MANAGER_GCODE, "start_gcode": "M109 S215\n"})
    assert refused(unsafe, 400, "gcode_not_homed") and "'Default'" in unsafe.get_json()["error"]["message"]
    assert refused(host.command("printer_gcode", **{**MANAGER_GCODE, "end_gcode": "M84\n"}), 400,
                   "gcode_heaters_left_on")
    assert host.send("GET", API, everything()).get_json()["octoprint_printer"]["own_gcode"] is False
    assert host.command("printer_gcode", **MANAGER_GCODE).get_json()["octoprint_printer"]["own_gcode"] is True


def test_the_listing_gives_each_mode_its_intents_and_the_printers_and_their_state_in_the_users_language(host):
    from octoprint_img2print import i18n

    listing = host.send("GET", API, group(USER_GROUP), headers={"Accept-Language": "de"}).get_json()
    modes = {mode["id"]: mode for mode in listing["modes"]}
    assert modes["lithophane"]["intents"] == ["lithophane", "display", "functional"]
    assert modes["painting"]["own_filaments"] and not modes["td-card"]["own_filaments"]
    german = i18n.translations(("de",)).gettext("Generic 200 mm printer")
    assert german != "Generic 200 mm printer", "the German catalogue translates it"
    assert german in [printer["name"] for printer in listing["printers"]]
    assert listing["printer_state"]["state"] == "ready" and listing["octoprint_printer"]["suggested"]["id"] == "generic"
    state = host.send("GET", f"{API}?printer", everything()).get_json()["printer"]
    assert set(state) == {"state", "occupied", "file", "percent", "message"} and state["message"]


def test_selecting_a_result_needs_octoprints_own_select_permission(host):
    slicer = (CONVERT, SLICE, "SLICE", "FILES_UPLOAD", "FILES_LIST")
    host.files.put("selectable.png", picture_bytes(halves()))
    asked = {"file": "selectable.png", "mode": "relief", "options": {"width": 30}}
    assert refused(host.command("slice", slicer, select=True, **asked), 403, "forbidden")
    assert host.command("slice", slicer, **asked).status_code == 202
