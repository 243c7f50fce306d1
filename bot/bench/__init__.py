"""The benchmark harness of ``steward bench``: named cases, each yielding results.

Later capabilities add cases by decorating a coroutine function with :func:`case`.
Speed targets live here, never in timed tests.
"""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bot.registry import CogRegistry


@dataclass(frozen=True, slots=True)
class BenchResult:
    """One measured figure.

    Attributes:
        name: A stable name (``bus.events_per_second``).
        value: The figure.
        unit: Its unit (``events/s``, ``ms``, ``MB``); ``skipped`` for a case that could
            not run, with the reason in ``detail``.
        detail: What was measured, in words, for the JSON report.
    """

    name: str
    value: float
    unit: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the result as JSON-compatible data."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class BenchOptions:
    """What every case gets.

    Attributes:
        registry: The cog registry.
        quick: Run a small workload.
        model: A classifier model directory, for the cases that need one.
        against: Another model directory, to compare ``model`` with in turns.
    """

    registry: CogRegistry
    quick: bool
    model: Path | None = None
    against: Path | None = None


BenchCase = Callable[[BenchOptions], Awaitable[list[BenchResult]]]
CASES: dict[str, BenchCase] = {}


def case(name: str) -> Callable[[BenchCase], BenchCase]:
    """Register a benchmark case under a unique name."""

    def register(func: BenchCase) -> BenchCase:
        if name in CASES:
            raise ValueError(f"benchmark case {name!r} is registered twice")
        CASES[name] = func
        return func

    return register


async def run_benchmarks(
    registry: CogRegistry,
    *,
    only: set[str],
    quick: bool,
    model: Path | None = None,
    against: Path | None = None,
) -> list[BenchResult]:
    """Run the selected cases (all when ``only`` is empty) in name order.

    Raises:
        ValueError: If ``only`` names an unknown case.
    """
    from bot.bench import (  # noqa: F401, PLC0415 - registers the cases
        cases,
        classifier,
        discord_e2e,
        rules,
        slack,
    )

    unknown = only - set(CASES)
    if unknown:
        known = ", ".join(sorted(CASES))
        raise ValueError(f"unknown benchmark case(s): {', '.join(sorted(unknown))}; known: {known}")
    results: list[BenchResult] = []
    options = BenchOptions(registry=registry, quick=quick, model=model, against=against)
    thresholds = gc.get_threshold()
    for name in sorted(CASES):
        if not only or name in only:
            # Start each case clean, not paying for the last one's garbage nor running
            # under the collector settings a served bot case left behind.
            gc.unfreeze()
            gc.set_threshold(*thresholds)
            gc.collect()
            results.extend(await CASES[name](options))
    return results
