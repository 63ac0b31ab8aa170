"""A printer's own facts from its makers' slicer profiles: PrusaSlicer vendor bundles (``profiles/*.ini``) and Cura
machine definitions (``definitions/*.def.json``), with their ``inherits`` chains resolved.

Only facts about the machine are taken (retraction, start and end G-code, speeds, accelerations and limits, the
colour-change command); what the object needs (layers, walls, infill, temperatures) stays img2print's plan.
PrusaSlicer keeps speeds in print presets, so a printer names the bundle's print preset made for it as well.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

PRUSASLICER_BUNDLES = (Path("/usr/share/PrusaSlicer/profiles"), Path("/usr/local/share/PrusaSlicer/profiles"))
PRUSASLICER_KEYS = re.compile(r"^(retract_\w+|deretract_speed|wipe|start_gcode|end_gcode|before_layer_gcode|"
                              r"layer_gcode|color_change_gcode|pause_print_gcode|machine_\w+|"
                              r"use_relative_e_distances|printer_model|printer_notes|silent_mode|z_offset|"
                              r"cooling_tube_\w+|parking_pos_retraction|extra_loading_move|high_current_on_filament_swap)$")
PRUSASLICER_PRINT_KEYS = re.compile(r"^(\w+_speed|\w+_acceleration|max_print_speed)$")
PRINTER, PRINT = "printer", "print"
CURA_KEYS = re.compile(r"^(retraction_\w+|travel_\w+|speed_\w+|skirt_brim_speed|acceleration_\w+|jerk_\w+|"
                       r"machine_max_\w+|machine_acceleration|machine_start_gcode|machine_end_gcode)$")
MAX_DEPTH = 20


# --- PrusaSlicer vendor bundles ------------------------------------------------------------------------------

@cache
def _bundle_sections(path: Path, _changed_ns: int) -> dict[str, dict[str, str]]:
    """The sections of a PrusaSlicer .ini bundle (``printer:Name`` -> key -> raw value), read once per version of
    the file."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # an unreadable bundle is as good as none: the profile's own facts apply
        return sections
    for line in text.splitlines():
        if line.startswith("[") and line.rstrip().endswith("]"):
            current = sections.setdefault(line.strip()[1:-1], {})
        elif current is not None and " = " in line and not line.lstrip().startswith(("#", ";")):
            key, value = line.split(" = ", 1)
            current[key.strip()] = value
        elif current is not None and line.rstrip().endswith(" =") and not line.startswith("#"):
            current[line.rstrip()[:-2].strip()] = ""
    return sections


def _resolved(sections: dict[str, dict[str, str]], kind: str, name: str, depth: int = 0) -> dict[str, str] | None:
    """A ``kind`` section (printer, print) with its parents applied first (left to right), as PrusaSlicer resolves
    ``inherits``."""
    own = sections.get(f"{kind}:{name}")
    if own is None or depth > MAX_DEPTH:
        return None
    values: dict[str, str] = {}
    for parent in (p.strip().strip('"') for p in own.get("inherits", "").split(";") if p.strip()):
        values.update(_resolved(sections, kind, parent, depth + 1) or {})
    values.update(own)
    return values


def prusaslicer_facts(reference: str, kind: str = PRINTER,
                      folders: tuple[Path, ...] = PRUSASLICER_BUNDLES) -> dict[str, str] | None:
    """The machine facts of ``Vendor/Section name`` (a printer, or a print preset's speeds and accelerations) from
    the first bundle folder that has it, in PrusaSlicer's own keys with real line breaks, or None when no bundle
    on this machine has that section."""
    vendor, _sep, name = reference.partition("/")
    keys = PRUSASLICER_KEYS if kind == PRINTER else PRUSASLICER_PRINT_KEYS
    for folder in folders:
        path = folder / f"{vendor}.ini"
        if path.is_file():
            values = _resolved(_bundle_sections(path, path.stat().st_mtime_ns), kind, name)
            if values is not None:
                return {k: v.replace("\\n", "\n") for k, v in values.items() if keys.match(k)}
    return None


def first_prusaslicer_facts(references: tuple[str, ...], kind: str = PRINTER) -> dict[str, str] | None:
    """The facts of the first of a printer's PrusaSlicer sections of ``kind`` that a bundle on this machine has."""
    return next((facts for facts in (prusaslicer_facts(r, kind) for r in references) if facts is not None), None)


# --- Cura machine definitions --------------------------------------------------------------------------------

def _flatten(settings: Mapping[str, Any], into: dict[str, dict[str, Any]]) -> None:
    """fdmprinter's nested setting tree as one level: key -> its properties."""
    for key, properties in settings.items():
        into[key] = {k: v for k, v in properties.items() if k != "children"}
        _flatten(properties.get("children", {}), into)


