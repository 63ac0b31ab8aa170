"""When img2print may start a print: only on a person's go (the bed is clear) that still holds when the G-code
is ready: the printer is connected and idle, it was idle when they said so, and nothing printed since."""

from __future__ import annotations

from dataclasses import dataclass

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
}


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
