"""When img2print may start a print: only on a person's go (the bed is clear) that still holds when the G-code
is ready: the printer is connected and idle, it was idle when they said so, and nothing printed since."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .i18n import N_

BED_CLEAR_UNCONFIRMED = "bed_clear_unconfirmed"
HOLDS = {
    BED_CLEAR_UNCONFIRMED: N_("Printing needs your confirmation that the printer's bed is clear."),
    "printer_was_busy": N_("Not started: the printer was printing when you asked, so its bed may not be clear. "
                           "Check the bed, then press Print."),
    "printed_since": N_("Not started: a print ran after you confirmed that the bed was clear. Check the bed, then "
                        "press Print."),
    "printer_not_ready": N_("Not started: the printer is not connected or not ready. Connect it, then press Print."),
    "findings_block_printing": N_("Not started: the checks found errors; fix them first."),
    "bed_busy": N_("The printer is printing: its bed is not clear. Confirm it once the print is off the bed."),
    "bed_printer_offline": N_("Connect the printer first: the confirmation that its bed is clear holds only while it "
                              "stays connected."),
    "print_did_not_start": N_("Not started: OctoPrint was asked to print, but its printer did not start. Check the "
                              "printer, then press Print."),
}
START_SEEN_S = 5.0  # how long a print asked of OctoPrint may take to show as started before it counts as not started
DEFAULT_BED_CLEAR_HOURS = 12.0


@dataclass
class PrintGo:
    """A person's go to print: the bed is clear, said when the printer had started ``prints_seen`` prints and
    was (or was not) busy."""

    bed_clear: bool = False
    prints_seen: int = 0
    printer_busy: bool = False


def hold(go: PrintGo | None, printer_ready: bool, prints_seen: int, has_errors: bool = False) -> str | None:
    """Why a print must not start now (a code of HOLDS), or None when it may."""
    if go is None or not go.bed_clear:
        return BED_CLEAR_UNCONFIRMED
    if has_errors:
        return "findings_block_printing"
    if go.printer_busy:
        return "printer_was_busy"
    if prints_seen != go.prints_seen:
        return "printed_since"
    if not printer_ready:
        return "printer_not_ready"
    return None


def confirmed(value: object) -> bool:
    """True for a yes as JSON or a form sends it."""
    return value is True or str(value).lower() in ("true", "1", "yes", "on")


def print_began(is_printing: Callable[[], bool], prints_seen: Callable[[], int], seen_before: int,
                timeout_s: float = START_SEEN_S) -> bool:
    """Whether a print asked of OctoPrint did start: its printer is printing, or a print started since
    ``seen_before`` (a short one may have ended already), within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not (is_printing() or prints_seen() != seen_before):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


class BedConfirmation:
    """The host's own record that a person found the bed clear, kept until a print starts or ends, the printer
    disconnects, OctoPrint stops (it is kept in memory only) or ``hours()`` pass.

    ``start`` consumes it atomically: of two senders, only the first starts a print on one confirmation.
    """

    def __init__(self, on_change: Callable[[dict[str, Any]], None] | None = None,
                 hours: Callable[[], float] = lambda: DEFAULT_BED_CLEAR_HOURS) -> None:
        self._lock = threading.Lock()
        self._confirmed_at: float | None = None
        self._by: str | None = None
        self._on_change = on_change
        self._hours = hours

    def _expires_at(self) -> float | None:
        return None if self._confirmed_at is None else self._confirmed_at + self._hours() * 3600

    def _holds(self) -> bool:
        expires = self._expires_at()
        return expires is not None and time.time() < expires

    def _changed(self) -> None:
        if self._on_change is not None:
            self._on_change(self.as_dict())

    def confirm(self, by: str | None, printer_busy: bool, connected: bool = True) -> str | None:
        """Record the confirmation; the HOLDS code why not (nothing recorded) while a print occupies the bed or the
        printer is not connected."""
        with self._lock:
            if printer_busy:
                return "bed_busy"
            if not connected:
                return "bed_printer_offline"
            self._confirmed_at, self._by = time.time(), by
        self._changed()
        return None

    def clear(self) -> None:
        """The bed holds (or may hold) a print now."""
        with self._lock:
            was_clear, self._confirmed_at, self._by = self._confirmed_at is not None, None, None
        if was_clear:
            self._changed()

    def start(self, begin: Callable[[], str | None]) -> str | None:
        """Consume the confirmation and ``begin`` the print (which answers a HOLDS code when it may not start);
        the confirmation stays when the print did not start. Returns the code, or None once started."""
        with self._lock:
            if not self._holds():
                return BED_CLEAR_UNCONFIRMED
            reason = begin()
            if reason is None:
                self._confirmed_at, self._by = None, None
        if reason is None:
            self._changed()
        return reason

    def as_dict(self) -> dict[str, Any]:
        """``clear``, ``confirmed_at`` and ``expires_at`` (seconds since 1970) and ``by`` (the user), for JSON
        answers."""
        with self._lock:
            if not self._holds():
                return {"clear": False, "confirmed_at": None, "expires_at": None, "by": None}
            return {"clear": True, "confirmed_at": self._confirmed_at, "expires_at": self._expires_at(),
                    "by": self._by}
