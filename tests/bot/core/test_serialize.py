"""Actions survive a round trip through JSON data, buttons that ask why included."""

from __future__ import annotations

from bot.core.actions import Button, ButtonStyle, PostMessage
from bot.core.refs import Ref
from bot.core.serialize import action_from_data, action_to_data


def test_a_button_keeps_its_question_and_one_without_stays_as_it_was() -> None:
    post = PostMessage(
        community=Ref("local", "acme"),
        channel=Ref("local", "mod-log"),
        content="card",
        buttons=(
            Button(target="review:1", choice="remove", label="Remove", style=ButtonStyle.DANGER),
            Button(target="review:1", choice="ban", label="Ban", asks_reason="Why ban?"),
        ),
    )
    data = action_to_data(post)
    assert "asks_reason" not in data["buttons"][0], "older stored actions look the same"
    assert data["buttons"][1]["asks_reason"] == "Why ban?"
    assert action_from_data(data) == post
