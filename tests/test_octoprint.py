"""The plugin loads cleanly in real OctoPrint 1.11 and 1.10, and the README's serve command works."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

import pytest
from conftest import ROOT, require
from octoprint_server import Server, Session, free_port, instance

ENVIRONMENTS = {"1.11": ROOT / ".venv" / "bin" / "octoprint", "1.10": ROOT / ".venv-octoprint110" / "bin" / "octoprint"}


@pytest.mark.octoprint
@pytest.mark.parametrize("version", list(ENVIRONMENTS))
def test_plugin_loads_cleanly(tmp_path, version):
    octoprint = ENVIRONMENTS[version]
    require(octoprint.exists(), f"OctoPrint {version} in {octoprint.parent.parent.name}")
    with Server(octoprint, tmp_path / "base") as server:
        server.wait_for_log("img2print 0.1.0 ready")
        assert f"Starting OctoPrint {version}" in server.log
        answer = server.session().get("/plugin/pluginmanager/plugins")
        assert answer.status_code == 200
        answer = answer.json()
        plugin = next(p for p in answer["plugins"] if p["key"] == "img2print")
        assert plugin["enabled"] and not plugin.get("incompatible") and plugin["python"] == ">=3.9,<4"
        problems = [line for line in server.log.splitlines()
                    if "img2print" in line and (" - ERROR - " in line or " - WARNING - " in line)]
        assert problems == []


@pytest.mark.octoprint
def test_readme_serve_command_starts_octoprint_with_a_connected_virtual_printer(tmp_path):
    require((ROOT / ".venv" / "bin" / "octoprint").exists(), "OctoPrint in .venv")
    port = free_port()
    environment = {**os.environ, "PORT": str(port), "IMG2PRINT_BASEDIR": str(tmp_path / "base"),
                   "IMG2PRINT_SKIP_OCTOPRINT_110": "1"}
    process = subprocess.Popen([str(ROOT / ".ci" / "serve")], stdout=subprocess.PIPE, text=True, env=environment,
                               stderr=subprocess.DEVNULL)
    try:
        lines = iter(process.stdout.readline, "")
        ready = next(line for line in lines if "is ready:" in line)  # after OctoPrint's own start-up messages
        login = next(lines)
        assert f"http://127.0.0.1:{port}/" in ready and "login: admin / " in login, (ready, login)
        password = login.split("login: admin / ")[1].split()[0]
        threading.Thread(target=process.stdout.read, daemon=True).start()
        instance.wait_online(port, process=process)
        client = Session(port, "admin", password)
        deadline = time.monotonic() + 60
        while True:
            connection = client.get("/api/connection").json()
            if connection["current"]["state"] == "Operational":
                break
            assert time.monotonic() < deadline, connection
            time.sleep(1)
        assert connection["current"]["port"] == "VIRTUAL"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.octoprint
def test_octoprint_runs_the_img2print_command_line(tmp_path):
    octoprint = ENVIRONMENTS["1.11"]
    require(octoprint.exists(), "OctoPrint in .venv")
    import trimesh

    trimesh.creation.box(extents=(10, 10, 10)).export(str(tmp_path / "cube.stl"))
    run = subprocess.run([str(octoprint), "--basedir", str(tmp_path / "base"), "plugins", "img2print:cli", "check",
                          str(tmp_path / "cube.stl"), "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert answer["closed"] is True and answer["volume_mm3"] == pytest.approx(1000, rel=1e-4)
