"""Benchmark the classifier as the guidelines cog uses it: through the shared service.

Four kinds of figure: messages per second scored one at a time (each awaited before the
next; through the service, then with the model called directly, to tell the model's cost
from the service's) and in bursts, latency percentiles when messages arrive at a fixed rate
whatever the answers (an open loop, so a slow answer cannot hide the ones queued behind
it), and the process's resident memory once the model is loaded and again after serving.
These runs keep no answers, so every line is scored (the mix repeats some lines); a raid's
copies of one line then run with the latest answers kept, as `steward run` keeps them, and
the longest lines a platform lets a member post are timed alone.
The case needs a model directory; without one it reports itself skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bot.classifier
from bot.bench import BenchOptions, BenchResult, case
from bot.bench.rules import realistic_mix
from bot.bench.turns import in_turns, turns_results
from bot.classifier import ModelUnavailable, open_classifier
from bot.config import REMEMBERED_ANSWERS
from bot.core.protocols import Classifier
from bot.gc_tuning import settle_after_start

if TYPE_CHECKING:
    from policies.classifiers.serving import TextModel

OFFERED_RATE = 200.0
"""Messages per second offered in the latency run."""
BURST = 256
"""Messages sent at once in the burst run."""
RAID_COPIES = 512
"""Copies of one line in each raid run."""
RAID_LINES = (
    "FREE NITRO for everyone who joins in the next 10 minutes: discord.gg/n1tr0-dr0p",
    "selling cheap accounts and boosts, dm me now, paypal only",
)
LONGEST_MESSAGE = 40_000
"""Slack's longest message, in characters (Discord's is 4,000)."""
HOSTILE_LINES = {
    "longest_word": "a" * LONGEST_MESSAGE,
    "longest_message": ("you are all idiots, read the rules " * LONGEST_MESSAGE)[:LONGEST_MESSAGE],
}
"""Lines as long as a platform lets a member post, named for their rows."""
HOSTILE_ROUNDS = 5


def resident_mb() -> float:
    """Return this process's resident memory in MB (peak resident where ``/proc`` is absent)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        import resource  # noqa: PLC0415 - Unix only, and only without /proc

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("/proc/self/status has no VmRSS line")


async def one_at_a_time(classifier: Classifier, texts: list[str]) -> float:
    """Score each text alone, awaiting each answer; return the messages per second."""
    started = time.perf_counter()
    for text in texts:
        await classifier.score([text])
    return len(texts) / (time.perf_counter() - started)


def called_directly(model: TextModel, texts: list[str]) -> float:
    """Score each text alone by calling the model on this thread; return messages per second.

    No service and no hand-off between threads: what the model itself costs. The service's
    round trip (to a worker thread and back to the event loop) comes on top of it.
    """
    started = time.perf_counter()
    for text in texts:
        model.score_batch([text])
    return len(texts) / (time.perf_counter() - started)


async def in_bursts(classifier: Classifier, texts: list[str], size: int) -> float:
    """Score the texts ``size`` at a time, each burst awaited whole; return messages per second.

    This is the pace of a raid or a backlog: the service may hand a lane many texts at once.
    """
    started = time.perf_counter()
    for start in range(0, len(texts), size):
        await classifier.score(texts[start : start + size])
    return len(texts) / (time.perf_counter() - started)


async def open_loop(
    classifier: Classifier, texts: list[str], *, rate: float, seconds: float
) -> list[float]:
    """Offer ``rate`` messages a second for ``seconds``; return each one's latency in seconds.

    A latency counts from when the message was due, not from when it was sent, so a
    sender that fell behind does not flatter the figures.
    """
    return sorted(latency for _, latency in await offer(classifier, texts, rate, seconds))


async def offer(
    classifier: Classifier, texts: list[str], rate: float, seconds: float
) -> list[tuple[str, float]]:
    """Run :func:`open_loop`, returning each text offered with its latency, in answer order."""
    answered: list[tuple[str, float]] = []
    clock = time.perf_counter

    async def score(text: str, due: float) -> None:
        await classifier.score([text])
        answered.append((text, clock() - due))

    started = clock()
    tasks = []
    for index in range(int(rate * seconds)):
        due = started + index / rate
        delay = due - clock()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(score(texts[index % len(texts)], due)))
    await asyncio.gather(*tasks)
    return answered


