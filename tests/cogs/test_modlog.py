"""The mod log's one line per action."""

from __future__ import annotations

from bot.core.actions import DeleteMessage
from bot.core.refs import Ref
from cogs.modlog import summarise
from tests.conftest import ScenarioRunner, community


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


async def test_a_lockdown_and_its_end_are_on_the_log(run_scenario: ScenarioRunner) -> None:
    # Who closed a channel to members, and when it opened again, is a staff question.
    def command(at: str, name: str, **options: str) -> dict[str, object]:
        return {
            "type": "command",
            "at": at,
            "author": "mod1",
            "channel": "general",
            "name": name,
            "options": options,
        }

    actions = await run_scenario(
        [
            community(),
            command("2026-03-02T09:00:00Z", "lockdown", reason="raid in progress"),
            command("2026-03-02T09:30:00Z", "unlock"),
        ]
    )
    logged = [a["content"] for a in actions if a.get("channel") == "mod-log"]
    assert logged == [
        "mod1 locked #general | reason: raid in progress",
        "mod1 unlocked #general | reason: unlock",
    ]
