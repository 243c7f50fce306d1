"""Policy files: located errors, severities and the ladder, and ``extends``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from policies.actions import ActionKind, PlannedAction
from policies.policy import Policy, PolicyError, PolicyProblem, load_policy, parse_policy
from policies.rule import RULE_TYPES
from policies.rules.classifier import ClassifierRule
from policies.rules.rate import RateParams, RateRule
from policies.rules.shape import CapsRule
from policies.verdict import Mode, Severity

HEAD = """\
[policy]
name = "test"
description = "A small policy for tests"

[severities.low]
points = 0
actions = ["review"]

[severities.medium]
points = 1
actions = ["delete", "escalate"]

[severities.high]
points = 2
actions = ["delete", "timeout:1h"]

[severities.critical]
points = 5
actions = ["delete", "ban"]

[[escalation.steps]]
points = 1
actions = ["warn"]

[[escalation.steps]]
points = 5
actions = ["ban:7d"]

[[escalation.steps]]
points = 2
actions = ["timeout:1h"]

[[escalation.steps]]
points = 3
actions = ["timeout:1d"]
"""

FLOOD = """
[[rules]]
id = "flood"
type = "rate"
guideline = "Don't flood the chat"
severity = "low"
params = { per_seconds = 5, max_in_channel = 4 }
"""

SHOUTING = """
[[rules]]
id = "shouting"
type = "caps"
mode = "shadow"
actions = ["delete", "warn"]
"""


def policy_text(*rules: str, head: str = HEAD) -> str:
    return head + "".join(rules)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the 1-based line of the ``occurrence``-th line that is ``needle`` when stripped."""
    found = [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == needle]
    assert len(found) >= occurrence, f"{needle!r} is not in the text {occurrence} time(s)"
    return found[occurrence - 1]


def problems_of(text: str) -> list[PolicyProblem]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="test.toml")
    assert caught.value.problems
    assert str(caught.value) == "\n".join(str(p) for p in caught.value.problems)
    return caught.value.problems


def only_problem(text: str) -> str:
    problems = problems_of(text)
    assert len(problems) == 1, [str(p) for p in problems]
    return str(problems[0])


# A valid policy


def test_a_valid_policy_compiles_its_rules_in_file_order() -> None:
    policy = parse_policy(policy_text(FLOOD, SHOUTING), source="test.toml")
    assert policy.name == "test"
    assert policy.source == "test.toml"
    assert [r.spec.id for r in policy.rules] == ["flood", "shouting"]

    flood = policy.rule("flood")
    assert flood is not None
    assert isinstance(flood.rule, RateRule)
    assert flood.rule.id == "flood"
    assert flood.rule.params == RateParams(per_seconds=5, max_in_channel=4)
    assert flood.spec.severity is Severity.LOW
    assert flood.spec.mode is Mode.ENFORCE
    assert flood.spec.guideline == {"en": "Don't flood the chat"}
    assert flood.actions is None  # the severity's actions apply

    shouting = policy.rule("shouting")
    assert shouting is not None
    assert isinstance(shouting.rule, CapsRule)
    assert shouting.spec.severity is Severity.MEDIUM
    assert shouting.spec.mode is Mode.SHADOW
    assert shouting.actions == (PlannedAction(ActionKind.DELETE), PlannedAction(ActionKind.WARN))

    assert policy.rule("nope") is None


def test_every_present_rule_type_loads_with_its_defaults() -> None:
    rules = [
        f'\n[[rules]]\nid = "{name}"\ntype = "{name}"\n'
        for name in ("rate", "duplicates", "caps", "zalgo", "newlines", "raid")
    ]
    rules.append('\n[[rules]]\nid = "ml"\ntype = "classifier"\nparams.thresholds.toxic = 0.8\n')
    policy = parse_policy(policy_text(*rules), source="test.toml")
    assert [r.rule.type_name for r in policy.rules] == [
        "rate",
        "duplicates",
        "caps",
        "zalgo",
        "newlines",
        "raid",
        "classifier",
    ]
    ml = policy.rule("ml")
    assert ml is not None
    assert isinstance(ml.rule, ClassifierRule)
    assert ml.rule.params.thresholds == {"toxic": 0.8}


