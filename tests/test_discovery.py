"""A mode or slicer module that fails to import is left out with one warning, and the others still load."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass

from octoprint_img2print.discovery import declared_in


@dataclass(frozen=True)
class Thing:
    name: str
    position: int = 0


def test_a_module_that_fails_to_import_is_left_out_with_a_warning_once(tmp_path, monkeypatch, caplog):
    package = tmp_path / "somethings"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text("from test_discovery import Thing\nTHING = Thing('good')\n")
    (package / "broken.py").write_text("import a_library_that_is_not_installed\nTHING = None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(sys.modules, "test_discovery", sys.modules[__name__])
    import somethings

    with caplog.at_level(logging.WARNING):
        first = declared_in("somethings", somethings.__path__, "THING", Thing, key=lambda thing: thing.name)
        again = declared_in("somethings", somethings.__path__, "THING", Thing, key=lambda thing: thing.name)
    assert list(first) == list(again) == ["good"]
    said = [r.getMessage() for r in caplog.records if "somethings.broken" in r.getMessage()]
    assert len(said) == 1 and "ModuleNotFoundError" in said[0] and "left out" in said[0]
