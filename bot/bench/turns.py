"""Compare two classifier models in turns, line by line, in one process.

Two ``steward bench`` runs on a shared or virtual machine can differ by a fifth or more
for the same model, so two builds benchmarked one after the other cannot be told apart
by a few percent. Scored in turns, each line by one model and at once by the other (the
order alternating from line to line and from round to round), both meet the same minute
of the machine, and the ratio of their times holds where the absolute figures do not.
The same pass tells whether the two give the same scores.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.bench import BenchResult

if TYPE_CHECKING:
    from policies.classifiers.serving import TextModel


@dataclass(frozen=True, slots=True)
class Turns:
    """What scoring lines in turns measured.

    Attributes:
        seconds: The time each model spent, summed over every line and round.
        lines: Lines scored by each model (lines times rounds).
        differing: Lines whose scores differ between the models (read in the first round).
    """

    seconds: tuple[float, float]
    lines: int
    differing: int

    @property
    def ratio(self) -> float:
        """Return the first model's time over the second's (below 1: the first is faster)."""
        return self.seconds[0] / self.seconds[1] if self.seconds[1] > 0 else 0.0

    def ms_per_line(self, which: int) -> float:
        """Return one model's mean milliseconds a line (0: the first, 1: the second)."""
        return self.seconds[which] / self.lines * 1e3 if self.lines else 0.0


def in_turns(models: tuple[TextModel, TextModel], texts: Sequence[str], rounds: int) -> Turns:
    """Score each text alone with both models, in turns, ``rounds`` times over.

    Each text is scored by both models one right after the other; which goes first
    alternates from text to text, and the pattern shifts by one each round, so that
    neither model always meets the caches the other left or the machine's quieter moments.

    Args:
        models: The two models, each called directly on this thread.
        texts: The texts, each scored alone.
        rounds: How many times to go over the texts (at least 1).

    Raises:
        ValueError: If ``rounds`` is below 1.
    """
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    clock = time.perf_counter
    seconds = [0.0, 0.0]
    differing = 0
    for turn in range(rounds):
        for position, text in enumerate(texts):
            order = (0, 1) if (position + turn) % 2 == 0 else (1, 0)
            scores: list[Mapping[str, float]] = [{}, {}]
            for which in order:
                started = clock()
                (scored,) = models[which].score_batch([text])
                seconds[which] += clock() - started
                scores[which] = scored.scores
            if turn == 0 and scores[0] != scores[1]:
                differing += 1
    return Turns(seconds=(seconds[0], seconds[1]), lines=len(texts) * rounds, differing=differing)


def turns_results(path: str, turns: Turns, against: str, which_lines: str) -> list[BenchResult]:
    """Return the bench results of one path's turns against the model named ``against``."""
    prefix = f"classifier.turns.{path}"
    lines = f"{which_lines}, each scored alone by both models in turns ({turns.lines} each)"
    return [
        BenchResult(
            f"{prefix}_time_ratio",
            turns.ratio,
            "ratio",
            f"this model's time a line over {against}'s: {lines}",
        ),
        BenchResult(f"{prefix}_ms", turns.ms_per_line(0), "ms", f"this model, {lines}"),
        BenchResult(f"{prefix}_against_ms", turns.ms_per_line(1), "ms", f"{against}, {lines}"),
        BenchResult(
            f"{prefix}_lines_scored_differently",
            float(turns.differing),
            "lines",
            f"{which_lines} whose scores differ between the two models",
        ),
    ]
