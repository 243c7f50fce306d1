"""``steward standin discord`` serves the demo guild on the port asked."""

from __future__ import annotations

import asyncio
import socket

import aiohttp

from bot.standins.discord.demo import serve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_demo_serves_its_guild_to_the_bot_token() -> None:
    port, lines, stop, told = free_port(), list[str](), asyncio.Event(), asyncio.Event()

    def say(line: str) -> None:
        lines.append(line)
        told.set()

    task = asyncio.create_task(serve(port, say, stop))
    base = f"http://127.0.0.1:{port}/api/v10"
    try:
        await asyncio.wait_for(told.wait(), 10)
        guild_id = lines[1].rsplit("(", 1)[1].rstrip(")")
        async with aiohttp.ClientSession(headers={"Authorization": "Bot standin-token"}) as http:
            async with http.get(f"{base}/guilds/{guild_id}/roles") as answer:
                assert answer.headers["Content-Type"] == "application/json"
                names = {r["name"] for r in await answer.json()}
            async with http.get(f"{base}/users/@me", headers={"Authorization": "Bot x"}) as bad:
                assert bad.status == 401
    finally:
        stop.set()
        await task
    assert names == {"@everyone", "Steward", "moderator"}
