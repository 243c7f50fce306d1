"""Text with a lone surrogate, which nothing can store or score, is made valid where it enters."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

from bot.core.events import CommandInvoked, MessageCreated
from bot.core.models import Attachment, Member, Message
from bot.core.refs import Ref
from bot.core.valid_text import valid_text, valid_values

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    assert valid_text("a\ud800b\udfffc") == "a\ufffdb\ufffdc"
    valid = "plain, héllo, 😀"
    assert valid_text(valid) is valid
    assert valid_text("pair 😀 kept").encode("utf-8")


def test_every_text_inside_an_event_is_made_valid_and_the_rest_kept() -> None:
    author = Member(ref=Ref("local", "bob"), name="bob\ud800", roles=frozenset({"x\udc00"}))
    message = Message(
        ref=Ref("local", "m1"),
        channel=Ref("local", "general"),
        author=author,
        content="free nitro \ud83d",
        created_at=AT,
        attachments=(Attachment(filename="a\udfff.png"),),
    )
    event = MessageCreated(community=Ref("local", "acme"), at=AT, id="m1", message=message)
    valid = valid_values(event)
    assert valid.message.content == "free nitro \ufffd"
    assert valid.message.author.name == "bob\ufffd"
    assert valid.message.author.roles == frozenset({"x\ufffd"})
    assert valid.message.attachments[0].filename == "a\ufffd.png"
    assert (valid.message.created_at, valid.message.ref) == (AT, message.ref)
    valid.message.content.encode("utf-8")


def test_an_event_with_nothing_to_replace_is_the_same_object() -> None:
    member = Member(ref=Ref("local", "bob"), name="bob")
    event = CommandInvoked(
        community=Ref("local", "acme"),
        at=AT,
        id="c1",
        name="warn",
        options=MappingProxyType({"reason": "spam ✨", "points": 2}),
        author=member,
        channel=Ref("local", "general"),
        interaction=Ref("local", "i1"),
    )
    assert valid_values(event) is event
    bad = CommandInvoked(
        community=event.community,
        at=AT,
        id="c2",
        name="warn",
        options=MappingProxyType({"reason": "spam \ud800"}),
        author=member,
        channel=event.channel,
        interaction=event.interaction,
    )
    assert valid_values(bad).options["reason"] == "spam \ufffd"
