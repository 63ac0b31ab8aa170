"""The one family of errors img2print raises: a stable code, a human message and the numbers behind it."""

from __future__ import annotations

from typing import Any


class Img2PrintError(Exception):
    """Base of every error a user may see; adapters map ``kind`` to exit codes or HTTP status."""

    kind = "error"

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


class DoesNotFit(Img2PrintError):
    """The model does not fit the printer."""

    kind = "does_not_fit"


class SlicerFailed(Img2PrintError):
    """The slicer failed or produced G-code that would not print."""

    kind = "slicer_failed"


class Cancelled(Img2PrintError):
    """The user cancelled the work."""

    kind = "cancelled"
