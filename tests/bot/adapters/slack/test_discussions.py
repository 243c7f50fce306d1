"""The discussions cog through the real bolt app: a prompt, its thread and its replies."""

from __future__ import annotations

from bot.core.events import Tick
from bot.core.refs import Ref
from bot.standins.slack import SlackStandin, payloads
from cogs._discussion_store import discussion_store_for
from tests.bot.adapters.slack.conftest import ALICE, GENERAL, MILO, TEAM, Start

WEEKLY = (
    "[communities.acme.cogs.discussions]\n"
    "[[communities.acme.cogs.discussions.schedules]]\n"
    f'name = "weekly"\ncron = "* * * * *"\nchannel = "{GENERAL}"\n'
)


async def test_a_scheduled_prompt_opens_a_thread_and_its_replies_are_counted(
    standin: SlackStandin, start_steward: Start
) -> None:
    steward = await start_steward(extra=WEEKLY)
    community = Ref("slack", TEAM)
    # The timer wheel fires on the real clock; publish its tick now instead of waiting.
    await steward.app.bus.publish(
        Tick(community=community, at=steward.app.clock.now(), timer="discussions:weekly")
    )
    await steward.settle()
    store = discussion_store_for(steward.app.storage)
    (post,) = await store.posts(community, status="posted")
    assert post.message is not None and post.thread == post.message
    general = standin.workspace.conversations[GENERAL]
    assert general.messages[post.message.id]["text"].startswith("What's one thing you made")
    for user, text in [(ALICE, "I fixed my desk lamp!"), (MILO, "Mine follows the sunrise.")]:
        reply = payloads.member_posts(
            standin.workspace, user, general, text, thread_ts=post.message.id
        )
        assert (await standin.send_event(reply)).status == 200
    await steward.settle()
    figures = (await store.engagement(community))[post.id]
    assert (figures.replies, figures.participants) == (2, 2)
