"""The replay file a history export writes: readable by steward replay whatever the names."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result

from bot.adapters.local.scenario import MessageLine, parse_community, parse_event
from bot.cli import main
from bot.history_export import ExportedMember, ExportedMessage, History, scenario_lines

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def run_export(tmp_path: Path, config: str, community: str, *args: str) -> Result:
    """Run ``steward history export`` as an operator would, with this configuration."""
    path = tmp_path / "steward.toml"
    path.write_text(config, encoding="utf-8")
    return CliRunner().invoke(
        main, ["history", "export", "--config", str(path), "--community", community, *args]
    )


def test_names_a_replay_cannot_take_are_written_as_one_word_and_messages_in_order() -> None:
    history = History(
        channels=("general",),
        members=(ExportedMember(name="Old Bot #1", roles=("bots",)),),
        messages=(
            ExportedMessage(at=NOON, id="2", channel="general", author="Old Bot #1", content="b"),
            ExportedMessage(
                at=NOON - timedelta(minutes=1),
                id="1",
                channel="general",
                author="alice",
                content="a",
                attachments=("cat.png",),
            ),
        ),
    )
    first, *rest = scenario_lines("lumen.eu", history, language=None)
    community = parse_community(first)
    assert community.name == "lumen_eu"  # a scenario names a community in one word
    assert [m.name for m in community.members] == ["Old_Bot__1"]
    assert "config" not in json.loads(first)
    events = [parse_event(line, number) for number, line in enumerate(rest, start=2)]
    assert all(isinstance(e, MessageLine) for e in events)
    messages = [e for e in events if isinstance(e, MessageLine)]
    assert [(m.id, m.author) for m in messages] == [("1", "alice"), ("2", "Old_Bot__1")]
    assert messages[0].attachments == ["cat.png"]
