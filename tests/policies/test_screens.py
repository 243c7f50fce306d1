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
from policies.screens import READ_AHEAD_CHARS, united_screen
from policies.verdict import Hit, Verdict
from policies.windows import RecentWindows
from tests.policies.searches import count_screen_searches
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
    # Read ahead as one burst, and again backwards: a text's answer must not depend on
    # its neighbours or its place among them.
    ahead, behind = PolicyEngine(policy), PolicyEngine(policy)
    ahead.read_ahead(texts)
    behind.read_ahead(reversed(texts))
    hits = 0
    for text in texts:
        for is_staff in (False, True):
            expected = _judge(every_rule, text, is_staff=is_staff)
            assert _judge(screened, text, is_staff=is_staff) == expected, text
            assert _judge(ahead, text, is_staff=is_staff) == expected, text
            assert _judge(behind, text, is_staff=is_staff) == expected, text
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
patterns = ["^unlock", "jailbreak$"]
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
        "my lamp needs a jailbreak",
        "jailbreak it now",
        "first line\nunlock on the second",
        "a jailbreak\nthen more",
        "unlock",
        "\ud800 unlock with a lone surrogate",
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


def test_a_single_prefilter_gets_a_screen_and_forms_never_mix() -> None:
    rules = _policy_keywords()
    assert united_screen([]) is None
    assert united_screen([rules[0].prefilter()]) is not None  # a burst can be read ahead
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


def _asked_rules(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the id of every keyword and regex rule asked from now on."""
    asked: list[str] = []
    for kind in (KeywordsRule, RegexRule):
        evaluate = kind.evaluate

        def counted(
            self: Rule[Any], subject: Subject, ctx: Context, evaluate: Any = evaluate
        ) -> Hit | None:
            asked.append(self.id)
            return evaluate(self, subject, ctx)  # type: ignore[no-any-return]

        monkeypatch.setattr(kind, "evaluate", counted)
    return asked


def test_everyday_chat_asks_no_pattern_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _asked_rules(monkeypatch)
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


def test_a_burst_read_ahead_costs_one_search_and_at_most_two_per_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searches = count_screen_searches(monkeypatch)
    asked = _asked_rules(monkeypatch)
    engine = PolicyEngine(load_policy("default"))
    burst = [f"{EVERYDAY[i % 3]} #{i}" for i in range(200)]
    burst[50] = "you are a f.u.c.k.i.n.g moron"
    burst[120] = "i know where you live"
    engine.read_ahead(burst)
    # The burst, and from the line after each match. The threat's pattern takes the
    # non-word character before it, so it is first found on the line break: line 119 is
    # then asked alone, and the search goes on from line 120.
    assert len(searches) == 5
    searches.clear()
    verdicts = [_judge(engine, engine.text_of(text).original, is_staff=False) for text in burst]
    assert searches == []  # every answer was found ahead
    assert [i for i, v in enumerate(verdicts) if v.matches] == [50, 120]
    assert len(asked) == 2 * 6  # only the two lines that match ask the six rules
    # A text that was not in the burst is searched as it comes.
    assert _judge(engine, "you are an idiot", is_staff=False).matches
    assert len(searches) == 1


LONE = """
[[rules]]
id = "shouting"
type = "caps"
guideline = "No shouting"
severity = "low"

[[rules]]
id = "rival"
type = "regex"
guideline = "No rival brands"
severity = "low"
[rules.params]
patterns = ["glow ?co"]
target = "canonical"

[[rules]]
id = "flood"
type = "rate"
guideline = "No flooding"
severity = "low"
"""


def test_a_lone_pattern_rule_reads_a_burst_ahead_with_one_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = parse_policy(policy_text(LONE), source="test.toml")
    burst = [f"{EVERYDAY[i % 3]} #{i}" for i in range(100)]
    burst[40] = "GlowCo lamps are better"
    sample = ["GlowCo lamps are better", "good morning", "my glowing cousin", "hi\nglow co"]
    _assert_screening_changes_nothing(policy, sample, monkeypatch)
    searches = count_screen_searches(monkeypatch)
    asked = _asked_rules(monkeypatch)
    engine = PolicyEngine(policy)
    engine.read_ahead(burst)
    assert len(searches) == 2  # the burst, and on from the line after the match
    searches.clear()
    verdicts = [_judge(engine, text, is_staff=False) for text in burst]
    assert searches == []
    assert asked == ["rival"]  # asked only about the line that matched
    assert [i for i, v in enumerate(verdicts) if v.matches] == [40]


LINEWISE = """
[[rules]]
id = "greeting"
type = "regex"
guideline = "No bare greetings"
severity = "low"
[rules.params]
patterns = ["\\\\Ahi\\\\z"]
target = "original"

[[rules]]
id = "lamp"
type = "regex"
guideline = "No lamp talk"
severity = "low"
[rules.params]
patterns = ["(?-m:^lamp)"]
target = "original"
"""


def test_patterns_that_see_the_whole_text_are_not_read_ahead(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = parse_policy(policy_text(LINEWISE), source="test.toml")
    texts = ["hello", "hi", "oh hi", "hi\nthere", "lamp on", "my lamp", "x\nlamp"]
    _assert_screening_changes_nothing(policy, texts, monkeypatch)
    searches = count_screen_searches(monkeypatch)
    engine = PolicyEngine(policy)
    engine.read_ahead(texts)
    assert searches == []  # \A, \z and (?-m) would not hold for a line among others
    assert [bool(_judge(engine, t, is_staff=False).matches) for t in texts] == [
        False,
        True,
        False,
        False,
        True,
        False,
        False,
    ]


def test_texts_longer_than_a_chat_line_are_searched_as_they_come(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    searches = count_screen_searches(monkeypatch)
    engine = PolicyEngine(load_policy("default"))
    long_text = "all good here " * (READ_AHEAD_CHARS // 14 + 1)
    engine.read_ahead([long_text, "good morning"])
    assert len(searches) == 1  # the short text alone
    assert engine.text_of(long_text) is not engine.text_of(long_text)  # not kept either
    searches.clear()
    assert not _judge(engine, long_text, is_staff=False).matches
    assert len(searches) == 1


AT_THE_BREAK = """
[[rules]]
id = "unlock-or-word-end"
type = "regex"
guideline = "Edge cases of reading lines together"
severity = "low"
[rules.params]
patterns = ["\\\\W+unlock", "\\\\b$"]
target = "original"

[[rules]]
id = "rival"
type = "regex"
guideline = "No rival brands"
severity = "low"
[rules.params]
patterns = ["glowco"]
target = "original"
"""


def test_a_line_whose_only_match_is_empty_at_its_end_still_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Read together, the leftmost match after "hello" is "\nunlock", found on the line
    # break; "hello" alone matches only \b$ (empty, at its end). It must not be cleared.
    policy = parse_policy(policy_text(AT_THE_BREAK), source="test.toml")
    texts = ["hello", "unlock it", "hello!", "unlock", "glowco!", "fine."]
    _assert_screening_changes_nothing(policy, texts, monkeypatch)


def test_a_flood_of_one_text_is_searched_once(monkeypatch: pytest.MonkeyPatch) -> None:
    searches = count_screen_searches(monkeypatch)
    engine = PolicyEngine(load_policy("default"))
    engine.read_ahead(["you absolute moron"] * 300 + ["good morning"] * 200)
    # One search of the two distinct lines, and one from the line after the match.
    assert len(searches) == 2
    searches.clear()
    assert _judge(engine, "you absolute moron", is_staff=False).matches
    assert not _judge(engine, "good morning", is_staff=False).matches
    assert searches == []
