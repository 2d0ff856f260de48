"""Key-point selection on hand-written news texts, with the real sentence embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from summarizers.keypoints import (
    clean_sentence,
    glued_caption_end,
    is_clause,
    is_junk,
    key_point_texts,
    rank_sentences,
    select_key_points,
    tldr,
)

LEAD = (
    "Flood water forced the evacuation of 3,000 residents from the town of Millbrook on Tuesday "
    "after the River Avon burst its banks."
)
DUPLICATE = (
    "The River Avon burst its banks on Tuesday, forcing 3,000 Millbrook residents to evacuate "
    "their homes."
)
STORY = [
    "By Jane Smith",
    "Scroll down for video",
    LEAD,
    "Officials said the river rose two metres overnight following three days of heavy rain.",
    "Is this the worst flood in living memory?",
    "Emergency shelters were opened in two schools and the town hall, the county council said.",
    "Photo: Residents wade through the flooded high street",
    DUPLICATE,
    "Forecasters expect more rain later in the week, and ten flood warnings remain in force.",
    "Local businesses said the damage could cost millions of pounds to repair.",
    "The council's leader, Tom Price, praised the emergency services for their quick response.",
]
JUNK = {0, 1, 4, 6}


@pytest.fixture(scope="module")
def story_embeddings() -> np.ndarray:
    from summarizers.nlp import get_nlp

    return get_nlp().embed(STORY)


@pytest.mark.parametrize(
    "sentence",
    [
        "By Jane Smith",
        "Scroll down for video",
        "Is this the worst flood in living memory?",
        "Photo: Residents wade through the flooded high street",
        "WHY PEOPLE ARE ANGRY ABOUT THE NEW FLOOD DEFENCES ! ! !",
        "well you were saying that last week and nobody believed you at all",
        "Click here to read more about the floods in the region today.",
        "Running time: 154 mins.",
        "FILE - In this Aug. 21, 2012, file photo, the company's logo is seen outside its offices.",
        "In this photo taken Oct. 3, soldiers patrol the border town near the river crossing.",
    ],
)
def test_junk_is_recognised(sentence: str) -> None:
    assert is_junk(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        LEAD,
        "iPhone sales fell by a fifth in the three months to June, Apple said on Thursday.",
        '"We have never seen anything like it," said Mayor Lena Ortiz on Tuesday evening.',
        "In this picture-perfect town, residents have voted to ban cars from the centre.",
        "In this case the court found that the photo had been altered before it was published.",
    ],
)
def test_prose_is_not_junk(sentence: str) -> None:
    assert not is_junk(sentence)


def test_prompt_glued_to_a_sentence_is_cleaned_not_dropped() -> None:
    glued = "Scroll down for video " + LEAD
    assert not is_junk(glued)
    assert clean_sentence(glued) == LEAD


@pytest.mark.parametrize(
    ("shown", "cleaned"),
    [
        ("(CNN) A fiery sunset greeted people in Washington on Sunday.",
         "A fiery sunset greeted people in Washington on Sunday."),
        ("WASHINGTON (Reuters) - The Senate passed the flood defence bill on Tuesday.",
         "The Senate passed the flood defence bill on Tuesday."),
        ("Media playback is not supported on this device The striker scored twice in the final.",
         "The striker scored twice in the final."),
        ("Mayor Lena Ortiz ( pictured ) said the river rose two metres overnight.",
         "Mayor Lena Ortiz said the river rose two metres overnight."),
        ("But the council insisted the defences had held.",
         "The council insisted the defences had held."),
        ("However, the council insisted the defences had held.",
         "The council insisted the defences had held."),
        ("Mayor Lena Ortiz ( second left ) said the river rose two metres overnight.",
         "Mayor Lena Ortiz said the river rose two metres overnight."),
        ('Media playback is not supported on this device "We won," the captain said at the end.',
         '"We won," the captain said at the end.'),
        ("26 July 2016 Last updated at 17:48 BST The striker scored twice in the final.",
         "The striker scored twice in the final."),
        ("26 July 2016 Last updated at 17:48 The striker scored twice in the final.",
         "The striker scored twice in the final."),
        ("But eBay said it would appeal against the ruling on Monday.",
         "eBay said it would appeal against the ruling on Monday."),
        ("Dani Alves ( left ) is being linked with a move to Manchester United.",
         "Dani Alves is being linked with a move to Manchester United."),
        ("The Hague, Netherlands (CNN) -- The court issued a warrant on Friday.",
         "The court issued a warrant on Friday."),
        ("But for now the most important asset of the club is its academy.",
         "For now the most important asset of the club is its academy."),
        ("SAN FRANCISCO -- Apple plans to shut down its streaming service.",
         "Apple plans to shut down its streaming service."),
        ("PORTLAND, Ore. — A man was arrested after the fire on Tuesday.",
         "A man was arrested after the fire on Tuesday."),
        ("KABUL — “We will fight on,” the commander said.",
         "“We will fight on,” the commander said."),
        ("LONDON, Jan. 27— “Fanny Hill” was defended against charges of obscenity today.",
         "“Fanny Hill” was defended against charges of obscenity today."),
        ("WASHINGTON, March 3 — The Senate voted on the bill on Tuesday.",
         "The Senate voted on the bill on Tuesday."),
        ("Tuesday, August 25, 2015, 12:41 AM A Kansas man used his dog to beat the heat.",
         "A Kansas man used his dog to beat the heat."),
        ("Friday , May 5th 2000 , 2:12AM The film opens in cinemas across the country today.",
         "The film opens in cinemas across the country today."),
    ],
)
def test_key_points_lose_datelines_furniture_and_link_words(shown: str, cleaned: str) -> None:
    assert clean_sentence(shown) == cleaned


@pytest.mark.parametrize(
    "sentence",
    [
        "Andrew Ortiz said the river rose two metres overnight.",  # a name, not the link word "And"
        "The (CNN) report on the floods was wrong, the council said.",  # not a dateline
        "Residents of the left bank (on the right) were evacuated first.",  # not a direction
        "But for the rain, the final would have been finished by noon on Sunday.",  # = without
        "Marine Le Pen's National Rally (far right) came first in the regional vote.",  # politics
        "The Associated Press (AP) - which first reported the story - stood by it.",
        "NASA — the space agency — said it would launch the rocket in May.",  # an aside
        "The UN -- which met on Monday -- agreed to send more aid to the region.",
        "On Tuesday, August 25, 2015, the council met at 12:41 to vote on the plan.",
        "May 5, 2000, 10:30 was the time of the attack, police said on Monday.",  # no AM/PM
    ],
)
def test_cleaning_leaves_prose_alone(sentence: str) -> None:
    assert clean_sentence(sentence) == sentence


@pytest.mark.parametrize(
    ("cut", "shown"),
    [
        ("“That letter is a draft.", "“That letter is a draft.”"),  # the quote runs on
        ("It was a mistake,” Milley said.", "“It was a mistake,” Milley said."),  # began before
        ("a mistake,” he said, “and a draft.", "“a mistake,” he said, “and a draft.”"),
        ("He called it “a draft’’ and “a mistake.’’", "He called it “a draft’’ and “a mistake.’’"),
        ("He said “yes” and left.", "He said “yes” and left."),
        ('It was a mistake," he said.', '"It was a mistake," he said.'),  # straight quotes
        ('"I figured people would be skeptical, but it is true.',
         '"I figured people would be skeptical, but it is true."'),
        ('He said "yes" and left.', 'He said "yes" and left.'),
        ("He is 6'2\" tall and weighs 200 pounds.", "He is 6'2\" tall and weighs 200 pounds."),
        ('A " stray mark, spaced.', 'A " stray mark, spaced.'),
        ("Er sagte: „Das ist falsch.“", "Er sagte: „Das ist falsch.“"),  # German marks
        ("Han sa: ”Det är fel.” Sedan gick han.", "Han sa: ”Det är fel.” Sedan gick han."),
    ],
)
def test_a_sentence_cut_from_a_longer_quote_shows_whole_quote_marks(cut: str, shown: str) -> None:
    assert clean_sentence(cut) == shown


def test_a_sentence_read_after_the_one_it_links_to_keeps_its_link_word() -> None:
    assert clean_sentence("But Mayor Ortiz ( pictured ) said the defences held.",
                          keep_link_word=True) == "But Mayor Ortiz said the defences held."


def test_timestamp_line_is_junk() -> None:
    assert is_junk("26 July 2016 Last updated at 17:48 BST")


def test_a_link_word_does_not_make_a_sentence_junk() -> None:
    # Judged with its link word: "And by Tuesday" is no byline, "But ..." keeps its 8 words.
    assert not is_junk("And by Tuesday, the river had risen two metres above its usual level.")
    assert not is_junk("But the council said it would not resign today.")


@pytest.mark.parametrize(("text", "whole"), [
    ("He was 42.", True),
    ("Police are investigating.", True),
    ("The mayor attended the meeting.", True),
    ("'WANTED!!!!!", False),
    ("Pictured: the scene at the harbour", False),
    ("Sky Sports' punditry team", False),
    ("Investigating the crash scene on Monday.", False),
])
def test_a_clause_has_a_subject_and_a_finite_verb(text: str, whole: bool) -> None:
    from summarizers.nlp import get_nlp

    assert is_clause(get_nlp().parse([text])[0]) is whole


def test_a_short_whole_clause_is_no_junk_but_stays_junk_for_other_reasons() -> None:
    assert is_junk("Police are investigating.")  # short, and nothing says it is a clause
    assert not is_junk("Police are investigating.", clause=True)
    assert is_junk("Is it over?", clause=True)  # still a question
    assert is_junk("He left.", clause=True)  # below CLAUSE_MIN_WORDS


def test_ranking_skips_junk_and_puts_the_lead_event_first(story_embeddings: np.ndarray) -> None:
    ranked = rank_sentences(STORY, story_embeddings)
    assert not JUNK & set(ranked)
    assert sorted(ranked) == sorted(set(range(len(STORY))) - JUNK)
    assert ranked[0] == STORY.index(LEAD)  # the byline and video prompt do not demote it
    assert tldr(STORY, story_embeddings) == STORY.index(LEAD)


def test_centrality_alone_still_ranks_the_lead_event_high(story_embeddings: np.ndarray) -> None:
    # Without the position prior, PacSum's directed centrality should still find the lead.
    ranked = rank_sentences(STORY, story_embeddings, position_weight=0.0)
    assert STORY.index(LEAD) in ranked[:2]


def test_near_duplicate_is_not_a_second_key_point(story_embeddings: np.ndarray) -> None:
    lead, dup = STORY.index(LEAD), STORY.index(DUPLICATE)
    assert float(story_embeddings[lead] @ story_embeddings[dup]) > 0.75  # they do say the same
    picks = select_key_points(STORY, story_embeddings, 5, redundancy=0.75)
    assert lead in picks
    assert dup not in picks
    # With redundancy removal off, the duplicate is a candidate like any other.
    every = select_key_points(STORY, story_embeddings, 7, redundancy=1.01)
    assert dup in every


@pytest.mark.parametrize("k", [1, 3, 5])
def test_k_is_respected_and_order_documented(story_embeddings: np.ndarray, k: int) -> None:
    article_order = select_key_points(STORY, story_embeddings, k)
    rank_order = select_key_points(STORY, story_embeddings, k, order="rank")
    assert len(article_order) == k
    assert article_order == sorted(article_order)
    assert sorted(rank_order) == article_order
    assert rank_order[0] == rank_sentences(STORY, story_embeddings)[0]


def test_k_larger_than_available_returns_what_there_is(story_embeddings: np.ndarray) -> None:
    picks = select_key_points(STORY, story_embeddings, 50, redundancy=1.01)
    assert sorted(picks) == sorted(set(range(len(STORY))) - JUNK)
    assert select_key_points(STORY, story_embeddings, 0) == []


def test_redundancy_on_synthetic_vectors() -> None:
    # Rows 0 and 2 are the same direction; 1 and 3 are distinct.
    sentences = [f"Sentence {w} of this invented article says something new." for w in "abcd"]
    emb = np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 0, 0], [0, 0, 1.0]])
    picks = select_key_points(sentences, emb, 3, position_weight=100.0)
    assert picks == [0, 1, 3]


def test_all_junk_input_is_still_ranked() -> None:
    sentences = ["Too short.", "Also short?"]
    emb = np.eye(2)
    assert sorted(rank_sentences(sentences, emb)) == [0, 1]
    assert rank_sentences([], np.zeros((0, 3))) == []


def test_mismatched_embeddings_raise() -> None:
    with pytest.raises(ValueError):
        rank_sentences(["One sentence that is long enough to count here."], np.zeros((2, 3)))


GLUED = [
    # A caption with no full stop, then the sentence it illustrates.
    ("Emma Hart , 31 , was stopped at the border on Friday with two suitcases of cash in her car "
     "A British nurse has been charged with smuggling money out of the country .",
     "A British nurse has been charged with smuggling money out of the country ."),
    # The caption repeats the sentence; the article opens a possessive subject.
    ("The mayor 's car was stolen outside the town hall on Monday The mayor 's car was stolen "
     "from outside the town hall hours before the council met .",
     "The mayor 's car was stolen from outside the town hall hours before the council met ."),
    # A caption ending in a quote.
    ("Officials said the bridge was 'perfectly safe ' The bridge collapsed two days later .",
     "The bridge collapsed two days later ."),
]
NOT_GLUED = [
    "She won the final of The X Factor in 2012 and has sold a million records since .",
    "Fans say Brooklyn Nine-Nine and The Big Bang Theory are the same as they ever were .",
    'The minister said : " The evidence shows the plan will work . "',
    'He said "The plan will work" and left the room without another word .',
    "He was attacked outside a bar called The Cellar on Saturday night .",
    "A spokeswoman said : `` The engagement will allow the princes to pay tribute . ''",
    "It is a situation that might not change any time soon.\u202c The drama stars Ruth Wilson .",
    "The Texas teacher was arrested again on Monday after a second pupil came forward .",
]


@pytest.mark.parametrize(("text", "proper"), GLUED)
def test_a_caption_glued_before_a_sentence_is_left_out_of_its_key_point(
        text: str, proper: str) -> None:
    from summarizers.nlp import get_nlp

    doc = get_nlp().parse([text])[0]
    assert doc[glued_caption_end(doc):].text == proper
    texts, clauses = key_point_texts([text], [doc])
    assert texts == [proper] and clauses == [True]


@pytest.mark.parametrize("text", NOT_GLUED)
def test_an_article_inside_a_name_or_a_quote_is_no_caption_boundary(text: str) -> None:
    from summarizers.nlp import get_nlp

    doc = get_nlp().parse([text])[0]
    assert glued_caption_end(doc) == 0
    assert key_point_texts([text], [doc])[0] == [text]


@pytest.mark.parametrize(("text", "shown"), [
    ("( Instagram ) A young woman who lost her leg has set her sights on beauty norms .",
     "A young woman who lost her leg has set her sights on beauty norms ."),
    ("Protesters raise their hands in front of the police. (Alex Ogle/AFP/Getty Images)", ""),
    ("(AP Photo/Paul Sakuma, File)", ""),
    ("(Reuters) - The company said it would cut 500 jobs by the end of the year.",  # a wire's
     "(Reuters) - The company said it would cut 500 jobs by the end of the year."),
    ("The photos (taken by a neighbour) show the fire spreading to the roof.",
     "The photos (taken by a neighbour) show the fire spreading to the roof."),
])
def test_a_photo_credit_is_no_key_point_and_marks_its_caption(text: str, shown: str) -> None:
    from summarizers.nlp import get_nlp

    assert key_point_texts([text], get_nlp().parse([text]))[0] == [shown]
