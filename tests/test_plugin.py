"""The plugin in a real OctoPrint with its virtual printer: upload, preview, convert, slice, print; permissions,
bad uploads, OctoPrint's own slicing, events, and a restart in the middle of a job."""

from __future__ import annotations

import io
import re
import subprocess
import time
from pathlib import Path

import pytest
import requests
import trimesh
import yaml
from conftest import require
from octoprint_server import OCTOPRINT, Server, Session
from pictures import halves, photo_like
from PIL import Image
from test_gcode_safety import printer_run

EVENT_CONFIG = """events:
  enabled: true
  subscriptions:
  - event: plugin_img2print_job_done
    command: touch {marker}/done-{{job}}
    type: system
  - event: plugin_img2print_job_failed
    command: touch {marker}/failed-{{job}}
    type: system
  - event: plugin_img2print_job_started
    command: touch {marker}/started-{{job}}
    type: system
"""
pytestmark = pytest.mark.octoprint


def event_seen(server: Server, marker: str, timeout: float = 20.0) -> bool:
    """True once OctoPrint's event subscription (a system command, run asynchronously) left its marker."""
    deadline = time.monotonic() + timeout
    while not (server.marker / marker).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def picture_bytes(array, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    base = tmp_path_factory.mktemp("octoprint")
    marker = tmp_path_factory.mktemp("events")
    with Server(OCTOPRINT, base / "base", extra_config=EVENT_CONFIG.format(marker=marker),
                users=(("viewer", "viewer-pw", "readonly"), ("maker", "maker-pw", "users"))) as running:
        running.marker = marker
        running.wait_for_log("img2print 0.1.0 ready")
        yield running


@pytest.fixture(scope="module")
def admin(server):
    return server.session()


def test_pictures_upload_into_octoprints_own_file_list(admin):
    answer = admin.post("/api/files/local", files={"file": ("own.png", picture_bytes(halves()))})
    assert answer.status_code == 201, answer.text
    assert "own.png" in admin.files()


def test_preview_shows_the_solid_and_the_backlit_lithophane(admin):
    answer = admin.upload(picture_bytes(photo_like(240, 180), "JPEG"), "photo.jpg", action="preview",
                          options='{"width": 80}')
    assert answer.status_code == 202, answer.text
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done", state
    result = state["result"]
    assert result["preview"].startswith("data:image/png;base64,")
    assert result["backlit"].startswith("data:image/png;base64,")
    assert result["closed"] and result["size_mm"][0] == pytest.approx(80, rel=0.005)
    again = admin.post("/api/plugin/img2print", json={"command": "preview", "file": "photo.jpg",
                                                      "options": {"width": 80}, "pictures": False})
    quick = admin.wait(again.json()["id"])["result"]
    assert "preview" not in quick and "backlit" not in quick, "a page with a 3D view asks for no pictures"
    assert quick["view"]["bed_size_mm"] == result["view"]["bed_size_mm"] and quick["live"] == result["live"]


def test_preview_says_when_it_does_not_fit_the_printer(admin):
    answer = admin.upload(picture_bytes(halves()), "wide.png", action="preview", mode="logo",
                          options='{"width": 400}', printer="prusa_mini")
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done"
    codes = {f["code"]: f for f in state["result"]["findings"]}
    assert codes["does_not_fit"]["level"] == "error" and "Prusa MINI+" in codes["does_not_fit"]["message"]


def test_upload_and_convert_puts_a_closed_model_in_the_file_list(admin):
    answer = admin.upload(picture_bytes(halves()), "relief.png", action="convert", mode="relief",
                          options='{"width": 40}')
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done" and state["result"]["closed"]
    assert "relief.stl" in admin.files()


def test_slice_command_on_a_listed_picture_gives_gcode_with_its_figures(admin, server):
    admin.post("/api/files/local", files={"file": ("badge.png", picture_bytes(halves()))})
    answer = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "badge.png", "mode": "logo",
                                                        "options": {"width": 30}, "printer": "generic"})
    assert answer.status_code == 202, answer.text
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done", state
    assert state["result"]["layers"] > 10 and state["result"]["slicer"] in ("prusaslicer", "cura")
    deadline = time.monotonic() + 60
    while "gcodeAnalysis" not in (info := admin.get("/api/files/local/badge.gcode").json()):
        assert time.monotonic() < deadline, info
        time.sleep(0.5)
    assert info["gcodeAnalysis"]["estimatedPrintTime"] == pytest.approx(state["result"]["estimated_time_s"], rel=0.01)
    assert event_seen(server, f"done-{state['id']}") and event_seen(server, f"started-{state['id']}")


