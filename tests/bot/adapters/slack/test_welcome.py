"""The greeting through real bolt: #rules and #introductions are named, and linked."""

from __future__ import annotations

from bot.standins.slack import SlackStandin, payloads
from tests.bot.adapters.slack.conftest import GENERAL, Start


async def test_a_newcomer_is_greeted_with_links_to_the_named_channels(
    standin: SlackStandin, start_steward: Start
) -> None:
    ws = standin.workspace
    rules = ws.add_channel("rules")
    introductions = ws.add_channel("introductions")
    steward = await start_steward(welcome=True)
    ws.add_user("U0NEW", "nina")
    assert (await standin.send_event(payloads.team_join(ws, "U0NEW"))).status == 200
    await steward.settle()
    greeting = await standin.wait_for_call(
        "chat.postMessage", lambda c: c.args.get("channel") == GENERAL
    )
    text = str(greeting.args["text"])
    assert text.startswith("Welcome to Acme, nina!")
    assert f"guidelines in <#{rules.id}>," in text
    assert f"introduce yourself in <#{introductions.id}>." in text
