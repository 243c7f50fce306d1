"""Find links in message text and name the sites they point at, purely and offline.

What counts as a link:

* Anything with a scheme, ``http``, ``https``, ``ftp``, ``ftps``, ``ws`` or ``wss``
  (``https://x.y/...``, also inside ``<...>`` or glued to a word, as in
  ``Clickhttps://x.y``, which Discord links), whatever its host: ``http://localhost``
  and ``http://10.0.0.1`` are links. Like browsers, one to three slashes or
  backslashes may follow the colon, userinfo is skipped (``https://bank.com@evil.com``
  leads to ``evil.com``) and percent-escapes in the host are decoded. A scheme URL
  without a usable host (``http://``, ``http://[::1``, a host of 5 KB) is not a link,
  and neither is ``javascript:``.
* A bare host name (``example.com``, ``www.example.com``, ``discord.gg/abc``,
  ``münchen.de/x``) only when it ends in a public suffix known to the Public Suffix
  List snapshot bundled with ``tldextract`` and has a name under it. So ``e.g.``,
  ``v1.2.3``, ``3.5``, ``file.txt`` and ``Mr.Smith`` are text, but ``hello.world``
  is a link: ``.world`` is a real top-level domain and Slack turns it into a link.
  Host names are cut at underscores (``my_file.com`` is text) and at the edges of
  scripts written without spaces (``詳しくはexample.comを`` holds ``example.com``).
  Dots are ASCII dots here; ideographic full stops end sentences (``谢谢。中国``).

Bare host names that are more likely text are *weak*: only an explicit ``deny``
entry can flag them. A bare name is weak when it has exactly two labels, no path and
no port, and either its top-level label is also a common file extension
(:data:`FILE_LIKE_SUFFIXES`: ``main.py``, ``notes.zip``, ``readme.md``) or it is
written in title case (``great.Love``, ``it.Works``: a sentence missing a space).

E-mail addresses (``alice@example.com``) and handles (``@alice.bsky.social``) are
not links; their domains are kept as weak links so that a denied domain is still
caught.

Trailing punctuation (``.,:;!?'"*_~`` and closing brackets without an opening one) is
not part of a link, so ``(see https://x.y/a).`` and ``**https://x.y**`` give
``https://x.y/a`` and ``https://x.y``, while ``/wiki/Foo_(bar)`` keeps its bracket.

Hosts are compared in one form: lower-case ASCII, internationalized labels in their
``xn--`` form (IDNA 2008 with UTS 46 mapping, falling back label by label to IDNA 2003
and then to raw Punycode, so that no input raises). ``пример.рф`` and
``xn--e1afmkfd.xn--p1ai`` are the same host, and so are ``ｅｘａｍｐｌｅ．ｃｏｍ`` and
``example.com`` when they appear after a scheme.

The registrable domain (``evil.co.uk`` for ``cdn.evil.co.uk``) comes from the ICANN
section of the Public Suffix List snapshot that ships inside ``tldextract``: the
extractor is built once, lazily, with no suffix-list URLs and no cache directory, so it
never touches the network or the disk.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import unquote

import idna

if TYPE_CHECKING:
    from tldextract import TLDExtract

FILE_LIKE_SUFFIXES: frozenset[str] = frozenset(
    {
        "ac", "ai", "am", "app", "as", "cab", "cc", "cr", "do", "fish", "gd", "gs",
        "in", "ma", "md", "mk", "ml", "mo", "mobi", "mov", "nc", "pl", "pm", "pro",
        "ps", "pt", "py", "rs", "sh", "so", "st", "tf", "zip",
    }
)  # fmt: skip
"""Top-level domains that are also common file extensions (``setup.py``, ``a.zip``)."""

MAX_HOST = 253
"""The longest host name, in ASCII form, that is taken for a host."""

_PATH = r"[^\s<>\"`|]*"
_LINKS = re.compile(
    rf"""
    (?P<scheme>(?:https?|ftps?|wss?):[/\\]{{1,3}})(?P<rest>{_PATH})
    |
    (?:(?P<at>@)|(?<![\w@/\\-]))
    (?P<host>(?:[\w-]{{1,63}}\.){{1,126}}[^\W\d_][\w-]{{0,62}})(?![\w@-])
    (?P<tail>(?::\d{{1,5}})?[/?#]{_PATH}|:\d{{1,5}}(?!\w))?
    """,
    re.VERBOSE | re.IGNORECASE,
)
_MASKED = re.compile(
    r"""
    \[(?P<md_text>[^\[\]\n]{1,512})\]\(\s*<?(?P<md_url>(?:https?|ftps?)://[^\s()<>]+)>?
        (?:\s+"[^"\n]*")?\s*\)
    |
    <(?P<sl_url>(?:https?|ftps?)://[^\s|<>]+)\|(?P<sl_text>[^<>\n]{1,512})>
    """,
    re.VERBOSE | re.IGNORECASE,
)
_ASCII_HOST = re.compile(r"[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_IPV6 = re.compile(r"\[[0-9a-f:.]{2,45}\]")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_TRAILING = ".,:;!?'\"*_~)]}"
_CLOSERS = {")": "(", "]": "[", "}": "{"}
_SCHEME_END = re.compile(r"[/?#\\]")
_DOT_LETTER = re.compile(r"\.[^\W\d_]")
_SPACE = re.compile(r"\s")
_ASCII_RUN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.IGNORECASE)


class Link(NamedTuple):
    """A link found in text.

    Attributes:
        text: The link as written, trailing punctuation trimmed.
        host: Its host in canonical form (lower-case ASCII, ``xn--`` labels).
        domain: The registrable domain of the host; without a known public suffix,
            its last two labels (``lumen.example``), or the IP address.
        path: What follows the host and port (``/invite/abc?x=1``), possibly empty.
        start: Where it starts in the text.
        weak: Whether it is probably not meant as a link (see the module docs).
        email: Whether it is the domain of an e-mail address or handle.
    """

    text: str
    host: str
    domain: str
    path: str
    start: int
    weak: bool = False
    email: bool = False

    @property
    def segments(self) -> tuple[str, ...]:
        """Return the non-empty path segments, without query or fragment."""
        path = self.path.split("?", 1)[0].split("#", 1)[0].replace("\\", "/")
        return tuple(s for s in path.split("/") if s)

    @property
    def key(self) -> tuple[str, str]:
        """Return what identifies the link across spellings (host and folded path)."""
        return self.host, unicodedata.normalize("NFKC", self.path).casefold()


class MaskedLink(NamedTuple):
    """A link whose shown text differs from its address (``[text](url)``, ``<url|text>``).

    Attributes:
        text: The whole markup as written.
        label: The text shown.
        target: Where it leads.
    """

    text: str
    label: str
    target: Link


@functools.cache
def extractor() -> TLDExtract:
    """Return the offline registrable-domain extractor, built on first use."""
    from tldextract import TLDExtract  # noqa: PLC0415 - imports requests; load lazily

    return TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def _encode_label(label: str) -> str:
    """Return one label in ASCII form, however odd it is."""
    if label.isascii():
        return label.lower()
    try:
        return idna.encode(label, uts46=True).decode("ascii")
    except (UnicodeError, ValueError):
        pass
    folded = unicodedata.normalize("NFKC", label).casefold()
    try:
        return folded.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        pass
    try:
        return "xn--" + folded.encode("punycode").decode("ascii")
    except (UnicodeError, ValueError):  # pragma: no cover - punycode encodes any str
        return ""


@functools.lru_cache(maxsize=8192)
def canonical_host(host: str) -> str | None:
    """Return a host name in canonical ASCII form, or ``None`` when it is not one.

    Args:
        host: A host as written: any case, Unicode or ``xn--`` labels, ideographic or
            fullwidth dots, percent-escapes, a trailing dot.

    Returns:
        The lower-case ASCII host with ``xn--`` labels, or ``None`` for an empty, too
        long or malformed host.
    """
    if not host or len(host) > 4 * MAX_HOST:
        return None
    if "%" in host:
        host = unquote(host)
    host = host.translate(_DOTS).rstrip(".")
    if host.isascii():
        host = host.lower()
        if _IPV6.fullmatch(host):
            return host
    else:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (UnicodeError, ValueError):
            host = ".".join(_encode_label(label) for label in host.split("."))
    if len(host) > MAX_HOST or not _ASCII_HOST.fullmatch(host):
        return None
    return host


@functools.lru_cache(maxsize=8192)
def _site(host: str) -> tuple[str, bool]:
    """Return a canonical host's registrable domain and whether its suffix is known.

    A host without a known public suffix (``docs.lumen.example``, ``intranet.local``)
    counts its last two labels as its domain; an IP address is its own domain.
    """
    if host.startswith("[") or _IPV4.fullmatch(host):
        return host, False
    parts = extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}", True
    return ".".join(host.rsplit(".", 2)[-2:]), False


def registrable_domain(host: str) -> str:
    """Return the registrable domain of a canonical host (``evil.co.uk``); see :func:`_site`."""
    return _site(host)[0]


def _trim(text: str) -> str:
    """Remove punctuation that ends a sentence rather than a link."""
    while text and text[-1] in _TRAILING:
        last = text[-1]
        opener = _CLOSERS.get(last)
        if opener is not None and text.count(opener) >= text.count(last):
            break
        text = text[:-1]
    return text


def _split_authority(rest: str) -> tuple[str, str]:
    """Split what follows a scheme into its host and the path after host and port."""
    found = _SCHEME_END.search(rest)
    authority, path = (rest[: found.start()], rest[found.start() :]) if found else (rest, "")
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        end = hostport.find("]")
        return (hostport[: end + 1] if end > 0 else ""), path
    host, colon, port = hostport.rpartition(":")
    if colon and (not port or port.isdigit()):
        return host, path
    return hostport, path


def _scheme_link(match: re.Match[str]) -> Link | None:
    rest = _trim(match["rest"])
    raw_host, path = _split_authority(rest)
    host = canonical_host(raw_host)
    if host is None:
        return None
    return Link(match["scheme"] + rest, host, _site(host)[0], path, match.start())


def _bare_host(raw_host: str, tail: str, start: int, *, email: bool, lenient: bool) -> Link | None:
    if "_" in raw_host:
        return None
    host = canonical_host(raw_host)
    if host is None:
        return None
    domain, known = _site(host)
    if not known:
        return None
    labels = raw_host.split(".")
    weak = email or (
        not lenient
        and len(labels) == 2
        and not tail
        and (labels[1].lower() in FILE_LIKE_SUFFIXES or _is_title(labels[1]))
    )
    if tail.startswith(":"):
        found = _SCHEME_END.search(tail)
        path = tail[found.start() :] if found else ""
    else:
        path = tail
    return Link(raw_host + tail, host, domain, path, start, weak, email)


def _spaceless(char: str) -> bool:
    """Tell whether a character belongs to a script written without spaces (CJK, Thai)."""
    return char >= "\u2e80" or "\u0e00" <= char <= "\u0eff"


def _bare_links(match: re.Match[str], *, lenient: bool) -> list[Link]:
    """Return the link a bare host name makes, and any ASCII name run into CJK or Thai text.

    In ``詳しくはexample.comをご覧ください`` the host pattern takes the whole run of word
    characters; the ASCII name inside it, bordered by characters of scripts written
    without spaces, is a link too. (``münchen.de`` is not cut: ``ü`` is Latin.)
    """
    raw_host = match["host"]
    email = match["at"] is not None
    tail = _trim(match["tail"] or "")
    start = match.start("host")
    found: list[Link] = []
    link = _bare_host(raw_host, tail, start, email=email, lenient=lenient)
    if link is not None:
        found.append(link)
    if raw_host.isascii():
        return found
    for run in _ASCII_RUN.finditer(raw_host):
        before = raw_host[run.start() - 1] if run.start() else ""
        after = raw_host[run.end()] if run.end() < len(raw_host) else ""
        if (not before and not after) or not all(_spaceless(c) for c in before + after):
            continue
        link = _bare_host(
            run[0], "" if after else tail, start + run.start(), email=email, lenient=lenient
        )
        if link is not None:
            found.append(link)
    return found


def _is_title(label: str) -> bool:
    return len(label) > 1 and label[0].isupper() and not label[1:].isupper()


def _chunks(text: str) -> list[tuple[int, int]]:
    """Return the whitespace-free stretches of a text that may hold a link, in order.

    A link needs ``:/`` (or a backslash for the slash) or a dot before a letter, and
    never spans whitespace, so only the stretches around those need the full pattern;
    most messages have none.
    """
    scheme = ":/" in text or ":\\" in text
    if not scheme and _DOT_LETTER.search(text) is None:
        return []  # the common case, made fast
    anchors = [m.start() for m in _DOT_LETTER.finditer(text)]
    if scheme:
        for needle in (":/", ":\\"):
            at = text.find(needle)
            while at >= 0:
                anchors.append(at)
                at = text.find(needle, at + 2)
        anchors.sort()
    chunks: list[tuple[int, int]] = []
    done = 0
    for at in anchors:
        if at < done:
            continue
        # Other whitespace before the anchor only makes the stretch longer, never wrong.
        start = max(done, text.rfind(" ", done, at) + 1, text.rfind("\n", done, at) + 1)
        space = _SPACE.search(text, at)
        done = space.start() if space else len(text)
        chunks.append((start, done))
    return chunks


def find_links(text: str, *, lenient: bool = False) -> list[Link]:
    """Return the links in a text, in order of appearance.

    Args:
        text: Any text; nothing in it makes this raise.
        lenient: Treat every bare host name with a known public suffix as a link (for
            text that is meant to look like an address, such as a masked link's label).

    Returns:
        The links found.
    """
    links: list[Link] = []
    for start, end in _chunks(text):
        for match in _LINKS.finditer(text, start, end):
            if match["scheme"] is None:
                links.extend(_bare_links(match, lenient=lenient))
            elif (link := _scheme_link(match)) is not None:
                links.append(link)
    return links


def find_masked(text: str) -> list[MaskedLink]:
    """Return the masked links in a text: Markdown ``[label](url)`` and Slack ``<url|label>``.

    Args:
        text: Any text; nothing in it makes this raise.

    Returns:
        The masked links whose target has a usable host, in order of appearance.
    """
    if "](" not in text and "|" not in text:
        return []
    found: list[MaskedLink] = []
    for match in _MASKED.finditer(text):
        url = match["md_url"] or match["sl_url"]
        label = match["md_text"] if match["md_url"] else match["sl_text"]
        targets = find_links(url)
        if targets and targets[0].start == 0:
            found.append(MaskedLink(text=match[0], label=label, target=targets[0]))
    return found


def normalize_entry(entry: str) -> str | None:
    """Return a configured domain in canonical form.

    Args:
        entry: A domain as a moderator would write it: ``Evil.COM``, ``*.evil.com``,
            ``https://evil.com/``, ``пример.рф``.

    Returns:
        The canonical host, or ``None`` when the entry names no host.
    """
    value = entry.strip()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = _SCHEME_END.split(value, 1)[0].rpartition("@")[2]
    value = value.removeprefix("*.").lstrip(".")
    return canonical_host(value)


class DomainSet:
    """Canonical domains that match themselves and every subdomain.

    Args:
        entries: Canonical hosts (see :func:`normalize_entry`); a public suffix such as
            ``zip`` matches every host under it.
    """

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[str]) -> None:
        self._entries = frozenset(entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and self.find(host) is not None

    def find(self, host: str) -> str | None:
        """Return the most specific entry that a canonical host is, or is under."""
        if not self._entries:
            return None
        name = host
        while True:
            if name in self._entries:
                return name
            dot = name.find(".")
            if dot < 0:
                return None
            name = name[dot + 1 :]
