"""A farm of 200 printers, simulated (farm_hosts.py: a stand-in for OctoPrint's REST API, since 200 real servers do
not fit here; real OctoPrints are in test_farm.py): `farm status` asks each host once and names the dead ones,
`farm send` starts only where the bed is confirmed clear, and every exit code of the README's table."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import pytest
import trimesh
import yaml
from conftest import cli_json
from farm_hosts import SimulatedFarm, SimulatedHost
from test_gcode_safety import BODY, SAFE_END, SAFE_START

from octoprint_img2print import pipeline
from octoprint_img2print.printers.profile import get_printer
from octoprint_img2print.recipe import Recipe


def farm_file(folder: Path, urls: list[str], **extra) -> Path:
    path = folder / "farm.yaml"
    hosts = {f"p{number:03}": {"url": url, "api_key": "k", "group": f"circuit-{number % 10}", **extra}
             for number, url in enumerate(urls)}
    path.write_text(yaml.safe_dump({"hosts": hosts}))
    return path


def connections_waiting(sock: socket.socket) -> int:
    """How many connections a dead host was sent (they wait, unanswered, in its backlog)."""
    sock.setblocking(False)
    count = 0
    with contextlib.suppress(BlockingIOError):
        while True:
            sock.accept()[0].close()
            count += 1
    return count


@pytest.fixture(scope="module")
def generic_gcode(tmp_path_factory, prusa_slicer) -> Path:
    """A small logo's G-code, sliced for the generic printer, as a batch leaves it."""
    folder = tmp_path_factory.mktemp("gcode")
    from pictures import halves, save

    output = folder / "badge-generic.gcode"
    pipeline.slice_job(save(halves(60, 40), folder / "badge.png"), output,
                       recipe=Recipe(mode="logo", options={"width": 12}), printer=get_printer("generic"))
    return output


def test_status_of_200_printers_with_10_dead_asks_each_host_once(tmp_path):
    live = [SimulatedHost() for _ in range(190)]
    with SimulatedFarm(live, dead=10) as farm:
        code, answer = cli_json("farm", "status", str(farm_file(tmp_path, farm.urls)), "--json", "--host-timeout", "2")
        tries = [connections_waiting(sock) for sock in farm.dead]
    hosts = answer["hosts"]
    assert code == 6 and len(hosts) == 200
    alive = [h for h in hosts if h["reachable"]]
    assert len(alive) == 190 and all(h["state"] == "Operational" and h["profile"]["bed"]["width"] == 200
                                     for h in alive)
    dead = [h for h in hosts if not h["reachable"]]
    assert [h["host"] for h in dead] == [f"p{n:03}" for n in range(190, 200)]
    assert all("no answer within 2 s" in h["error"] for h in dead), dead[0]["error"]
    assert tries == [1] * 10  # each dead host is asked once: no retries for a look at the farm
    for host in live:  # a few small questions each, never the whole file list
        assert sum(host.asked.values()) <= 6 and ("GET", "/api/files/local") not in host.asked, host.asked


def test_send_to_200_printers_starts_only_where_the_bed_is_confirmed(tmp_path, generic_gcode):
    live = [SimulatedHost(img2print=number % 7 != 0, bed_clear=number % 2 == 0) for number in range(190)]
    with SimulatedFarm(live, dead=10) as farm:
        code, answer = cli_json("farm", "send", str(farm_file(tmp_path, farm.urls, printer="generic")),
                           str(generic_gcode), "--printer", "generic", "--copies", "200", "--start", "--json",
                           "--host-timeout", "2", "--parallel", "16")
    job = answer["jobs"][0]
    assert code == 7 and job["placed"] == 190 and job["missing"] == 10  # the dead ten
    placements = {p["host"]: p for p in job["placements"]}
    for number, host in enumerate(live):
        name = f"p{number:03}"
        confirmed = host.img2print and number % 2 == 0
        assert placements[name]["uploaded"] and placements[name]["file"] in host.files
        assert (host.printing == placements[name]["file"]) is confirmed, (name, host.printing)
        assert placements[name]["start"] == ("started" if confirmed else "not_started")
        if not confirmed:
            assert placements[name]["not_started"]["code"] == ("bed_unconfirmed" if host.img2print else "no_plugin")


@pytest.fixture
def one_host(tmp_path):
    host = SimulatedHost(bed_clear=True)
    with SimulatedFarm([host], dead=0) as farm:
        yield host, farm_file(tmp_path, farm.urls, printer="generic")


def test_exit_0_when_every_copy_is_placed_and_started(one_host, generic_gcode):
    host, farm = one_host
    code, answer = cli_json("farm", "send", str(farm), str(generic_gcode), "--printer", "generic", "--start", "--json")
    assert code == 0 and answer["ok"] is True and host.printing == answer["jobs"][0]["placements"][0]["file"]


