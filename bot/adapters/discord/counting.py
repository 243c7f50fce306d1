"""A bare discord.py client that only counts messages: the bench's yardstick."""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from bot.adapters.discord.intents import needed_intents


class CountingClient(discord.Client):
    """Count MESSAGE_CREATE events until ``target`` arrived, doing nothing else.

    Args:
        target: How many to wait for.
        options: Passed on to discord.py.
    """

    def __init__(self, target: int, **options: Any) -> None:
        super().__init__(intents=needed_intents(), **options)
        self.target = target
        self.seen = 0
        self.done = asyncio.Event()

    async def on_message(self, message: discord.Message) -> None:
        """Count one message."""
        self.seen += 1
        if self.seen >= self.target:
            self.done.set()
