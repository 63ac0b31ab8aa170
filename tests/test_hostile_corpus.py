"""The generated hostile corpus (tests/hostile.py) through every command that reads each file.

Each command runs in a child forked from one warm process, under a memory limit (RLIMIT_AS) and a timeout: it
must end with the documented exit code, one line on stderr naming the file (or, with --json, the error's code),
no traceback, and nothing left behind: no output, no temporary file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import hostile
import numpy as np
import pytest
from conftest import ROOT, require
from hostile import CORPUS, MEMORY_LIMIT, Case

TIMEOUT_S = 30.0
MAX_RSS_MB = 1400
OUTPUTS = {"convert": "out.stl", "trace": "out.svg", "slice": "out.gcode", "repair": "out.stl"}


@dataclass
class Ran:
    """How one command ended."""

    exit: int
    seconds: float
    max_rss_mb: float
    timed_out: bool
    stdout: str
    stderr: str

    @property
    def answer(self) -> dict:
        lines = self.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else {}


class Runner:
    """The warm process that forks one limited child per command."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).parent / "hostile.py")], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, argv: list[str], folder: Path, *, nobody: bool = False, timeout: float = TIMEOUT_S) -> Ran:
        logs = folder.parent / f"{folder.name}-logs"
        logs.mkdir(exist_ok=True)
        (folder.parent / "tmp").mkdir(exist_ok=True)
        request = {"argv": [str(a) for a in argv], "cwd": str(folder), "tmp": str(folder.parent / "tmp"),
                   "stdout": str(logs / "stdout"), "stderr": str(logs / "stderr"), "memory": MEMORY_LIMIT,
                   "timeout": timeout, "nobody": nobody}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        said = json.loads(self.process.stdout.readline())
        return Ran(said["exit"], said["seconds"], said["max_rss_mb"], said["timed_out"],
                   (logs / "stdout").read_text(), (logs / "stderr").read_text())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def runner():
    started = Runner()
    yield started
    started.close()


def command_line(case: Case, command: str, source: Path, output: Path) -> list[str]:
    """The command as a user types it, for this case."""
    arguments = [command, source.name]
    if command in OUTPUTS:
        arguments += ["-o", output.name]
    if command == "slice":
        arguments += ["--printer", "generic"]
    if command in ("convert", "slice"):
        arguments += [option for option in case.options if command == "slice" or option != "--scale-to-fit"]
    return arguments


