"""steward replay and steward policy test: trial a policy on history, check its examples."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.replay import ReplayStats, replay
from policies.policy import load_policy


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
    assert records == [
        {"id": "m1", "verdict": "allow", "rules": [], "actions": []},
        {"id": "m2", "verdict": "act", "rules": ["profanity"], "actions": ["delete", "warn"]},
        {"id": "m3", "verdict": "act", "rules": ["profanity"], "actions": ["delete", "timeout:1h"]},
        {"id": "m4", "verdict": "allow", "rules": ["caps"], "actions": []},
        {"id": "m5", "verdict": "allow", "rules": [], "actions": []},
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
    assert caps == {"id": "m4", "verdict": "act", "rules": ["caps"], "actions": ["delete"]}


def test_replay_refuses_malformed_history_and_policies(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "message", "at": "2026-03-02T09:00:00Z"}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["replay", str(bad)])
    assert result.exit_code == 2
    assert "line 1:" in result.output
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
