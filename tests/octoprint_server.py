"""A real OctoPrint server for tests, started the same way as the README's serve command."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import time
from pathlib import Path

import requests
from conftest import ROOT

OCTOPRINT = ROOT / ".venv" / "bin" / "octoprint"
_spec = importlib.util.spec_from_file_location("octoprint_instance", ROOT / ".ci" / "octoprint_instance.py")
instance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(instance)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Session:
    """A browser-like session (cookies, CSRF header) or an anonymous one."""

    def __init__(self, port: int, user: str | None = None, password: str | None = None) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        self.http.get(self.base + "/", timeout=30)
        token = next((c.value for c in self.http.cookies if c.name.startswith("csrf_token")), "")
        self.http.headers["X-CSRF-Token"] = token
        if user:
            answer = self.http.post(self.base + "/api/login", json={"user": user, "pass": password}, timeout=30)
            assert answer.status_code == 200, answer.text

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=60, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.base + path, timeout=60, **kwargs)

    def upload(self, data: bytes, name: str, **fields) -> requests.Response:
        return self.post("/plugin/img2print/upload", files={"file": (name, data)}, data=fields)

    def wait(self, job: str, timeout: float = 240) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            state = self.get(f"/api/plugin/img2print?job={job}").json()
            if state["status"] not in ("queued", "running"):
                return state
            assert time.monotonic() < deadline, state
            time.sleep(0.5)

    def wait_for_stage(self, job: str, stage: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while (state := self.get(f"/api/plugin/img2print?job={job}").json())["stage"] != stage:
            assert state["status"] in ("queued", "running") and time.monotonic() < deadline, state
            time.sleep(0.1)

    def files(self) -> list[str]:
        return [f["path"] for f in self.get("/api/files/local?recursive=true").json()["files"]]

    def wait_for_file(self, path: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while path not in self.files():
            assert time.monotonic() < deadline, f"{path} did not appear in the file list"
            time.sleep(0.5)


class Server:
    """OctoPrint serving a temporary base folder on a free port; stopped on exit."""

    def __init__(self, octoprint: Path, basedir: Path, extra_config: str = "",
                 users: tuple[tuple[str, str, str], ...] = (), wizard_seen: bool = True) -> None:
        self.octoprint, self.basedir, self.port = str(octoprint), basedir, free_port()
        self.extra_config, self.users, self.wizard_seen = extra_config, users, wizard_seen
        self.process: subprocess.Popen | None = None
        self.log_start: tuple[int | None, int] = (None, 0)
        self.login: dict[str, str] = {}

    def __enter__(self) -> Server:
        self.login = instance.prepare(self.octoprint, self.basedir)
        if self.wizard_seen:
            self.mark_wizard_seen()
        if self.extra_config:
            with open(self.basedir / "config.yaml", "a") as config:
                config.write(self.extra_config)
        for name, password, group in self.users:
            self.add_user(name, password, group)
        return self.start()

    def start(self) -> Server:
        """Start (or start again) the server on the same folder and port; ``wait_for_log`` reads from here on."""
        self.read_log_from_here()
        self.process = subprocess.Popen(instance.serve_command(self.octoprint, self.basedir, self.port),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            instance.wait_online(self.port, process=self.process)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server as a service manager would (SIGTERM, then SIGKILL)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def mark_wizard_seen(self) -> None:
        """img2print's first-run wizard as seen by the admin: its dialog would cover the pages a test uses."""
        import yaml

        from octoprint_img2print.plugin.octoprint_plugin import WIZARD_VERSION

        path = self.basedir / "config.yaml"
        config = yaml.safe_load(path.read_text()) or {}
        config.setdefault("server", {}).setdefault("seenWizards", {})["img2print"] = WIZARD_VERSION
        path.write_text(yaml.safe_dump(config))

    def add_user(self, name: str, password: str, group: str) -> None:
        """Create a user in a group (before the server starts)."""
        subprocess.run([self.octoprint, "--basedir", str(self.basedir), "user", "add", name, "--password", password,
                        "--group", group], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def log_path(self) -> Path:
        return self.basedir / "logs" / "octoprint.log"

    @property
    def log(self) -> str:
        """All of octoprint.log (nothing before the first start)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _log_file(self) -> int | None:
        """Which file octoprint.log is (its inode): a rollover makes a new one."""
        return self.log_path.stat().st_ino if self.log_path.exists() else None

    def read_log_from_here(self) -> None:
        """``wait_for_log`` reads only what octoprint.log says after this (a restart: never the start before)."""
        self.log_start = (self._log_file(), len(self.log))

    @property
    def new_log(self) -> str:
        """What octoprint.log says since the latest start (all of it, once the log was rolled over)."""
        file, start = self.log_start
        return self.log[start:] if self._log_file() == file else self.log

    def wait_for_log(self, text: str, timeout_s: float = 60.0) -> None:
        """Until ``text`` stands in octoprint.log since the latest start (a restart's own line, never the first's)."""
        deadline = time.monotonic() + timeout_s
        while text not in self.new_log:
            assert time.monotonic() < deadline, f"'{text}' did not appear in octoprint.log since the latest start"
            time.sleep(0.5)

    def session(self) -> Session:
        """A session logged in as the admin this instance was prepared with."""
        return Session(self.port, self.login["user"], self.login["password"])
