"""Tripo AI's image-to-model service, through Tripo's own Python SDK (``tripo3d``, API v3): what a model costs and
what the account holds, and one photo sent, generated, polled and downloaded. Everything here needs the internet
and an API key; every failure becomes one clear img2print error.

Tripo's API cannot cancel a task: a cancelled job stops polling, and the task finishes on Tripo's side."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, Img2PrintError
from ..i18n import N_, _

KEY_VARIABLE, URL_VARIABLE, CREDITS_VARIABLE = "TRIPO_API_KEY", "TRIPO_BASE_URL", "TRIPO_CREDITS_PER_MODEL"
DEFAULT_BASE_URL = "https://openapi.tripo3d.ai"
KEYS_PAGE = "https://platform.tripo3d.ai"
# Tripo's price list (platform.tripo3d.ai/docs/billing) for an untextured image-to-model task; a setting
CREDITS_PER_MODEL = 20.0
MODEL_VERSION = "v2.5-20250123"
REQUEST_TIMEOUT_S = 60.0
QUOTE_TIMEOUT_S = 10.0  # a quote is asked while a person waits on a page
GENERATION_TIMEOUT_S = 900.0
FIRST_POLL_S, LONGEST_POLL_S = 2.0, 15.0
UPLOADING, GENERATING, DOWNLOADING = "uploading", "generating", "downloading"
# Tripo's answers: 1002 (and 2, seen from the live v3 service) a refused key, 2000 too many tasks at once,
# 2010 no credits left
REFUSED_KEY, TOO_MANY_TASKS, NO_CREDITS = (1002, 2), 2000, 2010
THIRD_PARTY = N_("The photo is sent to Tripo AI, a third-party service, which makes the model in its cloud.")


@dataclass
class TripoAccess:
    """Where Tripo is and the key that opens it (the key is never shown, logged or stored by a job)."""

    api_key: str = ""
    base_url: str = DEFAULT_BASE_URL
    credits_per_model: float = CREDITS_PER_MODEL

    @classmethod
    def from_environment(cls, base_url: str | None = None) -> TripoAccess:
        """The key from TRIPO_API_KEY, the address from ``base_url``, TRIPO_BASE_URL or Tripo's own, the price
        from TRIPO_CREDITS_PER_MODEL or Tripo's list."""
        return cls(os.environ.get(KEY_VARIABLE, ""), base_url or os.environ.get(URL_VARIABLE) or DEFAULT_BASE_URL,
                   float(os.environ.get(CREDITS_VARIABLE) or CREDITS_PER_MODEL))

    def environment(self) -> dict[str, str]:
        """The variables that hand this access to a worker process (never written to a job's record)."""
        return {KEY_VARIABLE: self.api_key, URL_VARIABLE: self.base_url, CREDITS_VARIABLE: str(self.credits_per_model)}


@dataclass
class Quote:
    """What a model costs and what the account holds, in Tripo's credits."""

    cost: float
    balance: float

    def as_dict(self) -> dict[str, float]:
        """Plain data for JSON answers."""
        return {"cost": self.cost, "balance": self.balance}


@dataclass
class Generated:
    """A model Tripo made: where it was saved, its task and the credits it used (when Tripo says)."""

    path: Path
    task_id: str
    credits_used: float | None


def _client(access: TripoAccess) -> Any:
    os.environ.setdefault("TRIPO_DISABLE_GEO_DETECTION", "1")  # the SDK would look up where this machine is
    from tripo3d import TripoClient
    from tripo3d.exceptions import TripoValidationError

    if not access.api_key:
        raise BadInput("tripo_no_key", _("Tripo needs an API key: create one at {page} (API keys) and set "
                                         "{variable}, or enter it in img2print's settings.")
                       .format(page=KEYS_PAGE, variable=KEY_VARIABLE))
    try:
        return TripoClient(api_key=access.api_key, v3_base_url=access.base_url)
    except TripoValidationError as error:
        raise BadInput("tripo_wrong_key", _("This is not a Tripo API key (they start with tsk_); copy it again "
                                            "from {page}.").format(page=KEYS_PAGE)) from error


