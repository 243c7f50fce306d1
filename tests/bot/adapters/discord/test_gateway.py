"""Each core action becomes the right Discord request, and refusals become clear results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.discord.translate import ref
from bot.core.actions import (
    Ban,
    DeleteMessages,
    EditMessage,
    Kick,
    LockChannel,
    OpenThread,
    PostMessage,
    PostPoll,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.capabilities import Capability
from bot.standins.discord import DiscordStandin
from bot.standins.discord._model import MODERATE_MEMBERS
from tests.bot.adapters.discord.conftest import Lumen, Start

SEND_MESSAGES = 1 << 11


async def test_bulk_delete_sends_young_messages_together_and_old_ones_alone(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    old = datetime.now(UTC) - timedelta(days=20)
    async with start() as steward:
        young = [
            lumen.general.messages[m.id]
            for m in [
                await standin.post_message(lumen.general, lumen.alice, f"hi {n}") for n in range(3)
            ]
        ]
        ancient = await standin.post_message(lumen.general, lumen.alice, "long ago", at=old)
        result = await steward.connection.gateway.apply(
            DeleteMessages(
                community=ref(lumen.guild.id),
                channel=ref(lumen.general.id),
                messages=tuple(ref(m.id) for m in [*young, ancient]),
                reason="raid clean-up",
            )
        )
    assert result.ok
    (bulk,) = standin.requests_to("POST", "/channels/{channel_id}/messages/bulk-delete")
    assert sorted(bulk.json["messages"]) == sorted(m.id for m in young)
    assert bulk.reason == "raid clean-up"
    (single,) = standin.requests_to("DELETE", "/channels/{channel_id}/messages/{message_id}")
    assert single.path.endswith(ancient.id)
    assert lumen.general.messages == {}


async def test_member_sanctions_carry_reasons_and_discords_limits(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    guild, alice, bob = ref(lumen.guild.id), ref(lumen.alice.user.id), ref(lumen.bob.user.id)
    async with start() as steward:
        gateway = steward.connection.gateway
        too_long = await gateway.apply(
            Timeout(community=guild, member=alice, duration=timedelta(days=30))
        )
        ban = await gateway.apply(
            Ban(community=guild, member=bob, delete_message_seconds=3600, reason="spam", case="#4")
        )
        unban = await gateway.apply(Unban(community=guild, member=bob, reason="appeal upheld"))
        kick = await gateway.apply(Kick(community=guild, member=alice, reason="raid"))
    assert not gateway.capabilities.allows(
        Timeout(community=guild, member=alice, duration=timedelta(days=29))
    )
    assert gateway.capabilities.has(Capability.BULK_DELETE)
    assert not too_long.ok and "28 days" in too_long.error
    assert ban.ok and unban.ok and kick.ok
    (banned,) = standin.requests_to("PUT", "/guilds/{guild_id}/bans/{user_id}")
    assert banned.json == {"delete_message_seconds": 3600} and banned.reason == "spam (case #4)"
    assert lumen.alice.user.id not in lumen.guild.members


async def test_a_missing_permission_is_named_in_the_result(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    standin.deny(lumen.guild, MODERATE_MEMBERS)
    async with start() as steward:
        result = await steward.connection.gateway.apply(
            Timeout(
                community=ref(lumen.guild.id),
                member=ref(lumen.alice.user.id),
                duration=timedelta(hours=1),
            )
        )
        on_owner = await steward.connection.gateway.apply(
            Kick(community=ref(lumen.guild.id), member=ref(lumen.guild.owner_id))
        )
    assert not result.ok and "Timeout Members" in result.error and "50013" in result.error
    assert not on_owner.ok and "owns the server" in on_owner.error


async def test_members_above_the_bot_are_refused_before_asking_discord(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    admins = standin.add_role(lumen.guild, "admin", position=12)
    ada = standin.add_member(lumen.guild, "ada", roles=[admins])
    async with start() as steward:
        result = await steward.connection.gateway.apply(
            Kick(community=ref(lumen.guild.id), member=ref(ada.user.id), reason="test")
        )
    assert not result.ok
    assert "highest role (admin) is at or above Steward's (Steward)" in result.error
    assert standin.requests_to("DELETE", "/guilds/{guild_id}/members/{user_id}") == []


async def test_lockdown_denies_everyone_talking_and_unlock_restores_it(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    lock = LockChannel(community=ref(lumen.guild.id), channel=ref(lumen.general.id))
    async with start() as steward:
        locked = await steward.connection.gateway.apply(lock)
        overwrite = dict(lumen.general.overwrites[lumen.guild.id])
        slow = await steward.connection.gateway.apply(
            SetSlowmode(community=lock.community, channel=lock.channel, seconds=30)
        )
        unlocked = await steward.connection.gateway.apply(
            LockChannel(community=lock.community, channel=lock.channel, locked=False)
        )
    assert locked.ok and slow.ok and unlocked.ok
    assert int(overwrite["deny"]) & SEND_MESSAGES and overwrite["type"] == 0
    assert lumen.guild.id not in lumen.general.overwrites
    assert lumen.general.rate_limit_per_user == 30


async def test_posts_polls_threads_and_edits(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    guild, general = ref(lumen.guild.id), ref(lumen.general.id)
    async with start() as steward:
        gateway = steward.connection.gateway
        posted = await gateway.apply(PostMessage(community=guild, channel=general, content="hi"))
        assert posted.ref is not None
        edited = await gateway.apply(
            EditMessage(community=guild, channel=general, message=posted.ref, content="hello")
        )
        poll = await gateway.apply(
            PostPoll(community=guild, channel=general, question="Colour?", answers=("red", "blue"))
        )
        thread = await gateway.apply(
            OpenThread(community=guild, channel=general, name="feedback", message=posted.ref)
        )
        member = await gateway.fetch_member(guild, ref(lumen.mona.user.id))
        channel = await gateway.fetch_channel(guild, general)
        recent = await gateway.recent_messages(guild, general, limit=5)
    assert edited.ok and lumen.general.messages[posted.ref.id].content == "hello"
    assert poll.ok and poll.ref is not None
    stored = lumen.general.messages[poll.ref.id].poll
    assert stored is not None and [a["poll_media"]["text"] for a in stored["answers"]] == [
        "red",
        "blue",
    ]
    assert (
        thread.ok
        and thread.ref is not None
        and lumen.guild.channels[thread.ref.id].name == "feedback"
    )
    assert member is not None and member.roles == {"moderator"} and member.rank == 5
    assert channel is not None and channel.name == "general"
    assert [m.ref for m in recent] == [poll.ref, posted.ref]


async def test_a_channel_named_where_an_id_belongs_is_a_failed_result(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        result = await steward.connection.gateway.apply(
            PostMessage(
                community=ref(lumen.guild.id), channel=ref("mod-log"), content="to the staff"
            )
        )
    assert not result.ok
    assert result.error.startswith("mod-log is not a Discord id: a channel the config names")
    assert standin.requests_to("POST", "/channels/{channel_id}/messages") == []
