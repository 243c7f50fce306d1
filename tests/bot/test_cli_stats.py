"""steward stats rules: per-rule volume, precision and reversal rate from the database."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.registry import CogRegistry
from tests.cogs.test_review_cards import carded
from tests.cogs.test_review_commands import UNSURE


async def decide_some(registry: CogRegistry, database: Path) -> None:
    """Record decisions of every kind: a violation, an ok, an appeal overturned."""
    async with carded(registry, database) as bot:
        await bot.say("alice", UNSURE, "m1")
        await bot.click("mod1", "m1", "remove")  # abuse-model: a violation
        await bot.say("bob", UNSURE, "m2")
        await bot.click("mod1", "m2", "dismiss")  # abuse-model: found ok, a reversal
        await bot.say("alice", "what the fuck", "m3")  # profanity acts at once
        await bot.command("alice", "appeal", case=3, reason="it was a quote")
        await bot.command("mod2", "appeal decide", case=3, outcome="overturned")
        # A rule whose only item waits undecided (its violations summed to nothing).
        await bot.say("bob", "I'll kill you if you post that again", "m4")


def test_stats_rules_shows_precision_and_reversals_per_rule(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    asyncio.run(decide_some(registry, database))  # the CLI runs its own event loop
    config = tmp_path / "steward.toml"
    config.write_text(
        f'[steward]\ndatabase = "{database}"\n[communities.acme]\nplatform = "local"\n',
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(
        main, ["stats", "rules", "--config", str(config), "--community", "acme", "--json"]
    )
    assert result.exit_code == 0, result.output
    figures = {row["rule"]: row for row in json.loads(result.output)}
    assert figures["abuse-model"] == {
        "rule": "abuse-model",
        "cases": 2,
        "acted": 2,
        "review_items": 2,
        "decided": 2,
        "violations": 1,
        "precision": 0.5,
        "reversed": 1,
        "reversal_rate": 0.5,
        "appeals": 0,
        "overturned": 0,
    }
    threats = figures["threats"]
    assert (threats["review_items"], threats["decided"], threats["violations"]) == (1, 0, 0)
    assert threats["precision"] is None
    # An appeal is counted apart from the rule's review items: the overturned appeal
    # undid the case (a reversal) but is no vote on how often the rule is right.
    profanity = figures["profanity"]
    assert (profanity["cases"], profanity["review_items"], profanity["precision"]) == (1, 0, None)
    assert (profanity["reversed"], profanity["reversal_rate"]) == (1, 1.0)
    assert (profanity["appeals"], profanity["overturned"]) == (1, 1)
    table = runner.invoke(main, ["stats", "rules", "--config", str(config)])
    assert table.exit_code == 0, table.output
    header, *rows = table.output.splitlines()
    assert header.split() == [
        "rule",
        "cases",
        "items",
        "decided",
        "precision",
        "acted",
        "reversal",
        "appeals",
        "overturned",
    ]
    split = [r.split() for r in rows]
    assert ["abuse-model", "2", "2", "2", "50%", "2", "50%", "0", "0"] in split
    assert ["profanity", "1", "0", "0", "-", "1", "100%", "1", "1"] in split
    # The figures were made in March 2026 (the session's clock): none in the last week.
    recent = runner.invoke(main, ["stats", "rules", "--config", str(config), "--days", "7"])
    assert recent.exit_code == 0, recent.output
    assert recent.output == "No rule has acted or raised a review item in the last 7 day(s).\n"
    unknown = runner.invoke(main, ["stats", "rules", "--config", str(config), "--community", "x"])
    assert unknown.exit_code == 2
