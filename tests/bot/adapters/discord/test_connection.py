"""``steward run`` finds the Discord connector; bad settings stop it with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.discord.connection import connect
from bot.adapters.discord.intents import MissingPrivilegedIntent
from bot.config import ConfigError, parse_config
from bot.core.clock import SystemClock
from bot.registry import CogRegistry
from bot.serve import StartupRefused, serve
from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import Lumen, config_for


async def test_run_stops_with_the_missing_intents_named(
    standin: DiscordStandin, lumen: Lumen, registry: CogRegistry, tmp_path: Path
) -> None:
    standin.allowed_privileged.clear()
    database = tmp_path / "steward.db"
    loaded = config_for(standin, lumen, registry, f'[steward]\ndatabase = "{database}"')
    with pytest.raises(MissingPrivilegedIntent) as refused:
        await serve(loaded, registry, None)
    assert refused.value.names == ["message_content", "members"]
    assert "Message Content Intent" in str(refused.value)
    assert "Server Members Intent" in str(refused.value)


async def test_a_missing_token_says_which_variable_to_set(
    standin: DiscordStandin,
    lumen: Lumen,
    registry: CogRegistry,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("STEWARD_DISCORD_TOKEN")
    database = f'[steward]\ndatabase = "{tmp_path / "steward.db"}"'
    with pytest.raises(StartupRefused, match="STEWARD_DISCORD_TOKEN"):
        await serve(config_for(standin, lumen, registry, database), registry, None)


async def test_discord_settings_are_validated(registry: CogRegistry) -> None:
    with pytest.raises(ConfigError, match="not an http"):
        parse_config('[discord]\napi_base = "localhost:80"', registry)
    loaded = parse_config('[communities.x]\nplatform = "discord"\nid = "general"', registry)
    with pytest.raises(ConfigError, match="guild"):
        await connect(loaded, SystemClock())
