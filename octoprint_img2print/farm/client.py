"""A small client of OctoPrint's documented REST API (and of img2print's API on hosts that have the plugin), on
requests. Calls that may be repeated are retried with exponential backoff when a host times out, drops the
connection or answers 502/503/504; starting a print is never repeated. Uploads stream from disk, so memory does
not grow with the file or with the number of uploads at a time."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import requests

from ..errors import Img2PrintError
from ..i18n import _, ngettext

RETRIED_STATUS = (502, 503, 504)
UNREACHABLE = "host_unreachable"
PLUGIN_API = "/api/plugin/img2print"


class HostFailed(Img2PrintError):
    """An OctoPrint host could not be reached, or refused a request."""

    kind = "host_failed"


@dataclass(frozen=True)
class Retry:
    """How often a call is tried, and the first wait between tries (doubling each time)."""

    attempts: int = 4
    backoff_s: float = 0.5


DEFAULT_RETRY = Retry()
NO_RETRY = Retry(attempts=1)


class MultipartFile:
    """A multipart/form-data body of one file field, read from disk piece by piece as requests sends it (its length
    is known, so it goes with a Content-Length, as OctoPrint's upload expects)."""

    def __init__(self, field_name: str, name: str, path: Path) -> None:
        boundary = uuid.uuid4().hex
        self.content_type = f"multipart/form-data; boundary={boundary}"
        safe = name.replace("\\", "_").replace('"', "_").replace("\r", "_").replace("\n", "_")
        self._parts: list[bytes | Path] = [
            (f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; filename="{safe}"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode(), path, f"\r\n--{boundary}--\r\n".encode()]
        self._length = len(self._parts[0]) + path.stat().st_size + len(self._parts[2])
        self._open: BinaryIO | None = None

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        """The next bytes of the body (at most ``size``)."""
        size = size if size and size > 0 else 1 << 16
        while self._parts:
            part = self._parts[0]
            if isinstance(part, bytes):
                piece, rest = part[:size], part[size:]
                self._parts[0] = rest
                if not rest:
                    self._parts.pop(0)
                if piece:
                    return piece
                continue
            if self._open is None:
                self._open = open(part, "rb")  # noqa: SIM115 - read across calls, closed by close()
            piece = self._open.read(size)
            if piece:
                return piece
            self.close()
            self._parts.pop(0)
        return b""

    def close(self) -> None:
        """Close the file when the body is not read to its end (a failed send)."""
        if self._open is not None:
            self._open.close()
            self._open = None


def _timed_out(failure: BaseException) -> bool:
    """Whether a connection failure was a time-out (requests reports one while sending as a connection error)."""
    seen: BaseException | None = failure
    for _depth in range(8):
        if seen is None:
            return False
        if isinstance(seen, (requests.Timeout, socket.timeout, TimeoutError)):
            return True
        nested = [arg for arg in getattr(seen, "args", ()) if isinstance(arg, BaseException)]
        seen = seen.__cause__ or seen.__context__ or (nested[-1] if nested else None)
    return False


def _reason(answer: requests.Response) -> str:
    """OctoPrint's own error text ({"error": "..."}) or img2print's ({"error": {"code", "message"}})."""
    try:
        data = answer.json()
    except ValueError:
        return answer.reason or ""
    failure = data.get("error") if isinstance(data, dict) else None
    if isinstance(failure, dict):
        return f"{failure.get('message', '')} [{failure.get('code', '')}]"
    return str(failure or answer.reason or "")


def error_code(answer: requests.Response) -> str | None:
    """img2print's stable error code in an answer, if it carries one."""
    try:
        failure = answer.json().get("error")
    except (ValueError, AttributeError):
        return None
    return failure.get("code") if isinstance(failure, dict) else None


class OctoPrintClient:
    """One OctoPrint host, reached with an API key."""

    def __init__(self, name: str, url: str, api_key: str, *, timeout_s: float = 10.0, retry: Retry = DEFAULT_RETRY,
                 on_retry: Callable[[str, int, str], None] | None = None) -> None:
        self.name, self.url = name, url.rstrip("/")
        self.timeout_s, self.retry, self.on_retry = timeout_s, retry, on_retry
        self.http = requests.Session()
        self.http.headers["X-Api-Key"] = api_key
        self.retries = 0

    def request(self, method: str, path: str, *, retry: Retry | None = None, upload: tuple[str, Path] | None = None,
                **kwargs: Any) -> requests.Response:
        """The host's answer, after up to ``retry.attempts`` tries; HostFailed when it never answered.

        ``upload`` (name, file) is streamed from disk as the multipart field ``file``, afresh for each try.
        """
        retry = retry or self.retry
        for attempt in range(1, retry.attempts + 1):
            body = MultipartFile("file", *upload) if upload is not None else None
            try:
                if body is None:
                    answer = self.http.request(method, self.url + path, timeout=self.timeout_s, **kwargs)
                else:
                    answer = self.http.request(method, self.url + path, timeout=self.timeout_s, data=body,
                                               headers={"Content-Type": body.content_type}, **kwargs)
                if answer.status_code not in RETRIED_STATUS:
                    return answer
                problem = f"HTTP {answer.status_code}"
            except (requests.Timeout, requests.ConnectionError) as failure:
                problem = _("no answer within {seconds:g} s").format(seconds=self.timeout_s) if _timed_out(failure) \
                    else _("connection failed ({reason})").format(reason=type(failure).__name__)
            finally:
                if body is not None:
                    body.close()
            if attempt == retry.attempts:
                raise HostFailed(UNREACHABLE, ngettext("{host} ({url}): {method} {path} failed: {problem}.",
                                                       "{host} ({url}): {method} {path} failed after {attempts} "
                                                       "attempts: {problem}.", retry.attempts)
                                 .format(host=self.name, url=self.url, method=method, path=path,
                                         attempts=retry.attempts, problem=problem),
                                 host=self.name, attempts=retry.attempts, problem=problem)
            self._retried(attempt, problem)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def json(self, method: str, path: str, *, ok: tuple[int, ...] = (200,), keys: tuple[str, ...] = (),
             **kwargs: Any) -> Any:
        """The JSON of a successful answer (None for 204), or the value under ``keys`` in it; HostFailed naming
        the status and OctoPrint's reason, or saying that the answer is not OctoPrint's."""
        answer = self.request(method, path, **kwargs)
        if answer.status_code not in ok:
            raise HostFailed("host_refused", _("{host}: {method} {path} answered {status}: {reason}")
                             .format(host=self.name, method=method, path=path, status=answer.status_code,
                                     reason=_reason(answer)),
                             host=self.name, status=answer.status_code, host_code=error_code(answer))
        try:
            data = answer.json() if answer.content else None
            for key in keys:
                data = data[key]
        except (ValueError, KeyError, TypeError) as failure:
            raise HostFailed("not_octoprint", _("{host}: {method} {path} did not answer as OctoPrint does ({url})."
                                                ).format(host=self.name, method=method, path=path, url=self.url),
                             host=self.name) from failure
        return data

    # --- OctoPrint ----------------------------------------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        """GET /api/version: the server's and the API's version."""
        return self.json("GET", "/api/version")

    def connection(self) -> dict[str, Any]:
        """GET /api/connection: the current connection (state, port, printer profile id)."""
        return self.json("GET", "/api/connection", keys=("current",))

    def quick(self) -> OctoPrintClient:
        """This client asking once, without retries (a survey: a host that does not answer is not used now)."""
        other = OctoPrintClient.__new__(OctoPrintClient)
        other.__dict__.update(self.__dict__)
        other.retry = NO_RETRY
        return other

    def printer_profiles(self) -> dict[str, dict[str, Any]]:
        """GET /api/printerprofiles: every printer profile, by id."""
        return self.json("GET", "/api/printerprofiles", keys=("profiles",))

    def printer_profile(self, profile_id: str) -> dict[str, Any] | None:
        """GET /api/printerprofiles/ID: one printer profile, or None when the host has none of that id."""
        return self.json("GET", f"/api/printerprofiles/{quote(profile_id)}", ok=(200, 404))

    def printer_state(self) -> dict[str, Any] | None:
        """GET /api/printer's state (text and flags), or None when the printer is not connected (409)."""
        data = self.json("GET", "/api/printer?exclude=temperature,sd", ok=(200, 409))
        return None if data is None or "state" not in data else data["state"]

    def job(self) -> dict[str, Any]:
        """GET /api/job: the current job's file and progress."""
        return self.json("GET", "/api/job")

    def files(self) -> dict[str, dict[str, Any]]:
        """GET /api/files/local: every file of the local storage, by path."""
        found: dict[str, dict[str, Any]] = {}
        pending = list(self.json("GET", "/api/files/local?recursive=true", keys=("files",)))
        while pending:
            entry = pending.pop()
            pending.extend(entry.get("children", []))
            if entry.get("type") != "folder" and "path" in entry:
                found[entry["path"]] = entry
        return found

    def file_info(self, path: str) -> dict[str, Any] | None:
        """GET /api/files/local/PATH: what the host knows of a file (size, its prints), or None when it holds none
        there."""
        data = self.json("GET", f"/api/files/local/{quote(path)}", ok=(200, 404))
        return data if isinstance(data, dict) and "name" in data else None

    def file_size(self, path: str) -> int | None:
        """The size of a file the host holds, or None when it holds none there."""
        return (self.quick().file_info(path) or {}).get("size")

    def upload(self, file: Path, name: str) -> str:
        """POST /api/files/local (multipart ``file``, streamed from disk): the path the host stored it under.

        OctoPrint cannot continue a cut upload, so after one without an answer the host is asked first whether it
        holds the whole file already (the answer was lost, not the file); only then is it sent again."""
        attempts = self.retry.attempts
        for attempt in range(1, attempts + 1):
            try:
                return self.json("POST", "/api/files/local", ok=(200, 201), upload=(name, file), retry=NO_RETRY,
                                 keys=("files", "local", "path"))
            except HostFailed as failure:
                if failure.code != UNREACHABLE:
                    raise
                if self._holds(name, file):
                    return name
                problem = failure.details.get("problem", "")
                if attempt == attempts:
                    raise HostFailed(UNREACHABLE, _("{host} ({url}): uploading {file} failed after {attempts} "
                                                    "attempts: {problem}.")
                                     .format(host=self.name, url=self.url, file=name, attempts=attempts,
                                             problem=problem),
                                     host=self.name, attempts=attempts, problem=problem) from failure
                self._retried(attempt, problem)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _holds(self, name: str, file: Path) -> bool:
        try:
            return self.file_size(name) == file.stat().st_size
        except HostFailed:
            return False

    def _retried(self, attempt: int, problem: str) -> None:
        self.retries += 1
        if self.on_retry is not None:
            self.on_retry(self.name, attempt, problem)
        time.sleep(self.retry.backoff_s * 2 ** (attempt - 1))

    def select_and_print(self, path: str) -> None:
        """POST /api/files/local/PATH select and print (once, never repeated)."""
        self.json("POST", f"/api/files/local/{quote(path)}", ok=(204,), retry=NO_RETRY,
                  json={"command": "select", "print": True})

    # --- img2print ------------------------------------------------------------------------------------------

    def img2print(self) -> dict[str, Any] | None:
        """GET /api/plugin/img2print?bed (the bed's confirmation), or None on a host without the plugin."""
        answer = self.json("GET", PLUGIN_API + "?bed", ok=(200, 404))
        return answer if isinstance(answer, dict) and "bed" in answer else None

    def confirm_bed_clear(self) -> dict[str, Any]:
        """Record on the host that the bed is clear (img2print's ``bed_clear`` command)."""
        return self.json("POST", PLUGIN_API, json={"command": "bed_clear"}, keys=("bed",))

    def print_on_confirmation(self, path: str) -> None:
        """Start ``path`` on the host's stored confirmation that the bed is clear, which the start uses up (once,
        never repeated); HostFailed with the host's code when it may not start."""
        self.json("POST", PLUGIN_API, retry=NO_RETRY,
                  json={"command": "print", "file": path, "use_bed_confirmation": True})
