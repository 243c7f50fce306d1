"""The classifier rule through the guidelines cog: confident scores act, unsure ones go to review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.adapters.local.scenario import CommunityLine
from bot.core.protocols import TextScores
from bot.registry import CogRegistry
from bot.simulation import LocalSession, action_record, load_for_scenario
from tests.cogs.test_guidelines import community


class TableClassifier:
    """A classifier that looks scores up in a table: the trained models come with issue 4."""

    model_id = "table"
    version = "1"
    labels = ("abuse", "spam")

    def __init__(self, table: Mapping[str, Mapping[str, float]]) -> None:
        self.table = table
        self.seen: list[str] = []

    async def score(self, texts: Sequence[str]) -> list[TextScores]:
        self.seen.extend(texts)
        return [
            TextScores(self.table.get(text, {"abuse": 0.01, "spam": 0.01}), model="table@1")
            for text in texts
        ]


async def test_scores_decide_between_acting_reviewing_and_allowing(registry: CogRegistry) -> None:
    classifier = TableClassifier(
        {
            "you people are worthless": {"abuse": 0.97, "spam": 0.02},
            "you people are something else": {"abuse": 0.78, "spam": 0.02},
        }
    )
    line = CommunityLine.model_validate(community())
    session = await LocalSession.open(
        line,
        load_for_scenario(line, registry),
        registry,
        start=datetime(2026, 3, 2, 9, tzinfo=UTC),
        classifier=classifier,
    )
    actions: list[dict[str, Any]] = []
    session.platform.observe(lambda applied: actions.append(action_record(applied)))
    try:
        for ident, text in (
            ("m1", "you people are worthless"),
            ("m2", "you people are something else"),
            ("m3", "lovely lamp"),
        ):
            await session.driver.say("alice", "general", text, message_id=ident)
            await session.app.bus.join()
    finally:
        await session.close()
    assert classifier.seen == [
        "you people are worthless",
        "you people are something else",
        "lovely lamp",
    ]
    assert [a["message"] for a in actions if a["action"] == "delete_message"] == ["m1"]
    assert any(a["action"] == "delete_message" and a["rule"] == "abuse-model" for a in actions)
    staff = [
        a["content"] for a in actions if a["action"] == "post_message" and a["channel"] == "mod-log"
    ]
    assert any("Review needed: alice" in s and "uncertain abuse score 0.78" in s for s in staff)