def test_a_policy_without_rules_is_valid() -> None:
    assert parse_policy(HEAD, source="test.toml").rules == ()


# Severities and the ladder


def test_points_and_default_actions_per_severity() -> None:
    policy = parse_policy(HEAD, source="test.toml")
    assert [policy.points(s) for s in Severity] == [0, 1, 2, 5]
    assert policy.default_actions(Severity.LOW) == (PlannedAction(ActionKind.REVIEW),)
    assert policy.default_actions(Severity.MEDIUM) == (
        PlannedAction(ActionKind.DELETE),
        PlannedAction(ActionKind.ESCALATE),
    )
    assert policy.default_actions(Severity.HIGH) == (
        PlannedAction(ActionKind.DELETE),
        PlannedAction(ActionKind.TIMEOUT, timedelta(hours=1)),
    )
    assert policy.default_actions(Severity.CRITICAL) == (
        PlannedAction(ActionKind.DELETE),
        PlannedAction(ActionKind.BAN),
    )


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (0, ()),
        (1, (PlannedAction(ActionKind.WARN),)),
        (2, (PlannedAction(ActionKind.TIMEOUT, timedelta(hours=1)),)),
        (3, (PlannedAction(ActionKind.TIMEOUT, timedelta(days=1)),)),
        (4, (PlannedAction(ActionKind.TIMEOUT, timedelta(days=1)),)),
        (5, (PlannedAction(ActionKind.BAN, timedelta(days=7)),)),
        (1_000, (PlannedAction(ActionKind.BAN, timedelta(days=7)),)),
    ],
)
def test_step_for_returns_the_highest_step_reached(
    points: int, expected: tuple[PlannedAction, ...]
) -> None:
    # HEAD lists its steps out of order on purpose: 1, 5, 2, 3.
    assert parse_policy(HEAD, source="test.toml").step_for(points) == expected


def test_below_the_first_step_nothing_applies() -> None:
    head = HEAD.replace("[[escalation.steps]]\npoints = 1\n", "[[escalation.steps]]\npoints = 3\n")
    policy = parse_policy(head, source="test.toml")
    assert policy.step_for(0) == ()
    assert policy.step_for(1) == ()
    assert policy.step_for(2) == (PlannedAction(ActionKind.TIMEOUT, timedelta(hours=1)),)


# Problems name the file, the rule, the key and the line


def test_an_unknown_rule_type_is_refused() -> None:
    text = policy_text('\n[[rules]]\nid = "flood"\ntype = "ratez"\n')
    line = line_of(text, 'type = "ratez"')
    assert only_problem(text) == (
        f"test.toml:{line}: rule 'flood': type: unknown rule type 'ratez' "
        f"(known: {', '.join(sorted(RULE_TYPES))})"
    )
    assert {"caps", "classifier", "duplicates", "newlines", "raid", "rate", "zalgo"} <= set(
        RULE_TYPES
    )


def test_an_unknown_key_at_the_rule_level_is_refused() -> None:
    text = policy_text(FLOOD.replace('severity = "low"', 'sevrity = "low"'))
    line = line_of(text, 'sevrity = "low"')
    assert only_problem(text) == f"test.toml:{line}: rule 'flood': sevrity: unknown key"


def test_an_unknown_key_in_a_params_table_names_its_line() -> None:
    text = policy_text(
        '\n[[rules]]\nid = "flood"\ntype = "rate"\n[rules.params]\nper_secondz = 3\n'
    )
    line = line_of(text, "per_secondz = 3")
    assert only_problem(text) == f"test.toml:{line}: rule 'flood': params.per_secondz: unknown key"


def test_an_unknown_key_in_a_params_table_names_the_rule_and_key() -> None:
    text = policy_text(
        '\n[[rules]]\nid = "flood"\ntype = "rate"\n[rules.params]\nper_secondz = 3\n'
    )
    (problem,) = problems_of(text)
    assert (problem.file, problem.rule, problem.key, problem.message) == (
        "test.toml",
        "flood",
        "params.per_secondz",
        "unknown key",
    )
    assert problem.line is not None


