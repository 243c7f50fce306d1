"""simulate: the scenario contract, determinism, errors that name the line, speed of the clock."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.local.scenario import ScenarioError
from bot.bench.cases import generated_scenario
from bot.registry import CogRegistry
from bot.simulation import Refusal, simulate
from tests.conftest import ScenarioRunner, community, lines_of


async def collect(lines: list[str], registry: CogRegistry) -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    await simulate(lines, registry, on_action=actions.append)
    return actions


async def test_join_is_welcomed_in_the_members_language(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario(
        [
            community(),
            {"type": "join", "at": "2026-01-01T10:00:00Z", "member": {"name": "zoe", "lang": "fr"}},
        ]
    )
    assert actions == [
        {
            "at": "2026-01-01T10:00:00Z",
            "action": "post_message",
            "channel": "general",
            "content": "Bienvenue sur acme, zoe ! Lis nos règles dans #rules, "
            "puis présente-toi dans #introductions.",
            "created": "b1",
            "reason": "welcome",
        }
    ]


async def test_simulate_is_deterministic(registry: CogRegistry) -> None:
    demo = Path(__file__).parents[2] / "bot" / "demo" / "brand_community.jsonl"
    lines = demo.read_text(encoding="utf-8").splitlines()
    first = await collect(lines, registry)
    second = await collect(lines, registry)
    assert first == second
    assert len(first) > 5


async def test_a_scripted_month_runs_on_the_virtual_clock(registry: CogRegistry) -> None:
    lines = list(generated_scenario(2_000, members=20, channels=3))
    actions: list[dict[str, Any]] = []
    played = await simulate(lines, registry, on_action=actions.append)
    assert played == 2_000
    assert actions == []  # ordinary chat: the bot stays quiet


async def test_refused_posts_are_reported_not_played(registry: CogRegistry) -> None:
    refusals: list[Refusal] = []
    lines = lines_of(
        community(),
        {"type": "leave", "at": "2026-01-01T10:00:00Z", "member": "alice"},
        {
            "type": "message",
            "at": "2026-01-01T10:01:00Z",
            "id": "m1",
            "channel": "general",
            "author": "alice",
            "content": "hi",
        },
    )
    await simulate(lines, registry, on_action=lambda _: None, on_refusal=refusals.append)
    assert refusals == [Refusal(3, "alice is not a member of acme")]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "line 1: the scenario is empty"),
        (["not json"], "line 1: not JSON"),
        (["[" * 100_000], "line 1: not JSON: nested too deeply"),
        (['{"type": "message"}'], "line 1: a scenario starts with"),
        ([json.dumps(community()), '{"type": "mesage", "at": "2026-01-01T00:00:00Z"}'], "line 2: "),
        (
            [
                json.dumps(community()),
                '{"type": "leave", "at": "2026-01-02T00:00:00Z", "member": "bob"}',
                '{"type": "leave", "at": "2026-01-01T00:00:00Z", "member": "alice"}',
            ],
            "line 3: time goes backwards",
        ),
        (
            [
                json.dumps(community()),
                '{"type": "leave", "at": "2026-01-02T00:00:00Z", "member": "bob", "x": 1}',
            ],
            "line 2: leave.x: Extra inputs",
        ),
        (
            [json.dumps(community(config={"language": "Danish"}))],
            "line 1: .*'Danish' is not a language tag",
        ),
        ([json.dumps(community(config={"language": 7}))], "line 1: .*not 7"),
        (
            [json.dumps(community()), '{"id": "m1", "text": "hello"}'],
            'line 2: line: no "type": each line is one event, such as',
        ),
        (
            [json.dumps(community()), '{"type": "message", "id": "m1"}'],
            r"line 2: message.at: Field required; message.channel: Field required; "
            r"message.author: Field required \(4 problem\(s\)\)",
        ),
    ],
)
async def test_malformed_scenarios_name_the_line(
    registry: CogRegistry, lines: list[str], message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        await collect(lines, registry)


async def test_moderation_by_hand_becomes_a_case_and_tells_the_member_timed_out(
    run_scenario: ScenarioRunner,
) -> None:
    hand = {"type": "by_hand", "moderator": "mod1", "reason": "rude in voice"}
    refused: list[Refusal] = []
    actions = await run_scenario(
        [
            community(config={"cogs": {"modlog": {"channel": "mod-log"}}}),
            {
                **hand,
                "at": "2026-01-01T10:00:00Z",
                "action": "timeout",
                "member": "alice",
                "duration": "1h",
            },
            {**hand, "at": "2026-01-01T10:01:00Z", "action": "kick", "member": "bob"},
            {
                "type": "message",
                "at": "2026-01-01T10:02:00Z",
                "id": "m1",
                "channel": "general",
                "author": "alice",
                "content": "let me talk",
            },
        ],
        refusals=refused,
    )
    notice, timeout_logged, kick_logged = actions
    assert (notice["action"], notice["member"], notice["case"]) == (
        "send_direct_message",
        "alice",
        "#1",
    )
    assert "You are timed out for 1 hour. Reason: rude in voice." in notice["content"]
    assert timeout_logged["content"] == (
        "mod1 timed out alice for 1h | reason: rude in voice (by hand in the local platform) | case #1"
    )
    assert kick_logged["content"].startswith("mod1 kicked bob | reason: rude in voice")
    # The platform itself did it: alice is timed out, and nothing was applied again.
    assert [r.reason for r in refused] == ["alice is timed out until 2026-01-01T11:00:00+00:00"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"action": "timeout", "member": "alice"}, "a timeout by hand needs a duration"),
        ({"action": "timeout", "member": "alice", "duration": "soon"}, "duration"),
        ({"action": "mute", "member": "alice"}, "by_hand.action"),
    ],
)
async def test_a_malformed_hand_action_names_its_line(
    registry: CogRegistry, line: dict[str, Any], message: str
) -> None:
    event = {"type": "by_hand", "at": "2026-01-01T10:00:00Z", "moderator": "mod1", **line}
    with pytest.raises(ScenarioError, match=f"line 2: .*{message}"):
        await collect([json.dumps(community()), json.dumps(event)], registry)


async def test_scenario_config_overrides_reach_the_cogs(run_scenario: ScenarioRunner) -> None:
    actions = await run_scenario(
        [
            community(
                config={
                    "cogs": {"welcome": {"channel": "support", "messages": {"en": "Hi {member}"}}}
                }
            ),
            {"type": "join", "at": "2026-01-01T10:00:00Z", "member": {"name": "zoe"}},
        ]
    )
    assert [(a["channel"], a["content"]) for a in actions] == [("support", "Hi zoe")]


async def test_docs_examples_run(registry: CogRegistry) -> None:
    """Every example in docs/scenarios.md produces the output printed beneath it."""
    docs = (Path(__file__).parents[2] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    examples = _examples(docs)
    assert examples, "docs/scenarios.md must carry runnable examples"
    for scenario, expected in examples:
        printed: list[dict[str, Any]] = []
        await simulate(scenario.splitlines(), registry, on_action=printed.append)
        assert printed == [json.loads(x) for x in expected.splitlines()]


def _examples(text: str) -> list[tuple[str, str]]:
    blocks: list[tuple[str, str]] = []
    parts = text.split("```")
    labels = parts[0::2]
    codes = parts[1::2]
    pending: str | None = None
    for label, code in zip(labels, codes, strict=False):
        body = code.split("\n", 1)[1] if "\n" in code else ""
        if "<!-- scenario -->" in label:
            pending = body
        elif "<!-- output -->" in label and pending is not None:
            blocks.append((pending, body))
            pending = None
    return blocks
