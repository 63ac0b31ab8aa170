"""img2print batch: twenty pictures (two broken) on two worker processes, killed half-way and run again; the same
jobs on a real Dask scheduler with two worker processes, one of them killed; G-code for each printer of a
manifest, on that printer's bed."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, require
from gcode_reading import read
from octoprint_server import free_port
from pictures import photo_like, save
from test_lean import _loaded

from octoprint_img2print import pipeline
from octoprint_img2print.farm.executors import LocalWorkers
from octoprint_img2print.farm.ledger import LEDGER_NAME, LOCK_NAME
from octoprint_img2print.printers.profile import get_printer, profile_from_dict
from octoprint_img2print.recipe import Recipe

WIDTH = ["--width", "40"]
GOOD = 18
STARTUP_S = 60.0


def batch_command(*arguments: object) -> list[str]:
    return [sys.executable, "-m", "octoprint_img2print.command", "batch", *map(str, arguments), "--json"]


def batch(*arguments: object) -> tuple[int, list[dict], dict]:
    """Run a batch to its end: exit code, one answer per job, and the summary."""
    run = subprocess.run(batch_command(*arguments), capture_output=True, text=True, cwd=ROOT, timeout=300)
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert lines and lines[-1].get("summary"), run.stderr
    return run.returncode, lines[:-1], lines[-1]


def ledger(folder: Path) -> dict[str, tuple]:
    """Each job in the ledger: state, attempts, error code and message, outputs, by where it was asked."""
    with sqlite3.connect(f"file:{folder / LEDGER_NAME}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT source, state, attempts, error_code, error_message, outputs FROM jobs").fetchall()
    return {row[0]: (row[1], row[2], row[3], row[4], json.loads(row[5] or "[]")) for row in rows}


def stray_files(folder: Path) -> set[str]:
    """Files in the output folder that are neither the ledger nor an output the ledger lists."""
    listed = {o["file"] for job in ledger(folder).values() for o in job[4]}
    own = {LEDGER_NAME, LOCK_NAME, LEDGER_NAME + "-wal", LEDGER_NAME + "-shm"}
    return {p.name for p in folder.iterdir()} - listed - own


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (its workers)."""
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def running(pid: int) -> bool:
    """Whether the process is there and not a zombie."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def wait_for_ledger(folder: Path, done: int, process: subprocess.Popen) -> None:
    """Until the running batch's ledger shows ``done`` jobs done (read while the batch writes it)."""
    while True:
        assert process.poll() is None, "the batch ended before it was stopped"
        try:
            if sum(state == "done" for state, *_rest in ledger(folder).values()) >= done:
                return
        except sqlite3.OperationalError:  # not made yet
            pass
        time.sleep(0.05)


