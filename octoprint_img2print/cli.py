"""The ``img2print`` command: convert, trace, slice, profiles and check.

Exit codes: 0 done, 2 usage error (including impossible option values), 3 bad input or unprintable model,
4 does not fit the printer, 5 the slicer failed or its G-code would not print, 130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import pipeline
from .errors import Img2PrintError
from .geometry import checks
from .geometry.solid import SHAPES
from .i18n import N_, _
from .imaging.load import DEFAULT_MAX_MEGAPIXELS
from .modes import MODES
from .modes.lithophane import TONES
from .modes.logo import PLATES
from .modes.vector import VectorOptions
from .printers.profile import get_printer, printer_ids
from .slicing import curaengine, prusaslicer
from .slicing.intents import ADHESION as ADHESION_CHOICES
from .slicing.intents import ORIENTATIONS, get_intent, intent_ids
from .slicing.intents import PATTERNS as INFILL_PATTERNS
from .slicing.intents import SUPPORTS as SUPPORT_CHOICES
from .slicing.plan import plan

EXIT_DONE, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_DOES_NOT_FIT, EXIT_SLICER_FAILED, EXIT_CANCELLED = 0, 2, 3, 4, 5, 130
PROGRESS_DELAY_S = 1.0
USAGE_ERRORS = ("bad_parameter", "unknown_mode", "unknown_model_format", "unknown_vector_format", "unknown_printer",
                "unknown_intent", "unknown_slicer")
EXIT_BY_KIND = {"does_not_fit": EXIT_DOES_NOT_FIT, "slicer_failed": EXIT_SLICER_FAILED, "cancelled": EXIT_CANCELLED}
SLICE_OVERRIDES = {
    "layer_height": (float, N_("layer height in mm (default: follows the nozzle and the intent)")),
    "infill": (float, N_("infill density in percent")),
    "infill_pattern": (INFILL_PATTERNS, N_("infill pattern")),
    "walls": (int, N_("number of walls (perimeters)")),
    "supports": (SUPPORT_CHOICES, N_("supports: auto (where overhangs need them), none or always")),
    "adhesion": (ADHESION_CHOICES, N_("first-layer adhesion: none, skirt or brim")),
    "brim_width": (float, N_("brim width in mm")),
}
OVERRIDE_KEYS = {"infill": "infill_density", "walls": "walls"}

OPTION_HELP = {
    "width": N_("width in mm (the height follows the picture unless given)"),
    "height": N_("height in mm (the width follows the picture unless given)"),
    "nozzle": N_("nozzle diameter in mm; sets the default sampling pitch (default 0.4)"),
    "pitch": N_("sampling pitch in mm (default: a quarter of the nozzle)"),
    "max_error": N_("largest vertical error of the adaptive surface in mm (default 0.02)"),
    "full_grid": N_("mesh every grid point instead of an error-bounded surface (for comparison)"),
    "black_point": N_("lightness (0-1) that counts as black (default 0)"),
    "white_point": N_("lightness (0-1) that counts as white (default 1)"),
    "auto_levels": N_("stretch the picture's own darkest and lightest tones to black and white"),
    "contrast": N_("contrast factor around mid-grey (default 1)"),
    "gamma": N_("gamma; above 1 lightens mid-tones (default 1)"),
    "smoothing": N_("smoothing radius (Gaussian sigma) in mm; default a quarter of the nozzle, 0 for none"),
    "crop": N_("crop to the subject (drop transparent or white background margins)"),
    "white_background": N_("treat a solid white background as background, not as geometry"),
    "frame_width": N_("frame width in mm (default 0: no frame)"),
    "frame_thickness": N_("frame thickness in mm (default: the thickest part)"),
    "min_thickness": N_("thinnest part of a lithophane in mm (default 0.8)"),
    "max_thickness": N_("thickest part of a lithophane in mm (default 3.0)"),
    "negative": N_("light pixels thick, dark pixels thin"),
    "shape": N_("sheet shape: flat, arc or cylinder (a closed lamp shade)"),
    "curve_angle": N_("angle of an arc in degrees (default 120)"),
    "tone": N_("tone mapping: linear or transmission (Beer-Lambert)"),
    "transmittance": N_("light let through per mm of plastic, for --tone transmission (default 0.5)"),
    "stand": N_("add a foot and stand the lithophane upright"),
    "stand_depth": N_("depth of the foot in mm (default 16)"),
    "stand_height": N_("height of the foot in mm (default 5)"),
    "base": N_("base thickness in mm"),
    "relief_height": N_("height of the relief above the base in mm"),
    "invert": N_("white highest instead of black"),
    "exaggeration": N_("vertical exaggeration of a terrain (default 1)"),
    "ground_pixel": N_("ground size of one source pixel in metres (gives a true-scale terrain)"),
    "elevation_unit": N_("metres per elevation value in the image (default 1)"),
    "water_level": N_("elevation in metres below which the terrain is flat water"),
    "threshold": N_("lightness (0-1) below which a pixel is artwork (default: automatic, Otsu)"),
    "despeckle": N_("drop specks smaller than this many mm² (default 0.5)"),
    "fill_holes": N_("fill holes smaller than this many mm² (default 0)"),
    "tolerance": N_("outline accuracy in mm: curves and simplification (default 0.03)"),
    "fix_thin": N_("thicken strokes and islands the nozzle cannot print, and say what changed"),
    "plate": N_("plate under a logo: rectangle, rounded, outline or none"),
    "margin": N_("plate or block margin around the artwork in mm (default 3)"),
    "corner_radius": N_("corner radius of a rounded plate in mm (default 3)"),
    "engraved": N_("cut the artwork into the plate instead of raising it"),
    "engrave_depth": N_("depth of an engraving in mm (default 1)"),
    "hole": N_("diameter in mm of a hanging hole above the artwork"),
    "wall": N_("cookie cutter wall in mm (default 1; never below two nozzle lines)"),
    "cutter_height": N_("cookie cutter height in mm (default 15)"),
    "flange_width": N_("width of the cookie cutter's flange in mm (default 4)"),
    "flange_thickness": N_("thickness of the cookie cutter's flange in mm (default 2)"),
    "imprint": N_("add ridges that imprint the artwork's inner lines into the dough"),
    "imprint_inset": N_("how much lower than the cutting edge the imprint ridges stop, in mm (default 4)"),
    "handle": N_("add a stamp handle that plugs into the block"),
    "handle_diameter": N_("stamp handle diameter in mm (default 20)"),
    "handle_height": N_("stamp handle height in mm (default 25)"),
}
CHOICES = {"shape": SHAPES, "tone": TONES, "plate": PLATES}
STAGE_NAMES = {
    pipeline.STAGE_LOADING: N_("Loading the picture"),
    pipeline.STAGE_BUILDING: N_("Building the solid"),
    pipeline.STAGE_CHECKING: N_("Checking the solid"),
    pipeline.STAGE_WRITING: N_("Writing the file"),
    pipeline.STAGE_SLICING: N_("Slicing"),
    pipeline.STAGE_INSPECTING: N_("Checking the G-code"),
}


class TerminalProgress:
    """Shows the current stage and elapsed time on stderr once work has taken longer than a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
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
        self.stage = stage

    def _run(self) -> None:
        while not self.done.wait(0.2):
            elapsed = time.monotonic() - self.started
            if elapsed >= PROGRESS_DELAY_S and self.stage:
                sys.stderr.write(f"\r{_(STAGE_NAMES[self.stage])}… {elapsed:.1f} s   ")
                sys.stderr.flush()
                self.shown = True


