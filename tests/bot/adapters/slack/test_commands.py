"""``/steward case show 12`` read against the real command specs of the cogs."""

from __future__ import annotations

import pytest

from bot.adapters.slack.commands import parse
from bot.core.commands import CommandSpec, commands_of
from bot.registry import CogRegistry
from bot.system import SystemCommands


@pytest.fixture
def specs(registry: CogRegistry) -> list[CommandSpec]:
    found = commands_of(SystemCommands)
    for entry in registry:
        found.extend(commands_of(entry.cls))
    return found


def test_the_longest_command_path_wins(specs: list[CommandSpec]) -> None:
    assert parse("case show 12", specs) == ("case show", {"number": "12"})
    assert parse("case list", specs)[0] == "case list"


def test_mentions_fill_member_options_and_the_reason_takes_the_rest(
    specs: list[CommandSpec],
) -> None:
    name, options = parse("warn <@U0ALICE|alice> stop posting links", specs)
    assert (name, options) == ("warn", {"member": "U0ALICE", "reason": "stop posting links"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Options after the reason take the last words when those can be theirs.
        (
            "ban <@U0BOB|bob> spamming links 7d",
            {"member": "U0BOB", "reason": "spamming links", "duration": "7d"},
        ),
        ("ban <@U0BOB|bob> spamming links", {"member": "U0BOB", "reason": "spamming links"}),
        (
            "modmail block abusive language <@U0BOB|bob> 7d",
            {"reason": "abusive language", "member": "U0BOB", "duration": "7d"},
        ),
        ("modmail block rude to mona 1d", {"reason": "rude to mona", "duration": "1d"}),
        # A bare word is a member only as Slack sends one: a mention.
        ("modmail block rude to mona", {"reason": "rude to mona"}),
        ("policy shadow spam-links no", {"rule": "spam-links", "on": "no"}),
        ("prompt list gear tips", {"topic": "gear tips"}),
        # A prompt's text is the line; its optional tags are set by name.
        ("prompt add What is your favourite lamp?", {"text": "What is your favourite lamp?"}),
        (
            "prompt add Quelle lampe préfères-tu ? language=fr topics=gear",
            {"text": "Quelle lampe préfères-tu ?", "language": "fr", "topics": "gear"},
        ),
    ],
)
def test_a_reason_of_several_words_before_other_options_keeps_its_words(
    specs: list[CommandSpec], text: str, expected: dict[str, str]
) -> None:
    assert parse(text, specs)[1] == expected


def test_named_options_and_quotes(specs: list[CommandSpec]) -> None:
    _, options = parse('timeout <@U1> duration=2h reason="too loud"', specs)
    assert options == {"member": "U1", "duration": "2h", "reason": "too loud"}


def test_the_slash_commands_own_name_may_start_a_path(specs: list[CommandSpec]) -> None:
    assert parse("status", specs) == ("steward status", {})
    assert parse("", specs) == ("help", {})


def test_unknown_words_reach_the_router_which_names_them(specs: list[CommandSpec]) -> None:
    assert parse("teleport me", specs) == ("teleport", {})
    assert parse("help me please", specs)[1] == {"me please": "?"}


def test_words_typed_after_a_rule_are_those_added(specs: list[CommandSpec]) -> None:
    assert parse("policy words insults lampwrecker*, dimmer hater", specs) == (
        "policy words",
        {"rule": "insults", "add": "lampwrecker*, dimmer hater"},
    )
    assert parse("policy words spam-links remove=evil.example which=allow", specs) == (
        "policy words",
        {"rule": "spam-links", "remove": "evil.example", "which": "allow"},
    )
