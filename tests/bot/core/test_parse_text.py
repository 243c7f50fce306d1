"""JSON and TOML from people and programs: every fault is one kind of error, nesting included."""

from __future__ import annotations

import tomllib

import pytest

from bot.core.parse_text import NotJson, parse_json, parse_toml


def test_json_is_read() -> None:
    assert parse_json('{"id": 1, "text": ["a"]}') == {"id": 1, "text": ["a"]}


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("{not json", "Expecting property name enclosed in double quotes (column 2)"),
        ("", "Expecting value (column 1)"),
        ("[" * 100_000, "nested too deeply"),
        ('{"a":' * 100_000, "nested too deeply"),
    ],
)
def test_every_fault_is_not_json_with_its_reason(text: str, fault: str) -> None:
    with pytest.raises(NotJson) as caught:
        parse_json(text)
    assert str(caught.value) == fault
    assert isinstance(caught.value, ValueError)


def test_toml_nested_too_deeply_is_a_toml_decode_error() -> None:
    assert parse_toml("x = [[1]]") == {"x": [[1]]}
    with pytest.raises(tomllib.TOMLDecodeError, match="nested too deeply"):
        parse_toml("x = " + "[" * 5_000 + "]" * 5_000)