def test_octoprints_own_slicing_api_uses_img2print(admin):
    stl = io.BytesIO()
    trimesh.creation.box(extents=(15, 15, 6)).export(stl, file_type="stl")
    admin.post("/api/files/local", files={"file": ("block.stl", stl.getvalue())})
    answer = admin.post("/api/files/local/block.stl", json={"command": "slice", "slicer": "img2print",
                                                             "gcode": "block.gcode"})
    assert answer.status_code == 202, answer.text
    admin.wait_for_file("block.gcode", 120)
    assert ";LAYER" in admin.get("/downloads/files/local/block.gcode").text


def test_octoprints_slice_dialog_offers_img2print_profiles_and_slices_pictures(admin):
    slicers = admin.get("/api/slicing").json()
    assert slicers["img2print"]["configured"] is True
    profiles = slicers["img2print"]["profiles"]
    assert {"auto", "lithophane", "logo", "model-display"} <= set(profiles)
    assert [key for key, profile in profiles.items() if profile["default"]] == ["auto"]
    assert profiles["lithophane"]["displayName"] == "img2print: Lithophane"
    assert profiles["cookie-cutter"]["displayName"] == "img2print: Cookie cutter"
    assert profiles["model-display"]["displayName"].startswith("img2print: Model as it is")
    admin.post("/api/files/local", files={"file": ("holiday.jpg", picture_bytes(photo_like(300, 200), "JPEG"))})
    answer = admin.post("/api/files/local/holiday.jpg", json={"command": "slice", "slicer": "img2print",
                                                               "gcode": "holiday.gcode"})
    assert answer.status_code == 202, answer.text
    admin.wait_for_file("holiday.gcode", 300)
    heights = [float(z) for z in re.findall(r"^G1 Z([\d.]+)", admin.get("/downloads/files/local/holiday.gcode").text,
                                            re.M)]
    assert max(heights) > 40, "a photo through the dialog's default profile is an upright lithophane"
    admin.post("/api/files/local", files={"file": ("window.png", picture_bytes(halves()))})
    answer = admin.post("/api/files/local/window.png", json={"command": "slice", "slicer": "img2print",
                                                              "profile": "lithophane", "gcode": "window.gcode",
                                                              "profile.width": 40})
    assert answer.status_code == 202, answer.text
    admin.wait_for_file("window.gcode", 180)
    text = admin.get("/downloads/files/local/window.gcode").text
    assert "; thumbnail begin" in text and ";LAYER" in text


