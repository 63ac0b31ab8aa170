"""A print farm of three real OctoPrint servers (virtual printers): `img2print farm status` and `farm send` put a
job only on the idle printers it fits, slice it once per printer profile, start it only where the bed is
confirmed clear, do not upload twice, and report a host that drops mid-send; the plugin's "Bed is clear"."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import trimesh
import yaml
from conftest import cli_json, require
from gcode_reading import read
from octoprint_server import OCTOPRINT, Server, Session, instance
from pictures import halves, save
from test_browser import browser, console_errors, log_in, open_tab, wait_for

from octoprint_img2print.command import farm as cli_farm
from octoprint_img2print.command.main import main
from octoprint_img2print.farm.client import Retry
from octoprint_img2print.farm.dispatch import SendOptions, send
from octoprint_img2print.farm.farmfile import load_farm
from octoprint_img2print.farm.gcodes import Recipe

LONG_PRINT = "G28\nG90\n" + "G4 S1\n" * 3000
WIDE = {"id": "wide", "name": "Wide 250x210", "volume": {"width": 250, "depth": 210, "height": 200},
        "extruder": {"nozzleDiameter": 0.8}}
BEDS = {"left": (200, 200), "right": (250, 210), "busy": (200, 200)}  # OctoPrint's default profile: 200 x 200
LOGO = ["--mode", "logo", "--width", "16"]
pytestmark = pytest.mark.octoprint


def without_img2print(octoprint: Path, basedir: Path) -> None:
    """An OctoPrint that does not load img2print (prepared before it starts)."""
    instance.prepare(str(octoprint), basedir)
    config = yaml.safe_load((basedir / "config.yaml").read_text())
    config["plugins"]["_disabled"] = ["img2print"]
    (basedir / "config.yaml").write_text(yaml.safe_dump(config))


def api_key(server: Server) -> str:
    return server.session().post("/api/access/users/admin/apikey").json()["apikey"]


def state(session: Session) -> str:
    return session.get("/api/job").json()["state"]


def wait_state(session: Session, wanted: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while state(session) != wanted:
        assert time.monotonic() < deadline, state(session)
        time.sleep(0.3)


def start_long_print(session: Session) -> None:
    session.post("/api/files/local", files={"file": ("long.gcode", LONG_PRINT.encode())})
    session.post("/api/files/local/long.gcode", json={"command": "select", "print": True})
    wait_state(session, "Printing")


def cancel(session: Session) -> None:
    session.post("/api/job", json={"command": "cancel"})
    wait_state(session, "Operational", 180)


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    """Three servers started together: left (200 x 200, img2print), right (250 x 210, 0.8 mm nozzle, no img2print), busy
    (200 x 200, img2print, printing); and the farm file for them."""
    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    folder = tmp_path_factory.mktemp("farm")
    without_img2print(OCTOPRINT, folder / "right")
    servers = {name: Server(OCTOPRINT, folder / name, users=(("viewer", "seeing", "readonly"),) if name == "left"
                            else ()) for name in BEDS}
    with contextlib.ExitStack() as stack:
        for server in servers.values():
            stack.callback(server.stop)
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda s: s.__enter__(), servers.values()))
        sessions = {name: server.session() for name, server in servers.items()}
        for name in BEDS:
            wait_state(sessions[name], "Operational")
        right = sessions["right"]
        assert right.post("/api/printerprofiles", json={"profile": WIDE}).status_code == 200
        right.post("/api/connection", json={"command": "disconnect"})
        wait_state(right, "Offline")
        right.post("/api/connection", json={"command": "connect", "port": "VIRTUAL", "baudrate": 115200,
                                            "printerProfile": "wide"})
        wait_state(right, "Operational")
        start_long_print(sessions["busy"])
        keys = {name: api_key(server) for name, server in servers.items()}
        hosts = {name: {"url": f"http://127.0.0.1:{server.port}", "api_key_env": f"FARM_{name.upper()}_KEY",
                        "group": "shop"} for name, server in servers.items()}
        farm_file = folder / "farm.yaml"
        farm_file.write_text(yaml.safe_dump({"hosts": hosts}))
        with pytest.MonkeyPatch.context() as environment:
            for name, key in keys.items():
                environment.setenv(f"FARM_{name.upper()}_KEY", key)
            yield {"file": farm_file, "servers": servers, "sessions": sessions, "folder": folder}


def bed(session: Session) -> dict:
    return session.get("/api/plugin/img2print").json()["bed"]


def logo_png(folder: Path) -> Path:
    return save(halves(80, 40), folder / "badge.png")


def fits_bed(session: Session, name: str, width: float, depth: float, folder: Path) -> None:
    """The G-code on the host prints inside its bed, around the bed's centre."""
    local = folder / f"{session.base.rsplit(':', 1)[1]}-{name}"
    local.write_bytes(session.get(f"/downloads/files/local/{name}").content)
    xs, ys = zip(*read(local).first_layer_xy)
    assert min(xs) >= 0 and max(xs) <= width and min(ys) >= 0 and max(ys) <= depth
    assert abs((min(xs) + max(xs)) / 2 - width / 2) < 5 and abs((min(ys) + max(ys)) / 2 - depth / 2) < 5


