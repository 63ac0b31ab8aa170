"""The one family of errors img2print raises: a stable code, a human message and the numbers behind it. Each kind
declares here, once, the command line's exit code and the HTTP status it answers with."""

from __future__ import annotations

from typing import Any


class Img2PrintError(Exception):
    """Base of every error a user may see; adapters answer with its kind's exit code or HTTP status."""

    kind = "error"
    exit_code = 3
    http_status = 500

    def __init__(self, code: str, message: str, **details: Any) -> None:
        message = " ".join(message.split()) if "\n" in message else message  # one line, whatever a library said
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        """The error as plain data, for JSON answers."""
        return {"code": self.code, "kind": self.kind, "message": self.message, "details": self.details}


class BadInput(Img2PrintError):
    """The input file or a parameter cannot be used."""

    kind = "bad_input"
    exit_code = 3
    http_status = 400


class DoesNotFit(Img2PrintError):
    """The model does not fit the printer."""

    kind = "does_not_fit"
    exit_code = 4
    http_status = 409


class SlicerFailed(Img2PrintError):
    """The slicer failed or produced G-code that would not print."""

    kind = "slicer_failed"
    exit_code = 5
    http_status = 502


class Cancelled(Img2PrintError):
    """The user cancelled the work."""

    kind = "cancelled"
    exit_code = 130
    http_status = 409


KINDS = {family.kind: family for family in (Img2PrintError, BadInput, DoesNotFit, SlicerFailed, Cancelled)}


def described_kinds() -> dict[str, dict[str, int]]:
    """Every error kind with its exit code and HTTP status, for the API's listing."""
    return {kind: {"exit_code": family.exit_code, "http_status": family.http_status} for kind, family in KINDS.items()}
