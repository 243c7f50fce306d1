"""Flood control: too many messages, attachments or emoji from one member too fast."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from policies._emoji import emoji_count, emoji_upper_bound
from policies.context import Context, Subject
from policies.rule import Rule, RuleParams, rule
from policies.verdict import Hit


class RateParams(RuleParams):
    """Limits per member within a sliding window.

    Attributes:
        per_seconds: The window.
        max_in_channel: Messages allowed in one channel within the window.
        max_across_channels: Messages allowed in all channels together.
        max_attachments: Files allowed within the window (0: no limit).
        max_emojis_per_message: Emoji allowed in one message (0: no limit).
        max_emojis: Emoji allowed within the window (0: no limit).
    """

    per_seconds: float = Field(10.0, gt=0, le=3600)
    max_in_channel: int = Field(6, ge=1, le=40)
    max_across_channels: int = Field(10, ge=1, le=40)
    max_attachments: int = Field(0, ge=0)
    max_emojis_per_message: int = Field(0, ge=0)
    max_emojis: int = Field(0, ge=0)


@rule("rate")
class RateRule(Rule[RateParams]):
    """Flag a member who posts faster than the community allows."""

    Params = RateParams

    def __init__(self, rule_id: str, params: RateParams) -> None:
        super().__init__(rule_id, params)
        self._window = timedelta(seconds=params.per_seconds)
        self._label = f"{params.per_seconds:g}s"

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Count the member's recent messages, files and emoji, this one included."""
        p = self.params
        message = subject.message
        recent = ctx.by_member(message.author.ref, ctx.now - self._window)
        # One pass adds up what every limit needs.
        here = 1
        files = len(message.attachments)
        earlier = 0
        channel = message.channel
        for r in recent:
            # Refs of one channel are most often one object: ``is`` answers before ``==``.
            if r.channel is channel or r.channel == channel:
                here += 1
            files += r.attachments
            earlier += r.emojis
        if here > p.max_in_channel:
            return Hit(
                reason=f"{here} messages in one channel within {self._label}",
                evidence={"count": here},
            )
        total = 1 + len(recent)
        if total > p.max_across_channels:
            channels = len({r.channel for r in recent} | {channel})
            return Hit(
                reason=f"{total} messages in {channels} channels within {self._label}",
                evidence={"count": total, "channels": channels},
            )
        if p.max_attachments and files > p.max_attachments:
            return Hit(
                reason=f"{files} attachments within {self._label}",
                evidence={"attachments": files},
            )
        if not (p.max_emojis_per_message or p.max_emojis):
            return None
        bound = emoji_upper_bound(message.content)
        per_message = p.max_emojis_per_message and bound > p.max_emojis_per_message
        in_window = p.max_emojis and earlier + bound > p.max_emojis
        if not (per_message or in_window):
            return None  # even the upper bound stays within the limits
        emojis = emoji_count(message.content)
        if p.max_emojis_per_message and emojis > p.max_emojis_per_message:
            return Hit(reason=f"{emojis} emoji in one message", evidence={"emojis": emojis})
        if p.max_emojis and earlier + emojis > p.max_emojis:
            total = earlier + emojis
            return Hit(reason=f"{total} emoji within {self._label}", evidence={"emojis": total})
        return None
