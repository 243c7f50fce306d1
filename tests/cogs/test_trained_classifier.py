"""The trained model (``steward train --quick``) behind the guidelines cog, end to end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.refs import Ref
from bot.registry import CogRegistry
from policies.classifiers.model import StewardTextModel
from policies.classifiers.serving import ClassifierService
from tests.cogs.test_classifier_rule import ACME, SOON, running


async def test_the_trained_model_judges_through_the_cog_and_signs_its_evidence(
    registry: CogRegistry, quick_model: StewardTextModel, tmp_path: Path
) -> None:
    # The quick model is small: a lower threshold than the default keeps this about the
    # wiring, not about the quick model's strength (``steward eval`` measures that).
    policy = tmp_path / "ours.toml"
    policy.write_text(
        '[policy]\nname = "ours"\nextends = "default"\n\n[[rules]]\nid = "abuse-model"\n'
        "[rules.params]\nthresholds = { abuse = 0.6, spam = 0.95 }\nreview_band = 0.2\n",
        encoding="utf-8",
    )
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
