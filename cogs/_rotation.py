"""Choose the next prompt of a schedule: no repeats until the library is used up.

Among the prompts a schedule may post, those posted the fewest times go first, so every
prompt runs once before any runs twice. Within that group, prompts whose earlier posts
engaged the community best go first; prompts never posted follow the library's order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cogs._discussion_store import Engagement, Post, StoredPrompt
from cogs._schedules import ScheduleSettings


@dataclass(frozen=True, slots=True)
class PromptRecord:
    """What rotation knows of one prompt: how often it ran, and how well."""

    uses: int
    mean_score: float
    scores: tuple[float, ...]
    replies: tuple[int, ...]


def records(posts: Sequence[Post], engagement: Mapping[int, Engagement]) -> dict[int, PromptRecord]:
    """Return each posted prompt's record from a community's posts (newest first)."""
    scores: dict[int, list[float]] = {}
    replies: dict[int, list[int]] = {}
    for post in posts:
        if post.status != "posted" or post.prompt_id is None:
            continue
        found = engagement.get(post.id, Engagement())
        scores.setdefault(post.prompt_id, []).append(found.score)
        replies.setdefault(post.prompt_id, []).append(found.replies)
    return {
        prompt: PromptRecord(
            uses=len(values),
            mean_score=sum(values) / len(values),
            scores=tuple(values),
            replies=tuple(replies[prompt]),
        )
        for prompt, values in scores.items()
    }


def eligible(
    prompts: Sequence[StoredPrompt],
    schedule: ScheduleSettings,
    default_language: str,
    channels: Mapping[str, str] | None = None,
) -> list[StoredPrompt]:
    """Return the active prompts a schedule may post, in library order.

    ``channels`` maps the channel names prompts are kept for to the platform's ids (the
    schedule's channel is an id); a prompt whose channel it does not map compares as written.
    """
    language = schedule.language or default_language
    wanted = set(schedule.topics)
    ids = channels or {}
    return [
        prompt
        for prompt in prompts
        if prompt.active
        and prompt.entry.language.split("-")[0] == language.split("-")[0]
        and (not wanted or wanted & set(prompt.entry.topics))
        and ids.get(prompt.entry.channel, prompt.entry.channel) in ("", schedule.channel)
        and bool(prompt.entry.answers) == (schedule.kind == "poll")
    ]


def ranked(
    candidates: Sequence[StoredPrompt], history: Mapping[int, PromptRecord]
) -> list[StoredPrompt]:
    """Return candidates in the order rotation would post them from now on."""
    blank = PromptRecord(uses=0, mean_score=0.0, scores=(), replies=())

    def key(prompt: StoredPrompt) -> tuple[int, float, int]:
        record = history.get(prompt.id, blank)
        return (record.uses, -record.mean_score, prompt.id)

    return sorted(candidates, key=key)


def upcoming(
    candidates: Sequence[StoredPrompt], history: Mapping[int, PromptRecord], count: int
) -> list[StoredPrompt]:
    """Return the next ``count`` picks, as the calendar shows them (engagement to come unknown)."""
    uses = {p.id: history[p.id].uses if p.id in history else 0 for p in candidates}
    means = {p.id: history[p.id].mean_score if p.id in history else 0.0 for p in candidates}
    picks: list[StoredPrompt] = []
    for _ in range(count if candidates else 0):
        pick = min(candidates, key=lambda p: (uses[p.id], -means[p.id], p.id))
        picks.append(pick)
        uses[pick.id] += 1
    return picks
