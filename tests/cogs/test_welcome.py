"""The welcome cog: greetings that point newcomers on, and the optional guidelines gate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.core.events import MessageCreated
from bot.core.models import Member, Message
from bot.core.refs import Ref
from bot.registry import CogRegistry
from cogs.welcome import WelcomeSettings
from tests.conftest import ScenarioRunner, community, local_bot

GATED = {"cogs": {"welcome": {"gate": True, "introductions": "hello"}}}


def join(name: str, at: str) -> dict[str, Any]:
    return {"type": "join", "at": at, "member": {"name": name, "lang": "en"}}


def say(ident: str, author: str, at: str) -> dict[str, Any]:
    return {
        "type": "message",
        "at": at,
        "id": ident,
        "channel": "general",
        "author": author,
        "content": "hi all, happy to be here",
    }


def click(author: str, choice: str, at: str) -> dict[str, Any]:
    return {"type": "click", "at": at, "author": author, "target": "welcome:gate", "choice": choice}


async def test_a_gated_newcomer_posts_only_after_accepting_the_guidelines(
    run_scenario: ScenarioRunner,
) -> None:
    actions = await run_scenario(
        [
            community(config=GATED),
            join("zoe", "2026-03-02T09:00:00Z"),
            say("m1", "zoe", "2026-03-02T09:01:00Z"),
            click("alice", "zoe", "2026-03-02T09:02:00Z"),
            click("zoe", "zoe", "2026-03-02T09:03:00Z"),
            say("m2", "zoe", "2026-03-02T09:04:00Z"),
            say("m3", "alice", "2026-03-02T09:05:00Z"),
        ]
    )
    greeting, *rest = actions
    assert greeting["content"] == (
        "Welcome to acme, zoe! Please read our guidelines in #rules, "
        "then introduce yourself in #hello."
    )
    assert greeting["buttons"] == [
        {
            "target": "welcome:gate",
            "choice": "zoe",
            "label": "I accept the guidelines",
            "style": "primary",
        }
    ]
    deleted = [a["message"] for a in rest if a["action"] == "delete_message"]
    assert deleted == ["m1"], "held before accepting, free after; members already in are free"
    told = [(a["member"], a["content"]) for a in rest if a["action"] == "reply_ephemeral"]
    assert told[0][0] == "zoe" and "accept the guidelines in #rules" in told[0][1]
    assert told[1] == ("alice", "This button is for the member it welcomes.")
    assert told[2] == ("zoe", "Thank you! You can post now.")
    assert all(a["action"] != "timeout" for a in rest), "the gate sanctions nobody"


async def test_the_gate_speaks_each_newcomers_language(run_scenario: ScenarioRunner) -> None:
    # bob is French and clicks zoé's button; zoé is French and clicks her own.
    zoe = {"type": "join", "at": "2026-03-02T09:00:00Z", "member": {"name": "zoe", "lang": "fr"}}
    actions = await run_scenario(
        [
            community(config=GATED),
            zoe,
            click("bob", "zoe", "2026-03-02T09:02:00Z"),
            click("zoe", "zoe", "2026-03-02T09:03:00Z"),
        ]
    )
    greeting, *rest = actions
    assert greeting["content"].startswith("Bienvenue sur acme, zoe !")
    assert [button["label"] for button in greeting["buttons"]] == ["J'accepte les règles"]
    told = [(a["member"], a["content"]) for a in rest if a["action"] == "reply_ephemeral"]
    assert told == [
        ("bob", "Ce bouton est réservé au membre que ce message accueille."),
        ("zoe", "Merci ! Tu peux publier maintenant."),
    ]


@pytest.mark.parametrize(
    ("setting", "label"),
    [
        ("Je dis oui", "Je dis oui"),  # one text, as the setting was first written
        ({"en": "Yes to the rules", "fr": "Oui aux règles"}, "Oui aux règles"),
    ],
)
async def test_a_community_words_the_gate_button_once_or_by_language(
    run_scenario: ScenarioRunner, setting: str | dict[str, str], label: str
) -> None:
    config = {"cogs": {"welcome": {"gate": True, "gate_button": setting}}}
    zoe = {"type": "join", "at": "2026-03-02T09:00:00Z", "member": {"name": "zoe", "lang": "fr"}}
    greeting, *_ = await run_scenario([community(config=config), zoe])
    assert [button["label"] for button in greeting["buttons"]] == [label]


def test_a_button_label_longer_than_discord_shows_is_refused_with_the_configuration() -> None:
    with pytest.raises(ValidationError, match="at most 80 characters"):
        WelcomeSettings.model_validate({"gate_button": {"en": "x" * 81}})
    with pytest.raises(ValidationError, match="gate_button\n  Value error, the button needs"):
        WelcomeSettings.model_validate({"gate_button": " "})


async def test_without_the_gate_newcomers_post_at_once(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario(
        [community(), join("zoe", "2026-03-02T09:00:00Z"), say("m1", "zoe", "2026-03-02T09:01:00Z")]
    )
    (greeting,) = actions
    assert "buttons" not in greeting


async def test_a_newcomer_named_like_staff_is_greeted_by_their_handle(
    run_scenario: ScenarioRunner,
) -> None:
    def newcomer(name: str, display: str, at: str) -> dict[str, Any]:
        return {"type": "join", "at": at, "member": {"name": name, "display_name": display}}

    actions = await run_scenario(
        [
            community(),
            newcomer("mark_n", "Mark (Northwind Offices)", "2026-03-02T09:00:00Z"),
            newcomer("lumen_helpdesk", "Lumen Support", "2026-03-02T09:01:00Z"),
        ]
    )
    greetings = [a["content"] for a in actions if a.get("reason") == "welcome"]
    # The bot's own public welcome would lend the fake support account its standing.
    assert [g.split("!")[0] for g in greetings] == [
        "Welcome to acme, Mark (Northwind Offices)",
        "Welcome to acme, lumen_helpdesk",
    ]


@pytest.mark.parametrize("gate", [False, True])
async def test_messages_are_queued_for_the_gate_only_when_it_is_on(
    registry: CogRegistry, tmp_path: Path, gate: bool
) -> None:
    config = {"cogs": {"welcome": {"gate": gate}}}
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    async with local_bot(registry, tmp_path / "steward.db", config, start=start) as bot:
        app = bot.session.app
        message = Message(
            ref=Ref("local", "m1"),
            channel=Ref("local", "general"),
            author=Member(ref=Ref("local", "zoe"), name="zoe"),
            content="hi",
            created_at=start,
        )
        event = MessageCreated(
            community=app.runtimes["acme"].community.ref, at=start, id="m1", message=message
        )
        names = {sub.name for sub in app.bus.handlers_for(event)}
    assert ("welcome.hold" in names) is gate
    assert "guidelines.on_message" in names


async def test_a_display_name_written_as_a_masked_link_shows_where_it_leads(
    run_scenario: ScenarioRunner,
) -> None:
    # The greeting is public: unquoted, the name would be a clickable "Free Nitro".
    joined = {
        "type": "join",
        "at": "2026-03-02T09:00:00Z",
        "member": {"name": "raider", "display_name": "[Free Nitro](https://phish.example)"},
    }
    (greeting,) = await run_scenario([community(), joined])
    assert "Welcome to acme, [Free Nitro]\\(https://phish.example)!" in greeting["content"]


async def test_a_newcomer_gated_during_a_raid_is_greeted_with_the_button_once_it_is_over(
    run_scenario: ScenarioRunner,
) -> None:
    # Nobody is greeted while a raid is held, so gus had no button to accept with: he was
    # told to accept with a button that did not exist, and stayed gated for good.
    raid = [
        {
            "type": "join",
            "at": f"2026-03-02T09:00:{i * 5:02d}Z",
            "member": {"name": f"fan{i}", "account_created": "2026-03-01T00:00:00Z"},
        }
        for i in range(5)
    ]
    gus = {
        "type": "join",
        "at": "2026-03-02T09:01:00Z",
        "member": {"name": "gus", "lang": "en", "account_created": "2024-01-01T00:00:00Z"},
    }
    actions = await run_scenario(
        [
            community(config=GATED),
            *raid,
            gus,
            say("m1", "gus", "2026-03-02T09:02:00Z"),
            say("m2", "gus", "2026-03-02T10:00:00Z"),  # the 30 minutes' hold is over
            click("gus", "gus", "2026-03-02T10:01:00Z"),
            say("m3", "gus", "2026-03-02T10:02:00Z"),
        ]
    )
    greetings = [
        a for a in actions if a["action"] == "post_message" and a.get("reason") == "welcome"
    ]
    told = [a["content"] for a in actions if a.get("member") == "gus" and "content" in a]
    deleted = [a["message"] for a in actions if a["action"] == "delete_message"]
    assert [g["content"].split("!")[0] for g in greetings][-1] == "Welcome to acme, gus"
    assert greetings[-1]["buttons"][0]["choice"] == "gus"
    assert told[0].startswith("New members can post once our moderators have dealt with")
    assert told[1].startswith("Please accept the guidelines in #rules with the button")
    assert told[2] == "Thank you! You can post now."
    assert deleted == ["m1", "m2"], "free once accepted"
