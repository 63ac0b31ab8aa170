"""Every message a user reads is in the catalogue, translated into German, French and Spanish, and shipped."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from conftest import ROOT

LANGUAGES = ["de", "fr", "es"]
PLACEHOLDER = re.compile(r"\{[^}]*\}")


def catalogue(language: str):
    with open(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=language)


def test_template_lists_every_message_in_the_code(tmp_path):
    """Extracted from a copy of the package without the modules another test module writes into it for a while
    (test_extending's toys, which run beside this test)."""
    fresh, source = tmp_path / "messages.pot", tmp_path / "source"
    shutil.copytree(ROOT / "octoprint_img2print", source / "octoprint_img2print",
                    ignore=shutil.ignore_patterns("*_written_by_a_test.py", "__pycache__"))
    shutil.copy(ROOT / "babel.cfg", source)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
                    "-k", "N_", "-k", "ngettext:1,2", "-k", "_said:4,5", "-k", "gettext", "-k", "translate",
                    "--no-location",
                    "-o", str(fresh), "."],
                   cwd=source, check=True)
    with open(fresh, "rb") as new, open(ROOT / "translations" / "messages.pot", "rb") as shipped:
        assert {m.id for m in read_po(new) if m.id} == {m.id for m in read_po(shipped) if m.id}, \
            "run .ci/translations"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_keeps_placeholders(language):
    for message in catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated {ids[0]!r}"
        assert not message.fuzzy, f"{language}: fuzzy {ids[0]!r}"
        for text in strings:
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(ids[-1])), (language, ids[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_in_the_package_matches_the_source(language):
    def entries(messages) -> dict:
        return {tuple(m.id) if isinstance(m.id, (list, tuple)) else m.id:
                tuple(m.string) if isinstance(m.string, (list, tuple)) else m.string for m in messages if m.id}

    with open(ROOT / "octoprint_img2print" / "translations" / language / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = entries(read_mo(f))
    source = entries(catalogue(language))
    assert compiled == source, "run .ci/translations"
    shipped_po = ROOT / "octoprint_img2print" / "translations" / language / "LC_MESSAGES" / "messages.po"
    assert shipped_po.read_bytes() == (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").read_bytes()


def test_the_command_line_speaks_german(tmp_path):
    missing = tmp_path / "urlaub.jpg"
    run = subprocess.run([sys.executable, "-m", "octoprint_img2print.command", "convert", str(missing), "-o",
                          str(tmp_path / "x.stl")], capture_output=True, text=True, cwd=ROOT,
                         env={"LANGUAGE": "de", "PATH": "/usr/bin:/bin"})
    assert run.returncode == 3
    expected = gettext.translation("messages", str(ROOT / "octoprint_img2print" / "translations"), ["de"])
    assert expected.gettext("{file}: no such file.") != "{file}: no such file."
    assert expected.gettext("{file}: no such file.").format(file=missing) in run.stderr
    assert "urlaub.jpg" in run.stderr
