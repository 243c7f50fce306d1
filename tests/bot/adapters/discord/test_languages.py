"""Members' languages, learnt from their interactions: kept, stored, read back, given out."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord._languages import (
    STATE_OWNER,
    STATE_PLACE,
    MemberLanguages,
    locale_tag,
    unset_language_notes,
)
from bot.adapters.discord.translate import ref
from bot.app import open_storage
from bot.config import Config, parse_config
from bot.core.clock import SystemClock
from bot.core.events import MessageCreated
from bot.core.models import Member, Message
from bot.core.refs import Ref
from bot.registry import CogRegistry
from bot.standins.discord import DiscordStandin
from tests.bot.adapters.discord.conftest import ORIGINAL, CountingState, Lumen, Start


class BrokenState:
    """A store that fails every call, as a database gone away would."""

    async def get(self, community: Ref, cog: str, key: str) -> Any | None:
        raise OSError("disk gone")

    async def put(self, community: Ref, cog: str, key: str, value: Any) -> None:
        raise OSError("disk gone")

    async def delete(self, community: Ref, cog: str, key: str) -> None:
        raise OSError("disk gone")

    async def recent(self, community: Ref, cog: str, limit: int) -> list[tuple[str, Any]]:
        raise OSError("disk gone")


def member(user_id: int, lang: str | None = None) -> Member:
    return Member(ref=ref(user_id), name=f"user{user_id}", lang=lang)


def message_from(author: Member) -> MessageCreated:
    at = datetime(2026, 12, 4, tzinfo=UTC)
    return MessageCreated(
        community=ref(1),
        at=at,
        id="m1",
        message=Message(ref=ref(10), channel=ref(2), author=author, content="hello", created_at=at),
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (discord.Locale.french, "fr"),
        (discord.Locale.brazil_portuguese, "pt-BR"),
        (discord.Locale.norwegian, "no"),
        ("es-ES", "es-ES"),
        ("en_us", "en-US"),
        ("", None),
        ("Klingon!", None),
        (None, None),
        (42, None),
    ],
)
def test_a_discord_locale_becomes_a_standard_tag_or_nothing(
    locale: object, expected: str | None
) -> None:
    assert locale_tag(locale) == expected


async def test_languages_are_stored_when_news_and_read_back_most_recent_first(
    tmp_path: Path,
) -> None:
    storage = await open_storage(tmp_path / "steward.db", SystemClock())
    try:
        state = CountingState(storage.cog_state)
        # Entries that do not parse are skipped, not trusted.
        await storage.cog_state.put(STATE_PLACE, STATE_OWNER, "language:abc", {"language": "fr"})
        await storage.cog_state.put(STATE_PLACE, STATE_OWNER, "language:4", {"language": "??"})
        await storage.cog_state.put(STATE_PLACE, STATE_OWNER, "language:5", "fr")
        languages = MemberLanguages(state=state)
        news = [languages.heard(1, "fr"), languages.heard(1, "fr"), languages.heard(2, "da")]
        assert news == [True, False, True], "only a new or changed language needs storing"
        assert languages.heard(3, None) is False and languages.of(3) is None
        await languages.keep(1, "fr")
        await languages.keep(2, "da")
        assert languages.heard(1, "nl") is True  # they switched their client's language
        await languages.keep(1, "nl")
        assert state.puts == 3

        restarted = MemberLanguages(state=state)
        assert await restarted.load() == 2
        assert (restarted.of(1), restarted.of(2), restarted.of(4)) == ("nl", "da", None)

        small = MemberLanguages(remembered=1, state=state)
        small.heard(9, "ja")  # heard since the start: kept before anything stored
        assert await small.load() == 0
        assert small.of(9) == "ja"
        one = MemberLanguages(remembered=1, state=state)
        await one.load()
        assert (one.of(1), one.of(2)) == ("nl", None), "the most recently stored is kept"
    finally:
        await storage.close()


async def test_memory_forgets_the_least_recently_heard_first() -> None:
    languages = MemberLanguages(remembered=2)
    languages.heard(1, "fr")
    languages.heard(2, "da")
    languages.heard(1, "fr")  # heard again: now the most recent
    languages.heard(3, "pl")
    assert (languages.of(1), languages.of(2), languages.of(3)) == ("fr", None, "pl")


async def test_a_failing_store_loses_nothing_heard(caplog: pytest.LogCaptureFixture) -> None:
    languages = MemberLanguages(state=BrokenState())
    assert languages.heard(1, "fr") is True
    await languages.keep(1, "fr")
    assert await languages.load() == 0
    assert languages.of(1) == "fr"
    assert "could not store the language of member 1" in caplog.text
    assert "could not read the members' languages" in caplog.text


def test_events_get_the_languages_known_and_keep_those_they_have() -> None:
    languages = MemberLanguages()
    unknown = message_from(member(7))
    assert languages.applied(unknown) is unknown, "nothing known: the event as it came"
    languages.heard(7, "fr")
    told = languages.applied(unknown)
    assert told.message.author.lang == "fr"
    assert told.message.content == "hello" and told.id == unknown.id
    stranger = message_from(member(8))
    assert languages.applied(stranger) is stranger
    already = message_from(member(7, lang="de"))
    assert languages.applied(already).message.author.lang == "de"
    local = Member(ref=Ref("local", "alice"), name="alice")
    assert languages.told(local) is local


async def notice_to(standin: DiscordStandin, name: str, count: int) -> str:
    """Wait for the ``count``-th notice that greets ``name``; return its text."""
    request = await standin.wait_for_request(
        "POST",
        "/channels/{channel_id}/messages",
        where=lambda r: (r.reason or "").startswith("notice") and name in r.json["content"],
        count=count,
    )
    return str(request.json["content"])


async def test_a_member_reads_notices_in_their_clients_language_once_they_interacted(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    celine = standin.add_member(lumen.guild, "celine", locale="fr")
    async with start() as steward:
        await standin.post_message(lumen.general, celine, "you are an idiot")
        before = await notice_to(standin, "celine", 1)
        await standin.post_message(lumen.general, lumen.bob, "you are an idiot")
        english = await notice_to(standin, "bob", 1)
        await standin.run_command(
            lumen.guild, lumen.general, celine, "appeal open", {"case": 1, "reason": "a joke"}
        )
        answer = await standin.wait_for_request("PATCH", ORIGINAL)
        await standin.post_message(lumen.general, celine, "what a moron you are")
        after = await notice_to(standin, "celine", 2)
        await standin.run_command(  # a moderator's action: the member is looked up
            lumen.guild, lumen.general, lumen.mona, "warn", {"member": celine, "reason": "tone"}
        )
        warned = await notice_to(standin, "celine", 3)
        await steward.settle()
    assert before.startswith("Hi celine"), "no interaction yet: the community's language"
    assert english.startswith("Hi bob")
    assert answer.json["content"].startswith("Nous avons reçu ton appel du cas #1")
    assert after.startswith("Bonjour celine")
    assert warned.startswith("Bonjour celine") and "avertissement" in warned

    async with start() as steward:  # a new process: the language comes back from storage
        await standin.post_message(lumen.general, celine, "you absolute moron")
        again = await notice_to(standin, "celine", 4)
        await steward.settle()
    assert again.startswith("Bonjour celine")


def communities(*sections: str) -> Config:
    text = "\n".join(sections)
    return parse_config(text, CogRegistry(), source="<test>").config


@pytest.mark.parametrize(
    ("section", "locale", "warned"),
    [
        ('platform = "discord"\nid = "11"', "fr", True),
        ('platform = "discord"\nid = "11"', "en-GB", False),  # English either way
        ('platform = "discord"\nid = "11"\nlanguage = "en"', "fr", False),  # chosen
        ('platform = "discord"\nid = "11"\nlanguage = "fr-CA"', "fr", False),
        ('platform = "discord"\nid = "12"', "fr", False),  # a guild not known here
        ('platform = "slack"\nid = "11"', "fr", False),
    ],
)
def test_a_discord_community_without_a_language_is_told_of_its_servers(
    section: str, locale: str, warned: bool
) -> None:
    config = communities(f"[communities.lumen]\n{section}\n")
    notes = unset_language_notes(config, {11: discord.Locale(locale)}.get)
    assert bool(notes) == warned
    if warned:
        (note,) = notes
        assert note.startswith("communities.lumen: the Discord server's primary language is fr")
        assert 'set language = "fr" (or "en" to keep it) in [communities.lumen]' in note


async def test_the_connection_warns_once_the_guilds_are_known(
    standin: DiscordStandin, lumen: Lumen, start: Start, caplog: pytest.LogCaptureFixture
) -> None:
    lumen.guild.preferred_locale = "nl"
    caplog.set_level(logging.WARNING, logger="bot.adapters.discord.connection")
    async with start() as steward:
        for _ in range(100):
            if "primary language is nl" in caplog.text:
                break
            await asyncio.sleep(0.05)
        await steward.settle()
    assert "communities.lumen: the Discord server's primary language is nl" in caplog.text
