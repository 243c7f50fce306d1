"""Run a policy over exported history without acting: ``steward replay``.

Each message line of the scenario format gets one output line saying what the policy
would have done: allow, review, or act (and which actions, following the escalation
ladder as the member's points build up during the replay). Joins feed raid detection.
Nothing is stored and nothing is sent anywhere.

Rules that need classifier scores (``classifier`` rules such as ``abuse-model``) are
judged when the replay has a scorer (``steward replay --model DIR``), as the guidelines cog
judges them: after the other rules, on messages those rules did not remove, with the text
read in the community's language when its own cannot be told. Without a scorer they are
left out, and the stats count the messages they would have judged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters.local.community import ref
from bot.adapters.local.driver import member_from
from bot.adapters.local.scenario import (
    CommunityLine,
    JoinLine,
    MemberSpec,
    MessageLine,
    ScenarioError,
    parse_community,
    parse_event,
)
from bot.core.clock import as_utc
from bot.core.community import CommunityInfo
from bot.core.models import Attachment, Member, Message
from bot.core.parse_text import NotJson, parse_json
from bot.core.protocols import TextScores
from policies.actions import ActionKind
from policies.context import RecentJoin, Text
from policies.engine import PolicyEngine
from policies.normalize import normalize
from policies.policy import Policy
from policies.verdict import Outcome, Verdict
from policies.windows import RecentWindows

Scorer = Callable[[str, str], TextScores]
"""Scores one folded text; the second argument is the community's language (BCP 47)."""


@dataclass(slots=True)
class ReplayStats:
    """What a replay found.

    Attributes:
        messages: Messages judged.
        outcomes: Messages per outcome (``allow``, ``review``, ``act``).
        rules: Matches per rule.
        unscored: Messages that rules needing classifier scores would have judged, had the
            replay had a scorer.
    """

    messages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    rules: Counter[str] = field(default_factory=Counter)
    unscored: int = 0


