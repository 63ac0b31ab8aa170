"""``img2print farm status|send|confirm|queue``: a farm's printers; jobs sent at once to those that fit and are
idle; beds confirmed clear; and the durable queue (``cli_queue``). Exit codes as the other commands; 6 when a host
failed or a start's outcome is unknown, 7 when a copy found no idle printer."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from ..exit_codes import EXIT_DONE, EXIT_NO_PRINTER, EXIT_SERVICE_FAILED, exit_code
from ..i18n import _, ngettext
from ..options import require_range
from . import queue as cli_queue
from . import shared
from .farm_common import (
    MAX_HOST_TIMEOUT_S,
    MAX_PARALLEL,
    MAX_STAGGER_S,
    SEND_TIMEOUT_S,
    STATUS_TIMEOUT_S,
    add_hosts,
    add_job_arguments,
    add_targets,
    progress_printer,
    recipe_and_wants,
    targets,
)

if TYPE_CHECKING:  # the farm's client (requests) is imported only when a farm command runs, not for --help
    from ..farm.dispatch import SendReport
    from ..farm.hosts import HostStatus



def add_farm_parser(commands: Any) -> None:
    """``farm status``, ``send``, ``confirm`` and ``queue`` under the command line's subcommands."""
    farm = commands.add_parser("farm", help=_("see a farm's OctoPrint printers and send jobs to them"),
                               description=_("A print farm: the OctoPrint hosts of a farm file (YAML: hosts with url "
                                             "and api_key or api_key_env, group, tags, printer, filament, material, "
                                             "colour, nozzle)."))
    actions = farm.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help=_("each printer: reachable, state, profile, job and progress, "
                                                 "img2print and its bed confirmation"))
    add_hosts(status, STATUS_TIMEOUT_S)
    _add_send_parser(actions)
    confirm = actions.add_parser("confirm", help=_("record on hosts with img2print that their beds are clear"))
    add_hosts(confirm, SEND_TIMEOUT_S)
    confirm.add_argument("names", nargs="*", metavar="HOST", help=_("hosts whose beds you checked"))
    confirm.add_argument("--all", action="store_true", help=_("every host of the farm file"))
    cli_queue.add_queue_parser(actions)
    for parser in (status, confirm):
        parser.add_argument("--json", action="store_true", help=_("print one JSON object instead of text"))


