"""A slicer backend's interface, and running a slicer's command line: find it, learn its version, run it with a
timeout, progress and cancel."""

from __future__ import annotations

import functools
import os
import re
import resource
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Cancelled, SlicerFailed
from ..i18n import _
from ..options import Translate
from ..processes import end_with_parent, raise_if_interrupted

if TYPE_CHECKING:
    from ..printers.profile import PrinterProfile
    from .plan import SliceSettings

Progress = Callable[[float], None]
DEFAULT_TIMEOUT_S = 3600.0
POLL_S = 0.05  # how often a running slicer is checked for a cancel or the time limit
OUT_OF_MEMORY = re.compile(r"bad_alloc|MemoryError|Cannot allocate memory|[Oo]ut of memory")  # C++, Python, libc


@dataclass(frozen=True)
class SlicerInfo:
    """A slicer found on this machine."""

    name: str
    path: str
    version: tuple[int, ...]
    settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def version_text(self) -> str:
        """The version as text."""
        return ".".join(str(v) for v in self.version)


@dataclass(frozen=True)
class SlicerSetting:
    """One thing a user may set for a backend (a path or a folder); label and help are catalogue messages."""

    key: str
    label: str
    help: str


class SlicerBackend:
    """One slicer: how to find it, what a user may set for it, how it slices and exports a profile.

    A backend module defines ``BACKEND``, an instance of a subclass; the registry finds it. ``legacy_settings``
    pairs the plugin's settings of version 1 (top-level keys) with the backend's own setting keys;
    ``vendor_keys`` names the lists under a printer profile's ``vendor_profiles`` that the backend reads.
    """

    name = ""
    label = ""
    position = 0
    settings: tuple[SlicerSetting, ...] = ()
    legacy_settings: tuple[tuple[str, str], ...] = ()
    profile_suffix = ""
    vendor_keys: tuple[str, ...] = ()

    def detect(self, configured: Mapping[str, str]) -> SlicerInfo:
        """The slicer on this machine (``configured`` holds the user's settings), or SlicerFailed."""
        raise NotImplementedError

    def has_tree_supports(self, info: SlicerInfo) -> bool:
        """Whether this version builds tree supports."""
        raise NotImplementedError

    def slice(self, info: SlicerInfo, model: Path, output: Path, printer: PrinterProfile, settings: SliceSettings,
              work: Path, *, progress: Progress | None = None, cancel: threading.Event | None = None,
              timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, float]:
        """Slice ``model`` (centred on the origin, on z = 0) into ``output``; returns figures the G-code lacks."""
        raise NotImplementedError

    def export_profile(self, info: SlicerInfo, printer: PrinterProfile, settings: SliceSettings, path: Path,
                       name: str) -> None:
        """Write the plan as this slicer's own profile file."""
        raise NotImplementedError

    def describe(self, translate: Translate) -> dict[str, Any]:
        """Plain data for the API's listing."""
        return {"id": self.name, "label": self.label, "profile_suffix": self.profile_suffix,
                "settings": [{"key": s.key, "label": translate(s.label), "help": translate(s.help)}
                             for s in self.settings]}


def find_executable(names: tuple[str, ...], configured: str | None = None) -> str | None:
    """The configured path if it runs, else the first of ``names`` on PATH."""
    if configured and Path(configured).is_file() and os.access(configured, os.X_OK):
        return configured
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@functools.cache
def _said(command: tuple[str, ...], _installed_ns: int) -> str:
    """What the command prints, asked once per installed program (a newer one has another time stamp)."""
    run = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def version_of(command: list[str], pattern: str) -> tuple[int, ...]:
    """The version a slicer prints about itself (0 when it does not say); PrusaSlicer takes a second to say it,
    so a process asks once for each installed program."""
    try:
        said = _said(tuple(command), os.stat(command[0]).st_mtime_ns)
    except (OSError, subprocess.TimeoutExpired):
        return (0,)
    match = re.search(pattern, said)
    return tuple(int(v) for v in match.group(1).split(".")) if match else (0,)


