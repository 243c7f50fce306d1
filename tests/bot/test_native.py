"""The hot path's list and the build hook that compiles it."""

from __future__ import annotations

import importlib
import inspect
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bot.native import HOT_PATH, compiled_modules, is_compiled

ROOT = Path(__file__).resolve().parents[2]


def _hook() -> Callable[[], list[Any]]:
    namespace = runpy.run_path(str(ROOT / "setup.py"), run_name="setup_under_test")
    hook: Callable[[], list[Any]] = namespace["hot_path_extensions"]
    return hook


def test_each_hot_path_module_says_truly_whether_it_runs_compiled() -> None:
    for name in HOT_PATH:
        module = importlib.import_module(name)
        assert is_compiled(name) == str(module.__file__).endswith(".so"), name
    assert compiled_modules() == [name for name in HOT_PATH if is_compiled(name)]
    assert not is_compiled("bot.native")  # setup.py reads it as source


def test_no_hot_path_module_defines_a_pydantic_model() -> None:
    # mypyc cannot build pydantic models' classes: such a module would fail to compile.
    for name in HOT_PATH:
        module = importlib.import_module(name)
        models = [
            cls.__name__
            for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == name
        ]
        assert not models, f"{name} defines pydantic models {models}"


def test_a_plain_build_compiles_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_COMPILE", raising=False)
    assert _hook()() == []


def test_compiling_an_editable_install_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_COMPILE", "1")
    monkeypatch.setattr(sys, "argv", ["setup.py", "editable_wheel", "--dist-info-dir", "x"])
    with pytest.raises(SystemExit, match="editable install would keep running stale"):
        _hook()()
