"""A community's guidelines as data: read a policy file and build its rules.

A policy file names its severities (points and default actions), an escalation ladder,
and its rules. Anything wrong is refused with the file, the rule, the key and the line::

    policies/default.toml:41: rule 'links': params.block_invitez: unknown key
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.core.channels import ChannelName
from bot.core.language_tags import LanguageTag
from bot.core.merge import merge
from bot.core.parse_text import parse_toml
from bot.core.text_files import read_text
from bot.core.toml_lines import locate
from policies import rules as _rules  # noqa: F401 - registers every rule type
from policies.actions import ActionKind, PlannedAction, checked_actions, parse_action
from policies.rule import RULE_TYPES, AnyRule, RuleLoadError
from policies.verdict import Mode, Severity

BUILTIN_POLICIES = frozenset({"default", "strict"})
"""The policies Steward ships, named instead of a file's path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeverityPolicy(_Strict):
    """What a severity costs and does by default."""

    points: int = Field(ge=0)
    actions: list[str]

    _valid = field_validator("actions")(checked_actions)


class EscalationStep(_Strict):
    """Once a member's active points reach ``points``, these actions apply."""

    points: int = Field(ge=1)
    actions: list[str]

    _valid = field_validator("actions")(checked_actions)


class Escalation(_Strict):
    """The ladder: the step with the highest reached threshold applies."""

    steps: list[EscalationStep] = Field(min_length=1)


class Examples(_Strict):
    """Texts a rule must and must not match; ``steward policy test`` runs them."""

    match: list[str] = Field(default_factory=list)
    no_match: list[str] = Field(default_factory=list)


def _one_text_for_all(value: object) -> object:
    # A single text (how a guideline was first written) serves every language.
    if isinstance(value, str):
        return {"en": value} if value.strip() else {}
    return value


GuidelineTexts = Annotated[
    dict[LanguageTag, Annotated[str, Field(min_length=1, max_length=300)]],
    BeforeValidator(_one_text_for_all),
]
"""A guideline's text by language (``guideline.fr = "..."``); one text serves all."""


class RuleSpec(_Strict):
    """One rule as written in a policy file.

    ``guideline`` is what a member's notice quotes, in the member's language where the
    policy words it so (the notice's own language otherwise).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)
    type: str
    guideline: GuidelineTexts = Field(default_factory=dict)
    severity: Severity = Severity.MEDIUM
    mode: Mode = Mode.ENFORCE
    channels: list[ChannelName] = Field(default_factory=list)
    exempt_roles: list[str] = Field(default_factory=list)
    applies_to_staff: bool = False
    actions: list[str] | None = None
    expires_days: float = Field(30.0, gt=0)
    params: dict[str, Any] = Field(default_factory=dict)
    examples: Examples = Examples()

    _valid = field_validator("actions")(checked_actions)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RULE_TYPES:
            raise ValueError(
                f"unknown rule type {value!r} (known: {', '.join(sorted(RULE_TYPES))})"
            )
        return value


class PolicyMeta(_Strict):
    """The policy's name and purpose, and the policy it builds on, if any."""

    name: str
    description: str = ""
    extends: str | None = None


class PolicyFile(_Strict):
    """A whole policy file."""

    policy: PolicyMeta
    severities: dict[Severity, SeverityPolicy]
    escalation: Escalation
    rules: list[RuleSpec] = Field(default_factory=list)

    @field_validator("severities")
    @classmethod
    def _all_severities(
        cls, value: dict[Severity, SeverityPolicy]
    ) -> dict[Severity, SeverityPolicy]:
        missing = [s.value for s in Severity if s not in value]
        if missing:
            raise ValueError(f"missing severities: {', '.join(missing)}")
        return value


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """One thing wrong with a policy file."""

    file: str
    rule: str
    key: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where]
        if self.rule:
            parts.append(f"rule {self.rule!r}")
        if self.key:
            parts.append(self.key)
        return ": ".join([*parts, self.message])


