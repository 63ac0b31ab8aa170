"""The farm's durable queue with three real OctoPrints (virtual printers) of two printer models with different
materials loaded: ten jobs start only on printers that are what they need and whose bed was confirmed clear, beds
confirmed one by one over the test; the runner killed with kill -9 mid-way and started again loses no job and
starts none twice, and the queue's record matches what the printers did."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, cli_json, require
from octoprint_server import OCTOPRINT, Server, Session
from pictures import halves, save

from octoprint_img2print.command.main import main

pytestmark = pytest.mark.octoprint
# the farm: two of the generic printer (one with PLA, one whose img2print says PETG is loaded), one Prusa MINI
HOSTS = {"gen-pla": {"printer": "generic", "material": "PLA"}, "gen-petg": {"printer": "generic"},
         "mini-pla": {"printer": "prusa_mini", "material": "pla"}}
JOBS = [("any-pla", ["--material", "PLA"], 3), ("petg", ["--material", "PETG"], 3),
        ("mini", ["--printer", "prusa_mini"], 2), ("pla-generic", ["--material", "PLA", "--printer", "generic"], 1),
        ("anything", [], 1)]
FITS = {"any-pla": {"gen-pla", "mini-pla"}, "petg": {"gen-petg"}, "mini": {"mini-pla"}, "pla-generic": {"gen-pla"},
        "anything": set(HOSTS)}


def state(session: Session) -> str:
    return session.get("/api/job").json()["state"]


def wait_until(condition, timeout: float = 120.0, step: float = 0.3):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)
    return found


@pytest.fixture(scope="module")
def farm(tmp_path_factory):
    require(OCTOPRINT.exists(), "OctoPrint in .venv")
    folder = tmp_path_factory.mktemp("queue-farm")
    servers = {name: Server(OCTOPRINT, folder / name) for name in HOSTS}
    with contextlib.ExitStack() as stack:
        for server in servers.values():
            stack.callback(server.stop)
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda s: s.__enter__(), servers.values()))
        sessions = {name: server.session() for name, server in servers.items()}
        for session in sessions.values():
            wait_until(lambda s=session: state(s) == "Operational")
        # the PETG printer says what it holds through its own img2print settings, not the farm file
        assert sessions["gen-petg"].post("/api/settings", json={"plugins": {"img2print": {
            "loaded": {"material": "PETG", "colour": "black"}}}}).status_code == 200
        keys = {name: s.post("/api/access/users/admin/apikey").json()["apikey"] for name, s in sessions.items()}
        hosts = {name: {"url": f"http://127.0.0.1:{servers[name].port}", "api_key": keys[name], "group": name,
                        **HOSTS[name]} for name in HOSTS}
        farm_file = folder / "farm.yaml"
        farm_file.write_text(yaml.safe_dump({"hosts": hosts}))
        yield {"file": farm_file, "servers": servers, "sessions": sessions, "folder": folder}


def runner(farm: dict, queue: Path, log: Path) -> subprocess.Popen:
    """`img2print farm queue run` as an operator starts it (a process of its own, which kill -9 can end)."""
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "img2print"), "farm", "queue", "run", str(farm["file"]),
                             "--queue", str(queue), "--poll", "0.5"], stdout=subprocess.DEVNULL,
                            stderr=open(log, "ab"))


def starts(server: Server) -> list[str]:
    """The files OctoPrint logged a print start of, in order."""
    return [line.split("path: ", 1)[1].split(",", 1)[0] for line in server.log.splitlines()
            if "Print job started" in line]


def copies(queue: Path) -> list[dict]:
    return cli_json("farm", "queue", "list", "--queue", str(queue), "--json")[1]["copies"]


def test_the_queue_starts_each_job_once_on_a_printer_it_fits_across_a_kill_9(farm):
    folder, sessions, servers = farm["folder"], farm["sessions"], farm["servers"]
    queue, log = folder / "farm-queue.sqlite", folder / "runner.log"
    for stem, wants, count in JOBS:
        for number in range(count):
            picture = save(halves(60 + number * 4, 40), folder / f"{stem}-{number}.png")
            code, added = cli_json("farm", "queue", "add", str(picture), "--mode", "logo", "--width", "10", *wants,
                              "--queue", str(queue), "--json")
            assert code == 0 and added["jobs"][0]["copies"] == 1
    assert len(copies(queue)) == 10 and {c["state"] for c in copies(queue)} == {"waiting"}
    process = runner(farm, queue, log)
    try:
        time.sleep(3)  # rounds run, but no bed is confirmed clear: nothing may start
        assert all(starts(server) == [] for server in servers.values())
        assert {c["state"] for c in copies(queue)} == {"waiting"}
        killed = False
        for round_number in range(12):
            for name in ([list(HOSTS)[round_number % 3]] if round_number < 3 else HOSTS):  # one by one, then all
                if state(sessions[name]) == "Operational":
                    code, _answer = cli_json("farm", "confirm", str(farm["file"]), name, "--json")
                    assert code == 0
            if round_number == 4 and not killed:  # mid-way: while it slices, uploads or starts
                time.sleep(1.0)
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                killed = True
                process = runner(farm, queue, log)
            printing = wait_until(lambda: [n for n, s in sessions.items() if state(s) == "Printing"]
                                  or not [c for c in copies(queue) if c["state"] in ("waiting", "starting")],
                                  timeout=180)
            if printing is True:
                break
            for name in printing:  # the operator takes each print off the bed
                sessions[name].post("/api/job", json={"command": "cancel"})
            for name in printing:
                wait_until(lambda n=name: state(sessions[n]) == "Operational", timeout=120)
            if not [c for c in copies(queue) if c["state"] in ("waiting", "starting")]:
                break
        wait_until(lambda: all(c["state"] in ("done", "ended") for c in copies(queue)), timeout=60)
    finally:
        process.kill()
        process.wait()
    recorded = copies(queue)
    started = {name: starts(server) for name, server in servers.items()}
    every_start = Counter(file for files in started.values() for file in files)
    assert len(recorded) == 10 and killed, log.read_text()
    for copy in recorded:
        stem = copy["name"].rsplit("-", 1)[0]
        assert copy["host"] in FITS[stem], copy  # only on a printer that is what the job needs
        assert every_start[copy["file"]] == 1 and copy["file"] in started[copy["host"]], (copy, started)
        last = sessions[copy["host"]].get(f"/api/files/local/{copy['file']}").json()["prints"]["last"]
        assert copy["started"] <= copy["ended"] and copy["state"] == ("done" if last["success"] else "ended")
    assert sum(every_start.values()) == 10  # nothing else started, nothing twice


def test_a_gcode_job_prints_to_its_end_and_is_recorded_done_with_its_host_and_time(farm):
    folder, sessions = farm["folder"], farm["sessions"]
    queue = folder / "short-queue.sqlite"
    short = folder / "short.gcode"  # sliced for the generic printer: homes, heats to 170 °C and waits, cools
    short.write_text("G28\nM109 S170\nG92 E0\n;LAYER_CHANGE\nG1 X10 Y10 Z0.2 F3000\nG1 X20 Y10 E1\n"
                     "M104 S0\nM140 S0\n")
    assert cli_json("farm", "queue", "add", str(short), "--queue", str(queue), "--json")[0] == 3  # for which printer?
    code, _added = cli_json("farm", "queue", "add", str(short), "--printer", "generic", "--material", "PETG",
                       "--queue", str(queue), "--json")
    assert code == 0
    before = time.time()
    assert cli_json("farm", "confirm", str(farm["file"]), "--all", "--json")[0] == 0
    code = main(["farm", "queue", "run", str(farm["file"]), "--queue", str(queue), "--poll", "0.5",
                 "--until-done"])
    recorded = copies(queue)[0]
    assert code == 0 and recorded["state"] == "done" and recorded["host"] == "gen-petg", recorded
    assert before < recorded["started"] <= recorded["ended"] <= time.time()
    assert starts(farm["servers"]["gen-petg"])[-1] == recorded["file"]
    for name in ("gen-pla", "mini-pla"):  # their beds stay confirmed: nothing was started there
        assert sessions[name].get("/api/plugin/img2print?bed").json()["bed"]["clear"] is True


def test_each_host_gets_gcode_for_the_filament_it_has_loaded_and_a_job_asking_one_goes_only_there(farm, tmp_path):
    sessions = farm["sessions"]
    hosts = yaml.safe_load(farm["file"].read_text())["hosts"]
    hosts["gen-pla"]["filament"] = "pla_black"  # said in the farm file; gen-petg says it in its own settings
    hosts["mini-pla"]["filament"] = "pla_white"
    farm_file = tmp_path / "filaments.yaml"
    farm_file.write_text(yaml.safe_dump({"hosts": hosts}))
    assert sessions["gen-petg"].post("/api/settings", json={"plugins": {"img2print": {
        "loaded": {"filament": "petg_white", "material": "", "colour": ""}}}}).status_code == 200
    try:
        picture = save(halves(50, 30), tmp_path / "spools.png")
        code, sent = cli_json("farm", "send", str(farm_file), str(picture), "--mode", "logo", "--width", "12",
                              "--copies", "3", "--json")
        assert code == 0, sent
        heats = {}
        for placement in sent["jobs"][0]["placements"]:
            text = sessions[placement["host"]].get(f"/downloads/files/local/{placement['file']}").text
            heats[placement["host"]] = re.findall(r"^M104 S(\d+)", text, re.M)[-2]  # the last before heaters off
        assert heats == {"gen-pla": "210", "gen-petg": "240", "mini-pla": "210"}
        status = {h["host"]: h for h in sent["hosts"]}
        assert (status["gen-petg"]["filament"], status["gen-petg"]["material"]) == ("petg_white", "PETG")
        code, sent = cli_json("farm", "send", str(farm_file), str(picture), "--mode", "logo", "--width", "12",
                              "--filament", "pla_black", "--copies", "3", "--json")
        assert [p["host"] for p in sent["jobs"][0]["placements"]] == ["gen-pla"]
        assert sent["jobs"][0]["missing"] == 2
    finally:
        sessions["gen-petg"].post("/api/settings", json={"plugins": {"img2print": {
            "loaded": {"filament": "", "material": "PETG", "colour": "black"}}}})