def _option_fields(option_types: list[type]) -> dict[str, Any]:
    """Every option of the given options dataclasses, once, by name."""
    found: dict[str, Any] = {}
    for option_type in option_types:
        for field in fields(option_type):
            found.setdefault(field.name, field)
    return found


def _mode_fields() -> dict[str, Any]:
    return _option_fields([mode.options for mode in MODES.values()])


def _add_options(parser: argparse.ArgumentParser, named: dict[str, Any]) -> None:
    for name, field in named.items():
        flag = "--" + name.replace("_", "-")
        help_text = _(OPTION_HELP[name])
        if field.type == "bool":
            parser.add_argument(flag, dest=name, action="store_true", default=None, help=help_text)
        elif name in CHOICES:
            parser.add_argument(flag, dest=name, choices=CHOICES[name], default=None, help=help_text)
        else:
            parser.add_argument(flag, dest=name, type=float, default=None, metavar="N", help=help_text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    parser = argparse.ArgumentParser(prog="img2print", description=_("Turn pictures into printable solids."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    convert = commands.add_parser("convert", help=_("convert a picture into an STL or 3MF solid"),
                                  description=_("Convert a picture into a closed solid (STL or 3MF)."))
    convert.add_argument("input", type=Path, metavar="INPUT", help=_("picture file"))
    convert.add_argument("-o", "--output", type=Path, required=True, metavar="OUTPUT",
                         help=_("model file to write; .stl or .3mf"))
    convert.add_argument("--mode", choices=list(MODES), default="lithophane", help=_("what to make"))
    convert.add_argument("--ascii", action="store_true", help=_("write ASCII STL instead of binary"))
    convert.add_argument("--max-megapixels", type=float, default=DEFAULT_MAX_MEGAPIXELS, metavar="N",
                         help=_("refuse pictures with more megapixels than this"))
    convert.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    _add_options(convert, _mode_fields())
    trace = commands.add_parser("trace", help=_("trace a logo into a clean SVG outline in millimetres"),
                                description=_("Trace a raster logo (or clean an SVG) into filled outlines, "
                                              "as an SVG in millimetres."))
    trace.add_argument("input", type=Path, metavar="INPUT", help=_("picture or SVG file"))
    trace.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.svg", help=_("SVG file to write"))
    trace.add_argument("--max-megapixels", type=float, default=DEFAULT_MAX_MEGAPIXELS, metavar="N",
                       help=_("refuse pictures with more megapixels than this"))
    trace.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    _add_options(trace, _option_fields([VectorOptions]))
    slicing = commands.add_parser("slice", help=_("slice a picture or a model into G-code for a printer"),
                                  description=_("Turn a picture (converted like 'convert') or an STL/3MF model into "
                                                "checked G-code for a printer."))
    slicing.add_argument("input", type=Path, metavar="INPUT", help=_("picture, SVG, STL or 3MF file"))
    slicing.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.gcode", help=_("G-code to write"))
    slicing.add_argument("--printer", required=True, metavar="ID", help=_("printer profile id (see 'profiles list')"))
    slicing.add_argument("--slicer", choices=[prusaslicer.NAME, curaengine.NAME], default=prusaslicer.NAME,
                         help=_("which slicer to run (default prusaslicer)"))
    slicing.add_argument("--intent", metavar="ID", help=_("what the object is for (default: by mode; 'display' for "
                                                           "models)"))
    slicing.add_argument("--mode", choices=list(MODES), default=None, help=_("what to make of a picture"))
    slicing.add_argument("--orientation", choices=ORIENTATIONS, help=_("auto (least overhang), flat or upright"))
    slicing.add_argument("--scale-to-fit", action="store_true", help=_("scale the model down if it does not fit"))
    slicing.add_argument("--timeout", type=float, default=3600.0, metavar="S", help=_("give up after this many "
                                                                                      "seconds"))
    slicing.add_argument("--max-megapixels", type=float, default=DEFAULT_MAX_MEGAPIXELS, metavar="N",
                         help=_("refuse pictures with more megapixels than this"))
    slicing.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    for name, (kind, help_text) in SLICE_OVERRIDES.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(kind, tuple):
            slicing.add_argument(flag, dest=f"slice_{name}", choices=kind, help=_(help_text))
        else:
            slicing.add_argument(flag, dest=f"slice_{name}", type=kind, metavar="N", help=_(help_text))
    _add_options(slicing, _mode_fields())
    profiles = commands.add_parser("profiles", help=_("list, show and export printer profiles"),
                                   description=_("Printer profiles and intents, and slicer profiles made from them."))
    actions = profiles.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help=_("list printers and intents"))
    listing.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    showing = actions.add_parser("show", help=_("show one printer"))
    showing.add_argument("printer", metavar="PRINTER")
    showing.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    export = actions.add_parser("export", help=_("write a PrusaSlicer config or a Cura definition"))
    export.add_argument("printer", metavar="PRINTER")
    export.add_argument("--intent", default="display", metavar="ID", help=_("intent (default display)"))
    export.add_argument("--slicer", choices=[prusaslicer.NAME, curaengine.NAME], required=True,
                        help=_("prusaslicer (.ini) or cura (.def.json)"))
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help=_("file to write"))
    export.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    check = commands.add_parser("check", help=_("check whether an STL or 3MF model is a printable solid"),
                                description=_("Check any STL or 3MF model: closed, manifold, wound outwards."))
    check.add_argument("model", type=Path, metavar="MODEL", help=_("STL or 3MF file"))
    check.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))
    return parser