def printed_to_the_end(admin: Session, name: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while True:
        job = admin.get("/api/job").json()
        if job["job"]["file"]["name"] == name and job["state"] == "Operational" and \
                (job["progress"]["completion"] or 0) >= 99.9:
            return
        assert time.monotonic() < deadline, job
        time.sleep(1)


def heater_targets(admin: Session) -> tuple[float, float]:
    temperature = admin.get("/api/printer").json()["temperature"]
    return temperature["tool0"]["target"], temperature["bed"]["target"]


def assert_homes_heats_and_cools(gcode: str) -> None:
    run = printer_run(gcode)
    assert run["first"] == {"homed": True, "hot": True} and run["nozzle_at_end"] == run["bed_at_end"] == 0, run


def test_slice_and_print_runs_to_the_end_on_the_virtual_printer(admin):
    answer = admin.upload(picture_bytes(halves(60, 40)), "tiny.png", action="print", mode="logo",
                          options='{"width": 12}', printer="generic", bed_clear="true")
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done", state
    printed_to_the_end(admin, "tiny.gcode")


def test_octoprints_own_printer_homes_heats_and_ends_with_the_heaters_off_from_the_api_and_the_dialog(admin):
    """OctoPrint's printer profile has no start or end G-code: img2print's generic ones home, heat and wait, and
    turn the heaters off, so after the virtual print the printer's targets are 0 (OctoPrint's own after-print
    script is empty)."""
    listing = admin.get("/api/plugin/img2print").json()
    assert listing["defaults"]["printer"] == "" and listing["octoprint_printer"]["own_gcode"] is False
    assert listing["octoprint_printer"]["suggested"]["id"] == "generic"  # 200 x 200 x 200 mm, as OctoPrint's default
    answer = admin.upload(picture_bytes(halves(60, 40)), "plain.png", action="print", mode="logo",
                          options='{"width": 10}', bed_clear="true")
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done" and state["result"]["print"]["started"] is True, state
    assert_homes_heats_and_cools(admin.get(f"/downloads/files/local/{state['result']['file']}").text)
    wait_for_heating = time.monotonic() + 60
    while heater_targets(admin) == (0, 0):
        assert time.monotonic() < wait_for_heating
        time.sleep(0.5)
    printed_to_the_end(admin, state["result"]["file"])
    assert heater_targets(admin) == (0, 0)
    answer = admin.post("/api/files/local/plain.png", json={"command": "slice", "slicer": "img2print",
                                                             "profile": "logo", "gcode": "plain-dialog.gcode",
                                                             "profile.width": 10})
    assert answer.status_code == 202, answer.text
    admin.wait_for_file("plain-dialog.gcode", 180)
    assert_homes_heats_and_cools(admin.get("/downloads/files/local/plain-dialog.gcode").text)
    admin.post("/api/files/local/plain-dialog.gcode", json={"command": "select", "print": True})
    printed_to_the_end(admin, "plain-dialog.gcode")
    assert heater_targets(admin) == (0, 0)


def test_the_gcode_set_for_octoprints_printer_is_kept_in_its_slices_and_forgotten(admin):
    mine = {"command": "printer_gcode", "end_gcode": "M104 S0\nM140 S0\nM84 ; my own end\n",
            "start_gcode": "M140 S{bed_temperature}\nG28 ; my own start\nM190 S{bed_temperature}\n"
                           "M109 S{nozzle_temperature}\n"}
    assert admin.get("/api/plugin/img2print").json()["octoprint_printer"]["own_gcode"] is False
    try:
        answer = admin.post("/api/plugin/img2print", json=mine)
        assert answer.status_code == 200 and answer.json()["octoprint_printer"]["own_gcode"] is True
        admin.post("/api/files/local", files={"file": ("mine.png", picture_bytes(halves(60, 40)))})
        job = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "mine.png", "mode": "logo",
                                                        "options": {"width": 10}}).json()
        state = admin.wait(job["id"])
        gcode = admin.get(f"/downloads/files/local/{state['result']['file']}").text
        assert "my own start" in gcode and "my own end" in gcode
        assert_homes_heats_and_cools(gcode)
    finally:
        forgotten = admin.post("/api/plugin/img2print", json={"command": "printer_gcode", "start_gcode": "",
                                                              "end_gcode": ""})
    assert forgotten.json()["octoprint_printer"]["own_gcode"] is False
    assert "G28" in forgotten.json()["octoprint_printer"]["start_gcode"]


def test_an_upload_is_read_in_a_memory_capped_child_and_octoprint_stays_up(admin):
    flat = io.BytesIO()
    Image.new("RGB", (7000, 6000), (120, 80, 40)).save(flat, format="PNG")
    assert admin.post("/api/settings", json={"plugins": {"img2print": {"memory_mb": 300}}}).status_code == 200
    try:
        answer = admin.upload(flat.getvalue(), "flat42mp.png", action="convert")
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "out_of_memory", answer.text
        assert "flat42mp.png" in answer.json()["error"]["message"] and "flat42mp.png" not in admin.files()
        assert admin.get("/api/printer").status_code in (200, 409)
    finally:
        admin.post("/api/settings", json={"plugins": {"img2print": {"memory_mb": 1536}}})


