"""The per-language evaluation sets: complete, well-formed, and no false positive for the rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

import pytest

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.engine import PolicyEngine
from policies.policy import load_policy
from policies.verdict import Outcome
from policies.windows import RecentWindows

LANGUAGES = ("en", "fr", "nl", "da", "pl", "ja")
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def load(lang: str) -> list[dict[str, Any]]:
    text = (
        resources.files("policies.classifiers")
        .joinpath(f"eval/{lang}.jsonl")
        .read_text(encoding="utf-8")
    )
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_has_forty_sentences_of_every_kind(lang: str) -> None:
    rows = load(lang)
    assert len(rows) >= 40
    assert {r["kind"] for r in rows} == {"abusive", "benign", "rough"}
    assert all(r["label"] == ("abuse" if r["kind"] == "abusive" else "ok") for r in rows)
    assert len({r["text"] for r in rows}) == len(rows), "no duplicates"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_default_rules_never_act_on_benign_or_rough_sentences(lang: str) -> None:
    engine = PolicyEngine(load_policy("default"))
    author = Member(ref=Ref("eval", "author"), name="author", joined_at=NOW - timedelta(days=365))
    wrongly = []
    for index, row in enumerate(load(lang)):
        if row["label"] != "ok":
            continue
        message = Message(
            ref=Ref("eval", str(index)),
            channel=Ref("eval", "general"),
            author=author,
            content=row["text"],
            created_at=NOW,
        )
        verdict = engine.judge_message(
            message, community=Ref("eval", "c"), is_staff=False, ctx=RecentWindows().moved_to(NOW)
        )
        if verdict.outcome is not Outcome.ALLOW:
            wrongly.append((row["text"], [m.rule for m in verdict.matches]))
    assert wrongly == []