def _failure(error: Exception, access: TripoAccess) -> Img2PrintError:
    """The img2print error for what the SDK raised."""
    from tripo3d.exceptions import TripoAPIError, TripoRequestError

    code = getattr(error, "code", None) if isinstance(error, TripoAPIError) else None
    if code in REFUSED_KEY:
        return BadInput("tripo_wrong_key", _("Tripo refused the API key; check it at {page}.").format(page=KEYS_PAGE))
    if code == NO_CREDITS:
        return Img2PrintError("tripo_no_credits", _("Your Tripo account has no credits left for this; buy more at "
                                                    "{page}.").format(page=KEYS_PAGE))
    if code == TOO_MANY_TASKS:
        return Img2PrintError("tripo_busy", _("Tripo is already running as many of your tasks as it allows at once; "
                                              "try again when one has finished."))
    if isinstance(error, TripoAPIError) or (isinstance(error, TripoRequestError) and error.status_code):
        return Img2PrintError("tripo_failed", _("Tripo answered with an error ({reason}).")
                              .format(reason=getattr(error, "message", error)))
    return Img2PrintError("tripo_unreachable", _("Tripo ({address}) cannot be reached: generating a model needs the "
                                                 "internet; everything else in img2print works offline.")
                          .format(address=access.base_url))


def _run(access: TripoAccess, work: Callable[[Any], Any]) -> Any:
    """Run the SDK coroutine ``work(client)``, every failure an img2print error."""
    import asyncio  # only this online path needs an event loop

    from tripo3d.exceptions import TripoError

    async def session() -> Any:
        client = _client(access)
        try:
            return await work(client)
        finally:
            await client.close()

    try:
        return asyncio.run(session())
    except (TripoError, OSError, asyncio.TimeoutError) as error:
        raise _failure(error, access) from error


def quote(access: TripoAccess, timeout_s: float = REQUEST_TIMEOUT_S) -> Quote:
    """The cost of one model and the account's balance (asked from Tripo)."""
    async def balance(client: Any) -> Quote:
        import asyncio

        held = await asyncio.wait_for(client.get_balance(), timeout_s)
        return Quote(access.credits_per_model, held.balance)

    return _run(access, balance)


def generate(photo: Path, folder: Path, access: TripoAccess, *, progress: Callable[[str, float], None],
             timeout_s: float = GENERATION_TIMEOUT_S) -> Generated:
    """Send ``photo`` to Tripo, wait for its model (reporting the stage and how far it is) and save it in
    ``folder``. Cancelling (Ctrl-C, or a job's cancel ending its process) stops the waiting; Tripo's API cannot
    cancel the task itself."""
    async def make(client: Any) -> Generated:
        import asyncio

        progress(UPLOADING, 0.0)
        task_id = await asyncio.wait_for(
            client.image_to_model(str(photo), model_version=MODEL_VERSION, texture=False, pbr=False),
            REQUEST_TIMEOUT_S)
        task = await _finished(client, task_id, progress, timeout_s)
        progress(DOWNLOADING, 0.0)
        saved = await asyncio.wait_for(client.download_task_models(task, str(folder)), REQUEST_TIMEOUT_S)
        model = saved.get("model")
        if not model:
            raise Img2PrintError("tripo_failed", _("Tripo finished but its model could not be downloaded; try again."))
        return Generated(Path(model), task_id, task.credits_consumed)

    return _run(access, make)


async def _finished(client: Any, task_id: str, progress: Callable[[str, float], None], timeout_s: float) -> Any:
    """Poll the task until it ends, more slowly as it runs."""
    import asyncio

    from tripo3d.models import TaskStatus

    started, pause = time.monotonic(), FIRST_POLL_S
    while True:
        task = await asyncio.wait_for(client.get_task(task_id), REQUEST_TIMEOUT_S)
        if task.status == TaskStatus.SUCCESS:
            return task
        if task.is_terminal():
            raise Img2PrintError("tripo_task_failed", _("Tripo could not make a model of this photo ({status}); "
                                                        "try a photo of one object on a plain background.")
                                 .format(status=task.error_msg or task.status.value), task=task_id)
        progress(GENERATING, max(0.0, min(1.0, (task.progress or 0) / 100.0)))
        if time.monotonic() - started > timeout_s:
            raise Img2PrintError("tripo_timeout", _("Tripo did not finish the model within {minutes:.0f} minutes; "
                                                    "try again later.").format(minutes=timeout_s / 60), task=task_id)
        await asyncio.sleep(min(pause, max(0.0, timeout_s - (time.monotonic() - started)) + 0.01))
        pause = min(pause * 1.5, LONGEST_POLL_S)
