"""steward replay and steward policy test: trial a policy on history, check its examples."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner

from bot.adapters.local.scenario import parse_community
from bot.cli import main
from bot.core.protocols import TextScores
from bot.registry import CogRegistry
from bot.replay import Replayer, ReplayStats, replay
from policies.policy import load_policy
from tests.cogs.test_review_commands import moderated


def history(tmp_path: Path, lines: list[dict[str, object]]) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


MESSAGES: list[dict[str, object]] = [
    {"type": "community", "name": "acme", "members": [{"name": "mod1", "roles": ["moderator"]}]},
    {
        "type": "message",
        "at": "2026-03-02T09:00:00Z",
        "id": "m1",
        "channel": "general",
        "author": "alice",
        "content": "hello there",
    },
    {
        "type": "message",
        "at": "2026-03-02T09:01:00Z",
        "id": "m2",
        "channel": "general",
        "author": "alice",
        "content": "what the fuck",
    },
    {
        "type": "message",
        "at": "2026-03-02T09:02:00Z",
        "id": "m3",
        "channel": "general",
        "author": "alice",
        "content": "you a$$hole",
    },
    {
        "type": "message",
        "at": "2026-03-02T09:03:00Z",
        "id": "m4",
        "channel": "general",
        "author": "bob",
        "content": "WHY IS NOBODY ANSWERING MY QUESTION ABOUT THE LAMP",
    },
    {
        "type": "message",
        "at": "2026-03-02T09:04:00Z",
        "id": "m5",
        "channel": "general",
        "author": "mod1",
        "content": "fuck, sorry",
    },
]


def test_replay_says_what_would_happen_without_acting() -> None:
    stats = ReplayStats()
    records = list(replay([json.dumps(m) for m in MESSAGES], load_policy("default"), stats))
    whys = [r.pop("why", None) for r in records]
    assert records == [
        {"id": "m1", "verdict": "allow", "rules": [], "actions": []},
        {"id": "m2", "verdict": "act", "rules": ["profanity"], "actions": ["delete", "warn"]},
        {"id": "m3", "verdict": "act", "rules": ["profanity"], "actions": ["delete", "timeout:1h"]},
        {"id": "m4", "verdict": "allow", "rules": ["caps"], "actions": []},
        {"id": "m5", "verdict": "allow", "rules": [], "actions": []},
    ]
    # Why each rule matched: what tells a false positive apart before a rule goes live.
    assert whys == [
        None,
        {"profanity": "contains a listed word: fuck*"},
        {"profanity": "contains a listed word: asshole*"},
        {"caps": "100% capitals"},
        None,
    ]
    assert stats.messages == 5
    assert stats.rules == {"profanity": 2, "caps": 1}


def test_replay_cli_prints_json_lines_and_counts(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["replay", str(history(tmp_path, MESSAGES[1:]))])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["verdict"] for r in records] == ["allow", "act", "act", "allow", "act"]
    assert "5 messages: act 3, allow 2" in result.stderr
    assert "profanity: 3" in result.stderr


def test_replay_with_another_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "trial.toml"
    policy.write_text(
        '[policy]\nname = "trial"\nextends = "default"\n[[rules]]\nid = "caps"\nmode = "enforce"\nactions = ["delete"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["replay", str(history(tmp_path, MESSAGES)), "--policy", str(policy)]
    )
    assert result.exit_code == 0, result.output
    caps = [json.loads(line) for line in result.stdout.splitlines()][3]
    assert caps == {
        "id": "m4",
        "verdict": "act",
        "rules": ["caps"],
        "actions": ["delete"],
        "why": {"caps": "100% capitals"},
    }


def test_replay_refuses_malformed_history_and_policies(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "message", "at": "2026-03-02T09:00:00Z"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", str(bad)])
    assert result.exit_code == 2
    assert "line 1:" in result.output
    bad.write_text("[" * 100_000 + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", str(bad)])
    assert result.exit_code == 2
    assert "line 1: not JSON: nested too deeply" in result.output
    policy = tmp_path / "broken.toml"
    policy.write_text(
        '[policy]\nname = "x"\nextends = "default"\n[[rules]]\nid = "flood"\n[rules.params]\nper_secondz = 1\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["replay", str(history(tmp_path, MESSAGES)), "--policy", str(policy)]
    )
    assert result.exit_code == 2
    assert f"{policy}:7: rule 'flood': params.per_secondz: unknown key" in result.output


def edit_in_chat(
    registry: CogRegistry, database: Path, *edits: dict[str, str], then: str = ""
) -> None:
    """Have a moderator edit rules' lists with /policy words, each edit its options; then
    have alice say ``then``, if anything."""

    async def edit() -> None:
        async with moderated(registry, database) as bot:
            for options in edits:
                await bot.command("mod1", "policy words", **options)
            if then:
                await bot.say("alice", then, "m1")

    asyncio.run(edit())  # the CLI runs its own event loop


def acme_config(tmp_path: Path, database: Path) -> Path:
    """Write a configuration whose one community, acme, is local and keeps ``database``."""
    config = tmp_path / "steward.toml"
    config.write_text(
        f'[steward]\ndatabase = "{database}"\n[communities.acme]\nplatform = "local"\n',
        encoding="utf-8",
    )
    return config


def test_replay_as_a_community_lays_its_chat_edits_over_the_policy(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    config = acme_config(tmp_path, database)
    lines = history(tmp_path, [said(1, "you absolute lampbreaker"), said(2, "hello there")])
    as_acme = ["replay", str(lines), "--config", str(config), "--community", "acme"]
    runner = CliRunner()
    before = runner.invoke(main, as_acme)
    edit_in_chat(
        registry,
        database,
        {"rule": "insults", "add": "lampbreaker*"},
        {"rule": "spam-links", "add": "lumen-giveaway.xyz"},
        then="lampbreaker",  # the word added catches it: one case of insults so far
    )
    after = runner.invoke(main, as_acme)
    trial = tmp_path / "trial.toml"
    trial.write_text(
        '[policy]\nname = "trial"\nextends = "default"\n[[rules]]\nid = "caps"\nmode = "enforce"\n',
        encoding="utf-8",
    )
    on_trial = runner.invoke(main, [*as_acme, "--policy", str(trial)])
    bare = tmp_path / "bare.toml"
    bare.write_text(
        '[policy]\nname = "bare"\n'
        + "".join(
            f'[severities.{s}]\npoints = 0\nactions = ["review"]\n'
            for s in ("low", "medium", "high", "critical")
        )
        + '[escalation]\nsteps = [{ points = 1, actions = ["warn"] }]\n'
        + '[[rules]]\nid = "caps"\ntype = "caps"\nseverity = "low"\nguideline = "No shouting"\n',
        encoding="utf-8",
    )
    on_bare = runner.invoke(main, [*as_acme, "--policy", str(bare)])
    file_alone = runner.invoke(main, ["replay", str(lines)])
    assert before.exit_code == after.exit_code == on_trial.exit_code == 0, after.output
    assert f"no database at {database}: no chat edits of acme's lists" in before.stderr
    verdicts = {
        name: [json.loads(line)["verdict"] for line in result.stdout.splitlines()]
        for name, result in [("after", after), ("on_trial", on_trial), ("alone", file_alone)]
    }
    assert verdicts == {
        "after": ["act", "allow"],
        "on_trial": ["act", "allow"],  # a new file gets the edits, as a reload would
        "alone": ["allow", "allow"],
    }
    assert "with 2 chat edit(s) of acme's lists laid over (/policy words)" in after.stderr
    # Beside each rule's count, what it did so far and how moderators judged it.
    so_far = (
        "  insults: 1 (so far in acme: 1 case(s); 0 of 1 acted case(s) undone on review or "
        "appeal (0%))"
    )
    assert so_far in after.stderr.splitlines()
    assert so_far in on_trial.stderr.splitlines()
    assert f"{trial}, with 2 chat edit(s)" in on_trial.stderr
    assert "chat edit" not in file_alone.stderr
    assert on_bare.exit_code == 0, on_bare.output
    assert on_bare.stderr.splitlines()[:3] == [
        f"{bare}, with 0 chat edit(s) of acme's lists laid over (/policy words)",
        "  rule insults: no longer in the policy; its list edits wait",
        "  rule spam-links: no longer in the policy; its list edits wait",
    ]


def test_a_historys_community_language_is_read_as_a_standard_tag() -> None:
    lines = [json.dumps({"type": "community", "name": "acme", "config": {"language": "PT_br"}})]
    replayer = Replayer(load_policy("default"), parse_community(lines[0]))
    assert replayer.community.language == "pt-BR"


def test_policy_test_runs_the_shipped_examples() -> None:
    result = CliRunner().invoke(main, ["policy", "test"])
    assert result.exit_code == 0, result.output
    assert "default.toml:" in result.output and "strict.toml:" in result.output
    assert "FAIL" not in result.output


def test_policy_test_fails_on_a_wrong_example(tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text(
        '[policy]\nname = "p"\nextends = "default"\n[[rules]]\nid = "caps"\n[rules.examples]\nno_match = ["THIS IS DEFINITELY A LOUD MESSAGE HERE"]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["policy", "test", str(policy)])
    assert result.exit_code == 1
    assert (
        "FAIL rule 'caps': should not match: 'THIS IS DEFINITELY A LOUD MESSAGE HERE'"
        in result.output
    )


def test_policy_test_as_a_community_shows_the_examples_its_chat_edits_give_up(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    config = acme_config(tmp_path, database)
    # A word one of the policy's examples needs.
    edit_in_chat(registry, database, {"rule": "insults", "remove": "loser*"})
    as_acme = ["policy", "test", "--config", str(config), "--community", "acme"]
    result = CliRunner().invoke(main, as_acme)
    strict = CliRunner().invoke(main, [*as_acme[:2], "strict", *as_acme[2:]])
    assert result.exit_code == strict.exit_code == 1, result.output
    for output in (result.output, strict.output):
        assert "with 1 chat edit(s) of acme's lists laid over (/policy words)" in output
        assert "FAIL rule 'insults': should match: 'p a t h e t i c losers'" in output
    assert "default.toml:" in result.output and "strict.toml:" in strict.output


class TableScorer:
    """Scores from a table (0.01 for texts not in it), remembering what it was asked."""

    def __init__(self, table: dict[str, dict[str, float]]) -> None:
        self.table = table
        self.asked: list[tuple[str, str]] = []

    def __call__(self, text: str, language: str) -> TextScores:
        self.asked.append((text, language))
        scores = self.table.get(text, {"abuse": 0.01, "spam": 0.01})
        return TextScores(scores, language=language, model="table@1")


def said(number: int, content: str) -> dict[str, object]:
    """Return alice's message line ``m<number>``, posted ``number`` minutes after nine."""
    return {
        "type": "message",
        "at": f"2026-03-02T09:0{number}:00Z",
        "id": f"m{number}",
        "channel": "general",
        "author": "alice",
        "content": content,
    }


