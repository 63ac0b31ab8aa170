"""The ``img2print`` command: convert, trace, slice, profiles, check, repair, generate and farm.

Exit codes: 0 done, 2 usage error (including impossible option values), 3 bad input or unprintable model,
4 does not fit the printer, 5 the slicer failed or its G-code would not print, 6 an online service (Tripo, a farm's
OctoPrint host) failed, 7 a farm job's copy found no idle printer that fits it, 130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import i18n, pipeline, processes
from ..building.artwork import ArtworkOptions
from ..errors import BadInput, Img2PrintError
from ..exit_codes import EXIT_BAD_INPUT, EXIT_DONE, exit_code
from ..generating import tripo
from ..geometry import checks
from ..geometry.checks import MIN_PART_MM
from ..geometry.files import write_atomically
from ..i18n import N_, _
from ..modes import DRAWING, NOTHING, PHOTO, get_mode, mode_for
from ..modes import registry as modes
from ..options import require_range
from ..printers.profile import get_printer, printer_ids
from ..slicing.intents import get_intent, intent_ids
from ..slicing.plan import SliceSettings, plan
from ..slicing.slicers import get_backend
from ..slicing.slicers import registry as slicers
from . import arguments, shared
from .batch import add_batch_parser, run_batch
from .farm import add_farm_parser, run_farm
from .filaments import add_filaments_parser, add_library_argument, library_files, run_filaments

MAX_MIN_PART_MM = 1000.0
MAX_TIMEOUT_S = 86400.0
MAX_MEGAPIXELS = 1000.0
# not batch, farm
ONE_PROCESS_COMMANDS = ("convert", "trace", "slice", "profiles", "check", "repair", "generate", "filaments")
OUT_OF_MEMORY = N_("{file}: the work needed more memory than this computer (or its limit) allows; make it smaller or "
                   "coarser (--width, --pitch, no --full-grid).")
def _artwork_options() -> dict[str, list[arguments.Owned]]:
    return arguments.collect([("trace", ArtworkOptions)])


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    parser = argparse.ArgumentParser(prog="img2print", description=_("Turn pictures into printable solids."),
                                     epilog=shared.modes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    mode_ids = list(modes())
    convert = commands.add_parser("convert", help=_("convert a picture into an STL or 3MF solid"),
                                  description=_("Convert a picture into a closed solid (STL or 3MF)."),
                                  epilog=shared.modes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("input", type=Path, metavar="INPUT", nargs="?",
                         help=_("picture file (none for a logo, cookie cutter or stamp made of --text alone)"))
    convert.add_argument("-o", "--output", type=Path, required=True, metavar="OUTPUT",
                         help=_("model file to write; .stl or .3mf"))
    convert.add_argument("--mode", choices=mode_ids, default=None,
                         help=_("what to make (default {mode}; {text_mode} for --text alone)")
                         .format(mode=mode_for(PHOTO).id, text_mode=mode_for(DRAWING).id))
    convert.add_argument("--ascii", action="store_true", help=_("write ASCII STL instead of binary"))
    convert.add_argument("--filament", metavar="ID", default=None,
                         help=_("the filament it is for, whose TD sets the thickness with --thickness auto (default "
                                "white PLA)"))
    shared.add_common(convert)
    add_library_argument(convert, palette=True)
    arguments.add_arguments(convert, shared.mode_options())
    trace = commands.add_parser("trace", help=_("trace a logo into a clean SVG outline in millimetres"),
                                description=_("Trace a raster logo (or clean an SVG) into filled outlines, "
                                              "as an SVG in millimetres."))
    trace.add_argument("input", type=Path, metavar="INPUT", help=_("picture or SVG file"))
    trace.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.svg", help=_("SVG file to write"))
    shared.add_common(trace)
    arguments.add_arguments(trace, _artwork_options())
    slicing = commands.add_parser("slice", help=_("slice a picture or a model into G-code for a printer"),
                                  description=_("Turn a picture (converted like 'convert') or an STL/3MF model into "
                                                "checked G-code for a printer."),
                                  epilog=shared.modes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    slicing.add_argument("input", type=Path, metavar="INPUT", nargs="?",
                         help=_("picture, SVG or model file (STL, 3MF, OBJ, GLB, glTF); none for --text alone"))
    slicing.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.gcode", help=_("G-code to write"))
    slicing.add_argument("--printer", required=True, metavar="ID", help=_("printer profile id (see 'profiles list'), "
                                                                          "or a printer profile file (.yaml)"))
    slicing.add_argument("--intent", metavar="ID", help=_("what the object is for (default: by mode; 'display' for "
                                                           "models)"))
    slicing.add_argument("--mode", choices=mode_ids, default=None, help=_("what to make of a picture"))
    slicing.add_argument("--no-repair", dest="repair", action="store_false",
                         help=_("refuse a broken model instead of repairing it before slicing"))
    shared.add_recipe_arguments(slicing, palette=True)
    profiles = commands.add_parser("profiles", help=_("list, show and export printer profiles"),
                                   description=_("Printer profiles and intents, and slicer profiles made from them."))
    actions = profiles.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help=_("list printers and intents"))
    shared.add_common(listing, megapixels=False)
    showing = actions.add_parser("show", help=_("show one printer"))
    showing.add_argument("printer", metavar="PRINTER")
    shared.add_common(showing, megapixels=False)
    export = actions.add_parser("export", help=_("write a slicer's own profile for a printer and an intent"))
    export.add_argument("printer", metavar="PRINTER")
    export.add_argument("--intent", default="display", metavar="ID", help=_("intent (default display)"))
    export.add_argument("--slicer", choices=list(slicers()), required=True,
                        help=", ".join(f"{b.name} ({b.profile_suffix})" for b in slicers().values()))
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help=_("file to write"))
    shared.add_common(export, megapixels=False)
    check = commands.add_parser("check", help=_("check whether a model is a printable solid"),
                                description=_("Check a model (STL, 3MF, OBJ, glTF): closed, manifold, wound outwards, "
                                              "no self-intersections or overlapping parts."))
    check.add_argument("model", type=Path, metavar="MODEL", help=_("STL, 3MF, OBJ, GLB or glTF file"))
    shared.add_common(check, megapixels=False)
    mending = commands.add_parser("repair", help=_("make a broken model printable"),
                                  description=_("Repair a model (STL, 3MF, OBJ, glTF): merge duplicate corners, drop "
                                                "bad triangles, fix winding and inside-out parts, close holes, remove "
                                                "self-intersections and specks, unite overlapping parts. The file is "
                                                "written only if the result passes 'check'."))
    mending.add_argument("model", type=Path, metavar="MODEL", help=_("STL, 3MF, OBJ, GLB or glTF file"))
    mending.add_argument("-o", "--output", type=Path, required=True, metavar="OUTPUT",
                         help=_("repaired model to write; .stl or .3mf"))
    mending.add_argument("--min-part", type=float, default=MIN_PART_MM, metavar="MM",
                         help=_("remove separate parts smaller than this in every direction (default {size:g} mm)")
                         .format(size=MIN_PART_MM))
    shared.add_common(mending, megapixels=False)
    making = commands.add_parser("generate", help=_("make a full 3D model of an object from one photo (Tripo AI, "
                                                    "online)"),
                                 description=_("Send one photo of an object to Tripo AI's image-to-model service (a "
                                               "third-party service; needs the internet and TRIPO_API_KEY), then "
                                               "repair its model, stand it on its base and size it."))
    making.add_argument("photo", type=Path, metavar="PHOTO", help=_("photo of one object"))
    making.add_argument("-o", "--output", type=Path, required=True, metavar="OUTPUT",
                        help=_("model file to write; .stl or .3mf"))
    making.add_argument("--height", type=float, required=True, metavar="MM", help=_("height of the model in mm"))
    making.add_argument("--yes", action="store_true", help=_("spend the credits without asking"))
    making.add_argument("--timeout", type=float, default=tripo.GENERATION_TIMEOUT_S, metavar="S",
                        help=_("give up waiting for Tripo after this many seconds"))
    making.add_argument("--tripo-url", metavar="URL", default=None,
                        help=_("Tripo's API address (default: TRIPO_BASE_URL or Tripo's own)"))
    shared.add_common(making)
    add_filaments_parser(commands)
    add_batch_parser(commands)
    add_farm_parser(commands)
    return parser


def _filament_said(settings: SliceSettings) -> str:
    """The filament a print uses, or only its material when it changes colour (several filaments of it)."""
    return settings.filament.material if settings.color_changes else settings.filament.name(_)


def _print_findings(findings: list[dict[str, Any]]) -> None:
    for finding in findings:
        print(f"  {finding['level']}: {finding['message']} [{finding['code']}]")


def _print_summary(summary: checks.MeshSummary) -> None:
    size = " x ".join(i18n.number(v, ".2f") for v in summary.size_mm)
    print(_("Size: {size} mm").format(size=size))
    print(_("Triangles: {count}").format(count=summary.triangles))
    print(_("Volume: {volume:.1f} mm³").format(volume=summary.volume_mm3))
    print(_("Parts: {count}").format(count=summary.shells))
    _print_findings(summary.report.as_list())


def _limits_given(args: argparse.Namespace) -> None:
    """The command's own numbers: finite and in range, before any work."""
    if getattr(args, "max_megapixels", None) is not None:
        require_range("max_megapixels", args.max_megapixels, 0.0, MAX_MEGAPIXELS, low_open=True)
    if getattr(args, "timeout", None) is not None:
        require_range("timeout", args.timeout, 0.0, MAX_TIMEOUT_S, low_open=True)


