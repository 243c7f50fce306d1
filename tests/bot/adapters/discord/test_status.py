"""``/healthz`` and ``/metrics`` of a Steward connected through the real discord.py."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.registry import CogRegistry
from bot.serve import StartupRefused, serve
from bot.standins.discord import DiscordStandin
from bot.status_server import StatusServer
from tests.bot.adapters.discord.conftest import ORIGINAL, Lumen, Start, config_for


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return each sample of a Prometheus exposition by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_a_probe_sees_discord_connected_and_the_backlog_moderators_face(
    standin: DiscordStandin, lumen: Lumen, start: Start
) -> None:
    async with start() as steward:
        status = StatusServer(steward.app, {"discord": steward.connection}, "127.0.0.1", 0)
        url = await status.start()
        try:
            async with aiohttp.ClientSession() as http:
                # Someone at risk: their alert waits for a moderator.
                await standin.post_message(lumen.general, lumen.bob, "I want to kill myself")
                await standin.wait_for_request("POST", "/channels/{channel_id}/messages")
                await steward.settle()
                async with http.get(f"{url}/healthz") as up:
                    healthy = (up.status, await up.json())
                async with http.get(f"{url}/metrics") as scraped:
                    content_type = scraped.headers["Content-Type"]
                    figures = samples(await scraped.text())
                # A moderator reached out: the decision counts for the rule that asked.
                await standin.run_command(
                    lumen.guild,
                    lumen.modlog,
                    lumen.mona,
                    "review decide",
                    {"item": 1, "decision": "reached_out"},
                )
                await standin.wait_for_request("PATCH", ORIGINAL)
                await steward.settle()
                async with http.get(f"{url}/metrics") as scraped:
                    decided = samples(await scraped.text())
                await steward.connection.client.close()
                async with http.get(f"{url}/healthz") as down:
                    unhealthy = (down.status, await down.json())
                async with http.get(f"{url}/metrics") as scraped:
                    after = samples(await scraped.text())
        finally:
            await status.stop()
    status_code, report = healthy
    assert status_code == 200
    assert report["status"] == "ok" and report["platforms"] == {"discord": "connected"}
    assert report["events_received"] >= 1 and report["communities"] == ["lumen"]
    assert content_type.startswith("text/plain; version=")  # the exposition format
    lumen_label = (("community", "lumen"),)
    assert figures[("steward_review_items_waiting", lumen_label)] == 1.0
    assert figures[("steward_review_items_claimed", lumen_label)] == 0.0
    assert figures[("steward_review_oldest_wait_seconds", lumen_label)] >= 0.0
    assert figures[("steward_platform_connected", (("platform", "discord"),))] == 1.0
    assert figures[("steward_events_received_total", ())] >= 1.0
    assert figures[("steward_handler_runs_total", (("outcome", "failed"),))] == 0.0
    # What moderation did: the self-harm rule matched; the caring reply went to bob, the
    # alert and its review card to the moderators.
    matched = (("community", "lumen"), ("mode", "enforce"), ("rule", "self-harm"))
    assert figures[("steward_rule_matches_total", matched)] == 1.0
    acted = {
        labels: value
        for (name, labels), value in figures.items()
        if name == "steward_actions_total"
    }
    by_the_bot = (("by", "bot"), ("community", "lumen"), ("outcome", "ok"))
    assert acted == {
        (("action", "send_direct_message"), *by_the_bot): 1.0,
        (("action", "post_message"), *by_the_bot): 2.0,
    }
    assert ("steward_review_decisions_total", ()) not in figures
    verdict = (("community", "lumen"), ("outcome", "violation"), ("rule", "self-harm"))
    assert decided[("steward_review_decisions_total", verdict)] == 1.0
    assert unhealthy == (
        503,
        {**unhealthy[1], "status": "unavailable", "platforms": {"discord": "disconnected"}},
    )
    assert after[("steward_platform_connected", (("platform", "discord"),))] == 0.0


async def test_steward_run_serves_the_status_endpoints_where_it_is_told(
    standin: DiscordStandin,
    lumen: Lumen,
    registry: CogRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = tmp_path / "steward.db"
    extra = f'[steward]\ndatabase = "{database}"\nstatus_address = "127.0.0.1:1"'
    loaded = config_for(standin, lumen, registry, extra)
    caplog.set_level(logging.INFO, logger="bot.status_server")
    # The command line's address wins over the configuration's (each shard's process
    # needs a port of its own).
    running = asyncio.create_task(serve(loaded, registry, None, status_address="127.0.0.1:0"))
    try:
        url = ""
        for _ in range(500):
            found = re.search(r"status endpoints on (http://\S+)/healthz", caplog.text)
            if found:
                url = found.group(1)
                break
            assert not running.done(), running
            await asyncio.sleep(0.02)
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":1")
        async with aiohttp.ClientSession() as http:
            for _ in range(250):  # ready once the guild arrived
                async with http.get(f"{url}/healthz") as answer:
                    if answer.status == 200:
                        break
                await asyncio.sleep(0.02)
            assert answer.status == 200
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{url}/healthz")


async def test_a_status_address_already_taken_stops_steward_saying_so(
    standin: DiscordStandin, lumen: Lumen, registry: CogRegistry, tmp_path: Path
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    database = tmp_path / "steward.db"
    loaded = config_for(standin, lumen, registry, f'[steward]\ndatabase = "{database}"')
    try:
        with pytest.raises(
            StartupRefused, match=f"cannot serve /healthz and /metrics on 127.0.0.1:{port}"
        ):
            await serve(loaded, registry, None, status_address=f"127.0.0.1:{port}")
    finally:
        taken.close()
    # Stopped cleanly: the database is closed and no process is recorded as running.
    assert not (tmp_path / "steward.db.pid").exists()