def prepare(case: Case, tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "case"
    folder.mkdir()
    source = folder / case.name
    case.make(source)
    if case.unreadable:
        folder.chmod(0o777)
    return folder, source


def assert_nothing_left(folder: Path, *kept: Path | None) -> None:
    left = sorted(p.name for p in folder.iterdir() if p not in kept)
    assert left == [], f"left behind: {left}"
    assert list((folder.parent / "tmp").iterdir()) == [], "temporary files left behind"


def assert_bounded(ran: Ran) -> None:
    assert not ran.timed_out, f"still running after {TIMEOUT_S:.0f} s"
    assert ran.max_rss_mb < MAX_RSS_MB, f"{ran.max_rss_mb:.0f} MB"


CASES = [pytest.param(case, command, id=f"{case.id}-{command}") for case in CORPUS for command in case.commands]


def test_the_corpus_is_large_and_its_cases_distinct():
    assert len(CORPUS) >= 60 and len({case.id for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("case", "command"), CASES)
def test_each_hostile_file_through_each_command(runner, tmp_path, case, command):
    folder, source = prepare(case, tmp_path)
    output = folder / OUTPUTS.get(command, "none")
    ran = runner.run([*command_line(case, command, source, output), "--json"], folder, nobody=case.unreadable)
    assert_bounded(ran)
    assert "Traceback" not in ran.stderr, ran.stderr
    answer, code = ran.answer, case.answer(command)
    if code is None:
        assert ran.exit == 0, (ran.exit, ran.stdout[-2000:], ran.stderr[-2000:])
        assert answer.get("closed", True) is True
        assert output.exists() or command == "check"
        assert_nothing_left(folder, source, output)
        return
    assert ran.exit == case.exit_code, (ran.exit, ran.stdout[-2000:], ran.stderr[-2000:])
    codes = [answer.get("error", {}).get("code")] + [f["code"] for f in answer.get("findings", [])]
    assert code in codes, answer
    assert_nothing_left(folder, source, None)
    if "error" not in answer:
        return
    assert case.name in answer["error"]["message"] and "\n" not in answer["error"]["message"]
    ran = runner.run(command_line(case, command, source, output), folder, nobody=case.unreadable)
    lines = ran.stderr.splitlines()
    assert ran.exit == case.exit_code and len(lines) == 1, ran.stderr
    assert lines[0].startswith("img2print: error: ") and case.name in lines[0]
    assert_nothing_left(folder, source, None)


def numeric_options() -> list:
    """Every numeric option of every mode (with a mode that has it) and every slicer override."""
    from octoprint_img2print.command import shared
    from octoprint_img2print.options import INTEGER, NUMBER

    found = []
    for command, options in (("convert", shared.mode_options()), ("slice", shared.override_options())):
        for declared in options.values():
            owner, spec = declared[0]
            if spec.kind in (NUMBER, INTEGER):
                found.append(pytest.param(command, owner, spec, id=f"{command}-{spec.name}"))
    return found


def photo_in(tmp_path: Path, size: tuple[int, int] = (96, 64)) -> tuple[Path, Path]:
    folder = tmp_path / "case"
    folder.mkdir()
    hostile._photo(size).save(folder / "photo.png")
    return folder, folder / "photo.png"


def assert_usage_error(ran: Ran, flag: str) -> None:
    """Exit 2 naming the option: img2print's own error, or argparse's for a value that is not a number."""
    assert_bounded(ran)
    assert ran.exit == 2 and "Traceback" not in ran.stderr, (ran.exit, ran.stdout, ran.stderr)
    if ran.answer:
        assert ran.answer["error"]["code"] == "bad_parameter" and flag in ran.answer["error"]["message"]
    else:
        assert flag in ran.stderr.splitlines()[-1]


HOSTILE_NUMBERS = ("nan", "inf", "-1e300", "1e308")
HOSTILE_INTEGERS = ("nan", "-5", "1000000000000")


@pytest.mark.parametrize(("command", "owner", "spec"), numeric_options())
def test_every_numeric_option_refuses_what_is_not_a_sane_number(runner, tmp_path, command, owner, spec):
    from octoprint_img2print.options import INTEGER

    folder, photo = photo_in(tmp_path)
    output = folder / OUTPUTS[command]
    chosen = ["--printer", "generic"] if command == "slice" else ["--mode", owner]
    for value in HOSTILE_INTEGERS if spec.kind == INTEGER else HOSTILE_NUMBERS:
        ran = runner.run([command, photo.name, "-o", output.name, *chosen, f"{spec.flag}={value}", "--json"], folder)
        assert_usage_error(ran, spec.flag)
        assert_nothing_left(folder, photo, None)


@pytest.mark.parametrize("value", ["Anna\x00", "A\x1b[2J", "x" * 1001])
def test_text_options_refuse_control_characters_and_endless_text(runner, tmp_path, value):
    folder, photo = photo_in(tmp_path)
    ran = runner.run(["convert", "-o", "tag.stl", "--mode", "logo", f"--text={value}", "--json"], folder)
    assert_usage_error(ran, "--text")
    assert_nothing_left(folder, photo, None)


@pytest.mark.parametrize(("command", "option"), [("convert", "--max-megapixels"), ("trace", "--max-megapixels"),
                                                 ("slice", "--timeout"), ("repair", "--min-part")])
def test_the_commands_own_numbers_are_refused_when_absurd(runner, tmp_path, command, option):
    folder, photo = photo_in(tmp_path)
    source = photo
    if command == "repair":
        source = folder / "box.stl"
        source.write_bytes(hostile.binary_stl(hostile.BOX, hostile.BOX_FACES))
    printer = ["--printer", "generic"] if command == "slice" else []
    for value in HOSTILE_NUMBERS:
        ran = runner.run([command, source.name, "-o", OUTPUTS[command], *printer, f"{option}={value}", "--json"],
                         folder)
        assert_usage_error(ran, option)
    assert sorted(p.name for p in folder.iterdir()) == sorted({photo.name, source.name})


def _dev_null_link(path: Path) -> None:
    path.symlink_to("/dev/null")


TARGETS = {"folder": Path.mkdir, "fifo": os.mkfifo, "device": _dev_null_link}


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("command", ["convert", "trace", "slice", "repair"])
def test_output_that_is_a_folder_pipe_or_device_is_refused_and_kept(runner, tmp_path, command, target):
    """A FIFO nobody reads would hang a writer; a device (here a link to /dev/null) must never be replaced."""
    folder, photo = photo_in(tmp_path)
    source = photo
    if command == "repair":
        source = folder / "box.stl"
        source.write_bytes(hostile.binary_stl(hostile.BOX, hostile.BOX_FACES))
    output = folder / OUTPUTS[command]
    TARGETS[target](output)
    extra = {"slice": ["--printer", "generic", "--width", "20"], "convert": ["--width", "20"]}.get(command, [])
    ran = runner.run([command, source.name, "-o", output.name, *extra, "--json"], folder)
    assert_bounded(ran)
    assert ran.exit == 3 and ran.answer["error"]["code"] == "cannot_write", (ran.stdout, ran.stderr)
    assert output.name in ran.answer["error"]["message"]
    assert {"folder": output.is_dir, "fifo": output.is_fifo, "device": output.is_symlink}[target]()
    assert Path("/dev/null").is_char_device()
    assert_nothing_left(folder, photo, source, output)


def test_a_full_grid_a_metre_wide_is_refused_and_one_under_the_limit_stays_in_memory(runner, tmp_path):
    """--full-grid at 1000 x 1000 mm asked for 7.7 GB; under the point limit it is measured against the job's memory
    before any work: refused at once, naming the memory and how to get under it, or made within it."""
    folder, photo = photo_in(tmp_path, (400, 300))
    ran = runner.run(["convert", photo.name, "-o", "out.stl", "--full-grid", "--width", "1000", "--json"], folder)
    assert_usage_error(ran, "--pitch")
    ran = runner.run(["convert", photo.name, "-o", "out.stl", "--full-grid", "--width", "600", "--json"], folder,
                     timeout=90)
    assert_bounded(ran)
    assert_usage_error(ran, "memory")
    assert ran.seconds < 10, "refused before any work"
    ran = runner.run(["convert", photo.name, "-o", "out.stl", "--full-grid", "--width", "120", "--json"], folder,
                     timeout=90)
    assert (ran.exit, ran.answer.get("closed")) == (0, True), (ran.stdout, ran.stderr)
    assert_nothing_left(folder, photo, folder / "out.stl")


def broken_spheres(path: Path) -> None:
    """Two overlapping fine spheres (330,000 triangles), one with a hole: repair must close and unite them."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=6, radius=30.0)
    corners = np.concatenate([sphere.vertices, sphere.vertices + np.array([20.0, 0.0, 0.0])])
    faces = np.concatenate([sphere.faces[3:], sphere.faces + len(sphere.vertices)])
    path.write_bytes(hostile.binary_stl(corners.astype(np.float32), faces))


def big_photo(path: Path) -> None:
    from pictures import photo_like, save

    save(photo_like(3000, 2000), path)


STAGED_WORK = {  # command line and its input; Ctrl-C comes at moments spread over the command's stages
    "convert": (["convert", "big.jpg", "-o", "out.stl", "--width", "150", "--full-grid"], big_photo),
    "slice": (["slice", "big.jpg", "-o", "out.gcode", "--printer", "generic", "--width", "80"], big_photo),
    "repair": (["repair", "spheres.stl", "-o", "out.stl"], broken_spheres),
}
MOMENTS = (0.03, 0.1, 0.3, 0.5, 0.65)  # shares of the time the whole command takes here
KILLED_AT = 0.4  # and a kill (SIGTERM) at this share, which cleans up the same way
PYTHON_STARTS_S = 0.15  # no moment earlier: until img2print's first lines run (25 ms here, over 60 ms seen on a busy
# machine) a Ctrl-C meets Python's own start, not img2print; the command is still importing its libraries after this


@pytest.mark.parametrize("command", sorted(STAGED_WORK))
def test_ctrl_c_stops_every_stage_at_once_and_leaves_nothing(tmp_path, command):
    """SIGINT, as Ctrl-C sends it, at a few moments (and SIGTERM, as kill sends it, at one): exit 130 with
    'img2print: cancelled.' within 3 s, no slicer or other child left running, no partial output, no temporary
    folder."""
    import signal
    import time

    import psutil

    arguments, make = STAGED_WORK[command]
    folder, temporary = tmp_path / "work", tmp_path / "tmp"
    folder.mkdir()
    temporary.mkdir()
    make(folder / arguments[1])

    def start() -> subprocess.Popen:
        return subprocess.Popen([Path(sys.executable).parent / "img2print", *arguments], cwd=folder,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "TMPDIR": str(temporary)})

    durations = []
    for _run in range(2):  # the faster of two: a run here takes up to a third less time than another
        started = time.monotonic()
        whole = start()
        assert whole.wait(timeout=300) == 0, whole.communicate()
        durations.append(time.monotonic() - started)
        (folder / arguments[3]).unlink()
    duration = min(durations)
    for share, sent_signal in [*((share, signal.SIGINT) for share in MOMENTS), (KILLED_AT, signal.SIGTERM)]:
        moment = max(share * duration, PYTHON_STARTS_S)
        for _attempt in range(4):  # a run faster than the measured ones (measured on a busier machine) may end
            process = start()      # before a late moment: then again, a little earlier
            time.sleep(moment)
            if process.poll() is None:
                break
            process.communicate()
            (folder / arguments[3]).unlink(missing_ok=True)
            moment = max(moment * 0.75, PYTHON_STARTS_S)
        children = psutil.Process(process.pid).children(recursive=True)
        process.send_signal(sent_signal)
        sent = time.monotonic()
        _out, err = process.communicate(timeout=30)
        took = time.monotonic() - sent
        assert process.returncode == 130, (moment, process.returncode, err)
        assert err.strip().splitlines()[-1] == "img2print: cancelled." and "Traceback" not in err, err
        assert took < 3.0, f"Ctrl-C at {moment} s took {took:.1f} s"
        psutil.wait_procs(children, timeout=2)
        assert [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE] == []
        assert sorted(p.name for p in folder.iterdir()) == [arguments[1]], f"left after Ctrl-C at {moment} s"
        assert list(temporary.iterdir()) == [], f"temporary files left after Ctrl-C at {moment} s"


CTRL_C_WHILE_STARTING_THE_SLICER = """
import os, signal, sys, threading
from octoprint_img2print.command.main import main

def ctrl_c_while_forking():  # like logging's lock release after every fork: Python code, where the handler runs
    if threading.current_thread() is threading.main_thread():
        signal.raise_signal(signal.SIGINT)
        sum(range(10))

os.register_at_fork(after_in_parent=ctrl_c_while_forking)
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_a_child_starts_is_not_lost(tmp_path):
    """A Ctrl-C that comes while the slicer is being started (in the at-fork callbacks, where Python prints and
    ignores an exception) still cancels: it was lost and the command went on to write its G-code, exit 0."""
    import psutil
    from pictures import halves, save

    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    folder, temporary = tmp_path / "work", tmp_path / "tmp"
    folder.mkdir()
    temporary.mkdir()
    save(halves(), folder / "small.png")
    command = [sys.executable, "-c", CTRL_C_WHILE_STARTING_THE_SLICER, "slice", "small.png", "-o", "out.gcode",
               "--mode", "relief", "--width", "30", "--printer", "generic", "--slicer", "prusaslicer"]
    run = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TMPDIR": str(temporary)})
    assert run.returncode == 130, run.stderr
    assert run.stderr.strip().splitlines()[-1] == "img2print: cancelled." and "Traceback" not in run.stderr
    assert [p.name for p in folder.iterdir()] == ["small.png"] and list(temporary.iterdir()) == []
    slicers = [p for p in psutil.process_iter(["cmdline"]) if str(temporary) in " ".join(p.info["cmdline"] or [])]
    psutil.wait_procs(slicers, timeout=2)
    assert [p for p in slicers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE] == [], "slicer left running"


CTRL_C_WHILE_IMPORTING = """
import signal, sys, weakref
sys.argv[0] = "img2print"
import octoprint_img2print  # the command's start: Ctrl-C from here is a cancel

class Lock:
    pass

def released(_reference):  # like the import machinery's module-lock callback: Python ignores an exception here
    signal.raise_signal(signal.SIGINT)
    sum(range(10))

lock = Lock()
reference = weakref.ref(lock, released)
del lock
print("went on")
"""


def test_ctrl_c_while_the_command_imports_is_not_lost():
    """A Ctrl-C that comes while the command imports its libraries, inside a callback of the import machinery
    (where Python prints and ignores an exception), still cancels: it said 'cancelled' and went on to the end, exit 0
    (found by the Ctrl-C test above at its earliest moment in CI)."""
    run = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_IMPORTING], capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout) == (130, ""), run
    assert run.stderr.strip().splitlines() == ["img2print: cancelled."], run.stderr