def _source(args: argparse.Namespace, values: dict[str, Any],
            default_mode: str | None) -> tuple[bytes | Path, str, str | None]:
    """The input, its name and the mode: the picture given, or nothing for --text alone (a logo by default) or a mode
    that reads nothing (a card)."""
    if args.input is not None:
        return args.input, args.input.name, args.mode or default_mode
    if args.mode is not None and get_mode(args.mode).reads == NOTHING:
        return b"", args.mode, args.mode
    if not str(values.get("text") or "").strip():
        raise BadInput("no_input", _("Give a picture, drawing or model file, or --text to make a logo of words."))
    return b"", _("the text"), args.mode or mode_for(DRAWING).id


def _convert(args: argparse.Namespace) -> int:
    recipe = shared.recipe_from(args)
    source, name, mode = _source(args, recipe.options, mode_for(PHOTO).id)
    started = time.monotonic()
    with shared.TerminalProgress(enabled=not args.json) as progress:
        result = pipeline.convert(source, args.output, replace(recipe, mode=mode), name=name, ascii=args.ascii,
                                  progress=progress)
    if args.json:
        print(json.dumps({"ok": True, **result.as_dict(), "seconds": round(time.monotonic() - started, 3)}))
    else:
        print(_("Wrote {file} ({size:.1f} MB).").format(file=result.output, size=result.file_bytes / 1e6))
        _print_summary(result.summary)
        _print_findings(result.report.as_list())
    return EXIT_DONE


