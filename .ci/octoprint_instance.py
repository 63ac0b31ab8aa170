"""A headless OctoPrint instance with img2print and the virtual printer: used by `.ci/serve` and the tests."""

from __future__ import annotations

import argparse
import http.client
import json
import secrets
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

CONFIG = """\
server:
  firstRun: false
  onlineCheck: {enabled: false}
  pluginBlacklist: {enabled: false}
plugins:
  virtual_printer: {enabled: true}
  tracking: {enabled: false}
  announcements: {enabled: false}
  errortracking: {enabled: false}
serial:
  autoconnect: true
  port: VIRTUAL
  baudrate: 115200
"""
LOGIN_FILE = "img2print-login.json"


def prepare(octoprint: str, basedir: Path) -> dict[str, str]:
    """Write the configuration and create an admin user once; return its login."""
    basedir.mkdir(parents=True, exist_ok=True)
    login_path = basedir / LOGIN_FILE
    if login_path.exists():
        return json.loads(login_path.read_text())
    (basedir / "config.yaml").write_text(CONFIG)
    login = {"user": "admin", "password": secrets.token_urlsafe(12)}
    subprocess.run([octoprint, "--basedir", str(basedir), "user", "add", login["user"], "--password",
                    login["password"], "--admin"], check=True, stdout=subprocess.DEVNULL)
    login_path.write_text(json.dumps(login))
    return login


def serve_command(octoprint: str, basedir: Path, port: int) -> list[str]:
    """The command line that serves OctoPrint on 127.0.0.1 (as root too, which CI is)."""
    return [octoprint, "serve", "--iknowwhatimdoing", "--basedir", str(basedir), "--host", "127.0.0.1",
            "--port", str(port)]


def wait_online(port: int, timeout_s: float = 120.0, process: subprocess.Popen | None = None) -> None:
    """Wait until the server answers /online.txt."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"OctoPrint exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/online.txt", timeout=2):
                return
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)
    raise TimeoutError(f"OctoPrint did not answer on port {port} within {timeout_s:.0f} s")


def wait_settled(log: Path, quiet_s: float = 2.0, timeout_s: float = 60.0) -> None:
    """Wait until OctoPrint's start-up has said everything: its log names img2print ready and then stays quiet for
    ``quiet_s`` (its plugins' start-up checks come after the server answers)."""
    deadline = time.monotonic() + timeout_s
    size, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace") if log.is_file() else ""
        if len(text) != size:
            size, since = len(text), time.monotonic()
        elif "img2print" in text and " ready" in text and time.monotonic() - since >= quiet_s:
            return
        time.sleep(0.25)


def main() -> int:
    """Prepare the instance, serve it, and once it answers print its address and login, last and plainly; stop it
    with Ctrl-C (or SIGTERM)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--basedir", type=Path, required=True)
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--octoprint", default="octoprint")
    args = parser.parse_args()
    login = prepare(args.octoprint, args.basedir)
    server = subprocess.Popen(serve_command(args.octoprint, args.basedir, args.port))
    signal.signal(signal.SIGTERM, lambda _signal, _frame: server.terminate())
    try:
        wait_online(args.port, process=server)
        wait_settled(args.basedir / "logs" / "octoprint.log")
        print(f"\nOctoPrint with img2print is ready: http://127.0.0.1:{args.port}/\n"
              f"  login: {login['user']} / {login['password']}\n"
              f"  (the virtual printer connects by itself; data in {args.basedir}; Ctrl-C stops it)\n", flush=True)
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        return server.wait()


if __name__ == "__main__":
    raise SystemExit(main())
