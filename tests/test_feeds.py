"""Reading feeds: real feeds from the evaluation data (RSS, Atom, JSON Feed, undeclared
encodings, text encoded twice) and broken ones."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from summarizers.feeds import FULL_TEXT_WORDS, MAX_ENTRIES, FeedError, parse_feed, plain_text

FEEDS = Path(__file__).resolve().parents[2] / "shared" / "eval-dev" / "feeds" / "rss"


def _read(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


@pytest.mark.parametrize("name", sorted(p.name for p in FEEDS.glob("feedparser__*chardet*")))
def test_feeds_with_no_declared_encoding_are_decoded_as_feedparser_expects(name: str) -> None:
    """Each file says which encoding it is in ("Expect: bozo and encoding == 'KOI8-R'"); the text
    read from it must be that encoding's, not mojibake."""
    raw = _read(name)
    expected = re.search(rb"encoding == '([^']+)'", raw).group(1).decode()  # type: ignore[union-attr]
    feed = parse_feed(raw)
    texts = [feed.title] + [e.title + e.text for e in feed.entries]
    body = re.sub(rb"<!--.*?-->", b"", raw, flags=re.S)
    words = [w for w in re.findall(rb">([^<>]+)<", body) if w.strip() and not w.isascii()]
    assert words, name
    want = words[0].decode(expected, errors="strict").split()[0]
    assert any(want in t for t in texts), (name, want, texts)


def test_text_encoded_twice_is_mended() -> None:
    feed = parse_feed(_read("monitorss__nyt_us_news_2022.rss.xml"))
    assert len(feed.entries) == 20
    titles = [e.title for e in feed.entries]
    assert any("Kennedy’s Crusade" in t for t in titles)  # "Kennedyâ€™s" in the file
    assert not any("â€" in e.title + e.text for e in feed.entries)


def test_rss_entries_carry_title_link_date_outlet_newest_first() -> None:
    feed = parse_feed(_read("monitorss__nyt_us_news_2022.rss.xml"))
    first = feed.entries[0]
    assert first.outlet == "NYT > U.S. News"
    assert first.link.startswith("https://www.nytimes.com/")
    dates = [e.published for e in feed.entries]
    assert all(dates) and dates == sorted(dates, reverse=True)
    assert first.published.tzinfo is not None
    assert len({e.id for e in feed.entries}) == len(feed.entries)


def test_full_content_is_preferred_to_the_teaser_and_made_plain() -> None:
    feed = parse_feed(_read("rss-parser__medium_content_encoded.rss.xml"))
    long_entries = [e for e in feed.entries if len(e.text.split()) >= FULL_TEXT_WORDS]
    assert long_entries
    for e in feed.entries:
        assert "<p>" not in e.text and "<img" not in e.text and "&amp;" not in e.text
    # Figure captions are not article text ("Image attribution: ...").
    assert not any("Image attribution" in e.text for e in feed.entries)
    article = long_entries[0].article()
    assert article is not None and article.title == long_entries[0].title
    assert article.url == long_entries[0].link


def test_a_teaser_only_entry_is_no_article_of_its_own() -> None:
    feed = parse_feed(_read("monitorss__nyt_us_news_2022.rss.xml"))
    assert all(len(e.text.split()) < FULL_TEXT_WORDS for e in feed.entries)
    assert all(e.article() is None for e in feed.entries)


def test_atom_feed_is_read() -> None:
    feed = parse_feed(_read("rss-parser__heise_developer.atom.xml"))
    assert feed.title.startswith("heise developer")
    assert len(feed.entries) == 15
    assert all(e.link.startswith("http") and e.title for e in feed.entries)


def test_json_feed_is_read() -> None:
    raw = _read("feedjira__inessential_jsonfeed.json")
    feed = parse_feed(raw)
    doc = json.loads(raw)
    assert feed.title == doc["title"]
    assert len(feed.entries) == len(doc["items"])
    first = max(doc["items"], key=lambda i: i["date_published"])
    assert feed.entries[0].link == first["url"]
    assert "<" not in feed.entries[0].text


def test_entries_are_capped_and_deduplicated() -> None:
    items = "".join(
        f"<item><guid>g{i % (MAX_ENTRIES + 20)}</guid><title>Story {i}</title>"
        f"<link>https://news.example/{i}</link></item>"
        for i in range(2 * MAX_ENTRIES)
    )
    feed = parse_feed(f"<rss version='2.0'><channel><title>T</title>{items}</channel></rss>"
                      .encode())
    assert len(feed.entries) == MAX_ENTRIES
    assert len({e.id for e in feed.entries}) == MAX_ENTRIES


