"""The mod log's one line per action."""

from __future__ import annotations

from bot.core.actions import DeleteMessage
from bot.core.refs import Ref
from cogs.modlog import summarise


def test_a_deletion_names_who_what_why_and_the_case() -> None:
    action = DeleteMessage(
        community=Ref("local", "acme"),
        channel=Ref("local", "general"),
        message=Ref("local", "m1"),
        actor="local:mod1",
        reason="reported by bob: [proof](https://x.example)",
        case="#4",
    )
    assert summarise(action, True, "") == (
        "mod1 deleted message m1 in #general | reason: reported by bob: "
        "[proof]\\(https://x.example) | case #4"
    )
    assert summarise(action, False, "missing permission").startswith(
        "FAILED (missing permission): mod1 deleted message m1"
    )
