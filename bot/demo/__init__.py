"""The bundled demo: a multilingual brand community on a busy Monday, played locally."""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources
from typing import Any, TextIO

from bot.adapters.local.scenario import EventLine, MessageLine
from bot.registry import CogRegistry
from bot.simulation import Refusal, simulate
from bot.transcript import describe_action, describe_event

SCENARIO = "brand_community.jsonl"


def scenario_lines() -> list[str]:
    """Return the bundled scenario's lines."""
    return resources.files(__package__).joinpath(SCENARIO).read_text(encoding="utf-8").splitlines()


async def run_demo(registry: CogRegistry, out: TextIO, *, as_json: bool = False) -> None:
    """Play the bundled scenario with the default cogs and print a transcript and a summary.

    Args:
        registry: Known cogs; the default ones run.
        out: Where to print.
        as_json: Print only the actions, as ``simulate`` would.
    """
    actions: Counter[str] = Counter()
    messages = 0
    refusals: list[Refusal] = []

    def on_event(_: int, line: EventLine) -> None:
        nonlocal messages
        messages += isinstance(line, MessageLine)
        if not as_json:
            out.write(describe_event(line) + "\n")

    def on_action(record: dict[str, Any]) -> None:
        actions[record["action"]] += 1
        out.write(
            (json.dumps(record, ensure_ascii=False) if as_json else describe_action(record)) + "\n"
        )

    def on_refusal(refusal: Refusal) -> None:
        refusals.append(refusal)
        if not as_json:
            out.write(f"    (the platform refused that: {refusal.reason})\n")

    if not as_json:
        out.write(
            "Steward demo: the Lumen community on a Monday, played on the local platform.\n\n"
        )
    played = await simulate(
        scenario_lines(), registry, on_action=on_action, on_event=on_event, on_refusal=on_refusal
    )
    if as_json:
        return
    out.write("\nSummary\n")
    out.write(f"  events played: {played} ({messages} messages)\n")
    total = sum(actions.values())
    detail = ", ".join(f"{kind} {count}" for kind, count in sorted(actions.items())) or "none"
    out.write(f"  actions taken: {total} ({detail})\n")
    out.write(f"  posts the platform refused: {len(refusals)}\n")
