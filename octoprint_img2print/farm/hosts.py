"""What a farm's hosts are and do now: reachable, their printer's state and job, which printer it is (the farm
file's ``printer``, else the printer chosen in the host's img2print, else OctoPrint's printer profile with the
G-code set for it there), what is loaded (material, colour, nozzle), and img2print's bed confirmation."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import BadInput
from ..filaments.library import loaded_kind
from ..i18n import _
from ..printers.profile import OWN_GCODE, PrinterProfile, from_octoprint, get_printer
from .client import HostFailed, OctoPrintClient
from .farmfile import Host

MAX_SURVEY_PARALLEL = 128  # hosts asked at once: a farm's survey takes about one host's time, dead ones included


@dataclass
class HostStatus:
    """What one host told: reachable, its printer's state, profile, job and what is loaded, and img2print's bed
    confirmation."""

    host: Host
    reachable: bool = False
    error: str | None = None
    version: str | None = None
    state: str | None = None
    ready: bool = False
    printing: bool = False  # printing, pausing or paused: a print is on the bed
    profile: PrinterProfile | None = None
    profile_error: str | None = None
    job: dict[str, Any] | None = None
    img2print: bool = False
    bed: dict[str, Any] | None = None
    filament: str | None = None  # a filament of the library
    material: str | None = None
    colour: str | None = None
    files: set[str] = field(default_factory=set)

    @property
    def bed_clear(self) -> bool:
        """True when the host's img2print holds a confirmation that the bed is clear."""
        return bool(self.bed and self.bed.get("clear"))

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON answers."""
        return {"host": self.host.name, "url": self.host.url, "group": self.host.group, "tags": list(self.host.tags),
                "reachable": self.reachable, "error": self.error, "octoprint": self.version, "state": self.state,
                "ready": self.ready, "printing": self.printing,
                "profile": self.profile.as_dict() if self.profile else None, "profile_error": self.profile_error,
                "job": self.job, "img2print": self.img2print, "bed": self.bed, "filament": self.filament,
                "material": self.material,
                "colour": self.colour}


def _octoprint_profile(client: OctoPrintClient, profile_id: str | None) -> dict[str, Any]:
    """The printer profile the host prints with: the connection's, else OctoPrint's default."""
    chosen = client.printer_profile(profile_id) if profile_id else None
    if chosen is None:
        chosen = next((p for p in client.printer_profiles().values() if p.get("default")), None)
    if chosen is None:
        raise BadInput("no_printer_profile", _("{host} has no printer profile.").format(host=client.name))
    return chosen


def _job(client: OctoPrintClient) -> dict[str, Any] | None:
    """The host's current (or finished) print: file and progress (percent done, seconds left); None when nothing
    printed since the file was selected."""
    data = client.job()
    name = ((data.get("job") or {}).get("file") or {}).get("name")
    progress = data.get("progress") or {}
    if not name or progress.get("completion") is None:
        return None
    return {"file": name, "progress": round(progress["completion"], 1), "time_left_s": progress.get("printTimeLeft")}


def _printer(client: OctoPrintClient, host: Host, connection: dict[str, Any],
             plugin: dict[str, Any] | None) -> PrinterProfile:
    """Which printer the host is: the farm file's, else the one chosen in its img2print, else its OctoPrint printer
    profile (with the start and end G-code set for it in img2print); the farm file's nozzle wins."""
    chosen = host.printer or (plugin or {}).get("printer")
    if chosen:
        printer = get_printer(chosen)
    else:
        profile = _octoprint_profile(client, connection.get("printerProfile"))
        own = (plugin or {}).get("printer_gcode")
        printer = from_octoprint({**profile, OWN_GCODE: own} if own else profile)
    return replace(printer, nozzle=host.nozzle) if host.nozzle else printer


def host_status(client: OctoPrintClient, host: Host, with_files: bool = False) -> HostStatus:
    """Ask one host, once, everything the farm needs; an unreachable host is a status with its error, not a
    failure."""
    status, client = HostStatus(host), client.quick()
    try:
        status.version = client.version().get("server")
        connection = client.connection()
        printer = client.printer_state()
        status.state = printer.get("text") if printer else connection.get("state")
        flags = (printer or {}).get("flags") or {}
        status.ready = bool(flags.get("ready"))
        status.printing = bool(flags.get("printing") or flags.get("pausing") or flags.get("paused"))
        status.job = _job(client)
        plugin = client.img2print()
        status.img2print, status.bed = plugin is not None, (plugin or {}).get("bed")
        loaded = (plugin or {}).get("loaded") or {}
        status.filament = host.filament or loaded.get("filament") or None
        status.material, status.colour = loaded_kind(status.filament, host.material or loaded.get("material"),
                                                     host.colour or loaded.get("colour"))
        if with_files:
            status.files = set(client.files())
        try:
            status.profile = _printer(client, host, connection, plugin)
        except BadInput as failure:
            status.profile_error = failure.message
    except HostFailed as failure:
        status.error = failure.message
        return status
    status.reachable = True
    return status


def survey(clients: Sequence[OctoPrintClient], hosts: Sequence[Host], with_files: bool = False) -> list[HostStatus]:
    """Every host's status, asked of all hosts at once (up to MAX_SURVEY_PARALLEL at a time)."""
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_SURVEY_PARALLEL, len(hosts)))) as pool:
        return list(pool.map(lambda pair: host_status(*pair, with_files=with_files), zip(clients, hosts)))
