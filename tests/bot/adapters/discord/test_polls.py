"""Native polls through the real discord.py: a member's vote reaches Steward as PollVoted."""

from __future__ import annotations

from bot.adapters.discord.translate import ref
from bot.core.actions import PostPoll
from bot.core.events import PollVoted
from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import Lumen, Start
from tests.conftest import listen


async def test_a_vote_in_a_native_poll_reaches_steward_with_its_answer(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        heard = listen(steward.app.bus, PollVoted)
        posted = await steward.connection.gateway.apply(
            PostPoll(
                community=ref(lumen.guild.id),
                channel=ref(lumen.general.id),
                question="Colour?",
                answers=("red", "blue"),
            )
        )
        assert posted.ref is not None
        poll = lumen.general.messages[posted.ref.id]
        await standin.vote(poll, lumen.alice, 2)
        await heard.first()
    (vote,) = heard.events
    assert (vote.message, vote.answer, vote.removed) == (posted.ref, 1, False)
    assert vote.member.ref == ref(lumen.alice.user.id)
