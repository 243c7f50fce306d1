"""Modmail on the local platform: a member's private message, staff answers, closing, transcript."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.local.community import LocalCommunity
from bot.adapters.local.gateway import LocalPlatform
from bot.adapters.local.scenario import CommunityLine
from bot.core.actions import OpenThread
from bot.core.refs import Ref
from bot.registry import CogRegistry
from bot.simulation import LocalSession, load_for_scenario
from cogs._modmail_store import modmail_store_for
from cogs.modmail import TRANSCRIPT_SHOWN
from tests.conftest import LocalBot, local_bot

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


@asynccontextmanager
async def modmail(
    registry: CogRegistry, database: Path, timezone: str = "UTC", **settings: Any
) -> AsyncIterator[LocalBot]:
    config = {"timezone": timezone, "cogs": {"welcome": {"enabled": False}, "modmail": settings}}
    channels = ["general", "mod-log", "modmail"]
    async with local_bot(registry, database, config, start=MONDAY, channels=channels) as bot:
        yield bot


async def staff_says(bot: LocalBot, ident: str, thread: str, author: str, content: str) -> None:
    await bot.play(
        type="message", id=ident, channel="modmail", thread=thread, author=author, content=content
    )


def dms_to(bot: LocalBot, member: str) -> list[str]:
    return [a["content"] for a in bot.of("send_direct_message") if a["member"] == member]


def in_thread(bot: LocalBot, thread: str) -> list[str]:
    return [a["content"] for a in bot.of("post_message") if a.get("thread") == thread]


async def test_a_member_and_the_moderators_talk_through_a_staff_thread(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.play(type="dm", author="bob", content="Why was my post removed?")
        (opened,) = bot.of("open_thread")
        thread = opened["created"]
        await bot.play(type="dm", author="bob", content="It was about the firmware.")
        await staff_says(
            bot,
            "s1",
            thread,
            "mod1",
            "It linked to a phishing site; you can post it again without the link.",
        )
        await staff_says(bot, "s2", thread, "mod1", "// he seems genuine, no action")
        await staff_says(
            bot, "s3", thread, "alice", "hello from a member who should not be relayed"
        )
        outsider = await bot.command("alice", "modmail close", reason="x")
        await bot.play(
            type="command",
            author="mod1",
            channel=thread,
            name="modmail close",
            options={"reason": "answered"},
        )
        await bot.play(type="dm", author="bob", content="One more thing!")
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    assert opened["channel"] == "modmail" and "bob" in opened["name"]
    header, first, second, *rest = in_thread(bot, thread)
    assert header.startswith("Modmail from bob in acme") and "0 case(s)" in header
    assert (first, second) == (
        "**bob:** Why was my post removed?",
        "**bob:** It was about the firmware.",
    )
    assert rest[-1] == "Closed by mod1: answered"
    to_bob = dms_to(bot, "bob")
    assert to_bob[0].startswith("Merci d'avoir écrit aux modérateurs de acme")
    assert to_bob[1] == (
        "**mod1:** It linked to a phishing site; you can post it again without the link."
    )
    assert to_bob[2].startswith("Ta conversation avec les modérateurs de acme est close : answered")
    assert not any("genuine" in text or "member who" in text for text in to_bob)
    assert "Only a moderator" in outsider
    # Writing again after closing opens a new conversation in a new thread.
    assert len(bot.of("open_thread")) == 2
    assert transcript.splitlines()[0] == "Conversation 2 (open)"


async def test_a_moderator_reaches_out_and_the_member_answers_in_the_same_thread(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # After a welfare alert the member is told someone will reach out; a moderator's own
    # DMs left no transcript and nobody to take over.
    async with modmail(registry, tmp_path / "s.db") as bot:
        reached = await bot.command("mod1", "modmail open", member="bob", text="How are you?")
        await bot.play(type="dm", author="bob", content="Better, thanks.")
        again = await bot.command("mod1", "modmail open", member="bob", text="Glad to hear it.")
        await bot.session.advance(MONDAY + timedelta(hours=1))
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    (opened,) = bot.of("open_thread")
    header, *lines = in_thread(bot, opened["created"])
    assert header.startswith("Modmail to bob, opened by mod1, in acme")
    assert lines == [
        "**mod1** wrote to them: How are you?",
        "**bob:** Better, thanks.",
        "**mod1** wrote to them: Glad to hear it.",
    ]
    # In bob's language; he is not thanked for writing, since he did not write first.
    assert dms_to(bot, "bob") == [
        "Les modérateurs de acme t'écrivent. Réponds ici : ils liront ta réponse.\n"
        "**mod1:** How are you?",
        "**mod1:** Glad to hear it.",
    ]
    assert reached == again == "Wrote to bob; their answer comes to the modmail thread."
    assert [line.split(" ", 3)[3] for line in transcript.splitlines()[1:]] == [
        "> mod1: How are you?",
        "< bob: Better, thanks.",
        "> mod1: Glad to hear it.",
    ]


async def test_a_first_try_cut_short_after_the_thread_opened_still_says_who_writes(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # A crash after the thread opened left a conversation with no line in it: the
    # moderator's second try is still the member's first word from the team.
    async with modmail(registry, tmp_path / "s.db") as bot:
        store = modmail_store_for(bot.session.app.storage)
        started = await store.start(Ref("local", "acme"), Ref("local", "bob"), "bob", MONDAY)
        assert started is not None
        await store.set_thread(
            started.id,
            Ref("local", "t9"),
            space=Ref("local", "acme"),
            channel=Ref("local", "modmail"),
        )
        await bot.command("mod1", "modmail open", member="bob", text="How are you?")
    assert dms_to(bot, "bob") == [
        "Les modérateurs de acme t'écrivent. Réponds ici : ils liront ta réponse.\n"
        "**mod1:** How are you?"
    ]
    assert not bot.of("open_thread")


async def test_a_welfare_card_says_how_to_reach_out_where_modmail_runs(
    registry: CogRegistry, tmp_path: Path
) -> None:
    def welfare_card(bot: LocalBot) -> str:
        (card,) = [a["content"] for a in bot.of("post_message") if a.get("buttons")]
        return str(card)

    said = {"type": "message", "id": "m1", "channel": "general", "author": "bob"}
    async with modmail(registry, tmp_path / "on.db") as bot:
        await bot.play(**said, content="I want to kill myself")
        on = welfare_card(bot)
    async with modmail(registry, tmp_path / "off.db", enabled=False) as bot:
        await bot.play(**said, content="I want to kill myself")
        off = welfare_card(bot)
    assert on.startswith("Someone may be at risk: bob")
    assert (
        "\nReach out privately: /modmail open bob TEXT (a modmail thread the team reads, "
        "where their answer comes).\n" in on
    )
    assert off.startswith("Someone may be at risk: bob") and "Reach out privately" not in off


async def test_nobody_is_written_to_whose_answer_would_reach_no_one(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.command("mod1", "modmail block", reason="spam", member="bob")
        blocked = await bot.command("mod1", "modmail open", member="bob", text="hello")
        member = await bot.command("alice", "modmail open", member="bob", text="hello")
    assert blocked == (
        "bob is blocked from modmail: their answers would reach no one. Lift it first with "
        "/modmail unblock bob."
    )
    assert "Only a moderator" in member
    assert not bot.of("open_thread")
    assert not [text for text in dms_to(bot, "bob") if "hello" in text]


async def test_a_members_masked_link_reaches_the_thread_with_its_address_in_sight(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.play(type="dm", author="bob", content="log in at [Acme staff](https://x.example)")
        (opened,) = bot.of("open_thread")
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    assert in_thread(bot, opened["created"])[-1] == (
        "**bob:** log in at [Acme staff]\\(https://x.example)"
    )
    assert transcript.endswith("< bob: log in at [Acme staff]\\(https://x.example)")


async def test_files_reach_the_thread_and_the_transcript_with_or_without_words(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.play(type="dm", author="bob", attachments=["proof.png"])
        await bot.play(type="dm", author="bob", content="and this", attachments=["a.txt", "b.txt"])
        await bot.play(type="dm", author="bob")
        (opened,) = bot.of("open_thread")
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    assert in_thread(bot, opened["created"])[1:] == [
        "**bob:** 📎 proof.png",
        "**bob:** and this\n📎 a.txt\n📎 b.txt",
        "**bob:** (no text or file)",
    ]
    assert "< bob: 📎 proof.png" in transcript


async def test_a_file_staff_attach_reaches_the_member(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.play(type="dm", author="bob", content="Where is the manual?")
        (opened,) = bot.of("open_thread")
        await bot.play(
            type="message",
            id="s1",
            channel="modmail",
            thread=opened["created"],
            author="mod1",
            content="Here it is.",
            attachments=["manual.pdf"],
        )
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    assert dms_to(bot, "bob")[-1] == "**mod1:** Here it is.\n📎 manual.pdf"
    assert transcript.endswith("> mod1: Here it is.\n📎 manual.pdf")


async def test_unsigned_answers_come_from_the_moderators_in_the_members_language(
    registry: CogRegistry, tmp_path: Path
) -> None:
    # Bob reads French: the signature was English ("The moderators") in a French answer.
    async with modmail(registry, tmp_path / "s.db", signed=False) as bot:
        await bot.play(type="dm", author="bob", content="Bonjour ?")
        await bot.play(type="dm", author="alice", content="Hello?")
        bobs, alices = (t["created"] for t in bot.of("open_thread"))
        await staff_says(bot, "s1", bobs, "mod1", "Salut bob, on peut t'aider ?")
        await staff_says(bot, "s2", alices, "mod1", "Hi alice, how can we help?")
    assert dms_to(bot, "bob")[-1] == "**Les modérateurs de acme:** Salut bob, on peut t'aider ?"
    assert dms_to(bot, "alice")[-1] == "**The acme moderators:** Hi alice, how can we help?"


async def test_the_transcript_survives_a_restart(registry: CogRegistry, tmp_path: Path) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.play(type="dm", author="bob", content="Hello?")
        (opened,) = bot.of("open_thread")
        await bot.session.restart()
        await staff_says(bot, "s1", opened["created"], "mod1", "Still here after a restart.")
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    lines = transcript.splitlines()
    assert lines[0] == "Conversation 1 (open)"
    assert lines[1].endswith("< bob: Hello?")
    assert lines[2].endswith("> mod1: Still here after a restart.")


def place(name: str, members: list[dict[str, Any]], **config: Any) -> CommunityLine:
    staff = [
        {"name": "owner", "roles": ["admin"], "owner": True},
        {"name": "mod1", "roles": ["moderator"]},
    ]
    return CommunityLine.model_validate(
        {
            "type": "community",
            "name": name,
            "channels": ["general", "modmail"],
            "members": staff + members,
            "config": {"cogs": {"welcome": {"enabled": False}, "modmail": config}},
        }
    )


def in_staff_thread(staff: LocalCommunity, thread: str) -> list[str]:
    return [m.content for m in staff.messages.values() if m.thread == Ref("local", thread)]


def staff_of(platform: LocalPlatform) -> LocalCommunity:
    return platform.communities[Ref("local", "staff")]


def sent_to(place: LocalCommunity, member: str) -> list[str]:
    return [text for _, who, kind, text in place.dms if who == member and kind != "to_bot"]


@asynccontextmanager
async def shared_staff(registry: CogRegistry, database: Path) -> AsyncIterator[LocalSession]:
    """Run alpha and beta, whose modmail threads both open in the staff community."""
    served = {"channel": "modmail", "staff_community": "staff"}
    alpha = place("alpha", [{"name": "bob", "lang": "fr"}], **served)
    beta = place("beta", [{"name": "dave", "lang": "en"}, {"name": "bob", "lang": "fr"}], **served)
    staff = place("staff", [{"name": "dave"}])
    loaded = load_for_scenario(alpha, registry, others=[beta, staff])
    session = await LocalSession.open(
        alpha, loaded, registry, start=MONDAY, database=database, others=[beta, staff]
    )
    try:
        yield session
    finally:
        await session.close()


async def test_one_staff_space_serves_two_communities(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with shared_staff(registry, tmp_path / "s.db") as session:
        drivers, platform = session.drivers, session.platform
        await drivers["alpha"].command(
            "mod1", "general", "warn", {"member": "bob", "reason": "rude"}
        )
        await drivers["alpha"].direct_message("bob", "Why was I warned?")
        await session.app.bus.join()
        await drivers["beta"].direct_message("dave", "Can I host an event?")
        await session.app.bus.join()
        bob_thread, dave_thread = [
            a.result.ref.id
            for a in platform.applied
            if isinstance(a.action, OpenThread) and a.result.ref
        ]
        await drivers["staff"].say("mod1", "modmail", "You were rude to alice.", thread=bob_thread)
        await drivers["staff"].say("mod1", "modmail", "Yes, go ahead!", thread=dave_thread)
        await session.app.bus.join()
        await drivers["staff"].command("mod1", dave_thread, "modmail close", {"reason": "answered"})
        # Bob is in beta too: what reaches beta goes on in his open conversation.
        await drivers["beta"].direct_message("bob", "Same question in beta, sorry.")
        await session.app.bus.join()
        before = len(staff_of(platform).dms)
        await drivers["staff"].command("mod1", "general", "modmail transcript", {"member": "dave"})
        await session.app.bus.join()
        transcript = staff_of(platform).dms[before:]
    opened = [a.action for a in platform.applied if isinstance(a.action, OpenThread)]
    assert [(o.community.id, o.channel.id) for o in opened] == [("staff", "modmail")] * 2
    assert in_staff_thread(staff_of(platform), bob_thread)[-1] == (
        "**bob:** Same question in beta, sorry."
    )
    staff = staff_of(platform)
    bob_header = in_staff_thread(staff, bob_thread)[0]
    dave_header = in_staff_thread(staff, dave_thread)[0]
    assert bob_header.startswith("Modmail from bob in alpha") and "1 case(s)" in bob_header
    assert dave_header.startswith("Modmail from dave in beta") and "0 case(s)" in dave_header
    to_bob = sent_to(platform.communities[Ref("local", "alpha")], "bob")
    to_dave = sent_to(platform.communities[Ref("local", "beta")], "dave")
    assert "**mod1:** You were rude to alice." in to_bob
    assert "**mod1:** Yes, go ahead!" in to_dave
    assert to_dave[-1].startswith("Your conversation with the beta moderators is closed: answered")
    (answer,) = [text for _, who, _, text in transcript if who == "mod1"]
    assert answer.splitlines()[0] == "Conversation 2 (closed) with beta"
    assert answer.splitlines()[1].endswith("< dave: Can I host an event?")


async def dm_at(bot: LocalBot, seconds: float, content: str, author: str = "bob") -> None:
    at = MONDAY + timedelta(seconds=seconds)
    await bot.play(type="dm", author=author, content=content, at=at.isoformat())


def held(limit: int, *lines: str) -> str:
    """Return the post of bob's lines held back while he wrote more than ``limit`` a minute."""
    said = "\n".join(f"**bob:** {line}" for line in lines)
    return (
        f"_{len(lines)} more message(s) from bob, held back (more than {limit} a minute, or "
        f"not posted at first):_\n{said}"
    )