CLASSIFIED: list[dict[str, object]] = [
    {"type": "community", "name": "acme", "config": {"language": "da"}},
    said(1, "hello there"),
    said(2, "what the fuck"),
    said(3, "du er så dum"),
    said(4, "you people are something else"),
]


def test_replay_judges_the_classifiers_rules_with_a_scorer_as_the_cog_does() -> None:
    scorer = TableScorer(
        {
            "du er så dum": {"abuse": 0.95, "spam": 0.0},
            "you people are something else": {"abuse": 0.8, "spam": 0.0},
        }
    )
    stats = ReplayStats()
    lines = [json.dumps(m) for m in CLASSIFIED]
    records = list(replay(lines, load_policy("default"), stats, scorer))
    scores = [r.pop("scores", None) for r in records]
    whys = [r.pop("why", None) for r in records]
    assert records == [
        {"id": "m1", "verdict": "allow", "rules": [], "actions": [], "lang": "da"},
        {"id": "m2", "verdict": "act", "rules": ["profanity"], "actions": ["delete", "warn"]},
        # Alice's second infraction: the ladder climbs across the rules and the scores.
        {
            "id": "m3",
            "verdict": "act",
            "rules": ["abuse-model"],
            "actions": ["delete", "timeout:1h"],
            "lang": "da",
        },
        {
            "id": "m4",
            "verdict": "review",
            "rules": ["abuse-model"],
            "actions": ["review"],
            "lang": "da",
        },
    ]
    assert [w and list(w) for w in whys] == [None, ["profanity"], ["abuse-model"], ["abuse-model"]]
    assert whys[2] == {"abuse-model": "abuse score 0.95 at or above 0.90"}
    assert scores == [
        {"abuse": 0.01, "spam": 0.01},
        None,
        {"abuse": 0.95, "spam": 0.0},
        {"abuse": 0.8, "spam": 0.0},
    ]
    # The removed message is not scored; the others are, in the community's language.
    assert scorer.asked == [
        ("hello there", "da"),
        ("du er så dum", "da"),
        ("you people are something else", "da"),
    ]
    assert stats.unscored == 0
    assert stats.rules == {"profanity": 1, "abuse-model": 2}
    assert stats.outcomes == {"allow": 1, "act": 2, "review": 1}


