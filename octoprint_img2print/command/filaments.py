"""``img2print filaments list|show``, and ``--filaments``: one's own filament library files for one run."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..exit_codes import EXIT_DONE
from ..filaments.calibration import CALIBRATED_FILE, calibrate_photo, calibrated, said, save
from ..filaments.library import (
    LIBRARY_SUFFIXES,
    SOURCES_VARIABLE,
    Library,
    library_paths,
    own_sources,
    read_library,
    split_filaments,
)
from ..i18n import _
from ..modes import get_mode
from ..modes.td_card import CardOptions
from ..options import bad_parameter, option_specs, require_range
from .arguments import print_record

PALETTE_COMMANDS = ("convert", "slice")  # where --filaments also names a painting's filaments
CARD = CardOptions()  # the card as printed by default
PALETTE = "palette"  # the option of a mode that paints with several filaments


def add_library_argument(parser: argparse.ArgumentParser, palette: bool = False) -> None:
    """``--filaments``: filament library files (.yaml) that join the shipped filaments and one's own for this run;
    with ``palette``, also the ids of a painting's filaments."""
    parser.add_argument("--filaments", metavar="LIST", default="",
                        help=_("filaments for --mode painting (ids) and your own filament library files (.yaml), "
                               "comma-separated") if palette else
                        _("your own filament library files (.yaml), comma-separated, added for this run"))


def with_palette(args: argparse.Namespace, values: dict[str, Any]) -> dict[str, Any]:
    """A mode's options with the filaments ``--filaments`` names as the painting's palette."""
    _files, ids = split_filaments(args.filaments or "")
    if ids:
        takes = args.mode is not None and PALETTE in {spec.name for spec in option_specs(get_mode(args.mode).options)}
        if not takes or values.get(PALETTE):
            raise bad_parameter("filaments", _("names the filaments of a mode that paints with several (--mode "
                                               "painting); give it once, and only library files (.yaml) otherwise."))
        values[PALETTE] = ",".join(ids)
    return values


@contextmanager
def library_files(args: argparse.Namespace) -> Iterator[None]:
    """Inside, the ``--filaments`` files join the library (for this run and the processes it starts); each is read
    first, so that a bad file is refused before any work."""
    files, ids = split_filaments(getattr(args, "filaments", "") or "")
    if ids and args.command not in PALETTE_COMMANDS:
        raise bad_parameter("filaments", _("takes filament library files (.yaml) here; name a filament with "
                                           "--filament."))
    for path in files:
        read_library(*library_paths(path))
    before = os.environ.get(SOURCES_VARIABLE)
    if files:
        os.environ[SOURCES_VARIABLE] = os.pathsep.join([*([before] if before else []),
                                                        *(str(path.resolve()) for path in files)])
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOURCES_VARIABLE, None)
        else:
            os.environ[SOURCES_VARIABLE] = before


def add_filaments_parser(commands: Any) -> None:
    """The ``filaments`` command and its actions."""
    filaments = commands.add_parser("filaments", help=_("list and show the filaments img2print knows"),
                                    description=_("The filament library: shipped filaments, your own (the folders "
                                                  "and files in IMG2PRINT_FILAMENTS) and files given with "
                                                  "--filaments."))
    actions = filaments.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help=_("list the filaments"))
    showing = actions.add_parser("show", help=_("show one filament"))
    showing.add_argument("filament", metavar="FILAMENT")
    calibrating = actions.add_parser("calibrate", help=_("fit a filament from a photo of its printed TD card"),
                                     description=_("Read a photo of a printed TD card (--mode td-card) lying on white "
                                                   "paper, lit from the front, and keep the filament's hiding "
                                                   "distance and colour in your own library."))
    calibrating.add_argument("photo", type=Path, metavar="PHOTO", help=_("photo of the card on white paper"))
    calibrating.add_argument("--backlit", type=Path, metavar="PHOTO2", default=None,
                             help=_("photo of the card held against a bright light in a dark room, to measure its "
                                    "TD as well"))
    calibrating.add_argument("--filament", required=True, metavar="ID", help=_("the filament the card was printed in"))
    calibrating.add_argument("--steps", type=int, default=CARD.steps, metavar="N",
                             help=_("the card's steps (default {steps})").format(steps=CARD.steps))
    calibrating.add_argument("--paint-layer", type=float, default=CARD.layers.layer, metavar="MM",
                             help=_("the card's layer height (default {height:g} mm)").format(height=CARD.layers.layer))
    calibrating.add_argument("--save", type=Path, metavar="FILE", default=None,
                             help=_("your own library file to keep it in (default: calibrated.yaml in the first "
                                    "folder of IMG2PRINT_FILAMENTS)"))
    for parser in (listing, showing, calibrating):
        add_library_argument(parser)
        parser.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))


def _calibrate(args: argparse.Namespace) -> int:
    """Fit the filament from the card's photo, keep it, and say how well it fitted."""
    require_range("steps", args.steps, 2, 30)
    require_range("paint_layer", args.paint_layer, 0.02, 0.4)
    filament = Library().get(args.filament)
    target = args.save or default_save_path()
    found = calibrate_photo(args.photo, args.photo.name, args.steps, args.paint_layer,
                            (args.backlit, args.backlit.name) if args.backlit is not None else None)
    kept = calibrated(filament, found)
    save(kept, target)
    if args.json:
        print(json.dumps({"ok": True, "filament": kept.as_dict(_), "fit_delta_e": round(found.error, 2),
                          "hiding_distance_mm": round(found.hiding_distance, 3),
                          "td_mm": round(found.td, 3) if found.td is not None else None, "saved": str(target)}))
    else:
        print(said(kept, found))
        print(_("Kept in {file}.").format(file=target))
    return EXIT_DONE


def default_save_path() -> Path:
    """Where a calibrated filament is kept without --save: calibrated.yaml in one's first own filament folder."""
    folders = [place for place in own_sources() if place.suffix not in LIBRARY_SUFFIXES]
    if not folders:
        raise bad_parameter("save", _("name the library file to keep it in (--save my-filaments.yaml), or set "
                                      "IMG2PRINT_FILAMENTS to a folder of your own filaments."))
    return folders[0] / CALIBRATED_FILE


def run_filaments(args: argparse.Namespace) -> int:
    """List the library, show one filament, or calibrate one."""
    if args.action == "calibrate":
        return _calibrate(args)
    library = Library()
    if args.action == "list":
        found = [library.get(i) for i in library.ids()]
        if args.json:
            print(json.dumps({"filaments": [f.as_dict(_) for f in found]}))
            return EXIT_DONE
        for filament in found:
            print(_("{id:24} {name:28} {colour}  TD {td:g} mm, {nozzle} / {bed} °C")
                  .format(id=filament.id, name=filament.name(_), colour=filament.colour, td=filament.td,
                          nozzle=filament.nozzle_temperature, bed=filament.bed_temperature))
        return EXIT_DONE
    print_record(library.get(args.filament).as_dict(_), args.json)
    return EXIT_DONE
