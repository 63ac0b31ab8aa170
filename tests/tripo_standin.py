"""A STAND-IN for Tripo's cloud API (apiv3), run on 127.0.0.1 for the tests. It is not Tripo's service.

Tripo's real service (``https://openapi.tripo3d.ai``) cannot be reached from the test machines, so this
small HTTP server plays it: it speaks the endpoints, envelopes and error bodies that Tripo's official Python
SDK (``tripo3d`` 1.0.0) calls and parses, and the tests point the SDK at it with
``TripoClient(api_key="tsk_...", v3_base_url=standin.url)``.

What the SDK sends and what the stand-in answers (every API answer is ``{"code": 0, "data": {...}}``; an
error is an HTTP status with ``{"code": N, "message": ..., "suggestion": ...}``, codes and texts from Tripo's
documented error table):

- ``POST /v3/files`` (multipart, field ``file``) -> ``{"file_token": "file_..."}``; an empty file is code 2003.
- ``POST /v3/generation/image-to-model`` (JSON ``{"input": <file_token or URL>, "model": ..., ...}``; the SDK
  only sends options that differ from its defaults, e.g. ``"texture": false``) -> ``{"task_id": <uuid>}``.
  A token that was never uploaded is code 2019, a file that is not a PNG/JPEG/WebP image code 2004.
- ``GET /v3/tasks/{task_id}`` -> the task: ``task_id, type, status, input, output, progress, create_time,
  queuing_num, running_left_time`` (+ ``error_code`` when failed, ``credits_consumed`` on success). It is
  ``queued`` at the first poll, ``running`` with rising progress for ``polls - 1`` more, then ``success`` with
  ``output.model_url`` (a GLB served by the stand-in) and ``output.rendered_image_url`` (a PNG preview).
  An unknown id is HTTP 404, code 2001.
- ``GET /v3/account/balance`` -> ``{"balance": float, "frozen": float}``. A task freezes its credits when
  created and spends them when it succeeds (refunded when it fails), priced as Tripo's pricing page lists.
- ``GET /download/{task_id}/model.glb`` and ``/download/{task_id}/preview.png``: the signed result URLs
  (no API key is sent to them, as with Tripo's CDN).

Neither the SDK nor Tripo's documented API has a way to cancel a task: ``cancelled`` stays empty, and any
route the API does not have (a guessed ``DELETE /v3/tasks/...`` say) is answered ``404 page not found`` and
listed in ``unknown``.

The model served is a real mesh with the defects of generated models: a chess-pawn figurine 0.12 m tall
(metres, Y up as glTF is, centred on the origin), with three holes, one floating speck and one inner shell
that overlaps the body's wall. ``model_facts()`` gives what tests can expect of it.

Failure modes (``behaviour=`` or the ``behaviour`` attribute, read at each request):

- ``"wrong_key"``: every API call is HTTP 401, code 1002 (Authentication failed).
- ``"rate_limited"``: creating a task is HTTP 429, code 2000 (too many tasks at once), with ``Retry-After``;
  only the POST is refused, since the SDK retries GETs on 429 and would sleep.
- ``"out_of_credits"``: creating a task is HTTP 403, code 2010; the balance reads 0.
- ``"task_fails"``: the task runs, then ends ``failed`` (``fail_status=``) with ``error_code`` 1001.
- ``"never_finishes"``: the task stays ``running`` (progress stops at 99) for ever.
- ``"download_missing"``: the task succeeds but its result URLs answer HTTP 404.

Set ``TRIPO_DISABLE_GEO_DETECTION=1`` before importing ``tripo3d``: its ``__init__`` starts a thread that
asks ip-api.com, ipapi.co and ipinfo.io where the machine is (when aiohttp is installed).
"""

from __future__ import annotations

import functools
import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import trimesh

BEHAVIOURS = ("ok", "wrong_key", "rate_limited", "out_of_credits", "task_fails", "never_finishes", "download_missing")

