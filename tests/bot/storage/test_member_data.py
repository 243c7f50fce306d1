"""The core's share of a member's data: audit log entries about them, cog state kept for them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bot.app import open_storage
from bot.core.clock import VirtualClock
from bot.core.protocols import AuditEntry
from bot.core.refs import Ref
from bot.storage.member_data import ERASED, CoreMemberData

ACME = Ref("discord", "1")
AT = datetime(2026, 3, 2, tzinfo=UTC)


async def test_cog_state_kept_for_a_member_is_theirs_wherever_on_their_platform(
    tmp_path: Path,
) -> None:
    storage = await open_storage(tmp_path / "steward.db", VirtualClock(AT))
    try:
        state = storage.cog_state
        member = Ref("discord", "4_2")
        # A Discord member's language lives in the adapter's own place, not the guild's.
        await state.put(Ref("discord", "member-languages"), "discord-adapter", "language:4_2", "fr")
        await state.put(ACME, "welcome", "gated:4_2", {"until": "x"})
        await state.put(ACME, "welcome", "gated:4x2", {"until": "y"})  # "_" is no wildcard
        await state.put(ACME, "welcome", "gated:14_2", {"until": "z"})
        await state.put(Ref("slack", "T1"), "welcome", "gated:4_2", {"until": "w"})
        # A request routing passed to a team, kept by the message's id.
        await state.put(ACME, "routing", "m9", {"author": "discord:4_2", "text": "buy 200"})
        await state.put(ACME, "routing", "m8", {"author": "discord:7", "text": "buy 3"})
        await state.put(ACME, "routing", "open", ["m9", "m8"])
        for target, reason in ((member, "spamming"), (Ref("discord", "7"), "raid")):
            await storage.audit.record(
                AuditEntry(
                    community=ACME,
                    at=AT,
                    action="timeout",
                    actor="mod",
                    target=str(target),
                    reason=reason,
                )
            )
        holder = CoreMemberData(storage.db)
        shown = await holder.export_member(ACME, member)
        changed = await holder.erase_member(ACME, member)
        after = await holder.export_member(ACME, member)
        others = await storage.audit.recent(ACME)
        left = [
            await state.get(ACME, "welcome", "gated:4x2"),
            await state.get(ACME, "welcome", "gated:14_2"),
            await state.get(Ref("slack", "T1"), "welcome", "gated:4_2"),
            await state.get(ACME, "routing", "m8"),
        ]
    finally:
        await storage.close()
    assert sorted(r["key"] for r in shown["cog_state"]) == ["gated:4_2", "language:4_2", "m9"]
    assert [r["reason"] for r in shown["audit_log"]] == ["spamming"]
    assert changed == {"audit_log": 1, "cog_state": 3}
    assert after["cog_state"] == []
    assert [(e.target, e.reason) for e in others] == [
        ("discord:7", "raid"),
        ("discord:4_2", ERASED),
    ]
    assert left == [
        {"until": "y"},
        {"until": "z"},
        {"until": "w"},
        {"author": "discord:7", "text": "buy 3"},
    ]
