"""Build hook: compile the hot path with mypyc when ``STEWARD_COMPILE=1`` is set.

Everything else about the package is declared in pyproject.toml; without the variable
this adds nothing and the package is plain Python. The compiled modules are listed in
``bot/native.py``.

Compiling type-checks the modules against the installed dependencies with the project's
own mypy settings, so it uses the environment's mypy: install the ``compile`` extra first,
then build with ``--no-build-isolation``. Editable installs are refused: an extension
built beside its source would keep running after the source changed.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from typing import Any

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def forget_earlier_extensions(root: Path) -> None:
    """Remove the extensions that an earlier build left in setuptools' build folder.

    setuptools packs whatever its ``build/lib*`` folder holds, so a module compiled by an
    earlier build would ride along in a later wheel, plain or compiled, even after it left
    the hot path.

    Args:
        root: The project's folder.
    """
    for pattern in ("build/lib*/**/*.so", "build/lib*/**/*.pyd"):
        for stale in root.glob(pattern):
            stale.unlink()


def hot_path_extensions() -> list[Any]:
    """Return mypyc's extensions for the hot path, or none unless compiling was asked for."""
    if os.environ.get("STEWARD_COMPILE", "") not in {"1", "true", "yes"}:
        return []
    if "editable_wheel" in sys.argv:
        sys.exit(
            "STEWARD_COMPILE=1: an editable install would keep running stale compiled "
            "modules after their sources change; install without -e"
        )
    try:
        from mypyc.build import mypycify  # noqa: PLC0415 - needed only when compiling
    except ImportError:
        sys.exit(
            "STEWARD_COMPILE=1 needs mypy in the environment: install the compile extra, "
            "then build with pip's --no-build-isolation"
        )
    modules = runpy.run_path(str(ROOT / "bot" / "native.py"))["HOT_PATH"]
    sources = [str(Path(*name.split(".")).with_suffix(".py")) for name in modules]
    return list(mypycify(sources, opt_level="3"))


if __name__ == "__main__":  # setuptools runs this file as __main__; tests import it
    forget_earlier_extensions(ROOT)
    setup(ext_modules=hot_path_extensions())
