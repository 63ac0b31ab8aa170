"""Rough edges of the pages (issue 27): what a page is given to show and how, tested without a browser where the
API or the worker decides it (the browser tests are at the end)."""

from __future__ import annotations

import yaml
from conftest import ROOT
from pictures import photo_like, save

from octoprint_img2print import worker
from octoprint_img2print.errors import Img2PrintError
from octoprint_img2print.isolated import run_isolated
from octoprint_img2print.job_request import Limits


def test_the_shipped_printers_named_in_words_are_in_the_catalogue_and_shown_translated():
    named = {yaml.safe_load(path.read_text())["name"]: path.stem
             for path in (ROOT / "profiles" / "printers").glob("*.yaml")}
    generic = {name for name, stem in named.items() if stem.startswith("generic")}
    assert generic == set(worker.SHIPPED_PRINTER_NAMES)
    assert worker.printer_name("Generic 200 mm printer", lambda text: f"<{text}>") == "<Generic 200 mm printer>"
    assert worker.printer_name("Prusa MK4", lambda text: f"<{text}>") == "Prusa MK4"  # a maker's name stays


def test_a_cut_off_picture_is_refused_in_img2prints_words_not_pillows(tmp_path):
    whole = save(photo_like(400, 300), tmp_path / "whole.jpg").read_bytes()
    for name, data in (("cut.jpg", whole[:int(len(whole) * 0.9)]),
                       ("cut.png", save(photo_like(400, 300), tmp_path / "whole.png").read_bytes()[:3000])):
        path = tmp_path / name
        path.write_bytes(data)
        try:
            run_isolated("vet", path, name, Limits(), "en", max_megapixels=50)
        except Img2PrintError as refused:
            assert refused.code == "image_damaged"
            assert "image file is truncated" not in refused.message and "bytes not processed" not in refused.message
            assert "(the file ends before all of the picture's data)" in refused.message, refused.message
        else:
            raise AssertionError(f"{name} was not refused")


def test_a_job_on_a_cut_off_picture_says_it_in_img2prints_words(tmp_path, monkeypatch):
    import json

    from octoprint_img2print.job_request import JobRequest

    whole = save(photo_like(400, 300), tmp_path / "whole.jpg").read_bytes()
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole[:int(len(whole) * 0.9)])
    said: list[str] = []
    monkeypatch.setattr(worker, "_send", said.append)
    message = {"limits": {"nice": 0, "memory_mb": 0, "max_job_seconds": 60}, "output": None, "view": None,
               "request": JobRequest("preview", str(cut), "cut.jpg", mode="lithophane").as_dict()}
    assert worker.serve(message) == 1
    error = json.loads(said[-1])["error"]
    assert error["code"] == "image_damaged" and "image file is truncated" not in error["message"]
    assert "the file ends before all of the picture's data" in error["message"]
