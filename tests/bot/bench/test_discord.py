"""The discord benchmark case runs both clients on a stand-in process and compares them."""

from __future__ import annotations

import pytest

from bot.bench import run_benchmarks
from bot.registry import CogRegistry


async def test_the_discord_case_compares_steward_with_a_bare_client(registry: CogRegistry) -> None:
    results = await run_benchmarks(registry, only={"discord"}, quick=True)
    figures = {r.name: r for r in results}
    assert set(figures) == {
        "discord.bare_events_per_second",
        "discord.steward_events_per_second",
        "discord.ratio",
        "discord.steward_without_cogs_events_per_second",
        "discord.ratio_without_cogs",
    }
    bare, steward, unjudged = (
        figures[f"discord.{n}_events_per_second"].value
        for n in ("bare", "steward", "steward_without_cogs")
    )
    assert bare > 0 and steward > 0 and unjudged > 0
    assert figures["discord.ratio"].value == pytest.approx(steward / bare)
    assert figures["discord.ratio_without_cogs"].value == pytest.approx(unjudged / bare)
    assert "median of 1 run(s)" in figures["discord.ratio"].detail
    assert "target of 0.6" in figures["discord.ratio"].detail
