"""The import contracts cover the whole tree, so a new module cannot slip past them."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import bot

ROOT = Path(__file__).parents[1]


def test_core_contract_forbids_every_other_bot_module() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (core,) = [c for c in contracts if c.get("source_modules") == ["bot.core"]]
    others = {f"bot.{m.name}" for m in pkgutil.iter_modules(bot.__path__)} - {
        "bot.core",
        "bot.__main__",
    }
    assert others <= set(core["forbidden_modules"])


def test_platform_sdks_are_banned_outside_adapters() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    banned = config["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]
    assert {"discord", "slack_bolt", "slack_sdk", "transformers", "torch"} <= set(banned)
