"""Point the real discord.py at a running stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.standins.discord import DiscordStandin


@pytest.fixture
async def standin(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordStandin]:
    """Serve a stand-in and point discord.py's REST and gateway URLs at it."""
    async with DiscordStandin() as server:
        monkeypatch.setattr(Route, "BASE", server.api_base)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
        yield server


def all_intents() -> discord.Intents:
    """Return the intents Steward asks for, privileged ones included."""
    intents = discord.Intents.default()
    intents.members = True
    intents.message_content = True
    return intents
