"""The emoji prefilter never skips a text that holds an emoji the emoji package knows."""

from __future__ import annotations

import emoji
from hypothesis import given
from hypothesis import strategies as st

from policies._emoji import _MAYBE_EMOJI, emoji_count, emoji_upper_bound


def test_the_prefilter_lets_every_known_emoji_through() -> None:
    missed = [e for e in emoji.EMOJI_DATA if _MAYBE_EMOJI.search(e) is None]
    assert missed == []


def test_text_without_emoji_counts_zero_and_cjk_punctuation_is_not_emoji() -> None:
    assert emoji_count("おはようございます、今日も。") == 0
    assert emoji_count("lol 😂😂 :tada: <:lumen:123>") == 4


@given(
    st.lists(
        st.sampled_from([*list(emoji.EMOJI_DATA)[:400], "a", " ", ":tada:", "<:x:1>", "é", "。"]),
        max_size=40,
    )
)
def test_the_upper_bound_is_never_below_the_count(parts: list[str]) -> None:
    text = "".join(parts)
    assert emoji_upper_bound(text) >= emoji_count(text)