# Tripo's documented error table: code -> (HTTP status, message, suggestion).
ERRORS: dict[int, tuple[int, str, str]] = {
    1001: (500, "Fatal error on server side", "Please contact the support with request id"),
    1002: (401, "Authentication failed", "Check if your credentials is valid, and ensure you set it correctly"),
    1003: (400, "The request body is malformed", "Refer to the API documentation for request schema"),
    1004: (
        400,
        "One or more of your parameter is invalid",
        "Refer to the API documentation for parameter requirements",
    ),
    2000: (
        429,
        "You have exceeded the limit of generation",
        "Try again later. You can also check `Retry-After` header.",
    ),
    2001: (404, "The task is not found", "Check if the task is committed by you or whether the format is correct"),
    2003: (400, "The image file is empty", "Check if the file is corrupted"),
    2004: (400, "This image file type is not supported", "Refer to API documentation for supported image file types"),
    2010: (403, "You don't have enough credit to create this task", "Please purchase more credit"),
    2019: (
        404,
        "The file is not found",
        "Check uploading response to ensure if the file has uploaded successfully",
    ),
}

IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"))


def image_kind(data: bytes) -> str | None:
    """``png``, ``jpeg`` or ``webp`` from the file's first bytes, else None."""
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def task_cost(payload: dict[str, Any]) -> float:
    """Credits an image-to-model task costs, after Tripo's pricing page (P1 40/50, other models 20/30)."""
    textured = payload.get("texture", True) is not False
    cost = 40 if str(payload.get("model", "")).startswith("P1-") else 20
    cost += 10 if textured else 0
    cost += 10 if textured and payload.get("texture_quality") == "detailed" else 0
    cost += 5 if payload.get("quad") else 0
    cost += 10 if payload.get("smart_low_poly") else 0
    cost += 20 if payload.get("generate_parts") else 0
    return float(cost)


# --------------------------------------------------------------------------------------------------------------
# The model: a generated-looking figurine with the usual defects
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFacts:
    """What the served GLB is, for tests to compare against (all lengths in metres, Y up)."""

    height_m: float
    bounds_m: tuple[tuple[float, float, float], tuple[float, float, float]]
    up_axis: str
    bodies: int
    holes: int
    faces: int
    main_volume_m3: float  # of the figurine before its holes were cut
    speck_centre_m: tuple[float, float, float]
    speck_radius_m: float
    inner_shell_centre_m: tuple[float, float, float]
    inner_shell_radius_m: float


def _pawn_profile() -> np.ndarray:
    """(radius, height) of a chess-pawn figurine 0.12 m tall, from the axis at the base to the axis at the top."""
    points = [(0.0, 0.0), (0.030, 0.0), (0.030, 0.006), (0.027, 0.010), (0.022, 0.014), (0.020, 0.018)]
    for t in np.linspace(0.0, 1.0, 12)[1:]:
        points.append((0.020 - 0.011 * t**0.8, 0.018 + 0.047 * t))
    points += [(0.016, 0.068), (0.016, 0.072), (0.009, 0.075)]
    centre, radius = 0.097, 0.023
    start = np.arcsin((0.078 - centre) / radius)
    for angle in np.linspace(start, np.pi / 2, 16):
        points.append((0.0 if angle >= np.pi / 2 else radius * np.cos(angle), centre + radius * np.sin(angle)))
    return np.array(points)


def _y_up(vertices: np.ndarray) -> np.ndarray:
    """Z-up (as built) to glTF's Y-up: a proper rotation of -90 degrees about X, so winding is kept."""
    return np.column_stack([vertices[:, 0], vertices[:, 2], -vertices[:, 1]])


def _cut_holes(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, int]:
    """Delete faces at three places of the torso: one triangle, two neighbours, the whole fan around a vertex."""

    def on_torso(degrees: float, height: float) -> np.ndarray:  # as built: Z up, the torso is about 15 mm wide
        angle = np.radians(degrees)
        return np.array([0.015 * np.cos(angle), 0.015 * np.sin(angle), height])

    centres = mesh.triangles_center
    one = int(np.argmin(np.linalg.norm(centres - on_torso(60, 0.050), axis=1)))
    two = int(np.argmin(np.linalg.norm(centres - on_torso(150, 0.040), axis=1)))
    pair = mesh.face_adjacency[(mesh.face_adjacency == two).any(axis=1)][0]
    vertex = int(np.argmin(np.linalg.norm(mesh.vertices - on_torso(250, 0.030), axis=1)))
    fan = [int(face) for face in mesh.vertex_faces[vertex] if face >= 0]
    keep = np.ones(len(mesh.faces), dtype=bool)
    keep[[one, *map(int, pair), *fan]] = False
    holed = trimesh.Trimesh(mesh.vertices, mesh.faces[keep], process=False)
    holed.remove_unreferenced_vertices()
    return holed, 3


