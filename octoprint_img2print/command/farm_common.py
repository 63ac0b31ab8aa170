"""What the farm's commands share: the farm file and its hosts, what to make of a job and what it needs of a
printer, how long a host may take, and what they say as they go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _
from ..modes import registry as modes
from ..options import require_range
from . import shared

if TYPE_CHECKING:  # the farm's client (requests) is imported only when a farm command runs, not for --help
    from ..farm.farmfile import Farm, Host
    from ..farm.matching import Wants
    from ..recipe import Recipe

MAX_COPIES, MAX_STAGGER_S, MAX_PARALLEL, MAX_HOST_TIMEOUT_S = 1000, 86400.0, 64, 600.0
SEND_TIMEOUT_S, STATUS_TIMEOUT_S = 10.0, 5.0
PROGRESS = {
    "surveyed": N_("{ready} of {hosts} printers are connected and idle."),
    "slicing": N_("Slicing {job} for {profile}…"),
    "sliced": N_("Sliced {job} for {profile}: {file}"),
    "uploading": N_("Uploading {file} to {host}…"),
    "uploaded": N_("Uploaded {file} to {host}."),
    "retry": N_("{host}: attempt {attempt} failed: {problem}; trying again."),
    "started": N_("Started {file} on {host}."),
    "done": N_("{job} printed on {host}."),
    "ended": N_("{job} ended on {host} before it was done (cancelled or failed)."),
    "failed": N_("{job} fits none of the printers that are what it needs."),
    "unusable": N_("{job} cannot be made: {reason}"),
}


def add_hosts(parser: argparse.ArgumentParser, timeout_s: float) -> None:
    """The farm file and how long a host may take to answer."""
    parser.add_argument("farm", type=Path, metavar="FARM", help=_("farm file (YAML)"))
    parser.add_argument("--host-timeout", type=float, default=timeout_s, metavar="S",
                        help=_("seconds to wait for a host's answer (default {seconds:g})").format(seconds=timeout_s))


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """What to make of each job (mode, options, intent, slicer) and what it needs of a printer."""
    parser.add_argument("jobs", type=Path, nargs="+", metavar="JOB",
                        help=_("picture, SVG or model file, or G-code sliced for --printer"))
    parser.add_argument("--copies", type=int, default=1, metavar="N",
                        help=_("how many printers print each job (default 1)"))
    parser.add_argument("--printer", metavar="ID", help=_("only printers of this kind (a printer id or profile "
                                                          "file); for G-code, the printer it was sliced for"))
    parser.add_argument("--material", metavar="M", help=_("only printers with this material loaded (PLA, PETG ...)"))
    parser.add_argument("--colour", metavar="C", help=_("only printers with this colour loaded"))
    parser.add_argument("--printer-nozzle", type=float, metavar="MM", help=_("only printers with this nozzle"))
    parser.add_argument("--tag", action="append", default=[], metavar="T",
                        help=_("only hosts with this tag (repeat for several)"))
    parser.add_argument("--mode", choices=list(modes()), default=None, help=_("what to make of a picture"))
    parser.add_argument("--intent", metavar="ID", help=_("what the object is for (default: by mode; 'display' for "
                                                          "models)"))
    shared.add_recipe_arguments(parser)


def add_targets(parser: argparse.ArgumentParser) -> None:
    """Which hosts of the farm file: a group, host names."""
    parser.add_argument("--group", metavar="G", help=_("only the hosts of this group"))
    parser.add_argument("--host", metavar="NAMES", default="", help=_("only these hosts: names separated by commas"))


def recipe_and_wants(args: argparse.Namespace) -> tuple[Recipe, Wants]:
    """What to make of each job and what it needs of a printer, from the command line."""
    from ..farm.matching import Wants
    from ..printers.profile import get_printer
    require_range("copies", args.copies, 1, MAX_COPIES)
    if args.printer:
        get_printer(args.printer)  # an unknown printer is a usage error now, not a job that never finds one
    recipe = shared.recipe_from(args)
    hosts = tuple(name.strip() for name in getattr(args, "host", "").split(",") if name.strip())
    wants = Wants(printer=str(Path(args.printer).resolve()) if args.printer and args.printer.endswith(
        (".yaml", ".yml")) else args.printer, nozzle=args.printer_nozzle, filament=recipe.filament,
                  material=args.material,
                  colour=args.colour, tags=tuple(args.tag), hosts=hosts)
    return recipe, wants


def targets(farm: Farm, args: argparse.Namespace) -> tuple[Host, ...]:
    """The hosts of the farm file that ``--group`` and ``--host`` name (all without them)."""
    chosen = farm.select(getattr(args, "group", None))
    if getattr(args, "host", ""):
        named = farm.named(args.host, "host")
        chosen = tuple(h for h in chosen if h.name in named)
    return chosen


def progress_printer(args: argparse.Namespace):
    """What a farm command says as it goes, on standard error (nothing with --json)."""
    def show(event: str, **facts: Any) -> None:
        if not args.json and event in PROGRESS:
            print(_(PROGRESS[event]).format(**facts), file=sys.stderr)

    return show