def _trace(args: argparse.Namespace) -> int:
    values = arguments.given(args, _artwork_options())
    result = pipeline.trace(args.input, args.output, name=args.input.name, options=values,
                            max_megapixels=args.max_megapixels)
    if args.json:
        print(json.dumps({"ok": True, **result}))
    else:
        print(_("Wrote {file}: {width:.2f} x {height:.2f} mm, {parts} parts, {holes} holes.")
              .format(file=result["output"], width=result["size_mm"][0], height=result["size_mm"][1],
                      parts=result["parts"], holes=result["holes"]))
        _print_findings(result["findings"])
    return EXIT_DONE


def _slice(args: argparse.Namespace) -> int:
    printer = get_printer(args.printer)
    recipe = shared.recipe_from(args)
    source, name, mode = _source(args, recipe.options, None)
    with shared.TerminalProgress(enabled=not args.json) as progress:
        result = pipeline.slice_job(source, args.output, replace(recipe, mode=mode), printer=printer, name=name,
                                    progress=progress, repair=args.repair)
    if args.json:
        print(json.dumps({"ok": True, **result.as_dict()}))
    else:
        minutes = (result.facts.estimated_time_s or 0) / 60
        print(_("Wrote {file}: {layers} layers, about {hours:.0f} h {minutes:.0f} min, {metres:.2f} m of {filament} "
                "({grams:.0f} g, costing about {cost:.2f}; {slicer} {version}).")
              .format(file=result.output, layers=result.facts.layers, hours=minutes // 60, minutes=minutes % 60,
                      metres=(result.facts.filament_mm or 0) / 1000, filament=_filament_said(result.settings),
                      grams=result.filament_g, cost=result.filament_cost, slicer=result.slicer,
                      version=result.slicer_version))
        print(result.orientation.reason)
        _print_findings(result.report.as_list())
    return EXIT_DONE