CTRL_C_AS_THE_HANDLER_IS_SET = """
import signal, sys
sys.argv[0] = "img2print"
import octoprint_img2print  # the command's start: Ctrl-C from here is a cancel
from octoprint_img2print import processes
from octoprint_img2print.command.main import main

def held():  # the step right after the command's own Ctrl-C handler is in place
    signal.raise_signal(signal.SIGINT)

processes.hold_interrupts_while_forking = held
code = main(sys.argv[1:])
print("went on", code)
"""


def test_ctrl_c_the_moment_the_command_takes_over_is_a_cancel(tmp_path):
    """A Ctrl-C just after the command puts its own handler in place, before its work starts, ends as a cancel
    (exit 130, one line) and the process stays in control: it escaped as a KeyboardInterrupt traceback, exit -2
    (seen once in CI, 0.49 s into a convert)."""
    from pictures import halves, save

    save(halves(), tmp_path / "small.png")
    command = [sys.executable, "-c", CTRL_C_AS_THE_HANDLER_IS_SET, "convert", "small.png", "-o", "out.stl"]
    run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (run.returncode, run.stdout.strip()) == (0, "went on 130"), run
    assert run.stderr.strip().splitlines() == ["img2print: cancelled."], run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["small.png"]

# through a real OctoPrint ----------------------------------------------------------------------------------------