class Replayer:
    """Judge history line by line, keeping windows and points as a live community would.

    Args:
        policy: The policy to trial.
        community: The history's community line, when it has one; its ``config`` may name
            the community's ``language``.
        stats: Where to count what was found.
        scorer: Scores texts for the rules that need classifier scores; without it those
            rules are left out.
    """

    def __init__(
        self,
        policy: Policy,
        community: CommunityLine | None = None,
        stats: ReplayStats | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self.policy = policy
        self.engine = PolicyEngine(policy)
        self.windows = RecentWindows()
        self.scorer = scorer
        name = community.name if community else "history"
        # A community line's language is a standard tag (checked when the line is parsed).
        language = str(community.config.get("language", "en")) if community else "en"
        self.community = CommunityInfo(key=name, ref=ref(name), name=name, language=language)
        self.members: dict[str, Member] = {}
        for spec in community.members if community else ():
            self.members[spec.name] = _member(spec)
        self._points: dict[str, list[tuple[datetime, int]]] = {}
        self.stats = stats if stats is not None else ReplayStats()

    def join(self, line: JoinLine) -> None:
        """Remember a join for raid detection."""
        member = _member(line.member, line.at)
        self.members[member.name] = member
        self.windows.moved_to(line.at).record_join(
            RecentJoin(
                member=member.ref,
                name=member.name,
                at=line.at,
                account_created=member.account_created_at,
                avatar=member.avatar,
            )
        )

    def message(self, line: MessageLine) -> dict[str, Any]:
        """Judge one message; return its output record."""
        author = self.members.get(line.author) or member_from(line.author)
        message = Message(
            ref=ref(line.id),
            channel=ref(line.channel),
            author=author,
            content=line.content,
            created_at=line.at,
            thread=ref(line.thread) if line.thread else None,
            attachments=tuple(Attachment(filename=a) for a in line.attachments),
        )
        text = normalize(line.content)
        is_staff = self.community.is_staff(author)
        verdict = self.engine.judge_message(
            message,
            community=self.community.ref,
            is_staff=is_staff,
            ctx=self.windows.moved_to(line.at),
            text=text,
        )
        self.windows.record(message, text)
        verdicts = [verdict]
        actions = self._would_do(verdict, author.name, line.at)
        scored: TextScores | None = None
        # As the guidelines cog: a message the rules removed is not scored.
        if ActionKind.DELETE.value not in actions and self.engine.wants_scores(
            message, is_staff=is_staff
        ):
            judged = self._by_scores(message, text, is_staff=is_staff, at=line.at)
            if judged is not None:
                by_scores, scored = judged
                verdicts.append(by_scores)
                actions += self._would_do(by_scores, author.name, line.at)
        matches = [m for v in verdicts for m in v.matches]
        outcome = max((v.outcome for v in verdicts), key=_OUTCOME_ORDER.index)
        record: dict[str, Any] = {
            "id": line.id,
            "verdict": outcome.value,
            "rules": [m.rule for m in matches],
            "actions": list(dict.fromkeys(actions)),
        }
        if matches:
            # Why each rule matched (the listed word, the link, the score): what a
            # community manager reads to tell a false positive before the rule goes live.
            record["why"] = {m.rule: m.reason for m in matches}
        if scored is not None:
            record["scores"] = dict(scored.scores)
            record["lang"] = scored.language
        self.stats.messages += 1
        self.stats.outcomes[outcome.value] += 1
        self.stats.rules.update(m.rule for m in matches)
        return record

    def _by_scores(
        self, message: Message, text: Text, *, is_staff: bool, at: datetime
    ) -> tuple[Verdict, TextScores] | None:
        """Judge a message by the rules that need scores; ``None`` (counted) without a scorer."""
        if self.scorer is None:
            self.stats.unscored += 1
            return None
        scored = self.scorer(text.folded, self.community.language)
        verdict = self.engine.judge_scores(
            message,
            community=self.community.ref,
            is_staff=is_staff,
            # As in the cog, the message is in the windows by now.
            ctx=self.windows.moved_to(at),
            text=text,
            scored=scored,
        )
        return verdict, scored

    def _would_do(self, verdict: Verdict, member: str, at: datetime) -> list[str]:
        if verdict.outcome is Outcome.REVIEW:
            return ["review"]
        worst = verdict.worst
        if verdict.outcome is not Outcome.ACT or worst is None:
            return []
        points = self.policy.points(worst.severity)
        held = [(t, p) for t, p in self._points.get(member, []) if t > at]
        if points:
            held.append((at + timedelta(days=worst.expires_days), points))
        self._points[member] = held
        return self.policy.stepped(worst.actions, sum(p for _, p in held))


_OUTCOME_ORDER = [Outcome.ALLOW, Outcome.REVIEW, Outcome.ACT]
"""Outcomes from the mildest: a message's outcome is the gravest of its verdicts'."""


def _member(spec: MemberSpec, at: datetime | None = None) -> Member:
    return member_from(
        spec.name,
        roles=spec.roles,
        display_name=spec.display_name,
        joined=as_utc(spec.joined) if spec.joined else at or datetime(2000, 1, 1, tzinfo=UTC),
        account_created=as_utc(spec.account_created) if spec.account_created else None,
        lang=spec.lang,
        bot=spec.bot,
        owner=spec.owner,
    )


def replay(
    lines: Iterable[str],
    policy: Policy,
    stats: ReplayStats | None = None,
    scorer: Scorer | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one record per message line of a history file, counting into ``stats``.

    ``scorer`` scores texts for the rules that need classifier scores (see the module's
    notes); a scored message's record also holds its ``scores`` and ``lang``.

    Raises:
        ScenarioError: On a malformed line (naming it).
    """
    replayer: Replayer | None = None
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text or text.startswith("//"):
            continue
        if replayer is None:
            if _type_of(text, number) == "community":
                replayer = Replayer(policy, parse_community(text, number), stats, scorer)
                continue
            replayer = Replayer(policy, None, stats, scorer)
        event = parse_event(text, number)
        if isinstance(event, MessageLine):
            yield replayer.message(event)
        elif isinstance(event, JoinLine):
            replayer.join(event)


def _type_of(text: str, number: int) -> str:
    try:
        data = parse_json(text)
    except NotJson as error:
        raise ScenarioError(f"line {number}: not JSON: {error}") from error
    return str(data.get("type")) if isinstance(data, dict) else ""
