"""Build hook: the wheel carries the bundled ratings/ inside the package as service/data/ratings."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithRatings(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).resolve().parent / "ratings"
        target = Path(self.build_lib) / "service" / "data" / "ratings"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("feeds.d", "*.pyc"))


setup(cmdclass={"build_py": BuildWithRatings})