FOUND_AFTER_READING = ("non_finite_vertices", "empty_mesh")  # the file reads; check finds what is wrong with it
SERVER_GROWTH_MB = 500
ANSWER_S = 5.0


def uploadable(case: Case) -> bool:
    """Files a person can send in one request: not a folder, a locked file or a 2 GB sparse file."""
    return not case.unreadable and "folder" not in case.id and "sparse" not in case.id


class MemoryWatch:
    """The server process's resident memory, sampled every 0.1 s in a thread; the highest kept."""

    def __init__(self, pid: int) -> None:
        import threading

        import psutil

        self.process, self.highest_mb, self.done = psutil.Process(pid), 0.0, threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        import psutil

        while not self.done.wait(0.1):
            try:
                self.highest_mb = max(self.highest_mb, self.process.memory_info().rss / 2**20)
            except psutil.Error:  # the server is gone: the test says so
                return

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return self.highest_mb


@pytest.fixture(scope="module")
def octoprint_server(tmp_path_factory):
    from conftest import require
    from octoprint_server import Server

    octoprint = ROOT / ".venv" / "bin" / "octoprint"
    require(octoprint.exists(), "OctoPrint in .venv")
    with Server(octoprint, tmp_path_factory.mktemp("octoprint") / "base") as server:
        server.wait_for_log("img2print 0.1.0 ready")
        yield server


