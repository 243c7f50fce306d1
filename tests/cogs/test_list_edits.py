"""``/policy words``: moderators edit a rule's words and domains from chat, file unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.registry import CogRegistry
from tests.cogs.test_review_commands import moderated

SCAM = "claim your free lamp at https://lumen-giveaway.xyz/claim now"


async def test_a_word_added_in_chat_catches_at_once_and_after_a_restart(
    registry: CogRegistry, tmp_path: Path
) -> None:
    database = tmp_path / "steward.db"
    async with moderated(registry, database) as bot:
        before = await bot.command("mod1", "policy words", rule="insults")
        await bot.say("alice", "you absolute lampbreaker", "m1")  # not yet a listed word
        added = await bot.command("mod1", "policy words", rule="insults", add="Lampbreaker*")
        again = await bot.command("mod1", "policy words", rule="insults", add="lampbreaker*")
        await bot.say("alice", "you absolute lampbreakers", "m2")
        staff = [p["content"] for p in bot.of("post_message") if p["content"].startswith("mod1 ")]
        deleted = [d["message"] for d in bot.of("delete_message")]
    async with moderated(registry, database) as bot:
        await bot.say("bob", "quel lampbreaker", "m3")  # every language's lists judge
        listed = await bot.command("mod1", "policy words", rule="insults")
        english = await bot.command("mod1", "policy words", rule="insults", which="en")
        shown = await bot.command("mod1", "policy show", rule="insults")
        deleted_later = [d["message"] for d in bot.of("delete_message")]
    assert before.splitlines() == [
        "insults: lists moderators can edit: en (9), fr (6), nl (6), da (5), pl (8), ja (4). "
        "/policy words insults with a list named in which shows it."
    ]
    assert added.splitlines()[0] == (
        "Added `Lampbreaker*` to the en list of rule insults. In force now and after restarts; the "
        "policy file is unchanged (/policy words insults lists the edits, /policy replay "
        "insults tries the rule on this channel)."
    )
    assert again == "Already on the en list of rule insults: `lampbreaker*`."
    assert staff == ["mod1 added `Lampbreaker*` to the en list of rule insults."]
    assert deleted == ["m2"]
    assert deleted_later == ["m3"]
    assert listed.splitlines()[0].startswith("insults: lists moderators can edit: en (10),")
    assert listed.splitlines()[1:] == [
        "Edited here, not in the policy file:",
        "+ `Lampbreaker*` added to en by mod1 on 2026-03-02",
    ]
    assert "Its lists as edited in chat (1 edit(s); /policy words insults says which)." in (
        shown.splitlines()
    )
    assert "`scumbag*`, `Lampbreaker*`" in shown, "its settings show the word"
    assert english.startswith("insults, list en (10): `idiot*`, `moron*`,")
    assert english.endswith(", `scumbag*`, `Lampbreaker*`")


async def test_a_word_taken_out_stops_matching_and_putting_it_back_undoes_the_edit(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with moderated(registry, tmp_path / "steward.db") as bot:
        removed = await bot.command("mod1", "policy words", rule="insults", remove="LOSER*")
        await bot.say("alice", "what a loser take", "m1")
        listed = await bot.command("mod1", "policy words", rule="insults")
        back = await bot.command("mod1", "policy words", rule="insults", add="loser*")
        await bot.say("alice", "what a loser take, again", "m2")
        listed_again = await bot.command("mod1", "policy words", rule="insults")
        deleted = [d["message"] for d in bot.of("delete_message")]
    assert removed.splitlines()[0].startswith("Took `LOSER*` out of the en list of rule insults.")
    # The policy's own examples say what this gives up.
    assert removed.splitlines()[1] == (
        "Note: the policy's examples of a match that insults now misses: “p a t h e t i c losers”."
    )
    assert "- `LOSER*` taken out of en by mod1 on 2026-03-02" in listed.splitlines()
    assert back.startswith("Added `loser*` to the en list of rule insults.")
    assert "Edited here" not in listed_again, "the list is as the policy file has it again"
    assert deleted == ["m2"]


async def test_an_entry_that_would_catch_what_the_policy_calls_fine_is_refused(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with moderated(registry, tmp_path / "steward.db") as bot:
        refused = await bot.command("mod1", "policy words", rule="insults", add="idiomatic, ok1")
        empty = await bot.command("mod1", "policy words", rule="insults", add="!!!")
        no_lists = await bot.command("mod1", "policy words", rule="caps", add="lamp")
        unknown = await bot.command("mod1", "policy words", rule="nope", add="lamp")
        listed = await bot.command("mod1", "policy words", rule="insults")
    assert refused == (
        "Nothing changed: insults would then match “idiomatic French”, which the policy "
        "gives as fine"
    )
    assert empty == (
        "Nothing changed: rule insults: entry '!!!' has no letters or digits once normalized"
    )
    assert no_lists == (
        "caps (caps) has no list moderators can edit; its policy file sets what it matches"
    )
    assert unknown == "no rule 'nope'; try /policy show"
    assert "Edited here" not in listed


async def test_a_scam_domain_is_denied_from_chat(registry: CogRegistry, tmp_path: Path) -> None:
    async with moderated(registry, tmp_path / "steward.db") as bot:
        await bot.say("alice", SCAM, "m1")
        denied = await bot.command(
            "mod1", "policy words", rule="spam-links", add="https://lumen-giveaway.xyz"
        )
        await bot.say("alice", SCAM, "m2")
        not_a_domain = await bot.command(
            "mod1", "policy words", rule="spam-links", add="free lamps"
        )
        no_such_list = await bot.command(
            "mod1", "policy words", rule="spam-links", add="x.example", which="maybe"
        )
        deleted = [d["message"] for d in bot.of("delete_message")]
    assert denied.startswith(
        "Added `https://lumen-giveaway.xyz` to the deny list of rule spam-links. In force now"
    )
    assert deleted == ["m2"]
    assert (
        not_a_domain == "Nothing changed: rule spam-links: deny: 'free lamps' is not a domain name"
    )
    assert no_such_list == (
        "rule spam-links has no list 'maybe' moderators can edit (its lists: deny, allow, "
        "allowed_invites)"
    )


async def test_edits_outlast_a_reload_and_wait_while_the_file_lacks_their_rule(
    registry: CogRegistry, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.toml"
    with_rule = (
        '[policy]\nname = "acme"\nextends = "default"\n'
        '[[rules]]\nid = "lamp-words"\ntype = "keywords"\nactions = ["delete"]\n'
        '[rules.params.words]\nen = ["lampbreaker"]\n'
        # An example the file gets wrong already does not stand in the way of edits.
        '[rules.examples]\nno_match = ["you lampbreaker"]\n'
    )
    policy.write_text(with_rule)
    async with moderated(registry, tmp_path / "steward.db", policy) as bot:
        await bot.command("mod1", "policy words", rule="lamp-words", add="dimmerhater")
        policy.write_text('[policy]\nname = "acme"\nextends = "default"\n')
        without = await bot.command("owner", "policy reload")
        await bot.say("alice", "you dimmerhater", "m1")
        policy.write_text(with_rule)
        back = await bot.command("owner", "policy reload")
        await bot.say("alice", "you dimmerhater", "m2")
        # Copied into the file, the edit is the file's from then on.
        policy.write_text(with_rule.replace('["lampbreaker"]', '["lampbreaker", "dimmerhater"]'))
        caught_up = await bot.command("owner", "policy reload")
        listed = await bot.command("mod1", "policy words", rule="lamp-words")
        policy.write_text(with_rule)
        await bot.command("owner", "policy reload")
        await bot.say("alice", "you dimmerhater", "m3")
        deleted = [d["message"] for d in bot.of("delete_message")]
    assert without.splitlines()[1:] == [
        "rule lamp-words: no longer in the policy; its list edits wait"
    ]
    assert back.splitlines() == [back.splitlines()[0]], "nothing left out"
    assert caught_up.splitlines()[1:] == [
        "rule lamp-words: 'dimmerhater' is in the policy file's words.en list now; the chat "
        "edit is dropped"
    ]
    assert "Edited here" not in listed
    assert deleted == ["m2"], "taken out of the file, the word is out"


async def test_two_moderators_editing_at_once_both_count(
    registry: CogRegistry, tmp_path: Path
) -> None:
    async with moderated(registry, tmp_path / "steward.db", workers=2) as bot:
        driver = bot.session.driver
        await asyncio.gather(
            driver.command(
                "mod1", "general", "policy words", {"rule": "insults", "add": "lampwrecker"}
            ),
            driver.command(
                "owner", "general", "policy words", {"rule": "insults", "add": "dimmerhater"}
            ),
        )
        await bot.session.app.bus.join()
        await bot.say("alice", "you lampwrecker", "m1")
        await bot.say("alice", "you dimmerhater", "m2")
        deleted = sorted(d["message"] for d in bot.of("delete_message"))
    assert deleted == ["m1", "m2"]
