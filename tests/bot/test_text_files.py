"""Files written by Windows tools, with a UTF-8 byte-order mark first, read as intended.

Read as plain UTF-8, the mark made a configuration "not TOML" at line 1, a history's or a
scenario's first line "not JSON", and a token file's token wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import load_config
from bot.registry import CogRegistry

BOM = "\ufeff"


def windows_file(path: Path, text: str) -> Path:
    """Write ``text`` as Notepad or Windows PowerShell 5 would: a BOM, then CRLF lines."""
    path.write_text(BOM + text.replace("\n", "\r\n"), encoding="utf-8", newline="")
    return path


def test_a_configuration_and_its_token_file_with_a_byte_order_mark(
    tmp_path: Path, registry: CogRegistry
) -> None:
    token = windows_file(tmp_path / "discord-token", "abc.def.ghi\n")
    config = windows_file(
        tmp_path / "steward.toml",
        f'[discord]\ntoken_file = "{token}"\n\n[communities.lumen]\nplatform = "local"\n',
    )
    loaded = load_config(config, registry)
    secret = loaded.config.discord.token()
    assert secret is not None and secret.get_secret_value() == "abc.def.ghi"
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)])
    assert result.exit_code == 0, result.output


def test_a_policy_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    source = Path(__file__).parents[2] / "policies" / "strict.toml"
    policy = windows_file(tmp_path / "ours.toml", source.read_text(encoding="utf-8"))
    result = CliRunner().invoke(main, ["policy", "test", str(policy)])
    assert result.exit_code == 0, result.output
    assert "examples pass" in result.output


def test_a_history_and_a_scenario_with_a_byte_order_mark(tmp_path: Path) -> None:
    message = {"type": "message", "at": "2026-03-02T09:00:00Z", "id": "m1"}
    spam = {**message, "channel": "general", "author": "alice", "content": "FREE NITRO bit.ly/x"}
    history = windows_file(tmp_path / "history.jsonl", json.dumps(spam) + "\n")
    replayed = CliRunner().invoke(main, ["replay", str(history)])
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout.splitlines()[0])["id"] == "m1"
    scenario = windows_file(
        tmp_path / "scenario.jsonl",
        json.dumps({"type": "community", "name": "acme"})
        + "\n"
        + json.dumps({"type": "join", "at": "2026-03-02T09:00:00Z", "member": {"name": "zoe"}})
        + "\n",
    )
    simulated = CliRunner().invoke(main, ["simulate", str(scenario)])
    assert simulated.exit_code == 0, simulated.output
    assert '"reason": "welcome"' in simulated.stdout
