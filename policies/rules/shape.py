"""Shape rules: shouting in capitals, zalgo text, walls of blank lines."""

from __future__ import annotations

import re
import unicodedata

from pydantic import Field

from policies.context import Context, Subject
from policies.rule import Rule, RuleParams, rule
from policies.rules.regex import compile_re2, searcher
from policies.verdict import Hit

# Mentions, channel links and custom emoji carry platform ids in capitals; they are not shouting.
_MARKUP = re.compile(r"<[@#!&:a][^<>\s]{0,80}>|:[A-Za-z0-9_+-]{2,32}:")
# Characters that draw nothing: a line of them is as blank as an empty one.
_BLANK = " \t\u00a0\u200b\u200c\u200d\u2060\ufeff\u2800\u3000\u3164"


def _combining_class() -> str:
    """Return a regex character class body of every combining mark, as ranges."""
    ranges: list[str] = []
    start = previous = -2
    for code in range(0x1F000):  # no combining mark has a higher code point
        if unicodedata.combining(chr(code)):
            if code != previous + 1:
                if start >= 0:
                    ranges.append(_span(start, previous))
                start = code
            previous = code
    ranges.append(_span(start, previous))
    return "".join(ranges)


def _span(first: int, last: int) -> str:
    return (
        re.escape(chr(first))
        if first == last
        else f"{re.escape(chr(first))}-{re.escape(chr(last))}"
    )


_COMBINING = _combining_class()
_NOT_UPPER = bytes(b for b in range(256) if not 65 <= b <= 90)
_NOT_LOWER = bytes(b for b in range(256) if not 97 <= b <= 122)


class CapsParams(RuleParams):
    """When capitals count as shouting.

    Attributes:
        min_letters: Messages with fewer cased letters are never flagged ("OK", "USA").
        max_ratio: The share of capitals above which a message shouts.
    """

    min_letters: int = Field(15, ge=1)
    max_ratio: float = Field(0.75, gt=0, le=1)


@rule("caps")
class CapsRule(Rule[CapsParams]):
    """Flag messages written mostly in capitals; scripts without case are ignored."""

    Params = CapsParams

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Measure the share of upper-case letters among cased letters."""
        text = subject.message.content
        if len(text) < self.params.min_letters:
            return None
        text = _MARKUP.sub("", text) if "<" in text or ":" in text else text
        if text.isascii():
            # Deleting every byte but A-Z in C beats a Python loop over the characters.
            raw = text.encode()
            upper = len(raw.translate(None, _NOT_UPPER))
            if upper < self.params.min_letters * self.params.max_ratio:
                return None  # too few capitals to shout, whatever the rest
            lower = len(raw.translate(None, _NOT_LOWER))
        else:
            ascii_part = text.encode("ascii", "ignore")
            # Every capital is an ASCII capital or one of the non-ASCII characters.
            ceiling = len(ascii_part.translate(None, _NOT_UPPER)) + len(text) - len(ascii_part)
            if ceiling < self.params.min_letters * self.params.max_ratio:
                return None
            upper = sum(map(str.isupper, text))
            if upper < self.params.min_letters * self.params.max_ratio:
                return None
            lower = sum(map(str.islower, text))
        cased = upper + lower
        if cased < self.params.min_letters or upper / cased <= self.params.max_ratio:
            return None
        return Hit(
            reason=f"{upper / cased:.0%} capitals", evidence={"ratio": round(upper / cased, 3)}
        )


class ZalgoParams(RuleParams):
    """When stacked combining marks become zalgo.

    Attributes:
        max_marks_per_letter: Marks one character may carry (Vietnamese needs 2).
        min_stacked: How many over-marked characters make a message zalgo.
    """

    max_marks_per_letter: int = Field(2, ge=1, le=100)
    min_stacked: int = Field(3, ge=1)


@rule("zalgo")
class ZalgoRule(Rule[ZalgoParams]):
    """Flag text buried under stacked combining marks."""

    Params = ZalgoParams

    def __init__(self, rule_id: str, params: ZalgoParams) -> None:
        super().__init__(rule_id, params)
        stack = f"[{_COMBINING}]{{{params.max_marks_per_letter + 1},}}"
        self._stack = re.compile(stack)
        # Python's re walks a class this large slowly; RE2 answers "any stack at all?"
        # in one linear pass, and most texts have none.
        self._any_stack = searcher(compile_re2(stack, capture=False))

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Count characters that carry more combining marks than a real script needs."""
        text = subject.message.content
        if text.isascii():
            return None  # combining marks are never ASCII
        if self._any_stack(text.encode("utf-8", "replace"), 0) is None:
            return None
        stacks = self._stack.findall(text)
        if len(stacks) < self.params.min_stacked:
            return None
        marks = sum(map(len, stacks))
        return Hit(
            reason=f"{marks} combining marks stacked on {len(stacks)} characters",
            evidence={"marks": marks},
        )


class NewlinesParams(RuleParams):
    """When a message becomes a wall.

    Attributes:
        max_lines: Lines one message may have.
        max_blank_run: Consecutive blank lines allowed.
    """

    max_lines: int = Field(20, ge=1)
    max_blank_run: int = Field(4, ge=1)


@rule("newlines")
class NewlinesRule(Rule[NewlinesParams]):
    """Flag messages with too many lines or long runs of blank lines."""

    Params = NewlinesParams

    def evaluate(self, subject: Subject, ctx: Context) -> Hit | None:
        """Count lines and the longest run of blank lines."""
        lines = subject.message.content.splitlines()
        if len(lines) < 2:
            return None  # one line is within both limits (each is at least 1)
        if len(lines) > self.params.max_lines:
            return Hit(reason=f"{len(lines)} lines", evidence={"lines": len(lines)})
        run = longest = 0
        for line in lines:
            run = run + 1 if not line.strip(_BLANK) else 0
            longest = max(longest, run)
        if longest > self.params.max_blank_run:
            return Hit(reason=f"{longest} blank lines in a row", evidence={"blank_run": longest})
        return None
