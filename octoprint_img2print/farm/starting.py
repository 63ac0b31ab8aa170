"""Getting a G-code onto a farm's printer and starting it: uploaded unless the host holds it already (by its hashed
name), started only where the bed is confirmed clear, and a start reported as it happened (started, not started,
or unknown when the host could not say)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import N_, _
from ..print_rules import HOLDS
from .client import UNREACHABLE, HostFailed, OctoPrintClient
from .gcodes import Progress
from .hosts import HostStatus

HELD_BECAUSE = {
    "no_plugin": N_("this host has no img2print to confirm that its bed is clear; check the bed, then send again "
                   "with --bed-clear"),
    "bed_unconfirmed": N_("the bed is not confirmed clear on this host (press \"Bed is clear\" in img2print's tab)"),
}
STARTED, NOT_STARTED, UNKNOWN = "started", "not_started", "unknown"
START_CHECK_WAITS_S = (0.0, 5.0)  # after a start without an answer: ask the host at once, and again after this


@dataclass
class Placement:
    """One copy of a job on one printer: its G-code there, uploaded or found, and started or why not."""

    job: str
    host: str
    file: str
    profile: str
    uploaded: bool = False
    already_there: bool = False
    retries: int = 0
    started: bool = False
    start: str | None = None  # with --start: STARTED, NOT_STARTED or UNKNOWN
    not_started: dict[str, str] | None = None
    error: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return dict(self.__dict__)


def held(status: HostStatus, bed_clear: frozenset[str] = frozenset()) -> str | None:
    """Why a print may not start on this host now (a code of HELD_BECAUSE), or None: a host with img2print needs its
    own confirmation that the bed is clear, one without it to be named in ``bed_clear``."""
    if status.img2print:
        return None if status.bed_clear else "bed_unconfirmed"
    return None if status.host.name in bed_clear else "no_plugin"


def hold(placement: Placement, code: str) -> None:
    """Record that the copy may not start, and why."""
    placement.start, placement.not_started = NOT_STARTED, {"code": code, "message": _(HELD_BECAUSE[code])}


def upload(client: OctoPrintClient, status: HostStatus, placement: Placement, source: Path | None,
           progress: Progress) -> None:
    """Put the G-code on the host unless it holds it already (by its hashed name)."""
    before = client.retries
    try:
        if placement.file in status.files or source is None:
            placement.already_there = True
            return
        progress("uploading", host=placement.host, file=placement.file)
        placement.file = client.upload(source, placement.file)
        placement.uploaded = True
        progress("uploaded", host=placement.host, file=placement.file)
    except HostFailed as failure:
        placement.error = failure.as_dict()
    finally:
        placement.retries = client.retries - before


def printing(client: OctoPrintClient, path: str) -> bool:
    """Whether the host is printing (or starting, or has paused) ``path`` now."""
    state = client.printer_state() or {}
    flags = state.get("flags") or {}
    busy = flags.get("printing") or flags.get("paused") or flags.get("pausing")
    current = ((client.job().get("job") or {}).get("file") or {})
    return bool(busy) and path in (current.get("path"), current.get("name"))


def _start_outcome(client: OctoPrintClient, path: str) -> str:
    """After a start request got no answer: what the host's own state says, asked at once and again a while later.
    STARTED once it prints the file; NOT_STARTED only when its last answer says it does not; else UNKNOWN. Each
    question is asked once (a host that does not answer costs its timeout, not its retries)."""
    outcome, client = UNKNOWN, client.quick()
    for wait in START_CHECK_WAITS_S:
        time.sleep(wait)
        try:
            if printing(client, path):
                return STARTED
            outcome = NOT_STARTED
        except HostFailed:
            outcome = UNKNOWN
    return outcome


def start(client: OctoPrintClient, placement: Placement, status: HostStatus) -> str:
    """Start the print (the bed is confirmed clear); STARTED, NOT_STARTED (the host said why) or UNKNOWN (it did not
    answer, nor say later what it did), recorded on the placement."""
    try:
        if status.img2print:
            client.print_on_confirmation(placement.file)
        else:
            client.select_and_print(placement.file)
        placement.start = STARTED
    except HostFailed as failure:
        code = failure.details.get("host_code") or failure.code
        answered = failure.code != UNREACHABLE
        placement.start = NOT_STARTED if answered else _start_outcome(client, placement.file)
        if placement.start == NOT_STARTED:
            message = _(HOLDS[code]) if code in HOLDS else failure.message if answered else \
                _("{host} did not answer the start, and says it is not printing the file.").format(host=client.name)
            placement.not_started = {"code": code if answered else "no_answer", "message": message}
        elif placement.start == UNKNOWN:
            placement.not_started = {"code": "start_unknown", "message": _(
                "{host} did not answer the start nor the questions after it: the print may or may not have started. "
                "Look at the printer before sending again.").format(host=client.name)}
    placement.started = placement.start == STARTED
    return placement.start
