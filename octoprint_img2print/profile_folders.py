"""Where the shipped profiles live: inside the installed package, or beside it in a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def profiles_dir(kind: str) -> Path:
    """The folder of ``kind`` ('printers' or 'intents') profiles."""
    for base in (PACKAGE / "profiles", PACKAGE.parent / "profiles"):
        if (base / kind).is_dir():
            return base / kind
    raise FileNotFoundError(f"no {kind} profiles next to {PACKAGE}")