def not_installed(slicer: str, package: str) -> SlicerFailed:
    """The error for a slicer that is not on this machine, with how to install it."""
    return SlicerFailed("slicer_not_installed",
                        _("{slicer} is not installed. Install it (on Debian or Raspberry Pi OS: "
                          "sudo apt install {package}) or choose the other slicer.").format(slicer=slicer,
                                                                                       package=package),
                        slicer=slicer)


def _out_of_memory(slicer: str) -> SlicerFailed:
    """The error for a slicer that ran out of memory, with the limit it ran under when there is one."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    if limit > 0:
        message = _("{slicer} ran out of memory slicing this model (jobs here may use {limit} MB). Try a simpler "
                    "model or thicker layers, or raise the limit (img2print's settings in OctoPrint, ulimit -v on the "
                    "command line).").format(slicer=slicer, limit=limit // 2**20)
    else:
        message = _("{slicer} ran out of memory slicing this model. Try a simpler model or thicker layers, or slice "
                    "it on a computer with more memory.").format(slicer=slicer)
    return SlicerFailed("slicer_out_of_memory", message, slicer=slicer)


def percent(text: str) -> float:
    """A fraction from a percentage."""
    return float(text) / 100.0


def _ended(process: subprocess.Popen, seconds: float) -> bool:
    """Whether the process ended within ``seconds`` (returns the moment it does)."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def run(command: list[str], *, slicer: str, env: dict[str, str] | None = None, timeout_s: float = DEFAULT_TIMEOUT_S,
        cancel: threading.Event | None = None, progress: Progress | None = None,
        progress_pattern: re.Pattern[str] | None = None,
        fraction_of: Callable[[str], float] = percent) -> tuple[str, str]:
    """Run a slicer; kill it on cancel or timeout; turn a failure into SlicerFailed with its own message. Lines that
    match ``progress_pattern`` report progress: ``fraction_of`` its first group (a percentage unless told)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})}, errors="replace", preexec_fn=end_with_parent)
    lines: dict[str, list[str]] = {"out": [], "err": []}
    reached = [0.0]

    def collect(stream, key: str) -> None:
        for line in stream:
            lines[key].append(line)
            match = progress_pattern.search(line) if progress and progress_pattern else None
            if match and progress:
                fraction = min(1.0, fraction_of(match.group(1)))
                if fraction > reached[0]:
                    reached[0] = fraction
                    progress(fraction)

    readers = [threading.Thread(target=collect, args=(process.stdout, "out"), daemon=True),
               threading.Thread(target=collect, args=(process.stderr, "err"), daemon=True)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + timeout_s
    try:
        while not _ended(process, POLL_S):
            raise_if_interrupted()
            if cancel is not None and cancel.is_set():
                raise Cancelled("cancelled", _("Slicing was cancelled."))
            if time.monotonic() > deadline:
                raise SlicerFailed("slicer_timeout", _("{slicer} did not finish within {minutes:.0f} minutes.")
                                   .format(slicer=slicer, minutes=timeout_s / 60), slicer=slicer)
    finally:  # a cancel, a timeout or Ctrl-C: the slicer stops with us
        if process.poll() is None:
            process.kill()
            process.wait()
    for reader in readers:
        reader.join(timeout=10)
    out, err = "".join(lines["out"]), "".join(lines["err"])
    if process.returncode != 0 and OUT_OF_MEMORY.search(err + out):
        raise _out_of_memory(slicer)
    if process.returncode != 0:
        said = [line.strip() for line in (err + out).splitlines()
                if line.strip() and "[trace]" not in line and "[debug]" not in line][-5:]
        raise SlicerFailed("slicer_failed", _("{slicer} failed (exit code {code}): {message}")
                           .format(slicer=slicer, code=process.returncode, message=" | ".join(said) or "-"),
                           slicer=slicer, exit_code=process.returncode)
    return out, err
