"""``steward train`` and ``steward eval`` from the command line, and decisions from storage."""

from __future__ import annotations

import asyncio
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot.app import open_storage
from bot.cli import main
from bot.core.clock import SystemClock
from bot.core.refs import Ref
from bot.ml_cli import decisions_from_database, summary_lines, thresholds_of
from moderation.examples import ExampleSource, LabelledExample
from moderation.store import store_for

AT = datetime(2026, 11, 30, 9, tzinfo=UTC)


async def _store(path: Path, *examples: LabelledExample) -> None:
    storage = await open_storage(path, SystemClock())
    try:
        for example in examples:
            await store_for(storage).examples.add(example)
    finally:
        await storage.close()


def _decision(community: Ref, text: str, violation: bool, minutes: int) -> LabelledExample:
    return LabelledExample(
        community=community,
        text=text,
        label="abuse",
        violation=violation,
        source=ExampleSource.REVIEW,
        decided_by="local:mod1",
        at=AT + timedelta(minutes=minutes),
    )


async def test_decisions_come_per_community_and_the_latest_wins(tmp_path: Path) -> None:
    lumen, other = Ref("discord", "1234"), Ref("slack", "T9")
    database = tmp_path / "steward.db"
    await _store(
        database,
        _decision(lumen, "you absolute walnut", True, 0),
        _decision(lumen, "that update slaps", True, 1),
        _decision(lumen, "that update slaps", False, 2),  # reversed on a second look
        _decision(other, "you absolute walnut", False, 3),
    )
    found = await decisions_from_database(database)
    assert set(found) == {"discord-1234", "slack-T9"}
    assert {(e.text, e.value) for e in found["discord-1234"]} == {
        ("you absolute walnut", 1),
        ("that update slaps", 0),
    }
    assert [(e.text, e.value) for e in found["slack-T9"]] == [("you absolute walnut", 0)]


def test_heads_only_refits_from_the_database_in_place(
    tmp_path: Path, quick_model_dir: Path
) -> None:
    model = tmp_path / quick_model_dir.name
    shutil.copytree(quick_model_dir, model)
    database = tmp_path / "steward.db"
    walnut = ["you absolute walnut", "what a walnut you are", "walnut behaviour again"]
    asyncio.run(
        _store(
            database,
            *(_decision(Ref("local", "lumen"), text, True, i) for i, text in enumerate(walnut)),
        )
    )
    result = CliRunner().invoke(
        main, ["train", "--heads-only", str(model), "--database", str(database)]
    )
    assert result.exit_code == 0, result.output
    assert "local-lumen (3 decisions)" in result.output
    assert (model / "communities" / "local-lumen.json").is_file()
    card = json.loads((model / "card.json").read_text(encoding="utf-8"))
    assert card["communities"] == {"local-lumen": 3}


def test_eval_reports_each_language_at_the_policy_thresholds(quick_model_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["eval", "--model", str(quick_model_dir), "--only", "languages", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["model"].startswith("steward-text@")
    languages = report["abuse_by_language"]
    assert set(languages) == {"en", "fr", "nl", "da", "pl", "ja"}
    for figures in languages.values():
        assert 0 <= figures["roc_auc"] <= 1
        assert figures["act"]["threshold"] == 0.9 and figures["flag"]["threshold"] == 0.7
        home = figures["in_community_language"]
        assert home["examples"] == figures["examples"] and 0 <= home["roc_auc"] <= 1
    # English is what a line nobody can tell is read in anyway: the same figures.
    english = languages["en"]
    assert english["in_community_language"] == {
        key: english[key] for key in english["in_community_language"]
    }
    lines = summary_lines(report)
    assert any(line.lstrip().startswith("abuse_da, community da ") for line in lines)


def test_the_summary_gives_the_sms_f1_each_message_once_and_as_shipped() -> None:
    def report(f1: float) -> dict[str, Any]:
        cut = {"threshold": 0.95, "precision": 1.0, "recall": 0.9, "f1": f1}
        return {"roc_auc": 0.99, "act": cut, "flag": cut, "at_0.5": cut}

    results = {
        "model": "steward-text@x",
        "policy": "default",
        "spam_sms_cross_validated": report(0.959),
        "spam_sms_as_shipped_cross_validated": report(0.966),
    }
    lines = summary_lines(results)
    assert lines[1].lstrip().startswith("spam_sms_cross_validated")
    assert lines[2].strip() == (
        "F1 at 0.5: 0.959 (each message once); 0.966 on the file as shipped, repeats kept"
    )


def test_the_summary_gives_the_chat_spam_under_each_everyday_ending() -> None:
    def report(auc: float) -> dict[str, Any]:
        cut = {"threshold": 0.95, "precision": 1.0, "recall": 0.5, "f1": 0.667}
        return {"roc_auc": auc, "act": cut, "flag": cut}

    chat = report(0.99) | {"everyday_endings": {".com": report(0.98), ".net": report(0.97)}}
    lines = summary_lines({"model": "steward-text@x", "policy": "default", "spam_chat_eval": chat})
    assert [line.split("ROC-AUC")[0].strip() for line in lines[1:]] == [
        "spam_chat_eval",
        "spam_chat_eval, links .com",
        "spam_chat_eval, links .net",
    ]
    assert [line.split("ROC-AUC")[1].split()[0] for line in lines[1:]] == ["0.99", "0.98", "0.97"]


def test_the_policy_thresholds_cover_every_classifier_rule() -> None:
    thresholds = thresholds_of("default")
    assert dict(thresholds.act) == {"abuse": 0.9, "spam": 0.95}
    assert thresholds.band("spam") == 0.2
    assert thresholds_of("strict").act == {"abuse": 0.8, "spam": 0.9}


def test_eval_without_a_model_says_how_to_build_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "--model", str(tmp_path)])
    assert result.exit_code == 1
    assert "steward train" in result.output
