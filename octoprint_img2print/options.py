"""Options that describe themselves: each field of an options dataclass carries its label, help, unit, range,
choices and whether it is a main option; validation, the command line and the API's listing come from that."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from functools import cache
from typing import Any

from .errors import BadInput
from .i18n import _

Translate = Callable[[str], str]
NUMBER, INTEGER, BOOLEAN, CHOICE, TEXT = "number", "integer", "boolean", "choice", "text"
SEVERAL = "choices"  # how the listing describes a text option of several choices
MAX_TEXT = 1000  # characters of a text option
FLAG = re.compile(r"--([a-z][a-z0-9-]*)")
METADATA_KEY = "img2print"
SHAPE = "shape"  # the option that chooses a mode's shape, which its other options may apply to only some of
SHAPES_OF = "OPTION_SHAPES"  # an options class's shapes for options it inherits: {name: shapes}


@dataclass(frozen=True)
class Choice:
    """One allowed value of a choice option and its label (marked with N_ for translation)."""

    value: str
    label: str


@dataclass(frozen=True)
class OptionInfo:
    """What a user is told about one option. ``label`` and ``help`` are catalogue messages (N_)."""

    label: str
    help: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[Choice, ...] = ()
    main: bool = False
    multiline: bool = False  # a text option that may hold several lines
    listing: Callable[[Translate], list[dict[str, str]]] | None = None  # choices known only when asked (the
    # filament library): each {value, label} in the reader's language; the options' check() refuses others
    several: bool = False  # a text option holding several of its listing's values, comma-separated
    shapes: tuple[str, ...] = ()  # the values of the mode's shape option it applies to (none said: every shape);
    # the pages show it only for those, the command line and the API take it whatever the shape


def option(default: Any, label: str, help: str, *, unit: str = "", low: float | None = None,
           high: float | None = None, low_open: bool = False, choices: tuple[Choice, ...] = (),
           main: bool = False, multiline: bool = False,
           listing: Callable[[Translate], list[dict[str, str]]] | None = None, several: bool = False,
           shapes: tuple[str, ...] = ()) -> Any:
    """A dataclass field that describes itself (see OptionInfo)."""
    info = OptionInfo(label, help, unit, low, high, low_open, choices, main, multiline, listing, several, shapes)
    return field(default=default, metadata={METADATA_KEY: info})


@dataclass(frozen=True)
class OptionSpec:
    """One option of one options class: name, value type, default, and what a user is told."""

    name: str
    kind: str
    nullable: bool
    default: Any
    info: OptionInfo

    @property
    def flag(self) -> str:
        """The option as written on the command line."""
        return "--" + self.name.replace("_", "-")

    def describe(self, translate: Translate) -> dict[str, Any]:
        """Plain data for the API's listing, with label and help in the reader's language."""
        info = self.info
        data = {"name": self.name, "type": self.kind, "nullable": self.nullable, "default": self.default,
                "label": translate(info.label), "help": translate(info.help), "unit": info.unit,
                "min": info.low, "max": info.high, "min_exclusive": info.low_open, "main": info.main,
                "multiline": info.multiline}
        if info.shapes:
            data["shapes"] = list(info.shapes)
        if info.choices:
            data["choices"] = [{"value": c.value, "label": translate(c.label)} for c in info.choices]
        if info.listing is not None:
            data["type"], data["choices"] = SEVERAL if info.several else CHOICE, info.listing(translate)
        return data


def _kind(annotation: Any) -> tuple[str, bool]:
    """The value type of a field ('number', 'integer', 'boolean', 'choice' or 'text') and whether it may be None.

    Read from the annotation's text ("float | None"), which Python 3.9 cannot evaluate.
    """
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    members = [part.strip() for part in text.split("|")]
    base = next(m for m in members if m != "None")
    return {"float": NUMBER, "int": INTEGER, "bool": BOOLEAN, "str": CHOICE}[base], "None" in members


@cache
def option_specs(options_type: type) -> tuple[OptionSpec, ...]:
    """Every described option of an options dataclass, in declaration order; an option it inherits applies to the
    shapes the class's OPTION_SHAPES says, if it names it."""
    specs = []
    shapes_of: Mapping[str, tuple[str, ...]] = getattr(options_type, SHAPES_OF, {})
    for item in fields(options_type):
        info = item.metadata.get(METADATA_KEY)
        if info is None:
            continue
        if item.name in shapes_of:
            info = replace(info, shapes=tuple(shapes_of[item.name]))
        kind, nullable = _kind(item.type)
        kind = TEXT if kind == CHOICE and not info.choices else kind
        default = None if item.default is MISSING else item.default
        specs.append(OptionSpec(item.name, kind, nullable, default, info))
    return tuple(specs)