def _definition_chain(definitions: Path, definition_id: str) -> tuple[dict[str, Any], ...]:
    """The definition and its ancestors, the definition first (read again when the folder changes, as an upgrade
    of Cura changes it)."""
    try:
        changed = definitions.stat().st_mtime_ns
    except OSError:
        return ()
    return _read_chain(definitions, definition_id, changed)


@cache
def _read_chain(definitions: Path, definition_id: str, _changed_ns: int) -> tuple[dict[str, Any], ...]:
    """The definition and its ancestors as read from ``definitions``."""
    chain: list[dict[str, Any]] = []
    current: str | None = definition_id
    while current and len(chain) <= MAX_DEPTH:
        path = definitions / f"{current}.def.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing or unreadable: as if Cura had no such definition
            return ()
        if not isinstance(data, dict):
            return ()
        chain.append(data)
        current = data.get("inherits")
    return () if current else tuple(chain)  # an endless chain is no definition


def cura_definition(resources: Path, candidates: tuple[str, ...]) -> str | None:
    """The first of a printer's Cura definition ids that this Cura installation has (with all its ancestors)."""
    return next((c for c in candidates if _definition_chain(resources / "definitions", c)), None)


def _properties(chain: tuple[dict[str, Any], ...]) -> dict[str, dict[str, Any]]:
    """Every setting's properties after the chain's overrides, the most derived definition winning per property."""
    merged: dict[str, dict[str, Any]] = {}
    for data in reversed(chain):
        _flatten(data.get("settings", {}), merged)
        for key, properties in data.get("overrides", {}).items():
            merged.setdefault(key, {}).update(properties)
    return merged


_OPERATORS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
              ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
              ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_,
              ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
              ast.Eq: operator.eq, ast.NotEq: operator.ne}
_FUNCTIONS = {"min": min, "max": max, "round": round, "int": int, "float": float, "abs": abs}
_MATH = {"ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt, "radians": math.radians, "tan": math.tan}
_LOOKUPS = ("resolveOrValue", "extruderValue", "globalExtruderValue")  # one extruder: a setting's own value


class _Unknown(Exception):
    """A formula this reader does not evaluate (Cura's own functions, extruder lookups)."""


class _Evaluator:
    """Cura's setting formulas (a small part of Python) over the known values, each setting evaluated once."""

    def __init__(self, properties: dict[str, dict[str, Any]], given: Mapping[str, Any]) -> None:
        self.properties, self.values, self.busy = properties, dict(given), set()

    def value(self, key: str) -> Any:
        if key in self.values:
            return self.values[key]
        properties = self.properties.get(key)
        if properties is None or key in self.busy:
            raise _Unknown(key)
        self.busy.add(key)
        try:
            formula = properties.get("value", properties.get("default_value"))
            if isinstance(formula, str) and "value" in properties:
                result = self.node(ast.parse(formula, mode="eval").body)
            elif formula is None:
                raise _Unknown(key)
            else:
                result = formula
        except SyntaxError as error:
            raise _Unknown(key) from error
        finally:
            self.busy.discard(key)
        self.values[key] = result
        return result

    def node(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return {"True": True, "False": False}.get(node.id) if node.id in ("True", "False") else self.value(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](self.node(node.left), self.node(node.right))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](self.node(node.operand))
        if isinstance(node, ast.IfExp):
            return self.node(node.body) if self.node(node.test) else self.node(node.orelse)
        if isinstance(node, ast.BoolOp):
            values = [self.node(v) for v in node.values]
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPERATORS:
            return _OPERATORS[type(node.ops[0])](self.node(node.left), self.node(node.comparators[0]))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS:
            return _FUNCTIONS[node.func.id](*(self.node(a) for a in node.args))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MATH \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "math":
            return _MATH[node.func.attr](*(self.node(a) for a in node.args))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _LOOKUPS \
                and node.args and isinstance(node.args[-1], ast.Constant) and isinstance(node.args[-1].value, str):
            return self.value(node.args[-1].value)
        raise _Unknown(ast.dump(node))


def cura_facts(resources: Path, definition_id: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The machine facts the definition ``definition_id`` (and its ancestors) gives, evaluated as Cura evaluates
    them with ``given`` (img2print's own settings) as known values. CuraEngine itself reads only default values,
    so these are passed to it explicitly. Formulas this reader cannot evaluate are left to the engine's default."""
    properties = _properties(_definition_chain(resources / "definitions", definition_id))
    evaluator = _Evaluator(properties, given)
    facts: dict[str, Any] = {}
    for key in properties:
        if CURA_KEYS.match(key) and key not in given:
            try:
                facts[key] = evaluator.value(key)
            except (_Unknown, TypeError, ZeroDivisionError):
                continue
    return facts


def expand_tokens(gcode: str, values: Mapping[str, Any]) -> str:
    """``{setting}`` tokens of a Cura start or end G-code replaced by their values, as Cura does before slicing."""
    def token(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    return re.sub(r"\{(\w+)(?:,\s*-?\d+)?\}", token, gcode)
