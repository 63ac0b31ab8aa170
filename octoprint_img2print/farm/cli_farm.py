"""``img2print farm status`` and ``img2print farm send``: a farm's printers, and jobs sent to those that fit and
are idle. Exit codes as the other commands; 6 when a host failed, 7 when a copy found no idle printer."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import N_, _, ngettext
from ..modes import registry as modes
from ..options import require_range
from ..slicing.slicers import registry as slicers

if TYPE_CHECKING:  # the farm's client (requests) is imported only when a farm command runs, not for --help
    from .dispatch import HostStatus, SendReport

EXIT_HOST_FAILED, EXIT_NO_PRINTER = 6, 7
MAX_COPIES, MAX_STAGGER_S, MAX_PARALLEL, MAX_HOST_TIMEOUT_S = 1000, 86400.0, 64, 600.0
PROGRESS = {
    "surveyed": N_("{ready} of {hosts} printers are connected and idle."),
    "slicing": N_("Slicing {job} for {profile}…"),
    "sliced": N_("Sliced {job} for {profile}: {file}"),
    "uploading": N_("Uploading {file} to {host}…"),
    "uploaded": N_("Uploaded {file} to {host}."),
    "retry": N_("{host}: attempt {attempt} failed: {problem}; trying again."),
    "started": N_("Started {file} on {host}."),
}


def add_farm_parser(commands: Any) -> None:
    """``farm status`` and ``farm send`` under the command line's subcommands."""
    from .. import cli  # the shared option helpers; cli imports this module

    farm = commands.add_parser("farm", help=_("see a farm's OctoPrint printers and send jobs to them"),
                               description=_("A print farm: the OctoPrint hosts of a farm file (YAML: hosts with url "
                                             "and api_key or api_key_env, group, tags)."))
    actions = farm.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help=_("each printer: reachable, state, profile, job and progress, "
                                                 "img2print and its bed confirmation"))
    sending = actions.add_parser("send", help=_("slice jobs once per printer profile and send them to the idle "
                                                "printers they fit"),
                                 description=_("Send pictures, SVGs or models to the farm's connected, idle printers "
                                               "whose bed, height and nozzle fit them; sliced once per printer "
                                               "profile; a print starts (with --start) only where the bed is "
                                               "confirmed clear."),
                                 epilog=cli._modes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    for parser in (status, sending):
        parser.add_argument("farm", type=Path, metavar="FARM", help=_("farm file (YAML)"))
        parser.add_argument("--host-timeout", type=float, default=10.0, metavar="S",
                            help=_("seconds to wait for a host's answer (default 10)"))
    sending.add_argument("jobs", type=Path, nargs="+", metavar="JOB", help=_("picture, SVG or model file"))
    sending.add_argument("--group", metavar="G", help=_("only the hosts of this group"))
    sending.add_argument("--copies", type=int, default=1, metavar="N",
                         help=_("how many printers print each job (default 1)"))
    sending.add_argument("--start", action="store_true", help=_("start the prints where the bed is confirmed clear"))
    sending.add_argument("--bed-clear", metavar="HOSTS", default="",
                         help=_("hosts without img2print whose beds you checked, so they may start too: names "
                                "separated by commas, or 'all'"))
    sending.add_argument("--stagger", type=float, default=0.0, metavar="SECONDS",
                         help=_("seconds between two starts (default 0)"))
    sending.add_argument("--parallel", type=int, default=4, metavar="N", help=_("uploads at a time (default 4)"))
    sending.add_argument("--mode", choices=list(modes()), default=None, help=_("what to make of a picture"))
    sending.add_argument("--intent", metavar="ID", help=_("what the object is for (default: by mode; 'display' for "
                                                           "models)"))
    sending.add_argument("--slicer", choices=list(slicers()), default=None, help=cli._slicer_help())
    sending.add_argument("--timeout", type=float, default=3600.0, metavar="S",
                         help=_("give up slicing after this many seconds"))
    cli._add_common(sending)
    cli._add_common(status, megapixels=False)
    cli.cli_arguments.add_arguments(sending, cli._override_options(), cli.OVERRIDE_PREFIX)
    cli.cli_arguments.add_arguments(sending, cli._mode_options())


def _profile_text(status: HostStatus) -> str:
    profile = status.profile
    if profile is None:
        return status.profile_error or "-"
    bed = profile.as_dict()["bed"]
    size = f"Ø {bed['diameter']:g}" if "diameter" in bed else f"{bed['width']:g} x {bed['depth']:g}"
    return _("{name}: {bed} x {height:g} mm, nozzle {nozzle:g} mm").format(name=profile.name, bed=size,
                                                                           height=profile.max_height,
                                                                           nozzle=profile.nozzle)


def _status_line(status: HostStatus) -> str:
    if not status.reachable:
        return f"{status.host.name}: " + _("unreachable: {reason}").format(reason=status.error)
    parts = [status.state or "-", _profile_text(status)]
    if status.job:
        progress = status.job["progress"]
        parts.append(_("job {file} {percent:.0f} %").format(file=status.job["file"], percent=progress)
                     if progress is not None else _("job {file}").format(file=status.job["file"]))
    if not status.img2print:
        parts.append(_("no img2print"))
    else:
        parts.append(_("bed confirmed clear") if status.bed_clear else _("bed not confirmed clear"))
    return f"{status.host.name}: " + "; ".join(parts)


def _print_send(report: SendReport) -> None:
    from .dispatch import UNKNOWN

    for status in report.hosts:
        print(_status_line(status))
    for outcome in report.jobs:
        if outcome.error:
            print(_("{job}: failed: {message}").format(job=outcome.job, message=outcome.error["message"]))
            continue
        print(ngettext("{job}: {placed} of {copies} copy placed", "{job}: {placed} of {copies} copies placed",
                       outcome.copies).format(job=outcome.job, placed=len(outcome.placements), copies=outcome.copies))
        for placement in outcome.placements:
            done = _("upload failed: {message}").format(message=placement.error["message"]) if placement.error \
                else _("already there") if placement.already_there else _("uploaded")
            if placement.retries:
                done += " " + ngettext("(after {count} retry)", "(after {count} retries)",
                                       placement.retries).format(count=placement.retries)
            start = _("started") if placement.started else _("start unknown: {reason}").format(
                reason=placement.not_started["message"]) if placement.start == UNKNOWN else _(
                "not started: {reason}").format(reason=placement.not_started["message"]) \
                if placement.not_started else ""
            print(f"  {placement.host}: {placement.file}: " + "; ".join(p for p in (done, start) if p))
        for profile, reason in outcome.refused.items():
            print("  " + _("not for {profile}: {reason}").format(profile=profile, reason=reason))
        if outcome.missing:
            print("  " + ngettext("{count} copy found no idle printer that fits it.",
                                  "{count} copies found no idle printer that fits them.",
                                  outcome.missing).format(count=outcome.missing))


def _send_exit(report: SendReport) -> int:
    """As the other commands for a failed job (3 bad input, 4 fits no printer, 5 the slicer failed ...), 6 a host
    failed, 7 copies without a printer, else 0; the lowest of them."""
    from .. import cli
    from .dispatch import UNKNOWN

    codes = [cli.exit_code(o.error["code"], o.error["kind"]) for o in report.jobs if o.error]
    codes += [EXIT_HOST_FAILED for o in report.jobs for p in o.placements if p.error or p.start == UNKNOWN]
    codes += [EXIT_NO_PRINTER for o in report.jobs if o.missing]
    return min(codes, default=cli.EXIT_DONE)


def _send(args: argparse.Namespace) -> int:
    from .. import cli
    from .dispatch import SendOptions, send
    from .farmfile import load_farm

    require_range("copies", args.copies, 1, MAX_COPIES)
    require_range("stagger", args.stagger, 0.0, MAX_STAGGER_S)
    require_range("parallel", args.parallel, 1, MAX_PARALLEL)
    farm = load_farm(args.farm)
    hosts = farm.select(args.group)
    options = SendOptions(mode=args.mode, options=cli.cli_arguments.given(args, cli._mode_options()),
                          overrides=cli.cli_arguments.given(args, cli._override_options(), cli.OVERRIDE_PREFIX),
                          intent=args.intent, slicer=args.slicer, max_megapixels=args.max_megapixels,
                          timeout_s=args.timeout, copies=args.copies, start=args.start,
                          bed_clear=farm.named(args.bed_clear, "bed_clear"),
                          stagger_s=args.stagger, parallel=args.parallel)

    def show(event: str, **facts: Any) -> None:
        if not args.json:
            print(_(PROGRESS[event]).format(**facts), file=sys.stderr)

    report = send(hosts, args.jobs, options, timeout_s=args.host_timeout, progress=show)
    if args.json:
        print(json.dumps({"ok": _send_exit(report) == 0, **report.as_dict()}))
    else:
        _print_send(report)
    return _send_exit(report)


def run_farm(args: argparse.Namespace) -> int:
    """``farm status`` or ``farm send``; returns the exit code."""
    from .client import OctoPrintClient
    from .dispatch import survey
    from .farmfile import load_farm

    require_range("host_timeout", args.host_timeout, 0.0, MAX_HOST_TIMEOUT_S, low_open=True)
    if args.action == "send":
        return _send(args)
    hosts = load_farm(args.farm).hosts
    clients = [OctoPrintClient(h.name, h.url, h.api_key, timeout_s=args.host_timeout) for h in hosts]
    statuses = survey(clients, hosts)
    if args.json:
        print(json.dumps({"ok": all(s.reachable for s in statuses), "hosts": [s.as_dict() for s in statuses]}))
    else:
        for status in statuses:
            print(_status_line(status))
    return 0 if all(s.reachable for s in statuses) else EXIT_HOST_FAILED
