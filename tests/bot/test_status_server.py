"""``/metrics`` on the classifier: which model, how it keeps up, what went without scores."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import timedelta
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.app import App
from bot.registry import CogRegistry
from bot.status_server import StatusServer, classifier_metrics
from tests.bot.adapters.discord.test_status import samples
from tests.cogs.test_classifier_rule import SOON, TableClassifier, running, served
from tests.policies.classifiers._doubles import WordModel

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(app: App) -> Samples:
    """Return the samples of the app's ``/metrics``, read over HTTP."""
    status = StatusServer(app, {}, "127.0.0.1", 0)
    url = await status.start()
    try:
        async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as scraped:
            assert scraped.status == 200
            return samples(await scraped.text())
    finally:
        await status.stop()


async def test_metrics_show_the_model_its_queue_and_the_messages_it_could_not_score(
    registry: CogRegistry,
) -> None:
    model = WordModel(fail_on="worthless")
    config = {"classifier": {"timeout": 5}}
    async with served(registry, model, config=config, remembered=16) as run:
        for ident, text in (
            ("m1", "what a lovely lamp"),
            ("m2", "what a lovely lamp"),  # answered from the service's memory
            ("m3", "you people are worthless"),  # the model raises on it
        ):
            await run.session.driver.say("alice", "general", text, message_id=ident)
            await asyncio.wait_for(run.session.app.bus.join(), SOON)
        figures = await scrape(run.session.app)
    acme = (("community", "acme"),)
    assert figures[("steward_classifier_info", (("model", "words@1"),))] == 1.0
    assert figures[("steward_classifier_texts_waiting", ())] == 0.0
    assert figures[("steward_classifier_texts_scored_total", (("lane", "model"),))] == 1.0
    assert figures[("steward_classifier_answers_remembered_total", ())] == 1.0
    assert figures[("steward_classifier_model_failures_total", ())] == 1.0
    # Two messages got scores, the third went to the rules alone.
    assert figures[("steward_classifier_wait_seconds_count", acme)] == 2.0
    assert figures[("steward_messages_unscored_total", (*acme, ("reason", "failed")))] == 1.0


async def test_a_model_that_hangs_shows_its_queue(registry: CogRegistry) -> None:
    model = WordModel(hold=threading.Event())
    async with served(registry, model, config={"classifier": {"timeout": 20}}) as run:
        await run.session.driver.say("alice", "general", "what a lovely lamp", message_id="m1")
        await asyncio.wait_for(asyncio.to_thread(model.entered.wait, SOON), SOON)
        figures = await scrape(run.session.app)
    assert figures[("steward_classifier_texts_waiting", ())] == 1.0
    assert ("steward_classifier_wait_seconds_count", (("community", "acme"),)) not in figures


async def test_another_classifier_is_named_without_a_queue(registry: CogRegistry) -> None:
    async with running(registry, TableClassifier({})) as run:
        figures = await scrape(run.session.app)
    assert figures[("steward_classifier_info", (("model", "table@1"),))] == 1.0
    assert not any(name.startswith("steward_classifier_texts") for name, _ in figures)


def test_without_a_model_there_are_no_classifier_figures() -> None:
    assert classifier_metrics(None) == []


async def test_metrics_tell_shadowed_matches_and_moderators_actions_apart(
    registry: CogRegistry,
) -> None:
    async with running(registry, TableClassifier({})) as run:
        driver = run.session.driver
        await driver.command("mod1", "mod-log", "policy shadow", {"rule": "insults"})
        await driver.say("alice", "general", "you idiot", message_id="m1")
        await driver.command(
            "mod1", "mod-log", "timeout", {"member": "bob", "duration": "1h", "reason": "rude"}
        )
        await driver.by_hand("mod1", "ban", "alice", reason="scam DMs")
        await asyncio.wait_for(run.session.app.bus.join(), SOON)
        figures = run.session.app.metrics.registry
    acme = {"community": "acme"}
    shadowed = {**acme, "rule": "insults", "mode": "shadow"}
    assert figures.get_sample_value("steward_rule_matches_total", shadowed) == 1.0
    assert (
        figures.get_sample_value("steward_rule_matches_total", {**shadowed, "mode": "enforce"})
        is None
    )
    assert run.deleted() == []
    timed_out = {**acme, "action": "timeout", "by": "moderator", "outcome": "ok"}
    assert figures.get_sample_value("steward_actions_total", timed_out) == 1.0
    assert figures.get_sample_value("steward_actions_total", {**timed_out, "by": "bot"}) is None
    # A ban made with the platform's own menu is moderation too: operators see it apart.
    banned = {**acme, "action": "ban", "by": "hand", "outcome": "ok"}
    assert figures.get_sample_value("steward_actions_total", banned) == 1.0
    assert figures.get_sample_value("steward_actions_total", {**banned, "by": "moderator"}) is None


async def test_the_monitoring_guide_names_exactly_the_figures_steward_exports(
    registry: CogRegistry,
) -> None:
    async with served(registry, WordModel()) as run:
        status = StatusServer(run.session.app, {}, "127.0.0.1", 0)
        url = await status.start()
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as scraped:
                families = list(text_string_to_metric_families(await scraped.text()))
        finally:
            await status.stop()
    exported = {f.name for f in families} | {
        f"{f.name}_total" for f in families if f.type == "counter"
    }
    guide = (Path(__file__).parents[2] / "docs" / "monitoring.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\bsteward_[a-z_]+", guide))
    assert named <= exported, "the guide (or an alerting rule) names a figure nobody exports"
    tabled = set(re.findall(r"^\| `(steward_[a-z_]+)", guide, flags=re.MULTILINE))
    assert {f"{f.name}_total" if f.type == "counter" else f.name for f in families} == tabled


async def test_moderators_read_the_queue_and_the_classifier_in_steward_status(
    registry: CogRegistry,
) -> None:
    model = WordModel(fail_on="worthless")
    async with served(registry, model) as run:
        driver = run.session.driver
        await driver.command("mod1", "mod-log", "steward status", {})
        await driver.say("alice", "general", "you people are worthless", message_id="m1")
        await asyncio.wait_for(run.session.app.bus.join(), SOON)
        await run.session.advance(run.session.clock.now() + timedelta(minutes=90))
        await driver.command("mod1", "mod-log", "steward status", {})
        await asyncio.wait_for(run.session.app.bus.join(), SOON)
    before, after = [a["content"] for a in run.actions if a["action"] == "reply_ephemeral"]
    assert before.splitlines()[1:] == [
        "Review queue: nothing waits.",
        "Classifier: words@1; 0 message(s) judged by the rules alone since the start (no "
        "scores in time, or none at all).",
    ]
    assert after.splitlines()[1:] == [
        "Review queue: 1 waiting (0 claimed), the oldest for 1h30m.",
        "Classifier: words@1; 1 message(s) judged by the rules alone since the start (no "
        "scores in time, or none at all).",
    ]