def bad_parameter(name: str, problem: str, **numbers: Any) -> BadInput:
    """A BadInput error about one parameter, named as on the command line."""
    option_name = name.replace("_", "-")
    return BadInput("bad_parameter", _("--{option}: {problem}").format(option=option_name, problem=problem),
                    parameter=option_name, **numbers)


def require_range(name: str, value: float, low: float, high: float, *, low_open: bool = False) -> None:
    """Refuse ``value`` outside [low, high] (or (low, high] when ``low_open``)."""
    too_low = value <= low if low_open else value < low
    if not math.isfinite(value) or too_low or value > high:
        bracket = "(" if low_open else "["
        raise bad_parameter(name, _("{value:g} is outside the usable range {bracket}{low:g}, {high:g}].")
                            .format(value=value, bracket=bracket, low=low, high=high), value=value)


def _text(spec: OptionSpec, value: Any) -> str | None:
    """A text option's value: a string of printable characters (new lines allowed), at most MAX_TEXT long; an
    empty one is none."""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise bad_parameter(spec.name, _("must be a text of at most {limit} characters.").format(limit=MAX_TEXT))
    if any(not (c.isprintable() or c == "\n") for c in value):
        raise bad_parameter(spec.name, _("must hold printable characters only."))
    return value.strip() or None


def _coerced(spec: OptionSpec, value: Any) -> Any:
    """A value from JSON, a form or the command line as the option's type, or a bad_parameter error."""
    if spec.kind == BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad_parameter(spec.name, _("must be true or false."))
    if spec.kind == TEXT:
        return _text(spec, value)
    if spec.kind == CHOICE:
        allowed = [c.value for c in spec.info.choices]
        if value not in allowed:
            raise bad_parameter(spec.name, _("choose one of: {choices}.").format(choices=", ".join(allowed)))
        return value
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if spec.kind == INTEGER and math.isfinite(number) and number == int(number):
        return int(number)
    if spec.kind == NUMBER and not math.isnan(number):
        return number
    message = _("must be a whole number.") if spec.kind == INTEGER else _("must be a number.")
    raise bad_parameter(spec.name, message)


@dataclass
class Options:
    """Base of every options dataclass: built from plain values, validated from the fields' descriptions."""

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Options:
        """Options from a mapping (None values ignored), each value checked for its type; unknown keys refused."""
        specs = {spec.name: spec for spec in option_specs(cls)}
        unknown = sorted(set(values) - set(specs))
        if unknown:
            raise bad_parameter(unknown[0], _("this option does not apply to this mode."))
        return cls(**{k: _coerced(specs[k], v) for k, v in values.items() if v is not None})

    @classmethod
    def parse(cls, values: Mapping[str, Any] | Options | None) -> Options:
        """Validated options from a mapping (or options already made)."""
        options = values if isinstance(values, cls) else cls.from_dict(dict(values or {}))
        options.validate()
        return options

    def validate(self) -> None:
        """Refuse values outside an option's range or choices, then what the options say about each other."""
        for spec in option_specs(type(self)):
            value = getattr(self, spec.name)
            if value is None:
                continue
            if spec.info.choices and value not in [c.value for c in spec.info.choices]:
                raise bad_parameter(spec.name, _("choose one of: {choices}.")
                                    .format(choices=", ".join(c.value for c in spec.info.choices)))
            if spec.kind in (NUMBER, INTEGER) and spec.info.low is not None:
                high = spec.info.high if spec.info.high is not None else math.inf
                require_range(spec.name, value, spec.info.low, high, low_open=spec.info.low_open)
        self.check()

    def check(self) -> None:
        """Rules between options that no single option's range can say (subclasses add theirs)."""


def describe(options_type: type[Options], translate: Translate) -> list[dict[str, Any]]:
    """Every option of ``options_type`` as plain data for the API's listing."""
    return [spec.describe(translate) for spec in option_specs(options_type)]


def in_page_words(message: str, option_types: Iterable[type[Options]], translate: Translate) -> str:
    """A message with its command-line flags (--max-thickness) written as the options' labels, as a page shows
    them (“Thickest part”)."""
    labels: dict[str, str] = {}
    for options_type in option_types:
        for spec in option_specs(options_type):
            labels.setdefault(spec.name, spec.info.label)

    def label(flag: re.Match[str]) -> str:
        name = flag.group(1).replace("-", "_")
        return f"“{translate(labels[name])}”" if name in labels else flag.group(0)

    return FLAG.sub(label, message)