def _profiles(args: argparse.Namespace) -> int:
    if args.action == "list":
        printers = [get_printer(p).as_dict() for p in printer_ids()]
        intents = [get_intent(i).__dict__ for i in intent_ids()]
        if args.json:
            print(json.dumps({"printers": printers, "intents": intents}))
        else:
            for item in printers:
                print(f"{item['id']:26} {item['name']}")
            print()
            for item in intents:
                print(f"{item['id']:26} {item['name']}")
        return EXIT_DONE
    printer = get_printer(args.printer)
    if args.action == "show":
        arguments.print_record({**printer.as_dict(), "start_gcode": printer.start_gcode,
                                    "end_gcode": printer.end_gcode}, args.json)
        return EXIT_DONE
    intent = get_intent(args.intent)
    backend = get_backend(args.slicer)
    info = backend.detect({})
    settings = plan(printer, intent, 0.0, backend.has_tree_supports(info))
    name = f"{printer.name} - {intent.name} (img2print)"
    write_atomically(args.output, lambda target: backend.export_profile(info, printer, settings, target, name))
    if args.json:
        print(json.dumps({"ok": True, "output": str(args.output), "printer": printer.id, "intent": intent.id,
                          "slicer": args.slicer}))
    else:
        print(_("Wrote {file}.").format(file=args.output))
    return EXIT_DONE


def _check(args: argparse.Namespace) -> int:
    summary = pipeline.check(args.model)
    if args.json:
        print(json.dumps({"ok": summary.closed, "verdict": checks.verdict(summary),
                          "repairable": checks.repairable(summary), **summary.as_dict()}))
    else:
        print(checks.verdict(summary))
        _print_summary(summary)
        if checks.needs_repair(summary) and checks.repairable(summary):
            print(_("To repair it: img2print repair {file} -o {fixed}").format(
                file=args.model, fixed=args.model.with_name(f"{args.model.stem}-repaired.stl")))
    return EXIT_DONE if summary.closed else EXIT_BAD_INPUT


def _repair(args: argparse.Namespace) -> int:
    require_range("min_part", args.min_part, 0.0, MAX_MIN_PART_MM)
    with shared.TerminalProgress(enabled=not args.json) as progress:
        result = pipeline.repair(args.model, args.output, min_part_mm=args.min_part, progress=progress)
    if args.json:
        print(json.dumps({"ok": True, **result.as_dict()}))
        return EXIT_DONE
    if result.done.findings:
        print(_("Found:"))
        _print_findings([f for f in result.before.report.as_list() if f["level"] != "info"])
        print(_("Done:"))
        _print_findings(result.done.as_list())
    else:
        print(_("Nothing to repair."))
    print(_("Wrote {file} ({size:.1f} MB).").format(file=result.output, size=result.file_bytes / 1e6))
    print(checks.verdict(result.after, repaired=True))
    _print_summary(result.after)
    return EXIT_DONE