@pytest.mark.octoprint
def test_hostile_uploads_through_octoprint_are_refused_and_the_server_stays_up(octoprint_server, tmp_path):
    """Every uploadable file of the corpus through OctoPrint's own upload and img2print's: refused with the
    command line's error, the server answering /api/job and its memory bounded throughout, nothing hostile kept in
    the file list or the plugin's folders; the file list's thumbnails of the rest come from a bounded child."""
    import time

    import psutil

    session = octoprint_server.session()
    baseline = psutil.Process(octoprint_server.process.pid).memory_info().rss / 2**20
    watch = MemoryWatch(octoprint_server.process.pid)
    kept, refused = [], []
    for case in filter(uploadable, CORPUS):
        source = tmp_path / case.id / case.name
        source.parent.mkdir()
        case.make(source)
        data = source.read_bytes()
        code = case.answer(case.commands[0])  # convert's or check's: what reading the file finds
        readable = code is None or code in FOUND_AFTER_READING
        answer = session.post("/api/files/local", files={"file": (case.name, data)})
        asked = time.monotonic()
        assert session.get("/api/job").status_code == 200 and time.monotonic() - asked < ANSWER_S, case.id
        if readable:
            assert answer.status_code == 201, (case.id, answer.status_code, answer.text)
            kept.append(case.name)
            continue
        assert answer.status_code == 400, (case.id, answer.status_code, answer.text)
        assert answer.json()["error"].startswith(f"{case.name}: "), (case.id, answer.text)  # img2print's reason
        refused.append(case.name)
        answer = session.upload(data, case.name, action="convert")
        assert 400 <= answer.status_code < 500, (case.id, answer.status_code, answer.text)
        said = answer.json()["error"]
        assert said["code"] == code and case.name in said["message"] and "\n" not in said["message"], (case.id, said)
    listed = session.files()
    without_thumbnail = []
    for name in kept:
        assert name in listed
        for _view in range(2):  # as a second browser views the list
            status = session.get("/plugin/img2print/thumbnail", params={"path": name}).status_code
            assert status in (200, 204)  # a picture, or no preview (nothing to show)
        if status == 204:
            without_thumbnail.append(name)
    highest = watch.stop()
    remembered = [p for p in (octoprint_server.basedir / "data" / "img2print" / "thumbnails").iterdir()
                  if p.stat().st_size == 0]
    assert "nothing.stl" in without_thumbnail and len(remembered) == len(without_thumbnail), without_thumbnail
    assert [name for name in refused if name in listed] == []
    data_folder = octoprint_server.basedir / "data" / "img2print"
    left = [p.name for p in data_folder.rglob("*") if p.is_file() and any(p.name.endswith(n) for n in refused)]
    assert left == []
    assert highest < baseline + SERVER_GROWTH_MB, f"OctoPrint grew from {baseline:.0f} MB to {highest:.0f} MB"
    assert len(refused) >= 40


