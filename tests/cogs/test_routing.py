"""Routing member requests to teams on the local platform: channels, webhooks, reminders."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from bot.config import ConfigError
from bot.registry import CogRegistry
from tests.conftest import LocalBot, local_bot

MONDAY = datetime(2026, 3, 2, 9, tzinfo=UTC)
LEAD = "Hi! We're looking to buy 200 lamps for our offices. Who can I talk to about volume pricing?"


@asynccontextmanager
async def routing(
    registry: CogRegistry, database: Path, teams: dict[str, Any]
) -> AsyncIterator[LocalBot]:
    config = {
        "timezone": "Europe/Amsterdam",
        "cogs": {"welcome": {"enabled": False}, "routing": {"teams": teams}},
    }
    channels = ["general", "support", "mod-log", "sales"]
    async with local_bot(registry, database, config, start=MONDAY, channels=channels) as bot:
        yield bot


def say(bot: LocalBot, ident: str, author: str, text: str) -> Any:
    return bot.play(type="message", id=ident, channel="general", author=author, content=text)


async def test_a_sales_lead_reaches_the_sales_channel_once_and_the_member_is_thanked(
    registry: CogRegistry, tmp_path: Path
) -> None:
    teams = {"sales_lead": {"destination": "sales", "answer_within_hours": 4, "mention": "@sales"}}
    async with routing(registry, tmp_path / "s.db", teams) as bot:
        await say(bot, "m1", "bob", LEAD)
        await say(bot, "m2", "bob", "Also, do you offer volume pricing for 500 units?")
        await say(bot, "m3", "alice", "The sunrise mode is lovely this morning.")
    (summary,) = [p for p in bot.of("post_message") if p["channel"] == "sales"]
    assert summary["content"].startswith("@sales Sales request from bob in #general: \u201cHi!")
    assert "local://acme/general/m1" in summary["content"]
    assert "(answer by Mon 02 Mar 14:00 CET;" in summary["content"], "four hours, in local time"
    assert summary["buttons"][0]["target"] == "route:m1"
    (thanks,) = bot.of("send_direct_message")
    assert thanks["member"] == "bob"
    assert thanks["content"].startswith(
        "Merci, bob ! J'ai transmis ton message à notre équipe Sales"
    )


async def test_an_unhandled_request_is_reminded_once_and_a_handled_one_never(
    registry: CogRegistry, tmp_path: Path
) -> None:
    teams = {"sales_lead": {"destination": "sales", "answer_within_hours": 2}}
    async with routing(registry, tmp_path / "s.db", teams) as bot:
        await say(bot, "m1", "bob", LEAD)
        await say(bot, "m2", "alice", LEAD)
        await bot.play(type="click", author="bob", target="route:m2", choice="handled")
        await bot.play(type="click", author="mod1", target="route:m2", choice="handled")
        await bot.session.restart()
        await bot.session.advance(MONDAY + timedelta(hours=6))
    reminders = [
        p["content"] for p in bot.of("post_message") if p["content"].startswith("Reminder")
    ]
    assert reminders == [
        "Reminder: the Sales request from bob is past its answer-by time and nobody marked it "
        "handled: local://acme/general/m1"
    ]
    (edit,) = bot.of("edit_message")
    assert edit["content"].endswith("Handled by mod1.") and "buttons" not in edit
    answers = [(a["member"], a["content"]) for a in bot.of("reply_ephemeral")]
    assert answers == [
        ("bob", "Only the team's staff can mark this handled."),
        ("mod1", "Marked handled."),
    ]


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Keep test output quiet."""


@contextmanager
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def test_a_press_request_goes_to_a_webhook_as_json(
    registry: CogRegistry, tmp_path: Path
) -> None:
    with webhook() as (url, received):
        async with routing(registry, tmp_path / "s.db", {"press": {"destination": url}}) as bot:
            await say(bot, "m1", "alice", "I'm a journalist writing an article about smart lamps")
    (payload,) = received
    assert payload["intent"] == "press"
    assert payload["member"] == "alice"
    assert payload["link"] == "local://acme/general/m1"
    assert payload["cues"] == ["journalist", "article"]


async def test_a_webhook_that_fails_hands_the_request_to_staff(
    registry: CogRegistry, tmp_path: Path
) -> None:
    with webhook() as (url, _):
        pass  # the server is gone: nothing listens on that port any more
    async with routing(registry, tmp_path / "s.db", {"legal": {"destination": url}}) as bot:
        await say(bot, "m1", "alice", "My lawyer will contact you about the trademark")
    (staff,) = [p for p in bot.of("post_message") if p["channel"] == "mod-log"]
    assert staff["content"].startswith("The Legal webhook failed")
    assert "My lawyer will contact you" in staff["content"]


async def test_routing_an_unknown_intent_is_refused_with_the_configuration(
    registry: CogRegistry, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="routing: teams name unknown intents sales"):
        async with routing(registry, tmp_path / "s.db", {"sales": {"destination": "sales"}}):
            pass


async def test_a_request_in_a_private_message_is_routed_too(
    registry: CogRegistry, tmp_path: Path
) -> None:
    teams = {"bug_report": {"destination": "sales"}}
    async with routing(registry, tmp_path / "s.db", teams) as bot:
        await bot.play(
            type="dm", author="alice", content="The app crashes when I open scenes, error code 7"
        )
    (summary,) = [p for p in bot.of("post_message") if p["channel"] == "sales"]
    assert summary["content"].startswith(
        "Product (bugs) request from alice in a private message: \u201cThe app crashes"
    )
