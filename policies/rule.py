"""The rule base class and the registry of rule types.

A rule type is a class registered under a stable name with :func:`rule`. The name is
what policy files, logs, case records and metrics use. Each rule type declares its
parameters as a pydantic model (unknown keys are errors) and judges one message at a
time, purely: no I/O, no clock but ``ctx.now``, no platform SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic

from pydantic import BaseModel, ConfigDict
from typing_extensions import TypeVar

from bot.core.models import Member
from policies.context import Context, Subject, Text, TextForm
from policies.verdict import Hit


class RuleParams(BaseModel):
    """Base of a rule type's parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ParamsT = TypeVar("ParamsT", bound=RuleParams, default=RuleParams)


class RuleLoadError(ValueError):
    """A rule's parameters are valid in form but cannot be used (a bad pattern, say).

    Attributes:
        key: The parameter at fault, when one is.
    """

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


class Rule(Generic[ParamsT]):
    """Judge messages against one guideline.

    Subclasses set ``Params`` and implement :meth:`evaluate`; the constructor may
    precompile what the parameters describe (patterns, sets) and raise
    :class:`RuleLoadError` when they cannot be used.

    Args:
        rule_id: The rule's id in its policy.
        params: Its validated parameters.
    """

    type_name: ClassVar[str] = ""
    Params: ClassVar[type[RuleParams]] = RuleParams
    needs_scores: ClassVar[bool] = False
    needs_bans: ClassVar[bool] = False
    """Whether it reads who is banned (``Context.banned``), which the caller reads first."""
    needs_staff: ClassVar[bool] = False
    """Whether it reads the names staff go by (``Context.staff``), which the caller sets first."""
    judges_names: ClassVar[bool] = False
    """Whether its join judgement reads the member's names alone, so that a member who takes
    a new name is judged again (:meth:`~policies.engine.PolicyEngine.judge_rename`)."""
    editable_lists: ClassVar[tuple[str, ...]] = ()
    """Parameters holding lists of entries (words, domains) that moderators may edit at run
    time (:mod:`policies.list_edits`); a parameter that maps languages to lists is edited
    one language at a time."""

    def __init__(self, rule_id: str, params: ParamsT) -> None:
        self.id = rule_id
        self.params = params

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Return a hit when the message breaks the guideline, else ``None``."""
        return None

    def evaluate_join(self, member: Member, ctx: Context) -> Hit | None:
        """Return a hit when a member's arrival needs action (join-aware rules override it)."""
        return None

    def prefilter(self) -> Prefilter | None:
        """Return a search that finds something in every message this rule matches.

        The engine unites the prefilters of rules that follow each other in a policy into
        one search, and skips them all when it finds nothing: most messages match none of
        them. A rule that costs little to ask returns ``None``.
        """
        return None


@dataclass(frozen=True, slots=True)
class Prefilter:
    """An RE2 search that every message a rule matches also matches.

    Attributes:
        form: The form of the text searched.
        pattern: RE2 syntax; when it matches nowhere in the text, the rule cannot match.
        max_mem: The memory RE2 may use for the pattern.
        ignorecase: Whether letters match in any case.
        undecided: Texts the pattern cannot vouch for (the rule reads them another way):
            for those, the rule must be asked whatever the search says.
    """

    form: TextForm
    pattern: str
    max_mem: int
    ignorecase: bool = False
    undecided: Callable[[Text], bool] | None = None


AnyRule = Rule[Any]


def judges_messages(rule: AnyRule) -> bool:
    """Return whether a rule judges messages (some judge only members' arrivals)."""
    return type(rule).evaluate is not Rule.evaluate


def judges_accounts(rule: AnyRule) -> bool:
    """Return whether a rule judges members' accounts (it answers joins), not only messages.

    Such a rule's review items ask whether an account is what the rule took it for (a
    raider, a banned member back, someone passing for staff), even the items it raises on
    that account's messages, so a ban of the account answers them.
    """
    return type(rule).evaluate_join is not Rule.evaluate_join


RULE_TYPES: dict[str, type[AnyRule]] = {}
_R = TypeVar("_R", bound=AnyRule)


def rule(name: str) -> Callable[[type[_R]], type[_R]]:
    """Register a rule type under a unique, stable name.

    Raises:
        ValueError: If the name is taken.
    """

    def register(cls: type[_R]) -> type[_R]:
        if name in RULE_TYPES and RULE_TYPES[name] is not cls:
            raise ValueError(f"rule type {name!r} is registered twice")
        cls.type_name = name
        RULE_TYPES[name] = cls
        return cls

    return register
