"""The slack benchmark case runs end to end and reports both figures."""

from __future__ import annotations

from bot.bench import run_benchmarks
from bot.registry import CogRegistry


async def test_the_slack_case_reports_chat_and_spam_throughput(registry: CogRegistry) -> None:
    results = await run_benchmarks(registry, only={"slack"}, quick=True)
    figures = {r.name: r for r in results}
    assert set(figures) == {"slack.events_per_second", "slack.spam_events_per_second"}
    assert all(r.value > 0 and r.unit == "events/s" for r in results)
    assert "(50 deletes seen)" in figures["slack.spam_events_per_second"].detail