def test_bed_clear_needs_print_permission_is_refused_while_printing_and_is_cleared_by_a_start(farm):
    left, busy = farm["sessions"]["left"], farm["sessions"]["busy"]
    viewer = Session(farm["servers"]["left"].port, "viewer", "seeing")
    assert viewer.post("/api/plugin/img2print", json={"command": "bed_clear"}).status_code == 403
    assert bed(left)["clear"] is False
    refused = busy.post("/api/plugin/img2print", json={"command": "bed_clear"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "bed_busy"
    assert bed(busy)["clear"] is False
    answer = left.post("/api/plugin/img2print", json={"command": "bed_clear"})
    assert answer.status_code == 200 and answer.json()["bed"]["clear"] is True
    assert bed(left)["by"] == "admin" and bed(left)["confirmed_at"] > time.time() - 60
    start_long_print(left)  # OctoPrint's own start, not img2print's: the confirmation is gone all the same
    assert bed(left)["clear"] is False
    cancel(left)
    assert bed(left)["clear"] is False
    no_confirmation = left.post("/api/plugin/img2print", json={"command": "print", "file": "long.gcode",
                                                               "use_bed_confirmation": True})
    assert no_confirmation.status_code == 409 and no_confirmation.json()["error"]["code"] == "bed_clear_unconfirmed"
    assert state(left) == "Operational"
    left.post("/api/plugin/img2print", json={"command": "bed_clear"})
    senders = [farm["servers"]["left"].session() for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:  # two farm senders on one confirmation: only one starts
        answers = list(pool.map(lambda s: s.post("/api/plugin/img2print", json={
            "command": "print", "file": "long.gcode", "use_bed_confirmation": True}), senders))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert bed(left)["clear"] is False
    wait_state(left, "Printing")
    cancel(left)


def test_the_tab_offers_bed_is_clear_on_an_idle_printer_and_shows_the_confirmation(farm, tmp_path):
    from selenium.webdriver.common.by import By

    left = farm["sessions"]["left"]
    assert bed(left)["clear"] is False and state(left) == "Operational"
    driver = browser(tmp_path)
    try:
        log_in(driver, farm["servers"]["left"])
        open_tab(driver)
        button = wait_for(lambda: [b for b in driver.find_elements(By.ID, "img2print-bed-clear-button")
                                   if b.is_displayed()])[0]
        assert not driver.find_element(By.ID, "img2print-bed-confirmed").is_displayed()
        button.click()
        wait_for(lambda: driver.find_element(By.ID, "img2print-bed-confirmed").is_displayed())
        assert "Bed confirmed clear" in driver.find_element(By.ID, "img2print-bed-confirmed").text
        assert ", until " in driver.find_element(By.ID, "img2print-bed-confirmed").text
        assert not button.is_displayed()
        assert bed(left)["clear"] is True and bed(left)["by"] == "admin"
        left.post("/api/files/local", files={"file": ("short.gcode", b"G28\nG4 S3\n")})
        left.post("/api/files/local/short.gcode", json={"command": "select", "print": True})
        wait_for(lambda: not driver.find_element(By.ID, "img2print-bed-confirmed").is_displayed(), 60)
        wait_state(left, "Operational")
        wait_for(lambda: driver.find_element(By.ID, "img2print-bed-clear-button").is_displayed(), 60)
        # G-code without a preview picture answers 404 to the file list's thumbnail request: not an error here
        assert [e for e in console_errors(driver) if "/plugin/img2print/thumbnail" not in e] == []
    finally:
        driver.quit()


def test_farm_status_shows_each_host_state_profile_job_and_bed(farm):
    farm["sessions"]["left"].post("/api/plugin/img2print", json={"command": "bed_clear"})
    code, answer = cli_json("farm", "status", str(farm["file"]), "--json")
    assert code == 0 and answer["ok"] is True
    hosts = {h["host"]: h for h in answer["hosts"]}
    for name, (width, depth) in BEDS.items():
        assert hosts[name]["reachable"] is True
        assert (hosts[name]["profile"]["bed"]["width"], hosts[name]["profile"]["bed"]["depth"]) == (width, depth)
    assert hosts["left"]["state"] == "Operational" and hosts["left"]["ready"] is True
    assert hosts["left"]["job"]["file"] == "short.gcode" and hosts["left"]["job"]["progress"] == 100  # done before
    assert hosts["left"]["img2print"] is True and hosts["left"]["bed"]["clear"] is True
    assert hosts["right"]["img2print"] is False and hosts["right"]["bed"] is None
    assert hosts["busy"]["state"] == "Printing" and hosts["busy"]["ready"] is False
    assert hosts["busy"]["job"]["file"] == "long.gcode" and 0 <= hosts["busy"]["job"]["progress"] < 100
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["farm", "status", str(farm["file"])]) == 0
    lines = {line.split(":")[0]: line for line in out.getvalue().splitlines()}
    assert lines["left"].startswith("left: Operational;") and "bed confirmed clear" in lines["left"]
    assert "Wide 250x210: 250 x 210 x 200 mm, nozzle 0.8 mm" in lines["right"] and "no img2print" in lines["right"]
    assert "job long.gcode" in lines["busy"] and lines["busy"].startswith("busy: Printing;")


def test_send_goes_to_idle_printers_once_per_profile_and_starts_only_where_the_bed_is_confirmed(farm):
    sessions, folder = farm["sessions"], farm["folder"]
    code, answer = cli_json("farm", "send", str(farm["file"]), str(logo_png(folder)), "--copies", "3", "--start",
                       "--json", *LOGO)
    job = answer["jobs"][0]
    assert code == 7 and job["placed"] == 2 and job["missing"] == 1, answer
    where = {p["host"]: p for p in job["placements"]}
    assert set(where) == {"left", "right"}
    assert len(job["slices"]) == 2 and where["left"]["file"] != where["right"]["file"]
    assert all(s["sliced"] for s in job["slices"]) and all(p["uploaded"] for p in where.values())
    for name in ("left", "right"):
        fits_bed(sessions[name], where[name]["file"], *BEDS[name], folder)
    assert where["left"]["started"] is True
    assert where["right"]["started"] is False and where["right"]["not_started"]["code"] == "no_plugin"
    wait_state(sessions["left"], "Printing")
    assert sessions["left"].get("/api/job").json()["job"]["file"]["name"] == where["left"]["file"]
    assert bed(sessions["left"])["clear"] is False
    assert state(sessions["right"]) == "Operational"
    assert sessions["busy"].get("/api/job").json()["job"]["file"]["name"] == "long.gcode"
    assert where["left"]["file"] not in sessions["busy"].files()


def started_at(server: Server, name: str) -> datetime:
    """When OctoPrint logged the last start of a print of ``name``."""
    lines = [line for line in server.log.splitlines() if "Print job started" in line and f"path: {name}," in line]
    return datetime.strptime(lines[-1][:23], "%Y-%m-%d %H:%M:%S,%f")


def listing(session: Session) -> dict[str, int]:
    return {f["path"]: f["date"] for f in session.get("/api/files/local?recursive=true").json()["files"]}


def test_a_second_send_uploads_nothing_and_starts_staggered_with_bed_clear_for_the_host_without_img2print(farm):
    sessions, folder = farm["sessions"], farm["folder"]
    left, right = sessions["left"], sessions["right"]
    cancel(left)  # the first send's print is taken off the bed
    left.post("/api/plugin/img2print", json={"command": "bed_clear"})
    listed = {name: listing(sessions[name]) for name in ("left", "right")}
    code, answer = cli_json("farm", "send", str(farm["file"]), str(logo_png(folder)), "--copies", "3", "--start",
                       "--bed-clear", "right", "--stagger", "4", "--json", *LOGO)
    assert code == 7  # one printer prints something else
    placements = {p["host"]: p for p in answer["jobs"][0]["placements"]}
    assert set(placements) == {"left", "right"}, answer
    assert all(p["already_there"] and not p["uploaded"] and p["started"] for p in placements.values())
    assert not any(s["sliced"] for s in answer["jobs"][0]["slices"])
    assert {name: listing(sessions[name]) for name in ("left", "right")} == listed
    for name in ("left", "right"):
        wait_state(sessions[name], "Printing")
        assert sessions[name].get("/api/job").json()["job"]["file"]["name"] == placements[name]["file"]
    left_started, right_started = (started_at(farm["servers"][name], placements[name]["file"])
                                   for name in ("left", "right"))
    assert (right_started - left_started).total_seconds() >= 3.9  # the stagger: 4 s between the starts
    cancel(right)
    cancel(left)


def test_a_host_frozen_during_a_staggered_start_is_never_reported_not_started(farm):
    """A host stopped (SIGSTOP) while its start is asked: no answer, nor to the questions after it; the report says
    `unknown` (exit 6), and once the host runs again the print it had queued starts, as `unknown` allowed."""
    sessions, folder, servers = farm["sessions"], farm["folder"], farm["servers"]
    sessions["left"].post("/api/plugin/img2print", json={"command": "bed_clear"})
    frozen: list[str] = []

    def freeze_the_other(event: str, **facts) -> None:
        if event == "started" and not frozen:
            other = "right" if facts["host"] == "left" else "left"
            os.kill(servers[other].process.pid, signal.SIGSTOP)
            frozen.append(other)

    hosts = load_farm(farm["file"]).select("shop")
    options = SendOptions(Recipe(mode="logo", options={"width": 16}), copies=3, start=True,
                          bed_clear=frozenset({"right"}), stagger_s=1.0)
    try:
        report = send(hosts, [logo_png(folder)], options, timeout_s=3, retry=Retry(attempts=1),
                      progress=freeze_the_other)
    finally:
        for name in frozen:
            os.kill(servers[name].process.pid, signal.SIGCONT)
    placements = {p.host: p for p in report.jobs[0].placements}
    assert frozen and set(placements) == {"left", "right"}, report.as_dict()
    stopped = placements[frozen[0]]
    assert stopped.start == "unknown" and stopped.started is False, stopped
    assert stopped.not_started["code"] == "start_unknown" and "may or may not" in stopped.not_started["message"]
    assert cli_farm._send_exit(report) == 6
    running = next(name for name in placements if name != frozen[0])
    assert placements[running].start == "started"
    for name in placements:  # the queued start ran once the host could: `unknown` was the honest answer
        wait_state(sessions[name], "Printing")
        assert sessions[name].get("/api/job").json()["job"]["file"]["name"] == placements[name].file
        cancel(sessions[name])


def test_a_bed_confirmation_ends_on_disconnect_after_its_time_and_on_restart(farm):
    left = farm["sessions"]["left"]
    answer = left.post("/api/plugin/img2print", json={"command": "bed_clear"}).json()["bed"]
    assert answer["clear"] is True and answer["expires_at"] - answer["confirmed_at"] == pytest.approx(12 * 3600)
    left.post("/api/connection", json={"command": "disconnect"})
    wait_state(left, "Offline")
    assert bed(left)["clear"] is False
    offline = left.post("/api/plugin/img2print", json={"command": "bed_clear"})
    assert offline.status_code == 409 and offline.json()["error"]["code"] == "bed_printer_offline"
    left.post("/api/connection", json={"command": "connect", "port": "VIRTUAL", "baudrate": 115200})
    wait_state(left, "Operational")
    assert bed(left)["clear"] is False
    assert left.post("/api/settings", json={"plugins": {"img2print": {"bed_clear_hours": 0.001}}}).status_code == 200
    try:
        answer = left.post("/api/plugin/img2print", json={"command": "bed_clear"}).json()["bed"]
        assert answer["clear"] is True and answer["expires_at"] - answer["confirmed_at"] == pytest.approx(3.6)
        time.sleep(4)
        assert bed(left)["clear"] is False
        refused = left.post("/api/plugin/img2print", json={"command": "print", "file": "long.gcode",
                                                           "use_bed_confirmation": True})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "bed_clear_unconfirmed"
    finally:
        left.post("/api/settings", json={"plugins": {"img2print": {"bed_clear_hours": 12}}})
    assert left.post("/api/plugin/img2print", json={"command": "bed_clear"}).json()["bed"]["clear"] is True
    server = farm["servers"]["left"]
    server.stop()
    server.start()
    farm["sessions"]["left"] = left = server.session()
    wait_state(left, "Operational")
    assert bed(left)["clear"] is False


def test_bed_clear_names_hosts_of_the_farm_file(tmp_path, capsys):
    path = tmp_path / "farm.yaml"
    path.write_text(yaml.safe_dump({"hosts": {"mk4-1": {"url": "http://127.0.0.1:9", "api_key": "k"},
                                              "mk4-2": {"url": "http://127.0.0.1:9", "api_key": "k"}}}))
    assert load_farm(path).named("mk4-1, mk4-2", "bed_clear") == {"mk4-1", "mk4-2"}
    assert load_farm(path).named("all", "bed_clear") == {"mk4-1", "mk4-2"}
    assert main(["farm", "send", str(path), str(path), "--bed-clear", "mk4-1,mk4-9"]) == 2
    said = capsys.readouterr().err
    assert "no host named mk4-9. Hosts: mk4-1, mk4-2." in said and len(said.strip().splitlines()) == 1


def test_a_job_goes_only_to_printers_whose_bed_and_nozzle_fit_it(farm):
    folder = farm["folder"]
    wide = folder / "wide.stl"
    trimesh.creation.box(extents=(225, 20, 2)).apply_translation((0, 0, 1)).export(wide)
    hosts = load_farm(farm["file"]).select("shop")
    report = send(hosts, [wide], SendOptions(copies=2))
    assert [p.host for p in report.jobs[0].placements] == ["right"] and report.jobs[0].placements[0].uploaded
    assert list(report.jobs[0].refused) == ["left"] and "225" in report.jobs[0].refused["left"].message
    assert report.jobs[0].slices == [{"profile": "Wide 250x210", "file": report.jobs[0].placements[0].file,
                                      "sliced": True, "hosts": ["right"]}]


def test_a_host_stopped_mid_send_is_retried_and_reported_while_the_others_complete(farm):
    sessions, folder = farm["sessions"], farm["folder"]
    wider = folder / "wider.stl"
    trimesh.creation.box(extents=(230, 20, 2)).apply_translation((0, 0, 1)).export(wider)
    stopped = []

    def stop_left(event: str, **facts) -> None:
        if event == "sliced" and not stopped and facts["profile"] == "Default":
            farm["servers"]["left"].stop()
            stopped.append(True)

    hosts = load_farm(farm["file"]).select("shop")
    thin_base = SendOptions(Recipe(mode="logo", options={"width": 18, "base": 0.6}), copies=2)  # below 0.8 mm lines
    report = send(hosts, [logo_png(folder), wider], thin_base, retry=Retry(attempts=3, backoff_s=0.2),
                  progress=stop_left)
    job, other = report.jobs
    assert [p.host for p in job.placements] == ["left"] and stopped
    assert list(job.refused) == ["right"] and "thinner than the 0.90 mm line" in job.refused["right"].message
    failed = job.placements[0]
    assert failed.uploaded is False and failed.retries == 2
    assert failed.error["code"] == "host_unreachable" and "after 3 attempts" in failed.error["message"]
    assert [p.host for p in other.placements] == ["right"] and other.placements[0].uploaded
    assert other.placements[0].error is None and other.placements[0].file in sessions["right"].files()
    code, answer = cli_json("farm", "status", str(farm["file"]), "--json")
    hosts = {h["host"]: h for h in answer["hosts"]}
    assert code == 6 and answer["ok"] is False and hosts["right"]["reachable"] is True
    assert hosts["left"]["reachable"] is False and "connection failed" in hosts["left"]["error"]


@pytest.mark.parametrize(("hosts", "key", "words"), [
    ({"a": {"url": "http://a.local"}}, "api_key", "either api_key or api_key_env"),
    ({"a": {"url": "http://a.local", "api_key": "k", "api_key_env": "A_KEY"}}, "api_key", "not both"),
    ({"a": {"url": "http://a.local", "api_key_env": "UNSET_FARM_KEY"}}, "api_key_env", "UNSET_FARM_KEY"),
    ({"a": {"url": "octopi.local", "api_key": "k"}}, "url", "http://"),
    ({"a": {"url": "http://a.local", "api_key": "k", "color": "red"}}, "color", "not a host key"),
    ({"a": {"url": "http://a.local", "api_key": "k", "printer": "prusa_mk9"}}, "printer", "no printer"),
    ({"a": {"url": "http://a.local", "api_key": "k", "nozzle": 4}}, "nozzle", "from 0.1 to 2"),
    ({"a": {"url": "http://a.local", "api_key": "k", "tags": "pla"}}, "tags", "list of texts"),
])
def test_a_bad_farm_file_is_one_line_naming_file_host_and_key(tmp_path, hosts, key, words, capsys):
    path = tmp_path / "farm.yaml"
    path.write_text(yaml.safe_dump({"hosts": hosts}))
    assert main(["farm", "status", str(path)]) == 3
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and message.startswith("img2print: error: farm.yaml: host 'a': ")
    assert f"'{key}'" in message and words in message


def test_a_farm_file_without_hosts_or_an_unknown_group_is_refused_before_any_host_is_asked(tmp_path, capsys):
    path = tmp_path / "farm.yaml"
    path.write_text("printers: [a, b]\n")
    assert main(["farm", "status", str(path)]) == 3
    assert "one key, 'hosts'" in capsys.readouterr().err
    path.write_text(yaml.safe_dump({"hosts": {"a": {"url": "http://127.0.0.1:9", "api_key": "k", "group": "x"}}}))
    assert main(["farm", "send", str(path), str(path), "--group", "y"]) == 2
    assert "no host in group 'y'. Groups: x." in capsys.readouterr().err


def test_a_missing_job_fails_alone_with_its_reason_and_exit_3(tmp_path):
    path = tmp_path / "farm.yaml"
    path.write_text(yaml.safe_dump({"hosts": {"gone": {"url": "http://127.0.0.1:9", "api_key": "k"}}}))
    code, answer = cli_json("farm", "send", str(path), str(tmp_path / "missing.png"), "--json")
    assert code == 3 and answer["ok"] is False
    assert answer["jobs"][0]["error"]["code"] == "file_not_found" and answer["jobs"][0]["placements"] == []
    assert answer["hosts"][0]["reachable"] is False