def test_check_command_reports_on_a_model(admin):
    answer = admin.post("/api/plugin/img2print", json={"command": "check", "file": "relief.stl"})
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done" and state["result"]["closed"] is True


def test_check_and_repair_a_broken_model_of_the_file_list(admin, server, tmp_path):
    box = trimesh.creation.box(extents=(20, 20, 20))
    box.apply_translation((10, 10, 10))
    trimesh.Trimesh(box.vertices, box.faces[2:], process=False).export(str(tmp_path / "holed.stl"))
    admin.post("/api/files/local", files={"file": ("holed.stl", (tmp_path / "holed.stl").read_bytes())})

    def job(command: str) -> dict:
        answer = admin.post("/api/plugin/img2print", json={"command": command, "file": "holed.stl"})
        return admin.wait(answer.json()["id"])

    state = job("check")
    assert state["result"]["closed"] is False and state["result"]["repairable"] is True
    state = job("repair")
    assert state["status"] == "done" and state["result"]["fixed"] is True, state
    assert state["result"]["file"] == "holed-repaired.stl" and "holed-repaired.stl" in admin.files()
    assert [g["code"] for g in state["result"]["groups"]] == ["closed_holes"]
    repaired = trimesh.load(io.BytesIO(admin.get("/downloads/files/local/holed-repaired.stl").content), file_type="stl")
    assert repaired.is_watertight and repaired.volume == pytest.approx(8000)
    maker = Session(server.port, "maker", "maker-pw")
    assert maker.post("/api/plugin/img2print", json={"command": "repair", "file": "relief.png"}).status_code == 400


def test_generate_with_tripo_keeps_the_key_from_every_page_and_asks_before_spending(admin, server):
    """Tripo's cloud cannot be reached from here: OctoPrint talks to the STAND-IN from tripo_standin.py."""
    from tripo_standin import TripoStandIn

    plugin = "/api/plugin/img2print"
    admin.post("/api/files/local", files={"file": ("pawn.jpg", picture_bytes(photo_like(320, 240), "JPEG"))})
    with TripoStandIn() as standin:
        saved = admin.post("/api/settings", json={"plugins": {"img2print": {"tripo": {
            "api_key": "tsk_plugin_secret", "base_url": standin.url}}}})
        assert saved.status_code == 200, saved.text
        assert "tsk_plugin_secret" not in admin.get("/api/settings").text
        assert admin.get(plugin).json()["tripo"]["configured"] is True
        price = admin.post(plugin, json={"command": "quote"}).json()
        assert price["cost"] == 20 and price["balance"] == 600 and "third-party" in price["third_party"]
        asked = {"command": "generate", "file": "pawn.jpg", "height": 50}
        refused = admin.post(plugin, json=asked)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "credits_unconfirmed"
        assert not standin.created_tasks
        state = admin.wait(admin.post(plugin, json={**asked, "confirm_credits": True}).json()["id"])
        assert state["status"] == "done", state
        assert state["result"]["file"] == "pawn-3d.stl" and state["result"]["size_mm"][2] == pytest.approx(50)
        assert "pawn-3d.stl" in admin.files()
        resaved = {"plugins": {"img2print": {"tripo": {"api_key": None, "credits_per_model": 25}}}}
        admin.post("/api/settings", json=resaved)
        assert admin.post(plugin, json={"command": "quote"}).json()["cost"] == 25  # the key survived the save
    stored = (server.basedir / "data" / "img2print" / "jobs.json").read_text()
    assert "tsk_plugin_secret" not in stored and "tsk_plugin_secret" not in server.log