def _print_findings(findings: list[dict[str, Any]]) -> None:
    for finding in findings:
        print(f"  {finding['level']}: {finding['message']} [{finding['code']}]")


def _print_summary(summary: checks.MeshSummary) -> None:
    size = " x ".join(f"{v:.2f}" for v in summary.size_mm)
    print(_("Size: {size} mm").format(size=size))
    print(_("Triangles: {count}").format(count=summary.triangles))
    print(_("Volume: {volume:.1f} mm³").format(volume=summary.volume_mm3))
    print(_("Parts: {count}").format(count=summary.shells))
    _print_findings(summary.report.as_list())


def _convert(args: argparse.Namespace) -> int:
    names = _mode_fields()
    values = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    started = time.monotonic()
    with TerminalProgress(enabled=not args.json) as progress:
        result = pipeline.convert(args.input, args.output, ascii=args.ascii, progress=progress, mode=args.mode,
                                  name=args.input.name, options=values, max_megapixels=args.max_megapixels)
    if args.json:
        print(json.dumps({"ok": True, **result.as_dict(), "seconds": round(time.monotonic() - started, 3)}))
    else:
        print(_("Wrote {file} ({size:.1f} MB).").format(file=result.output, size=result.file_bytes / 1e6))
        _print_summary(result.summary)
        _print_findings(result.report.as_list())
    return EXIT_DONE


