"""Third-party cogs load through the ``steward.cogs`` entry-point group."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.registry import CogRegistry, RegistryError


def install_plugin(root: Path, module: str, body: str, entry: str) -> None:
    (root / f"{module}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    dist = root / f"{module}_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {module}-plugin\nVersion: 0.1\n", encoding="utf-8"
    )
    (dist / "entry_points.txt").write_text(f"[steward.cogs]\n{entry}\n", encoding="utf-8")


PLUGIN = """
from bot.core.cog import Cog, CogSettings


class ShoutSettings(CogSettings):
    volume: int = 11


class Shout(Cog):
    name = "shout"
    description = "A third-party cog."
    Settings = ShoutSettings
"""


def test_entry_point_cog_is_discovered_and_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(tmp_path, "steward_shout", PLUGIN, "shout = steward_shout:Shout")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = CogRegistry.discover()
    entry = registry.get("shout")
    assert entry is not None
    assert entry.origin == "steward_shout-plugin"
    loaded = parse_config("[communities.acme.cogs.shout]\nvolume = 3\n", registry)
    assert loaded.cogs["acme"]["shout"].model_dump() == {"enabled": True, "volume": 3}


def test_entry_point_that_is_not_a_cog_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_plugin(tmp_path, "steward_bogus", "VALUE = 3\n", "bogus = steward_bogus:VALUE")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RegistryError, match="not a Cog subclass"):
        CogRegistry.discover()


def test_entry_point_clashing_with_a_builtin_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = PLUGIN.replace('name = "shout"', 'name = "welcome"')
    install_plugin(tmp_path, "steward_clash", body, "welcome = steward_clash:Shout")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(RegistryError, match="cog name 'welcome' is claimed"):
        CogRegistry.discover()
