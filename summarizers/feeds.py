"""Reading news feeds: RSS 0.9x/1.0/2.0 and Atom (feedparser), and JSON Feed 1/1.1.

A feed gives, per entry, a title, a link, a date and either the whole article (content:encoded,
Atom content, JSON Feed content_html) or a teaser. `FeedEntry.article()` turns an entry into an
`Article` when the feed carries enough text to brief; otherwise the digest fetches the link.

Feeds in the wild are messy: undeclared encodings (chardet guesses them, as feedparser expects),
text encoded twice (the NYT's "Kennedyâ€™s", mended with ftfy), HTML in titles and teasers, and
feeds that are not well-formed XML but still hold entries (read leniently, like every reader).
"""

from __future__ import annotations

import codecs
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from summarizers.article import Article, article_from_text, without_soft_hyphens
from summarizers.errors import InputError

# Entries read per feed, newest first: a feed of thousands (an archive) is not a digest.
MAX_ENTRIES = 100
# An entry whose own text has at least this many words is briefed from the feed, not its link.
FULL_TEXT_WORDS = 150
FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/feed+json", "application/json", "text/plain",
})
FEED_HINT = "Send the feed's own link (RSS, Atom or JSON Feed), often ending in /rss or /feed."
# Linear-time patterns: "[^<>]" and the tempered caption body stop at the next tag, so a page of
# unclosed "<figcaption" or "<p" cannot make each match scan to the end, and "(?:/\s*)?" leaves
# one way only to read "<" and spaces (two optional runs of spaces side by side could split a
# long run every way: quadratic time, holding the GIL).
_BLOCK_TAGS = re.compile(
    r"<\s*(?:/\s*)?(?:p|div|br|li|h[1-6]|blockquote|tr|figure|section)\b[^<>]*>", re.I)
_FIGCAPTION = re.compile(
    r"<\s*figcaption\b(?:[^<]|<(?!\s*(?:/\s*)?figcaption\b))*<\s*/\s*figcaption\s*>", re.I)
_TAG = re.compile(r"<[^<>]+>")
# Entries read from one feed before the newest are chosen: bounds the work a huge feed makes.
MAX_READ = 1000
# A feed's size at most. Real feeds are tens to hundreds of kB; feedparser, pure Python, takes
# about 2 s a MB of entries, so a bigger "feed" is refused rather than read.
MAX_FEED_BYTES = 2_000_000


class FeedError(InputError):
    """The bytes are not a feed newsbrief can read."""


@dataclass
class FeedEntry:
    """One item of a feed, its text made plain."""

    id: str  # the entry's guid/id, else its link, else its title: stable across fetches
    title: str
    link: str
    text: str  # the entry's own text (full content if given, else the teaser), plain
    published: datetime | None = None
    outlet: str = ""  # the feed's title, else its site's host

    def article(self) -> Article | None:
        """The entry as an article, when the feed carries the article itself."""
        if len(self.text.split()) < FULL_TEXT_WORDS:
            return None
        return entry_article(self, self.text)


@dataclass
class Feed:
    title: str
    url: str
    entries: list[FeedEntry] = field(default_factory=list)


def entry_article(entry: FeedEntry, body: str) -> Article:
    """An article with the entry's headline, link, outlet and date over `body`."""
    article = article_from_text(body, source=entry.outlet, title=entry.title)
    article.title = entry.title or article.title
    article.url = entry.link
    article.date = entry.published.date().isoformat() if entry.published else article.date
    return article


