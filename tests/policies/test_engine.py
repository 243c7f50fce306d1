"""The engine judges in parts: rules without scores, rules with scores, and no scores at all."""

from __future__ import annotations

from bot.core.models import Member, Message
from bot.core.protocols import TextScores
from bot.core.refs import Ref
from policies.engine import PolicyEngine
from policies.normalize import normalize
from policies.policy import parse_policy
from policies.verdict import Mode, Verdict
from tests.policies.rules._builders import T0, windows
from tests.policies.test_policy import policy_text

COMMUNITY = Ref("local", "acme")

RULES = """
[[rules]]
id = "insults"
type = "keywords"
params = { words = { en = ["moron"] } }

[[rules]]
id = "abuse-model"
type = "classifier"
params = { thresholds = { abuse = 0.9 } }

[[rules]]
id = "support-spam-model"
type = "classifier"
channels = ["support"]
params = { thresholds = { spam = 0.9 } }

[[rules]]
id = "trial-model"
type = "classifier"
mode = "shadow"
params = { thresholds = { abuse = 0.5 } }
"""


def engine(rules: str = RULES) -> PolicyEngine:
    return PolicyEngine(parse_policy(policy_text(rules), source="test.toml"))


def message(content: str, channel: str = "general", roles: frozenset[str] = frozenset()) -> Message:
    author = Member(ref=Ref("local", "alice"), name="alice", roles=roles)
    return Message(
        ref=Ref("local", "m1"),
        channel=Ref("local", channel),
        author=author,
        content=content,
        created_at=T0,
    )


def scored(abuse: float, spam: float = 0.0) -> TextScores:
    return TextScores({"abuse": abuse, "spam": spam}, language="fr", model="words@1")


def by_scores(msg: Message, scores: TextScores) -> Verdict:
    """Judge a message by the rules that need scores."""
    return engine().judge_scores(
        msg,
        community=COMMUNITY,
        is_staff=False,
        ctx=windows(),
        text=normalize(msg.content),
        scored=scores,
    )


def rules_of(verdict: Verdict) -> list[str]:
    return sorted(m.rule for m in verdict.matches)


def test_without_scores_only_the_rules_that_need_none_are_judged() -> None:
    msg = message("you moron, you are worthless")
    verdict = engine().judge_message(msg, community=COMMUNITY, is_staff=False, ctx=windows())
    assert [m.rule for m in verdict.matches] == ["insults"]


def test_judge_scores_asks_only_the_rules_that_need_scores_in_scope() -> None:
    msg = message("you moron, you are worthless")
    # No keyword rule again, and the support-only rule stays out of #general.
    assert rules_of(by_scores(msg, scored(0.95, spam=0.99))) == ["abuse-model", "trial-model"]
    support = message("cheap followers", channel="support")
    assert rules_of(by_scores(support, scored(0.01, spam=0.99))) == ["support-spam-model"]


def test_the_evidence_names_the_model_and_the_language() -> None:
    verdict = by_scores(message("you are worthless"), scored(0.95))
    abuse = next(m for m in verdict.matches if m.rule == "abuse-model")
    assert (abuse.evidence["model"], abuse.evidence["language"]) == ("words@1", "fr")


def test_wants_scores_follows_scope_and_staff() -> None:
    only_support = engine(
        """
[[rules]]
id = "support-spam-model"
type = "classifier"
channels = ["support"]
exempt_roles = ["vip"]
params = { thresholds = { spam = 0.9 } }
"""
    )
    assert only_support.wants_scores(message("hi", channel="support"), is_staff=False)
    assert not only_support.wants_scores(message("hi", channel="general"), is_staff=False)
    assert not only_support.wants_scores(
        message("hi", channel="support", roles=frozenset({"vip"})), is_staff=False
    )
    assert not only_support.wants_scores(message("hi", channel="support"), is_staff=True)
    assert engine().wants_scores(message("hi"), is_staff=False)
    no_model = engine(
        '[[rules]]\nid = "insults"\ntype = "keywords"\nparams = { words = { en = ["moron"] } }\n'
    )
    assert not no_model.wants_scores(message("hi"), is_staff=False)


def test_judge_unscored_hands_the_message_to_review_for_rules_that_apply() -> None:
    msg = message("anything at all")
    verdict = engine().judge_unscored(
        msg,
        community=COMMUNITY,
        is_staff=False,
        text=normalize(msg.content),
        reason="the classifier did not answer within 2s; judged by the rules alone",
    )
    # The shadowed trial asks nobody; the support-only rule does not apply in #general.
    (match,) = verdict.matches
    assert match.rule == "abuse-model"
    assert match.mode is Mode.REVIEW
    assert match.reason == "the classifier did not answer within 2s; judged by the rules alone"
    assert verdict.message == msg.ref
