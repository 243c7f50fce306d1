"""The names staff go by, read back from the cases after a restart (a real SQLite file)."""

from __future__ import annotations

from bot.core.models import Member
from bot.core.refs import Ref
from cogs._staff_names import KEPT, StaffNames
from moderation.cases import NewCase
from tests.moderation.conftest import COMMUNITY, START, Rig


async def test_moderators_of_the_latest_cases_are_known_at_load_then_who_is_seen(rig: Rig) -> None:
    for actor, moderator in (("local:mona", "mona"), ("bot", ""), ("local:12345", "")):
        evidence = {"moderator": moderator} if moderator else {}
        await rig.store.cases.open(
            NewCase(
                community=COMMUNITY.ref, member=Ref("local", "bob"), actor=actor, evidence=evidence
            ),
            START,
        )
    await rig.reopen()
    staff = StaffNames(rig.store.cases, COMMUNITY.ref)
    await staff.read_back()
    # Steward's own cases name no one; a bare id is no name anyone goes by.
    assert staff.names() == ["mona"]
    staff.saw(Member(ref=Ref("local", "pieter"), name="pieter", display_name="Pieter (mod)"))
    assert staff.names() == ["mona", "pieter", "Pieter (mod)"]
    for number in range(KEPT):
        staff.saw(Member(ref=Ref("local", f"m{number}"), name=f"m{number}"))
    assert len(staff.names()) == KEPT and "mona" not in staff.names()
