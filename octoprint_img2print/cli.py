"""The ``img2print`` command: convert pictures to solids and check model files.

Exit codes: 0 done, 2 usage error (including impossible option values), 3 bad input or unprintable model.
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

EXIT_DONE, EXIT_USAGE, EXIT_BAD_INPUT = 0, 2, 3
PROGRESS_DELAY_S = 1.0
USAGE_ERRORS = ("bad_parameter", "unknown_mode", "unknown_model_format", "unknown_vector_format")

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
        return {"convert": _convert, "trace": _trace, "check": _check}[args.command](args)
    except Img2PrintError as error:
        code = EXIT_USAGE if error.code in USAGE_ERRORS else EXIT_BAD_INPUT
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