@case("classifier")
async def classifier_service(options: BenchOptions) -> list[BenchResult]:
    """Measure the classifier service: throughput, latency at 200 messages/s, memory."""
    if options.model is None:
        reason = "no model: pass --model or set STEWARD_MODEL to a directory `steward train` wrote"
        return [BenchResult("classifier", 0.0, "skipped", reason)]
    loaded: list[TextModel] = []

    def keep(path: Path) -> Any:
        # The service's own loader, kept to read what the model counts as it serves.
        loaded.append(bot.classifier.load_text_model(path))
        return loaded[-1]

    try:
        # No answers kept: every line here is scored, as a line never seen before is (the
        # mix repeats some lines, and the first pass would answer the later ones at once).
        service = open_classifier(options.model, loader=keep, remembered=0)
    except ModelUnavailable as error:
        return [BenchResult("classifier", 0.0, "skipped", str(error))]
    # As `steward run` does once started, with the model loaded. Without it, each of the
    # collector's full passes over the loaded libraries and model (25-70 ms on 2 cores)
    # stalled both lanes, and the latency run's p99 measured those pauses: 38-80 ms in
    # six runs on 2026-12-03 against 11-15 ms settled.
    settle_after_start()
    rss = resident_mb()
    texts = [text for _, _, text in realistic_mix(300 if options.quick else 3_000)]
    seconds = 1.0 if options.quick else 5.0
    try:
        # The first calls pay for lazy set-up; the answers also tell each line's path.
        judged = [
            s
            for start in range(0, len(texts), 256)
            for s in await service.score(texts[start : start + 256])
        ]
        english = [t for t, s in zip(texts, judged, strict=True) if s.language in {"en", None}]
        others = [t for t, s in zip(texts, judged, strict=True) if s.language not in {"en", None}]
        per_second = await one_at_a_time(service, texts)
        cleared_before = _first_look_cleared(loaded)
        english_per_second = await one_at_a_time(service, english) if english else 0.0
        cleared = _first_look_cleared(loaded) - cleared_before
        one_core = await _english_on_one_core(loaded, service, english)
        others_per_second = await one_at_a_time(service, others) if others else 0.0
        burst_per_second = await in_bursts(service, texts, BURST)
        answered = await offer(service, texts, OFFERED_RATE, seconds)
        serving_rss = resident_mb()
    finally:
        service.close()
    # With the service's workers stopped, this thread is the model's only caller.
    english_direct = called_directly(loaded[0], english) if loaded and english else 0.0
    others_direct = called_directly(loaded[0], others) if loaded and others else 0.0
    compared = (
        _against(loaded[0], options.against, english, others, rounds=2 if options.quick else 4)
        if loaded and options.against is not None
        else []
    )
    raid = await _raid(loaded[0]) if loaded else []
    hostile = _hostile(loaded[0]) if loaded else []
    model = f"{service.model_id}@{service.version}"
    stats = service.stats
    latencies = sorted(latency for _, latency in answered)
    english_lines = set(english)
    on_english = sorted(latency for text, latency in answered if text in english_lines)
    elsewhere = sorted(latency for text, latency in answered if text not in english_lines)
    offered = (
        f"{len(latencies)} chat lines offered at {OFFERED_RATE:g}/s for {seconds:g}s to {model}, "
        f"from when each was due; {stats.batches} batches in all, at most {stats.largest_batch}"
    )
    return [
        BenchResult(
            "classifier.messages_per_second",
            per_second,
            "messages/s",
            f"{len(texts)} chat lines (multilingual, 5% spam/abuse) scored one at a time "
            f"through the service by {model}",
        ),
        BenchResult(
            "classifier.english_messages_per_second",
            english_per_second,
            "messages/s",
            f"the {len(english)} of them judged English (the MiniLM path), one at a time",
        ),
        BenchResult(
            "classifier.other_languages_messages_per_second",
            others_per_second,
            "messages/s",
            f"the {len(others)} in other languages (the multilingual-e5 path), one at a time",
        ),
        BenchResult(
            "classifier.english_model_messages_per_second",
            english_direct,
            "messages/s",
            "the English lines again, the model called directly on one thread (no service)",
        ),
        BenchResult(
            "classifier.other_languages_model_messages_per_second",
            others_direct,
            "messages/s",
            "the lines in other languages again, the model called directly on one thread",
        ),
        BenchResult(
            "classifier.burst_messages_per_second",
            burst_per_second,
            "messages/s",
            f"the same {len(texts)} lines scored {BURST} at a time (a raid or a backlog)",
        ),
        BenchResult("classifier.p50_ms", _percentile(latencies, 0.5) * 1e3, "ms", offered),
        BenchResult("classifier.p99_ms", _percentile(latencies, 0.99) * 1e3, "ms", offered),
        *_path_latencies("english", on_english, "the English lines among them"),
        *one_core,
        *_first_look_share(loaded, cleared, len(english)),
        *_path_latencies("other_languages", elsewhere, "the lines in other languages among them"),
        BenchResult(
            "classifier.rss_mb", rss, "MB", f"resident memory of the process with {model} loaded"
        ),
        BenchResult(
            "classifier.rss_serving_mb",
            serving_rss,
            "MB",
            "resident memory of the process after the runs (buffers grown by serving)",
        ),
        *raid,
        *hostile,
        *compared,
    ]