def _trace(args: argparse.Namespace) -> int:
    names = _option_fields([VectorOptions])
    values = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
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
    names = _mode_fields()
    options = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    overrides = {OVERRIDE_KEYS.get(name, name): getattr(args, f"slice_{name}") for name in SLICE_OVERRIDES
                 if getattr(args, f"slice_{name}") is not None}
    with TerminalProgress(enabled=not args.json) as progress:
        result = pipeline.slice_job(args.input, args.output, printer=printer, slicer=args.slicer,
                                    intent=args.intent, name=args.input.name, mode=args.mode, options=options,
                                    overrides=overrides, orientation=args.orientation,
                                    scale_to_fit=args.scale_to_fit, max_megapixels=args.max_megapixels,
                                    timeout_s=args.timeout, progress=progress)
    if args.json:
        print(json.dumps({"ok": True, **result.as_dict()}))
    else:
        minutes = (result.facts.estimated_time_s or 0) / 60
        print(_("Wrote {file}: {layers} layers, about {hours:.0f} h {minutes:.0f} min, {metres:.2f} m of filament "
                "({slicer} {version}).").format(file=result.output, layers=result.facts.layers, hours=minutes // 60,
                                                minutes=minutes % 60, metres=(result.facts.filament_mm or 0) / 1000,
                                                slicer=result.slicer, version=result.slicer_version))
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
        data = {**printer.as_dict(), "start_gcode": printer.start_gcode, "end_gcode": printer.end_gcode}
        if args.json:
            print(json.dumps(data))
        else:
            for key, value in data.items():
                print(f"{key}: {value}")
        return EXIT_DONE
    intent = get_intent(args.intent)
    info = pipeline.detect_slicer(args.slicer)
    settings = plan(printer, intent, 0.0, pipeline.SLICERS[args.slicer].has_tree_supports(info))
    name = f"{printer.name} - {intent.name} (img2print)"
    if args.slicer == prusaslicer.NAME:
        values = prusaslicer.config(printer, settings, info)
        pipeline.write_atomically(args.output, lambda target: prusaslicer.write_ini(values, target))
    else:
        pipeline.write_atomically(args.output, lambda target: curaengine.write_definition(printer, settings, target,
                                                                                          name))
    if args.json:
        print(json.dumps({"ok": True, "output": str(args.output), "printer": printer.id, "intent": intent.id,
                          "slicer": args.slicer}))
    else:
        print(_("Wrote {file}.").format(file=args.output))
    return EXIT_DONE


def _check(args: argparse.Namespace) -> int:
    summary = pipeline.check(args.model)
    if args.json:
        print(json.dumps({"ok": summary.closed, "verdict": checks.verdict(summary), **summary.as_dict()}))
    else:
        print(checks.verdict(summary))
        _print_summary(summary)
    return EXIT_DONE if summary.closed else EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        commands = {"convert": _convert, "trace": _trace, "slice": _slice, "profiles": _profiles, "check": _check}
        return commands[args.command](args)
    except Img2PrintError as error:
        code = EXIT_USAGE if error.code in USAGE_ERRORS else EXIT_BY_KIND.get(error.kind, EXIT_BAD_INPUT)
        if args.json:
            print(json.dumps({"ok": False, "error": error.as_dict()}))
        else:
            print(_("img2print: error: {message}").format(message=error.message), file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print(_("img2print: cancelled."), file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
