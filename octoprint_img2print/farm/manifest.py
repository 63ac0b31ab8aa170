"""What a batch is asked to make: one job per picture of a folder, or per row of a YAML or CSV manifest."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import BadInput, Img2PrintError
from ..filaments.library import Library
from ..geometry.files import WRITTEN_MODEL_EXTENSIONS
from ..i18n import _
from ..imaging.file_limits import read_bounded
from ..imaging.kinds import is_picture
from ..modes import get_mode
from ..printers.profile import get_printer
from ..recipe import Recipe
from ..slicing.intents import get_intent

MAX_MANIFEST_BYTES = 16 * 1024**2
MANIFEST_SUFFIXES = (".yaml", ".yml", ".csv")
MODEL_FORMATS = tuple(suffix.lstrip(".") for suffix in WRITTEN_MODEL_EXTENSIONS)
MAX_COPIES = 10000
# the columns of a row; in a CSV file every other column is an option of the mode (width, max_thickness, ...)
KEYS = ("file", "mode", "options", "printer", "printers", "intent", "filament", "copies", "format")
LIST_SEPARATORS = (";", ",")


@dataclass(frozen=True)
class ManifestJob:
    """One picture and what to make of it: the model, and a G-code for each printer named."""

    source: Path
    where: str  # where it was asked, for messages: the picture, or "jobs.csv row 3"
    recipe: Recipe = field(default_factory=Recipe)  # the row's mode, options, intent and filament over the batch's
    printers: tuple[str, ...] = ()
    copies: int = 1
    model_format: str = "stl"


def _problem(where: str, problem: str) -> BadInput:
    return BadInput("bad_manifest", _("{where}: {problem}").format(where=where, problem=problem), where=where)


def _printers(value: Any, where: str) -> tuple[str, ...]:
    """Printer ids from a list or from one text ("mk4; ender3"), each once, in the order given."""
    if isinstance(value, str):
        for separator in LIST_SEPARATORS:
            value = value.replace(separator, " ")
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _problem(where, _("'printers' must be a printer id or a list of them."))
    return tuple(dict.fromkeys(value))


def _copies(value: Any, where: str) -> int:
    try:
        copies = int(str(value).strip())
    except ValueError:
        copies = 0
    if not 1 <= copies <= MAX_COPIES:
        raise _problem(where, _("'copies' must be a whole number from 1 to {most}.").format(most=MAX_COPIES))
    return copies


def _validated(job: ManifestJob) -> ManifestJob:
    """The job, once its mode, options, printers, intent, filament and format are known to be usable; else one line
    that names the row."""
    recipe = job.recipe
    try:
        if recipe.mode is not None:  # the options as their types, so that "40" from a CSV file is 40.0 from YAML
            parsed = get_mode(recipe.mode).options_from(recipe.options)
            job = replace(job, recipe=replace(recipe, options={name: getattr(parsed, name) for name in recipe.options}))
        for printer in job.printers:
            get_printer(printer)
        if recipe.intent is not None:
            get_intent(recipe.intent)
        if recipe.filament is not None:
            Library().get(recipe.filament)
    except Img2PrintError as error:
        raise _problem(job.where, error.message) from error
    if job.model_format not in MODEL_FORMATS:
        raise _problem(job.where, _("'format' must be one of: {formats}.").format(formats=", ".join(MODEL_FORMATS)))
    return job


def _from_row(row: Mapping[str, Any], defaults: ManifestJob, folder: Path, where: str, *,
              extra_options: bool) -> ManifestJob:
    """A job from one row; ``extra_options``: unknown columns are options of the mode (CSV)."""
    given = {str(key).strip().lower(): value for key, value in row.items()
             if key is not None and value is not None and value != ""}
    unknown = sorted(set(given) - set(KEYS))
    options = dict(defaults.recipe.options)
    if extra_options:
        options.update({key: str(given.pop(key)).strip() for key in unknown})
    elif unknown:
        raise _problem(where, _("unknown key '{key}'; a row may have: {keys}.").format(key=unknown[0],
                                                                                        keys=", ".join(KEYS)))
    if "file" not in given:
        raise _problem(where, _("no 'file': name the picture to convert."))
    if "options" in given:
        if not isinstance(given["options"], dict):
            raise _problem(where, _("'options' must be a mapping of option names to values."))
        options.update({str(key): value for key, value in given["options"].items()})
    recipe = replace(defaults.recipe, options=options)
    if "mode" in given:
        recipe = replace(recipe, mode=str(given["mode"]).strip())
    if "intent" in given:
        recipe = replace(recipe, intent=str(given["intent"]).strip())
    if "filament" in given:
        recipe = replace(recipe, overrides={**recipe.overrides, "filament": str(given["filament"]).strip()})
    job = replace(defaults, source=folder / str(given["file"]).strip(), where=where, recipe=recipe)
    for key in ("printer", "printers"):
        if key in given:
            job = replace(job, printers=_printers(given[key], where))
    if "copies" in given:
        job = replace(job, copies=_copies(given["copies"], where))
    if "format" in given:
        job = replace(job, model_format=str(given["format"]).strip().lower().lstrip("."))
    return _validated(job)


def _yaml_rows(text: str, name: str) -> list[Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = _(" (line {line})").format(line=mark.line + 1) if mark is not None else ""
        raise _problem(name, _("this is not valid YAML{where}. Check the indentation and the colons.")
                       .format(where=where)) from error
    if isinstance(loaded, dict) and set(loaded) == {"jobs"}:
        loaded = loaded["jobs"]
    if not isinstance(loaded, list) or not loaded:
        raise _problem(name, _("a manifest is a list of jobs, one a row (each with at least 'file')."))
    return loaded


def read_manifest(path: Path, defaults: ManifestJob) -> list[ManifestJob]:
    """The jobs of a YAML or CSV manifest; ``defaults`` (from the command line) fill what a row leaves out."""
    name = path.name
    text = read_bounded(path, MAX_MANIFEST_BYTES, name).decode("utf-8-sig", errors="replace")
    folder = path.parent
    if path.suffix.lower() == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        if not rows or "file" not in [str(key).strip().lower() for key in rows[0]]:
            raise _problem(name, _("a CSV manifest needs a header row with a 'file' column and one row per job."))
        return [_from_row(row, defaults, folder, _("{file} row {row}").format(file=name, row=number),
                          extra_options=True) for number, row in enumerate(rows, start=2)]
    jobs = []
    for number, row in enumerate(_yaml_rows(text, name), start=1):
        where = _("{file} job {row}").format(file=name, row=number)
        if not isinstance(row, dict):
            raise _problem(where, _("each job is a mapping with at least 'file'."))
        jobs.append(_from_row(row, defaults, folder, where, extra_options=False))
    return jobs


def read_jobs(manifest: Path, defaults: ManifestJob) -> list[ManifestJob]:
    """The jobs asked: every picture of a folder (with ``defaults``), or the rows of a manifest file."""
    manifest = Path(manifest)
    if manifest.is_dir():
        pictures = sorted(p for p in manifest.iterdir() if p.is_file() and not p.name.startswith(".")
                          and is_picture(p.name))
        if not pictures:
            raise _problem(str(manifest), _("this folder holds no pictures or drawings to convert."))
        checked = _validated(replace(defaults, source=manifest, where=str(manifest)))
        return [replace(checked, source=p, where=p.name) for p in pictures]
    if not manifest.is_file():
        raise BadInput("file_not_found", _("{file}: no such file or folder.").format(file=manifest),
                       file=str(manifest))
    if manifest.suffix.lower() not in MANIFEST_SUFFIXES:
        raise _problem(manifest.name, _("give a folder of pictures or a manifest ending in {suffixes}.")
                       .format(suffixes=", ".join(MANIFEST_SUFFIXES)))
    return read_manifest(manifest, defaults)