def plain_text(markup: str) -> str:
    """Feed HTML (titles, teasers, content) to plain text: paragraphs kept, tags and figure
    captions dropped, entities decoded, text encoded twice mended."""
    import ftfy

    text = _FIGCAPTION.sub(" ", markup or "")
    text = _BLOCK_TAGS.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    # Curly quotes tell the attribution rules where a quote opens; full-width letters are how
    # CJK text is written: both are left as they are.
    text = ftfy.fix_text(without_soft_hyphens(text), uncurl_quotes=False,
                         fix_character_width=False)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _when(value: object) -> datetime | None:
    """A feed date (RFC 822, ISO 8601, or feedparser's struct_time) as an aware datetime."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, str):
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError):
                when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        else:  # time.struct_time, always UTC in feedparser
            when = datetime(*value[:6], tzinfo=UTC)  # type: ignore[index,misc]
    except (TypeError, ValueError, OverflowError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _web_link(base: str, link: str) -> str:
    """An entry's link made absolute, if it is a web address: a feed's "file:" or bare-path
    link ("/etc/passwd" against a base that is no URL) is no link to follow."""
    link = urljoin(base, link.strip()) if link else ""
    link = link.encode("utf-8", "replace").decode("utf-8")  # a lone surrogate (JSON): "?"
    return link if urlsplit(link).scheme in ("http", "https") else ""


def _outlet(title: str, url: str) -> str:
    host = urlsplit(url).hostname or ""
    return title or host.removeprefix("www.")


def _json_feed(data: bytes, url: str) -> Feed:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise FeedError("That feed is not valid JSON, so newsbrief cannot read it.") from err
    if not isinstance(doc, dict) or "jsonfeed.org/version/" not in str(doc.get("version", "")):
        raise FeedError("That JSON is not a JSON Feed (https://jsonfeed.org).")
    items = doc.get("items") or []
    if not isinstance(items, list):
        raise FeedError("That JSON Feed's items are not a list, so newsbrief cannot read it.")
    title = plain_text(str(doc.get("title") or ""))
    home = urljoin(url, str(doc.get("home_page_url") or ""))
    outlet = _outlet(title, home)
    entries = []
    for item in items[:MAX_READ]:
        if not isinstance(item, dict):
            continue
        link = _web_link(home, str(item.get("url") or item.get("external_url") or ""))
        text = plain_text(str(item.get("content_html") or ""))
        if not text:
            text = plain_text(str(item.get("content_text") or item.get("summary") or ""))
        entries.append(FeedEntry(
            id=str(item.get("id") or link or item.get("title") or ""),
            title=plain_text(str(item.get("title") or "")),
            link=link,
            text=text,
            published=_when(item.get("date_published") or item.get("date_modified")),
            outlet=outlet,
        ))
    return Feed(title=title, url=url, entries=entries)


def _xml_feed(data: bytes, url: str, charset: str | None) -> Feed:
    import feedparser

    headers = {"content-type": f"application/xml; charset={charset}"} if charset else {}
    doc = feedparser.parse(data, response_headers=headers)
    if not doc.get("version") and not doc.entries:
        raise FeedError("That is not a feed newsbrief can read. " + FEED_HINT)
    title = plain_text(doc.feed.get("title", ""))
    home = urljoin(url, doc.feed.get("link") or "")
    outlet = _outlet(title, home)
    entries = []
    for e in doc.entries[:MAX_READ]:
        # Full content first (content:encoded, Atom content), else the teaser.
        bodies = [c.get("value", "") for c in e.get("content", [])]
        text = max((plain_text(b) for b in bodies), key=len, default="")
        if not text:
            text = plain_text(e.get("summary", ""))
        link = _web_link(home, e.get("link", ""))
        entries.append(FeedEntry(
            id=str(e.get("id") or link or e.get("title", "")),
            title=plain_text(e.get("title", "")),
            link=link,
            text=text,
            published=_when(e.get("published_parsed") or e.get("updated_parsed")),
            outlet=outlet,
        ))
    # Not well-formed, and nothing readable in it: no title, no entry with words.
    if doc.get("bozo") and not title and not any(e.title or e.text for e in entries):
        raise FeedError("That feed is damaged (not well-formed XML) and holds no entries "
                        "newsbrief can read. " + FEED_HINT)
    return Feed(title=title, url=url, entries=entries)


def parse_feed(data: bytes, url: str = "", charset: str | None = None) -> Feed:
    """A feed's entries, newest first (at most MAX_ENTRIES), from its bytes. `charset` is what
    the server declared, if anything. Raises FeedError when the bytes hold no feed."""
    if not data.strip():
        raise FeedError("That feed is empty.")
    head = data.removeprefix(codecs.BOM_UTF8).lstrip()[:1]
    feed = _json_feed(data, url) if head in (b"{", b"[") else _xml_feed(data, url, charset)
    seen: set[str] = set()
    entries = []
    for entry in feed.entries:
        if not (entry.title or entry.text):
            continue
        # A lone surrogate ("\\ud800" in JSON) cannot be stored or hashed: replace it.
        entry.id = (entry.id or hashlib.sha1(entry.text.encode("utf-8", "replace"))
                    .hexdigest()[:16]).encode("utf-8", "replace").decode("utf-8")
        if entry.id not in seen:
            seen.add(entry.id)
            entries.append(entry)
    oldest = datetime.min.replace(tzinfo=UTC)
    entries.sort(key=lambda e: e.published or oldest, reverse=True)  # stable: feed order on ties
    feed.entries = entries[:MAX_ENTRIES]
    return feed
