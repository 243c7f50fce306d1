"""The app manifest in the repository asks for what the adapter listens to."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.slack.modals import REPORT_CALLBACK
from bot.config import SlackSection

MANIFEST = Path(__file__).parents[4] / "slack-manifest.yml"


def test_the_manifest_names_the_command_shortcut_and_events() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    assert f"command: {SlackSection().command}" in text
    assert f"callback_id: {REPORT_CALLBACK}" in text
    events = ("message.channels", "message.im", "member_joined_channel", "team_join", "user_change")
    for event in events:
        assert f"- {event}" in text
    scopes = ("chat:write", "usergroups:read", "users:read", "channels:manage", "reactions:write")
    for scope in (*scopes, "commands"):
        assert f"- {scope} " in text