def _against(
    model: TextModel, other: Path, english: list[str], others: list[str], rounds: int
) -> list[BenchResult]:
    """Score each path's lines with ``model`` and the model at ``other`` in turns.

    Loaded only now, after the memory figures, so that they stay those of one model.
    """
    try:
        against = bot.classifier.loaded_model(other, bot.classifier.load_text_model)
    except ModelUnavailable as error:
        return [BenchResult("classifier.turns", 0.0, "skipped", str(error))]
    name = f"{against.model_id}@{against.version}"
    results: list[BenchResult] = []
    for path, lines, which in (
        ("english", english, "the English lines"),
        ("other_languages", others, "the lines in other languages"),
    ):
        if lines:
            turns = in_turns((model, against), lines, rounds)
            results.extend(turns_results(path, turns, name, which))
    return results


async def _raid(model: TextModel) -> list[BenchResult]:
    """Score a raid's copies of one line, as `steward run` does: with answers kept.

    The copies come one at a time (each answered from the first one's answer), then, for
    another line, all at once (the lane scores the line once for all its copies).
    """
    from policies.classifiers.serving import ClassifierService  # noqa: PLC0415 - ml extra

    service = ClassifierService(model, remembered=REMEMBERED_ANSWERS)
    try:
        one_by_one = await one_at_a_time(service, [RAID_LINES[0]] * RAID_COPIES)
        at_once = await in_bursts(service, [RAID_LINES[1]] * RAID_COPIES, RAID_COPIES)
        scored = service.stats.texts
    finally:
        service.close()
    detail = f"{RAID_COPIES} copies of one line, as from a raid's accounts"
    return [
        BenchResult(
            "classifier.raid_messages_per_second",
            one_by_one,
            "messages/s",
            f"{detail}, one at a time, the latest answers kept (as `steward run` keeps them)",
        ),
        BenchResult(
            "classifier.raid_burst_messages_per_second",
            at_once,
            "messages/s",
            f"{detail} (another line), all at once: {scored} texts scored for both runs",
        ),
    ]


def _hostile(model: TextModel) -> list[BenchResult]:
    """Time the longest lines a member can post, each scored alone (the median of rounds).

    A line's lane waits for it, so its time is what every line behind it waits.
    """
    results: list[BenchResult] = []
    for name, line in HOSTILE_LINES.items():
        times: list[float] = []
        for _ in range(HOSTILE_ROUNDS):
            started = time.perf_counter()
            model.score_batch([line])
            times.append(time.perf_counter() - started)
        detail = (
            f"a line of {len(line):,} characters "
            f"({'one word' if ' ' not in line else 'words'}), the model called directly, "
            f"median of {HOSTILE_ROUNDS}"
        )
        results.append(
            BenchResult(
                f"classifier.{name}_ms", _percentile(sorted(times), 0.5) * 1e3, "ms", detail
            )
        )
    return results


def _first_look_cleared(loaded: Sequence[object]) -> int:
    """Return how many texts the model's first look has cleared (0 for models without one)."""
    count = getattr(loaded[0], "first_look_cleared", 0) if loaded else 0
    return count if isinstance(count, int) else 0


async def _english_on_one_core(
    loaded: Sequence[object], service: Classifier, english: list[str]
) -> list[BenchResult]:
    """Score the English lines once more with the spare core not lent, for models with one.

    Set beside ``classifier.english_messages_per_second``, taken just before, it tells
    what working out a text's lexical votes on a second core gains (see
    :mod:`policies.classifiers.spare_core`).
    """
    spare = getattr(loaded[0], "spare_core", None) if loaded else None
    if not english or getattr(spare, "lending", None) is not True:
        return []
    spare.lending = False  # type: ignore[union-attr]
    try:
        per_second = await one_at_a_time(service, english)
    finally:
        spare.lending = True  # type: ignore[union-attr]
    return [
        BenchResult(
            "classifier.english_one_core_messages_per_second",
            per_second,
            "messages/s",
            "the English lines again through the service, one at a time, with no second "
            "core lent for their lexical votes",
        )
    ]


def _first_look_share(loaded: Sequence[object], cleared: int, english: int) -> list[BenchResult]:
    """Report the share of English lines the first look cleared, for models that count it."""
    if not english or not loaded or not hasattr(loaded[0], "first_look_cleared"):
        return []
    return [
        BenchResult(
            "classifier.english_first_look_share",
            round(cleared / english, 4),
            "share",
            f"of the {english} English lines scored one at a time, those the first look "
            "cleared without the full encoder (the English rate rises with this share)",
        )
    ]


def _path_latencies(path: str, ordered: list[float], which: str) -> list[BenchResult]:
    """Return the p50 and p99 of one path's lines in the latency run (none without lines)."""
    if not ordered:
        return []
    detail = f"{which} ({len(ordered)}), from when each was due"
    return [
        BenchResult(f"classifier.{path}_{name}_ms", _percentile(ordered, q) * 1e3, "ms", detail)
        for name, q in (("p50", 0.5), ("p99", 0.99))
    ]


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