@functools.lru_cache(maxsize=1)
def _model() -> tuple[bytes, ModelFacts]:
    body = trimesh.creation.revolve(_pawn_profile(), sections=48)
    main_volume = float(body.volume)
    holed, holes = _cut_holes(body)
    # The inner shell sits in the torso, off the axis, and crosses the wall by about 2 mm.
    inner_centre_z, inner_radius = np.array([0.006, 0.0, 0.035]), 0.011
    inner = trimesh.creation.icosphere(subdivisions=2, radius=inner_radius)
    inner.apply_translation(inner_centre_z)
    # The speck floats about 8 mm off the torso, inside the figurine's bounding box.
    speck_centre_z, speck_radius = np.array([0.0, 0.021, 0.050]), 0.0008
    speck = trimesh.creation.icosphere(subdivisions=1, radius=speck_radius)
    speck.apply_translation(speck_centre_z)
    joined = trimesh.util.concatenate([holed, inner, speck])
    offset = np.array([0.0, -0.06, 0.0])  # centred on the origin, as generators deliver
    vertices = _y_up(joined.vertices) + offset
    mesh = trimesh.Trimesh(vertices, joined.faces, process=False)
    glb = trimesh.Scene(geometry={"tripo_standin_model": mesh}).export(file_type="glb")

    def moved(point: np.ndarray) -> tuple[float, float, float]:
        x, y, z = (_y_up(point[None, :]) + offset)[0]
        return (float(x), float(y), float(z))

    facts = ModelFacts(
        height_m=float(np.ptp(mesh.vertices[:, 1])),
        bounds_m=(tuple(map(float, mesh.bounds[0])), tuple(map(float, mesh.bounds[1]))),
        up_axis="Y",
        bodies=3,
        holes=holes,
        faces=len(mesh.faces),
        main_volume_m3=main_volume,
        speck_centre_m=moved(speck_centre_z),
        speck_radius_m=speck_radius,
        inner_shell_centre_m=moved(inner_centre_z),
        inner_shell_radius_m=inner_radius,
    )
    return bytes(glb), facts


def model_glb() -> bytes:
    """The GLB the stand-in serves."""
    return _model()[0]


def model_facts() -> ModelFacts:
    """What the served GLB is."""
    return _model()[1]


@functools.lru_cache(maxsize=1)
def _preview_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (128, 128, 128)).save(out, format="PNG")
    return out.getvalue()


# --------------------------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------------------------


