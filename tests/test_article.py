"""Articles in: text, HTML, files and stdin; bad input gets a clear error, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from summarizers.article import article_from_html, article_from_text, load_source, looks_foreign
from summarizers.errors import InputError

STORY = (
    "The city council approved a new budget on Tuesday after a debate that lasted six hours. "
    "The budget raises spending on parks and libraries by five percent, the mayor said."
)


def test_plain_text_headline_and_furniture(seed_path):
    article = load_source(str(seed_path))
    assert article.title == "Leaked draft letter contradicts Pentagon on US withdrawal from Iraq"
    assert article.body.startswith("The American military appeared")
    # photo captions and credits are not prose
    assert "Secretary of Defense Mark EsperAP" not in article.body
    assert "With Post wires" not in article.body
    assert article.id == load_source(str(seed_path)).id


def test_html_page_main_text_title_and_byline():
    html = (
        "<html><head><title>Council passes budget | City News</title>"
        '<meta name="author" content="Jane Doe"></head><body>'
        "<nav>Home News Sport Weather</nav><article><h1>Council passes budget</h1>"
        + "".join(f"<p>{STORY} Paragraph {i} adds detail about the plan.</p>" for i in range(4))
        + "</article><footer>Copyright City News</footer></body></html>"
    )
    article = article_from_html(html)
    assert "Council passes budget" in article.title
    assert "parks and libraries" in article.body
    assert "Copyright" not in article.body and "Weather" not in article.body
    # HTML pasted as text is recognised as HTML
    assert "parks and libraries" in article_from_text(html).body


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("   \n\t  \n", "empty"),
        ("one two three", "too little text"),
        ("Der Stadtrat hat am Dienstag nach langer Debatte einen neuen Haushalt beschlossen. "
         "Die Ausgaben für Parks und Bibliotheken steigen um fünf Prozent, sagte die "
         "Bürgermeisterin.", "English"),
        ("\x00\x01\x02binary" * 50, "binary"),
        ("x" * 1_000_001, "characters"),
    ],
)
def test_bad_text_is_refused_politely(text, message):
    with pytest.raises(InputError, match=message):
        article_from_text(text)


def test_soft_hyphens_do_not_cut_words_in_two():
    text = f"{STORY} H. Mont\u00adgomery Hyde said the book was his\u00adtory, not obscene."
    assert "H. Montgomery Hyde said the book was history" in article_from_text(text).body
    html = ("<html><head><title>Court hears the Fanny Hill case</title></head><body><article>"
            + "".join(f"<p>{STORY} Mont&shy;gomery Hyde spoke for the de&shy;fence.</p>"
                      for _ in range(4)) + "</article></body></html>")
    article = article_from_html(html)
    assert "Montgomery Hyde spoke for the defence" in article.body
    assert "\u00ad" not in article.body


def test_html_without_article_text():
    with pytest.raises(InputError, match="no article text"):
        article_from_html("<html><body><nav>Home</nav><div>Login</div></body></html>")


def _cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin,
                          capture_output=True, timeout=300)


@pytest.mark.parametrize(
    "stdin, needle",
    [(b"", b"empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 100, b"binary"),
     (b"word " * 2_200_000, b"bytes")],
)
def test_cli_bad_stdin_is_a_clear_error_not_a_traceback(stdin, needle):
    out = _cli("brief", "-", stdin=stdin)
    assert out.returncode == 2
    assert needle in out.stderr and b"Traceback" not in out.stderr


def test_cli_missing_file():
    out = _cli("brief", "/nonexistent/article.txt")
    assert out.returncode == 2 and b"no file" in out.stderr and b"Traceback" not in out.stderr


def test_text_given_where_a_path_goes_is_a_clear_error(seed_path):
    """Text pasted as the source is longer than a file name may be (ENAMETOOLONG)."""
    pasted = " ".join(seed_path.read_text(encoding="utf-8").split())[:600]
    with pytest.raises(InputError, match="pipe it in with '-'") as err:
        load_source(pasted)
    assert len(str(err.value)) < 200  # the text is not echoed back whole
    out = _cli("brief", pasted)
    assert out.returncode == 2 and b"no file" in out.stderr and b"Traceback" not in out.stderr


@pytest.mark.parametrize("width", [50, 72, 100])
def test_text_wrapped_at_a_fixed_width_loses_nothing(seed_path, width):
    """Plain text wrapped for e-mail: before its lines were joined again, every short line of a
    wrapped paragraph read as page furniture, and at 60 characters the seed lost 357 of its 651
    words ("about-" and "face" at a line's end are one word again)."""
    import textwrap

    seed = seed_path.read_text(encoding="utf-8")
    wrapped = "\n\n".join(textwrap.fill(p, width) for p in seed.split("\n\n"))
    assert wrapped != seed
    assert article_from_text(wrapped) == article_from_text(seed)


def test_wrapped_text_under_a_long_headline_or_with_short_paragraphs_loses_nothing():
    import textwrap

    paragraphs = ["Heavy snow closed more than 300 schools in northern England on Monday, the "
                  "councils said.", "Drivers were told to stay at home as roads froze overnight "
                  "and buses stopped running.", "Prime Minister Boris Johnson told MPs that "
                  "schools would reopen on Wednesday if the roads were clear by then."]
    headline = ("Storm closes more than 300 schools across the north of England as roads "
                "freeze and buses stop")
    plain = article_from_text(headline + "\n\n" + "\n\n".join(paragraphs))
    for width in (40, 50, 65, 80):
        wrapped = headline + "\n\n" + "\n\n".join(textwrap.fill(p, width) for p in paragraphs)
        assert article_from_text(wrapped).body == plain.body, width
    # A headline right above the wrapped body (no blank line) is not run into its first line.
    above = "Storm closes schools\n" + textwrap.fill(" ".join(paragraphs), 72)
    assert article_from_text(above).title == "Storm closes schools"
    bylined = article_from_text("Storm closes schools\n\nBy Amy Reid, Education Correspondent\n"
                                + textwrap.fill(" ".join(paragraphs), 72))
    assert bylined.title == "Storm closes schools"
    assert bylined.byline == "Amy Reid, Education Correspondent"
    assert bylined.body == " ".join(paragraphs)


def test_unwrapping_keeps_paragraphs_headlines_and_labels_apart():
    from summarizers.article import unwrapped

    # One paragraph a line, however short its lines (XSum, feeds): left as it is.
    lines = "Ten people were hurt.\nPolice closed the road for an hour.\nIt reopened at 6pm.\n"
    assert unwrapped(lines) == lines
    # A headline, a label over a figure's caption: not joined to the lower-case line after.
    for kept in ("Beats Music Might End, But Beats Headphones Will Continue\njimmy iovine",
                 "£56.5m\ncost of Operation Resolve", "Headline\n\nbody starts here"):
        assert unwrapped(kept) == kept
    # A list's items, a byline and an "iPhone" at a line's start are not what went before.
    for kept in ("The plant will close, the company said.\n- About 1,200 jobs will go",
                 "By Amy Reid and Tom Jones, Industry Correspondents\nThe company said",
                 "Apple misses forecasts as demand in China weakens sharply\niPhone sales fell"):
        assert unwrapped(kept) == kept
    assert unwrapped("in the years before pre-\nand post-Brexit rules") == (
        "in the years before pre- and post-Brexit rules")
    # A sentence that goes on in lower case on the next line is one line again.
    assert unwrapped('"I did not intend to show anyone the video and I still\ndon\'t know how '
                     'it got out," he said.') == ('"I did not intend to show anyone the video '
                                                 'and I still don\'t know how it got out," he '
                                                 'said.')

def test_cli_reads_stdin(seed_path):
    out = _cli("brief", "-", stdin=seed_path.read_bytes())
    assert out.returncode == 0, out.stderr
    assert b"KEY CONTRADICTION" in out.stdout


@pytest.mark.parametrize(("sentence", "foreign"), [
    ("Yo no lo sabía, pero su visita coincidía con la celebración de Hanukkah.", True),
    ("Die Regierung hat am Montag einen neuen Haushalt für das kommende Jahr beschlossen.", True),
    ("Pictures showed them lighting candles on a menorah brought by the family.", False),
    ("Tenía razón.", False),  # too short to tell
])
def test_a_sentence_in_another_language_is_told_apart(sentence: str, foreign: bool) -> None:
    assert looks_foreign(sentence) is foreign
