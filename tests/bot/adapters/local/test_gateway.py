"""The local platform applies edits, bulk deletes and polls the way a real platform would."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.local.community import BOT_NAME, LocalCommunity, ref
from bot.adapters.local.gateway import LocalPlatform
from bot.core.actions import (
    Button,
    DeleteMessages,
    EditMessage,
    PostMessage,
    PostPoll,
)
from bot.core.clock import VirtualClock
from bot.core.models import Member, Message

START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _platform() -> tuple[LocalPlatform, LocalCommunity]:
    platform = LocalPlatform(VirtualClock(START))
    place = LocalCommunity("acme")
    place.add_channel("general")
    place.add_member(Member(ref=ref("ann"), name="ann"))
    platform.add_community(place)
    return platform, place


def _say(place: LocalCommunity, ident: str, author: str = "ann") -> None:
    member = place.members[author].member
    place.store(
        Message(
            ref=ref(ident), channel=ref("general"), author=member, content=ident, created_at=START
        )
    )


async def test_an_edit_replaces_content_and_buttons_of_the_bots_own_message() -> None:
    platform, place = _platform()
    card = PostMessage(
        community=place.ref,
        channel=ref("general"),
        content="review 1",
        buttons=(Button(target="review:1", choice="remove", label="Remove"),),
    )
    posted = await platform.apply(card)
    assert posted.ref is not None
    edited = await platform.apply(
        EditMessage(
            community=place.ref, channel=ref("general"), message=posted.ref, content="Removed"
        )
    )
    assert edited.ok
    assert place.messages[posted.ref.id].content == "Removed"
    # The decided card has no buttons left to click.
    assert "review:1" not in platform.buttons


async def test_the_bot_cannot_edit_a_members_message() -> None:
    platform, place = _platform()
    _say(place, "m1")
    result = await platform.apply(
        EditMessage(community=place.ref, channel=ref("general"), message=ref("m1"), content="x")
    )
    assert not result.ok
    assert place.messages["m1"].content == "m1"


async def test_a_bulk_delete_removes_what_exists_and_skips_what_is_gone() -> None:
    platform, place = _platform()
    _say(place, "m1")
    _say(place, "m2")
    result = await platform.apply(
        DeleteMessages(
            community=place.ref,
            channel=ref("general"),
            messages=(ref("m1"), ref("m2"), ref("gone")),
        )
    )
    assert result.ok
    assert "m1" not in place.messages
    assert "m2" not in place.messages
    none_left = await platform.apply(
        DeleteMessages(community=place.ref, channel=ref("general"), messages=(ref("m1"),))
    )
    assert not none_left.ok


async def test_a_poll_is_posted_as_a_numbered_message_by_the_bot() -> None:
    platform, place = _platform()
    result = await platform.apply(
        PostPoll(
            community=place.ref,
            channel=ref("general"),
            question="Best feature?",
            answers=("Sync", "Themes"),
        )
    )
    assert result.ok
    assert result.ref is not None
    message = place.messages[result.ref.id]
    assert message.author.name == BOT_NAME
    assert message.content.splitlines() == ["Poll: Best feature?", "1. Sync", "2. Themes"]
