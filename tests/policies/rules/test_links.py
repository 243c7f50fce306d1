"""The links rule: extraction, domain comparison, every kind of finding, hostile input."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policies import _urls
from policies._urls import DomainSet, canonical_host, find_links, find_masked, normalize_entry
from policies.rule import RULE_TYPES, RuleLoadError
from policies.rules.links import DEFAULT_SHORTENERS, LinksParams, LinksRule, invite_codes
from policies.verdict import Hit
from tests.policies.rules._support import CTX, NOW, member, subject


def links_rule(**params: Any) -> LinksRule:
    return LinksRule("links-1", LinksParams(**params))


def judge(text: str, **params: Any) -> Hit | None:
    return links_rule(**params).evaluate(subject(text), CTX)


def kind_of(text: str, **params: Any) -> str | None:
    hit = judge(text, **params)
    return None if hit is None else str(hit.evidence["kind"])


# --- registration and parameters -------------------------------------------------------


def test_registered_under_its_name() -> None:
    assert RULE_TYPES["links"] is LinksRule
    assert LinksRule.type_name == "links"
    assert LinksRule.Params is LinksParams


def test_defaults() -> None:
    p = LinksParams()
    assert (p.allow, p.deny, p.allowed_invites, p.shorteners) == ([], [], [], None)
    assert p.block_invites and p.block_shorteners and p.block_masked
    assert not p.masked_any and not p.only_unknown and p.new_member_hours == 0


def test_unknown_parameter_is_an_error() -> None:
    with pytest.raises(ValidationError, match="denny"):
        LinksParams.model_validate({"denny": ["evil.com"]})


def test_negative_hours_are_an_error() -> None:
    with pytest.raises(ValidationError):
        LinksParams(new_member_hours=-1)


@pytest.mark.parametrize("key", ["allow", "deny", "shorteners"])
def test_an_entry_that_is_no_domain_names_its_key(key: str) -> None:
    with pytest.raises(RuleLoadError, match="not a domain") as caught:
        links_rule(**{key: ["fine.com", "not a domain"]})
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("entry", "canonical"),
    [
        ("Evil.COM", "evil.com"),
        ("*.evil.com", "evil.com"),
        (".evil.com.", "evil.com"),
        ("https://evil.com/path?q=1", "evil.com"),
        ("user@evil.com", "evil.com"),
        ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
        ("XN--E1AFMKFD.XN--P1AI", "xn--e1afmkfd.xn--p1ai"),
        ("zip", "zip"),
    ],
)
def test_entries_are_normalized(entry: str, canonical: str) -> None:
    assert normalize_entry(entry) == canonical


@pytest.mark.parametrize("entry", ["", "  ", "*.", "https://", "a b.com", "x" * 300 + ".com"])
def test_bad_entries_are_refused(entry: str) -> None:
    assert normalize_entry(entry) is None


# --- extraction -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("see https://example.com/a.", ["https://example.com/a"]),
        ("see https://example.com/a?b=c#d!", ["https://example.com/a?b=c#d"]),
        ("<https://example.com/no-embed>", ["https://example.com/no-embed"]),
        ("(see www.example.org/path)", ["www.example.org/path"]),
        ("go to example.com, then", ["example.com"]),
        ("example.com/path and more", ["example.com/path"]),
        ("discord.gg/abc!", ["discord.gg/abc"]),
        ("**https://x.com/a**", ["https://x.com/a"]),
        ("||https://x.com/a||", ["https://x.com/a"]),
        ('"https://x.com/a"', ["https://x.com/a"]),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", ["https://en.wikipedia.org/wiki/Foo_(bar)"]),
        ("[text](https://evil.com/x)", ["https://evil.com/x"]),
        ("HTTPS://EXAMPLE.COM", ["HTTPS://EXAMPLE.COM"]),
        ("http://localhost:8080/x", ["http://localhost:8080/x"]),
        ("http://192.168.0.1/admin", ["http://192.168.0.1/admin"]),
        ("http://[::1]:8080/", ["http://[::1]:8080/"]),
        ("Website:acme.com", ["acme.com"]),
        ("well...scam.com", ["scam.com"]),
        ("example.com:8080/x", ["example.com:8080/x"]),
        ("two: a.com and https://b.org", ["a.com", "https://b.org"]),
        ("sub.domain.example.co.uk", ["sub.domain.example.co.uk"]),
        ("münchen.de/karte", ["münchen.de/karte"]),
        ("hello.world", ["hello.world"]),
        ("Clickhttps://evil.com/x", ["https://evil.com/x"]),
        ("詳しくはhttps://example.com/をご覧ください", ["https://example.com/をご覧ください"]),
        ("詳しくはexample.comをご覧ください", ["example.com"]),
        ("ดูที่evil.comนะ", ["evil.com"]),
    ],
)
def test_links_are_found_and_trimmed(text: str, found: list[str]) -> None:
    assert [link.text for link in find_links(text)] == found


@pytest.mark.parametrize(
    ("text", "host", "domain"),
    [
        ("https://cdn.evil.co.uk/x", "cdn.evil.co.uk", "evil.co.uk"),
        ("https://google.com@evil.com/login", "evil.com", "evil.com"),
        ("https://google.com/@evil.com", "google.com", "google.com"),
        ("https:\\\\evil.com\\path", "evil.com", "evil.com"),
        ("https://%65vil.com/", "evil.com", "evil.com"),
        ("http:///evil.com/x", "evil.com", "evil.com"),
        ("https:/evil.com/x", "evil.com", "evil.com"),
        ("https://EVIL.com./x", "evil.com", "evil.com"),
        ("https://ｅｖｉｌ．ｃｏｍ/x", "evil.com", "evil.com"),
        ("https://evil。com/x", "evil.com", "evil.com"),
        ("https://münchen.de", "xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ("https://xn--mnchen-3ya.de", "xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ("https://☃.net", "xn--n3h.net", "xn--n3h.net"),
        ("https://a.b.blogspot.com", "a.b.blogspot.com", "blogspot.com"),
        ("http://10.0.0.1:80", "10.0.0.1", "10.0.0.1"),
        ("http://[::1]/x", "[::1]", "[::1]"),
        ("https://docs.lumen.example/a", "docs.lumen.example", "lumen.example"),
        ("http://localhost:3000", "localhost", "localhost"),
    ],
)
def test_hosts_and_registrable_domains(text: str, host: str, domain: str) -> None:
    [link] = find_links(text)
    assert (link.host, link.domain) == (host, domain)


@pytest.mark.parametrize(
    "text",
    [
        "http://",
        "https://",
        "http://[::1",
        "https://:80/x",
        "https://user@/x",
        "javascript:alert(document.cookie)",
        "https://" + "a" * 5000 + ".com/x",
        "a" * 5000 + ".com",
        "https://" + ".".join(["a"] * 200) + ".com",
        "https://a..com",
        "mailto:",
        "https://.com",
    ],
)
def test_malformed_urls_are_no_links(text: str) -> None:
    assert find_links(text) == []


def test_underscores_make_bare_names_text_but_not_urls() -> None:
    assert find_links("my_site.com and snake_case.org/x") == []
    assert [link.host for link in find_links("https://my_host.example.com")] == [
        "my_host.example.com"
    ]


def test_names_run_into_latin_words_are_not_cut() -> None:
    assert [link.host for link in find_links("münchen.de")] == ["xn--mnchen-3ya.de"]
    assert find_links("Straßenbahn.Fahrplan") == []


def test_a_space_ends_a_url() -> None:
    assert [(link.text, link.host) for link in find_links("https://exa mple.com")] == [
        ("https://exa", "exa"),
        ("mple.com", "mple.com"),
    ]


def test_emails_and_handles_are_weak() -> None:
    links = find_links("write to first.last@evil.co.uk or @alice.bsky.social")
    assert [(link.text, link.email, link.weak) for link in links] == [
        ("evil.co.uk", True, True),
        ("alice.bsky.social", True, True),
    ]


@pytest.mark.parametrize("text", ["setup.py", "notes.zip", "readme.md", "It.Works", "great.Love"])
def test_file_names_and_missing_spaces_are_weak(text: str) -> None:
    [link] = find_links(text)
    assert link.weak


@pytest.mark.parametrize(
    "text", ["https://setup.py", "www.setup.py", "notes.zip/x", "a.notes.zip", "it.works"]
)
def test_the_same_names_with_more_are_strong(text: str) -> None:
    [link] = find_links(text)
    assert not link.weak


def test_lenient_mode_makes_weak_names_strong() -> None:
    [link] = find_links("Setup.Py", lenient=True)
    assert (link.host, link.weak) == ("setup.py", False)


def test_punycode_and_unicode_hosts_are_equal() -> None:
    unicode_form = canonical_host("пример.рф")
    assert unicode_form == canonical_host("xn--e1afmkfd.xn--p1ai")
    assert unicode_form == canonical_host("ПРИМЕР.РФ")
    assert canonical_host("faß.de") == "xn--fa-hia.de"  # IDNA 2008: ß is kept
    assert canonical_host("😀.com") == canonical_host("xn--e28h.com")


def test_domain_sets_match_subdomains_only_at_dots() -> None:
    domains = DomainSet(["evil.com", "zip"])
    assert domains.find("evil.com") == "evil.com"
    assert domains.find("a.b.evil.com") == "evil.com"
    assert domains.find("notevil.com") is None
    assert domains.find("evil.com.au") is None
    assert domains.find("file.zip") == "zip"
    assert "cdn.evil.com" in domains
    assert not DomainSet([])


def test_masked_links_are_found() -> None:
    masked = find_masked(
        "[paypal.com](https://evil.com/login) <https://evil.org|Steam> [x](<https://a.com>)"
    )
    assert [(m.label, m.target.host) for m in masked] == [
        ("paypal.com", "evil.com"),
        ("Steam", "evil.org"),
        ("x", "a.com"),
    ]


def test_the_extractor_is_offline_and_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the links rule must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    _urls.extractor.cache_clear()
    _urls._site.cache_clear()
    built = _urls.extractor()
    assert built.suffix_list_urls == ()
    assert _urls.registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert _urls.extractor() is built


# --- kinds of findings ------------------------------------------------------------------


def test_no_links_no_hit() -> None:
    assert judge("", only_unknown=True) is None
    assert judge("just words here", only_unknown=True) is None


def test_ordinary_links_pass_by_default() -> None:
    assert judge("docs at https://docs.python.org/3/ and example.com") is None


def test_denied_domain_and_its_subdomains() -> None:
    hit = judge("grab it at https://cdn.evil.com/free and evil.com", deny=["evil.com"])
    assert hit is not None
    assert hit.matched == ("https://cdn.evil.com/free", "evil.com")
    assert hit.evidence["kind"] == "denied"
    assert hit.evidence["domains"] == ["evil.com"]
    assert "blocked site (evil.com)" in hit.reason
    assert judge("https://notevil.com/x", deny=["evil.com"]) is None


def test_a_denied_suffix_denies_everything_under_it() -> None:
    assert kind_of("download https://update.zip/now", deny=["zip"]) == "denied"


def test_allow_beats_deny() -> None:
    params: dict[str, Any] = {"allow": ["docs.evil.com"], "deny": ["evil.com"]}
    assert judge("https://docs.evil.com/guide", **params) is None
    assert kind_of("https://cdn.evil.com/guide", **params) == "denied"
    assert judge("https://evil.com", allow=["evil.com"], deny=["evil.com"]) is None


def test_a_denied_domain_in_an_email_address_is_flagged() -> None:
    assert kind_of("mail support@help.evil.com now", deny=["evil.com"]) == "denied"
    assert judge("mail support@example.com now", only_unknown=True) is None
    assert judge("mail support@example.com now", new_member_hours=24) is None


def test_a_denied_file_like_name_is_still_flagged() -> None:
    assert kind_of("open evil.zip", deny=["evil.zip"]) == "denied"
    assert judge("open notes.zip", only_unknown=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "join discord.gg/abcdef",
        "join https://discord.gg/abcdef",
        "join https://discord.gg/invite/abcdef",
        "join https://discord.com/invite/abcdef",
        "join https://discordapp.com/invite/abcdef",
        "join https://ptb.discord.com/invite/abcdef",
        "join <https://discord.gg/abcdef>",
        "join https://join.slack.com/t/other/shared_invite/zt-1abc",
        "join https://other.slack.com/join/shared_invite/zt-1abc",
    ],
)
def test_invites_are_flagged(text: str) -> None:
    assert kind_of(text) == "invite"
    assert judge(text, block_invites=False) is None


@pytest.mark.parametrize(
    "text",
    [
        "https://discord.com/channels/1/2/3",
        "https://discord.gg",
        "https://discord.com/invite/",
        "https://join.slack.com/",
        "https://acme.slack.com/archives/C1",
        "discord.com/invite",
    ],
)
def test_other_platform_links_are_no_invites(text: str) -> None:
    assert judge(text) is None


def test_allowed_invite_codes_pass_regardless_of_case() -> None:
    params: dict[str, Any] = {"allowed_invites": ["AcmeHQ", "acme"], "only_unknown": True}
    assert judge("https://discord.gg/acmehq", **params) is None
    assert judge("https://discord.com/invite/AcmeHQ", **params) is None
    assert judge("https://join.slack.com/t/acme/shared_invite/zt-9", **params) is None
    assert kind_of("https://discord.gg/acmehq2", **params) == "invite"


def test_allowed_invites_may_be_whole_links() -> None:
    params: dict[str, Any] = {"allowed_invites": ["https://discord.gg/AcmeHQ/"]}
    assert judge("discord.gg/acmehq", **params) is None
    assert kind_of("discord.gg/other", **params) == "invite"


def test_allow_does_not_exempt_invites() -> None:
    assert kind_of("https://discord.gg/other", allow=["discord.gg", "discord.com"]) == "invite"
    assert judge("https://discord.com/channels/1/2", allow=["discord.com"]) is None


def test_invite_codes() -> None:
    [slack] = find_links("https://join.slack.com/t/acme/shared_invite/zt-9?x=1")
    assert invite_codes(slack) == ("acme", "zt-9")
    [discord] = find_links("discord.gg/Abc?event=1")
    assert invite_codes(discord) == ("Abc",)


@pytest.mark.parametrize("text", ["https://bit.ly/3xYz", "bit.ly/3xYz", "see t.co/abc", "is.gd/x"])
def test_shorteners_are_flagged(text: str) -> None:
    hit = judge(text)
    assert hit is not None
    assert hit.evidence["kind"] == "shortener"
    assert "shortener" in hit.reason
    assert judge(text, block_shorteners=False) is None


def test_a_shortener_home_page_is_no_short_link() -> None:
    assert judge("https://bit.ly and bit.ly") is None


def test_shortener_list_can_be_replaced() -> None:
    assert judge("https://bit.ly/x", shorteners=["go.acme.com"]) is None
    assert kind_of("https://go.acme.com/x", shorteners=["go.acme.com"]) == "shortener"
    assert "bit.ly" in DEFAULT_SHORTENERS
    assert "tinyurl.com" in DEFAULT_SHORTENERS


def test_allowed_shortener_passes() -> None:
    assert judge("https://bit.ly/x", allow=["bit.ly"]) is None


@pytest.mark.parametrize(
    "text",
    [
        "[paypal.com](https://evil.com/login)",
        "[https://paypal.com/login](https://evil.com/login)",
        "[www.paypal.com](<https://paypal.com.evil.io>)",
        "<https://evil.com/login|paypal.com>",
        "[Steam.Com](https://evil.com)",
    ],
)
def test_masked_links_showing_another_domain(text: str) -> None:
    hit = judge(text)
    assert hit is not None
    assert hit.evidence["kind"] == "masked"
    assert hit.matched == (text,)
    assert judge(text, block_masked=False) is None


@pytest.mark.parametrize(
    "text",
    [
        "[docs.example.com](https://example.com/docs)",
        "[https://example.com](https://www.example.com/a)",
        "[click here](https://example.com)",
        "<https://example.com|the docs>",
    ],
)
def test_masked_links_that_are_honest_pass(text: str) -> None:
    assert judge(text) is None


def test_masked_any_flags_every_masked_link() -> None:
    assert kind_of("[click here](https://example.com)", masked_any=True) == "masked"


def test_an_allowed_target_may_be_masked() -> None:
    assert judge("[paypal.com](https://acme.com)", allow=["acme.com"]) is None


def test_new_members_links_are_flagged() -> None:
    rule = links_rule(new_member_hours=24, allow=["acme.com"])
    text = "check https://example.com/x"
    hit = rule.evaluate(subject(text, author=member(joined_hours_ago=2)), CTX)
    assert hit is not None
    assert hit.evidence["kind"] == "new_member"
    assert hit.evidence["joined_hours_ago"] == 2.0
    assert "within 24 hours of joining" in hit.reason
    assert rule.evaluate(subject(text, author=member(joined_hours_ago=25)), CTX) is None
    assert rule.evaluate(subject(text, author=member(joined_hours_ago=None)), CTX) is None
    allowed = subject("https://acme.com/docs", author=member(joined_hours_ago=2))
    assert rule.evaluate(allowed, CTX) is None


def test_new_member_check_tolerates_naive_join_times() -> None:
    rule = links_rule(new_member_hours=24)
    naive = member(joined_at=NOW.replace(tzinfo=None))
    hit = rule.evaluate(subject("https://example.com", author=naive), CTX)
    assert hit is not None
    assert hit.evidence["kind"] == "new_member"


def test_only_unknown_flags_everything_not_allowed() -> None:
    params: dict[str, Any] = {"only_unknown": True, "allow": ["acme.com"]}
    hit = judge("https://shop.acme.com and https://example.com/x and other.org", **params)
    assert hit is not None
    assert hit.evidence["kind"] == "unknown"
    assert hit.matched == ("https://example.com/x", "other.org")
    assert hit.evidence["domains"] == ["example.com", "other.org"]
    assert judge("https://shop.acme.com/x", **params) is None


def test_the_most_serious_kind_comes_first() -> None:
    text = (
        "https://example.com/a [paypal.com](https://pay.example.net) "
        "https://bit.ly/x discord.gg/foo https://cdn.evil.com/y"
    )
    hit = judge(text, deny=["evil.com"], only_unknown=True)
    assert hit is not None
    assert hit.evidence["kind"] == "denied"
    assert hit.evidence["kinds"] == ["denied", "invite", "shortener", "masked", "unknown"]
    assert hit.matched[:3] == ("https://cdn.evil.com/y", "discord.gg/foo", "https://bit.ly/x")
    assert hit.evidence["domains"][0] == "evil.com"


def test_listed_findings_are_capped() -> None:
    text = " ".join(f"https://site{i}.example.com/x" for i in range(50))
    hit = judge(text, only_unknown=True)
    assert hit is not None
    assert len(hit.matched) == 20


# --- internationalized names ----------------------------------------------------------


@pytest.mark.parametrize(
    ("deny", "text"),
    [
        ("пример.рф", "https://xn--e1afmkfd.xn--p1ai/page"),
        ("xn--e1afmkfd.xn--p1ai", "https://пример.рф/page"),
        ("xn--e1afmkfd.xn--p1ai", "пример.рф/page"),
        ("münchen.de", "https://www.xn--mnchen-3ya.de"),
        ("xn--mnchen-3ya.de", "MÜNCHEN.DE/x"),
        ("xn--80ak6aa92e.com", "https://аррӏе.com"),
    ],
)
def test_punycode_and_unicode_forms_of_a_domain_are_equal(deny: str, text: str) -> None:
    assert kind_of(text, deny=[deny]) == "denied"


def test_fullwidth_and_invisible_tricks_are_seen_through_the_folded_text() -> None:
    assert kind_of("get nitro at ｅｖｉｌ．ｃｏｍ/gift", deny=["evil.com"]) == "denied"
    assert kind_of("get nitro at ev\u200bil.com/gift", deny=["evil.com"]) == "denied"


def test_an_allowed_invite_is_not_refound_in_the_folded_text() -> None:
    text = "our server: discord.gg/AcmeHQ — bienvenue"
    assert judge(text, allowed_invites=["AcmeHQ"]) is None


# --- ordinary text ----------------------------------------------------------------------

BENIGN = [
    "e.g. this one, i.e. that one",
    "Upgrade to v1.2.3 or 2.0.0-rc.1 please",
    "I saved it as file.txt and notes.docx",
    "It costs 3.5 dollars, or $3.99 on sale",
    "Mr.Smith and Dr.Jones said hi",
    "Run main.py, then setup.py, then read readme.md",
    "The archive is backup.zip and the clip is intro.mov",
    "Meeting at 10.30 a.m. on 14.03.2025",
    "Wait...what? No.1 fan here",
    "Ph.D. students in the U.S.A. etc.",
    "node.js and Vue.js and config.yaml and photo.jpg",
    "It works.Great job everyone",
    "This is great.Love it",
    "This is great.Love it 😍 really",
    "Привет.Как дела? Всё хорошо.",
    "こんにちは。世界。ありがとう。",
    "谢谢。中国很大。",
    "Ça va.Très bien, merci.",
    "مرحبا.كيف حالك؟",
    "नमस्ते। आप कैसे हैं?",
    "Der Preis ist 1.234,56 € inkl. MwSt.",
    "Version 10.0.19045.3803 of Windows",
    "my_file.py and src/main.rs and ./build.sh",
    "IP 192.168.1.1 and ratio 16.9",
    "email me at alice@example.com",
    "連絡はalice@example.comまで",
    "ファイルはmain.pyです、v1.2.3です",
    "see section 4.2.1.a for details",
    "lol.jpg",
    "Co.Ltd and Inc.",
    "score 9.5/10, would buy again",
    "",
    "...",
]


@pytest.mark.parametrize("text", BENIGN)
def test_ordinary_text_with_dots_has_no_links(text: str) -> None:
    assert [link.text for link in find_links(text) if not link.weak] == []
    strict = links_rule(only_unknown=True, new_member_hours=1000)
    assert strict.evaluate(subject(text, author=member(joined_hours_ago=1)), CTX) is None


# --- hostile input ----------------------------------------------------------------------

MALFORMED = [
    "http://",
    "http://[::1",
    "https://exa mple.com",
    "https://" + "a" * 5000 + ".com",
    "a" * 5000 + ".com/" + "b" * 5000,
    "javascript:alert(1)",
    "https://\udcff.com",
    "https://\x00.com",
    "[" * 1000 + "](" * 1000,
    "<https://a.com|" + "x" * 5000 + ">",
    "https://xn--.com https://xn--zz.com https://xn--a-ecp.ru",
    "https://%zz.com https://%.com",
    "@" * 1000 + "a.com",
    "a." * 3000 + "com",
    "discord.gg/" + "a" * 10000,
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_input_never_raises(text: str) -> None:
    rule = links_rule(deny=["evil.com"], only_unknown=True, new_member_hours=1)
    rule.evaluate(subject(text, author=member(joined_hours_ago=0.5)), CTX)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_never_raises(text: str) -> None:
    rule = links_rule(deny=["evil.com"], only_unknown=True, masked_any=True)
    hit = rule.evaluate(subject(text), CTX)
    assert hit is None or hit.evidence["kind"] in {
        "denied",
        "invite",
        "shortener",
        "masked",
        "unknown",
    }


_PIECES = st.sampled_from(
    [
        "http://", "https://", "ftp://", "www.", "xn--", ".", "..", "/", ":", "@", "[", "]",
        "(", ")", "<", ">", "|", "%", "#", "?", "-", "_", " ", "\u3002", "\uff0e", "\u200b",
        "com", "co.uk", "рф", "中国", "discord.gg/", "bit.ly/", "evil", "ß", "😀", "80",
        "::1", "\\", "*", "`",
    ]
)  # fmt: skip
_URLISH = st.lists(
    st.one_of(_PIECES, st.text(alphabet=st.characters(), max_size=6)), max_size=30
).map("".join)


@settings(max_examples=500, deadline=None)
@given(_URLISH)
def test_url_like_text_never_raises(text: str) -> None:
    rule = links_rule(deny=["evil.com"], allow=["bit.ly"], only_unknown=True)
    rule.evaluate(subject(text), CTX)
    for link in find_links(text):
        assert link.host == link.host.lower()
        assert link.host.isascii()
        assert link.domain


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp", "Cf")
        ),
        min_size=1,
        max_size=20,
    )
)
def test_any_label_compares_equal_in_both_forms(label: str) -> None:
    host = canonical_host(f"{label}.com")
    if host is not None:
        assert canonical_host(host) == host


def test_a_100_kb_message_is_judged_quickly() -> None:
    text = ("lorem ipsum v1.2.3 e.g. file.txt, see example.com/x. " * 2000)[:100_000]
    text += " https://cdn.evil.com/end"
    rule = links_rule(deny=["evil.com"], only_unknown=True)
    started = time.perf_counter()
    hit = rule.evaluate(subject(text), CTX)
    elapsed = time.perf_counter() - started
    assert hit is not None
    assert hit.evidence["kind"] == "denied"
    assert hit.matched[0] == "https://cdn.evil.com/end"
    assert elapsed < 2.0


def test_a_100_kb_hostname_is_judged_quickly() -> None:
    rule = links_rule(deny=["evil.com"], only_unknown=True)
    for text in ("https://" + "a" * 100_000, "a." * 50_000 + "com", "-" * 100_000 + ".com"):
        started = time.perf_counter()
        rule.evaluate(subject(text), CTX)
        assert time.perf_counter() - started < 2.0
