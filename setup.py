"""Metadata lives in pyproject.toml; this only ships the top-level profiles/ folder inside the package."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithProfiles(build_py):
    """Copy profiles/ (printers and intents) into octoprint_img2print/profiles of the build."""

    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "profiles"
        shutil.copytree(source, Path(self.build_lib) / "octoprint_img2print" / "profiles", dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithProfiles})
