"""Review deadlines through the real discord.py: the on-call role is pinged, then the leads.

The on-call role is written by name, as community managers write it; the leads by mention.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.adapters.discord.translate import ref
from bot.core.clock import zone
from bot.core.events import Tick
from bot.standins.discord import DiscordStandin, RecordedRequest
from cogs._review_deadlines import SLA_TIMER
from cogs._schedules import next_slot
from moderation.cases import NewReviewItem
from moderation.store import store_for
from tests.bot.adapters.discord.conftest import Lumen, Running, Start

DIGEST = "0 9 * * *"


async def tick(steward: Running, lumen: Lumen, at: datetime) -> None:
    """Fire the deadline timer at ``at`` (the wheel runs on the real clock)."""
    await steward.app.bus.publish(Tick(community=ref(lumen.guild.id), at=at, timer=SLA_TIMER))
    await steward.settle()


def staff_posts(standin: DiscordStandin, lumen: Lumen) -> list[RecordedRequest]:
    """Return what the bot posted in the staff channel, in order."""
    return standin.requests_to("POST", f"/channels/{lumen.modlog.id}/messages")


async def test_an_unclaimed_item_pings_on_call_then_escalates_and_is_in_the_digest(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    on_call = standin.add_role(lumen.guild, "on-call", position=2)
    leads = standin.add_role(lumen.guild, "leads", position=3)
    extra = (
        "[communities.lumen.cogs.guidelines.review_sla]\n"
        f'on_call = "@On-Call"\nescalate_to = "<@&{leads.id}>"\n'
        f'escalate_after_minutes = 30\ndigest_cron = "{DIGEST}"\n'
    )
    async with start(extra) as steward:
        now = steward.app.clock.now()
        # A routine item waits an hour; this one was queued seventy minutes ago.
        item = await store_for(steward.storage).reviews.add(
            NewReviewItem(
                community=ref(lumen.guild.id),
                source="report",
                reason="reported by alice: not nice",
                member=ref(lumen.bob.user.id),
            ),
            now - timedelta(minutes=70),
        )
        await tick(steward, lumen, now)
        pinged = list(staff_posts(standin, lumen))
        await tick(steward, lumen, now + timedelta(minutes=25))
        await tick(steward, lumen, now + timedelta(minutes=25))  # a second tick pings nobody
        escalated = list(staff_posts(standin, lumen))
        await tick(steward, lumen, next_slot(DIGEST, zone("UTC"), now))
        digest = staff_posts(standin, lumen)[-1]
    (ping,) = pinged
    assert ping.json["content"].startswith(f"<@&{on_call.id}> review item {item.id} waits:")
    assert ping.json["allowed_mentions"] == {"parse": [], "roles": [on_call.id], "users": []}
    assert len(escalated) == 2
    escalation = escalated[1].json
    assert escalation["content"].startswith(f"<@&{leads.id}> review item {item.id} still")
    assert escalation["allowed_mentions"]["roles"] == [leads.id]
    assert digest.json["content"].startswith("Daily review digest: 1 open.")
    assert f"item {item.id}, priority 0" in digest.json["content"]
    assert digest.json["allowed_mentions"] == {"parse": [], "roles": [], "users": []}
