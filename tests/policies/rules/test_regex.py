from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies.rule import RULE_TYPES, RuleLoadError
from policies.rules.regex import (
    MAX_SHOWN,
    MAX_SHOWN_CHARS,
    RegexParams,
    RegexRule,
    compile_re2,
    search_spans,
)
from tests.policies.conftest import CTX, subject


def regex(*patterns: str, **params: Any) -> RegexRule:
    return RegexRule("test", RegexParams.model_validate({"patterns": list(patterns), **params}))


def matched(rule: RegexRule, text: str) -> tuple[str, ...] | None:
    hit = rule.evaluate(subject(text), CTX)
    return hit.matched if hit else None


def test_a_match_lists_what_matched() -> None:
    rule = regex(r"free\s+nitro", r"steam\s*gift")
    hit = rule.evaluate(subject("FREE   Nitro and a SteamGift!"), CTX)
    assert hit is not None
    assert hit.matched == ("free   nitro", "steamgift")
    assert hit.reason == "matches a pattern: 'free   nitro', 'steamgift'"
    assert hit.evidence == {"target": "folded"}
    assert matched(rule, "nitro is free") is None


def test_folded_is_the_default_target() -> None:
    rule = regex(r"fuck")
    assert matched(rule, "ＦＵ\u200bＣＫ") == ("fuck",)
    assert matched(rule, "f4ck") is None


def test_targets() -> None:
    original = regex(r"Hello", target="original")
    assert matched(original, "Hello") == ("Hello",)
    assert matched(original, "hello") is None
    assert matched(regex(r"Hello", target="original", flags=["ignorecase"]), "HELLO") == ("HELLO",)
    canonical = regex(r"\bshit\b", target="canonical")
    assert matched(canonical, "$h1t happens") == ("shit",)
    assert matched(canonical, "ѕһіt") == ("shit",)


def test_matches_are_bounded() -> None:
    many = regex(r"\w+")
    shown = matched(many, "one two three four five six seven one two")
    assert shown == ("one", "two", "three", "four", "five")
    assert len(shown) == MAX_SHOWN
    assert matched(regex("x"), "x " * 10_000) == ("x",)
    (long,) = matched(regex(r"a+"), "a" * 5_000) or ()
    assert long == "a" * MAX_SHOWN_CHARS


def test_empty_matches_are_not_hits() -> None:
    assert matched(regex(r"\bfoo\b|\b"), "bar baz") is None
    assert matched(regex(r"\bfoo\b|\b"), "a foo") == ("foo",)


@pytest.mark.parametrize(
    ("patterns", "index", "says"),
    [
        ([r"(a)\1"], 0, "pattern 0: invalid escape sequence"),
        (["ok", r"foo(?=bar)"], 1, "pattern 1: invalid perl operator: (?="),
        (["ok", "fine", r"(?<!x)y"], 2, "pattern 2: invalid perl operator: (?<"),
        (["(unclosed"], 0, "pattern 0: missing )"),
        (["ok", "a*"], 1, "pattern 1: matches the empty string"),
        (["a{1001}"], 0, "pattern 0: invalid repetition size"),
        (["ok", r"\pL{1000}\pL{1000}"], 1, "pattern 1: pattern too large"),
    ],
)
def test_a_pattern_re2_refuses_is_a_load_error_naming_its_key(
    patterns: list[str], index: int, says: str
) -> None:
    with pytest.raises(RuleLoadError) as raised:
        regex(*patterns)
    assert raised.value.key == f"patterns.{index}"
    assert str(raised.value).startswith(says)


def test_parameters_are_checked() -> None:
    with pytest.raises(ValidationError):
        RegexParams.model_validate({"patterns": []})
    with pytest.raises(ValidationError):
        RegexParams.model_validate({"patterns": ["x"], "flags": ["multiline"]})
    with pytest.raises(ValidationError):
        RegexParams.model_validate({"patterns": ["x"], "target": "raw"})


def test_catastrophic_patterns_run_in_linear_time() -> None:
    nested = regex(r"(a+)+$", target="original")
    assert matched(nested, "a" * 50_000 + "b") is None
    assert matched(nested, "a" * 50_000) == ("a" * MAX_SHOWN_CHARS,)
    assert matched(regex(r"(a|aa)*c", target="original"), "a" * 50_000) is None
    assert matched(regex(r"(x+x+)+y", target="original"), "x" * 50_000) is None


def test_the_rule_type_is_registered() -> None:
    assert RULE_TYPES["regex"] is RegexRule


@settings(max_examples=200)
@given(st.text(st.characters(exclude_categories=())))
def test_evaluation_never_raises(text: str) -> None:
    for target in ("original", "folded", "canonical"):
        regex(r"\w+\W", r"(?i)é", target=target).evaluate(subject(text), CTX)


@settings(max_examples=20, deadline=timedelta(seconds=5))
@given(st.sampled_from(["a", "ab", "a\u0301", "\ud800", "\x00", "😂"]), st.integers(1, 100_000))
def test_hostile_text_is_matched_in_linear_time(piece: str, size: int) -> None:
    text = piece * (size // len(piece))
    hit = regex(r"(a+)+$", r"(.*a){20}", target="original").evaluate(subject(text), CTX)
    assert hit is None or len(hit.matched) <= MAX_SHOWN


@given(st.text(max_size=200), st.integers(min_value=0, max_value=50))
def test_fast_spans_agree_with_the_public_search(text: str, pos: int) -> None:
    pattern = compile_re2(r"(f+u+c+k+)|(\d{2,})", capture=True)
    data = text.encode("utf-8", "replace")
    found = pattern.search(data, pos)
    expected = None if found is None else [(found.start(g), found.end(g)) for g in range(3)]
    assert search_spans(pattern, data, pos) == expected


class _PublicOnly:
    """A compiled pattern seen only through google-re2's public API."""

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern
        self.groups = pattern.groups

    def search(self, data: bytes, pos: int = 0) -> Any:
        return self._pattern.search(data, pos)


def test_spans_fall_back_to_the_public_search() -> None:
    pattern = compile_re2(r"(a)(b)?")
    for data in (b"xxab", b"xxa", b"none"):
        assert search_spans(_PublicOnly(pattern), data) == search_spans(pattern, data)  # type: ignore[arg-type]
