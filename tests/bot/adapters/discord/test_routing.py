"""Routing through the real discord.py: team channels, the Handled button, webhooks, DMs."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.discord.translate import ref
from bot.core.events import Tick
from bot.standins.discord import Channel, DiscordStandin, StoredMessage
from cogs.routing import TIMER
from tests.bot.adapters._cog_config import routing_config
from tests.bot.adapters.discord.conftest import MESSAGES, Lumen, Running, Start
from tests.bot.adapters.webhooks import webhook_sink

LEAD = "Hi! We're looking to buy 200 lamps for our offices. Who can I talk to about volume pricing?"


def routing(lumen: Lumen, teams: dict[str, str], mention: str = "") -> str:
    """Return the routing cog's config for the test guild, staff alerts to #mod-log."""
    return routing_config("lumen", lumen.modlog.id, teams, mention)


async def bot_posts(standin: DiscordStandin, channel: Channel, count: int) -> list[StoredMessage]:
    """Wait until the bot posted ``count`` messages in a channel; return them in order."""
    await standin.wait_for_request("POST", f"/channels/{channel.id}/messages", count=count)
    return [m for m in channel.messages.values() if m.author.bot]


def direct_messages(standin: DiscordStandin, *channels: Channel) -> list[str]:
    """Return what the bot posted anywhere but the given guild channels (its DMs)."""
    guild_channels = {c.id for c in channels}
    return [
        str(r.json["content"])
        for r in standin.requests_to("POST", MESSAGES)
        if r.json and r.path.split("/")[2] not in guild_channels
    ]


async def remind(steward: Running, lumen: Lumen, hours: float) -> None:
    """Fire the answer-by timer as if ``hours`` had passed (the wheel runs on the real clock)."""
    at = steward.app.clock.now() + timedelta(hours=hours)
    await steward.app.bus.publish(Tick(community=ref(lumen.guild.id), at=at, timer=TIMER))
    await steward.settle()


async def test_a_sales_lead_reaches_the_team_and_handled_stops_the_reminder(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    sales = standin.add_channel(lumen.guild, "sales")
    team = standin.add_role(lumen.guild, "sales-team", position=1)
    ping = f"<@&{team.id}>"
    async with start(routing(lumen, {"sales_lead": sales.id}, ping)) as steward:
        from_bob = await standin.post_message(lumen.general, lumen.bob, LEAD)
        from_alice = await standin.post_message(lumen.general, lumen.alice, LEAD)
        first, second = await bot_posts(standin, sales, 2)
        await steward.settle()
        summaries = {m.content.split(" ")[4]: m for m in (first, second)}
        posted = standin.requests_to("POST", f"/channels/{sales.id}/messages")[0].json
        await standin.click(summaries["alice"], lumen.mona, f"route:{from_alice.id}|handled")
        edited = await standin.wait_for_request(
            "PATCH", f"/channels/{sales.id}/messages/{summaries['alice'].id}"
        )
        await steward.settle()
        await remind(steward, lumen, hours=3)
        posts = await bot_posts(standin, sales, 3)
        thanks = direct_messages(standin, *lumen.guild.channels.values())
    bob_summary = summaries["bob"].content
    assert bob_summary.startswith(f"{ping} Sales request from bob in <#{lumen.general.id}>:"), (
        "Discord links the channel"
    )
    assert posted["allowed_mentions"]["roles"] == [team.id], "the team is pinged"
    link = f"https://discord.com/channels/{lumen.guild.id}/{lumen.general.id}/{from_bob.id}"
    assert link in bob_summary
    (row,) = summaries["bob"].components
    assert row["components"][0]["custom_id"] == f"route:{from_bob.id}|handled"
    assert edited.json["content"].endswith("Handled by mona.")
    assert ping not in edited.json["content"], "marking it handled pings nobody again"
    assert edited.json["components"] == [], "a handled request loses its button"
    (reminder,) = [m.content for m in posts if m.content.startswith("Reminder")]
    assert "from bob" in reminder and link in reminder
    assert sorted(t.split("!")[0] for t in thanks) == ["Thanks, alice", "Thanks, bob"]
    assert all("Sales team" in t for t in thanks)


async def test_webhook_routes_post_json_and_a_failing_one_goes_to_staff(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with webhook_sink() as sink:
        teams = {"press": sink.ok_url, "legal": sink.broken_url}
        async with start(routing(lumen, teams)) as steward:
            asked = await standin.post_message(
                lumen.general, lumen.alice, "I'm a journalist writing an article about smart lamps"
            )
            await standin.post_message(
                lumen.general, lumen.bob, "My lawyer will contact you about the trademark"
            )
            await sink.wait(2)
            (staff,) = await bot_posts(standin, lumen.modlog, 1)
            await steward.settle()
    (press,) = sink.received
    assert press["intent"] == "press" and press["member"] == "alice"
    assert press["link"].endswith(f"/{lumen.general.id}/{asked.id}")
    assert sink.refused[0]["intent"] == "legal"
    assert staff.content.startswith("The Legal webhook failed")
    assert "My lawyer will contact you" in staff.content


async def test_a_bug_report_by_direct_message_is_routed(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    bugs = standin.add_channel(lumen.guild, "bugs")
    async with start(routing(lumen, {"bug_report": bugs.id})) as steward:
        await standin.direct_message(
            lumen.alice.user, "The app crashes when I open scenes, error code 7"
        )
        (summary,) = await bot_posts(standin, bugs, 1)
        await steward.settle()
    assert summary.content.startswith(
        "Product (bugs) request from alice in a private message: \u201cThe app crashes"
    )
