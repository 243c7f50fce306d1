"""A guild message translated from its payload equals the one translated from discord.py's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.adapters.discord import payloads, translate
from bot.adapters.discord._recent import RecentContents
from bot.core.models import Attachment
from bot.core.models import Member as CoreMember
from bot.core.refs import Ref
from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import Member
from tests.bot.adapters.discord.conftest import Lumen, Start

LATER = datetime(2026, 12, 24, 9, 30, tzinfo=UTC)


def _payload(lumen: Lumen, writer: Member, channel_id: str, **fields: Any) -> dict[str, Any]:
    """Return a MESSAGE_CREATE payload as Discord sends one, with ``fields`` on top."""
    data: dict[str, Any] = {
        "id": str((int(lumen.general.id) + 1_000) << 1),
        "channel_id": channel_id,
        "guild_id": lumen.guild.id,
        "author": writer.user.payload(),
        "member": writer.payload(with_user=False),
        "content": "hello there",
        "timestamp": "2026-12-01T10:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    return data | fields


def _cases(lumen: Lumen, thread_id: str) -> dict[str, dict[str, Any]]:
    mona = lumen.mona
    rich_member = mona.payload(with_user=False) | {
        "nick": "Mona (staff)",
        "communication_disabled_until": LATER.isoformat(),
        "pending": True,
        "roles": [lumen.moderators.id, "999"],  # a role discord.py does not know
    }
    return {
        "plain": _payload(lumen, lumen.alice, lumen.general.id),
        "rich": _payload(
            lumen,
            mona,
            lumen.general.id,
            member=rich_member,
            content="@everyone see the attached, @alice",
            mention_everyone=True,
            mentions=[lumen.alice.user.payload(), lumen.bob.user.payload()],
            mention_roles=[lumen.moderators.id, "998"],
            message_reference={"message_id": "4242", "channel_id": lumen.general.id},
            attachments=[
                {
                    "id": "77",
                    "filename": "lamp.png",
                    "url": "https://cdn.example/lamp.png",
                    "proxy_url": "https://media.example/lamp.png",
                    "size": 2048,
                    "content_type": "image/png",
                },
                {
                    "id": "78",
                    "filename": "notes",
                    "url": "https://cdn.example/notes",
                    "proxy_url": "https://media.example/notes",
                    "size": 9,
                },
            ],
        ),
        "in a thread": _payload(lumen, lumen.bob, thread_id),
        "in a channel discord.py does not know": _payload(lumen, lumen.bob, "123456789"),
        "without a global name": _payload(
            lumen,
            lumen.bob,
            lumen.general.id,
            author=lumen.bob.user.payload() | {"global_name": None},
        ),
    }


async def test_payload_and_object_translations_agree(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    thread = standin.add_thread(lumen.general, "lamp help", owner=lumen.alice)
    async with start() as steward:
        client = steward.connection.client
        state = client._connection
        guild = client.get_guild(int(lumen.guild.id))
        assert guild is not None
        cases = _cases(lumen, thread.id)
        for name, data in cases.items():
            channel, _ = state._get_guild_channel(data)  # type: ignore[arg-type]
            message = discord.Message(state=state, channel=channel, data=data)  # type: ignore[arg-type]
            expected = translate.message_created(message)
            event, _ = payloads.message_created(data, guild)
            assert event == expected, name
    rich, _ = payloads.message_created(cases["rich"], guild)
    # What the cases cover is there (not equally missing from both translations).
    assert rich.message.author.rank == lumen.moderators.position
    assert rich.message.author.roles == {"moderator"}
    assert rich.message.author.display_name == "Mona (staff)"
    assert rich.message.author.timed_out_until == LATER and rich.message.author.pending
    assert rich.message.role_mentions == ("moderator",) and rich.message.mentions_everyone
    assert len(rich.message.mentions) == 2 and rich.message.reply_to == translate.ref(4242)
    assert [a.size for a in rich.message.attachments] == [2048, 9]
    threaded, _ = payloads.message_created(cases["in a thread"], guild)
    assert threaded.message.thread == translate.ref(thread.id)
    assert threaded.message.channel == translate.ref(lumen.general.id)


async def test_a_plain_message_goes_by_its_payload_and_sets_the_channels_last_message(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    thread = standin.add_thread(lumen.general, "lamp help", owner=lumen.alice)
    async with start() as steward:
        client = steward.connection.client
        object_parses: list[dict[str, Any]] = []
        parsed = asyncio.Event()
        parse_object = client._parse_message_object

        def counted(data: dict[str, Any]) -> None:
            object_parses.append(data)
            parsed.set()
            parse_object(data)

        client._parse_message_object = counted
        posted = await standin.post_message(thread, lumen.alice, "hello")
        await standin.direct_message(lumen.alice.user, "hello privately")
        await asyncio.wait_for(parsed.wait(), 10)  # the DM comes after the thread's message
        known = client.get_channel(int(thread.id))
        assert isinstance(known, discord.Thread) and known.last_message_id == int(posted.id)
    assert [d["content"] for d in object_parses] == ["hello privately"]  # the DM only


async def test_a_renamed_role_reaches_the_next_message_of_a_known_author(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        client = steward.connection.client
        guild = client.get_guild(int(lumen.guild.id))
        assert guild is not None
        views = client._authors
        data = _payload(lumen, lumen.mona, lumen.general.id)
        before, _ = payloads.message_created(data, guild, views)
        again, _ = payloads.message_created(data, guild, views)
        assert again.message.author is before.message.author  # the view was kept
        assert before.message.author.roles == {"moderator"}
        await standin.rename_role(lumen.guild, lumen.moderators, "staff")
        role = guild.get_role(int(lumen.moderators.id))
        assert role is not None
        for _ in range(200):
            if role.name == "staff":
                break
            await asyncio.sleep(0.01)
        after, _ = payloads.message_created(data, guild, views)
    assert role.name == "staff"
    assert after.message.author.roles == {"staff"}


def test_an_authors_view_is_kept_per_payload_data_and_bounded() -> None:
    views = payloads.AuthorViews(size=2)
    data: dict[str, Any] = {
        "id": "10",
        "channel_id": "2",
        "guild_id": "1",
        "author": {"id": "3", "username": "alice"},
        "member": {"roles": []},
    }
    first, _ = payloads.message_created(data, _NoGuild(), views)  # type: ignore[arg-type]
    second, _ = payloads.message_created(data | {"id": "11"}, _NoGuild(), views)  # type: ignore[arg-type]
    assert second.message.author is first.message.author
    nicked = data | {"member": {"roles": [], "nick": "Al"}}
    third, _ = payloads.message_created(nicked, _NoGuild(), views)  # type: ignore[arg-type]
    assert third.message.author.display_name == "Al"
    assert first.message.author.display_name == "alice" and len(views) == 2
    other = data | {"author": {"id": "4", "username": "bob"}}
    fourth, _ = payloads.message_created(other, _NoGuild(), views)  # type: ignore[arg-type]
    assert fourth.message.author.name == "bob" and len(views) == 1  # full: all forgotten
    views.forget()
    assert len(views) == 0


def test_dms_and_webhooks_are_left_to_discord_py() -> None:
    guild_message = {"guild_id": "1", "member": {}, "author": {}}
    assert payloads.is_plain_guild_message(guild_message)
    assert not payloads.is_plain_guild_message({"author": {}})  # a DM
    assert not payloads.is_plain_guild_message({"guild_id": "1", "webhook_id": "5"})
    assert not payloads.is_plain_guild_message(guild_message | {"webhook_id": "5"})


@pytest.mark.parametrize("broken", [{"id": "x"}, {"author": None}, {"attachments": [{}]}])
def test_a_malformed_payload_gives_a_clear_error(broken: dict[str, Any]) -> None:
    data = {
        "id": "10",
        "channel_id": "2",
        "guild_id": "1",
        "author": {"id": "3", "username": "alice"},
        "member": {"roles": []},
    }
    with pytest.raises(payloads.PayloadError, match="malformed MESSAGE_CREATE"):
        payloads.message_created(data | broken, _NoGuild())  # type: ignore[arg-type]


class _NoGuild:
    """Stands in for a guild with no roles and no channels (malformed payloads fail first)."""

    id = 1
    owner_id = 0

    def get_role(self, _: int) -> None:
        return None

    def get_channel_or_thread(self, _: int) -> None:
        return None


def test_recent_contents_forget_the_oldest_and_take_edits() -> None:
    recent = RecentContents(size=2)
    recent.remember("1", "one")
    recent.remember("2", "two")
    recent.remember("1", "one, edited")  # an edit keeps its place
    recent.remember("3", "three")
    assert recent.get("1") is None and recent.get("2") == "two" and recent.get("3") == "three"
    assert len(recent) == 2
    # A deletion takes what was kept of its message: the author, the words as edited and
    # the files (an edit tells neither author nor files).
    alice = CoreMember(ref=Ref("discord", "7"), name="alice")
    photo = Attachment(filename="lamp.png", url="https://cdn.example/lamp.png")
    recent.remember("4", "four", alice, (photo,))
    recent.remember("4", "four, edited")
    assert recent.forget("4") == ("four, edited", alice, (photo,))
    assert recent.forget("4") is None
