"""Judge messages and joins against a policy: pure, fast, and the same everywhere.

The engine normalizes a message once, runs every rule in scope, and returns a
:class:`~policies.verdict.Verdict`. It never acts: moderation turns verdicts into actions.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from bot.core.models import Member, Message
from bot.core.protocols import TextScores
from bot.core.refs import Ref
from policies._recent import RecentAnswers
from policies.actions import ActionKind
from policies.context import Context, Subject, Text, TextForm
from policies.normalize import normalize
from policies.policy import CompiledRule, Policy
from policies.rule import Prefilter, Rule, judges_accounts, judges_messages
from policies.screens import READ_AHEAD_CHARS, UnitedScreen, united_screen
from policies.verdict import Hit, Match, Mode, Severity, Verdict

_NO_SCORES: Mapping[str, float] = MappingProxyType({})
_TEXTS_READ_AHEAD = 512
"""Normalized texts kept per generation (see ``RecentAnswers``): a burst's, about. Texts of
at most ``READ_AHEAD_CHARS`` characters, in three forms: at most about 12 MB per community
(1,024 texts of 1,000 four-byte characters), well under 1 MB for everyday chat."""


_ONLY_REVIEW = (ActionKind.REVIEW.value,)
"""A match's actions when all it asks for is moderators' review."""


class PolicyEngine:
    """Run one policy's rules.

    Args:
        policy: The loaded policy.
        shadow: Rule ids forced into shadow mode (trialled at run time).
        channel_ids: The platform's id of each channel the rules name by name (a rule's
            ``channels`` as the file writes them); names it lacks are compared as written.
    """

    def __init__(
        self,
        policy: Policy,
        shadow: frozenset[str] = frozenset(),
        channel_ids: Mapping[str, str] | None = None,
    ) -> None:
        self.policy = policy
        self.shadow = shadow
        self.channel_ids: Mapping[str, str] = dict(channel_ids or {})
        # A rule type judges what it overrides: messages, joins, or both (raids).
        self._message_rules = [
            _Scoped(r, self.channel_ids) for r in policy.rules if judges_messages(r.rule)
        ]
        # The rules to ask, worked out once for staff or not and for each part of the
        # policy (a classifier rule cannot match without scores): unscoped ones as bare calls.
        # Plans that screen the same run of rules share its screen.
        screens: dict[tuple[Prefilter, ...], UnitedScreen | None] = {}
        self._plans = {
            (staff, part): _plan(self._message_rules, staff=staff, part=part, screens=screens)
            for staff in (False, True)
            for part in _Part
        }
        # Bursts are screened ahead for members' messages, the many; staff's few are
        # searched as they come, so a screen of staff's rules alone costs no search a burst.
        self._screens_ahead = list(
            dict.fromkeys(
                screen
                for part in _Part
                for screen, _ in self._plans[(False, part)][0]
                if screen is not None
            )
        )
        self._texts: RecentAnswers[str, Text] = RecentAnswers(_TEXTS_READ_AHEAD)
        self._join_rules = [r for r in policy.rules if judges_accounts(r.rule)]
        # Private messages to the bot are read only by the rules that look after people.
        self._caring = [
            r
            for r in self._message_rules
            if any(a.kind is ActionKind.CARE for a in r.compiled.actions or ())
            and not r.compiled.rule.needs_scores
        ]
        self.needs_scores = any(r.rule.needs_scores for r in policy.rules)
        self.needs_bans = any(r.rule.needs_bans for r in self._join_rules)
        self.needs_staff = any(r.rule.needs_staff for r in self._join_rules)
        self._name_rules = [r for r in self._join_rules if r.rule.judges_names]
        self.judges_names = bool(self._name_rules)
        self._severity_actions = {
            severity: tuple(str(a) for a in policy.default_actions(severity))
            for severity in Severity
        }

    def read_ahead(self, contents: Iterable[str]) -> None:
        """Prepare to judge a burst of messages: normalize each text once, screen them together.

        Judging gives the same verdicts with or without reading ahead; it costs fewer
        searches with. Each screen searches the burst's texts at once (see
        :meth:`~policies.screens.UnitedScreen.read_ahead`), and :meth:`text_of` hands back
        the normalized texts.

        Args:
            contents: The messages' texts, as posted.
        """
        texts = [self.text_of(content) for content in contents]
        for screen in self._screens_ahead:
            screen.read_ahead(texts)

    def text_of(self, content: str) -> Text:
        """Return a message's normalized text, read ahead or normalized now."""
        text = self._texts.get(content)
        if text is None:
            text = normalize(content)
            if len(content) <= READ_AHEAD_CHARS:
                self._texts.put(content, text)
        return text

    def judge_message(
        self,
        message: Message,
        *,
        community: Ref,
        is_staff: bool,
        ctx: Context,
        text: Text | None = None,
        scores: Mapping[str, float] | None = None,
    ) -> Verdict:
        """Judge one message.

        Args:
            message: The message.
            community: Where it was posted.
            is_staff: Whether its author moderates here (most rules skip staff).
            ctx: Recent activity, read-only.
            text: The normalized text, when the caller already has it.
            scores: Classifier scores, for classifier rules.

        Returns:
            The verdict, its matches most severe first.
        """
        subject = Subject(
            message=message,
            member=message.author,
            text=text or normalize(message.content),
            is_staff=is_staff,
            scores=scores or _NO_SCORES,
        )
        part = _Part.ALL if scores else _Part.RULES
        return self._judge(subject, community, ctx, self._plans[(is_staff, part)])

    def wants_scores(self, message: Message, *, is_staff: bool) -> bool:
        """Return whether a rule that needs classifier scores applies to this message."""
        everywhere, somewhere = self._plans[(is_staff, _Part.SCORES)]
        return bool(everywhere) or any(s.covers(message, message.author.roles) for s in somewhere)

    def judge_scores(
        self,
        message: Message,
        *,
        community: Ref,
        is_staff: bool,
        ctx: Context,
        text: Text,
        scored: TextScores,
    ) -> Verdict:
        """Judge one message by the rules that need classifier scores, and only by them.

        The guidelines cog judges the other rules first, without waiting for the model;
        this is the second part, so no rule is judged twice for one message.

        Args:
            message: The message.
            community: Where it was posted.
            is_staff: Whether its author moderates here.
            ctx: Recent activity, read-only.
            text: The normalized text.
            scored: What the classifier said about the text.
        """
        subject = Subject(
            message=message,
            member=message.author,
            text=text,
            is_staff=is_staff,
            scores=scored.scores,
            language=scored.language,
            model=scored.model,
        )
        return self._judge(subject, community, ctx, self._plans[(is_staff, _Part.SCORES)])

    def judge_unscored(
        self, message: Message, *, community: Ref, is_staff: bool, text: Text, reason: str
    ) -> Verdict:
        """Hand a message to review because the scores its classifier rules need never came.

        Every rule that needs scores and applies to the message gives a review match
        saying why; rules in shadow mode give none (a trial should not ask moderators).

        Args:
            message: The message.
            community: Where it was posted.
            is_staff: Whether its author moderates here.
            text: The normalized text.
            reason: Why there are no scores, in words a moderator can read.
        """
        everywhere, somewhere = self._plans[(is_staff, _Part.SCORES)]
        applying = [compiled for _, calls in everywhere for _, compiled in calls] + [
            s.compiled for s in somewhere if s.covers(message, message.author.roles)
        ]
        hit = Hit(reason=reason, evidence={"unscored": reason}, review=True)
        matches = [self._match(compiled, hit) for compiled in applying]
        return self._verdict(
            message,
            community,
            text,
            [m for m in matches if m.mode is not Mode.SHADOW],
        )

    def _judge(
        self,
        subject: Subject,
        community: Ref,
        ctx: Context,
        plan: tuple[list[_Run], list[_Scoped]],
    ) -> Verdict:
        message = subject.message
        matches = []
        everywhere, somewhere = plan
        for screen, calls in everywhere:
            if screen is not None and not screen(subject):
                continue  # none of these rules can match: most messages, most runs
            for evaluate, compiled in calls:
                hit = evaluate(subject, ctx)
                if hit is not None:
                    matches.append(self._match(compiled, hit))
        for scoped in somewhere:
            if scoped.covers(message, message.author.roles):
                hit = scoped.evaluate(subject, ctx)
                if hit is not None:
                    matches.append(self._match(scoped.compiled, hit))
        return self._verdict(message, community, subject.text, matches)

    @staticmethod
    def _verdict(message: Message, community: Ref, text: Text, matches: list[Match]) -> Verdict:
        if len(matches) > 1:
            matches.sort(key=lambda m: -m.severity.rank)
        return Verdict(
            community=community,
            member=message.author.ref,
            message=message.ref,
            channel=message.channel,
            original=message.content,
            normalized=text.canonical,
            matches=tuple(matches),
            attachments=message.attachments,
        )

    def judge_private(
        self, message: Message, *, community: Ref, is_staff: bool, ctx: Context
    ) -> Verdict:
        """Judge a private message to the bot by the rules that look after people, only.

        A member may confide in the bot what they tell no channel (that they want to harm
        themselves): the rules with a ``care`` action read it, wherever they are scoped.
        No other rule does: nothing private is removed or punished. The verdict names no
        message or channel to act on.
        """
        subject = Subject(
            message=message,
            member=message.author,
            text=self.text_of(message.content),
            is_staff=is_staff,
            scores=_NO_SCORES,
        )
        matches = []
        for scoped in self._caring:
            if is_staff and not scoped.applies_to_staff:
                continue
            hit = scoped.evaluate(subject, ctx)
            if hit is not None:
                matches.append(self._match(scoped.compiled, hit))
        verdict = self._verdict(message, community, subject.text, matches)
        return replace(verdict, message=None, channel=None)

    def judge_join(self, member: Member, *, community: Ref, ctx: Context) -> Verdict:
        """Judge a member's arrival (raid detection)."""
        return self._judge_account(self._join_rules, member, community, ctx, renamed=False)

    def judge_rename(self, member: Member, *, community: Ref, ctx: Context) -> Verdict:
        """Judge the name a member took after joining (only the rules that read names)."""
        return self._judge_account(self._name_rules, member, community, ctx, renamed=True)

    def _judge_account(
        self,
        rules: list[CompiledRule],
        member: Member,
        community: Ref,
        ctx: Context,
        *,
        renamed: bool,
    ) -> Verdict:
        """Judge an account, not a message: the text the rules read is a name."""
        matches = []
        for compiled in rules:
            hit = compiled.rule.evaluate_join(member, ctx)
            if hit is not None:
                matches.append(self._match(compiled, hit))
        name = member.shown_name if renamed else member.name
        return Verdict(
            community=community,
            member=member.ref,
            message=None,
            channel=None,
            original=name,
            normalized=name,
            matches=tuple(matches),
            joined=not renamed,
            renamed=renamed,
        )

    def _match(self, compiled: CompiledRule, hit: Hit) -> Match:
        spec = compiled.spec
        severity = hit.severity or spec.severity
        mode = Mode.SHADOW if spec.id in self.shadow else spec.mode
        if hit.actions is not None:
            actions = hit.actions
        elif compiled.actions is not None:
            actions = tuple(str(a) for a in compiled.actions)
        else:
            actions = self._severity_actions[severity]
        # Only asking moderators is reviewing: the case waits for them, as in review mode,
        # and is nobody's record until they decide (a low severity's default is "review").
        if mode is Mode.ENFORCE and (hit.review or actions == _ONLY_REVIEW):
            mode = Mode.REVIEW
        return Match(
            rule=spec.id,
            type=spec.type,
            severity=severity,
            mode=mode,
            reason=hit.reason,
            matched=hit.matched,
            evidence=hit.evidence,
            actions=actions,
            expires_days=spec.expires_days,
            guideline=spec.guideline,
        )


