"""The trained model (``steward train --quick``) behind the guidelines cog, end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.refs import Ref
from bot.registry import CogRegistry
from policies.classifiers.model import StewardTextModel
from policies.classifiers.serving import ClassifierService
from tests.cogs.test_classifier_rule import ACME, SOON, running


def policy_file(folder: Path, *, abuse: float, spam: float, review_band: float) -> Path:
    """Write a policy that sets the model rule's thresholds and review band; return it."""
    policy = folder / "ours.toml"
    policy.write_text(
        '[policy]\nname = "ours"\nextends = "default"\n\n[[rules]]\nid = "abuse-model"\n'
        f"[rules.params]\nthresholds = {{ abuse = {abuse}, spam = {spam} }}\n"
        f"review_band = {review_band}\n",
        encoding="utf-8",
    )
    return policy


async def test_the_trained_model_judges_through_the_cog_and_signs_its_evidence(
    registry: CogRegistry, quick_model: StewardTextModel, tmp_path: Path
) -> None:
    # The quick model is small: a lower threshold than the default keeps this about the
    # wiring, not about the quick model's strength (``steward eval`` measures that).
    policy = policy_file(tmp_path, abuse=0.6, spam=0.95, review_band=0.2)
    service = ClassifierService(quick_model)
    try:
        config = {"cogs": {"guidelines": {"policy": str(policy)}}}
        async with running(registry, service, config) as run:
            # No word of it is on a list: only the model can see it.
            await run.session.driver.say(
                "bob",
                "general",
                "shut up you ugly fool, go crawl back under your rock",
                message_id="m1",
            )
            await run.session.driver.say(
                "alice", "general", "the new hub firmware fixed my lamp schedule", message_id="m2"
            )
            await asyncio.wait_for(run.session.app.bus.join(), SOON)
            bob = await run.cog.store.cases.for_member(ACME, Ref("local", "bob"))
            alice = await run.cog.store.cases.for_member(ACME, Ref("local", "alice"))
    finally:
        service.close()
    (case,) = bob
    assert case.rule == "abuse-model"
    details = case.evidence["details"]
    assert details["model"] == quick_model.card.name
    assert details["language"] == "en"
    assert details["label"] == "abuse" and details["score"] >= 0.4
    assert alice == []


async def test_a_short_line_is_read_in_the_communitys_language(
    registry: CogRegistry, quick_model: StewardTextModel, tmp_path: Path
) -> None:
    # Every score of 0.01 or more goes to review, so each community's reading shows in a
    # case whatever the quick model's strength.
    policy = policy_file(tmp_path, abuse=0.99, spam=0.99, review_band=0.98)
    line = "Du er så dum."  # too short for either language detector
    read: dict[str, tuple[str, float]] = {}
    service = ClassifierService(quick_model)
    try:
        for language in ("da", "en"):
            config = {"language": language, "cogs": {"guidelines": {"policy": str(policy)}}}
            async with running(registry, service, config) as run:
                await run.session.driver.say("bob", "general", line, message_id="m1")
                await asyncio.wait_for(run.session.app.bus.join(), SOON)
                (case,) = await run.cog.store.cases.for_member(ACME, Ref("local", "bob"))
            details = case.evidence["details"]
            read[language] = (details["language"], details["score"])
    finally:
        service.close()
    (in_danish,) = quick_model.score_batch([line], language="da")
    (as_english,) = quick_model.score_batch([line])
    assert read["da"] == ("da", in_danish.scores["abuse"])
    assert read["en"] == ("en", as_english.scores["abuse"])