def test_a_cancelled_generation_stops_polling_and_leaves_nothing(admin, server):
    from tripo_standin import TripoStandIn

    plugin = "/api/plugin/img2print"
    listed = set(admin.files())
    with TripoStandIn(behaviour="never_finishes") as standin:
        admin.post("/api/settings", json={"plugins": {"img2print": {"tripo": {"base_url": standin.url}}}})
        job = admin.post(plugin, json={"command": "generate", "file": "pawn.jpg", "height": 40,
                                       "confirm_credits": True}).json()["id"]
        admin.wait_for_stage(job, "generating")
        deadline = time.monotonic() + 30
        while not any(path.startswith("/v3/tasks/") for _method, path in standin.requests):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert admin.post(plugin, json={"command": "cancel", "job": job}).json()["cancelled"] is True
        assert admin.wait(job)["status"] == "cancelled"
        polls = len(standin.requests)
        time.sleep(5)
        assert len(standin.requests) == polls  # no worker left polling
    assert set(admin.files()) == listed and not list((server.basedir / "data" / "img2print" / "work").iterdir())


def test_a_failed_job_says_why_in_the_users_language(admin, server):
    admin.post("/api/files/local", files={"file": ("flat.png", picture_bytes(halves()))})
    asked = {"command": "convert", "file": "flat.png", "mode": "lithophane", "options": {"min_thickness": 5}}
    state = admin.wait(admin.post("/api/plugin/img2print", json=asked).json()["id"])
    assert state["status"] == "failed" and state["error"]["code"] == "bad_parameter"
    message = state["error"]["message"]
    assert "“Thinnest part”" in message and "“Thickest part”" in message and "--" not in message
    assert event_seen(server, f"failed-{state['id']}")
    german = Session(server.port, server.login["user"], server.login["password"])
    german.http.headers["Accept-Language"] = "de"
    state = german.wait(german.post("/api/plugin/img2print", json=asked).json()["id"])
    assert "“Dünnste Stelle”" in state["error"]["message"] and "nicht" in state["error"]["message"]


def test_cancel_a_running_job(admin, server):
    admin.post("/api/files/local", files={"file": ("big.png", picture_bytes(photo_like(1600, 1200)))})
    answer = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "big.png", "printer": "generic",
                                                        "mode": "lithophane", "options": {"width": 180}})
    job = answer.json()["id"]
    admin.wait_for_stage(job, "slicing")
    deadline = time.monotonic() + 60
    while not _slicers_running(server):
        assert time.monotonic() < deadline, "the slicer never started"
        time.sleep(0.1)
    assert admin.post("/api/plugin/img2print", json={"command": "cancel", "job": job}).status_code == 200
    state = admin.wait(job)
    assert state["status"] == "cancelled" and "big.gcode" not in admin.files()
    deadline = time.monotonic() + 10
    while _slicers_running(server):  # the slicer dies with the job's worker
        assert time.monotonic() < deadline, "the slicer outlived the cancelled job"
        time.sleep(0.2)
    assert not list((server.basedir / "data" / "img2print" / "work").iterdir())


def _slicers_running(server: Server) -> list[str]:
    """Slicer processes started for this server's jobs (their files lie in its work folder)."""
    found = subprocess.run(["pgrep", "-af", "prusa-slicer|CuraEngine"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if str(server.basedir) in line]


def test_restart_leaves_no_job_running_and_no_half_written_file(tmp_path):
    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    with Server(OCTOPRINT, tmp_path / "base") as server:
        server.wait_for_log("img2print 0.1.0 ready")
        admin = Session(server.port, server.login["user"], server.login["password"])
        admin.post("/api/files/local", files={"file": ("slow.png", picture_bytes(photo_like(1600, 1200)))})
        job = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "slow.png", "printer": "generic",
                                                         "mode": "lithophane", "options": {"width": 180}}).json()["id"]
        admin.wait_for_stage(job, "slicing")
        server.stop()
        work = Path(server.basedir / "data" / "img2print" / "work")
        server.start()
        server.wait_for_log("img2print 0.1.0 ready")  # the restart's own line
        admin = Session(server.port, server.login["user"], server.login["password"])
        state = admin.get(f"/api/plugin/img2print?job={job}").json()
        assert state["status"] == "failed" and state["error"]["code"] == "interrupted"
        assert "slow.gcode" not in admin.files()
        assert not any(work.iterdir())


