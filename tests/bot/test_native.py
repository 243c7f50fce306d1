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

import bot.native
from bot.native import HOT_PATH, build_summary, compiled_modules, is_compiled

ROOT = Path(__file__).resolve().parents[2]


def _setup() -> dict[str, Any]:
    return runpy.run_path(str(ROOT / "setup.py"), run_name="setup_under_test")


def _hook() -> Callable[[], list[Any]]:
    hook: Callable[[], list[Any]] = _setup()["hot_path_extensions"]
    return hook


def test_each_hot_path_module_says_truly_whether_it_runs_compiled() -> None:
    for name in HOT_PATH:
        module = importlib.import_module(name)
        assert is_compiled(name) == str(module.__file__).endswith(".so"), name
    assert compiled_modules() == [name for name in HOT_PATH if is_compiled(name)]
    assert not is_compiled("bot.native")  # setup.py reads it as source


@pytest.mark.parametrize(
    ("compiled", "summary"),
    [
        (len(HOT_PATH), "hot path compiled"),
        (0, "pure Python (production builds compile the hot path: see the README)"),
        (3, f"3 of {len(HOT_PATH)} hot-path modules compiled (a mixed install?)"),
    ],
)
def test_the_build_is_named_by_how_much_of_the_hot_path_is_compiled(
    monkeypatch: pytest.MonkeyPatch, compiled: int, summary: str
) -> None:
    monkeypatch.setattr(bot.native, "compiled_modules", lambda: list(HOT_PATH[:compiled]))
    assert build_summary() == summary


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


def test_a_build_leaves_out_what_an_earlier_build_compiled(tmp_path: Path) -> None:
    lib = tmp_path / "build" / "lib.linux-x86_64-cpython-311"
    stale = [lib / "bot" / "core" / "refs.cpython-311-x86_64-linux-gnu.so", lib / "a1__mypyc.so"]
    kept = [lib / "bot" / "core" / "refs.py", tmp_path / "build" / "__native.c"]
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    _setup()["forget_earlier_extensions"](tmp_path)
    assert [p.exists() for p in stale] == [False, False]
    assert [p.exists() for p in kept] == [True, True]