def _plain(text: str) -> str:
    """``text`` without accents, so that "si" answers like "sí"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _confirmed(args: argparse.Namespace) -> Callable[[tripo.Quote], bool]:
    """Asks on the terminal before credits are spent (or not, with --yes); refuses to guess without a terminal."""
    def ask(price: tripo.Quote) -> bool:
        if args.yes:
            return True
        if not sys.stdin.isatty():
            raise Img2PrintError("bad_parameter", _("Generating spends Tripo credits: add --yes to confirm."))
        print(_(tripo.THIRD_PARTY), file=sys.stderr)
        answer = input(_("It costs about {cost:g} credits; your Tripo account holds {balance:g}. Go on? [y/N] ")
                       .format(cost=price.cost, balance=price.balance))
        given = _plain(answer.strip().lower())
        return bool(given) and (_plain(_("yes")).startswith(given) or "yes".startswith(given))
    return ask


def _generate(args: argparse.Namespace) -> int:
    with shared.TerminalProgress(enabled=not args.json) as progress:
        result = pipeline.generate(args.photo, args.output, height_mm=args.height,
                                   access=tripo.TripoAccess.from_environment(args.tripo_url), confirm=_confirmed(args),
                                   max_megapixels=args.max_megapixels, timeout_s=args.timeout, progress=progress)
    if args.json:
        print(json.dumps({"ok": True, **result.as_dict()}))
        return EXIT_DONE
    size = " x ".join(i18n.number(v, ".1f") for v in result.summary.size_mm)
    print(_("Wrote {file}: {size} mm, {count} triangles, from Tripo task {task}.")
          .format(file=result.output, size=size, count=result.summary.triangles, task=result.made.task_id))
    _print_findings(result.repair.done.as_list())
    print(checks.verdict(result.summary))
    return EXIT_DONE


def _failed(args: argparse.Namespace, error: Img2PrintError) -> int:
    """Say the error (one line, or JSON) and give its exit code."""
    if args.json:
        print(json.dumps({"ok": False, "error": error.as_dict()}))
    else:
        print(_("img2print: error: {message}").format(message=error.message), file=sys.stderr)
    return exit_code(error.code, error.kind)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    before = signal.getsignal(signal.SIGINT)  # the command's start-up handler (a cancel at once), or the caller's
    try:  # from the first handler on, so a Ctrl-C the moment it is in place is a cancel too
        signal.signal(signal.SIGINT, processes.interrupt)  # Ctrl-C from here on: KeyboardInterrupt, cleaned up
        # (after native code that calls back into Python, and after starting a child)
        processes.hold_interrupts_while_forking()
        if args.command in ONE_PROCESS_COMMANDS:  # kill (SIGTERM) cleans up like Ctrl-C: no slicer, no temporary
            signal.signal(signal.SIGTERM, processes.interrupt)  # folder
        _limits_given(args)
        commands = {"convert": _convert, "trace": _trace, "slice": _slice, "profiles": _profiles, "check": _check,
                    "repair": _repair, "generate": _generate, "filaments": run_filaments, "farm": run_farm,
                    "batch": run_batch}
        with library_files(args):
            return commands[args.command](args)
    except Img2PrintError as error:
        return _failed(args, error)
    except MemoryError:  # a limit (ulimit, a container) or the machine's memory
        source = next((getattr(args, key) for key in ("input", "model", "photo") if getattr(args, key, None)), "")
        return _failed(args, BadInput("out_of_memory", _(OUT_OF_MEMORY).format(file=Path(source).name),
                                      file=Path(source).name))
    except KeyboardInterrupt:
        print(_("img2print: cancelled."), file=sys.stderr)
        return 130
    finally:  # a Ctrl-C after the work is done (the exit still to come) is the start-up handler's again, no traceback
        signal.signal(signal.SIGINT, before)

