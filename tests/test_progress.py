"""Work that takes longer than a second shows its stage on a terminal, and nothing in --json mode."""

from __future__ import annotations

import io
import time

from octoprint_img2print import stages
from octoprint_img2print.command.shared import TerminalProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_slow_work(monkeypatch, enabled: bool, seconds: float) -> str:
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with TerminalProgress(enabled=enabled) as progress:
        progress(stages.LOADING)
        time.sleep(seconds / 2)
        progress(stages.BUILDING)
        time.sleep(seconds / 2)
    return terminal.getvalue()


def test_slow_work_shows_the_stage_and_elapsed_time(monkeypatch):
    shown = run_slow_work(monkeypatch, enabled=True, seconds=1.6)
    assert "Building the solid… 1." in shown and shown.endswith("\n")


def test_quick_work_shows_nothing(monkeypatch):
    assert run_slow_work(monkeypatch, enabled=True, seconds=0.4) == ""


def test_json_mode_shows_nothing(monkeypatch):
    assert run_slow_work(monkeypatch, enabled=False, seconds=1.6) == ""