class _Reply(Exception):
    """An HTTP answer; errors are raised to answer at once."""

    def __init__(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.content_type, self.headers = status, body, content_type, headers or {}


def _error(code: int, headers: dict[str, str] | None = None) -> _Reply:
    status, message, suggestion = ERRORS[code]
    body = json.dumps({"code": code, "message": message, "suggestion": suggestion}).encode()
    return _Reply(status, body, "application/json", headers)


def _ok(data: dict[str, Any]) -> _Reply:
    return _Reply(200, json.dumps({"code": 0, "data": data}).encode(), "application/json")


def _not_found() -> _Reply:
    return _Reply(404, b"404 page not found", "text/plain; charset=utf-8")


def _multipart_files(content_type: str, body: bytes) -> list[dict[str, Any]]:
    """The file parts of a multipart/form-data body: name, filename, content_type, data."""
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        return []
    delimiter = b"--" + found.group(1).encode()
    parts = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        parts.append({
            "name": name.group(1) if name else None,
            "filename": filename.group(1) if filename else None,
            "content_type": headers.get("content-type"),
            "data": data.removesuffix(b"\r\n"),
        })
    return parts


class TripoStandIn:
    """A STAND-IN for Tripo's apiv3 on 127.0.0.1 (not Tripo's service); use as a context manager.

    Constructor arguments:
        behaviour: one of ``BEHAVIOURS`` ("ok" by default); may be changed later through the attribute.
        polls: answers before a task ends: the first is ``queued``, the rest ``running`` with rising progress,
            then ``success`` (or the failure). 0 makes the first poll final.
        balance, frozen: the account's credits.
        accepted_keys: the API keys the stand-in knows; None accepts any key starting ``tsk_``.
        fail_status, fail_error_code: how a "task_fails" task ends ("failed"/"banned"/"expired", 1001).
        max_concurrent: tasks that may be queued or running at once (Tripo's default limit is 10).

    Attributes for assertions: ``url``, ``requests`` ((method, path) in order), ``request_log`` (dicts with the
    query, the key sent if any, and the user agent), ``uploads``, ``created_tasks`` (dicts with ``task_id``,
    ``endpoint``, ``payload`` as sent, ``cost``), ``polls_seen`` (task_id -> GETs), ``downloads`` (paths served),
    ``cancelled`` (always empty: there is no cancel endpoint), ``unknown`` ((method, path) of routes the API
    does not have), ``balance``, ``frozen``, ``model`` (``ModelFacts``) and ``model_height_m``.
    """

    def __init__(
        self,
        behaviour: str = "ok",
        *,
        polls: int = 3,
        balance: float = 600.0,
        frozen: float = 0.0,
        accepted_keys: list[str] | None = None,
        fail_status: str = "failed",
        fail_error_code: int = 1001,
        max_concurrent: int = 10,
    ):
        if behaviour not in BEHAVIOURS:
            raise ValueError(f"unknown behaviour {behaviour!r}; one of {', '.join(BEHAVIOURS)}")
        self.behaviour = behaviour
        self.polls = polls
        self.balance = 0.0 if behaviour == "out_of_credits" else float(balance)
        self.frozen = float(frozen)
        self.accepted_keys = None if accepted_keys is None else set(accepted_keys)
        self.fail_status = fail_status
        self.fail_error_code = fail_error_code
        self.max_concurrent = max_concurrent
        self.glb, self.model = _model()
        self.model_height_m = self.model.height_m
        self.requests: list[tuple[str, str]] = []
        self.request_log: list[dict[str, Any]] = []
        self.uploads: list[dict[str, Any]] = []
        self.created_tasks: list[dict[str, Any]] = []
        self.polls_seen: dict[str, int] = {}
        self.downloads: list[str] = []
        self.cancelled: list[str] = []
        self.unknown: list[tuple[str, str]] = []
        self._tasks: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- life cycle ------------------------------------------------------------------------------------------

    def start(self) -> TripoStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "TripoStandIn/1.0"

            def do_GET(self) -> None:
                standin._handle(self, "GET")

            def do_POST(self) -> None:
                standin._handle(self, "POST")

            def do_PUT(self) -> None:
                standin._handle(self, "PUT")

            def do_DELETE(self) -> None:
                standin._handle(self, "DELETE")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="tripo-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> TripoStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- requests --------------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        path = parts.path
        authorization = handler.headers.get("Authorization") or ""
        key = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
        with self._lock:
            self.requests.append((method, path))
            self.request_log.append({
                "method": method,
                "path": path,
                "query": parts.query,
                "key": key,
                "user_agent": handler.headers.get("User-Agent"),
            })
        try:
            body = self._read_body(handler)
            reply = self._route(method, path, key, handler.headers.get("Content-Type") or "", body)
        except _Reply as answer:
            reply = answer
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.send_header("X-Tripo-Trace-ID", handler.headers.get("X-Tripo-Trace-ID") or str(uuid.uuid4()))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(reply.body)

    @staticmethod
    def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
        if (handler.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    handler.rfile.readline()
                    return bytes(out)
                out += handler.rfile.read(size)
                handler.rfile.readline()
        length = int(handler.headers.get("Content-Length") or 0)
        return handler.rfile.read(length) if length else b""

    def _route(self, method: str, path: str, key: str | None, content_type: str, body: bytes) -> _Reply:
        download = re.fullmatch(r"/download/([^/]+)/(model\.glb|preview\.png)", path)
        if method == "GET" and download:
            return self._download(download.group(1), download.group(2), path)
        routes = {
            ("POST", "/v3/files"): lambda: self._upload(content_type, body),
            ("POST", "/v3/generation/image-to-model"): lambda: self._create(path, body),
            ("GET", "/v3/account/balance"): lambda: _ok({"balance": self.balance, "frozen": self.frozen}),
        }
        task = re.fullmatch(r"/v3/tasks/([^/]+)", path)
        action = routes.get((method, path))
        if action is None and method == "GET" and task:
            task_id = task.group(1)

            def action() -> _Reply:
                return self._poll(task_id)

        if action is None:
            with self._lock:
                self.unknown.append((method, path))
            raise _not_found()
        self._authenticate(key)
        return action()

    def _authenticate(self, key: str | None) -> None:
        known = key is not None and key.startswith("tsk_")
        if self.accepted_keys is not None:
            known = key in self.accepted_keys
        if self.behaviour == "wrong_key" or not known:
            raise _error(1002)

    def _upload(self, content_type: str, body: bytes) -> _Reply:
        if not content_type.startswith("multipart/form-data"):
            raise _error(1003)
        files = [part for part in _multipart_files(content_type, body) if part["name"] == "file"]
        if not files or files[0]["filename"] is None:
            raise _error(1004)
        part = files[0]
        if not part["data"]:
            raise _error(2003)
        token = f"file_{uuid.uuid4()}"
        record = {
            "file_token": token,
            "filename": part["filename"],
            "content_type": part["content_type"],
            "kind": image_kind(part["data"]),
            "size": len(part["data"]),
            "data": part["data"],
        }
        with self._lock:
            self._files[token] = record
            self.uploads.append(record)
        return _ok({"file_token": token})

    def _create(self, path: str, body: bytes) -> _Reply:
        if self.behaviour == "rate_limited":
            raise _error(2000, {"Retry-After": "10"})
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            raise _error(1003) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("input"), str) or not payload["input"]:
            raise _error(1004)
        source = payload["input"]
        if not source.startswith(("http://", "https://")):
            uploaded = self._files.get(source)
            if uploaded is None:
                raise _error(2019)
            if uploaded["kind"] is None:
                raise _error(2004)
        cost = task_cost(payload)
        with self._lock:
            busy = sum(1 for task in self._tasks.values() if not task["finished"])
            if busy >= self.max_concurrent:
                raise _error(2000, {"Retry-After": "10"})
            if self.behaviour == "out_of_credits" or self.balance - self.frozen < cost:
                raise _error(2010)
            task_id = str(uuid.uuid4())
            self.frozen += cost
            self._tasks[task_id] = {
                "payload": payload,
                "cost": cost,
                "created": int(time.time()),
                "finished": False,
                "type": "image_to_model",
            }
            self.polls_seen[task_id] = 0
            self.created_tasks.append({"task_id": task_id, "endpoint": path, "payload": payload, "cost": cost})
        return _ok({"task_id": task_id})

    def _poll(self, task_id: str) -> _Reply:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                raise _error(2001)
            self.polls_seen[task_id] += 1
            seen = self.polls_seen[task_id]
            data: dict[str, Any] = {
                "task_id": task_id,
                "type": task["type"],
                "input": task["payload"],
                "output": {},
                "create_time": task["created"],
            }
            final = seen > self.polls and self.behaviour != "never_finishes"
            if not final:
                queued = seen == 1
                progress = 0 if queued else min(99, round(100 * (seen - 1) / max(self.polls, 1)))
                data.update(
                    status="queued" if queued else "running",
                    progress=progress,
                    queuing_num=1 if queued else -1,
                    running_left_time=max(1, 60 - 60 * progress // 100),
                )
                return _ok(data)
            if not task["finished"]:
                task["finished"] = True
                self.frozen -= task["cost"]
                if self.behaviour != "task_fails":
                    self.balance -= task["cost"]
            data.update(progress=100, queuing_num=-1, running_left_time=-1)
            if self.behaviour == "task_fails":
                data.update(status=self.fail_status, error_code=self.fail_error_code)
                return _ok(data)
            signature = f"auth_key=standin-{task_id[:8]}"
            data.update(
                status="success",
                credits_consumed=task["cost"],
                output={
                    "model_url": f"{self.url}/download/{task_id}/model.glb?{signature}",
                    "rendered_image_url": f"{self.url}/download/{task_id}/preview.png?{signature}",
                },
            )
            return _ok(data)

    def _download(self, task_id: str, name: str, path: str) -> _Reply:
        with self._lock:
            task = self._tasks.get(task_id)
            served = task is not None and task["finished"] and self.behaviour not in ("download_missing", "task_fails")
            if not served:
                return _Reply(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
            self.downloads.append(path)
        if name == "model.glb":
            return _Reply(200, self.glb, "model/gltf-binary")
        return _Reply(200, _preview_png(), "image/png")