class _Scoped:
    """A rule with its scope prepared once, instead of looked up on every message."""

    __slots__ = ("applies_to_staff", "channels", "compiled", "evaluate", "exempt_roles", "scoped")

    def __init__(self, compiled: CompiledRule, channel_ids: Mapping[str, str]) -> None:
        self.compiled = compiled
        self.evaluate = compiled.rule.evaluate
        self.applies_to_staff = compiled.spec.applies_to_staff
        self.channels = frozenset(channel_ids.get(c, c) for c in compiled.spec.channels)
        self.exempt_roles = frozenset(compiled.spec.exempt_roles)
        self.scoped = bool(self.channels or self.exempt_roles)

    def covers(self, message: Message, roles: frozenset[str]) -> bool:
        """Return whether the rule applies in the message's channel and to its author's roles."""
        if self.channels and not (
            message.channel.id in self.channels
            or (message.thread is not None and message.thread.id in self.channels)
        ):
            return False
        return not (self.exempt_roles and roles & self.exempt_roles)


_Call = tuple[Callable[[Subject, Context], Hit | None], CompiledRule]
_Run = tuple[UnitedScreen | None, list[_Call]]
"""Rules asked one after the other, skipped together when their screen says none can match."""


class _Part(enum.Enum):
    """Which of a policy's message rules a judgement asks."""

    RULES = "rules that need no scores"
    SCORES = "rules that need scores"
    ALL = "every rule"

    def includes(self, rule: Rule[Any]) -> bool:
        """Return whether a rule belongs to this part."""
        if self is _Part.ALL:
            return True
        return rule.needs_scores == (self is _Part.SCORES)


