"""What the subcommands share: the options of the modes and of slicing, the help texts of modes and slicers, the
options every command has, and the progress line on the terminal."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .. import i18n, processes, stages
from ..i18n import _
from ..imaging.load import DEFAULT_MAX_MEGAPIXELS
from ..modes import registry as modes
from ..recipe import Recipe
from ..slicing.backend import DEFAULT_TIMEOUT_S
from ..slicing.plan import SliceOverrides
from ..slicing.slicers import default_backend
from ..slicing.slicers import registry as slicers
from . import arguments
from .filaments import add_library_argument, with_palette

OVERRIDE_PREFIX = "slice_"
PROGRESS_DELAY_S = 1.0


class TerminalProgress:
    """Shows the current stage (or what ``line`` says) and elapsed time on stderr once work has taken longer than
    a second."""

    def __init__(self, enabled: bool, line: Callable[[float], str] | None = None) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.line = line or self._stage_line
        self.stage = ""
        self.started = time.monotonic()
        self.done = threading.Event()
        self.shown = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TerminalProgress:
        if self.enabled:
            self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.done.set()
        if self.enabled:
            self.thread.join()
            if self.shown:
                sys.stderr.write("\n")

    def __call__(self, stage: str) -> None:
        processes.raise_if_interrupted()  # a Ctrl-C held while a child started stops the work before this stage
        self.stage = stage

    def _stage_line(self, elapsed: float) -> str:
        return f"{_(stages.LABELS[self.stage])}… {i18n.number(elapsed, '.1f')} s" if self.stage else ""

    def _run(self) -> None:
        while not self.done.wait(0.2):
            elapsed = time.monotonic() - self.started
            text = self.line(elapsed)
            if elapsed >= PROGRESS_DELAY_S and text:
                sys.stderr.write(f"\r{text}   ")
                sys.stderr.flush()
                self.shown = True


def mode_options() -> dict[str, list[arguments.Owned]]:
    """Every option of every mode, by name."""
    return arguments.collect((mode.id, mode.options) for mode in modes().values())


def override_options() -> dict[str, list[arguments.Owned]]:
    return arguments.collect([("slice", SliceOverrides)])


def modes_text() -> str:
    """The modes, one a line, for the help."""
    return _("modes:") + "\n" + "\n".join(f"  {mode.id:15} {_(mode.label)}: {_(mode.description)}"
                                          for mode in modes().values())


def slicer_help() -> str:
    """The --slicer option's help: the slicers there are and the default."""
    names = ", ".join(f"{backend.name} ({backend.label})" for backend in slicers().values())
    return _("which slicer to use: {slicers} (default {default})").format(slicers=names,
                                                                         default=default_backend().name)


def add_common(parser: argparse.ArgumentParser, *, megapixels: bool = True) -> None:
    """The options every command has: the picture size limit (where pictures are read) and --json."""
    if megapixels:
        parser.add_argument("--max-megapixels", type=float, default=DEFAULT_MAX_MEGAPIXELS, metavar="N",
                            help=_("refuse pictures with more megapixels than this"))
    parser.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))




def recipe_from(args: argparse.Namespace, **decided: Any) -> Recipe:
    """The recipe the command line asks for, from the options this command has: the mode and its options (a
    painting's palette from --filaments among them), intent, slicer, the slicing overrides (convert's --filament
    among them) and the limits; ``decided`` sets what was decided otherwise (the mode the input calls for)."""
    overrides = arguments.given(args, override_options(), OVERRIDE_PREFIX)
    if getattr(args, "filament", None):
        overrides["filament"] = args.filament
    recipe = Recipe(mode=args.mode, options=with_palette(args, arguments.given(args, mode_options())),
                    intent=getattr(args, "intent", None), slicer=getattr(args, "slicer", None), overrides=overrides,
                    max_megapixels=args.max_megapixels, timeout_s=getattr(args, "timeout", DEFAULT_TIMEOUT_S))
    return replace(recipe, **decided)


def add_recipe_arguments(parser: argparse.ArgumentParser, *, palette: bool = False) -> None:
    """What a recipe takes beyond the mode and the intent: the slicer and its time limit, the options every command
    has, the filament library (with ``palette``, a painting's filaments too), the slicing settings and every mode's
    options."""
    parser.add_argument("--slicer", choices=list(slicers()), default=None, help=slicer_help())
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help=_("give up slicing a job after this many seconds"))
    add_common(parser)
    add_library_argument(parser, palette)
    arguments.add_arguments(parser, override_options(), OVERRIDE_PREFIX)
    arguments.add_arguments(parser, mode_options())
