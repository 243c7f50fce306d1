"""One source, two dialects: Discord-style markdown rendered as Slack mrkdwn and Block Kit."""

from __future__ import annotations

from bot.adapters.slack.render import (
    TEXT_LIMIT,
    action_id,
    blocks,
    edited,
    mrkdwn,
    posts,
    target_of,
)
from bot.core.actions import Button, ButtonStyle
from bot.core.quoting import quoted
from moderation.notices import Notices


def test_emphasis_links_and_strikes_change_dialect() -> None:
    assert mrkdwn("**bold** and *italic* and ~~gone~~") == "*bold* and _italic_ and ~gone~"
    assert (
        mrkdwn("see [the rules](https://acme.test/rules)")
        == "see <https://acme.test/rules|the rules>"
    )
    assert mrkdwn("# Heading\n__under__") == "*Heading*\nunder"


def test_reserved_characters_are_escaped_but_links_still_work() -> None:
    assert mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert mrkdwn("[x<y](https://a.test/?q=1&r=2)") == "<https://a.test/?q=1&r=2|x&lt;y>"
    assert mrkdwn("<@U1> is not a mention here") == "&lt;@U1&gt; is not a mention here"


def test_code_keeps_its_content() -> None:
    assert mrkdwn("run `**not bold**` now") == "run `**not bold**` now"
    assert mrkdwn("```\na < b\n```") == "```\na &lt; b\n```"


def test_channel_ids_become_channel_links() -> None:
    assert mrkdwn("Your message in #CGENERAL1 was removed.") == (
        "Your message in <#CGENERAL1> was removed."
    )
    assert mrkdwn("#general stays text") == "#general stays text"


def test_a_notice_renders_from_the_same_template_as_on_discord() -> None:
    source = Notices().render("held_public", "en", {"case": "#4"})
    assert mrkdwn(source) == source, "plain notices need no change"


def test_buttons_become_an_actions_block_that_carries_target_and_choice() -> None:
    buttons = (
        Button(target="review:42", choice="remove", label="Remove", style=ButtonStyle.DANGER),
        Button(target="review:42", choice="keep", label="Keep", style=ButtonStyle.SUCCESS),
        Button(target="review:42", choice="later", label="Later"),
    )
    section, actions = blocks("**Review** case #42", buttons)
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "*Review* case #42"}}
    assert actions["type"] == "actions"
    elements = actions["elements"]
    assert [e["action_id"] for e in elements] == [
        "review:42#remove",
        "review:42#keep",
        "review:42#later",
    ]
    assert [e.get("style") for e in elements] == ["danger", "primary", None]
    assert [e["value"] for e in elements] == ["remove", "keep", "later"]
    assert {target_of(action_id(b)) for b in buttons} == {"review:42"}


def test_long_text_is_split_into_sections_slack_accepts() -> None:
    sections = blocks("x" * 7000)
    assert [len(s["text"]["text"]) for s in sections] == [3000, 3000, 1000]
    # Where it can, a section ends at a line, so no line is cut in two.
    lines = "\n".join(f"line {n} of a long transcript" for n in range(300))
    texts = [s["text"]["text"] for s in blocks(lines)]
    assert all(len(text) <= 3000 for text in texts) and len(texts) > 1
    assert "\n".join(texts) == lines


def test_a_post_longer_than_slack_keeps_is_several_messages_with_the_buttons_on_the_last() -> None:
    button = Button(target="review:7", choice="keep", label="Keep")
    paragraphs = [f"{n:05d} " + "word " * 2_000 for n in range(6)]  # 6 x 10,006 characters
    sent = posts("\n\n".join(paragraphs), (button,))
    assert [len(text) for text, _ in sent] == [30_022, 30_022]
    assert [rendered is None for _, rendered in sent] == [True, False]
    _, last_blocks = sent[-1]
    assert last_blocks is not None and last_blocks[-1]["type"] == "actions"
    assert all(len(block["text"]["text"]) <= 3000 for block in last_blocks[:-1])
    assert "\n\n".join(text for text, _ in sent) == mrkdwn("\n\n".join(paragraphs))
    assert posts("short", ()) == [("short", None)]


def test_an_edit_longer_than_slack_keeps_ends_in_an_ellipsis() -> None:
    text, rendered = edited("a & b " * 10_000)
    assert len(text) <= TEXT_LIMIT and text.endswith(" b…")
    assert mrkdwn("a & b " * 10_000).startswith(text.removesuffix("…"))
    assert len(rendered) == 14 and all(len(b["text"]["text"]) <= 3000 for b in rendered)


def test_a_quoted_masked_link_shows_as_typed_and_a_templates_link_stays_a_link() -> None:
    member_said = quoted("claim [free nitro](https://phish.example/x)")
    assert mrkdwn(f"**bob:** {member_said}") == (
        "*bob:* claim [free nitro](https://phish.example/x)"
    )
    assert mrkdwn("read [the rules](https://brand.example/rules)") == (
        "read <https://brand.example/rules|the rules>"
    )


def test_only_the_named_mentions_stay_live() -> None:
    text = "<!subteam^S0ONCALL> **item 3**: bob wrote <!channel> & <@U0BOB>"
    assert mrkdwn(text, ("<!subteam^S0ONCALL>",)) == (
        "<!subteam^S0ONCALL> *item 3*: bob wrote &lt;!channel&gt; &amp; &lt;@U0BOB&gt;"
    )
