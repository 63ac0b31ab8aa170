"""The job queue without OctoPrint: one job at a time, in a niced, memory-capped worker process; it waits
while a print runs (unless allowed), cancels, and recovers after a restart."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from pictures import halves, photo_like, save

from octoprint_img2print.job_request import JobRequest, Limits
from octoprint_img2print.jobs import CANCELLED, DONE, FAILED, WAITING_FOR_PRINT, JobQueue


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


def make_queue(tmp_path, recorder, limits=None, may_run=lambda: True) -> JobQueue:
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
    return JobRequest("convert", str(source), source.name, mode=mode, options={"width": 40, **options},
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
    queue = make_queue(tmp_path, recorder, may_run=lambda: not printing.is_set())
    try:
        job = queue.submit("p.png", convert_request(picture, "w.stl"))
        time.sleep(3)
        assert queue.get(job.id).status == "queued" and queue.get(job.id).note == WAITING_FOR_PRINT
        printing.clear()
        assert wait(queue, job.id).status == DONE
    finally:
        queue.stop()


def test_cancel_a_queued_job(tmp_path):
    picture = save(halves(), tmp_path / "p.png")
    recorder = Recorder()
    queue = make_queue(tmp_path, recorder, may_run=lambda: False)
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
    queue = make_queue(tmp_path, Recorder(), may_run=lambda: False)
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