def test_after_a_restart_the_log_is_read_from_that_start_on(tmp_path):
    """wait_for_log never takes the first start's "ready" line for the restart's."""
    server = Server(OCTOPRINT, tmp_path)
    (tmp_path / "logs").mkdir()
    log = tmp_path / "logs" / "octoprint.log"
    log.write_text("img2print 0.1.0 ready\n")
    server.wait_for_log("img2print 0.1.0 ready", timeout_s=0)
    server.read_log_from_here()
    with pytest.raises(AssertionError, match="since the latest start"):
        server.wait_for_log("img2print 0.1.0 ready", timeout_s=0.6)
    log.write_text(log.read_text() + "starting\nimg2print 0.1.0 ready\n")
    server.wait_for_log("img2print 0.1.0 ready", timeout_s=0)
    log.rename(log.with_name("octoprint.log.2026-12-07"))  # rolled over at midnight: the new file is all new
    log.write_text("img2print 0.1.0 ready\n")
    server.wait_for_log("img2print 0.1.0 ready", timeout_s=0)


def test_anonymous_and_read_only_requests_get_what_the_readme_says(server):
    """An anonymous POST without OctoPrint's CSRF token gets OctoPrint's 400 "CSRF validation failed" before img2print
    sees it; an anonymous GET with no API key gets img2print's 401 on its own routes and OctoPrint's 403 on the API
    (which OctoPrint protects); a read-only user gets img2print's 403. The README says so."""
    base, api_path = f"http://127.0.0.1:{server.port}", "/api/plugin/img2print"
    upload = {"files": {"file": ("p.png", b"x")}, "data": {"action": "convert"}}
    for path, kwargs in ((api_path, {"json": {"command": "bed_clear"}}), ("/plugin/img2print/upload", upload)):
        posted = requests.post(base + path, timeout=30, **kwargs)
        assert posted.status_code == 400 and "CSRF validation failed" in posted.text, (path, posted.text)
    got = requests.get(base + "/plugin/img2print/thumbnail", params={"path": "own.png"}, timeout=30)
    assert got.status_code == 401 and got.json()["error"]["code"] == "unauthorized"
    assert requests.get(base + api_path, timeout=30).status_code == 403
    viewer = Session(server.port, "viewer", "viewer-pw")
    refused = viewer.post(api_path, json={"command": "bed_clear"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    readme = " ".join((Path(__file__).parent.parent / "README.md").read_text().split()).lower()
    assert "an anonymous post" in readme and '"csrf validation failed"' in readme and "an anonymous get" in readme


def test_settings_defaults_per_mode_apply_and_need_the_manage_permission(admin, server):
    answer = admin.post("/api/settings", json={"plugins": {"img2print": {
        "mode_defaults": {"relief": {"width": 33, "intent": ""}}}}})
    assert answer.status_code == 200, answer.text
    job = admin.upload(picture_bytes(halves()), "defaulted.png", action="convert", mode="relief").json()["id"]
    state = admin.wait(job)
    assert state["status"] == "done" and state["result"]["size_mm"][0] == pytest.approx(33, rel=0.005)
    maker = Session(server.port, "maker", "maker-pw")
    assert maker.post("/api/settings", json={"plugins": {"img2print": {"memory_mb": 5}}}).status_code == 403
    settings = admin.get("/api/settings").json()["plugins"]["img2print"]
    assert settings["memory_mb"] != 5


def test_api_keys_work_like_sessions(admin, server):
    key = admin.post("/api/plugin/appkeys", json={"command": "generate", "app": "farm-script"}).json()["api_key"]
    scripted = requests.Session()
    scripted.headers["X-Api-Key"] = key
    base = f"http://127.0.0.1:{server.port}"
    assert scripted.get(base + "/api/plugin/img2print", timeout=30).status_code == 200
    answer = scripted.post(base + "/plugin/img2print/upload", files={"file": ("farm.png", picture_bytes(halves()))},
                           data={"action": "convert", "mode": "relief", "options": '{"width": 20}'}, timeout=60)
    assert answer.status_code == 202, answer.text
    scripted.headers["X-Api-Key"] = "wrong-key"
    assert scripted.get(base + "/api/plugin/img2print", timeout=30).status_code in (401, 403)


def test_the_loaded_filament_heats_every_slice_unless_a_job_chooses_another(admin):
    def hot_ends(expected: str, **asked) -> list[str]:
        answer = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "spool.png", "mode": "logo",
                                                            "options": {"width": 25}, "printer": "generic", **asked})
        state = admin.wait(answer.json()["id"])
        assert state["status"] == "done" and state["result"]["filament"] == expected, state
        return re.findall(r"^M10[49] S(\d+)", admin.get(f"/downloads/files/local/{state['result']['file']}").text,
                          re.M)

    admin.post("/api/files/local", files={"file": ("spool.png", picture_bytes(halves()))})
    assert admin.post("/api/settings", json={"plugins": {"img2print": {"loaded": {"filament": "petg_white"}}}}) \
        .status_code == 200
    try:
        listing = admin.get("/api/plugin/img2print").json()
        filament = next(o for o in listing["overrides"] if o["name"] == "filament")
        assert filament["type"] == "choice" and filament["default"] == "petg_white"
        assert {"pla_white", "petg_white", "tpu_black"} <= {c["value"] for c in filament["choices"]}
        assert admin.get("/api/plugin/img2print?bed").json()["loaded"] == {
            "filament": "petg_white", "material": "PETG", "colour": "White"}
        loaded = hot_ends("petg_white")
        assert loaded[:2] == ["235", "235"] and "240" in loaded
        chosen = hot_ends("pla_black", overrides={"filament": "pla_black"})
        assert chosen[:2] == ["215", "215"] and "240" not in chosen
    finally:
        admin.post("/api/settings", json={"plugins": {"img2print": {"loaded": {"filament": ""}}}})


