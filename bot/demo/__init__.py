"""The bundled demo: a multilingual brand community on a busy Monday, played locally."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.local.scenario import EventLine, MessageLine, event_time
from bot.registry import CogRegistry
from bot.simulation import Refusal, iso_time, simulate
from bot.transcript import describe_action, describe_event

SCENARIO = "brand_community.jsonl"


def scenario_lines() -> list[str]:
    """Return the bundled scenario's lines."""
    return resources.files(__package__).joinpath(SCENARIO).read_text(encoding="utf-8").splitlines()


async def run_demo(
    registry: CogRegistry, out: TextIO, *, as_json: bool = False, model: Path | None = None
) -> None:
    """Play the bundled scenario with the default cogs and print a transcript and a summary.

    Args:
        registry: Known cogs; the default ones run.
        out: Where to print.
        as_json: Print only the actions, as ``simulate`` would.
        model: A classifier model directory, for the policy's ``classifier`` rules.

    Raises:
        bot.config.ConfigError: If the model cannot be loaded.
    """
    # A JSON string is a valid TOML basic string: the path needs no escaping of its own.
    config = f"[classifier]\nmodel = {json.dumps(str(model))}\n" if model else ""
    actions: Counter[str] = Counter()
    messages = 0
    refusals: list[Refusal] = []
    shown_at = ""
    cases: set[str] = set()
    rules: defaultdict[str, set[str]] = defaultdict(set)

    def on_event(_: int, line: EventLine) -> None:
        nonlocal messages, shown_at
        messages += isinstance(line, MessageLine)
        shown_at = iso_time(event_time(line))
        if not as_json:
            out.write(describe_event(line) + "\n")

    def on_action(record: dict[str, Any]) -> None:
        nonlocal shown_at
        actions[record["action"]] += 1
        if record.get("case"):
            cases.add(record["case"])
            # A card's update or a policy's notice names a rule but no case of its own.
            if record.get("rule"):
                rules[record["rule"]].add(record["case"])
        if as_json:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        if record["at"] != shown_at:  # a timer fired while the clock moved on
            shown_at = record["at"]
            out.write(f"[{shown_at[5:10]} {shown_at[11:16]}] (scheduled)\n")
        out.write(describe_action(record) + "\n")

    def on_refusal(refusal: Refusal) -> None:
        refusals.append(refusal)
        if not as_json:
            out.write(f"    (the platform refused that: {refusal.reason})\n")

    if not as_json:
        out.write(
            "Steward demo: the Lumen community on a Monday, played on the local platform.\n"
            "Times in brackets are UTC; Steward's own answers (schedules, the calendar) "
            "speak the community's time, Amsterdam's.\n\n"
        )
    played = await simulate(
        scenario_lines(),
        registry,
        config_text=config,
        config_source="--model" if model else "<defaults>",
        on_action=on_action,
        on_event=on_event,
        on_refusal=on_refusal,
    )
    if as_json:
        return
    out.write("\nSummary\n")
    out.write(f"  events played: {played} ({messages} messages)\n")
    total = sum(actions.values())
    detail = ", ".join(f"{kind} {count}" for kind, count in sorted(actions.items())) or "none"
    out.write(f"  actions taken: {total} ({detail})\n")
    by_rule = ", ".join(f"{rule} {len(found)}" for rule, found in sorted(rules.items()))
    out.write(f"  cases opened: {len(cases)}; cases by rule: {by_rule or 'none'}\n")
    out.write(f"  posts the platform refused (timed-out members): {len(refusals)}\n")
