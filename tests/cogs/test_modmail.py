"""Modmail on the local platform: a member's private message, staff answers, closing, transcript."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.registry import CogRegistry
from tests.conftest import LocalBot, local_bot

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)


@asynccontextmanager
async def modmail(
    registry: CogRegistry, database: Path, **settings: Any
) -> AsyncIterator[LocalBot]:
    config = {"cogs": {"welcome": {"enabled": False}, "modmail": settings}}
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
    assert header.startswith("Modmail from bob (bob) in acme") and "0 case(s)" in header
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


async def test_unsigned_answers_come_from_the_moderators(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with modmail(registry, tmp_path / "s.db", signed=False) as bot:
        await bot.play(type="dm", author="bob", content="Hello?")
        (opened,) = bot.of("open_thread")
        await staff_says(bot, "s1", opened["created"], "mod1", "Hi bob, how can we help?")
    assert dms_to(bot, "bob")[-1] == "**The moderators:** Hi bob, how can we help?"


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