def test_a_td_card_is_sliced_without_a_file_with_its_swaps(admin):
    answer = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "", "mode": "td-card",
                                                        "overrides": {"filament": "pla_red"}, "printer": "generic"})
    assert answer.status_code == 202, answer.text
    state = admin.wait(answer.json()["id"])
    assert state["status"] == "done" and state["result"]["file"].startswith("td-card"), state
    gcode = admin.get(f"/downloads/files/local/{state['result']['file']}").text
    loads = re.findall(r"^; img2print: load (.*) \((\w+)\) for layer \d+\nM600", gcode, re.M)
    assert [filament for _name, filament in loads] == ["pla_red", "pla_black", "pla_red"]
    refused = admin.post("/api/plugin/img2print", json={"command": "slice", "file": "", "mode": "lithophane",
                                                         "printer": "generic"})
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_file"


def test_a_photo_of_a_td_card_calibrates_the_filament_for_everyone(admin, server, tmp_path):
    from test_painting import backlit_photo, card_photo

    photo = card_photo(tmp_path / "card.jpg", (200, 40, 50), 0.68).read_bytes()
    light = backlit_photo(tmp_path / "light.jpg", 3.0).read_bytes()
    answer = admin.post("/plugin/img2print/calibrate", files={"file": ("card.jpg", photo),
                                                               "backlit": ("light.jpg", light)},
                        data={"filament": "pla_red"})
    assert answer.status_code == 200, answer.text
    fitted = answer.json()
    assert fitted["hiding_distance_mm"] == pytest.approx(0.68, rel=0.1) and fitted["fit_delta_e"] < 3
    assert fitted["td_mm"] == pytest.approx(3.0, rel=0.1) and fitted["filament"]["td"] == fitted["td_mm"]
    assert "PLA Red" in fitted["message"] and fitted["filament"]["id"] == "pla_red"
    kept = yaml.safe_load((server.basedir / "data" / "img2print" / "filaments" / "calibrated.yaml").read_text())
    assert [f["id"] for f in kept["filaments"]] == ["pla_red"]
    assert kept["filaments"][0]["hiding_factor"] == fitted["filament"]["hiding_factor"]
    refused = admin.post("/plugin/img2print/calibrate", files={"file": ("card.jpg", photo)},
                         data={"filament": "pla_nothing"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "unknown_filament"
    anonymous = requests.post(f"http://127.0.0.1:{server.port}/plugin/img2print/calibrate",
                              files={"file": ("card.jpg", photo)}, data={"filament": "pla_red"})
    assert anonymous.status_code in (400, 401, 403)
