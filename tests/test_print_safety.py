"""A print starts only on a person's go that still holds when the G-code is ready (real OctoPrint, virtual
printer): never behind a print that was running when they asked, never on a printer that is offline, never
without the confirmation that the bed is clear."""

from __future__ import annotations

import io
import time

import pytest
from pictures import halves
from PIL import Image

from octoprint_img2print.print_rules import PrintGo, hold, print_began

LONG_PRINT = "G28\nG90\n" + "G4 S1\n" * 300
pytestmark = pytest.mark.octoprint


@pytest.fixture
def admin(server):
    session = server.session()
    connect(session)
    return session


def png(width: int = 60, height: int = 40) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(halves(width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def printer_state(admin) -> str:
    return admin.get("/api/job").json()["state"]


def wait_state(admin, wanted: tuple[str, ...], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while (state := printer_state(admin)) not in wanted:
        assert time.monotonic() < deadline, state
        time.sleep(0.3)
    return state


def connect(admin) -> None:
    """The virtual printer connected and idle."""
    if printer_state(admin).startswith(("Offline", "Closed")):
        admin.post("/api/connection", json={"command": "connect", "port": "VIRTUAL", "baudrate": 115200})
    wait_state(admin, ("Operational",))


def slice_and_print(admin, name: str, **fields):
    return admin.upload(png(), name, action="print", mode="logo", options='{"width": 12}', printer="generic",
                        **fields)


def stays_idle(admin, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if printer_state(admin) not in ("Operational",):
            return False
        time.sleep(0.5)
    return True


def test_a_print_asked_for_while_another_ran_does_not_start_after_that_one_is_cancelled(admin):
    admin.post("/api/files/local", files={"file": ("long.gcode", LONG_PRINT.encode())})
    admin.post("/api/files/local/long.gcode", json={"command": "select", "print": True})
    wait_state(admin, ("Printing",))
    job = slice_and_print(admin, "after.png", bed_clear="true").json()
    time.sleep(3)
    waiting = admin.get(f"/api/plugin/img2print?job={job['id']}").json()
    assert waiting["status"] == "queued" and "print" in waiting["note"]
    admin.post("/api/job", json={"command": "cancel"})
    state = admin.wait(job["id"])
    assert state["status"] == "done", state
    assert state["result"]["print"]["started"] is False
    assert state["result"]["print"]["code"] == "printer_was_busy" and "bed" in state["result"]["print"]["message"]
    assert "after.gcode" in admin.files()
    assert stays_idle(admin)


def test_an_offline_printer_gets_the_gcode_and_a_clear_message_but_no_print(admin):
    admin.post("/api/connection", json={"command": "disconnect"})
    wait_state(admin, ("Offline",))
    state = admin.wait(slice_and_print(admin, "offline.png", bed_clear="true").json()["id"])
    assert state["status"] == "done", state
    assert state["result"]["print"] == {"started": False, "code": "printer_not_ready", "file": "offline.gcode",
                                        "message": state["result"]["print"]["message"]}
    assert "connected" in state["result"]["print"]["message"]
    assert "offline.gcode" in admin.files() and printer_state(admin) == "Offline"


def test_a_confirmed_print_of_a_finished_gcode_starts_and_a_second_one_is_refused(admin):
    admin.post("/api/files/local", files={"file": ("long.gcode", LONG_PRINT.encode())})
    answer = admin.post("/api/plugin/img2print", json={"command": "print", "file": "long.gcode", "bed_clear": True})
    assert answer.status_code == 200 and answer.json()["started"] is True
    wait_state(admin, ("Printing",))
    again = admin.post("/api/plugin/img2print", json={"command": "print", "file": "long.gcode", "bed_clear": True})
    assert again.status_code == 409 and again.json()["error"]["code"] == "printer_was_busy"
    admin.post("/api/job", json={"command": "cancel"})
    wait_state(admin, ("Operational",))


def test_a_confirmed_slice_and_print_on_an_idle_printer_starts_and_keeps_other_files(admin):
    admin.post("/api/files/local", files={"file": ("started.gcode", b"G28\n")})
    state = admin.wait(slice_and_print(admin, "started.png", bed_clear="true").json()["id"])
    assert state["status"] == "done" and state["result"]["print"]["started"] is True, state
    assert state["result"]["file"] == "started-2.gcode"
    assert admin.get("/downloads/files/local/started.gcode").text == "G28\n"
    job = admin.get("/api/job").json()
    assert job["job"]["file"]["name"] == "started-2.gcode"
    admin.post("/api/job", json={"command": "cancel"})
    wait_state(admin, ("Operational",), 120)


@pytest.mark.parametrize(("go", "ready", "seen", "errors", "expected"), [
    (PrintGo(True, 3, False), True, 3, False, None),
    (None, True, 3, False, "bed_clear_unconfirmed"),
    (PrintGo(False, 3, False), True, 3, False, "bed_clear_unconfirmed"),
    (PrintGo(True, 3, True), True, 3, False, "printer_was_busy"),
    (PrintGo(True, 3, False), True, 4, False, "printed_since"),
    (PrintGo(True, 3, False), False, 3, False, "printer_not_ready"),
    (PrintGo(True, 3, False), True, 3, True, "findings_block_printing"),
])
def test_when_a_print_may_start(go, ready, seen, errors, expected):
    assert hold(go, ready, seen, errors) == expected


@pytest.mark.parametrize(("printing", "prints_seen", "began"), [
    ([False, False, True], [3, 3, 3], True),  # OctoPrint's printer shows printing a moment later
    ([False] * 3, [3, 4, 4], True),  # a print started and has ended already
    ([False] * 1000, [3] * 1000, False),  # asked to print, the printer never did
])
def test_a_start_counts_only_once_octoprints_printer_prints(printing, prints_seen, began):
    """The printer's state is a stand-in here: what OctoPrint's printer says over time."""
    states, counts = iter(printing), iter(prints_seen)
    assert print_began(lambda: next(states, printing[-1]), lambda: next(counts, prints_seen[-1]), 3,
                       timeout_s=0.3) is began
