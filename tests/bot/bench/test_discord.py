"""The discord benchmark case runs both clients on a stand-in process and compares them."""

from __future__ import annotations

import pytest

from bot.bench import run_benchmarks
from bot.bench.discord_e2e import _results, _Run
from bot.native import HOT_PATH, compiled_modules
from bot.registry import CogRegistry


async def test_the_discord_case_compares_steward_with_a_bare_client(registry: CogRegistry) -> None:
    results = await run_benchmarks(registry, only={"discord"}, quick=True)
    figures = {r.name: r for r in results}
    assert set(figures) == {
        "discord.bare_events_per_second",
        "discord.steward_events_per_second",
        "discord.ratio",
        "discord.cpu_ratio",
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
    assert figures["discord.cpu_ratio"].value > 0
    build = "hot path compiled" if compiled_modules() == list(HOT_PATH) else "pure Python"
    assert build in figures["discord.ratio"].detail


def test_the_ratios_are_medians_of_the_pairs_measured_together() -> None:
    # Three pairs under different loads: the ratio is each pair's, not the medians'.
    bares = [_Run(rate=1000, cpu_per_event=0.001), _Run(400, 0.002), _Run(900, 0.001)]
    stewards = [_Run(rate=500, cpu_per_event=0.004), _Run(300, 0.0025), _Run(540, 0.002)]
    unjudged = [_Run(rate=800, cpu_per_event=0.0015), _Run(360, 0.0025), _Run(810, 0.001)]
    figures = {r.name: r for r in _results(20_000, bares, stewards, unjudged)}
    assert figures["discord.ratio"].value == pytest.approx(0.6)  # of 0.5, 0.75 and 0.6
    assert figures["discord.cpu_ratio"].value == pytest.approx(0.5)  # of 0.25, 0.8 and 0.5
    assert figures["discord.ratio_without_cogs"].value == pytest.approx(0.9)
    assert figures["discord.bare_events_per_second"].value == 900
    assert figures["discord.steward_events_per_second"].value == 500
    assert "meets the target of 0.6" in figures["discord.ratio"].detail
    assert "from 0.50 to 0.75" in figures["discord.ratio"].detail
    assert "from 0.25 to 0.80" in figures["discord.cpu_ratio"].detail