def test_an_entry_with_no_id_or_link_gets_one_from_its_text() -> None:
    rss = (b"<rss version='2.0'><channel><title>T</title>"
           b"<item><description>One thing happened today in the town.</description></item>"
           b"<item><description>Another thing happened today in the town.</description></item>"
           b"</channel></rss>")
    feed = parse_feed(rss)
    assert len(feed.entries) == 2 and feed.entries[0].id != feed.entries[1].id


@pytest.mark.parametrize("raw", [
    b"", b"   \n", b"\x00\x01\x02binary", b"just some words, no feed at all",
    b"<html><body><p>A web page</p></body></html>",
])
def test_bytes_that_are_no_feed_get_a_clear_error(raw: bytes) -> None:
    with pytest.raises(FeedError) as err:
        parse_feed(raw)
    assert "feed" in str(err.value).lower()


@pytest.mark.parametrize("raw", [b"{not json", b'{"version": "1", "items": []}', b"[1, 2]"])
def test_json_that_is_no_json_feed_gets_a_clear_error(raw: bytes) -> None:
    with pytest.raises(FeedError, match="JSON"):
        parse_feed(raw)


def test_a_feed_cut_off_midway_keeps_the_entries_it_has() -> None:
    rss = (b"<rss version='2.0'><channel><title>Cut</title>"
           b"<item><title>Whole story</title><link>https://news.example/1</link></item>"
           b"<item><title>Half a sto")
    feed = parse_feed(rss)
    assert [e.title for e in feed.entries][:1] == ["Whole story"]


def test_plain_text_keeps_paragraphs_and_drops_markup() -> None:
    html = ("<p>First &amp; foremost.</p><figure><img src=x><figcaption>A caption"
            "</figcaption></figure><p>Second<br/>line, with a soft\u00adhyphen.</p>")
    assert plain_text(html) == "First & foremost.\n\nSecond\nline, with a softhyphen."


def test_links_that_are_not_web_addresses_are_dropped() -> None:
    rss = (b"<rss version='2.0'><channel><title>T</title><link>x</link>"
           b"<item><title>A</title><link>/etc/passwd</link></item>"
           b"<item><title>B</title><link>file:///etc/passwd</link></item>"
           b"<item><title>C</title><link>/news/1</link></item></channel></rss>")
    # Against the feed's own address a path is a page of its site; with no address, nothing.
    assert [e.link for e in parse_feed(rss, "https://news.example/rss").entries] == [
        "https://news.example/etc/passwd", "", "https://news.example/news/1"]
    assert [e.link for e in parse_feed(rss).entries] == ["", "", ""]


def test_unclosed_tags_leave_the_text_around_them() -> None:
    assert plain_text("<figcaption>" * 3 + "Words stay.") == "Words stay."
    assert plain_text("Words stay. <p unclosed") == "Words stay. <p unclosed"  # no tag: text
    assert plain_text("a <b>bold</b> < c") == "a bold < c"


def test_a_json_feed_with_a_lone_surrogate_or_a_bom_is_read() -> None:
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "T",
           "items": [{"id": "\ud800x", "title": "Bad \udc00 title", "url": "https://e.example/1"}]}
    raw = json.dumps(doc).encode()  # ensure_ascii: the surrogates travel as \ud800 escapes
    for data in (raw, b"\xef\xbb\xbf" + raw):
        [entry] = parse_feed(data, "https://e.example/feed.json").entries
        entry.id.encode("utf-8") and entry.title.encode("utf-8")  # storable and hashable
        assert entry.link == "https://e.example/1"


def test_json_feed_items_that_are_not_a_list_get_a_clear_error() -> None:
    raw = json.dumps({"version": "https://jsonfeed.org/version/1.1", "items": 5}).encode()
    with pytest.raises(FeedError, match="not a list"):
        parse_feed(raw)


def test_a_lone_surrogate_in_a_json_feed_link_is_replaced() -> None:
    doc = {"version": "https://jsonfeed.org/version/1", "items": [
        {"id": "1", "title": "T", "url": "https://e.example/\ud800"}]}
    [entry] = parse_feed(json.dumps(doc).encode()).entries
    entry.link.encode("utf-8")
    assert entry.link.startswith("https://e.example/")


def test_spaces_after_a_bracket_are_text_not_a_tag() -> None:
    assert plain_text("a <" + " " * 50 + "b") == "a < b"
    assert plain_text("<  p>One</ p >< /p>") == "One"