class PolicyError(Exception):
    """A policy file was refused; ``problems`` lists why."""

    def __init__(self, problems: Sequence[PolicyProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to judge: its spec and its rule-type instance."""

    spec: RuleSpec
    rule: AnyRule
    actions: tuple[PlannedAction, ...] | None


@dataclass(frozen=True, slots=True)
class Policy:
    """A loaded policy: severities, ladder and compiled rules.

    Attributes:
        name: The policy's name.
        source: Where it was read from.
        data: The validated file.
        rules: The compiled rules, in file order.
    """

    name: str
    source: str
    data: PolicyFile
    rules: tuple[CompiledRule, ...]

    def rule(self, rule_id: str) -> CompiledRule | None:
        """Return a rule by id."""
        return next((r for r in self.rules if r.spec.id == rule_id), None)

    def with_params(self, rule_id: str, params: Mapping[str, Any]) -> Policy:
        """Return this policy with one rule's parameters replaced and the rule compiled anew.

        Raises:
            PolicyError: If there is no such rule, or the parameters are invalid for it.
        """
        old = self.rule(rule_id)
        if old is None:
            raise PolicyError([PolicyProblem(self.source, rule_id, "", None, "no such rule")])
        problems: list[PolicyProblem] = []
        spec = old.spec.model_copy(update={"params": dict(params)})
        # No text to find lines in: the parameters did not come from the file.
        built = _build(spec, self.source, "", (), problems)
        if built is None:
            raise PolicyError(problems)
        rules = tuple(built if r is old else r for r in self.rules)
        return replace(self, rules=rules)

    def points(self, severity: Severity) -> int:
        """Return the points a match of this severity adds."""
        return self.data.severities[severity].points

    def default_actions(self, severity: Severity) -> tuple[PlannedAction, ...]:
        """Return the actions of a severity."""
        return tuple(parse_action(a) for a in self.data.severities[severity].actions)

    def step_for(self, points: int) -> tuple[PlannedAction, ...]:
        """Return the actions of the highest escalation step that ``points`` reach."""
        reached: tuple[PlannedAction, ...] = ()
        for step in sorted(self.data.escalation.steps, key=lambda s: s.points):
            if points >= step.points:
                reached = tuple(parse_action(a) for a in step.actions)
        return reached

    def stepped(self, actions: Sequence[str], points: int) -> list[str]:
        """Return a rule's action names with ``escalate`` as the step ``points`` reach.

        What a rule would do, in words a moderator can judge (``delete, timeout:1h``):
        for a shadowed rule's case and for a replay.
        """
        named: list[str] = []
        for name in actions:
            if parse_action(name).kind is ActionKind.ESCALATE:
                named.extend(str(a) for a in self.step_for(points))
            else:
                named.append(name)
        return list(dict.fromkeys(named))


def builtin_policy_path(name: str) -> Path:
    """Return the path of a policy shipped with Steward (``default``, ``strict``)."""
    return Path(str(resources.files("policies").joinpath(f"{name}.toml")))


def load_policy(path_or_name: str | Path) -> Policy:
    """Load a policy file, or a built-in policy by name.

    Raises:
        PolicyError: If the file cannot be read or anything in it is invalid.
    """
    path = (
        builtin_policy_path(str(path_or_name))
        if str(path_or_name) in BUILTIN_POLICIES
        else Path(path_or_name)
    )
    try:
        text = read_text(path)
    except OSError as error:
        raise PolicyError(
            [PolicyProblem(str(path), "", "", None, f"cannot read: {error.strerror}")]
        ) from error
    return parse_policy(text, source=str(path))


def parse_policy(
    text: str, *, source: str = "<policy>", overrides: Mapping[str, Any] | None = None
) -> Policy:
    """Validate a policy's TOML text and compile its rules.

    Raises:
        PolicyError: If the text is not TOML or anything in it is invalid.
    """
    try:
        raw = parse_toml(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyError([PolicyProblem(source, "", "", None, str(error))]) from error
    if overrides:
        raw = {**raw, **overrides}
    base_name = (
        raw.get("policy", {}).get("extends") if isinstance(raw.get("policy"), dict) else None
    )
    # Lines are looked up in this file's own text, where a rule's index may differ from
    # its index after merging with the policy it extends.
    own: dict[Any, int] = {}
    if isinstance(base_name, str):
        for i, item in enumerate(raw.get("rules", [])):
            if isinstance(item, dict):
                own.setdefault(item.get("id"), i)
        raw = _extend(base_name, raw, source, frozenset())
    rules_raw = raw.get("rules", [])
    try:
        data = PolicyFile.model_validate(raw)
    except ValidationError as error:
        raise PolicyError(_problems(error, source, text, rules_raw, own)) from error
    problems: list[PolicyProblem] = []
    seen: set[str] = set()
    compiled: list[CompiledRule] = []
    for index, spec in enumerate(data.rules):
        where: tuple[str | int, ...] = ("rules", own.get(spec.id, -1) if own else index)
        if spec.id in seen:
            problems.append(
                PolicyProblem(
                    source, spec.id, "id", locate(text, (*where, "id")), "duplicate rule id"
                )
            )
            continue
        seen.add(spec.id)
        built = _build(spec, source, text, where, problems)
        if built is not None:
            compiled.append(built)
    if problems:
        raise PolicyError(problems)
    return Policy(name=data.policy.name, source=source, data=data, rules=tuple(compiled))


def _extend(
    base_name: str, raw: dict[str, Any], source: str, seen: frozenset[str]
) -> dict[str, Any]:
    """Lay a policy over the one it extends: tables merge, rules merge by id, new rules add.

    Raises:
        PolicyError: If the base cannot be loaded or the chain loops.
    """
    if base_name in seen:
        raise PolicyError(
            [
                PolicyProblem(
                    source,
                    "",
                    "policy.extends",
                    None,
                    f"policies extend each other in a loop ({base_name})",
                )
            ]
        )
    base_path = (
        builtin_policy_path(base_name)
        if base_name in BUILTIN_POLICIES
        else Path(source).parent / base_name
    )
    try:
        base_text = read_text(base_path)
        base_raw = parse_toml(base_text)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(
            [
                PolicyProblem(
                    source, "", "policy.extends", None, f"cannot read {base_name!r}: {error}"
                )
            ]
        ) from error
    parent = base_raw.get("policy", {}).get("extends")
    if isinstance(parent, str):
        base_raw = _extend(parent, base_raw, str(base_path), seen | {base_name})
    rules: dict[str, Any] = {}
    for item in [*base_raw.get("rules", []), *raw.get("rules", [])]:
        key = item.get("id") if isinstance(item, dict) else None
        rules[str(key)] = merge(rules[str(key)], item) if key in rules else item
    merged = merge(
        {k: v for k, v in base_raw.items() if k != "rules"},
        {k: v for k, v in raw.items() if k != "rules"},
    )
    merged["rules"] = list(rules.values())
    merged["policy"].pop("extends", None)
    return merged


def _build(
    spec: RuleSpec,
    source: str,
    text: str,
    where: tuple[str | int, ...],
    problems: list[PolicyProblem],
) -> CompiledRule | None:
    cls = RULE_TYPES[spec.type]
    try:
        params = cls.Params.model_validate(spec.params)
        instance = cls(spec.id, params)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            key = ".".join(str(p) for p in ("params", *item["loc"]))
            path = (*where, "params", *item["loc"])
            problems.append(PolicyProblem(source, spec.id, key, locate(text, path), _message(item)))
        return None
    except RuleLoadError as error:
        key = f"params.{error.key}" if error.key else "params"
        path = (*where, "params", *error.key.split(".")) if error.key else (*where, "params")
        problems.append(PolicyProblem(source, spec.id, key, locate(text, path), str(error)))
        return None
    actions = tuple(parse_action(a) for a in spec.actions) if spec.actions is not None else None
    return CompiledRule(spec, instance, actions)


def _problems(
    error: ValidationError, source: str, text: str, rules_raw: Any, own: Mapping[Any, int]
) -> list[PolicyProblem]:
    problems = []
    for item in error.errors(include_url=False):
        # A refused key of a table (a language tag) is named by itself, not as "tag.[key]".
        loc = [p for p in item["loc"] if p != _KEY_MARK]
        rule_id = ""
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            try:
                rule_id = str(rules_raw[loc[1]].get("id", f"#{loc[1] + 1}"))
            except (IndexError, AttributeError, TypeError):
                rule_id = f"#{loc[1] + 1}"
            key = ".".join(str(p) for p in loc[2:])
            if own:
                loc = ["rules", own.get(rule_id, -1), *loc[2:]]
        else:
            key = ".".join(str(p) for p in loc)
        problems.append(PolicyProblem(source, rule_id, key, locate(text, loc), _message(item)))
    return problems


_KEY_MARK = "[key]"
"""How pydantic marks, in an error's location, that a table's key was refused."""


def _message(item: Any) -> str:
    if item["type"] == "extra_forbidden":
        return "unknown key"
    return str(item["msg"]).removeprefix("Value error, ")
