"""The command line's exit codes, and which error gets which (each error kind declares its own in ``errors``)."""

from __future__ import annotations

from .errors import KINDS, BadInput, Cancelled, DoesNotFit, SlicerFailed

EXIT_DONE, EXIT_USAGE = 0, 2
EXIT_BAD_INPUT, EXIT_DOES_NOT_FIT = BadInput.exit_code, DoesNotFit.exit_code
EXIT_SLICER_FAILED, EXIT_CANCELLED = SlicerFailed.exit_code, Cancelled.exit_code
EXIT_SERVICE_FAILED = 6  # an online service (Tripo) failed; the farm uses it for a printer's host that failed
EXIT_NO_PRINTER = 7  # the farm had no printer a job fits
USAGE_ERRORS = ("bad_parameter", "unknown_mode", "unknown_model_format", "unknown_vector_format", "unknown_printer",
                "unknown_intent", "unknown_slicer", "unknown_filament", "too_many_filaments")
# errors of an online service (Tripo): exit 6; a wrong or missing key is bad input (3)
SERVICE_ERRORS = ("tripo_no_credits", "tripo_busy", "tripo_failed", "tripo_unreachable", "tripo_task_failed",
                  "tripo_timeout")


def exit_code(code: str, kind: str) -> int:
    """The exit code for an error of this code and kind."""
    return EXIT_USAGE if code in USAGE_ERRORS else EXIT_SERVICE_FAILED if code in SERVICE_ERRORS \
        else KINDS[kind].exit_code if kind in KINDS else EXIT_BAD_INPUT
