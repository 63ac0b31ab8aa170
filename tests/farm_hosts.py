"""Simulated OctoPrint hosts for farm tests at a scale real servers cannot reach here (hundreds of printers): a small
local HTTP server per host speaking the few routes of OctoPrint's REST API (and img2print's) that the farm uses.
A stand-in, named as such: the farm's behaviour against real OctoPrints is tested in test_farm.py and
test_farm_queue.py. Dead hosts accept connections and never answer (the hard kind: a timeout, not a refusal)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FROZEN_FOR_S = 3.0  # how long a frozen host holds a request before dropping it (longer than the tests' timeouts)
PROFILE = {"id": "_default", "name": "Default", "default": True, "heatedBed": True,
           "volume": {"width": 200, "depth": 200, "height": 200, "formFactor": "rectangular", "origin": "lowerleft"},
           "extruder": {"nozzleDiameter": 0.4}}


@dataclass
class SimulatedHost:
    """One simulated OctoPrint: its files, whether img2print is there with the bed confirmed clear, what it prints,
    and every request it was asked (method and path)."""

    img2print: bool = True
    bed_clear: bool = False
    files: dict[str, int] = field(default_factory=dict)
    printing: str | None = None
    fail_uploads: bool = False  # answer uploads with 500
    freeze_on_start: bool = False  # from a start request on, answer nothing (as a host stopped with SIGSTOP)
    freeze_on_upload: bool = False  # likewise from an upload on
    frozen: bool = False
    asked: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(host: SimulatedHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as they are written, as a real server's do

        def log_message(self, *_args) -> None:
            """Quiet."""

        def _answer(self, status: int, data: object | None = None) -> None:
            body = json.dumps(data).encode() if data is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _unanswered(self) -> bool:
            """A frozen host keeps the request and never answers it."""
            if host.frozen:
                time.sleep(FROZEN_FOR_S)
                self.close_connection = True
            return host.frozen

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if self._unanswered():
                return
            with host.lock:
                host.asked[("GET", path)] += 1
            flags = {"ready": host.printing is None, "printing": host.printing is not None, "operational": True}
            answers = {
                "/api/version": {"server": "1.11.8", "api": "0.1"},
                "/api/connection": {"current": {"state": "Operational", "port": "VIRTUAL",
                                                "printerProfile": "_default"}},
                "/api/printer": {"state": {"text": "Printing" if host.printing else "Operational", "flags": flags}},
                "/api/job": {"job": {"file": {"name": host.printing}}, "progress": {"completion": None},
                             "state": "Printing" if host.printing else "Operational"},
                "/api/printerprofiles": {"profiles": {"_default": PROFILE}},
                "/api/printerprofiles/_default": PROFILE,
                "/api/files/local": {"files": [{"name": n, "path": n, "type": "machinecode", "size": s}
                                               for n, s in host.files.items()]},
            }
            if path == "/api/plugin/img2print" and host.img2print:
                return self._answer(200, {"bed": {"clear": host.bed_clear}, "printer": None, "printer_gcode": None,
                                          "loaded": {"material": "", "colour": ""}})
            file = re.fullmatch(r"/api/files/local/(.+)", path)
            if file and file.group(1) in host.files:
                return self._answer(200, {"name": file.group(1), "size": host.files[file.group(1)]})
            self._answer(200, answers[path]) if path in answers else self._answer(404, {"error": "Not found"})

        def do_POST(self) -> None:
            path = self.path.split("?")[0]
            if self._unanswered():
                return
            with host.lock:
                host.asked[("POST", path)] += 1
            length = int(self.headers.get("Content-Length") or 0)
            if path == "/api/files/local" and host.freeze_on_upload:
                host.frozen = True
                self._unanswered()
                return
            if path == "/api/files/local":  # read as it comes and let go: a stand-in keeps only names and sizes
                head = self.rfile.read(min(length, 4096))
                left = length - len(head)
                while left > 0 and (piece := self.rfile.read(min(left, 1 << 20))):
                    left -= len(piece)
                if host.fail_uploads:
                    return self._answer(500, {"error": "disk full"})
                name = re.search(rb'filename="([^"]+)"', head).group(1).decode()
                host.files[name] = length
                return self._answer(201, {"files": {"local": {"path": name}}, "done": True})
            body = self.rfile.read(length)
            if host.freeze_on_start:
                host.frozen = True
                self._unanswered()
                return
            data = json.loads(body or b"{}")
            if path == "/api/plugin/img2print" and data.get("use_bed_confirmation"):
                with host.lock:
                    if not host.bed_clear or host.printing:
                        return self._answer(409, {"error": {"code": "bed_clear_unconfirmed", "message": "no"}})
                    host.bed_clear, host.printing = False, data["file"]
                return self._answer(200, {"started": True, "file": data["file"]})
            file = re.fullmatch(r"/api/files/local/(.+)", path)
            if file and data.get("print"):
                host.printing = file.group(1)
                return self._answer(204)
            self._answer(404, {"error": "Not found"})

    return Handler


class SimulatedFarm:
    """``live`` simulated hosts and ``dead`` ones, each on its own port of 127.0.0.1; stopped on exit."""

    def __init__(self, live: list[SimulatedHost], dead: int) -> None:
        self.live = live
        self.servers = [ThreadingHTTPServer(("127.0.0.1", 0), _handler(host)) for host in live]
        for server in self.servers:
            server.daemon_threads = True
        self.dead = [socket.socket() for _ in range(dead)]
        for sock in self.dead:
            sock.bind(("127.0.0.1", 0))
            sock.listen(64)  # connections wait in the backlog, and nothing ever answers them

    @property
    def urls(self) -> list[str]:
        """Every host's address: the live ones first."""
        return [f"http://127.0.0.1:{s.server_address[1]}" for s in self.servers] + \
            [f"http://127.0.0.1:{s.getsockname()[1]}" for s in self.dead]

    def __enter__(self) -> SimulatedFarm:
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        for sock in self.dead:
            sock.close()
