"""Runs of keyword rules are screened at once; the verdicts stay what each rule alone gives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.context import Context, Subject
from policies.engine import PolicyEngine
from policies.normalize import normalize
from policies.policy import Policy, load_policy
from policies.rules.keywords import KeywordsRule
from policies.verdict import Hit, Verdict
from policies.windows import RecentWindows

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
    screened = PolicyEngine(policy)
    with monkeypatch.context() as unscreened:
        unscreened.setattr(KeywordsRule, "screen", classmethod(lambda cls, rules: None))
        every_rule = PolicyEngine(policy)
    texts = list(_texts(policy))
    hits = 0
    for text in texts:
        for is_staff in (False, True):
            expected = _judge(every_rule, text, is_staff=is_staff)
            assert _judge(screened, text, is_staff=is_staff) == expected, text
            hits += bool(expected.matches)
    assert hits > len(ROUGH)  # the texts do reach the rules


def _policy_keywords() -> list[KeywordsRule]:
    rules = [c.rule for c in load_policy("default").rules if isinstance(c.rule, KeywordsRule)]
    assert len(rules) >= 2
    return rules


def _subject(text: str) -> Subject:
    message = _message(text)
    return Subject(message=message, member=AUTHOR, text=normalize(text))


def test_the_screen_says_no_only_when_no_list_holds_a_word() -> None:
    screen = KeywordsRule.screen(_policy_keywords())
    assert screen is not None
    assert not any(screen(_subject(text)) for text in EVERYDAY if text.isascii())
    assert all(screen(_subject(text)) for text in [*ROUGH[:2], "i want to kill myself"])
    # A text with letters a list keeps is read by each rule its own way: no screening.
    assert screen(_subject("Min lampe blinker tre gange når jeg tænder den"))


def test_a_single_rule_or_a_mixed_run_has_no_screen() -> None:
    rules = _policy_keywords()
    assert KeywordsRule.screen(rules[:1]) is None
    others = [c.rule for c in load_policy("default").rules if not isinstance(c.rule, KeywordsRule)]
    assert KeywordsRule.screen([rules[0], others[0]]) is None


def test_everyday_chat_does_not_ask_the_keyword_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    evaluate = KeywordsRule.evaluate

    def counted(self: KeywordsRule, subject: Subject, ctx: Context) -> Hit | None:
        asked.append(self.id)
        return evaluate(self, subject, ctx)

    monkeypatch.setattr(KeywordsRule, "evaluate", counted)
    engine = PolicyEngine(load_policy("default"))
    _judge(engine, "good morning everyone", is_staff=False)
    assert asked == []
    verdict = _judge(engine, "you are a f.u.c.k.i.n.g moron", is_staff=False)
    assert asked == [r.id for r in _policy_keywords()]  # one run, each rule once, in order
    assert {m.rule for m in verdict.matches} >= {"profanity", "insults"}