def test_an_unknown_dotted_params_key_names_its_line() -> None:
    text = policy_text(FLOOD, '\n[[rules]]\nid = "burst"\ntype = "rate"\nparams.per_secondz = 3\n')
    line = line_of(text, "params.per_secondz = 3")
    assert only_problem(text) == f"test.toml:{line}: rule 'burst': params.per_secondz: unknown key"


def test_an_invalid_param_value_is_refused() -> None:
    text = policy_text(FLOOD.replace("per_seconds = 5", "per_seconds = -5"))
    line = line_of(text, "params = { per_seconds = -5, max_in_channel = 4 }")
    assert only_problem(text) == (
        f"test.toml:{line}: rule 'flood': params.per_seconds: Input should be greater than 0"
    )


@pytest.mark.parametrize(
    ("rule_type", "param", "most"),
    [
        ("raid", "hold_minutes", "10080"),
        ("raid", "new_account_days", "3650"),
        ("duplicates", "raid_joined_days", "3650"),
        ("zalgo", "max_marks_per_letter", "100"),
    ],
)
def test_a_param_past_all_reason_is_refused_not_a_crash(
    rule_type: str, param: str, most: str
) -> None:
    # Each of these once reached timedelta or RE2 unchecked, which raised OverflowError.
    huge = "1" + "0" * 30
    text = policy_text(f'\n[[rules]]\nid = "big"\ntype = "{rule_type}"\nparams.{param} = {huge}\n')
    line = line_of(text, f"params.{param} = {huge}")
    assert only_problem(text).startswith(
        f"test.toml:{line}: rule 'big': params.{param}: Input should be less than or equal to "
        f"{most}"
    )


def test_a_param_of_the_wrong_type_is_refused() -> None:
    text = policy_text('\n[[rules]]\nid = "walls"\ntype = "newlines"\nparams.max_lines = "many"\n')
    line = line_of(text, 'params.max_lines = "many"')
    assert only_problem(text).startswith(f"test.toml:{line}: rule 'walls': params.max_lines: ")


def test_a_param_the_rule_type_refuses_is_refused_with_its_message() -> None:
    text = policy_text(
        '\n[[rules]]\nid = "ml"\ntype = "classifier"\nparams.thresholds = { toxic = 0 }\n'
    )
    line = line_of(text, "params.thresholds = { toxic = 0 }")
    assert only_problem(text) == (
        f"test.toml:{line}: rule 'ml': params.thresholds: "
        "threshold of 'toxic' must be in (0, 1], got 0.0"
    )


def test_a_bad_action_name_is_refused() -> None:
    text = policy_text(SHOUTING.replace('["delete", "warn"]', '["explode"]'))
    line = line_of(text, 'actions = ["explode"]')
    assert only_problem(text) == (
        f"test.toml:{line}: rule 'shouting': actions: unknown action 'explode' (known: delete, "
        "warn, review, alert, escalate, timeout, kick, ban, slowmode, gate, care)"
    )


def test_a_timeout_without_duration_is_refused() -> None:
    text = policy_text(SHOUTING.replace('["delete", "warn"]', '["delete", "timeout"]'))
    line = line_of(text, 'actions = ["delete", "timeout"]')
    assert only_problem(text) == (
        f"test.toml:{line}: rule 'shouting': actions: timeout needs a duration, e.g. timeout:1h"
    )


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        ('["slowmode"]', "slowmode needs a duration, e.g. slowmode:1h"),
        ('["warn:1h"]', "warn takes no duration"),
        ('["timeout:soon"]', "'soon' is not a duration: try 10m, 2h or 7d"),
    ],
)
def test_other_malformed_actions_are_refused(actions: str, message: str) -> None:
    text = policy_text(SHOUTING.replace('["delete", "warn"]', actions))
    line = line_of(text, f"actions = {actions}")
    assert only_problem(text) == f"test.toml:{line}: rule 'shouting': actions: {message}"


def test_a_bad_action_in_a_severity_is_refused() -> None:
    text = policy_text(head=HEAD.replace('["delete", "timeout:1h"]', '["delete", "nuke"]'))
    line = line_of(text, 'actions = ["delete", "nuke"]')
    assert only_problem(text).startswith(
        f"test.toml:{line}: severities.high.actions: unknown action 'nuke'"
    )


