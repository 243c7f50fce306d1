"""Serve the stand-in Slack from the command line (``steward standin slack``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.standins.slack.server import SlackStandin


async def serve_standin(
    port: int, events_url: str, say: Callable[[str], None], *, stop: asyncio.Event | None = None
) -> None:
    """Serve a stand-in with a small demo workspace until ``stop`` is set (or forever).

    Args:
        port: The port on 127.0.0.1 (0: any free port).
        events_url: Where signed deliveries go (the app's request URL), if anywhere.
        say: Prints a line for the person who started it.
        stop: Ends serving when set.
    """
    standin = SlackStandin()
    ws = standin.workspace
    ws.add_user("U0ALICE", "alice")
    ws.add_user("U0MOD", "mona")
    ws.add_usergroup("moderators", ("U0MOD",))
    ws.add_channel("general", members=("U0ALICE", "U0MOD", ws.admin.id))
    ws.add_channel("mod-log", members=("U0MOD",))
    # What the welcome cog's greeting links by default.
    for name in ("rules", "introductions"):
        ws.add_channel(name, members=(ws.admin.id,))
    standin.events_url = events_url
    await standin.start(port=port)
    try:
        say(f"Slack stand-in on {standin.url} (team {ws.team_id})")
        say(f"  [slack] api_base = {standin.api_base!r}")
        say(f"  STEWARD_SLACK_BOT_TOKEN={standin.bot_token}")
        say(f"  STEWARD_SLACK_USER_TOKEN={standin.user_token}")
        say(f"  STEWARD_SLACK_APP_TOKEN={standin.app_token}")
        say(f"  STEWARD_SLACK_SIGNING_SECRET={standin.signing_secret}")
        for channel in ws.conversations.values():
            say(f"  #{channel.name}: {channel.id}")
        await (stop or asyncio.Event()).wait()
    finally:
        await standin.close()
