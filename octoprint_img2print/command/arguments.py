"""Command-line arguments made from options that describe themselves, and the values read back from them."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from typing import Any

from ..i18n import _, number
from ..options import BOOLEAN, CHOICE, INTEGER, TEXT, OptionSpec, option_specs

Owned = tuple[str, OptionSpec]


def _shown(spec: OptionSpec, value: Any) -> str:
    """A default as the help shows it: the number and its unit, or the choice."""
    if spec.kind in (CHOICE, BOOLEAN, TEXT):
        return str(value)
    return f"{number(value, 'g')} {spec.info.unit}".strip()


def _default_note(declared: list[Owned]) -> str:
    """'(default: 2 mm)', or where owners differ '(default: 2 mm for relief, logo; 5 mm for stamp)'."""
    spec = declared[0][1]
    if spec.kind == BOOLEAN:
        return ""
    by_value: dict[str, list[str]] = {}
    for owner, owned in declared:
        if owned.default is not None:
            by_value.setdefault(_shown(owned, owned.default), []).append(owner)
    if not by_value:
        return ""
    if len(by_value) == 1 and len(next(iter(by_value.values()))) == len(declared):
        return _("(default: {value})").format(value=next(iter(by_value)))
    parts = [_("{value} for {owners}").format(value=value, owners=", ".join(owners))
             for value, owners in by_value.items()]
    return _("(default: {value})").format(value="; ".join(parts))


def _help(declared: list[Owned]) -> str:
    """The option's help; where owners explain it differently, each explanation with its owners."""
    by_text: dict[str, list[str]] = {}
    for owner, owned in declared:
        by_text.setdefault(_(owned.info.help), []).append(owner)
    if len(by_text) == 1:
        return next(iter(by_text))
    return "; ".join(f"{text} ({', '.join(owners)})" for text, owners in by_text.items())


def collect(owners: Iterable[tuple[str, type]]) -> dict[str, list[Owned]]:
    """Every option of the given (owner, options class) pairs, by name, with each owner that declares it."""
    found: dict[str, list[Owned]] = {}
    for owner, options_type in owners:
        for spec in option_specs(options_type):
            found.setdefault(spec.name, []).append((owner, spec))
    return found


def add_arguments(parser: argparse.ArgumentParser, options: dict[str, list[Owned]], prefix: str = "") -> None:
    """One argument per option: a flag for booleans, the choices for choices, a typed number otherwise; a value as
    typed where owners declare the name with different types (each owner's options read it as theirs)."""
    for name, declared in options.items():
        spec = declared[0][1]
        help_text = " ".join(part for part in (_help(declared), _default_note(declared)) if part).replace("%", "%%")
        dest = prefix + name
        if len({owned.kind for _owner, owned in declared}) > 1:
            parser.add_argument(spec.flag, dest=dest, default=None, metavar="VALUE", help=help_text)
        elif spec.kind == BOOLEAN:
            parser.add_argument(spec.flag, dest=dest, action="store_true", default=None, help=help_text)
        elif spec.kind == CHOICE:
            parser.add_argument(spec.flag, dest=dest, choices=[c.value for c in spec.info.choices], default=None,
                                help=help_text)
        elif spec.kind == TEXT:
            metavar = "ID" if spec.info.listing is not None else "TEXT"  # an id of a library (a filament)
            parser.add_argument(spec.flag, dest=dest, default=None, metavar=metavar, help=help_text)
        else:
            parser.add_argument(spec.flag, dest=dest, type=int if spec.kind == INTEGER else float, default=None,
                                metavar="N", help=help_text)


def given(args: argparse.Namespace, options: dict[str, list[Owned]], prefix: str = "") -> dict[str, Any]:
    """The options given on the command line, by option name (those this command has)."""
    return {name: getattr(args, prefix + name) for name in options if getattr(args, prefix + name, None) is not None}


def print_record(data: dict[str, Any], as_json: bool) -> None:
    """One thing's facts: a JSON object, or one 'key: value' line each."""
    if as_json:
        print(json.dumps(data))
        return
    for key, value in data.items():
        print(f"{key}: {value}")