def _plan(
    rules: list[_Scoped],
    *,
    staff: bool,
    part: _Part,
    screens: dict[tuple[Prefilter, ...], UnitedScreen | None],
) -> tuple[list[_Run], list[_Scoped]]:
    """Split the rules that apply into runs of unscoped calls and rules that check their scope.

    Unscoped rules that follow each other and offer prefilters on one form of the text form
    a run with one screen (see :mod:`policies.screens`); the others run alone. Matches come
    in policy order either way.

    Args:
        rules: The policy's message rules.
        staff: Whether the plan is for messages by staff.
        part: Which rules the plan asks.
        screens: Screens built for earlier plans, by their prefilters; new ones are added.
    """
    chosen = [
        r for r in rules if (r.applies_to_staff or not staff) and part.includes(r.compiled.rule)
    ]
    runs: list[_Run] = []
    unscoped = [(r, r.compiled.rule.prefilter()) for r in chosen if not r.scoped]
    for form, grouped in itertools.groupby(unscoped, key=lambda pair: _form_of(pair[1])):
        same = list(grouped)
        calls: list[_Call] = [(r.evaluate, r.compiled) for r, _ in same]
        screen = None
        if form is not None:
            prefilters = tuple(p for _, p in same if p is not None)
            if prefilters not in screens:
                screens[prefilters] = united_screen(prefilters)
            screen = screens[prefilters]
        if screen is not None:
            runs.append((screen, calls))
        else:
            runs.extend((None, [call]) for call in calls)
    return runs, [r for r in chosen if r.scoped]


def _form_of(prefilter: Prefilter | None) -> TextForm | None:
    return None if prefilter is None else prefilter.form
