"""Translation of every message a user reads, from the bundled gettext catalogues, with the numbers in a message
written as its language writes them (2,5 mm in German)."""

from __future__ import annotations

import gettext
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"
ENGLISH = "en"
_speaking: ContextVar[tuple[str, ...] | None] = ContextVar("img2print_language", default=None)


@lru_cache(maxsize=16)
def translations(languages: tuple[str, ...] | None = None) -> gettext.NullTranslations:
    """The catalogue for ``languages`` (or the process locale when None), English as fallback."""
    return gettext.translation(
        DOMAIN, localedir=str(CATALOGUE_DIR), languages=list(languages) if languages else None, fallback=True
    )


def catalogue_language(catalogue: gettext.NullTranslations) -> str:
    """The language a catalogue translates into (its ``Language`` header); English without one."""
    return catalogue.info().get("language") or ENGLISH


@lru_cache(maxsize=16)
def number_symbols(language: str) -> tuple[str, str]:
    """The decimal and grouping symbols of ``language`` (Babel's CLDR data), or the English ones."""
    if language.split("_")[0] == ENGLISH:
        return ".", ","
    from babel import Locale, UnknownLocaleError, numbers

    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return ".", ","
    return numbers.get_decimal_symbol(locale), numbers.get_group_symbol(locale)


def localized_number(text: str, language: str) -> str:
    """A number formatted the English way ("1,234.5") written with ``language``'s symbols ("1.234,5")."""
    decimal, group = number_symbols(language)
    if (decimal, group) == (".", ","):
        return text
    return "".join(decimal if c == "." else group if c == "," else c for c in text)


class _NumberFormatter(string.Formatter):
    """str.format's rules, with every number written in one language."""

    def __init__(self, language: str) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return localized_number(text, self.language)
        return text


class Message(str):
    """A translated message; its ``format`` writes the numbers it is given as the message's language does."""

    language: str = ENGLISH

    def __new__(cls, text: str, language: str = ENGLISH) -> Message:
        message = super().__new__(cls, text)
        message.language = language
        return message

    def format(self, *args: Any, **kwargs: Any) -> str:
        """``str.format`` with numbers in the message's language."""
        return _NumberFormatter(self.language).vformat(str(self), args, kwargs)


def in_language(catalogue: gettext.NullTranslations, message: str) -> Message:
    """``message`` translated by ``catalogue``, formatting numbers in the catalogue's language (in English while the
    catalogue has no translation of it, so that words and numbers agree)."""
    translated = catalogue.gettext(message)
    found = translated != message or message in getattr(catalogue, "_catalog", {})
    return Message(translated, catalogue_language(catalogue) if found else ENGLISH)


def messages(language: str) -> dict[str, str]:
    """Every message of the catalogue for ``language`` and its translation (none for English), for a page that
    translates its own texts."""
    catalogue = translations((language,))
    return {k: v for k, v in getattr(catalogue, "_catalog", {}).items() if isinstance(k, str) and k}


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Messages made inside (``_``, ``ngettext``) are in ``language``, whatever the process locale: for a server
    answering people in their own languages."""
    token = _speaking.set((language, ENGLISH))
    try:
        yield
    finally:
        _speaking.reset(token)


def _(message: str) -> Message:
    """Translate ``message`` into the language being spoken (see ``speaking``), else the process locale's."""
    return in_language(translations(_speaking.get()), message)


def number(value: float, spec: str = "") -> str:
    """A number formatted by ``spec`` (as in str.format) in the language being spoken, for a message that gets it
    already written (a size "100,0 x 80,0")."""
    return localized_number(format(value, spec), catalogue_language(translations(_speaking.get())))


def list_separator() -> str:
    """What separates numbers in a list in the language being spoken: ", ", or "; " where a comma is the decimal
    symbol (so that it does not also separate them)."""
    return "; " if number_symbols(catalogue_language(translations(_speaking.get())))[0] == "," else ", "


def numbers(values: Iterable[float], spec: str = "g") -> str:
    """Numbers written together in the language being spoken: "12.5, 3" in English, "12,5; 3" in German."""
    return list_separator().join(number(value, spec) for value in values)


def ngettext(singular: str, plural: str, count: int) -> Message:
    """Translate a message whose wording depends on ``count``."""
    catalogue = translations(_speaking.get())
    translated = catalogue.ngettext(singular, plural, count)
    found = translated not in (singular, plural) or (singular, 0) in getattr(catalogue, "_catalog", {})
    return Message(translated, catalogue_language(catalogue) if found else ENGLISH)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction; it is translated later, where it is shown."""
    return message
