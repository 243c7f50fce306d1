"""Runs of pattern rules are screened at once; the verdicts stay what each rule alone gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies import engine as engine_module
from policies.context import Context, Subject
from policies.engine import PolicyEngine, _Part
from policies.normalize import normalize
from policies.policy import Policy, load_policy, parse_policy
from policies.rule import Rule
from policies.rules.keywords import KeywordsRule
from policies.rules.regex import RegexParams, RegexRule
from policies.screens import united_screen
from policies.verdict import Hit, Verdict
from policies.windows import RecentWindows
from tests.policies.test_policy import policy_text

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
AUTHOR = Member(ref=Ref("local", "ada"), name="ada", joined_at=datetime(2024, 1, 1, tzinfo=UTC))
COMMUNITY = Ref("local", "acme")
EVERYDAY = [
    "good morning everyone",
    "has anyone tried the new lamp firmware? #12",
    "Bonjour ! Le mode lever du soleil est génial.",
    "Hej! Min lampe blinker tre gange når jeg tænder den. Hvad betyder det?",
    "Cześć! Mój nowy zestaw w salonie, klasyczne ciepłe światło wieczorem.",
    "おはようございます！新しいファームウェアで色がとても自然になりました。",
    "lol same 😂😂",
    "",
]
ROUGH = [
    "you are a f.u.c.k.i.n.g moron",
    "this update is sh1t and you are all idiots",
    "Hold kæft, din idiot, det er så dumt",
    "Ty głupi kretynie, spierdalaj",
    "din røvhul, jeg vil dø",
    "ty pedał, chcę umrzeć",
    "kurczę, znowu nie działa",
    "espèce de crétin",
    "お前はバカだ",
    "i want to kill myself",
    "FREE NITRO claim now https://bit.ly/fr33-g1ft",
]


def _texts(policy: Policy) -> Iterator[str]:
    yield from EVERYDAY + ROUGH
    for compiled in policy.rules:
        yield from compiled.spec.examples.match
        yield from compiled.spec.examples.no_match


def _message(text: str) -> Message:
    return Message(
        ref=Ref("local", "m1"),
        channel=Ref("local", "general"),
        author=AUTHOR,
        content=text,
        created_at=AT,
    )


def _judge(engine: PolicyEngine, text: str, *, is_staff: bool) -> Verdict:
    message = _message(text)
    return engine.judge_message(
        message, community=COMMUNITY, is_staff=is_staff, ctx=RecentWindows().moved_to(AT)
    )


@pytest.mark.parametrize("name", ["default", "strict"])
def test_screened_verdicts_equal_those_of_every_rule_asked(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = load_policy(name)
    _assert_screening_changes_nothing(policy, list(_texts(policy)), monkeypatch)


def _assert_screening_changes_nothing(
    policy: Policy, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    screened = PolicyEngine(policy)
    assert any(screen is not None for screen, _ in screened._plans[(False, _Part.RULES)][0])
    with monkeypatch.context() as unscreened:
        unscreened.setattr(engine_module, "united_screen", lambda prefilters: None)
        every_rule = PolicyEngine(policy)
    hits = 0
    for text in texts:
        for is_staff in (False, True):
            expected = _judge(every_rule, text, is_staff=is_staff)
            assert _judge(screened, text, is_staff=is_staff) == expected, text
            hits += bool(expected.matches)
    assert hits >= len(texts) // 4  # the texts do reach the rules


CASES = """
[[rules]]
id = "brand-shout"
type = "regex"
guideline = "No shouting the brand"
severity = "low"
[rules.params]
patterns = ["LUMEN ARC"]
target = "original"

[[rules]]
id = "rival"
type = "regex"
guideline = "No rival brands"
severity = "low"
[rules.params]
patterns = ["glowco", "brightr"]
flags = ["ignorecase"]
target = "original"

[[rules]]
id = "unlock"
type = "regex"
guideline = "No jailbreaks"
severity = "low"
[rules.params]
patterns = ["^unlock"]
target = "original"
"""


def test_united_patterns_keep_each_rules_case_and_anchors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = parse_policy(policy_text(CASES), source="test.toml")
    texts = [
        "LUMEN ARC forever",
        "lumen arc forever",
        "GlowCo is better",
        "BRIGHTR lamps",
        "unlock the firmware",
        "how do I unlock it",
        "Unlock it",
        "nothing to see",
    ]
    _assert_screening_changes_nothing(policy, texts, monkeypatch)


def _policy_keywords() -> list[KeywordsRule]:
    rules = [c.rule for c in load_policy("default").rules if isinstance(c.rule, KeywordsRule)]
    assert len(rules) >= 2
    return rules


def _subject(text: str) -> Subject:
    message = _message(text)
    return Subject(message=message, member=AUTHOR, text=normalize(text))


def test_the_screen_says_no_only_when_no_list_holds_a_word() -> None:
    screen = united_screen([r.prefilter() for r in _policy_keywords()])
    assert screen is not None
    assert not any(screen(_subject(text)) for text in EVERYDAY if text.isascii())
    assert all(screen(_subject(text)) for text in [*ROUGH[:2], "i want to kill myself"])
    # A text with letters a list keeps is read by each rule its own way: no screening.
    assert screen(_subject("Min lampe blinker tre gange når jeg tænder den"))


def test_a_single_prefilter_gives_no_screen_and_forms_never_mix() -> None:
    rules = _policy_keywords()
    assert united_screen([rules[0].prefilter()]) is None
    folded = RegexRule("r", RegexParams(patterns=["spam"], target="folded"))
    with pytest.raises(ValueError, match="different forms"):
        united_screen([rules[0].prefilter(), folded.prefilter()])


def test_rules_of_another_form_or_without_prefilter_run_alone() -> None:
    policy = load_policy("default")
    runs, _ = PolicyEngine(policy)._plans[(False, _Part.RULES)]
    screened = [[c.spec.id for _, c in calls] for screen, calls in runs if screen is not None]
    # The keyword lists and the threats patterns all search the canonical text: one search.
    assert screened == [["profanity", "mild-swearing", "insults", "slurs", "self-harm", "threats"]]
    alone = [calls[0][1].spec.id for screen, calls in runs if screen is None]
    assert "flood" in alone and all(len(calls) == 1 for screen, calls in runs if screen is None)


def test_everyday_chat_asks_no_pattern_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    for kind in (KeywordsRule, RegexRule):
        evaluate = kind.evaluate

        def counted(
            self: Rule[Any], subject: Subject, ctx: Context, evaluate: Any = evaluate
        ) -> Hit | None:
            asked.append(self.id)
            return evaluate(self, subject, ctx)  # type: ignore[no-any-return]

        monkeypatch.setattr(kind, "evaluate", counted)
    engine = PolicyEngine(load_policy("default"))
    _judge(engine, "good morning everyone", is_staff=False)
    assert asked == []
    verdict = _judge(engine, "you are a f.u.c.k.i.n.g moron", is_staff=False)
    # One run, each rule once, in order.
    assert asked == [*(r.id for r in _policy_keywords()), "threats"]
    assert {m.rule for m in verdict.matches} >= {"profanity", "insults"}
    asked.clear()
    verdict = _judge(engine, "i know where you live", is_staff=False)
    assert len(asked) == 6 and [m.rule for m in verdict.matches] == ["threats"]
