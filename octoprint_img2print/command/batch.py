"""The ``img2print batch`` command: many pictures converted (and sliced) on every core or on a Dask cluster.

Exit codes: 0 when every job is done; when some failed, the lowest of their errors' codes (3 bad input, 4 does not
fit, 5 slicer failed, ...), as ``img2print`` gives for one job; the JSON summary tells how many.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from ..exit_codes import EXIT_DONE, exit_code
from ..i18n import _, ngettext
from ..modes import registry as modes
from ..options import require_range
from . import shared

MAX_WORKERS = 1024


def add_batch_parser(commands: Any) -> None:
    """The ``batch`` subcommand and its options (the mode's options and slicer settings as for ``slice``)."""
    batch = commands.add_parser(
        "batch", help=_("convert and slice many pictures at once, on every core or a Dask cluster"),
        description=_("Convert (and, with --printer, slice) every picture of a folder, or every job of a YAML or CSV "
                      "manifest, in parallel. A ledger in the output folder records each job, so running the same "
                      "command again skips what is done and retries what failed."),
        epilog=shared.modes_text(), formatter_class=argparse.RawDescriptionHelpFormatter)
    batch.add_argument("manifest", type=Path, metavar="MANIFEST",
                       help=_("folder of pictures, or a .yaml/.csv manifest with one job a row (file, mode, options, "
                              "printers, intent, copies, format)"))
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR",
                       help=_("folder for the models, the G-code and the ledger"))
    batch.add_argument("--workers", type=int, default=None, metavar="N",
                       help=_("jobs at a time on this machine (default: one per core)"))
    batch.add_argument("--cluster", metavar="ADDRESS", default=None,
                       help=_("run the jobs on this Dask scheduler instead (for example tcp://host:8786)"))
    batch.add_argument("--cluster-wait", type=float, default=60.0, metavar="S",
                       help=_("stop when the cluster has had no workers for this many seconds (default 60)"))
    batch.add_argument("--mode", choices=list(modes()), default=None,
                       help=_("what to make of each picture (default: the picture decides, as for 'slice')"))
    batch.add_argument("--printer", action="append", metavar="ID", default=None,
                       help=_("slice for this printer profile too (repeat for more printers)"))
    batch.add_argument("--intent", metavar="ID", help=_("what the objects are for (default: by mode)"))
    batch.add_argument("--format", choices=["stl", "3mf"], default="stl", help=_("model file format (default stl)"))
    batch.add_argument("--copies", type=int, default=1, metavar="N",
                       help=_("copies of each job to print, recorded for the farm (default 1)"))
    shared.add_recipe_arguments(batch)


class Tally:
    """Counts the jobs as they end, for the progress bar: done, failed and the time left."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.failed, self.made = total, 0, 0, 0
        self.first_made: float | None = None

    def count(self, state: str, reused: bool) -> None:
        """One more job ended."""
        self.done += state == "done"
        self.failed += state == "failed"
        self.made += not reused
        if not reused and self.first_made is None:
            self.first_made = time.monotonic()

    def line(self, elapsed: float) -> str:
        """The progress bar's text."""
        finished = self.done + self.failed
        text = _("{finished}/{total} jobs: {done} done, {failed} failed").format(
            finished=finished, total=self.total, done=self.done, failed=self.failed)
        if self.made >= 2 and self.first_made is not None and finished < self.total:
            # from the pace since the first job made here ended: neither the jobs reused from an earlier run nor
            # the start (imports, connecting to a cluster) count
            left = (time.monotonic() - self.first_made) / (self.made - 1) * (self.total - finished)
            text += " · " + _("about {minutes}:{seconds:02d} left").format(minutes=int(left // 60),
                                                                           seconds=int(left % 60))
        return f"{text} · {elapsed:.0f} s"


def run_batch(args: argparse.Namespace) -> int:
    """Run the batch; exit 0 when every job is done, else the lowest exit code of the failed jobs' errors."""
    from ..farm.batch import JobEvent, plan_jobs
    from ..farm.batch import run_batch as run
    from ..farm.executors import open_workers
    from ..farm.manifest import MAX_COPIES, ManifestJob, read_jobs
    from ..printers.profile import get_printer
    from ..slicing.intents import get_intent
    if args.workers is not None:
        require_range("workers", args.workers, 1, MAX_WORKERS)
    require_range("cluster_wait", args.cluster_wait, 0.0, 86400.0, low_open=True)
    require_range("copies", args.copies, 1, MAX_COPIES)
    printers = tuple(dict.fromkeys(args.printer or ()))
    for printer in printers:
        get_printer(printer)
    if args.intent is not None:
        get_intent(args.intent)
    defaults = ManifestJob(Path(), "", recipe=shared.recipe_from(args), printers=printers, copies=args.copies,
                           model_format=args.format)
    jobs = plan_jobs(read_jobs(args.manifest, defaults))
    tally = Tally(len(jobs))
    failures: list[JobEvent] = []

    def report(event: JobEvent) -> None:
        tally.count(event.state, event.reused)
        if event.error is not None:
            failures.append(event)
        if args.json:
            print(json.dumps(event.as_dict()), flush=True)

    with shared.TerminalProgress(enabled=not args.json, line=tally.line):
        summary = run(jobs, args.output, lambda: open_workers(args.workers, args.cluster, args.cluster_wait), report)
    if args.json:
        print(json.dumps({**summary.as_dict(), "output": str(args.output)}))
    else:
        _print_result(summary.as_dict(), failures, args.output)
    return min((exit_code(event.error["code"], event.error["kind"]) for event in failures), default=EXIT_DONE)


def _print_result(summary: dict[str, Any], failures: list[Any], folder: Path) -> None:
    for event in failures:
        message = event.error["message"]
        named = message if event.where in message else f"{event.where}: {message}"
        print(f"  {named} [{event.error['code']}]")
    print(ngettext("{done} of {jobs} job done ({reused} from an earlier run), {failed} failed; the files and the "
                   "ledger are in {folder}.",
                   "{done} of {jobs} jobs done ({reused} from an earlier run), {failed} failed; the files and the "
                   "ledger are in {folder}.", summary["jobs"]).format(folder=folder, **summary))
