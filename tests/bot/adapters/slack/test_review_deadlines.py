"""Review deadlines through the real bolt app: the on-call user group is pinged, then the leads.

The on-call group is written by its handle, as community managers write it; the leads by
mention.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.clock import zone
from bot.core.events import Tick
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin
from cogs._review_deadlines import SLA_TIMER
from cogs._schedules import next_slot
from moderation.cases import NewReviewItem
from moderation.store import store_for
from tests.bot.adapters.slack.conftest import ALICE, MILO, MODLOG, MONA, TEAM, Start, Steward

DIGEST = "0 9 * * *"
COMMUNITY = Ref("slack", TEAM)


async def tick(steward: Steward, at: datetime) -> None:
    """Fire the deadline timer at ``at`` (the wheel runs on the real clock)."""
    await steward.app.bus.publish(Tick(community=COMMUNITY, at=at, timer=SLA_TIMER))
    await steward.settle()


def staff_posts(standin: SlackStandin) -> list[str]:
    """Return the text of what the bot posted in the staff channel, in order."""
    return [
        str(c.args["text"])
        for c in standin.calls_to("chat.postMessage")
        if c.args["channel"] == MODLOG
    ]


async def test_an_unclaimed_item_pings_on_call_then_escalates_and_is_in_the_digest(
    standin: SlackStandin, start_steward: Start
) -> None:
    on_call = standin.workspace.add_usergroup("on-call", (MONA,))
    leads = standin.workspace.add_usergroup("leads", (MILO,))
    steward = await start_steward(
        extra=(
            "[communities.acme.cogs.guidelines.review_sla]\n"
            f'on_call = "@on-call"\nescalate_to = "<!subteam^{leads.id}>"\n'
            f'escalate_after_minutes = 30\ndigest_cron = "{DIGEST}"\n'
        )
    )
    now = steward.app.clock.now()
    # A routine item waits an hour; this one was queued seventy minutes ago.
    item = await store_for(steward.app.storage).reviews.add(
        NewReviewItem(
            community=COMMUNITY,
            source="report",
            reason="reported by milo: <b>not nice</b>",
            member=Ref("slack", ALICE),
        ),
        now - timedelta(minutes=70),
    )
    await tick(steward, now)
    pinged = staff_posts(standin)
    await tick(steward, now + timedelta(minutes=25))
    await tick(steward, now + timedelta(minutes=25))  # a second tick pings nobody
    escalated = staff_posts(standin)
    await tick(steward, next_slot(DIGEST, zone("UTC"), now))
    digest = staff_posts(standin)[-1]
    (ping,) = pinged
    assert ping.startswith(f"<!subteam^{on_call.id}> review item {item.id} waits:")
    assert ping.endswith("&lt;b&gt;not nice&lt;/b&gt;"), "members' words stay escaped"
    assert len(escalated) == 2
    assert escalated[1].startswith(f"<!subteam^{leads.id}> review item {item.id} still")
    assert digest.startswith("Daily review digest: 1 open.")
    assert f"item {item.id}, priority 0" in digest
