"""Tripo's official SDK (tripo3d, apiv3) driven against the stand-in for Tripo's API (tests/tripo_standin.py).

The real service cannot be reached from here: these tests check that the stand-in speaks what the SDK sends and
parses, and record what the SDK makes of each failure, for img2print's own tests to build on.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import numpy as np
import pytest
import trimesh
from conftest import require
from PIL import Image
from tripo_standin import TripoStandIn, model_facts

# Importing tripo3d starts a thread that asks three web services where the machine is (when aiohttp is installed).
os.environ.setdefault("TRIPO_DISABLE_GEO_DETECTION", "1")
try:
    import tripo3d
    from tripo3d import TaskStatus, TripoAPIError, TripoClient
except ImportError:  # pragma: no cover - the SDK is a test dependency
    tripo3d = None

KEY = "tsk_standin_0123456789"


@pytest.fixture(autouse=True)
def _sdk() -> None:
    require(tripo3d is not None, "tripo3d (Tripo's Python SDK)")


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.new("RGB", (32, 48), (200, 120, 40)).save(path)
    return path


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_photo_becomes_a_downloaded_glb_with_the_usual_defects(photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()

    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            before = await client.get_balance()
            task_id = await client.image_to_model(str(photo), texture=False, pbr=False)
            task = await client.wait_for_task(task_id, polling_interval=0.1, timeout=10)
            files = await client.download_task_models(task, str(out))
            after = await client.get_balance()
            return before, task_id, task, files, after

    with TripoStandIn(polls=3) as standin:
        before, task_id, task, files, after = run(flow())

    assert [upload["kind"] for upload in standin.uploads] == ["png"]
    assert standin.uploads[0]["filename"] == "photo.png" and standin.uploads[0]["content_type"] == "image/png"
    created = standin.created_tasks[0]
    assert created["task_id"] == task_id and created["endpoint"] == "/v3/generation/image-to-model"
    # The SDK sends only what differs from its defaults: texture and pbr off are sent, the model always.
    assert created["payload"] == {
        "input": standin.uploads[0]["file_token"],
        "model": "v2.5-20250123",
        "texture": False,
        "pbr": False,
    }
    assert standin.polls_seen[task_id] == 4  # queued, running, running, success
    assert task.status == TaskStatus.SUCCESS and task.progress == 100 and task.credits_consumed == 20
    assert (before.balance, before.frozen, after.balance, after.frozen) == (600, 0, 580, 0)

    assert Path(files["model"]).name == f"{task_id}_model.glb"
    assert Path(files["rendered_image"]).suffix == ".png"
    # The API key goes to the API only, never to the result URLs.
    for entry in standin.request_log:
        assert entry["key"] == (KEY if entry["path"].startswith("/v3/") else None), entry
    assert [path for _, path in standin.requests if path.startswith("/download/")] != []

    mesh = trimesh.load(files["model"], force="mesh")
    facts = model_facts()
    size = mesh.extents
    assert abs(size[1] - 0.12) < 1e-6 and size[1] == pytest.approx(facts.height_m)  # metres, Y up
    assert size[0] < size[1] and size[2] < size[1]
    assert not mesh.is_watertight
    bodies = mesh.split(only_watertight=False)
    assert len(bodies) == facts.bodies == 3
    volumes = sorted(abs(body.volume) for body in bodies if body.is_watertight)
    assert volumes[0] < 1e-8 < volumes[1]  # the speck and the inner shell are closed; the body has holes


def test_a_task_is_queued_then_runs_with_rising_progress(photo: Path) -> None:
    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            task_id = await client.image_to_model(photo)
            return [await client.get_task(task_id) for _ in range(5)]

    with TripoStandIn(polls=3) as standin:
        tasks = run(flow())
    assert [(task.status.value, task.progress) for task in tasks] == [
        ("queued", 0),
        ("running", 33),
        ("running", 67),
        ("success", 100),
        ("success", 100),
    ]
    assert tasks[0].queuing_num == 1 and tasks[-1].output.model_url.startswith(standin.url)
    assert standin.created_tasks[0]["payload"] == {"input": standin.uploads[0]["file_token"], "model": "v2.5-20250123"}
    assert standin.created_tasks[0]["cost"] == 30  # textured


def test_the_sdk_checks_the_key_before_sending_anything(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(tripo3d.TripoValidationError, match="tsk_"):
        TripoClient(api_key="sk-not-a-tripo-key")
    monkeypatch.delenv("TRIPO_API_KEY", raising=False)
    with pytest.raises(tripo3d.TripoValidationError, match="API key is required"):
        TripoClient()
    assert issubclass(tripo3d.TripoValidationError, ValueError)


@pytest.mark.parametrize(
    ("behaviour", "code", "message", "uploaded"),
    [
        ("wrong_key", 1002, "Authentication failed", 0),
        ("rate_limited", 2000, "You have exceeded the limit of generation", 1),
        ("out_of_credits", 2010, "You don't have enough credit to create this task", 1),
    ],
)
def test_refusals_are_api_errors_with_tripo_codes(photo: Path, behaviour: str, code: int, message: str, uploaded: int):
    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            with pytest.raises(TripoAPIError) as refused:
                await client.image_to_model(photo)
            balance = None if behaviour == "wrong_key" else await client.get_balance()
            return refused.value, balance

    with TripoStandIn(behaviour) as standin:
        error, balance = run(flow())
    assert (error.code, error.message) == (code, message)
    assert error.suggestion and error.request_id is None
    assert not hasattr(error, "status_code")  # the HTTP status is not kept: only the code tells them apart
    assert len(standin.uploads) == uploaded and standin.created_tasks == []
    if behaviour == "out_of_credits":
        assert balance.balance == 0


def test_a_wrong_key_is_refused_on_every_api_call() -> None:
    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            with pytest.raises(TripoAPIError) as refused:
                await client.get_balance()
            return refused.value

    with TripoStandIn(accepted_keys=["tsk_another"]) as standin:
        error = run(flow())
    assert error.code == 1002 and standin.requests == [("GET", "/v3/account/balance")]  # 401 is not retried


def test_a_failed_generation_is_a_failed_task_not_an_exception(photo: Path, tmp_path: Path) -> None:
    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            task = await client.wait_for_task(await client.image_to_model(photo), polling_interval=0.1, timeout=10)
            with pytest.raises(ValueError, match="Cannot download"):
                await client.download_task_models(task, str(tmp_path))
            return task, await client.get_balance()

    with TripoStandIn("task_fails", polls=1) as standin:
        task, balance = run(flow())
    assert task.status == TaskStatus.FAILED and task.is_terminal()
    assert (task.error_code, task.error_msg, task.output.model_url) == (1001, None, None)
    assert (balance.balance, balance.frozen) == (600, 0)  # refunded
    assert not [path for _, path in standin.requests if path.startswith("/download/")]


def test_a_task_that_never_finishes_times_out(photo: Path) -> None:
    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            task_id = await client.image_to_model(photo)
            with pytest.raises(tripo3d.TripoPollTimeoutError) as late:
                await client.wait_for_task(task_id, polling_interval=0.1, timeout=0.5)
            return task_id, late.value, await client.get_task(task_id)

    with TripoStandIn("never_finishes", polls=2) as standin:
        task_id, error, task = run(flow())
    assert isinstance(error, asyncio.TimeoutError)
    assert (error.task_id, error.timeout_seconds) == (task_id, 0.5)
    assert task.status == TaskStatus.RUNNING and 0 < task.progress < 100
    assert standin.cancelled == []  # there is no cancel endpoint in the SDK or the API


def test_a_missing_download_is_none_from_download_task_models_and_404_from_download_file(
    photo: Path, tmp_path: Path
) -> None:
    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            task = await client.wait_for_task(await client.image_to_model(photo), polling_interval=0.1)
            files = await client.download_task_models(task, str(tmp_path))
            with pytest.raises(tripo3d.TripoRequestError) as missing:
                await client.download_file(task.output.model_url, tmp_path / "model.glb")
            return task, files, missing.value

    with TripoStandIn("download_missing", polls=0) as standin:
        task, files, error = run(flow())
    assert task.status == TaskStatus.SUCCESS
    assert files == {"model": None, "pbr_model": None, "rendered_image": None}  # silently None, no exception
    assert error.status_code == 404
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]  # nothing written


def test_unknown_tasks_files_and_non_images_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")

    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=standin.url) as client:
            errors = []
            for call in (
                client.get_task("00000000-0000-4000-8000-000000000000"),
                client.image_to_model("file_never_uploaded"),
                client.image_to_model(text),
            ):
                with pytest.raises(TripoAPIError) as refused:
                    await call
                errors.append(refused.value.code)
            return errors

    with TripoStandIn() as standin:
        assert run(flow()) == [2001, 2019, 2004]
    assert standin.uploads[0]["kind"] is None


def test_no_service_is_a_request_error() -> None:
    with TripoStandIn() as standin:
        url = standin.url

    async def flow():
        async with TripoClient(api_key=KEY, v3_base_url=url) as client:
            with pytest.raises(tripo3d.TripoRequestError) as offline:
                await client.image_to_model(Path(__file__))  # not retried: uploads and POSTs are sent once
            return offline.value

    error = run(flow())
    assert error.status_code == 0  # the message differs between the SDK's aiohttp and built-in transports


def test_the_model_facts_match_the_mesh() -> None:
    facts = model_facts()
    assert facts.up_axis == "Y" and facts.holes == 3
    assert np.allclose(facts.bounds_m, ((-0.03, -0.06, -0.03), (0.03, 0.06, 0.03)))
    assert 0 < facts.inner_shell_radius_m < 0.015 and facts.speck_radius_m < 0.001
