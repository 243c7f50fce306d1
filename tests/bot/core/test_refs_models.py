"""Refs, event and action names, frozen values, capabilities and permissions."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.actions import (
    Action,
    Ban,
    DeleteMessage,
    DeleteMessages,
    EditMessage,
    Kick,
    OpenThread,
    PostMessage,
    PostPoll,
    ReplyEphemeral,
    SendDirectMessage,
    SetSlowmode,
    Timeout,
    Unban,
)
from bot.core.capabilities import Capabilities, Capability, required_capability
from bot.core.community import CommunityInfo, Permission
from bot.core.events import (
    CommandInvoked,
    DirectMessageReceived,
    Event,
    MemberJoined,
    MessageCreated,
    Tick,
)
from bot.core.models import Member, Message
from bot.core.refs import Ref

ACME = Ref("local", "acme")
T0 = datetime(2024, 1, 1, tzinfo=UTC)
ALICE = Member(ref=Ref("local", "u1"), name="alice")
CHANNEL = Ref("local", "c1")
MESSAGE = Message(
    ref=Ref("local", "m1"), channel=CHANNEL, author=ALICE, content="hi", created_at=T0
)

# -- refs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        Ref("discord", "123456789012345678"),
        Ref("slack", "C024BE91L"),
        Ref("slack", "1700000000.000100"),
        Ref("slack", "C1:1700000000.000100"),
        Ref("local", "acme"),
    ],
)
def test_ref_str_and_parse_round_trip(ref: Ref) -> None:
    assert Ref.parse(str(ref)) == ref


def test_ref_str_form() -> None:
    assert str(Ref("discord", "42")) == "discord:42"
    assert Ref.parse("slack:C1:ts") == Ref("slack", "C1:ts")


@given(
    st.text(min_size=1).filter(lambda s: ":" not in s),
    st.text(min_size=1),
)
def test_ref_round_trip_property(platform: str, ident: str) -> None:
    ref = Ref(platform, ident)
    assert Ref.parse(str(ref)) == ref


@pytest.mark.parametrize(("platform", "ident"), [("discord", ""), ("", "1"), ("", "")])
def test_ref_refuses_empty_parts(platform: str, ident: str) -> None:
    with pytest.raises(ValueError, match="a Ref needs"):
        Ref(platform, ident)


def test_ref_refuses_non_string_ids() -> None:
    with pytest.raises(ValueError, match="non-empty string id"):
        Ref("discord", 123)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["nocolon", "discord:", ":123", ""])
def test_ref_parse_refuses_malformed_text(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - message depends on which part is missing
        Ref.parse(text)


def test_ref_with_colon_in_platform_is_refused_or_round_trips() -> None:
    try:
        ref = Ref("a:b", "c")
    except ValueError:
        return
    assert Ref.parse(str(ref)) == ref


def test_refs_are_frozen_hashable_and_ordered() -> None:
    ref = Ref("local", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.id = "c"  # type: ignore[misc]
    assert {ref, Ref("local", "b")} == {ref}
    assert sorted([Ref("local", "b"), Ref("discord", "z"), Ref("local", "a")]) == [
        Ref("discord", "z"),
        Ref("local", "a"),
        Ref("local", "b"),
    ]


# -- names -----------------------------------------------------------------------------


def test_event_kind_is_snake_case() -> None:
    assert MessageCreated(community=ACME, at=T0, message=MESSAGE).kind == "message_created"
    assert MemberJoined(community=ACME, at=T0, member=ALICE).kind == "member_joined"
    assert Tick(community=ACME, at=T0, timer="t").kind == "tick"
    received = DirectMessageReceived(
        community=ACME, at=T0, author=ALICE, content="hi", message=Ref("local", "d1")
    )
    assert received.kind == "direct_message_received"
    assert Event(community=ACME, at=T0).kind == "event"


def test_action_kind_is_snake_case() -> None:
    assert DeleteMessage(community=ACME, channel=CHANNEL, message=MESSAGE.ref).kind == (
        "delete_message"
    )
    assert SendDirectMessage(community=ACME, member=ALICE.ref, content="hi").kind == (
        "send_direct_message"
    )
    assert SetSlowmode(community=ACME, channel=CHANNEL, seconds=5).kind == "set_slowmode"
    assert Timeout(community=ACME, member=ALICE.ref, duration=timedelta(1)).kind == "timeout"
    assert Action(community=ACME).kind == "action"


# -- frozen values ---------------------------------------------------------------------


def test_events_are_frozen() -> None:
    tick = Tick(community=ACME, at=T0, timer="t")
    with pytest.raises(dataclasses.FrozenInstanceError):
        tick.timer = "other"  # type: ignore[misc]
    created = MessageCreated(community=ACME, at=T0, message=MESSAGE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        created.community = Ref("local", "elsewhere")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        created.message.content = "edited"  # type: ignore[misc]
    assert tick.timer == "t"
    assert created.message.content == "hi"


def test_command_options_default_to_an_empty_read_only_mapping() -> None:
    invoked = CommandInvoked(
        community=ACME, at=T0, name="ping", author=ALICE, channel=CHANNEL, interaction=ACME
    )
    assert dict(invoked.options) == {}
    with pytest.raises(TypeError):
        invoked.options["x"] = 1  # type: ignore[index]


def test_actions_are_frozen() -> None:
    action = Kick(community=ACME, member=ALICE.ref, reason="spam")
    with pytest.raises(dataclasses.FrozenInstanceError):
        action.reason = "other"  # type: ignore[misc]


# -- capabilities ----------------------------------------------------------------------

DELETE = DeleteMessage(community=ACME, channel=CHANNEL, message=MESSAGE.ref)
POST = PostMessage(community=ACME, channel=CHANNEL, content="hello")


def timeout(days: float) -> Timeout:
    return Timeout(community=ACME, member=ALICE.ref, duration=timedelta(days=days))


@pytest.mark.parametrize(
    ("action", "capability"),
    [
        (POST, Capability.POST),
        (DELETE, Capability.DELETE_MEMBER_MESSAGES),
        (
            ReplyEphemeral(
                community=ACME, interaction=ACME, channel=CHANNEL, member=ALICE.ref, content="x"
            ),
            Capability.EPHEMERAL_REPLIES,
        ),
        (
            SendDirectMessage(community=ACME, member=ALICE.ref, content="x"),
            Capability.DIRECT_MESSAGES,
        ),
        (timeout(1), Capability.TIMEOUT),
        (Kick(community=ACME, member=ALICE.ref), Capability.KICK),
        (Ban(community=ACME, member=ALICE.ref), Capability.BAN),
        (Unban(community=ACME, member=ALICE.ref), Capability.BAN),
        (SetSlowmode(community=ACME, channel=CHANNEL, seconds=5), Capability.SLOWMODE),
        (OpenThread(community=ACME, channel=CHANNEL, name="t"), Capability.THREADS),
        (
            EditMessage(community=ACME, channel=CHANNEL, message=Ref("local", "m"), content="x"),
            Capability.POST,
        ),
        (
            DeleteMessages(community=ACME, channel=CHANNEL, messages=(Ref("local", "m"),)),
            Capability.DELETE_MEMBER_MESSAGES,
        ),
        (
            PostPoll(community=ACME, channel=CHANNEL, question="q", answers=("a", "b")),
            Capability.POLLS,
        ),
        (Action(community=ACME), None),
    ],
    ids=lambda value: getattr(value, "kind", str(value)),
)
def test_required_capability(action: Action, capability: Capability | None) -> None:
    assert required_capability(action) == capability


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class QuietTimeout(Timeout):
    """A subclass inherits what its base needs."""


def test_required_capability_follows_the_class_hierarchy() -> None:
    quiet = QuietTimeout(community=ACME, member=ALICE.ref, duration=timedelta(hours=1))
    assert required_capability(quiet) == Capability.TIMEOUT


def test_allows_needs_the_capability() -> None:
    post_only = Capabilities(features=frozenset({Capability.POST}))
    assert post_only.has(Capability.POST)
    assert not post_only.has(Capability.DELETE_MEMBER_MESSAGES)
    assert post_only.allows(POST)
    assert not post_only.allows(DELETE)
    assert not post_only.allows(timeout(1))
    assert post_only.allows(Action(community=ACME))
    own_only = Capabilities(features=frozenset({Capability.DELETE_OWN_MESSAGES}))
    assert not own_only.allows(DELETE)
    assert Capabilities(features=frozenset()).allows(Action(community=ACME))


def test_allows_refuses_timeouts_beyond_the_cap() -> None:
    discord_like = Capabilities(
        features=frozenset({Capability.TIMEOUT}), max_timeout=timedelta(days=28)
    )
    assert discord_like.allows(timeout(28))
    assert discord_like.allows(timeout(0))
    assert not discord_like.allows(timeout(28.0001))
    assert not discord_like.allows(timeout(29))
    no_timeouts = Capabilities(features=frozenset(), max_timeout=timedelta(days=28))
    assert not no_timeouts.allows(timeout(1))
    uncapped = Capabilities(features=frozenset({Capability.TIMEOUT}))
    assert uncapped.allows(timeout(365))


def test_everything_allows_everything() -> None:
    everything = Capabilities.everything()
    assert everything.features == frozenset(Capability)
    assert everything.max_timeout is None
    for action in (POST, DELETE, timeout(3650), Ban(community=ACME, member=ALICE.ref)):
        assert everything.allows(action)


# -- permissions -----------------------------------------------------------------------

INFO = CommunityInfo(key="acme", ref=ACME, name="Acme", moderator_ids=frozenset({"u9"}))


def member(ident: str = "u1", *, roles: set[str] | None = None, owner: bool = False) -> Member:
    return Member(ref=Ref("local", ident), name=ident, roles=frozenset(roles or ()), is_owner=owner)


@pytest.mark.parametrize(
    ("who", "permission"),
    [
        (member(owner=True), Permission.ADMIN),
        (member(roles={"admin"}), Permission.ADMIN),
        (member(roles={"admin", "moderator"}), Permission.ADMIN),
        (member("u9", roles={"admin"}), Permission.ADMIN),
        (member(roles={"moderator"}), Permission.MODERATOR),
        (member(roles={"moderator", "regular"}), Permission.MODERATOR),
        (member("u9"), Permission.MODERATOR),
        (member(), Permission.EVERYONE),
        (member(roles={"regular", "Moderator"}), Permission.EVERYONE),
    ],
)
def test_permission_of(who: Member, permission: Permission) -> None:
    assert INFO.permission_of(who) is permission
    assert INFO.is_staff(who) is (permission >= Permission.MODERATOR)


def test_permission_of_uses_the_configured_roles() -> None:
    custom = CommunityInfo(
        key="acme",
        ref=ACME,
        name="Acme",
        moderator_roles=frozenset({"mods"}),
        admin_roles=frozenset({"staff-leads"}),
    )
    assert custom.permission_of(member(roles={"staff-leads"})) is Permission.ADMIN
    assert custom.permission_of(member(roles={"mods"})) is Permission.MODERATOR
    assert custom.permission_of(member(roles={"admin", "moderator"})) is Permission.EVERYONE


def test_permissions_are_ordered() -> None:
    assert Permission.EVERYONE < Permission.MODERATOR < Permission.ADMIN


def test_shown_name_falls_back_to_the_handle() -> None:
    assert Member(ref=ALICE.ref, name="alice").shown_name == "alice"
    assert Member(ref=ALICE.ref, name="alice", display_name="Alice A.").shown_name == "Alice A."