@pytest.mark.octoprint
@pytest.mark.parametrize("stage", ["building", "checking", "slicing"])
def test_a_job_cancelled_in_any_stage_stops_at_once_and_leaves_nothing(octoprint_server, tmp_path, stage):
    """The job's cancel while a 150 mm full-grid lithophane is built or checked, or a 120 mm one sliced: cancelled
    within 3 s, its worker and slicer gone, its work folder empty, no G-code kept."""
    import time

    import psutil
    from pictures import photo_like, save

    session = octoprint_server.session()
    picture = save(photo_like(1500, 1000), tmp_path / f"cancel-{stage}.png")
    session.post("/api/files/local", files={"file": (picture.name, picture.read_bytes())})
    server = psutil.Process(octoprint_server.process.pid)
    before = {child.pid for child in server.children(recursive=True)}
    job = session.post("/api/plugin/img2print", json={"command": "slice", "file": picture.name, "printer": "generic",
                                                      "mode": "lithophane",
                                                      "options": {"width": 120} if stage == "slicing" else
                                                      {"width": 150, "full_grid": True}}).json()["id"]
    session.wait_for_stage(job, stage, timeout=300)
    workers = [child for child in server.children(recursive=True) if child.pid not in before]
    asked = time.monotonic()
    assert session.post("/api/plugin/img2print", json={"command": "cancel", "job": job}).status_code == 200
    state = session.wait(job, timeout=30)
    took = time.monotonic() - asked
    assert state["status"] == "cancelled" and took < 3.0, (state["status"], took)
    _gone, alive = psutil.wait_procs(workers, timeout=3)
    assert alive == [], [process.name() for process in alive]
    assert list((octoprint_server.basedir / "data" / "img2print" / "work").iterdir()) == []
    assert not any(name.startswith(f"cancel-{stage}") and name.endswith(".gcode") for name in session.files())