def test_replay_without_a_scorer_counts_what_the_classifier_would_have_judged(
    tmp_path: Path,
) -> None:
    stats = ReplayStats()
    records = list(replay([json.dumps(m) for m in CLASSIFIED], load_policy("default"), stats))
    assert [r["verdict"] for r in records] == ["allow", "act", "allow", "allow"]
    assert all("scores" not in r for r in records)
    assert stats.unscored == 3
    result = CliRunner().invoke(main, ["replay", str(history(tmp_path, CLASSIFIED))])
    assert result.exit_code == 0, result.output
    assert "3 messages were not judged by the rules that need classifier scores" in result.stderr


def test_replay_with_a_trained_model(tmp_path: Path, quick_model_dir: Path) -> None:
    path = history(tmp_path, CLASSIFIED)
    result = CliRunner().invoke(main, ["replay", str(path), "--model", str(quick_model_dir)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["m1", "m2", "m3", "m4"]
    assert "scores" not in records[1]  # removed by the profanity rule first
    scored = [r for r in records if "scores" in r]
    assert [r["id"] for r in scored] == ["m1", "m3", "m4"]
    assert all(set(r["scores"]) == {"abuse", "spam"} for r in scored)
    # The short Danish line is read in the community's language, as the cog would.
    assert records[2]["lang"] == "da"
    assert "not judged" not in result.stderr
    missing = CliRunner().invoke(main, ["replay", str(path), "--model", str(tmp_path / "none")])
    assert missing.exit_code == 2