async def test_a_flood_of_messages_reaches_the_thread_once_a_minute_and_none_is_lost(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db", relay_per_minute=3) as bot:
        for second in range(6):
            await dm_at(bot, second, f"message {second + 1}")
        (opened,) = bot.of("open_thread")
        thread = opened["created"]
        posted_in_the_minute = in_thread(bot, thread)
        transcript_in_the_minute = await bot.command("mod1", "modmail transcript", member="bob")
        # The first line held (message 4, at 3 s) waits a minute.
        await bot.session.advance(MONDAY + timedelta(seconds=62))
        posted_before_its_minute = in_thread(bot, thread)
        await bot.session.advance(MONDAY + timedelta(seconds=63))
        posted_after_it = in_thread(bot, thread)
        # The flood is over: the next message goes straight to the thread again.
        await dm_at(bot, 90, "sorry for the spam")
    assert posted_in_the_minute[1:] == [f"**bob:** message {n}" for n in (1, 2, 3)]
    assert [line.split(": ", 1)[1] for line in transcript_in_the_minute.splitlines()[1:]] == [
        f"message {n}" for n in range(1, 7)
    ]
    assert posted_before_its_minute == posted_in_the_minute
    assert posted_after_it[len(posted_in_the_minute) :] == [
        held(3, "message 4", "message 5", "message 6")
    ]
    assert in_thread(bot, thread)[-1] == "**bob:** sorry for the spam"


async def test_lines_held_back_are_posted_after_a_restart(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db", relay_per_minute=1) as bot:
        await dm_at(bot, 0, "first")
        await dm_at(bot, 10, "second")
        await dm_at(bot, 20, "third")
        await bot.session.restart()
        (opened,) = bot.of("open_thread")
        before_the_minute = in_thread(bot, opened["created"])
        await bot.session.advance(MONDAY + timedelta(seconds=71))
    assert before_the_minute[1:] == ["**bob:** first"]
    assert in_thread(bot, opened["created"])[2:] == [held(1, "second", "third")]


async def test_a_line_the_platform_refused_to_post_reaches_the_thread_after_a_restart(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await dm_at(bot, 0, "first")
        (opened,) = bot.of("open_thread")
        staff = bot.session.community
        thread = staff.channels.pop(opened["created"])  # the platform refuses the post
        await dm_at(bot, 10, "second")
        await bot.session.restart()
        staff.channels[opened["created"]] = thread
        before_the_minute = in_staff_thread(staff, opened["created"])
        await bot.session.advance(MONDAY + timedelta(seconds=71))
    assert before_the_minute[1:] == ["**bob:** first"]
    assert in_staff_thread(staff, opened["created"])[2:] == [held(10, "second")]


async def test_what_a_member_wrote_while_no_thread_could_open_reaches_the_next_one(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        staff = bot.session.community
        channel = staff.channels.pop("modmail")  # the staff channel is gone for now
        await dm_at(bot, 0, "is anyone there?")
        opened_while_gone = bot.of("open_thread")
        staff.channels["modmail"] = channel
        await dm_at(bot, 30, "hello again")
        (opened,) = [o for o in bot.of("open_thread") if "created" in o]
        await bot.session.advance(MONDAY + timedelta(seconds=61))
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    assert [o.get("ok", True) for o in opened_while_gone] == [False]
    assert in_staff_thread(staff, opened["created"])[1:] == [
        held(10, "is anyone there?", "hello again")
    ]
    assert transcript.splitlines()[0] == "Conversation 1 (open)"


async def test_a_line_within_the_pace_waits_behind_lines_held_before_it(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db", relay_per_minute=2) as bot:
        for second, text in enumerate(("one", "two", "three")):
            await dm_at(bot, second, text)
        # Only "three" (at 2 s) was written in the last minute: within the pace, but
        # posting it now would put it before "three".
        await dm_at(bot, 61.5, "four")
        (opened,) = bot.of("open_thread")
        await bot.session.advance(MONDAY + timedelta(seconds=62))
    assert in_thread(bot, opened["created"])[1:] == [
        "**bob:** one",
        "**bob:** two",
        held(2, "three", "four"),
    ]


async def test_a_blocked_member_is_told_once_and_reaches_no_one_until_the_block_ends(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await dm_at(bot, 0, "you are all idiots")
        (opened,) = bot.of("open_thread")
        thread = opened["created"]
        await bot.play(
            type="command",
            author="mod1",
            channel=thread,
            name="modmail block",
            options={"reason": "insults to the team", "duration": "1d"},
        )
        block_reply = bot.of("reply_ephemeral")[-1]["content"]
        await dm_at(bot, 60, "idiots!!")
        await dm_at(bot, 120, "still idiots")
        listed = await bot.command("mod1", "modmail blocks")
        threads_while_blocked = len(bot.of("open_thread"))
        await dm_at(bot, 86_400 + 60, "I am sorry about yesterday.")
    assert block_reply == "Blocked bob from modmail for 1d."
    assert in_thread(bot, thread)[-1] == (
        "Blocked by mod1 for 1d: insults to the team. What bob writes no longer reaches the "
        "moderators; /modmail unblock bob lifts it."
    )
    to_bob = dms_to(bot, "bob")
    told = [text for text in to_bob if "ne parviennent plus" in text]
    # Told a minute into a day's block, bob learns when it ends.
    assert told == [
        "Jusqu'au 2026-03-03 09:00 (UTC), tes messages ne parviennent plus aux modérateurs "
        "de acme : insults to the team."
    ]
    assert listed.splitlines() == [
        "1 member(s) blocked from modmail:",
        "bob (bob), by mod1 on 2026-03-02, until 2026-03-03 09:00 UTC: insults to the team",
    ]
    assert threads_while_blocked == 1
    # The block ended by itself: the apology opens a new conversation.
    assert len(bot.of("open_thread")) == 2
    assert in_thread(bot, bot.of("open_thread")[-1]["created"])[-1] == (
        "**bob:** I am sorry about yesterday."
    )


async def test_a_member_blocked_for_a_while_learns_when_it_ends_in_the_communitys_time(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db", timezone="Europe/Amsterdam") as bot:
        await bot.command("mod1", "modmail block", reason="spam", member="alice", duration="7d")
        # Three days on, alice writes for the first time since.
        await bot.session.advance(MONDAY + timedelta(days=3))
        await bot.play(type="dm", author="alice", content="hello?")
    assert dms_to(bot, "alice") == [
        "Until 2026-03-09 10:00 (Europe/Amsterdam), your messages do not reach the acme "
        "moderators: spam."
    ]


async def test_moderators_block_by_name_and_lift_the_block(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        nameless = await bot.command("mod1", "modmail block", reason="spam")
        forever = await bot.command("mod1", "modmail block", reason="spam", member="bob")
        await dm_at(bot, 60, "let me in")
        unknown = await bot.command("mod1", "modmail unblock", member="alice")
        lifted = await bot.command("mod1", "modmail unblock", member="@Bob")
        # Blocked again, and lifted by a mention typed into the text (as Discord writes one).
        await bot.command("mod1", "modmail block", reason="spam", member="bob")
        by_mention = await bot.command("mod1", "modmail unblock", member="<@!bob>")
        empty = await bot.command("mod1", "modmail blocks")
        await dm_at(bot, 120, "thank you")
    assert "Name the member, or run /modmail block in their modmail thread" in nameless
    assert [text for text in dms_to(bot, "bob") if "ne parviennent plus" in text] == [
        "Tes messages ne parviennent plus aux modérateurs de acme : spam."
    ]
    assert forever == "Blocked bob from modmail until lifted."
    assert "alice is not blocked from modmail" in unknown
    assert lifted == by_mention == "bob can write to the moderators again."
    assert empty == "No one is blocked from modmail."
    (opened,) = bot.of("open_thread")
    assert in_thread(bot, opened["created"])[-1] == "**bob:** thank you"
    assert not any("let me in" in text for text in in_thread(bot, opened["created"]))


async def test_a_block_made_in_the_staff_space_holds_in_every_community_it_serves(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with shared_staff(registry, tmp_path / "s.db") as session:
        drivers, platform = session.drivers, session.platform
        await drivers["alpha"].direct_message("bob", "You are useless.")
        await session.app.bus.join()
        (thread,) = [
            a.result.ref.id
            for a in platform.applied
            if isinstance(a.action, OpenThread) and a.result.ref
        ]
        await drivers["staff"].command("mod1", thread, "modmail block", {"reason": "abuse"})
        await session.app.bus.join()
        await drivers["beta"].direct_message("bob", "Useless in beta too.")
        await session.app.bus.join()
    opened = [a for a in platform.applied if isinstance(a.action, OpenThread)]
    assert len(opened) == 1
    assert not any("beta too" in text for text in in_staff_thread(staff_of(platform), thread))
    assert sent_to(platform.communities[Ref("local", "beta")], "bob") == [
        "Tes messages ne parviennent plus aux modérateurs de beta : abuse."
    ]


async def test_a_long_conversations_transcript_shows_its_last_lines_and_says_so(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db", relay_per_minute=1000) as bot:
        for n in range(TRANSCRIPT_SHOWN + 5):
            await dm_at(bot, n, f"line {n}")
        transcript = await bot.command("mod1", "modmail transcript", member="bob")
    header, first, *rest = transcript.splitlines()
    assert header == (
        f"Conversation 1 (open): the last {TRANSCRIPT_SHOWN} of {TRANSCRIPT_SHOWN + 5} lines "
        "(the thread has them all)"
    )
    assert first.endswith("< bob: line 5")
    assert rest[-1].endswith(f"< bob: line {TRANSCRIPT_SHOWN + 4}")


async def test_a_blocked_members_private_messages_reach_no_team_through_routing_either(
    registry: CogRegistry, tmp_path: Path
) -> None:
    config = {
        "cogs": {
            "welcome": {"enabled": False},
            "modmail": {},
            "routing": {"teams": {"sales_lead": {"destination": "sales"}}},
        }
    }
    channels = ["general", "mod-log", "modmail", "sales"]
    lead = "We want to buy 200 lamps for our offices. Who can I talk to about volume pricing?"
    async with local_bot(
        registry, tmp_path / "s.db", config, start=MONDAY, channels=channels
    ) as bot:
        await bot.command("mod1", "modmail block", reason="abuse", member="bob")
        await bot.session.restart()  # the block holds after a restart too
        await dm_at(bot, 60, lead)
        await dm_at(bot, 120, lead, author="alice")
    sales = [p["content"] for p in bot.of("post_message") if p["channel"] == "sales"]
    assert len(sales) == 1 and "from alice" in sales[0]
    assert not any("J'ai transmis" in text for text in dms_to(bot, "bob"))


@pytest.mark.parametrize(
    ("earlier", "record"),
    [
        # Shouting is in shadow mode by default: a trial's case, not on bob's record.
        (
            "WHY IS NOBODY ANSWERING MY QUESTION ABOUT THE LAMP",
            "Record: 0 case(s), 0 active point(s); latest: none. Write",
        ),
        # Whoever answers should know bob may have been at risk, as no offence of his.
        (
            "I want to kill myself tonight",
            "Record: 0 case(s), 0 active point(s); latest: none. Earlier welfare alert(s): 1.",
        ),
    ],
    ids=["shadow-trial", "welfare-alert"],
)
async def test_the_threads_header_counts_only_cases_on_the_members_record(
    registry: CogRegistry, tmp_path: Path, earlier: str, record: str
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.play(type="message", id="m1", channel="general", author="bob", content=earlier)
        await dm_at(bot, 60, "hello?")
        (opened,) = bot.of("open_thread")
    header = in_thread(bot, opened["created"])[0]
    assert record in header


async def test_the_threads_header_quotes_the_latest_staff_note_not_as_a_case(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db") as bot:
        await bot.command("mod1", "note", member="bob", text="old note")
        await bot.command("mod1", "note", member="bob", text="prefers French; [details](x.y)")
        await dm_at(bot, 60, "hello?")
        (opened,) = bot.of("open_thread")
    header = in_thread(bot, opened["created"])[0]
    assert "Record: 0 case(s), 0 active point(s); latest: none. Write" in header
    # Written by a moderator, quoted all the same: a masked link shows as typed.
    assert header.splitlines()[-1] == (
        "Staff note by mod1, 2026-03-02: prefers French; [details]\\(x.y) (2 notes in all)"
    )
