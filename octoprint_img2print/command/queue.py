"""``img2print farm queue add|list|remove|run``: the farm's durable queue (``queue.py``) from the command line."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ..exit_codes import exit_code
from ..i18n import N_, _
from ..options import require_range
from .farm_common import (
    MAX_PARALLEL,
    MAX_STAGGER_S,
    SEND_TIMEOUT_S,
    add_hosts,
    add_job_arguments,
    add_targets,
    progress_printer,
    recipe_and_wants,
    targets,
)

DEFAULT_QUEUE = Path("img2print-queue.sqlite")
STATES = {"waiting": N_("waiting"), "starting": N_("starting"), "printing": N_("printing"), "done": N_("done"),
          "ended": N_("ended before it was done"), "failed": N_("failed")}  # queue.py's states, as the list says them
MAX_POLL_S = 3600.0


def add_queue_parser(actions: Any) -> None:
    """``farm queue`` and its four actions."""
    queue = actions.add_parser("queue", help=_("a durable queue: jobs wait until a printer that is what they need "
                                               "is idle with its bed confirmed clear"))
    steps = queue.add_subparsers(dest="step", required=True, metavar="STEP")
    adding = steps.add_parser("add", help=_("queue jobs (copied into the queue's folder)"))
    add_job_arguments(adding)
    adding.add_argument("--host", metavar="NAMES", default="", help=_("only these hosts: names separated by commas"))
    listing = steps.add_parser("list", help=_("every copy: waiting, starting, printing, done, ended or failed"))
    removing = steps.add_parser("remove", help=_("take jobs' waiting copies out of the queue"))
    removing.add_argument("ids", type=int, nargs="+", metavar="JOB", help=_("job number (see 'farm queue list')"))
    running = steps.add_parser("run", help=_("send waiting copies to printers as they become free, round after "
                                             "round; safe to stop and start again at any moment"))
    add_hosts(running, SEND_TIMEOUT_S)
    add_targets(running)
    running.add_argument("--poll", type=float, default=10.0, metavar="S",
                         help=_("seconds between two rounds (default 10)"))
    running.add_argument("--until-done", action="store_true",
                         help=_("stop once no copy waits, starts or prints (else run until stopped)"))
    running.add_argument("--stagger", type=float, default=0.0, metavar="SECONDS",
                         help=_("seconds between two starts in a group (default 0)"))
    running.add_argument("--parallel", type=int, default=4, metavar="N",
                         help=_("printers served at a time (default 4)"))
    for parser in (adding, listing, removing, running):
        parser.add_argument("--queue", type=Path, default=DEFAULT_QUEUE, metavar="FILE",
                            help=_("the queue file (default {file})").format(file=DEFAULT_QUEUE))
    for parser in (listing, removing, running):
        parser.add_argument("--json", action="store_true", help=_("print JSON instead of text"))


def _when(seconds: float | None) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M") if seconds else ""


def _list(queue: Any, args: argparse.Namespace) -> int:
    copies = queue.copies()
    if args.json:
        print(json.dumps({"ok": True, "copies": [c.as_dict() for c in copies]}))
        return 0
    for copy in copies:
        where = _("on {host}").format(host=copy.host) if copy.host else ""
        when = " ".join(p for p in (_when(copy.started), _when(copy.ended) and "- " + _when(copy.ended)) if p)
        print(f"{copy.job}.{copy.id} {copy.name}: " + " ".join(p for p in (_(STATES[copy.state]), where, when) if p)
              + (f" ({copy.note})" if copy.note else ""))
    return 0


def run_queue_command(args: argparse.Namespace) -> int:
    """One of the queue's actions; returns the exit code."""
    from ..farm.client import DEFAULT_RETRY
    from ..farm.dispatch import clients_for
    from ..farm.farmfile import load_farm
    from ..farm.queue import FAILED, FarmQueue, run_queue

    with FarmQueue(args.queue) as queue:
        if args.step == "add":
            recipe, wants = recipe_and_wants(args)
            added = [{"job": queue.add(job, recipe, wants, args.copies), "name": job.name, "copies": args.copies}
                     for job in args.jobs]
            print(json.dumps({"ok": True, "jobs": added}) if args.json else "\n".join(
                _("Queued {name} as job {job} ({copies} copies).").format(**entry) for entry in added))
            return 0
        if args.step == "list":
            return _list(queue, args)
        if args.step == "remove":
            gone = {job: queue.remove(job) for job in args.ids}
            print(json.dumps({"ok": True, "removed": gone}) if args.json else "\n".join(
                _("Job {job}: {count} waiting copies removed.").format(job=job, count=count)
                for job, count in gone.items()))
            return 0
        require_range("poll", args.poll, 0.0, MAX_POLL_S)
        require_range("stagger", args.stagger, 0.0, MAX_STAGGER_S)
        require_range("parallel", args.parallel, 1, MAX_PARALLEL)
        hosts = targets(load_farm(args.farm), args)
        progress = progress_printer(args)
        run_queue(queue, hosts, clients_for(hosts, args.host_timeout, DEFAULT_RETRY, progress),
                  poll_s=args.poll, until_done=args.until_done, stagger_s=args.stagger, parallel=args.parallel,
                  progress=progress)
        failed = [copy.error for copy in queue.copies((FAILED,)) if copy.error]
        if args.json:
            print(json.dumps({"ok": not failed, "copies": [c.as_dict() for c in queue.copies()]}))
        return min((exit_code(error["code"], error["kind"]) for error in failed), default=0)
