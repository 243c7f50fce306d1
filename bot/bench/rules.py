"""Benchmark the rule pipeline: the default policy over a realistic mix of messages."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bot.bench import BenchOptions, BenchResult, case
from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.engine import PolicyEngine
from policies.normalize import normalize
from policies.policy import load_policy
from policies.windows import RecentWindows

_ORDINARY = [
    "Morning all! Anyone else trying the new sunrise mode?",
    "Bonjour ! Le mode lever du soleil est génial, je me réveille mieux.",
    "Goedemorgen! Bij mij werkt de app-koppeling pas na een herstart.",
    "Hej! Min lampe blinker tre gange når jeg tænder den. Hvad betyder det?",
    "Cześć! Mój nowy zestaw w salonie, klasyczne ciepłe światło wieczorem.",
    "おはようございます！新しいファームウェアで色がとても自然になりました。",
    "Thanks for the assistance, the classic cocktail lamp works now",
    "Has anyone paired two lamps to one scene? Version 2.3.1 of the app",
    "see https://en.wikipedia.org/wiki/Light-emitting_diode for how it works",
    "lol same 😂😂",
    "ok",
    "What's the warranty in Essex? Mine arrived with a scratch.",
]
_BAD = [
    "FREE NITRO claim now https://bit.ly/fr33-g1ft",
    "join my server discord.gg/cryptogainz @everyone",
    "you are a f.u.c.k.i.n.g moron",
    "this update is sh1t and you are all idiots",
    "WHY IS NOBODY ANSWERING MY QUESTION ABOUT THE LAMP",
]


_TOPICS = [
    "lamp",
    "app",
    "firmware",
    "scene",
    "colour",
    "warranty",
    "bulb",
    "hub",
    "timer",
    "preset",
    "desk",
    "garden",
]


def realistic_mix(count: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Return ``(author, channel, text)`` triples: mostly ordinary chat, 5% spam and abuse.

    Ordinary lines get a few varied words, as real chat rarely repeats itself verbatim.
    """
    rng = random.Random(seed)
    mix: list[tuple[str, str, str]] = []
    for _ in range(count):
        if rng.random() < 0.05:
            text = rng.choice(_BAD)
        else:
            text = f"{rng.choice(_ORDINARY)} ({' '.join(rng.sample(_TOPICS, 3))})"
        mix.append((f"member{rng.randrange(300)}", f"channel{rng.randrange(6)}", text))
    return mix


@case("rules")
async def rule_pipeline(options: BenchOptions) -> list[BenchResult]:
    """Measure messages/s through the default policy (no classifier) and p99 latency."""
    count = 5_000 if options.quick else 50_000
    engine = PolicyEngine(load_policy("default"))
    windows = RecentWindows()
    community = Ref("bench", "c")
    start = datetime(2026, 3, 2, tzinfo=UTC)
    joined = start - timedelta(days=400)
    members: dict[str, Member] = {}
    # Messages arrive built by the adapter; building them is not the policy's work.
    messages: list[Message] = []
    for index, (name, channel, text) in enumerate(realistic_mix(count)):
        author = members.get(name) or members.setdefault(
            name, Member(ref=Ref("bench", name), name=name, joined_at=joined)
        )
        messages.append(
            Message(
                ref=Ref("bench", str(index)),
                channel=Ref("bench", channel),
                author=author,
                content=text,
                created_at=start + timedelta(seconds=index * 0.5),
            )
        )
    timings: list[float] = []
    clock = time.perf_counter
    started = clock()
    for message in messages:
        began = clock()
        normalized = normalize(message.content)
        engine.judge_message(
            message,
            community=community,
            is_staff=False,
            ctx=windows.moved_to(message.created_at),
            text=normalized,
        )
        windows.record(message, normalized)
        timings.append(clock() - began)
    elapsed = time.perf_counter() - started
    timings.sort()
    detail = (
        f"{count} messages (95% ordinary multilingual chat, 5% spam/abuse): normalize, judge "
        "with the default policy, record in the windows; one core"
    )
    return [
        BenchResult("rules.messages_per_second", count / elapsed, "messages/s", detail),
        BenchResult(
            "rules.p50_us",
            timings[len(timings) // 2] * 1e6,
            "µs",
            "median evaluation time per message",
        ),
        BenchResult(
            "rules.p99_us",
            timings[int(len(timings) * 0.99)] * 1e6,
            "µs",
            "99th percentile evaluation time per message",
        ),
    ]
