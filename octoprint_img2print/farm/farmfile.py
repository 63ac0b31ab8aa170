"""The farm file: the OctoPrint hosts of a print farm (YAML), each with its address, API key (or the environment
variable holding it), group and tags, validated with one clear line per problem."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..errors import BadInput
from ..filaments.library import Library
from ..i18n import _
from ..imaging.file_limits import read_bounded
from ..options import bad_parameter
from ..printers.profile import get_printer

MAX_FARM_FILE_BYTES = 1024**2
HOST_KEYS = ("url", "api_key", "api_key_env", "group", "tags", "printer", "filament", "material", "colour", "nozzle")
EXAMPLE = """hosts:
  left:
    url: http://octopi-left.local
    api_key_env: LEFT_API_KEY
    group: mk4
    tags: [pla]"""


@dataclass(frozen=True)
class Host:
    """One OctoPrint server of the farm."""

    name: str
    url: str
    api_key: str
    group: str | None = None
    tags: tuple[str, ...] = ()
    printer: str | None = None  # a shipped printer's id or a printer profile file: which printer this host is
    filament: str | None = None  # what is loaded: a filament of the library
    material: str | None = None  # what is loaded: PLA, PETG ...
    colour: str | None = None
    nozzle: float | None = None


@dataclass(frozen=True)
class Farm:
    """The hosts of a farm file, in the file's order."""

    source: str
    hosts: tuple[Host, ...]

    def select(self, group: str | None) -> tuple[Host, ...]:
        """The hosts of ``group`` (all without one); an unknown group is a usage error naming the groups."""
        if group is None:
            return self.hosts
        chosen = tuple(h for h in self.hosts if h.group == group)
        if not chosen:
            known = sorted({h.group for h in self.hosts if h.group}) or ["-"]
            raise bad_parameter("group", _("{file} has no host in group '{group}'. Groups: {known}.")
                                .format(file=self.source, group=group, known=", ".join(known)))
        return chosen

    def named(self, names: str, option: str) -> frozenset[str]:
        """The hosts a comma-separated list names (``all``: every host); an unknown name is a usage error naming the
        hosts there are."""
        wanted = {name.strip() for name in names.split(",") if name.strip()}
        known = [h.name for h in self.hosts]
        if wanted == {"all"}:
            return frozenset(known)
        unknown = sorted(wanted - set(known))
        if unknown:
            raise bad_parameter(option, _("{file} has no host named {names}. Hosts: {known}.")
                                .format(file=self.source, names=", ".join(unknown), known=", ".join(known)))
        return frozenset(wanted)


def _problem(source: str, host: str, key: str, problem: str) -> BadInput:
    return BadInput("bad_farm_file", _("{file}: host '{host}': '{key}' {problem}")
                    .format(file=source, host=host, key=key, problem=problem), file=source, host=host, key=key)


def _text(entry: Mapping[str, Any], key: str, source: str, host: str) -> str | None:
    value = entry.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _problem(source, host, key, _("must be a non-empty text."))
    return value.strip() if value is not None else None


def _url(entry: Mapping[str, Any], source: str, host: str) -> str:
    url = _text(entry, "url", source, host)
    parts = urlsplit(url or "")
    if url is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise _problem(source, host, "url", _("must be an address such as http://octopi.local, not {value!r}.")
                       .format(value=url))
    return url.rstrip("/")


def _api_key(entry: Mapping[str, Any], source: str, host: str, environ: Mapping[str, str]) -> str:
    key, variable = _text(entry, "api_key", source, host), _text(entry, "api_key_env", source, host)
    if (key is None) == (variable is None):
        raise _problem(source, host, "api_key", _("give either api_key or api_key_env (the name of an environment "
                                                   "variable holding the key), not both or neither."))
    if variable is not None:
        key = environ.get(variable, "").strip()
        if not key:
            raise _problem(source, host, "api_key_env", _("names the environment variable {name}, which is not set."
                                                          ).format(name=variable))
    return key


def _host(name: Any, entry: Any, source: str, environ: Mapping[str, str], folder: Path) -> Host:
    if not isinstance(name, str) or not name.strip():
        raise _problem(source, str(name), "(name)", _("must be a non-empty text."))
    if not isinstance(entry, dict):
        raise _problem(source, name, "(host)", _("must be a mapping with url and api_key or api_key_env."))
    for key in entry:
        if key not in HOST_KEYS:
            raise _problem(source, name, str(key), _("is not a host key (known: {keys}).")
                           .format(keys=", ".join(HOST_KEYS)))
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise _problem(source, name, "tags", _("must be a list of texts."))
    return Host(name=name, url=_url(entry, source, name), api_key=_api_key(entry, source, name, environ),
                group=_text(entry, "group", source, name), tags=tuple(tags),
                printer=_printer(entry, source, name, folder), filament=_filament(entry, source, name),
                material=_text(entry, "material", source, name), colour=_text(entry, "colour", source, name),
                nozzle=_nozzle(entry, source, name))


def _printer(entry: Mapping[str, Any], source: str, host: str, folder: Path) -> str | None:
    """A shipped printer's id, or a printer profile file (relative to the farm file), checked now."""
    chosen = _text(entry, "printer", source, host)
    if chosen is None:
        return None
    if chosen.endswith((".yaml", ".yml")):
        chosen = str((folder / chosen).resolve())
    try:
        get_printer(chosen)
    except BadInput as failure:
        raise _problem(source, host, "printer", failure.message) from failure
    return chosen


def _filament(entry: Mapping[str, Any], source: str, host: str) -> str | None:
    """A filament of the library, checked now."""
    chosen = _text(entry, "filament", source, host)
    if chosen is not None:
        try:
            Library().get(chosen)
        except BadInput as failure:
            raise _problem(source, host, "filament", failure.message) from failure
    return chosen


def _nozzle(entry: Mapping[str, Any], source: str, host: str) -> float | None:
    value = entry.get("nozzle")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.1 <= value <= 2.0:
        raise _problem(source, host, "nozzle", _("must be the nozzle's diameter in mm, from 0.1 to 2, not {value!r}.")
                       .format(value=value))
    return float(value)


def parse_farm(data: Any, source: str, environ: Mapping[str, str] | None = None, folder: Path = Path()) -> Farm:
    """Validate a farm read from YAML (``folder``: where printer profile files it names are); errors name the file,
    the host and the key."""
    environ = os.environ if environ is None else environ
    hosts = data.get("hosts") if isinstance(data, dict) else None
    if not isinstance(hosts, dict) or not hosts or set(data) != {"hosts"}:
        raise BadInput("bad_farm_file", _("{file}: a farm file holds one key, 'hosts', a mapping of host names to "
                                          "their url and api_key, for example:\n{example}")
                       .format(file=source, example=EXAMPLE), file=source)
    return Farm(source, tuple(_host(name, entry, source, environ, folder) for name, entry in hosts.items()))


def load_farm(path: Path, environ: Mapping[str, str] | None = None) -> Farm:
    """Read and validate a farm file."""
    try:
        data = yaml.safe_load(read_bounded(path, MAX_FARM_FILE_BYTES, path.name).decode("utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as failure:
        raise BadInput("bad_farm_file", _("{file}: not a readable YAML file ({reason}).")
                       .format(file=path.name, reason=failure), file=path.name) from failure
    return parse_farm(data, path.name, environ, path.resolve().parent)
