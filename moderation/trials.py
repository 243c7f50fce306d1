"""The trials of rules under way: how many hits each still sends, and how they were judged.

A rule on trial (``/policy trial``) records in shadow mode and sends its next hits to the
review queue for moderators to judge, right or wrong. The book keeps, per rule, how many
hits the trial asked for, how many it still sends, and the judgements so far, in the
owning cog's state, so a trial outlasts a restart; once its last card is judged the trial
is over and its tally is the rule's precision on trial. The book keeps each rule's last
judged trial after it ends, so a community manager deciding later whether to take the
rule live still reads how it did.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.core.protocols import CogStateRepository
from bot.core.refs import Ref

logger = logging.getLogger(__name__)

KEY = "rule_trials"
"""The cog state key of the trials under way, by rule id."""
FINISHED_KEY = "rule_trials_finished"
"""The cog state key of each rule's last trial that moderators judged, by rule id."""


@dataclass(frozen=True, slots=True)
class Trial:
    """One rule's trial.

    Attributes:
        asked: How many hits the trial sends to moderators in all.
        left: How many of them are still to come.
        right: Hits moderators found the rule right about.
        wrong: Hits they found it wrong about.
        ended_at: When it ended; ``None`` while under way.
    """

    asked: int
    left: int
    right: int = 0
    wrong: int = 0
    ended_at: datetime | None = None

    @property
    def judged(self) -> int:
        """Return how many hits moderators judged."""
        return self.right + self.wrong

    @property
    def precision(self) -> float | None:
        """Return the share of judged hits the rule was right about; ``None`` before any."""
        return self.right / self.judged if self.judged else None

    def verdict(self) -> str:
        """Return how moderators judged the rule on trial, in words."""
        if self.precision is None:
            return "nobody judged its cards before they expired"
        return (
            f"moderators found it right {self.right} time(s) of {self.judged} "
            f"({self.precision:.0%})"
        )

    def to_data(self) -> dict[str, int | str]:
        """Return it as JSON-compatible data."""
        data: dict[str, int | str] = {
            "asked": self.asked,
            "left": self.left,
            "right": self.right,
            "wrong": self.wrong,
        }
        if self.ended_at is not None:
            data["ended_at"] = self.ended_at.isoformat()
        return data


def _trial_from(data: Any) -> Trial:
    ended = data.get("ended_at")
    return Trial(
        asked=int(data["asked"]),
        left=int(data["left"]),
        right=int(data.get("right", 0)),
        wrong=int(data.get("wrong", 0)),
        ended_at=datetime.fromisoformat(ended) if ended else None,
    )


class TrialBook:
    """The trials of one community's rules, kept in a cog's state.

    Args:
        state: The cog state repository.
        community: Whose rules.
        owner: The cog the state belongs to.
    """

    def __init__(self, state: CogStateRepository, community: Ref, owner: str) -> None:
        self._state = state
        self._community = community
        self._owner = owner
        # Messages are judged by several workers at once: two hits of a rule with one
        # card left must not both take it, nor two judgements count as one.
        self._lock = asyncio.Lock()
        # Read once, then kept in step with what is written: every shadow hit asks, and a
        # community's rules are judged in one process, so nobody else writes the book.
        self._known: dict[str, Trial] | None = None

    async def all(self) -> dict[str, Trial]:
        """Return the trials under way, by rule id.

        Unreadable state (written by another version, or damaged) is logged and dropped:
        the rules stay in shadow mode, and their cards come no more.
        """
        if self._known is None:
            self._known = await self._read()
        return dict(self._known)

    async def _read(self, key: str = KEY) -> dict[str, Trial]:
        data = await self._state.get(self._community, self._owner, key)
        if data is None:
            return {}
        try:
            return {str(rule): _trial_from(trial) for rule, trial in dict(data).items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.warning("the rule trials kept from before could not be read; they are dropped")
            return {}

    async def last_finished(self, rule: str) -> Trial | None:
        """Return the rule's last trial that moderators judged, once it ended.

        Read when asked (``/policy show``), never on a message's way.
        """
        return (await self._read(FINISHED_KEY)).get(rule)

    async def start(self, rule: str, hits: int) -> None:
        """Send a rule's next ``hits`` hits to moderators to judge, counting afresh."""
        async with self._lock:
            trials = await self.all()
            trials[rule] = Trial(asked=hits, left=hits)
            await self._keep(trials)

    async def end(self, rule: str, now: datetime) -> Trial | None:
        """End a rule's trial; return it as it stood, if there was one.

        A trial with judgements is kept as the rule's last finished one; a trial nobody
        judged leaves the one before in its place.
        """
        async with self._lock:
            trials = await self.all()
            ended = trials.pop(rule, None)
            await self._keep(trials)
            if ended is None or not ended.judged:
                return ended
            ended = replace(ended, ended_at=now)
            finished = await self._read(FINISHED_KEY)
            finished[rule] = ended
            data = {each: trial.to_data() for each, trial in finished.items()}
            await self._state.put(self._community, self._owner, FINISHED_KEY, data)
            return ended

    async def take_hit(self, rule: str) -> bool:
        """Count one hit off a rule's trial; return whether it had one left to send.

        Counted before the card is queued: a crash in between loses one card rather than
        sending more than the trial asked for.
        """
        async with self._lock:
            trials = await self.all()
            trial = trials.get(rule)
            if trial is None or trial.left <= 0:
                return False
            trials[rule] = replace(trial, left=trial.left - 1)
            await self._keep(trials)
            return True

    async def judged(self, rule: str, *, right: bool) -> Trial | None:
        """Count a moderator's judgement of a rule's hit; return the trial, if under way."""
        async with self._lock:
            trials = await self.all()
            trial = trials.get(rule)
            if trial is None:
                return None
            counted = (
                replace(trial, right=trial.right + 1)
                if right
                else replace(trial, wrong=trial.wrong + 1)
            )
            trials[rule] = counted
            await self._keep(trials)
            return counted

    async def _keep(self, trials: dict[str, Trial]) -> None:
        self._known = dict(trials)
        if trials:
            data = {rule: trial.to_data() for rule, trial in trials.items()}
            await self._state.put(self._community, self._owner, KEY, data)
        else:
            await self._state.delete(self._community, self._owner, KEY)
