"""The generated hostile corpus (tests/hostile.py) through every command that reads each file.

Each command runs in a child forked from one warm process, under a memory limit (RLIMIT_AS) and a timeout: it
must end with the documented exit code, one line on stderr naming the file (or, with --json, the error's code),
no traceback, and nothing left behind: no output, no temporary file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT
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


def assert_nothing_left(folder: Path, source: Path, output: Path | None) -> None:
    left = sorted(p.name for p in folder.iterdir() if p != source and p != output)
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
