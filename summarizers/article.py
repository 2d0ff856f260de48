"""Article: the one shape every source (pasted text, HTML page, URL, feed entry) is turned into."""

from __future__ import annotations

import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from summarizers.errors import InputError

# A 20,000-word article is about 130 kB; anything past this is not one article.
MAX_TEXT_CHARS = 1_000_000
MAX_INPUT_BYTES = 5_000_000
MIN_WORDS = 8

# trafilatura settings for news pages; favor_precision measured best (bench/quality.py extraction).
EXTRACTION_OPTIONS = {
    "include_comments": False,
    "include_tables": False,
    "with_metadata": True,
    "favor_precision": True,
}

# A line ending a sentence or a clause (also ; ) ] ' …): prose, not page furniture. Wider than
# `_ENDS_SENTENCE`, which tells a wrapped line (ending mid-sentence) from a paragraph's last.
_ENDS_CLAUSE = re.compile(r"[.!?…:;\"”’')\]]\s*$")
_HTML_SNIFF = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<\?xml)", re.I)
_ENGLISH_WORDS = frozenset(
    "the a an of to in and is was for on that with as by at from it he she they said has have "
    "be are were this not but or his her their its will would who which".split()
)


@dataclass
class Article:
    """An article's text and what is known about it. `body` is the prose, without page furniture."""

    body: str
    title: str = ""
    source: str = ""
    url: str = ""
    byline: str = ""
    date: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Stable id from the content, so the same article read twice is the same article."""
        return hashlib.sha1(f"{self.title}\n{self.body}".encode()).hexdigest()[:16]

    @property
    def word_count(self) -> int:
        return len(self.body.split())


def without_soft_hyphens(text: str) -> str:
    """The text without soft hyphens: invisible hints where a word may break, which, left in,
    cut the word in two for the splitter, the parser and every search ("Mont\u00adgomery")."""
    return text.replace("\u00ad", "")


def _check_text(text: str, what: str) -> str:
    text = without_soft_hyphens(text)
    if "\x00" in text:
        raise InputError(f"The {what} looks like a binary file, not an article. Send text or HTML.")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"The {what} is empty. Paste an article's text or send a link to it.")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"The {what} is {len(text):,} characters long; newsbrief reads articles up to "
            f"{MAX_TEXT_CHARS:,} characters. Send a single article."
        )
    controls = sum(1 for c in text[:20000] if ord(c) < 32 and c not in "\n\t")
    if controls > 0.01 * min(len(text), 20000):
        raise InputError(f"The {what} looks like binary data, not an article. Send text or HTML.")
    return text


_LETTER_WORD = re.compile(r"[^\W\d_]+")  # "sabía" is one word, not "sab" and "a"


def english_share(text: str) -> float:
    """The share of the text's words that are common English function words (`_ENGLISH_WORDS`):
    about 0.3-0.5 for English prose, near 0 for other languages."""
    words = _LETTER_WORD.findall(text.lower())
    return sum(1 for w in words if w in _ENGLISH_WORDS) / max(len(text.split()), 1)


# Function words of other languages written in Latin letters (Spanish, French, Portuguese,
# Italian, German), none of them an English word.
_OTHER_FUNCTION_WORDS = frozenset(
    "el los las del que y en una por con para es se su lo les des du et est pour dans une "
    "der die das und ist nicht mit sich ein eine zu den von il che di per non della sono".split()
)


def looks_foreign(sentence: str, min_words: int = 6) -> bool:
    """Is a sentence of at least `min_words` words in another language, such as a quoted tweet in
    Spanish inside an English article? Not one common English word in it, and either mostly
    letters of another script or two function words of another language: a headline with no
    function word at all ("Dumb Racists Photoshop Ferguson Protester Into Awful Viral Meme") is
    still English. Shorter sentences cannot be told."""
    words = _LETTER_WORD.findall(sentence.lower())
    if len(words) < min_words or any(w in _ENGLISH_WORDS for w in words):
        return False
    letters = "".join(words)
    latin = sum(c.isascii() or unicodedata.name(c, "").startswith("LATIN") for c in letters)
    return latin < len(letters) / 2 or sum(w in _OTHER_FUNCTION_WORDS for w in words) >= 2


def _check_article(article: Article, what: str) -> Article:
    if len(article.body.split()) < MIN_WORDS:
        raise InputError(
            f"The {what} has too little text to brief ({len(article.body.split())} words). "
            "Send the whole article."
        )
    if english_share(article.body) < 0.08:
        raise InputError(
            f"The {what} does not look like English; newsbrief briefs English articles only so far."
        )
    return article


def _is_furniture(line: str) -> bool:
    """Section labels, photo captions and credits: short lines that are not sentences."""
    words = line.split()
    return len(words) < 12 and not _ENDS_CLAUSE.search(line) and not re.search(r"[\"“”]", line)


_WRAP_WIDTH = range(35, 101)  # the widths plain text is wrapped at (72, 76, 80 ...)
_ENDS_SENTENCE = re.compile(r"[.!?:\"”’]\s*$")
# A line that starts a list item or a quoted reply is never the rest of the last; a byline
# ("By Amy Reid and Tom Jones, Industry Correspondents") has nothing after it.
_OWN_LINE = re.compile(r"^(?:[-*•>]|\d{1,2}[.)])\s")
_BYLINE = re.compile(r"^By(?:\s+[A-Z][\w.'’-]*){1,4}\s*(?:,|and\b|$)")
# "pre-\nand post-Brexit": a hyphen before these words is left hanging, not a broken word.
_AFTER_SUSPENDED_HYPHEN = frozenset(("and", "or", "to", "nor"))


def _title_case(line: str) -> bool:
    """A headline's capitals ("Beats Music Might End, But Beats Headphones Will Continue"); not
    a line of prose with a title and a name in it ("Prime Minister Boris Johnson told MPs on
    Wednesday that")."""
    words = [w for w in line.split() if w[:1].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.75 * len(words)


def _wrap_width(widths: list[int]) -> int:
    """The width the text was wrapped at: the widest width W (35-100) that at least 40% of its
    non-empty lines fill to within a quarter, with at most a line or two longer (a headline, a
    link); 0 when there is none (prose with a paragraph a line)."""
    lines = [w for w in widths if w]
    for width in sorted(set(lines), reverse=True):
        if width in _WRAP_WIDTH and sum(0.75 * width <= w <= width for w in lines) >= max(
                3, 0.4 * len(lines)):
            # Past the width only a line or two (a headline, a link): prose with a paragraph
            # a line has many, with a few short lines (captions, stamps) between them.
            return width if sum(w > width for w in lines) <= max(1, 0.1 * len(lines)) else 0
    return 0


def unwrapped(text: str) -> str:
    """Text wrapped at a fixed width (e-mail, plain-text newsletters, a terminal) with its
    paragraphs' lines joined again. Left wrapped, a short line ("Finance director Amy Reid told
    reporters") reads as page furniture and is dropped, and a quote ends at the line's end.
    A line is joined to the next when the next goes on in lower case ("the factory\nunless"),
    or when the text looks wrapped and the line fills its width (`_wrap_width`, most of the
    full lines ending inside a sentence). A short line ends a paragraph, a line longer than
    the width stands alone, a blank line always parts paragraphs, and the text's first line
    is a headline unless the next goes on in lower case."""
    lines = text.split("\n")
    widths = [len(ln.rstrip()) for ln in lines]
    width = _wrap_width(widths)
    full = [width and 0.75 * width <= w <= width for w in widths]
    filled = [ln for ln, f in zip(lines, full, strict=True) if f]
    wrapped = bool(filled) and sum(
        not _ENDS_SENTENCE.search(ln) for ln in filled) >= 0.5 * len(filled)
    first = next((k for k, ln in enumerate(lines) if ln.strip()), -1)
    out = lines[0]
    for k in range(1, len(lines)):
        prev, line = lines[k - 1].rstrip(), lines[k].lstrip()
        word = line.split(" ", 1)[0]
        # Lower case goes on ("the factory\nunless"); not "iPhone", nor after a label or a
        # figure ("£56.5m" over "cost of Operation Resolve").
        lower = word[:1].islower() and word[1:] == word[1:].lower()
        goes_on = lower and not _title_case(prev) and (
            len(prev) >= 25 and prev[-1:].isalpha() or prev[-1:] in (",", ";", "-"))
        joins = goes_on or (wrapped and full[k - 1] and k - 1 != first)
        if prev and line and joins and not _OWN_LINE.match(line) and not _BYLINE.match(prev):
            # A word the wrap broke at its hyphen ("about-\nface") is whole again.
            broken = prev[-1:] == "-" and prev[-2:-1].isalpha() and lower and (
                word.lower() not in _AFTER_SUSPENDED_HYPHEN)
            out = out.rstrip() + ("" if broken else " ") + line
        else:
            out += "\n" + lines[k]
    return out


def article_from_text(text: str, source: str = "", title: str = "") -> Article:
    """Plain text: leading short lines are the headline (the longest wins), the rest the body."""
    text = _check_text(text, "text")
    if _HTML_SNIFF.match(text):
        return article_from_html(text, source=source)
    lines = [ln.strip() for ln in unwrapped(text).split("\n")]
    head: list[str] = []
    byline = ""
    i = 0
    while i < len(lines) and (not lines[i] or _is_furniture(lines[i])
                              or _BYLINE.match(lines[i])) and len(head) < 4:
        if _BYLINE.match(lines[i]) and not byline:
            byline = lines[i][3:].strip()  # "By Amy Reid, Industry Correspondent": no title
        elif lines[i]:
            head.append(lines[i])
        i += 1
    if not title and head and i < len(lines):
        title = max(head, key=len)
    body_lines = [ln for ln in lines[i:] if not ln or not _is_furniture(ln)]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(body_lines)).strip()
    if not body:
        body = text.strip()
    return _check_article(Article(body=body, title=title, source=source, byline=byline), "text")


def article_from_html(html: str, source: str = "", url: str = "") -> Article:
    """Main text, title, byline and date of a news page, extracted with trafilatura."""
    import trafilatura

    html = _check_text(html, "page")
    doc = trafilatura.bare_extraction(html, url=url or None, **EXTRACTION_OPTIONS)
    body = without_soft_hyphens((doc.text if doc is not None else "") or "")  # "&shy;"
    if len(body.split()) < MIN_WORDS:
        raise InputError(
            "That page has no article text that newsbrief could find. "
            "Paste the article's text instead."
        )
    article = Article(
        body=body.strip(),
        title=without_soft_hyphens(doc.title or "").strip(),
        source=source or (doc.sitename or ""),
        url=url or (doc.url or ""),
        byline=(doc.author or "").strip(),
        date=(doc.date or "").strip(),
    )
    return _check_article(article, "page")


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset, else UTF-8, else a lenient fallback."""
    if b"\x00" in data[:8192]:
        raise InputError("That looks like a binary file, not an article. Send text or HTML.")
    for enc in filter(None, (charset, "utf-8")):
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def local_file(source: str) -> Path | None:
    """The file `source` names, or None: also for text too long to be a name (ENAMETOOLONG) or
    holding a NUL, which a user may paste where a path goes."""
    try:
        path = Path(source).expanduser()
        return path if path.is_file() else None
    except (OSError, ValueError):
        return None


def load_source(source: str) -> Article:
    """A file path, `-` for standard input, or an http(s) URL."""
    if re.match(r"^https?://", source, re.I):
        from summarizers.fetch import fetch_article

        return fetch_article(source)
    if source == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        name = "standard input"
    else:
        path = local_file(source)
        if path is None:
            shown = source if len(source) <= 80 else source[:77] + "..."
            raise InputError(f"There is no file at {shown!r}. To brief text, pipe it in with "
                             "'-' as the source.")
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(
                f"{source} is {path.stat().st_size:,} bytes; newsbrief reads articles up to "
                f"{MAX_INPUT_BYTES:,} bytes."
            )
        data = path.read_bytes()
        name = path.name
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"The input is over {MAX_INPUT_BYTES:,} bytes; send a single article.")
    return article_from_text(decode_bytes(data), source=name)