def random_3mf(path: Path, triangles: int, lying: bool = False) -> None:
    """A 3MF of a large random mesh (about 45 bytes of XML per vertex and triangle, packing a few times, as real
    models do); ``lying``: its model part's checksum lies (a damaged download)."""
    import struct
    import zipfile
    import zlib

    rng = np.random.default_rng(4)
    vertices = "".join(f'<vertex x="{x:.5f}" y="{y:.5f}" z="{z:.5f}"/>' for x, y, z in rng.random((triangles, 3)) * 99)
    first = rng.integers(0, triangles, triangles)
    faces = "".join(f'<triangle v1="{a}" v2="{(a + 1) % triangles}" v3="{(a + 2) % triangles}"/>' for a in first)
    model = (f'<?xml version="1.0" encoding="UTF-8"?><model unit="millimeter" xmlns="{hostile.CORE_NS}">'
             f'<resources><object id="1" type="model"><mesh><vertices>{vertices}</vertices><triangles>{faces}'
             '</triangles></mesh></object></resources><build><item objectid="1"/></build></model>').encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("3D/3dmodel.model", model)
    if lying:
        true = struct.pack("<I", zlib.crc32(model))
        path.write_bytes(path.read_bytes().replace(true, struct.pack("<I", zlib.crc32(model) ^ 0xFFFF)))


def test_a_3mf_that_lies_about_its_checksum_is_one_clear_refusal(runner, tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    random_3mf(folder / "lies.3mf", 300_000, lying=True)
    ran = runner.run(["check", "lies.3mf", "--json"], folder, timeout=240)
    assert_bounded(ran)
    assert ran.exit == 3 and ran.answer["error"]["code"] == "unreadable_model", (ran.stdout, ran.stderr)
    assert "CRC" in ran.answer["error"]["message"] and "\n" not in ran.answer["error"]["message"]


def test_a_large_3mf_is_read_in_memory_that_follows_its_mesh_not_its_xml(tmp_path):
    """Its model part is read as it is decompressed, keeping only the numbers: a million triangles (a 90 MB part)
    took 1.3 GB as XML and a tree; the arrays are a tenth of that."""
    random_3mf(tmp_path / "large.3mf", 1_000_000)
    read = ("import re, sys; from pathlib import Path; "  # the child's own peak (VmHWM): ru_maxrss carries pytest's
            "from octoprint_img2print.geometry.threemf import read_3mf; mesh = read_3mf(Path(sys.argv[1])); "
            "peak = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1); "
            "print(len(mesh.faces), int(peak) // 1024)")
    run = subprocess.run([sys.executable, "-c", read, str(tmp_path / "large.3mf")], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    triangles, peak_mb = map(int, run.stdout.split())
    assert triangles == 1_000_000 and peak_mb < 400, (triangles, peak_mb)
