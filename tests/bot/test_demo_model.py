"""The demo finds its cached model, or says plainly why the classifier is off."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.demo.model import MODELS_ENV, demo_model, demo_models_dir


def test_the_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path / "m"))
    assert demo_models_dir() == tmp_path / "m"
    monkeypatch.delenv(MODELS_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert demo_models_dir() == tmp_path / "cache" / "steward" / "models"


def test_a_cached_model_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_model_dir: Path
) -> None:
    (tmp_path / "current").symlink_to(quick_model_dir, target_is_directory=True)
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    out = io.StringIO()
    assert demo_model(out) == tmp_path / "current"
    assert out.getvalue() == ""


def test_without_a_model_and_no_build_the_demo_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    out = io.StringIO()
    assert demo_model(out, build=False) is None
    assert "The classifier is off: no model is built yet" in out.getvalue()


def test_without_the_train_extra_the_demo_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MODELS_ENV, str(tmp_path))
    monkeypatch.setattr("bot.demo.model.missing_packages", lambda: ["torch"])
    out = io.StringIO()
    assert demo_model(out) is None
    assert "torch missing" in out.getvalue() and "pip install -e '.[train]'" in out.getvalue()


def test_the_demo_shows_the_trained_classifier_acting(quick_model_dir: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--json", "--model", str(quick_model_dir)])
    assert result.exit_code == 0, result.output
    assert '"rule": "abuse-model"' in result.stdout or '"rule": "spam-model"' in result.stdout