def test_a_bad_action_in_an_escalation_step_is_refused() -> None:
    text = policy_text(head=HEAD.replace('actions = ["ban:7d"]', 'actions = ["ban:forever"]'))
    line = line_of(text, 'actions = ["ban:forever"]')
    assert only_problem(text) == (
        f"test.toml:{line}: escalation.steps.1.actions: "
        "'forever' is not a duration: try 10m, 2h or 7d"
    )


def test_duplicate_rule_ids_are_refused_at_the_second() -> None:
    text = policy_text(
        FLOOD,
        FLOOD.replace('type = "rate"', 'type = "caps"').replace(
            "params = { per_seconds = 5, max_in_channel = 4 }", ""
        ),
    )
    line = line_of(text, 'id = "flood"', occurrence=2)
    assert only_problem(text) == f"test.toml:{line}: rule 'flood': id: duplicate rule id"


def test_a_malformed_rule_id_is_refused() -> None:
    text = policy_text(FLOOD.replace('id = "flood"', 'id = "Flood Rule"'))
    line = line_of(text, 'id = "Flood Rule"')
    assert only_problem(text).startswith(f"test.toml:{line}: rule 'Flood Rule': id: ")


def test_missing_severities_are_refused() -> None:
    head = HEAD[: HEAD.index("[severities.medium]")] + HEAD[HEAD.index("[[escalation.steps]]") :]
    # Named on the line where the severities are written ([severities.low]).
    assert only_problem(head) == (
        "test.toml:5: severities: missing severities: medium, high, critical"
    )


def test_an_unknown_severity_is_refused() -> None:
    text = HEAD.replace("[severities.critical]", "[severities.catastrophic]")
    problems = [str(p) for p in problems_of(text)]
    assert any(p.startswith("test.toml:") and "severities.catastrophic" in p for p in problems)


def test_a_missing_policy_table_is_refused() -> None:
    text = HEAD.replace('[policy]\nname = "test"\n', "[policy]\n")
    assert (
        only_problem(text) == f"test.toml:{line_of(text, '[policy]')}: policy.name: Field required"
    )


def test_invalid_toml_is_refused_with_the_parsers_position() -> None:
    text = policy_text('\n[[rules]\nid = "flood"\n')
    problem = only_problem(text)
    line = line_of(text, "[[rules]")
    assert problem.startswith("test.toml: ")
    assert f"line {line}" in problem


def test_toml_nested_too_deeply_to_read_is_a_policy_error() -> None:
    assert (
        only_problem(policy_text("x = " + "[" * 5_000 + "]" * 5_000))
        == "test.toml: nested too deeply"
    )


def test_several_problems_are_reported_at_once_in_the_rules_table() -> None:
    text = policy_text(
        FLOOD.replace('severity = "low"', 'sevrity = "low"'),
        SHOUTING.replace('["delete", "warn"]', '["explode"]'),
    )
    severity_line = line_of(text, 'sevrity = "low"')
    actions_line = line_of(text, 'actions = ["explode"]')
    assert [str(p) for p in problems_of(text)] == [
        f"test.toml:{severity_line}: rule 'flood': sevrity: unknown key",
        f"test.toml:{actions_line}: rule 'shouting': actions: "
        "unknown action 'explode' (known: delete, warn, review, alert, escalate, timeout, "
        "kick, ban, slowmode, gate, care)",
    ]


def test_several_problems_are_reported_at_once_in_params_and_ids() -> None:
    text = policy_text(
        '\n[[rules]]\nid = "flood"\ntype = "rate"\nparams.per_secondz = 3\n',
        '\n[[rules]]\nid = "walls"\ntype = "newlines"\nparams.max_lines = 0\n',
        '\n[[rules]]\nid = "flood"\ntype = "caps"\n',
        '\n[[rules]]\nid = "zalgo"\ntype = "zalgo"\nparams.min_stacked = 0\n',
    )
    second_flood = line_of(text, 'id = "flood"', 2)
    assert [str(p) for p in problems_of(text)] == [
        f"test.toml:{line_of(text, 'params.per_secondz = 3')}: rule 'flood': "
        "params.per_secondz: unknown key",
        f"test.toml:{line_of(text, 'params.max_lines = 0')}: rule 'walls': "
        "params.max_lines: Input should be greater than or equal to 1",
        f"test.toml:{second_flood}: rule 'flood': id: duplicate rule id",
        f"test.toml:{line_of(text, 'params.min_stacked = 0')}: rule 'zalgo': "
        "params.min_stacked: Input should be greater than or equal to 1",
    ]


