"""The mod log's one line per action."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.core.actions import DeleteMessage
from bot.core.events import MessageDeleted
from bot.core.models import Attachment, Member
from bot.core.refs import Ref
from bot.registry import CogRegistry
from cogs.modlog import _waiting_from, _waiting_record, summarise
from tests.conftest import ScenarioRunner, community, local_bot


def test_a_deletion_names_who_what_why_and_the_case() -> None:
    action = DeleteMessage(
        community=Ref("local", "acme"),
        channel=Ref("local", "general"),
        message=Ref("local", "m1"),
        actor="local:mod1",
        reason="reported by bob: [proof](https://x.example)",
        case="#4",
    )
    assert summarise(action, True, "") == (
        "mod1 deleted message m1 in #general | reason: reported by bob: "
        "[proof]\\(https://x.example) | case #4"
    )
    assert summarise(action, False, "missing permission").startswith(
        "FAILED (missing permission): mod1 deleted message m1"
    )


async def test_a_lockdown_and_its_end_are_on_the_log(run_scenario: ScenarioRunner) -> None:
    # Who closed a channel to members, and when it opened again, is a staff question.
    def command(at: str, name: str, **options: str) -> dict[str, object]:
        return {
            "type": "command",
            "at": at,
            "author": "mod1",
            "channel": "general",
            "name": name,
            "options": options,
        }

    actions = await run_scenario(
        [
            community(),
            command("2026-03-02T09:00:00Z", "lockdown", reason="raid in progress"),
            command("2026-03-02T09:30:00Z", "unlock"),
        ]
    )
    logged = [a["content"] for a in actions if a.get("channel") == "mod-log"]
    assert logged == [
        "mod1 locked #general | reason: raid in progress",
        "mod1 unlocked #general | reason: unlock",
    ]


def _at(second: int) -> str:
    return f"2026-03-02T09:00:{second:02d}Z"


def _said(
    ident: str, author: str, content: str, second: int, channel: str = "general"
) -> dict[str, object]:
    return {
        "type": "message",
        "at": _at(second),
        "id": ident,
        "channel": channel,
        "author": author,
        "content": content,
    }


async def test_members_edits_and_deletions_are_copied_to_the_message_log_when_asked(
    run_scenario: ScenarioRunner,
) -> None:
    lines: list[dict[str, object]] = [
        _said("m1", "alice", "the lamp ships on monday", 1),
        {"type": "edit", "at": _at(2), "id": "m1", "content": "the lamp ships on friday"},
        _said("m2", "bob", "you are all sheep, [click](https://x.example)", 3),
        {"type": "delete", "at": _at(4), "id": "m2"},
        _said("m3", "mod1", "noted", 5, channel="mod-log"),  # staff's own channel: not copied
        {"type": "edit", "at": _at(6), "id": "m3", "content": "noted, thanks"},
        {"type": "advance", "to": _at(20)},
    ]
    asked = {"cogs": {"modlog": {"message_log": "message-log"}}}
    channels = ["general", "support", "mod-log", "message-log"]
    logged = await run_scenario([community(config=asked, channels=channels), *lines])
    unasked = await run_scenario([community(), *lines])
    copies = [a["content"] for a in logged if a.get("channel") == "message-log"]
    assert copies == [
        "alice edited message m1 in #general:\n"
        "> before: the lamp ships on monday\n"
        "> now: the lamp ships on friday",
        "bob's message m2 in #general was deleted:\n"
        "> you are all sheep, [click]\\(https://x.example)",
    ]
    assert [a for a in unasked if a["action"] == "post_message"] == [], "off by default"


async def test_the_message_log_names_the_moderator_who_deleted_a_message_by_hand(
    run_scenario: ScenarioRunner,
) -> None:
    # The platform says whose messages a moderator deleted where, not which: bob's own
    # deletion a second before the moderator's is not taken for it.
    lines: list[dict[str, object]] = [
        _said("m1", "bob", "first try", 1),
        _said("m2", "bob", "buy followers at x.example", 2),
        _said("m3", "alice", "hello", 3),
        {"type": "delete", "at": _at(4), "id": "m1"},
        _deleted_by_mod1("m2", 5),
        {"type": "delete", "at": _at(6), "id": "m3", "by": "alice"},  # her own
        {"type": "advance", "to": _at(20)},
    ]
    asked = {"cogs": {"modlog": {"message_log": "message-log"}}}
    channels = ["general", "mod-log", "message-log"]
    logged = await run_scenario([community(config=asked, channels=channels), *lines])
    copies = [a["content"] for a in logged if a.get("channel") == "message-log"]
    assert copies == [
        "bob's message m1 in #general was deleted:\n> first try",
        "bob's message m2 in #general was deleted by mod1:\n> buy followers at x.example",
        "alice's message m3 in #general was deleted:\n> hello",
    ]


def _deleted_by_mod1(ident: str, second: int) -> dict[str, object]:
    return {"type": "delete", "at": _at(second), "id": ident, "by": "mod1"}


async def test_messages_deleted_at_once_are_copied_in_one_post_per_channel(
    run_scenario: ScenarioRunner,
) -> None:
    # A moderator clearing a raider's messages: one post with a line each, not a flood.
    lines: list[dict[str, object]] = [
        _said("m1", "bob", "raid raid raid", 1),
        _said("m2", "bob", "a" * 250, 2),
        _said("m3", "alice", "hello", 3, channel="support"),
        _said("m4", "bob", "", 4) | {"attachments": ["raid.gif"]},  # a file alone
        *(_deleted_by_mod1(m, 5) for m in ("m1", "m2", "m3", "m4")),
        {"type": "advance", "to": _at(20)},
    ]
    asked = {"cogs": {"modlog": {"message_log": "message-log"}}}
    channels = ["general", "support", "mod-log", "message-log"]
    logged = await run_scenario([community(config=asked, channels=channels), *lines])
    copies = [a["content"] for a in logged if a.get("channel") == "message-log"]
    assert copies == [
        "3 messages in #general were deleted:\n"
        "> bob (message m1, deleted by mod1): raid raid raid\n"
        f"> bob (message m2, deleted by mod1): {'a' * 199}…\n"
        "> bob (message m4, deleted by mod1): 📎 raid.gif",
        "alice's message m3 in #support was deleted by mod1:\n> hello",
    ]


async def test_a_deletion_waiting_for_the_log_is_copied_after_a_restart_and_only_once(
    registry: CogRegistry, tmp_path: Path
) -> None:
    config: dict[str, Any] = {"cogs": {"modlog": {"message_log": "message-log"}}}
    channels = ["general", "mod-log", "message-log"]
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    async with local_bot(
        registry, tmp_path / "s.db", config, start=start, channels=channels
    ) as bot:
        await bot.play(**_said("m1", "bob", "you are all sheep", 1), attachments=["sheep.png"])
        await bot.play(type="delete", at=_at(2), id="m1")
        await bot.session.restart()  # within the deletion's grace
        await bot.play(type="advance", to=_at(20))
        await bot.session.restart()
        await bot.play(type="advance", to=_at(40))
    copies = [a["content"] for a in bot.of("post_message") if a.get("channel") == "message-log"]
    assert copies == [
        "bob's message m1 in #general was deleted:\n> you are all sheep\n> 📎 sheep.png"
    ]


def test_a_waiting_deletion_comes_back_from_the_store_whole() -> None:
    # Every field the copy shows must survive the restart: a field left out of the record
    # would come back empty, and the copy would lose it without a word.
    deleted = MessageDeleted(
        community=Ref("discord", "1"),
        at=datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC),
        message=Ref("discord", "10"),
        channel=Ref("discord", "2"),
        thread=Ref("discord", "3"),
        author=Member(ref=Ref("discord", "7"), name="bob"),
        content="you are all sheep",
        attachments=(Attachment(filename="sheep.png", url="https://cdn.example/sheep.png"),),
    )
    assert deleted.author is not None
    record = json.loads(json.dumps(_waiting_record(deleted, deleted.author)))
    assert _waiting_from(deleted.community, record) == deleted
    assert _waiting_from(deleted.community, {"at": "yesterday"}) is None
