"""Translation of every message a user reads, from the bundled gettext catalogues."""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

CATALOGUE_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"


@lru_cache(maxsize=16)
def translations(languages: tuple[str, ...] | None = None) -> gettext.NullTranslations:
    """The catalogue for ``languages`` (or the process locale when None), English as fallback."""
    return gettext.translation(
        DOMAIN, localedir=str(CATALOGUE_DIR), languages=list(languages) if languages else None, fallback=True
    )


def _(message: str) -> str:
    """Translate ``message`` into the language of the process locale."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose wording depends on ``count``."""
    return translations().ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message
