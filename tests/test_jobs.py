"""The job queue without OctoPrint: one job at a time, in a niced, memory-capped worker process; it waits
while a print runs (unless allowed), cancels, and recovers after a restart."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from pictures import halves, photo_like, save

from octoprint_img2print.plugin.job_request import JobRequest, Limits
from octoprint_img2print.plugin.jobs import CANCELLED, DONE, FAILED, WAITING_FOR_PRINT, JobQueue, may_run
from octoprint_img2print.recipe import Recipe


class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[str, str]] = []
        self.outputs: list[Path] = []
        self.lock = threading.Lock()

    def changed(self, job) -> None:
        with self.lock:
            self.changes.append((job.id, job.status))

    def finished(self, job, produced: Path) -> None:
        assert produced.exists()
        self.outputs.append(produced)


def make_queue(tmp_path, recorder, limits=None, may_run=lambda _action: True) -> JobQueue:
    settings = Limits(**{"nice": 10, "memory_mb": 2048, "max_job_seconds": 600, **(limits or {})})
    return JobQueue(tmp_path / "data", on_change=recorder.changed, on_finished=recorder.finished,
                    settings=lambda: settings, may_run=may_run)


def wait(queue: JobQueue, job_id: str, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while queue.get(job_id).status not in (DONE, FAILED, CANCELLED):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    return queue.get(job_id)


def convert_request(source: Path, name: str, mode: str = "relief", **options) -> JobRequest:
    return JobRequest("convert", str(source), source.name, Recipe(mode=mode, options={"width": 40, **options}),
                      output_name=name)


def test_jobs_run_one_at_a_time_in_a_niced_memory_capped_worker(tmp_path):
    picture = save(halves(), tmp_path / "p.png")
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder)
    try:
        first = queue.submit("p.png", convert_request(picture, "a.stl"))
        second = queue.submit("p.png", convert_request(picture, "b.stl"))
        done_first, done_second = wait(queue, first.id), wait(queue, second.id)
        assert done_first.status == done_second.status == DONE
        deadline = time.monotonic() + 10  # the queue tells of a change once it is made
        while (second.id, "done") not in recorder.changes and time.monotonic() < deadline:
            time.sleep(0.05)
        states = [change for change in recorder.changes if change[1] in ("running", "done")]
        order = [c for i, c in enumerate(states) if i == 0 or c != states[i - 1]]
        assert order == [(first.id, "running"), (first.id, "done"), (second.id, "running"), (second.id, "done")]
        assert done_first.result["worker"] == {"nice": 10, "memory_limit_mb": 2048}
        assert [p.name for p in recorder.outputs] == ["a.stl", "b.stl"]
        assert not any((tmp_path / "data" / "work").iterdir())
    finally:
        queue.stop()


def test_memory_cap_stops_a_job_that_needs_more_and_says_so(tmp_path):
    picture = save(photo_like(1200, 900), tmp_path / "big.png")
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder, limits={"memory_mb": 400})
    try:
        request = convert_request(picture, "big.stl", "lithophane", full_grid=True, width=300)
        job = queue.submit("big.png", request)
        finished = wait(queue, job.id)
        assert finished.status == FAILED
        # measured against the cap before any work (a full grid), or stopped by it
        assert finished.error["code"] in ("bad_parameter", "out_of_memory", "worker_crashed")
        assert "memory" in finished.error["message"]
        assert recorder.outputs == []
    finally:
        queue.stop()


def test_jobs_wait_while_printing_unless_allowed(tmp_path):
    picture = save(halves(), tmp_path / "p.png")
    printing = threading.Event()
    printing.set()
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder, may_run=lambda action: may_run(action, printing.is_set(), False))
    try:
        job = queue.submit("p.png", convert_request(picture, "w.stl"))
        time.sleep(3)
        assert queue.get(job.id).status == "queued" and queue.get(job.id).note == WAITING_FOR_PRINT
        printing.clear()
        assert wait(queue, job.id).status == DONE
    finally:
        queue.stop()


def test_a_preview_runs_while_printing_and_heavy_work_behind_it_waits(tmp_path):
    """During a print (heavy work while printing switched off) a preview asked after a held conversion runs at
    once; the conversion says why it waits and who can change it."""
    picture = save(halves(), tmp_path / "p.png")
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder, may_run=lambda action: may_run(action, True, False))
    try:
        held = queue.submit("p.png", convert_request(picture, "held.stl"))
        preview = queue.submit("p.png", JobRequest("preview", str(picture), "p.png", Recipe(mode="relief")))
        assert wait(queue, preview.id).status == DONE and queue.get(preview.id).result["preview"]
        assert queue.get(held.id).status == "queued" and "settings" in queue.get(held.id).note
    finally:
        queue.stop()


@pytest.mark.parametrize("action, printing, allowed, runs", [
    ("preview", True, False, True), ("convert", True, False, False), ("slice", True, True, True),
    ("slice", False, False, True), ("repair", True, False, False), ("generate", True, False, False)])
def test_what_may_run_while_printing(action, printing, allowed, runs):
    assert may_run(action, printing, allowed) is runs


def test_cancel_a_queued_job(tmp_path):
    picture = save(halves(), tmp_path / "p.png")
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder, may_run=lambda _action: False)
    try:
        job = queue.submit("p.png", convert_request(picture, "c.stl"))
        assert queue.cancel(job.id) and queue.get(job.id).status == CANCELLED
        assert not queue.cancel(job.id) and not queue.cancel("nonesuch")
    finally:
        queue.stop()


def test_a_restart_fails_interrupted_jobs_and_clears_their_work(tmp_path):
    data = tmp_path / "data"
    (data / "work" / "abc").mkdir(parents=True)
    (data / "work" / "abc" / "half.stl").write_bytes(b"solid half")
    stored = [{"id": job_id, "action": "convert", "name": f"{job_id}.png", "status": status,
               "request": {"action": "convert", "source": f"/{job_id}.png", "name": f"{job_id}.png"}}
              for job_id, status in (("abc", "running"), ("def", "queued"), ("ghi", "done"))]
    (data / "jobs.json").write_text(json.dumps(stored))
    queue = make_queue(tmp_path, Recorder(), may_run=lambda _action: False)
    try:
        assert queue.get("abc").status == queue.get("def").status == FAILED
        assert queue.get("abc").error["code"] == "interrupted" and queue.get("ghi").status == DONE
        assert not any((data / "work").iterdir())
    finally:
        queue.stop()


@pytest.mark.parametrize("bad", ["not json", "[]"])
def test_a_broken_job_file_does_not_stop_the_queue(tmp_path, bad):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "jobs.json").write_text(bad)
    queue = make_queue(tmp_path, Recorder())
    try:
        assert queue.listing() == []
    finally:
        queue.stop()


def test_a_fault_in_a_job_says_img2print_failed_on_the_file_with_its_reason_not_memory_or_time(tmp_path):
    picture = save(halves(), tmp_path / "p.png")
    queue = make_queue(tmp_path, Recorder())
    try:
        job = queue.submit("p.png", JobRequest("bogus", str(picture), "p.png"))  # run() raises ValueError on it
        finished = wait(queue, job.id)
        assert finished.status == FAILED and finished.error["code"] == "internal_error"
        assert finished.error["message"] == ("p.png: img2print failed on it (ValueError: unknown action 'bogus'); "
                                             "please report this with the picture.")
        assert "memory" not in finished.error["message"] and "time limit" not in finished.error["message"]
    finally:
        queue.stop()


def test_an_import_error_in_the_worker_is_said_in_one_line_with_the_file(monkeypatch):
    from octoprint_img2print.plugin import worker

    def missing(*_args, **_kwargs):
        raise ImportError("No module named 'manifold3d'\n(a second line)")

    said: list[str] = []
    monkeypatch.setattr(worker, "run", missing)
    monkeypatch.setattr(worker, "_send", said.append)
    message = {"limits": {"nice": 0, "memory_mb": 0, "max_job_seconds": 60}, "output": None, "view": None,
               "request": JobRequest("preview", "/nowhere/cat.jpg", "cat.jpg").as_dict()}
    assert worker.serve(message) == 1
    error = json.loads(said[-1])["error"]
    assert error["code"] == "internal_error"
    assert error["message"] == ("cat.jpg: img2print failed on it (ImportError: No module named 'manifold3d' (a second "
                                "line)); please report this with the picture.")


def test_a_worker_ending_without_a_word_is_told_apart_by_how_it_ended():
    from octoprint_img2print.plugin.jobs import CRASHED, Ending, Job, _unsaid

    job = Job("j1", "preview", "cat.jpg", JobRequest("preview", "/cat.jpg", "cat.jpg"))
    traceback = "Traceback (most recent call last):\n  File \"x.py\", line 1\nImportError: No module named 'numpy'\n"
    failed = _unsaid(job, Ending(exit_code=1, log=traceback))
    assert failed["code"] == "internal_error"
    assert "cat.jpg: img2print failed on it (ImportError: No module named 'numpy')" in failed["message"]
    assert _unsaid(job, Ending(exit_code=1))["message"].startswith("cat.jpg: img2print failed on it (exit code 1)")
    assert _unsaid(job, Ending(exit_code=-9))["message"] == CRASHED  # a signal: the memory cap's end, the kernel's
    timed = _unsaid(job, Ending(exit_code=-9, timed_out=True, time_limit_s=30))
    assert timed["code"] == "job_timed_out" and "(30 s)" in timed["message"]


def test_the_time_limit_and_a_killed_worker_are_said_as_such(tmp_path):
    import os
    import signal

    from octoprint_img2print.plugin.jobs import CRASHED

    picture = save(photo_like(1200, 900), tmp_path / "big.png")
    heavy = convert_request(picture, "big.stl", "lithophane", full_grid=True, width=200)
    queue = make_queue(tmp_path, Recorder(), limits={"max_job_seconds": 1})
    try:
        timed = wait(queue, queue.submit("big.png", heavy).id)
        assert timed.status == FAILED and timed.error["code"] == "job_timed_out", timed.error
        assert "time limit" in timed.error["message"] and "(1 s)" in timed.error["message"]
    finally:
        queue.stop()
    queue = make_queue(tmp_path / "again", Recorder())
    try:
        job = queue.submit("big.png", heavy)
        deadline = time.monotonic() + 60
        while queue.get(job.id).status != "running" or queue.process is None or queue.process.pid is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(queue.process.pid, signal.SIGKILL)  # as the kernel ends a process over its memory
        killed = wait(queue, job.id)
        assert killed.status == FAILED and killed.error["code"] == "worker_crashed"
        assert killed.error["message"] == CRASHED
    finally:
        queue.stop()


def test_cancelling_a_job_again_and_again_as_it_ends_is_never_an_error(tmp_path):
    """Cancels sent every few milliseconds from the job's last stage until it has ended: each is answered (True
    while the job runs, False once it has ended), none raises, and the job ends cancelled or done."""
    picture = save(halves(), tmp_path / "p.png")
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder)
    try:
        job = queue.submit("p.png", convert_request(picture, "c.stl", width=20))
        while queue.get(job.id).status not in (DONE, FAILED, CANCELLED):
            if queue.get(job.id).progress >= 0.9:  # writing the file: the job is about to end
                queue.cancel(job.id)
            time.sleep(0.002)
        assert queue.get(job.id).status in (DONE, CANCELLED)
        assert queue.cancel(job.id) is False
    finally:
        queue.stop()


def test_a_job_stored_before_requests_held_a_recipe_still_loads():
    """A job list written by an earlier img2print has the recipe's parts beside the request's own."""
    stored = {"action": "slice", "source": "/data/uploads/cat.png", "name": "cat.png", "mode": "relief",
              "options": {"width": 40}, "language": "de", "max_megapixels": 20.0, "printer": "generic",
              "printer_profile": None, "intent": "display", "slicer": "cura", "slicer_settings": {"path": "/x"},
              "overrides": {"filament": "pla_red"}, "timeout_s": 100.0, "output_name": "cat.gcode",
              "target": {"folder": "", "select": True, "print": False, "machinecode_path": None, "go": None}}
    request = JobRequest.from_dict(stored)
    assert request.recipe == Recipe(mode="relief", options={"width": 40}, intent="display", slicer="cura",
                                    slicer_settings={"path": "/x"}, overrides={"filament": "pla_red"},
                                    max_megapixels=20.0, timeout_s=100.0)
    assert (request.language, request.printer, request.output_name, request.target.select) == \
        ("de", "generic", "cat.gcode", True)
    assert JobRequest.from_dict(request.as_dict()) == request