def test_exit_3_for_bad_input(one_host, generic_gcode, tmp_path):
    _host, farm = one_host
    code, answer = cli_json("farm", "send", str(farm), str(generic_gcode), "--json")  # G-code, but sliced for what?
    assert code == 3 and answer["jobs"][0]["error"]["code"] == "gcode_needs_printer"
    code, answer = cli_json("farm", "send", str(farm), str(tmp_path / "gone.png"), "--json")
    assert code == 3 and answer["jobs"][0]["error"]["code"] == "file_not_found"


def test_exit_4_when_no_idle_printer_fits_the_job(one_host, tmp_path):
    host, farm = one_host
    wide = tmp_path / "wide.stl"
    trimesh.creation.box(extents=(260, 20, 2)).apply_translation((0, 0, 1)).export(wide)
    code, answer = cli_json("farm", "send", str(farm), str(wide), "--json")
    assert code == 4 and "260" in answer["jobs"][0]["refused"]["p000"] and host.files == {}, answer


def test_exit_5_when_the_gcode_would_not_print_safely(one_host, tmp_path):
    host, farm = one_host
    unsafe = tmp_path / "cold.gcode"
    unsafe.write_text("G28\nM104 S215\n" + BODY + SAFE_END)  # never waits for the hot end
    code, answer = cli_json("farm", "send", str(farm), str(unsafe), "--printer", "generic", "--start", "--json")
    assert code == 5 and "hot end" in answer["jobs"][0]["refused"]["p000"] and host.printing is None


@pytest.mark.parametrize("trouble", ["fail_uploads", "freeze_on_upload", "freeze_on_start"])
def test_exit_6_when_an_upload_fails_or_a_start_gets_no_answer(tmp_path, trouble):
    good = tmp_path / "safe.gcode"
    good.write_text(SAFE_START + BODY + SAFE_END)
    host = SimulatedHost(bed_clear=True, **{trouble: True})
    with SimulatedFarm([host], dead=0) as farm:
        code, answer = cli_json("farm", "send", str(farm_file(tmp_path, farm.urls, printer="generic")), str(good),
                           "--printer", "generic", "--start", "--json", "--host-timeout", "1")
    job = answer["jobs"][0]
    placement = job["placements"][0]
    assert code == 6 and answer["ok"] is False
    if trouble == "fail_uploads":
        assert job["placed"] == 0 and placement["error"]["code"] == "host_refused" and placement["start"] is None
    elif trouble == "freeze_on_upload":  # said as a time-out, after asking whether the file arrived whole
        assert job["placed"] == 0 and placement["error"]["code"] == "host_unreachable"
        assert "no answer within 1 s" in placement["error"]["message"] and placement["retries"] == 3
    else:
        assert job["placed"] == 1 and placement["start"] == "unknown" and placement["started"] is False


def test_exit_7_when_copies_find_no_idle_printer(tmp_path, generic_gcode):
    with SimulatedFarm([SimulatedHost(), SimulatedHost(printing="other.gcode")], dead=1) as farm:
        code, answer = cli_json("farm", "send", str(farm_file(tmp_path, farm.urls, printer="generic")),
                           str(generic_gcode), "--printer", "generic", "--copies", "3", "--json",
                           "--host-timeout", "1")
    assert code == 7 and answer["jobs"][0]["placed"] == 1 and answer["jobs"][0]["missing"] == 2


def test_queued_jobs_that_cannot_be_made_or_fit_no_printer_fail_instead_of_waiting(tmp_path):
    """A damaged picture fails at once; a model wider than every printer that is what it needs fails with each
    printer's reason; the queue's runner keeps going and `--until-done` ends with bad input's exit code."""
    queue = tmp_path / "q.sqlite"
    damaged = tmp_path / "cut.png"
    from pictures import photo_like, save

    whole = save(photo_like(80, 60), tmp_path / "whole.png").read_bytes()
    damaged.write_bytes(whole[: len(whole) // 2])
    wide = tmp_path / "wide.stl"
    trimesh.creation.box(extents=(260, 20, 2)).apply_translation((0, 0, 1)).export(wide)
    for job in (damaged, wide):
        assert cli_json("farm", "queue", "add", str(job), "--queue", str(queue), "--json")[0] == 0
    host = SimulatedHost(bed_clear=True)
    with SimulatedFarm([host], dead=0) as farm:
        code, answer = cli_json("farm", "queue", "run", str(farm_file(tmp_path, farm.urls, printer="generic")),
                                "--queue", str(queue), "--until-done", "--poll", "0.2", "--json")
    copies = {c["name"]: c for c in answer["copies"]}
    assert code == 3 and {c["state"] for c in copies.values()} == {"failed"}
    assert copies["cut.png"]["error"]["code"] == "image_damaged" and "cut.png" in copies["cut.png"]["note"]
    assert copies["wide.stl"]["error"]["code"] == "fits_no_printer" and "p000: " in copies["wide.stl"]["note"]
    assert host.files == {} and host.printing is None and host.bed_clear is True