def test_load_policy_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(PolicyError) as caught:
        load_policy(missing)
    assert str(caught.value) == f"{missing}: cannot read: No such file or directory"


# extends


BASE = HEAD.replace('name = "test"', 'name = "base"') + FLOOD + SHOUTING


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_child_policy_extends_its_base(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", BASE)
    child = write(
        tmp_path / "child.toml",
        """\
[policy]
name = "child"
extends = "base.toml"

[severities.high]
points = 3
actions = ["delete", "kick"]

[[escalation.steps]]
points = 2
actions = ["kick"]

[[rules]]
id = "flood"
params = { max_in_channel = 2 }

[[rules]]
id = "walls"
type = "newlines"
severity = "high"
params.max_lines = 10
""",
    )
    policy: Policy = load_policy(child)
    assert policy.name == "child"
    assert policy.source == str(child)
    assert policy.data.policy.description == "A small policy for tests"  # from the base
    assert policy.data.policy.extends is None

    # The child's severity replaces the base's; the others stay.
    assert policy.points(Severity.HIGH) == 3
    assert policy.default_actions(Severity.HIGH) == (
        PlannedAction(ActionKind.DELETE),
        PlannedAction(ActionKind.KICK),
    )
    assert policy.points(Severity.CRITICAL) == 5
    assert policy.default_actions(Severity.LOW) == (PlannedAction(ActionKind.REVIEW),)

    # The ladder is replaced as a whole, not merged step by step.
    assert policy.step_for(1) == ()
    assert policy.step_for(2) == (PlannedAction(ActionKind.KICK),)
    assert policy.step_for(100) == (PlannedAction(ActionKind.KICK),)

    # Rules merge by id (one param overridden, the others kept), new rules add.
    assert [r.spec.id for r in policy.rules] == ["flood", "shouting", "walls"]
    flood = policy.rule("flood")
    assert flood is not None
    assert flood.rule.params == RateParams(per_seconds=5, max_in_channel=2)
    assert flood.spec.guideline == {"en": "Don't flood the chat"}
    assert flood.spec.severity is Severity.LOW
    shouting = policy.rule("shouting")
    assert shouting is not None
    assert shouting.spec.mode is Mode.SHADOW
    walls = policy.rule("walls")
    assert walls is not None
    assert walls.spec.severity is Severity.HIGH
    assert walls.rule.params.max_lines == 10


def test_a_guideline_is_worded_by_language_and_a_child_rewords_one_or_all(
    tmp_path: Path,
) -> None:
    base = BASE.replace(
        'guideline = "Don\'t flood the chat"',
        'guideline.en = "Don\'t flood the chat"\nguideline.fr = "Pas de flood"\n'
        'guideline.nl = "Niet spammen"',
    )
    write(tmp_path / "base.toml", base)
    head = '[policy]\nname = "child"\nextends = "base.toml"\n[[rules]]\nid = "flood"\n'
    one = write(tmp_path / "one.toml", head + 'guideline.fr = "Laissons parler les autres"\n')
    every = write(tmp_path / "all.toml", head + 'guideline = "Give others room"\n')
    assert load_policy(tmp_path / "base.toml").rule("flood").spec.guideline == {  # type: ignore[union-attr]
        "en": "Don't flood the chat",
        "fr": "Pas de flood",
        "nl": "Niet spammen",
    }
    # Rewording French keeps the base's other languages; rewording the guideline as one
    # text drops them, so no translation of the old text outlives it.
    assert load_policy(one).rule("flood").spec.guideline == {  # type: ignore[union-attr]
        "en": "Don't flood the chat",
        "fr": "Laissons parler les autres",
        "nl": "Niet spammen",
    }
    assert load_policy(every).rule("flood").spec.guideline == {"en": "Give others room"}  # type: ignore[union-attr]


def test_a_guideline_in_an_unknown_language_or_empty_is_refused() -> None:
    wrong = 'guideline.xx-nope = "?"'
    unknown = policy_text(FLOOD.replace('guideline = "Don\'t flood the chat"', wrong))
    assert only_problem(unknown) == (
        f"test.toml:{line_of(unknown, wrong)}: rule 'flood': guideline.xx-nope: 'xx-nope' "
        "names no known language or region (such as en, da, fr-CA or pt-BR)"
    )
    blank = 'guideline.fr = ""'
    empty = policy_text(FLOOD.replace('guideline = "Don\'t flood the chat"', blank))
    assert only_problem(empty).startswith(
        f"test.toml:{line_of(empty, blank)}: rule 'flood': guideline.fr: "
    )
    # An empty single text is no guideline: notices then quote the reason instead.
    none = parse_policy(policy_text(FLOOD.replace("Don't flood the chat", "")), source="t")
    assert none.rule("flood").spec.guideline == {}  # type: ignore[union-attr]


def test_a_base_is_not_changed_by_its_child(tmp_path: Path) -> None:
    base = write(tmp_path / "base.toml", BASE)
    write(
        tmp_path / "child.toml",
        '[policy]\nname = "child"\nextends = "base.toml"\n'
        '[[rules]]\nid = "flood"\nparams = { max_in_channel = 2 }\n',
    )
    load_policy(tmp_path / "child.toml")
    flood = load_policy(base).rule("flood")
    assert flood is not None
    assert flood.rule.params.max_in_channel == 4


def test_extends_chains_through_several_files(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", BASE)
    write(
        tmp_path / "middle.toml",
        '[policy]\nname = "middle"\nextends = "base.toml"\n'
        '[[rules]]\nid = "flood"\nparams = { max_in_channel = 2 }\n',
    )
    child = write(
        tmp_path / "child.toml",
        '[policy]\nname = "child"\nextends = "middle.toml"\n'
        '[[rules]]\nid = "flood"\nparams = { per_seconds = 30 }\n',
    )
    flood = load_policy(child).rule("flood")
    assert flood is not None
    assert flood.rule.params == RateParams(per_seconds=30, max_in_channel=2)


def test_an_invalid_param_from_the_child_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", BASE)
    child = write(
        tmp_path / "child.toml",
        '[policy]\nname = "child"\nextends = "base.toml"\n'
        '[[rules]]\nid = "flood"\nparams = { max_in_channelz = 2 }\n',
    )
    with pytest.raises(PolicyError) as caught:
        load_policy(child)
    (problem,) = caught.value.problems
    assert (problem.file, problem.rule, problem.key, problem.message) == (
        str(child),
        "flood",
        "params.max_in_channelz",
        "unknown key",
    )


def test_an_extends_loop_is_refused(tmp_path: Path) -> None:
    first = write(tmp_path / "a.toml", '[policy]\nname = "a"\nextends = "b.toml"\n')
    write(tmp_path / "b.toml", '[policy]\nname = "b"\nextends = "a.toml"\n')
    with pytest.raises(PolicyError) as caught:
        load_policy(first)
    (problem,) = caught.value.problems
    assert problem.key == "policy.extends"
    assert problem.message.startswith("policies extend each other in a loop")


def test_a_policy_extending_itself_is_refused(tmp_path: Path) -> None:
    only = write(tmp_path / "self.toml", '[policy]\nname = "me"\nextends = "self.toml"\n')
    with pytest.raises(PolicyError) as caught:
        load_policy(only)
    assert str(caught.value) == (
        f"{only}: policy.extends: policies extend each other in a loop (self.toml)"
    )


def test_a_missing_base_is_refused(tmp_path: Path) -> None:
    child = write(tmp_path / "child.toml", '[policy]\nname = "c"\nextends = "nowhere.toml"\n')
    with pytest.raises(PolicyError) as caught:
        load_policy(child)
    (problem,) = caught.value.problems
    assert problem.file == str(child)
    assert problem.key == "policy.extends"
    assert problem.message.startswith("cannot read 'nowhere.toml'")
