"""Impersonation: a newcomer whose name passes for the brand's staff.

A common scam in brand communities: an account joins as "Lumen Support" or "Admin |
Lumen" and writes to members privately, asking for their login, a payment or a "wallet
check". The rule reads a joiner's handle and display name for the words staff go by
(after undoing look-alike letters, leetspeak and case; ``LumenSupport`` and
``$upp0rt_team`` read as "support"), as whole words, so a ``lumen_supporter`` or a
``badminton`` fan is left alone. A name proves nothing, so by default it only asks: a
review card, nothing on the newcomer's record, and they are not told. Bots are left
alone (an integration is often called "Support Bot"). A name taken after joining is read
too (``judges_names``); the guidelines cog does not ask about staff who rename themselves.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from pydantic import Field, field_validator

from bot.core.models import Member
from policies.actions import checked_actions, on_an_account
from policies.context import Context
from policies.normalize import normalize
from policies.rule import Rule, RuleParams, rule
from policies.rules.evasion import name_forms, names_alike
from policies.verdict import Hit, Severity

STAFF_WORDS = (
    "support",
    "admin",
    "administrator",
    "moderator",
    "staff",
    "help desk",
    "customer service",
    "customer care",
    "official",
)
"""The words staff go by, in the default policy: what a scammer's name borrows."""


class ImpersonationParams(RuleParams):
    """Which names pass for staff, and what to do about a newcomer who takes one.

    Attributes:
        words: Words or phrases staff go by (``support``, ``help desk``), matched as
            whole words of a name; add the brand's own (``lumen team``).
        staff_similarity: From 0 to 1: how alike a newcomer's name must read to a staff
            member's (``m0na`` to moderator ``mona``) to pass for them, compared as ban
            evasion compares names; 0 compares none. Staff are known by the names
            Steward has seen them use (their messages, the cases they opened).
        on_match: What happens: ``review`` (the default), ``alert``, ``gate:DURATION``,
            ``kick`` or ``ban``.
    """

    words: list[str] = Field(default_factory=lambda: list(STAFF_WORDS), min_length=1)
    staff_similarity: float = Field(0.9, ge=0, le=1)
    on_match: list[str] = Field(default_factory=lambda: ["review"], min_length=1)

    _valid = field_validator("on_match")(checked_actions)
    _on_an_account = field_validator("on_match")(on_an_account)

    @field_validator("words")
    @classmethod
    def _has_letters(cls, value: list[str]) -> list[str]:
        if not all(_tokens(word) for word in value):
            raise ValueError("each word needs letters or digits")
        return value


def staff_words_in(name: str, words: tuple[str, ...] = STAFF_WORDS) -> list[str]:
    """Return the words staff go by that a name holds, as the rule reads them."""
    return _found(_tokens(name), _phrases(words))


@rule("impersonation")
class ImpersonationRule(Rule[ImpersonationParams]):
    """Tell moderators when a newcomer's name passes for the brand's staff."""

    Params = ImpersonationParams
    editable_lists = ("words",)
    judges_names = True  # a nickname taken after joining passes for staff as well
    needs_staff = True

    def __init__(self, rule_id: str, params: ImpersonationParams) -> None:
        super().__init__(rule_id, params)
        self._phrases = _phrases(tuple(params.words))

    def evaluate_join(self, member: Member, ctx: Context) -> Hit | None:
        """Flag a newcomer named with a word staff go by, or like a staff member."""
        if member.is_bot:
            return None
        names = list(dict.fromkeys(n for n in (member.display_name, member.name) if n))
        for name in names:
            found = _found(_tokens(name), self._phrases)
            if found:
                return self._hit(f"named like staff: {name} ({', '.join(found)})", found, name)
        like = self._like_staff(names, ctx.staff())
        if like is None:
            return None
        name, staff_name, score = like
        reason = f"named like {staff_name} of the staff: {name} (names {score:.0%} alike)"
        return self._hit(reason, [staff_name], name)

    def _like_staff(self, names: list[str], staff: Sequence[str]) -> tuple[str, str, float] | None:
        """Return the newcomer's name most like a staff member's, that one, and how alike."""
        least = self.params.staff_similarity
        if not least or not staff:
            return None
        best: tuple[tuple[float, bool], str, str] | None = None
        for name in names:
            forms = name_forms(name)
            for staff_name in staff:
                theirs = name_forms(staff_name)
                score = names_alike(forms, theirs)
                # Of equally alike names (``m0d1`` is mod1 and mod2 without the number),
                # the one alike whole.
                rank = (score, forms[0] == theirs[0])
                if score >= least and (best is None or rank > best[0]):
                    best = (rank, name, staff_name)
        return None if best is None else (best[1], best[2], best[0][0])

    def _hit(self, reason: str, matched: list[str], name: str) -> Hit:
        return Hit(
            reason=reason,
            matched=tuple(matched),
            evidence={"kind": "impersonation", "name": name},
            severity=Severity.HIGH,
            actions=tuple(self.params.on_match),
        )


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[^\W_]+")


@functools.cache
def _phrases(words: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    """Return each word with its tokens, worked out once for every name read against them."""
    return [(word, _tokens(word)) for word in words]


def _tokens(name: str) -> tuple[str, ...]:
    """Return a name's words as the rule compares them: ``LumenSupport`` is lumen, support."""
    return tuple(_WORD.findall(normalize(_CAMEL.sub(" ", name)).canonical))


def _found(tokens: tuple[str, ...], phrases: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Return the words, of ``(word, its tokens)`` pairs, that a name's tokens hold."""
    return [word for word, phrase in phrases if _holds(tokens, phrase)]


def _holds(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """Return whether ``phrase`` appears in ``tokens`` as consecutive whole words.

    Words run together count as well: "help desk" is found in ``Helpdesk`` and
    "helpdesk" in ``Help Desk``.
    """
    joined = "".join(phrase)
    return any(
        "".join(tokens[i:j]) == joined
        for i in range(len(tokens))
        for j in range(i + 1, min(len(tokens), i + _MOST_RUN) + 1)
    )


_MOST_RUN = 4
"""The most words of a name read together as one."""
