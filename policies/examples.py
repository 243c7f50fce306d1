"""Check every rule against the examples written next to it: ``steward policy test``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.models import Member, Message
from bot.core.refs import Ref
from policies.context import Subject
from policies.normalize import normalize
from policies.policy import CompiledRule, Policy
from policies.windows import RecentWindows

_AT = datetime(2026, 1, 1, tzinfo=UTC)
_AUTHOR = Member(
    ref=Ref("example", "author"), name="author", joined_at=datetime(2020, 1, 1, tzinfo=UTC)
)


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    """An example a rule got wrong."""

    rule: str
    text: str
    expected_match: bool

    def __str__(self) -> str:
        wanted = "should match" if self.expected_match else "should not match"
        return f"rule {self.rule!r}: {wanted}: {self.text!r}"


def check_examples(policy: Policy) -> tuple[int, list[ExampleFailure]]:
    """Run each rule on its examples, each in a fresh, empty context.

    Returns:
        How many examples ran, and the ones that failed.
    """
    failures: list[ExampleFailure] = []
    ran = 0
    for compiled in policy.rules:
        checked, failed = check_rule_examples(compiled)
        ran += checked
        failures.extend(failed)
    return ran, failures


def check_rule_examples(compiled: CompiledRule) -> tuple[int, list[ExampleFailure]]:
    """Run one rule on its examples, each in a fresh, empty context.

    Returns:
        How many examples ran, and the ones that failed.
    """
    failures: list[ExampleFailure] = []
    ran = 0
    examples = compiled.spec.examples
    for expected, texts in ((True, examples.match), (False, examples.no_match)):
        for text in texts:
            ran += 1
            message = Message(
                ref=Ref("example", str(ran)),
                channel=Ref("example", "general"),
                author=_AUTHOR,
                content=text,
                created_at=_AT,
            )
            subject = Subject(message=message, member=_AUTHOR, text=normalize(text))
            hit = compiled.rule.evaluate(subject, RecentWindows().moved_to(_AT))
            if (hit is not None) != expected:
                failures.append(ExampleFailure(compiled.spec.id, text, expected))
    return ran, failures
