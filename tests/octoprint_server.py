"""A real OctoPrint server for tests, started the same way as the README's serve command."""

from __future__ import annotations

import http.cookiejar
import importlib.util
import json
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("octoprint_instance", ROOT / ".ci" / "octoprint_instance.py")
instance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(instance)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A logged-in browser-like session: cookies plus OctoPrint's CSRF header."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.open(self.base + "/").read()
        self.csrf = next(c.value for c in self.cookies if c.name.startswith("csrf_token"))

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"X-CSRF-Token": self.csrf, "Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=30) as answer:
                text = answer.read()
                return answer.status, json.loads(text) if text else {}
        except urllib.error.HTTPError as error:
            return error.code, {}

    def login(self, user: str, password: str) -> None:
        status, _answer = self.request("POST", "/api/login", {"user": user, "pass": password})
        assert status == 200, f"login as {user} failed with {status}"


class Server:
    """OctoPrint serving a temporary base folder on a free port; stopped on exit."""

    def __init__(self, octoprint: Path, basedir: Path, extra_config: str = "",
                 users: tuple[tuple[str, str, str], ...] = ()) -> None:
        self.octoprint, self.basedir, self.port = str(octoprint), basedir, free_port()
        self.extra_config, self.users = extra_config, users
        self.process: subprocess.Popen | None = None
        self.login: dict[str, str] = {}

    def __enter__(self) -> Server:
        self.login = instance.prepare(self.octoprint, self.basedir)
        if self.extra_config:
            with open(self.basedir / "config.yaml", "a") as config:
                config.write(self.extra_config)
        for name, password, group in self.users:
            self.add_user(name, password, group)
        return self.start()

    def start(self) -> Server:
        """Start (or start again) the server on the same folder and port."""
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

    def add_user(self, name: str, password: str, group: str) -> None:
        """Create a user in a group (before the server starts)."""
        subprocess.run([self.octoprint, "--basedir", str(self.basedir), "user", "add", name, "--password", password,
                        "--group", group], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def log(self) -> str:
        return (self.basedir / "logs" / "octoprint.log").read_text(errors="replace")

    def wait_for_log(self, text: str, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.log:
            assert time.monotonic() < deadline, f"'{text}' did not appear in octoprint.log"
            time.sleep(0.5)

    def client(self) -> Client:
        client = Client(self.port)
        client.login(self.login["user"], self.login["password"])
        return client
