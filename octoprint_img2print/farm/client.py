"""A small client of OctoPrint's documented REST API (and of img2print's API on hosts that have the plugin), on
requests. Calls that may be repeated are retried with exponential backoff when a host times out, drops the
connection or answers 502/503/504; starting a print is never repeated."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from ..errors import Img2PrintError
from ..i18n import _

RETRIED_STATUS = (502, 503, 504)
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

        ``upload`` (name, file) is sent as the multipart field ``file``, opened afresh for each try.
        """
        retry = retry or self.retry
        for attempt in range(1, retry.attempts + 1):
            try:
                if upload is None:
                    answer = self.http.request(method, self.url + path, timeout=self.timeout_s, **kwargs)
                else:
                    with open(upload[1], "rb") as content:
                        answer = self.http.request(method, self.url + path, timeout=self.timeout_s,
                                                   files={"file": (upload[0], content)}, **kwargs)
                if answer.status_code not in RETRIED_STATUS:
                    return answer
                problem = f"HTTP {answer.status_code}"
            except requests.Timeout:
                problem = _("no answer within {seconds:g} s").format(seconds=self.timeout_s)
            except requests.ConnectionError as failure:
                problem = _("connection failed ({reason})").format(reason=type(failure).__name__)
            if attempt == retry.attempts:
                raise HostFailed("host_unreachable", _("{host} ({url}): {method} {path} failed after {attempts} "
                                                       "attempts: {problem}.")
                                 .format(host=self.name, url=self.url, method=method, path=path,
                                         attempts=retry.attempts, problem=problem),
                                 host=self.name, attempts=retry.attempts)
            self.retries += 1
            if self.on_retry is not None:
                self.on_retry(self.name, attempt, problem)
            time.sleep(retry.backoff_s * 2 ** (attempt - 1))
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
                             host=self.name, status=answer.status_code, code=error_code(answer))
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

    def printer_profiles(self) -> dict[str, dict[str, Any]]:
        """GET /api/printerprofiles: every printer profile, by id."""
        return self.json("GET", "/api/printerprofiles", keys=("profiles",))

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

    def upload(self, file: Path, name: str) -> str:
        """POST /api/files/local (multipart ``file``): the path the host stored it under."""
        return self.json("POST", "/api/files/local", ok=(200, 201), upload=(name, file),
                         keys=("files", "local", "path"))

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
