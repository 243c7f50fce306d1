"""Ban evasion: a new account named like someone banned, or showing their picture.

A troll banned on Monday comes back on Tuesday as ``troll_99`` or ``tr0ll``, or under a
new name with the picture they had: people change their name far more readily than their
avatar. The rule reads the joiner's name and picture against those of the members whose
ban still holds (the guidelines cog reads them from its cases before judging the join)
and asks moderators; it judges no message. Neither proves anything, so by default it only
asks: a review card, nothing on the newcomer's record, and they are not told.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from rapidfuzz import fuzz

from bot.core.models import Member
from policies.actions import checked_actions, on_an_account
from policies.context import BannedMember, Context
from policies.normalize import normalize
from policies.rule import Rule, RuleParams, rule
from policies.verdict import Hit, Severity


class EvasionParams(RuleParams):
    """Who looks like a banned member coming back, and what to do about it.

    Attributes:
        similarity: From 0 to 1: how alike the two names must read (after undoing
            look-alike letters, leetspeak and separators, so ``tr0ll_99`` reads as
            ``troll99``).
        new_account_days: Only accounts younger than this are weighed; an account whose
            age the platform does not tell (Slack) is weighed too.
        look_back_days: Only bans applied within this many days are weighed.
        same_avatar: Whether a newcomer showing the very picture a banned member showed
            is flagged whatever their name. Platforms name an uploaded picture by a hash
            of the image (Discord's avatar hash, Slack's of a custom image), so only the
            same image matches; default pictures never do.
        on_match: What happens: ``review`` (the default: a card asks moderators, whose Ban
            or Dismiss counts towards the rule's precision), ``alert`` (a line in the staff
            channel), ``gate:DURATION`` (the newcomer may not post until a moderator looks;
            a card too), ``kick`` or ``ban``.
    """

    similarity: float = Field(0.85, gt=0, le=1)
    new_account_days: float = Field(30.0, ge=0, le=3650)
    look_back_days: float = Field(180.0, gt=0, le=3650)
    same_avatar: bool = True
    on_match: list[str] = Field(default_factory=lambda: ["review"], min_length=1)

    _valid = field_validator("on_match")(checked_actions)
    _on_an_account = field_validator("on_match")(on_an_account)


@rule("evasion")
class EvasionRule(Rule[EvasionParams]):
    """Tell moderators when a new account is named like, or shows the picture of, a banned member."""

    Params = EvasionParams
    needs_bans = True

    def evaluate_join(self, member: Member, ctx: Context) -> Hit | None:
        """Flag a new account named like, or showing the picture of, someone still banned."""
        p = self.params
        created = member.account_created_at
        if created is not None and ctx.now - created > timedelta(days=p.new_account_days):
            return None
        since = ctx.now - timedelta(days=p.look_back_days)
        # The same picture outweighs any name; among equals, the most alike name.
        best: tuple[bool, float, BannedMember] | None = None
        name = name_forms(member.name)
        for banned in ctx.banned():
            if banned.banned_at < since or banned.member == member.ref:
                continue
            score = names_alike(name, name_forms(banned.name))
            pictured = p.same_avatar and bool(member.avatar) and member.avatar == banned.avatar
            if not pictured and score < p.similarity:
                continue
            if best is None or (pictured, score) > best[:2]:
                best = (pictured, score, banned)
        if best is None:
            return None
        pictured, score, banned = best
        alike = score >= p.similarity
        days = (ctx.now - created).days if created is not None else None
        age = (
            "an account of unknown age"
            if days is None
            else f"an account {days} day(s) old"
            if days > 0
            else "an account less than a day old"
        )
        looks = (
            f"named like {banned.name} and showing the same picture"
            if pictured and alike
            else f"showing the same picture as {banned.name}"
            if pictured
            else f"named like {banned.name}"
        )
        return Hit(
            reason=f"{age}, {looks} (banned {banned.banned_at:%Y-%m-%d}, "
            f"case #{banned.case}; names {score:.0%} alike)",
            matched=(banned.name,),
            evidence={
                "kind": "ban_evasion",
                "banned": str(banned.member),
                "banned_case": banned.case,
                "similarity": round(score, 3),
                "same_avatar": pictured,
            },
            severity=Severity.HIGH,
            actions=tuple(p.on_match),
        )


_BASE_SHORTEST = 3
"""The shortest name left once trailing digits go that is still compared (``al`` is not)."""


def name_forms(name: str) -> tuple[str, str]:
    """Return a name as the rule compares it, whole and without its trailing number.

    Look-alike letters, leetspeak, case and separators are undone, so ``Tr0ll_99`` reads as
    ``trollgg`` whole; the number a returning account adds (``troll`` banned, ``troll2``
    back) is dropped from the second form, so that ``troll``.
    """
    folded = normalize(name).folded
    base = folded.rstrip("0123456789_-. ")
    return _squeezed(normalize(folded).canonical), _squeezed(normalize(base).canonical)


def _squeezed(text: str) -> str:
    return "".join(char for char in text if char.isalnum())


def names_alike(first: tuple[str, str], second: tuple[str, str]) -> float:
    """Return how alike two names are, from 0 to 1: whole, or without their numbers."""
    whole = fuzz.ratio(first[0], second[0]) / 100
    if min(len(first[1]), len(second[1])) < _BASE_SHORTEST:
        return whole
    return max(whole, fuzz.ratio(first[1], second[1]) / 100)
