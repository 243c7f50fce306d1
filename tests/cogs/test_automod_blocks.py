"""The filter's actions on one message are told apart from the member's next attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.events import AutoModBlocked
from bot.core.models import Member
from bot.core.refs import Ref
from cogs._automod_blocks import WINDOW, BlockedMessages

START = datetime(2026, 5, 1, 12, tzinfo=UTC)
ALICE = Member(ref=Ref("discord", "1"), name="alice")


def execution(action: str, at: datetime, content: str = "you absolute cunt") -> AutoModBlocked:
    return AutoModBlocked(
        community=Ref("discord", "100"),
        at=at,
        rule="7",
        member=ALICE,
        channel=Ref("discord", "200"),
        content=content,
        action=action,
    )


def test_each_action_once_is_one_message_and_the_same_action_again_a_new_one() -> None:
    blocked = BlockedMessages()
    first, new = blocked.place(execution("block", START))
    assert new
    assert blocked.place(execution("alert", START)) == (first, False)
    assert blocked.place(execution("timeout", START)) == (first, False)
    again, new = blocked.place(execution("block", START + timedelta(seconds=1)))
    assert new and again is not first
    assert first.actions == {"block", "alert", "timeout"}


def test_other_text_or_a_late_action_is_another_message() -> None:
    blocked = BlockedMessages()
    first, _ = blocked.place(execution("block", START))
    _, other_text = blocked.place(execution("alert", START, content="something else"))
    late, new = blocked.place(execution("alert", START + WINDOW + timedelta(seconds=1)))
    assert other_text and new and late is not first


def test_memory_stays_bounded_in_a_flood() -> None:
    blocked = BlockedMessages(max_kept=10)
    for number in range(50):
        blocked.place(execution("block", START, content=f"spam {number}"))
    _, new = blocked.place(execution("alert", START, content="spam 0"))
    assert new  # forgotten: the oldest went first
    _, new = blocked.place(execution("alert", START, content="spam 49"))
    assert not new
