"""Slack payloads (as the stand-in builds them) translated into Steward's events."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.slack.members import member_from
from bot.adapters.slack.translate import event_of, plain_text
from bot.core.events import (
    DirectMessageReceived,
    MemberJoined,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
)
from bot.core.models import Member
from bot.core.refs import Ref
from bot.standins.slack import Conversation, Workspace, payloads


@pytest.fixture
def ws() -> Workspace:
    workspace = Workspace(team_id="T1")
    workspace.add_user("U0ALICE", "alice")
    workspace.add_channel("general", members=("U0ALICE",), channel_id="CGEN0001")
    return workspace


def general(ws: Workspace) -> Conversation:
    return ws.conversations["CGEN0001"]


async def find(user_id: str) -> Member | None:
    user = {"id": user_id, "name": user_id.lower()}
    return member_from(user, frozenset({"moderators"}) if user_id == "U0MONA" else frozenset())


async def translate(ws: Workspace, event: dict[str, Any], event_id: str = "Ev1") -> Any:
    return await event_of(payloads.event_callback(ws, event, event_id=event_id), find)


def test_markup_reads_as_the_member_saw_it() -> None:
    text = "hi <@U1> and <!subteam^S1|@mods> in <#C1|general>: <https://x.test|x.test> <https://y.test|docs> &lt;3 <!here>"
    assert (
        plain_text(text)
        == "hi @U1 and @mods in #general: https://x.test docs (https://y.test) <3 @here"
    )


async def test_a_message_with_mentions_files_and_a_thread(ws: Workspace) -> None:
    parent = payloads.member_posts(ws, "U0ALICE", general(ws), "question")
    reply = payloads.member_posts(
        ws,
        "U0ALICE",
        general(ws),
        "ping <@U0MONA> <!subteam^S9|@mods> <!channel>",
        thread_ts=parent["ts"],
        files=("log.txt",),
    )
    event = await translate(ws, reply)
    assert isinstance(event, MessageCreated)
    message = event.message
    assert event.community == Ref("slack", "T1")
    assert event.id == f"message:CGEN0001:{reply['ts']}"
    assert (message.channel, message.thread) == (
        Ref("slack", "CGEN0001"),
        Ref("slack", parent["ts"]),
    )
    assert message.content == "ping @U0MONA @mods @channel"
    assert message.mentions == (Ref("slack", "U0MONA"),)
    assert (message.role_mentions, message.mentions_everyone) == (("mods",), True)
    assert [a.filename for a in message.attachments] == ["log.txt"]


async def test_an_app_mention_is_the_same_message_for_dedupe(ws: Workspace) -> None:
    stored = payloads.member_posts(ws, "U0ALICE", general(ws), "<@U0BOT> help")
    as_message = await translate(ws, stored, "Ev1")
    as_mention = await translate(ws, payloads.app_mention(general(ws), stored), "Ev2")
    assert as_message.id == as_mention.id


async def test_edits_and_deletions(ws: Workspace) -> None:
    stored = payloads.member_posts(ws, "U0ALICE", general(ws), "old", files=("plan.pdf",))
    edited = await translate(ws, payloads.member_edits(ws, general(ws), stored["ts"], "new"))
    assert isinstance(edited, MessageEdited)
    assert (edited.message.content, edited.before, edited.id) == ("new", "old", "Ev1")
    assert edited.message.ref == Ref("slack", stored["ts"])
    deleted = await translate(ws, payloads.member_deletes(ws, general(ws), stored["ts"]))
    assert isinstance(deleted, MessageDeleted)
    assert deleted.message == Ref("slack", stored["ts"])
    # What it was, as Slack sends it: for the message log.
    assert deleted.author is not None
    assert (deleted.author.name, deleted.content) == ("u0alice", "new")
    assert [a.filename for a in deleted.attachments] == ["plan.pdf"]


async def test_a_deleted_reply_names_its_thread(ws: Workspace) -> None:
    parent = payloads.member_posts(ws, "U0ALICE", general(ws), "lamp help?")
    reply = payloads.member_posts(ws, "U0BOB", general(ws), "try this", thread_ts=parent["ts"])
    deleted = await translate(ws, payloads.member_deletes(ws, general(ws), reply["ts"]))
    assert isinstance(deleted, MessageDeleted)
    assert (deleted.channel, deleted.thread) == (
        Ref("slack", general(ws).id),
        Ref("slack", parent["ts"]),
    )


async def test_a_direct_message_to_the_bot(ws: Workspace) -> None:
    im = ws.open_im("U0ALICE")
    event = await translate(ws, payloads.member_posts(ws, "U0ALICE", im, "can you help?"))
    assert isinstance(event, DirectMessageReceived)
    assert (event.author.name, event.content) == ("u0alice", "can you help?")


async def test_joins_and_reactions(ws: Workspace) -> None:
    ws.add_user("U0NEW", "newbie")
    joined = await translate(ws, payloads.team_join(ws, "U0NEW"))
    in_channel = await translate(
        ws, payloads.member_joined_channel(ws, "U0MONA", general(ws)), "Ev2"
    )
    assert isinstance(joined, MemberJoined) and isinstance(in_channel, MemberJoined)
    assert in_channel.member.roles == frozenset({"moderators"})
    again = await translate(ws, payloads.member_joined_channel(ws, "U0NEW", general(ws)), "Ev4")
    assert again.id == joined.id, "joining the workspace and its channels is one arrival"
    stored = payloads.member_posts(ws, "U0ALICE", general(ws), "nice")
    reaction = await translate(
        ws, payloads.reaction_added(ws, "U0MONA", general(ws), stored["ts"], "eyes"), "Ev3"
    )
    assert isinstance(reaction, ReactionAdded)
    assert (reaction.emoji, reaction.message) == ("eyes", Ref("slack", stored["ts"]))


async def test_what_steward_does_not_follow_is_ignored(ws: Workspace) -> None:
    joined = {
        "type": "message",
        "subtype": "channel_join",
        "user": "U0ALICE",
        "ts": "1.0",
        "channel": "CGEN0001",
    }
    assert await translate(ws, joined) is None
    assert await translate(ws, {"type": "channel_created", "event_ts": "1.0"}) is None


def test_only_a_picture_the_member_uploaded_is_their_avatar(ws: Workspace) -> None:
    # Slack draws a default picture for each person, with a hash of its own: two members
    # with default pictures must not read as the same picture, nor as anyone's choice.
    uploaded = ws.add_user("U0CARL", "carl", picture="e3b0c44298fc")
    carl = member_from(uploaded.to_api("T1"), frozenset())
    alice = member_from(ws.users["U0ALICE"].to_api("T1"), frozenset())
    assert (carl.avatar, alice.avatar) == ("e3b0c44298fc", "")
