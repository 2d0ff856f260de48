"""What the parser is given: typographic apostrophes inside words are read as straight ones (the
small English model learned from those), and every Doc keeps the text as written."""

from __future__ import annotations

import pytest

from summarizers.analysis import analyze_text
from summarizers.contradiction import find_contradiction
from summarizers.nlp import get_nlp

CURLY = "She isn’t leaving, it wasn’t true and we won’t go. Zoë’s friend O’Neill said so."


def _annotations(doc) -> list[tuple]:  # noqa: ANN001
    return [(t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_iob_, t.ent_type_) for t in doc]


def test_curly_apostrophes_parse_as_straight_ones_and_keep_their_text() -> None:
    curly, straight = get_nlp().parse([CURLY, CURLY.replace("’", "'")])
    assert curly.text == CURLY
    assert _annotations(curly) == _annotations(straight)
    negations = [t for t in curly if t.text == "n’t"]
    assert len(negations) == 3 and all(t.dep_ == "neg" and t.lemma_ == "not" for t in negations)
    assert [(s.start, s.end) for s in curly.sents] == [(s.start, s.end) for s in straight.sents]


@pytest.mark.parametrize("text", [
    "He called the letter ‘a draft’ and ‘a mistake’ on Monday.",  # quote marks, not apostrophes
    "The players’ union met on Monday.",  # a plural possessive: the mark ends the word
    "Nothing to read through differently here.",
])
def test_other_marks_are_parsed_as_they_are(text: str) -> None:
    doc = get_nlp().parse([text])[0]
    assert doc.text == text
    assert _annotations(doc) == _annotations(get_nlp().spacy(text))


def test_a_denial_with_a_curly_apostrophe_is_found_like_a_straight_one() -> None:
    # Read as written, "wasn’t" lost its negation and the denial went unseen.
    article = ("The Daily Courier reported that the mayor of Springfield had quit her job on "
               "Monday.\n\nHer spokesman, Tom Reyes, said the report wasn’t true.")
    for text in (article, article.replace("’", "'")):
        c = find_contradiction(analyze_text(text))
        assert c is not None and "Reyes" in c.counter.who


# Sentences that reach the attribute ruler's special rules: "ai n't" and "gon na" (two-token
# rules), quote and bracket tags, whitespace tokens, "'s" and "'d", possessive pronouns.
RULE_TEXTS = [
    "I ain't gonna say it's a draft, he'd said, `` no way '' (really).",
    "Ain't nobody got time  for that;  they're  gonna   wait -- or won't they?",
    "The players' union, its members and hers said: 'We're going to win.'",
    "In 2019, Mr. O'Neill's firm paid $3.5m -- 40% -- to U.S. and E.U. regulators...",
]


def test_attribute_rules_by_lookup_annotate_as_spacys_own_ruler() -> None:
    nlp = get_nlp()
    assert nlp._attribute_rules is not None  # the packaged pipeline's rules are all readable
    ours = nlp._pipe(RULE_TEXTS)
    stock = list(nlp.spacy.pipe(RULE_TEXTS))
    for mine, theirs in zip(ours, stock, strict=True):
        assert [(t.pos_, str(t.morph)) for t in mine] == [(t.pos_, str(t.morph)) for t in theirs]
        assert _annotations(mine) == _annotations(theirs)
    # the two-token rules did apply: "ai n't" is "be not", "gon na" is "go to"
    assert [t.lemma_ for t in ours[0][1:5]] == ["be", "not", "go", "to"]


def test_a_rule_the_lookup_cannot_read_leaves_spacys_own_ruler() -> None:
    import spacy

    from summarizers.nlp import _AttributeRules

    ruler = spacy.blank("en").add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "new"}, {"IS_TITLE": True, "OP": "+"}]], {"TAG": "NNP"})
    assert _AttributeRules.compile(ruler) is None


@pytest.mark.parametrize(("text", "sentences"), [
    # A quotation cut off at its "!" or "?" and going on in lower case is one sentence.
    ("'WANTED!!!!! girlfriend/wife, must love pets...' the ad read. It ran for a week.",
     ["'WANTED!!!!! girlfriend/wife, must love pets...' the ad read.", "It ran for a week."]),
    ("He called the film “Everybody Wants Some!! , a sequel”, in May. Fans agreed.",
     ["He called the film “Everybody Wants Some!! , a sequel”, in May.", "Fans agreed."]),
    ("\"Why? nobody knows. It was never explained.",
     ["\"Why? nobody knows.", "It was never explained."]),
    # A piece that starts with a comma goes with the one before.
    ("The ad said 'successful candidate.' , it reads. Then it ended.",
     ["The ad said 'successful candidate.' , it reads.", "Then it ended."]),
])
def test_a_splitter_cut_where_no_sentence_ends_is_joined_again(
        text: str, sentences: list[str]) -> None:
    assert get_nlp().split_sentences(text) == sentences


@pytest.mark.parametrize("text", [
    "Will you go? well, I might. Nobody asked me.",  # no quotation: lower-case writing
    "\"Help!\" She ran. Then she left.",  # the quotation closed, a capital after it
    "He yelled 'stop!' Then he ran.",
    "Patents were approved around the globe.:62 Many inventions were never patented.",  # a page
])
def test_sentences_after_a_cry_stay_apart(text: str) -> None:
    assert len(get_nlp().split_sentences(text)) >= 2
