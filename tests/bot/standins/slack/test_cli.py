"""``steward standin slack``: serves a small workspace and says how to point Steward at it."""

from __future__ import annotations

import asyncio

from slack_sdk.web.async_client import AsyncWebClient

from bot.standins.slack.cli import serve_standin


async def test_the_standin_serves_until_stopped_and_prints_what_to_configure() -> None:
    lines: list[str] = []
    stop, listed = asyncio.Event(), asyncio.Event()

    def say(line: str) -> None:
        lines.append(line)
        if line.startswith("  #"):
            listed.set()

    serving = asyncio.create_task(serve_standin(0, "", say, stop=stop))
    async with asyncio.timeout(5):
        await listed.wait()
    api_base = next(line for line in lines if "api_base" in line).split("'")[1]
    token = next(line for line in lines if "BOT_TOKEN" in line).split("=", 1)[1]
    answer = await AsyncWebClient(token=token, base_url=api_base).auth_test()
    assert answer["user_id"] == "U0BOT"
    assert any("#general" in line for line in lines)
    stop.set()
    await serving