def _add_send_parser(actions: Any) -> None:
    sending = actions.add_parser("send", help=_("slice jobs once per printer profile and send them to the idle "
                                                "printers they fit"),
                                 description=_("Send pictures, SVGs, models or G-code to the farm's connected, idle "
                                               "printers that are what they need and whose bed, height and nozzle "
                                               "fit them; sliced once per printer profile; a print starts (with "
                                               "--start) only where the bed is confirmed clear."),
                                 epilog=shared.modes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_hosts(sending, SEND_TIMEOUT_S)
    add_job_arguments(sending)
    add_targets(sending)
    sending.add_argument("--start", action="store_true", help=_("start the prints where the bed is confirmed clear"))
    sending.add_argument("--bed-clear", metavar="HOSTS", default="",
                         help=_("hosts without img2print whose beds you checked, so they may start too: names "
                                "separated by commas, or 'all'"))
    sending.add_argument("--stagger", type=float, default=0.0, metavar="SECONDS",
                         help=_("seconds between two starts in a group (default 0)"))
    sending.add_argument("--parallel", type=int, default=4, metavar="N", help=_("uploads at a time (default 4)"))


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
    if status.material or status.colour:
        parts.append(" ".join(p for p in (status.material, status.colour) if p))
    if status.job:
        progress = status.job["progress"]
        parts.append(_("job {file} {percent:.0f} %").format(file=status.job["file"], percent=progress)
                     if progress is not None else _("job {file}").format(file=status.job["file"]))
    if not status.img2print:
        parts.append(_("no img2print"))
    else:
        parts.append(_("bed confirmed clear") if status.bed_clear else _("bed not confirmed clear"))
    return f"{status.host.name}: " + "; ".join(parts)


def _placement_line(placement: Any) -> str:
    from ..farm.starting import UNKNOWN

    done = _("upload failed: {message}").format(message=placement.error["message"]) if placement.error \
        else _("already there") if placement.already_there else _("uploaded")
    if placement.retries:
        done += " " + ngettext("(after {count} retry)", "(after {count} retries)",
                               placement.retries).format(count=placement.retries)
    reason = (placement.not_started or {}).get("message")
    start = _("started") if placement.started else _("start unknown: {reason}").format(reason=reason) \
        if placement.start == UNKNOWN else _("not started: {reason}").format(reason=reason) if reason else ""
    return f"  {placement.host}: {placement.file}: " + "; ".join(p for p in (done, start) if p)


def _print_send(report: SendReport) -> None:
    for status in report.hosts:
        print(_status_line(status))
    for outcome in report.jobs:
        if outcome.error:
            print(_("{job}: failed: {message}").format(job=outcome.job, message=outcome.error["message"]))
            continue
        print(ngettext("{job}: {placed} of {copies} copy placed", "{job}: {placed} of {copies} copies placed",
                       outcome.copies).format(job=outcome.job, placed=outcome.placed, copies=outcome.copies))
        for placement in outcome.placements:
            print(_placement_line(placement))
        for host, refusal in outcome.refused.items():
            print("  " + _("not for {host}: {reason}").format(host=host, reason=refusal.message))
        if outcome.missing:
            print("  " + ngettext("{count} copy found no idle printer that fits it.",
                                  "{count} copies found no idle printer that fits them.",
                                  outcome.missing).format(count=outcome.missing))


def _send_exit(report: SendReport) -> int:
    """The README's table: a failed job as the other commands (3 bad input, 4 no idle printer it was tried on fits
    it, 5 the slicer failed), 6 a host failed or a start's outcome is unknown, 7 copies without a printer, else 0;
    the lowest of them."""
    from ..farm.starting import UNKNOWN

    codes = [exit_code(o.error["code"], o.error["kind"]) for o in report.jobs if o.error]
    codes += [min(exit_code(r.code, r.kind) for r in o.refused.values()) for o in report.jobs
              if not o.error and not o.placements and o.refused]
    codes += [EXIT_SERVICE_FAILED for o in report.jobs for p in o.placements if p.error or p.start == UNKNOWN]
    codes += [EXIT_NO_PRINTER for o in report.jobs if o.missing and (o.placements or not o.refused)]
    return min(codes, default=EXIT_DONE)


def _send(args: argparse.Namespace) -> int:
    from ..farm.dispatch import SendOptions, send
    from ..farm.farmfile import load_farm

    require_range("stagger", args.stagger, 0.0, MAX_STAGGER_S)
    require_range("parallel", args.parallel, 1, MAX_PARALLEL)
    farm = load_farm(args.farm)
    recipe, wants = recipe_and_wants(args)
    options = SendOptions(recipe=recipe, wants=wants, copies=args.copies, start=args.start,
                          bed_clear=farm.named(args.bed_clear, "bed_clear") if args.bed_clear else frozenset(),
                          stagger_s=args.stagger, parallel=args.parallel)
    report = send(targets(farm, args), args.jobs, options, timeout_s=args.host_timeout,
                  progress=progress_printer(args))
    if args.json:
        print(json.dumps({"ok": _send_exit(report) == 0, **report.as_dict()}))
    else:
        _print_send(report)
    return _send_exit(report)


def _status(args: argparse.Namespace) -> int:
    from ..farm.client import OctoPrintClient
    from ..farm.farmfile import load_farm
    from ..farm.hosts import survey

    hosts = load_farm(args.farm).hosts
    clients = [OctoPrintClient(h.name, h.url, h.api_key, timeout_s=args.host_timeout) for h in hosts]
    statuses = survey(clients, hosts)
    if args.json:
        print(json.dumps({"ok": all(s.reachable for s in statuses), "hosts": [s.as_dict() for s in statuses]}))
    else:
        for status in statuses:
            print(_status_line(status))
    return 0 if all(s.reachable for s in statuses) else EXIT_SERVICE_FAILED


def _confirm(args: argparse.Namespace) -> int:
    """Record "Bed is clear" on each named host (with img2print); 6 when a host could not."""
    from ..farm.client import HostFailed, OctoPrintClient
    from ..farm.farmfile import load_farm
    from ..options import bad_parameter

    farm = load_farm(args.farm)
    if args.all == bool(args.names):
        raise bad_parameter("names", _("Name the hosts whose beds you checked, or give --all."))
    named = farm.named("all" if args.all else ",".join(args.names), "names")
    answers: dict[str, dict[str, Any]] = {}
    for host in (h for h in farm.hosts if h.name in named):
        client = OctoPrintClient(host.name, host.url, host.api_key, timeout_s=args.host_timeout)
        try:
            answers[host.name] = {"confirmed": True, "bed": client.confirm_bed_clear()}
        except HostFailed as failure:
            answers[host.name] = {"confirmed": False, "error": failure.as_dict()}
    if args.json:
        print(json.dumps({"ok": all(a["confirmed"] for a in answers.values()), "hosts": answers}))
    for name, answer in answers.items():
        if not args.json:
            print(f"{name}: " + (_("bed confirmed clear") if answer["confirmed"]
                                 else _("not confirmed: {reason}").format(reason=answer["error"]["message"])))
    return 0 if all(a["confirmed"] for a in answers.values()) else EXIT_SERVICE_FAILED


def run_farm(args: argparse.Namespace) -> int:
    """``farm status``, ``send``, ``confirm`` or ``queue``; returns the exit code."""
    if hasattr(args, "host_timeout"):
        require_range("host_timeout", args.host_timeout, 0.0, MAX_HOST_TIMEOUT_S, low_open=True)
    runs = {"send": _send, "status": _status, "confirm": _confirm, "queue": cli_queue.run_queue_command}
    return runs[args.action](args)