def read_until(process: subprocess.Popen, done: int) -> list[dict]:
    """The job lines a running batch prints, until ``done`` jobs are done."""
    lines: list[dict] = []
    while sum(line.get("state") == "done" for line in lines) < done:
        text = process.stdout.readline()
        assert text, "the batch ended before it was stopped"
        lines.append(json.loads(text))
    return lines


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> Path:
    """Eighteen small photos, a truncated PNG and a text file named .jpg."""
    folder = tmp_path_factory.mktemp("pictures")
    for seed in range(GOOD):
        save(photo_like(200, 150, seed=seed + 1), folder / f"photo{seed:02d}.png")
    whole = (folder / "photo00.png").read_bytes()
    (folder / "cut.png").write_bytes(whole[: len(whole) // 2])
    (folder / "notes.jpg").write_text("shopping list: nozzle, filament\n")
    return folder


@pytest.fixture(scope="module")
def local(pictures, tmp_path_factory) -> dict:
    """The batch on two local workers, killed once some jobs are done, then run again to the end."""
    out = tmp_path_factory.mktemp("local")
    process = subprocess.Popen(batch_command(pictures, "-o", out, "--workers", 2, *WIDTH), stdout=subprocess.DEVNULL,
                               cwd=ROOT)
    wait_for_ledger(out, 3, process)
    workers = children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    killed = ledger(out)
    (out / ".photo00-0123456789ab.stl.k2j3h4g5.part").write_bytes(b"half a file")  # as if cut off mid-write
    made = {o["file"]: (out / o["file"]).stat().st_mtime_ns
            for state, *_rest, outputs in killed.values() if state == "done" for o in outputs}
    code, jobs, summary = batch(pictures, "-o", out, "--workers", 2, *WIDTH)
    return {"out": out, "killed": killed, "made": made, "code": code, "jobs": jobs,
            "summary": summary, "workers": workers}


def test_a_killed_batch_finishes_on_a_second_run_without_redoing_done_jobs(local):
    assert len(local["workers"]) == 2 and not any(running(pid) for pid in local["workers"]), "workers end with it"
    assert len(local["made"]) >= 3
    assert sum(state == "done" for state, *_rest in local["killed"].values()) < GOOD, "the kill came too late"
    assert local["summary"]["jobs"] == GOOD + 2
    assert local["summary"]["done"] == GOOD and local["summary"]["failed"] == 2
    assert local["summary"]["reused"] == len({j["job"] for j in local["jobs"] if j["reused"]}) >= 3
    for name, mtime in local["made"].items():  # made before the kill, untouched since
        assert (local["out"] / name).stat().st_mtime_ns == mtime
    reused = {j["job"] for j in local["jobs"] if j["reused"]}
    done_before = {where for where, (state, *_rest) in local["killed"].items() if state == "done"}
    assert reused == done_before
    final = ledger(local["out"])
    assert all(attempts == 1 for where, (state, attempts, *_rest) in final.items() if where in done_before)


def test_the_two_broken_pictures_fail_with_their_reasons_and_nothing_half_written_is_left(local):
    failed = {j["job"]: j["error"] for j in local["jobs"] if j["state"] == "failed"}
    assert set(failed) == {"cut.png", "notes.jpg"}
    assert failed["cut.png"]["code"] == "image_damaged" and "cut.png" in failed["cut.png"]["message"]
    assert failed["notes.jpg"]["code"] == "not_an_image" and "notes.jpg" in failed["notes.jpg"]["message"]
    assert local["code"] == 3  # bad input, as 'convert' says for one broken picture
    final = ledger(local["out"])
    assert final["cut.png"][0] == "failed" and final["cut.png"][2] == "image_damaged"
    assert stray_files(local["out"]) == set()
    assert len(list(local["out"].glob("*.stl"))) == GOOD


def test_outputs_are_byte_identical_to_single_convert_and_named_by_content(local, pictures, tmp_path):
    done = {j["job"]: j["outputs"][0]["file"] for j in local["jobs"] if j["state"] == "done"}
    for picture in ("photo03.png", "photo11.png"):
        name = done[picture]
        assert name.startswith(Path(picture).stem + "-") and name.endswith(".stl")
        single = tmp_path / name
        run = subprocess.run([sys.executable, "-m", "octoprint_img2print.command", "convert", str(pictures / picture),
                              "-o", str(single), *WIDTH], capture_output=True, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        assert single.read_bytes() == (local["out"] / name).read_bytes()
    assert len(set(done.values())) == GOOD


def test_a_third_run_retries_only_the_failed_jobs(local, pictures):
    before = ledger(local["out"])
    code, _jobs, summary = batch(pictures, "-o", local["out"], "--workers", 2, *WIDTH)
    after = ledger(local["out"])
    assert code == 3 and summary["reused"] == GOOD and summary["failed"] == 2
    for where, (state, attempts, *_rest) in after.items():
        assert attempts == before[where][1] + (state == "failed"), where


def test_a_3mf_is_byte_identical_to_convert_and_carries_no_clock_time(pictures, tmp_path):
    some = tmp_path / "some"
    some.mkdir()
    shutil.copy(pictures / "photo04.png", some / "twin.png")
    shutil.copy(pictures / "photo04.png", some / "photo04.png")
    code, jobs, _summary = batch(some, "-o", tmp_path / "out", "--format", "3mf", *WIDTH)
    assert code == 0
    names = sorted(j["outputs"][0]["file"] for j in jobs)
    assert len(names) == 2 and names[0].startswith("photo04-") and names[1].startswith("twin-"), "two names, two jobs"
    single = tmp_path / names[0]
    run = subprocess.run([sys.executable, "-m", "octoprint_img2print.command", "convert", str(some / "photo04.png"),
                          "-o", str(single), *WIDTH], capture_output=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert single.read_bytes() == (tmp_path / "out" / names[0]).read_bytes()
    with zipfile.ZipFile(single) as package:
        assert {part.date_time for part in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_killed_worker_loses_no_job(pictures, tmp_path):
    some = tmp_path / "some"
    some.mkdir()
    for index in range(6):
        shutil.copy(pictures / f"photo{index:02d}.png", some)
    out = tmp_path / "out"
    process = subprocess.Popen(batch_command(some, "-o", out, "--workers", 2, *WIDTH), stdout=subprocess.PIPE,
                               text=True, cwd=ROOT)
    lines = read_until(process, 1)
    os.kill(children(process.pid)[0], signal.SIGKILL)
    lines += [json.loads(line) for line in process.stdout.read().splitlines()]
    assert process.wait(timeout=120) == 0
    assert lines[-1]["done"] == 6 and lines[-1]["failed"] == 0
    assert stray_files(out) == set() and len(list(out.glob("*.stl"))) == 6


def _large_answer(size: int) -> bytes:
    return bytes(size)


def test_a_worker_killed_while_it_answers_breaks_the_pool_instead_of_stalling_it():
    """A worker killed while it hands back a large answer (a G-code, an STL) must end its job with an error the
    batch recovers from, not leave the pool waiting forever for the rest of the answer (as a process pool's pipe
    does when half a message was sent): killed at moments across making and handing back 200 MB."""
    for delay in [0.04 * step for step in range(15)]:
        workers = LocalWorkers(1)
        try:
            future = workers.submit(_large_answer, 200_000_000)
            time.sleep(delay)
            for pid in list(workers.executor._processes):  # the pool's own list of its worker processes
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            try:
                answer = future.result(timeout=60)
            except BrokenProcessPool:
                continue
            assert len(answer) == 200_000_000
        finally:
            workers.close()
    assert not list(Path(workers.answers.name).parent.glob(Path(workers.answers.name).name))  # its folder is gone


def test_a_second_batch_on_the_same_folder_is_refused_while_one_runs(pictures, tmp_path):
    import fcntl

    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        run = subprocess.run(batch_command(pictures, "-o", out), capture_output=True, text=True, cwd=ROOT)
    answer = json.loads(run.stdout)
    assert run.returncode == 3 and answer["error"]["code"] == "batch_running" and str(out) in answer["error"]["message"]
    assert not (out / LEDGER_NAME).exists() or ledger(out) == {}


# --- a real Dask cluster ----------------------------------------------------------------------------------------

def _started(command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "w") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=STARTUP_S) as client:  # connecting waits for the scheduler
        if count:
            client.wait_for_workers(count, timeout=STARTUP_S)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Dask scheduler and two worker processes on 127.0.0.1 (no nanny: a killed worker stays dead)."""
    dask = Path(sys.executable).parent / "dask"
    require(importlib.util.find_spec("distributed") is not None and dask.exists(), "Dask distributed")
    logs = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = _started([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                         logs / "scheduler.log")
    workers = [_started([str(dask), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-nanny",
                         "--no-dashboard", "--host", "127.0.0.1"], logs / f"worker{index}.log") for index in (1, 2)]
    try:
        _wait_for_workers(address, 2)
        yield address, workers
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_the_same_batch_on_a_dask_cluster_gives_the_same_files_and_survives_a_killed_worker(cluster, local,
                                                                                             pictures, tmp_path):
    address, workers = cluster
    out = tmp_path / "dask"
    process = subprocess.Popen(batch_command(pictures, "-o", out, "--cluster", address, *WIDTH),
                               stdout=subprocess.PIPE, text=True, cwd=ROOT)
    lines = read_until(process, 1)
    workers[0].send_signal(signal.SIGKILL)
    lines += [json.loads(line) for line in process.stdout.read().splitlines()]
    assert process.wait(timeout=240) == 3, "the two broken pictures fail, as on the local run"
    summary = lines[-1]
    assert summary["done"] == GOOD and summary["failed"] == 2
    assert workers[0].wait(timeout=10) == -signal.SIGKILL
    local_files = {o["file"]: o["sha256"] for j in local["jobs"] for o in j["outputs"]}
    dask_files = {o["file"]: o["sha256"] for j in lines[:-1] for o in j["outputs"]}
    assert dask_files == local_files
    failed = {j["job"]: j["error"]["code"] for j in lines[:-1] if j["state"] == "failed"}
    assert failed == {"cut.png": "image_damaged", "notes.jpg": "not_an_image"}
    assert stray_files(out) == set()


def test_a_dask_worker_without_ones_own_filament_files_slices_for_them(cluster, pictures, tmp_path):
    """The workers were started before the batch and never see the --filaments file (as on another machine): the
    job carries one's own filaments to them."""
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    address, _workers = cluster
    own = yaml.safe_load((ROOT / "profiles" / "filaments" / "petg.yaml").read_text())
    own.update(nozzle_temperature=247, first_layer_nozzle_temperature=243,
               filaments=[{"id": "acme_petg_teal", "colour_name": "Teal", "colour": "#1F8A8A", "td": 4.0}])
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump(own))
    shutil.copy(pictures / "photo05.png", tmp_path / "photo05.png")
    (tmp_path / "jobs.csv").write_text("file,mode,printers,width,filament\n"
                                       "photo05.png,lithophane,prusa_mini,30,acme_petg_teal\n")
    code, jobs, summary = batch(tmp_path / "jobs.csv", "-o", tmp_path / "out", "--cluster", address,
                                "--filaments", tmp_path / "mine.yaml")
    assert code == 0 and summary["done"] == 1, jobs
    gcode = next(o["file"] for o in jobs[0]["outputs"] if o["printer"])
    temperatures = re.findall(r"^M10[49] S(\d+)", (tmp_path / "out" / gcode).read_text(), re.M)
    assert "243" in temperatures and "247" in temperatures, temperatures


def test_an_unreachable_cluster_is_one_clear_error(pictures, tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "Dask distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    run = subprocess.run(batch_command(pictures, "-o", tmp_path / "out", "--cluster", address), capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    answer = json.loads(run.stdout.splitlines()[-1])
    assert run.returncode == 3 and answer["error"]["code"] == "cluster_unreachable"
    assert address in answer["error"]["message"] and time.monotonic() - started < 60


def _small_cluster(folder: Path, port: int, workers: int) -> list[subprocess.Popen]:
    """A Dask scheduler on ``port`` with ``workers`` worker processes; the scheduler first."""
    dask = Path(sys.executable).parent / "dask"
    address = f"tcp://127.0.0.1:{port}"
    started = [_started([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                        folder / f"scheduler-{time.monotonic_ns()}.log")]
    started += [_started([str(dask), "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host",
                          "127.0.0.1"], folder / f"worker-{time.monotonic_ns()}.log") for _ in range(workers)]
    _wait_for_workers(address, workers)
    return started


def _stopped(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.kill()
        process.wait(timeout=20)


def test_a_dead_scheduler_ends_the_batch_within_a_minute_and_the_next_run_goes_on(pictures, tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "Dask distributed")
    port, out = free_port(), tmp_path / "out"
    cluster = _small_cluster(tmp_path, port, 1)
    try:
        process = subprocess.Popen(batch_command(pictures, "-o", out, "--cluster", f"tcp://127.0.0.1:{port}",
                                                 *WIDTH), stdout=subprocess.PIPE, text=True, cwd=ROOT)
        done_before = read_until(process, 1)
        cluster[0].send_signal(signal.SIGKILL)  # the scheduler
        killed = time.monotonic()
        rest = process.stdout.read().splitlines()
        assert process.wait(timeout=120) == 3
        assert time.monotonic() - killed < 60
        error = json.loads(rest[-1])["error"]
        assert error["code"] == "cluster_lost" and f"127.0.0.1:{port}" in error["message"]
    finally:
        _stopped(cluster)
    cluster = _small_cluster(tmp_path, port, 1)
    try:
        code, _jobs, summary = batch(pictures, "-o", out, "--cluster", f"tcp://127.0.0.1:{port}", *WIDTH)
    finally:
        _stopped(cluster)
    assert code == 3 and summary["done"] == GOOD and summary["failed"] == 2  # the two broken pictures, as always
    assert summary["reused"] >= sum(line.get("state") == "done" for line in done_before) >= 1
    assert stray_files(out) == set()


def test_a_cluster_without_workers_ends_the_batch_after_the_wait(pictures, tmp_path):
    require(importlib.util.find_spec("distributed") is not None, "Dask distributed")
    port = free_port()
    cluster = _small_cluster(tmp_path, port, 0)
    try:
        started = time.monotonic()
        run = subprocess.run(batch_command(pictures, "-o", tmp_path / "out", "--cluster", f"tcp://127.0.0.1:{port}",
                                           "--cluster-wait", "3", *WIDTH), capture_output=True, text=True, cwd=ROOT,
                             timeout=120)
    finally:
        _stopped(cluster)
    error = json.loads(run.stdout.splitlines()[-1])["error"]
    assert run.returncode == 3 and error["code"] == "cluster_without_workers" and "3 s" in error["message"]
    assert time.monotonic() - started < 60


def test_work_folders_a_killed_process_left_are_removed_at_the_next_start(pictures, tmp_path):
    """A killed worker never removes its temporary folders; the next batch does, and only those of ended
    processes."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    dead_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # above any process id: no such process
    left = [scratch / f"img2print-batch-{dead_pid}-x1", scratch / f"img2print-slice-{dead_pid}-x2"]
    for folder in left:
        (folder / "model.stl").parent.mkdir()
        (folder / "model.stl").write_bytes(b"solid x")
    mine = scratch / f"img2print-slice-{os.getpid()}-x3"
    mine.mkdir()
    some = tmp_path / "some"
    some.mkdir()
    shutil.copy(pictures / "photo01.png", some)
    run = subprocess.run(batch_command(some, "-o", tmp_path / "out", "--workers", 1, *WIDTH), capture_output=True,
                         text=True, cwd=ROOT, timeout=300, env={**os.environ, "TMPDIR": str(scratch)})
    assert run.returncode == 0, run.stderr
    assert not any(folder.exists() for folder in left) and mine.is_dir()
    assert [p.name for p in scratch.iterdir()] == [mine.name]  # the batch's own work folders are gone too


def test_help_a_lithophane_and_a_local_batch_do_not_load_dask(pictures, tmp_path):
    some = tmp_path / "one"
    some.mkdir()
    shutil.copy(pictures / "photo01.png", some)
    for arguments in (["--help"], ["convert", str(some / "photo01.png"), "-o", str(tmp_path / "a.stl"), *WIDTH],
                      ["batch", str(some), "-o", str(tmp_path / "out"), "--workers", "1", "--json", *WIDTH]):
        assert {"dask", "distributed"} & set(_loaded(arguments)) == set(), arguments
    assert len(list((tmp_path / "out").glob("*.stl"))) == 1


# --- manifests with printers ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sliced(pictures, tmp_path_factory) -> tuple[Path, dict]:
    """A YAML manifest's job for two printers, one named twice: a lithophane, printed standing with its seam side
    painted (where PrusaSlicer 2.5's variable-width perimeters came out differently from run to run)."""
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    folder = tmp_path_factory.mktemp("sliced")
    shutil.copy(pictures / "photo05.png", folder / "photo05.png")
    (folder / "jobs.yaml").write_text("jobs:\n"
                                      "  - file: photo05.png\n"
                                      "    mode: lithophane\n"
                                      "    options: {width: 40}\n"
                                      "    printers: [prusa_mini, creality_ender3_v2, prusa_mini]\n"
                                      "    copies: 3\n")
    code, jobs, summary = batch(folder / "jobs.yaml", "-o", folder / "out", "--workers", 2)
    assert code == 0 and summary["done"] == 1
    return folder, jobs[0]


def test_a_manifest_slices_once_per_printer_and_each_gcode_stays_on_its_bed(sliced):
    folder, job = sliced
    gcodes = [o for o in job["outputs"] if o["printer"]]
    assert sorted(o["printer"] for o in gcodes) == ["creality_ender3_v2", "prusa_mini"]
    assert job["copies"] == 3
    for output in gcodes:
        printer = get_printer(output["printer"])
        gcode = read(folder / "out" / output["file"])
        xs = [x for x, _y in gcode.first_layer_xy]
        ys = [y for _x, y in gcode.first_layer_xy]
        assert min(xs) >= 0 and max(xs) <= printer.width and min(ys) >= 0 and max(ys) <= printer.depth
        assert abs((min(xs) + max(xs)) / 2 - printer.width / 2) < 5, "centred on the bed"
        assert max(gcode.layer_zs) <= printer.max_height
        assert output["file"].startswith(f"photo05-{output['printer']}-")


def test_the_same_job_from_a_csv_manifest_is_the_same_file_and_the_same_gcode_apart_from_the_date(sliced):
    folder, job = sliced
    (folder / "again.csv").write_text("file,mode,printers,width\nphoto05.png,lithophane,prusa_mini,40.0\n")
    code, jobs, _summary = batch(folder / "again.csv", "-o", folder / "again", "--workers", 1)
    assert code == 0
    gcode = next(o["file"] for o in jobs[0]["outputs"] if o["printer"])
    assert gcode in [o["file"] for o in job["outputs"]], "the same picture and options: the same name"
    first = (folder / "out" / gcode).read_text().splitlines()
    second = (folder / "again" / gcode).read_text().splitlines()
    assert len(first) == len(second) > 1000
    differing = [a for a, b in zip(first, second) if a != b]
    assert all(line.startswith("; generated by PrusaSlicer") for line in differing), differing[:3]


def test_a_bad_manifest_row_is_one_line_naming_it(tmp_path):
    manifest = tmp_path / "jobs.csv"
    manifest.write_text("file,printer,width\na.png,prusa_mk4,40\nb.png,no_such_printer,40\n")
    run = subprocess.run(batch_command(manifest, "-o", tmp_path / "out"), capture_output=True, text=True, cwd=ROOT)
    answer = json.loads(run.stdout)
    assert run.returncode == 3 and answer["error"]["code"] == "bad_manifest"
    assert answer["error"]["message"].startswith("jobs.csv row 3: There is no printer 'no_such_printer'")
    assert not (tmp_path / "out").exists()


def test_a_job_for_several_printers_slices_the_solid_it_built_unless_a_bed_caps_its_size(pictures, tmp_path,
                                                                                          monkeypatch):
    """A batch job builds its solid once (its model file) and slices that for each printer; only a bed too small
    for the mode's default width gets a solid built again, that much narrower."""
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    source = (pictures / "photo05.png").read_bytes()
    built = pipeline.build_solid(source, recipe=Recipe(mode="relief"), name="photo05.png")
    assert round(float(built.mesh.size()[0])) == 100, "the relief's default width"
    widths_built = []
    build = pipeline.build_solid
    monkeypatch.setattr(pipeline, "build_solid",
                        lambda *args, **kwargs: widths_built.append(kwargs["widest"]) or build(*args, **kwargs))
    small = profile_from_dict({"id": "small", "name": "Small", "bed": {"width": 120, "depth": 120},
                               "max_height": 100, "start_gcode": "G28\nM190 S60\nM109 S215\n",
                               "end_gcode": "M104 S0\nM140 S0\n"}, "small.yaml")
    sizes, first_layers = {}, {}
    for printer in (get_printer("prusa_mini"), get_printer("prusa_mk4"), small):
        sliced = pipeline.slice_job(source, tmp_path / f"{printer.id}.gcode",
                                    recipe=Recipe(slicer="prusaslicer", mode="relief"), printer=printer,
                                    name="photo05.png", built=built)
        sizes[printer.id] = sorted(sliced.size_mm)[-1]
        xs = [x for x, _y in read(tmp_path / f"{printer.id}.gcode").first_layer_xy]
        first_layers[printer.id] = max(xs) - min(xs)  # the relief and its skirt
    assert widths_built == [72], "built again only for the small bed (60 % of its 120 mm)"
    assert sizes["prusa_mini"] == sizes["prusa_mk4"] == pytest.approx(100, abs=0.01)
    assert sizes["small"] == pytest.approx(72, abs=0.01)
    assert first_layers["prusa_mk4"] - first_layers["small"] == pytest.approx(28, abs=1)


def test_the_time_left_after_a_resume_follows_the_pace_of_the_jobs_made_now(monkeypatch):
    """Ten jobs reused from an earlier run end at once; then jobs made here end 10 s apart: the estimate is 10 s a
    job for the rest, not the reused jobs' pace nor the start's."""
    from octoprint_img2print.command import batch as cli_batch

    clock = [100.0]
    monkeypatch.setattr(cli_batch.time, "monotonic", lambda: clock[0])
    tally = cli_batch.Tally(20)
    for _reused in range(10):
        tally.count("done", reused=True)
    clock[0] += 30.0  # imports, connecting to a cluster, the first job
    tally.count("done", reused=False)
    assert "left" not in tally.line(30.0)  # one job made: no pace yet
    for _made in range(2):
        clock[0] += 10.0
        tally.count("done", reused=False)
    assert "about 1:10 left" in tally.line(50.0)  # 7 jobs to go at 10 s each


def test_each_row_slices_for_its_own_filament(pictures, tmp_path):
    require(shutil.which("prusa-slicer") is not None, "prusa-slicer")
    shutil.copy(pictures / "photo05.png", tmp_path / "photo05.png")
    (tmp_path / "jobs.csv").write_text("file,mode,printers,width,filament\n"
                                       "photo05.png,logo,prusa_mini,30,petg_black\n"
                                       "photo05.png,logo,prusa_mini,30,\n")
    code, jobs, summary = batch(tmp_path / "jobs.csv", "-o", tmp_path / "out", "--workers", 1)
    assert code == 0 and summary["done"] == 2, jobs
    heat = {}
    for job in jobs:
        gcode = next(o["file"] for o in job["outputs"] if o["printer"])
        text = (tmp_path / "out" / gcode).read_text()
        heat[job["made"]["gcode"][0]["filament"]] = re.findall(r"^M104 S(\d+)", text, re.M)
    assert heat["petg_black"][-2:] == ["240", "0"] and heat["pla_white"][-2:] == ["210", "0"]


def test_a_row_with_an_unknown_filament_is_one_line_naming_it(tmp_path):
    manifest = tmp_path / "jobs.yaml"
    manifest.write_text("- {file: a.png, printers: [prusa_mk4], filament: pla_chartreuse}\n")
    run = subprocess.run(batch_command(manifest, "-o", tmp_path / "out"), capture_output=True, text=True, cwd=ROOT)
    answer = json.loads(run.stdout)
    assert run.returncode == 3 and answer["error"]["code"] == "bad_manifest"
    assert answer["error"]["message"].startswith("jobs.yaml job 1: There is no filament 'pla_chartreuse'")
