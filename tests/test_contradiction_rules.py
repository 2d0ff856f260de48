"""The key contradiction's rules against false pairs: each article below gave one before the rule
(a shared word, a denial of something else, a non-answer, the same party); the real ones after
them must still be found."""

from __future__ import annotations

import pytest

from summarizers.analysis import analyze_text
from summarizers.contradiction import _derived, _verdict, find_contradiction
from summarizers.nlp import get_nlp


@pytest.mark.parametrize(
    "text",
    [
        # A deny verb denies what it names: taking part in infidelity is not the search claimed.
        "The newspaper claimed that doctors searched for the husband's missing finger after his "
        "wife attacked him over an affair.\n\nThe husband denied taking part in any infidelity.",
        # What someone would not confirm or deny, they did not deny.
        "The reports said that warplanes dropped bombs on the convoy of the group's leader, Abu "
        "Bakr al-Baghdadi. \"The jets hit the convoy at night,\" the reports said.\n\n"
        "U.S. officials would not confirm or deny whether Baghdadi, the group's leader, had been "
        "targeted.",
        # A negated verb of intending denies what it governs: showing a video, not pouring acid.
        "The 17-year-old said she intended to pour the acid on her boyfriend after he filmed them "
        "having sex and shared the video.\n\n\"She was not aware that I was filming. I did not "
        "intend to show anyone the video,\" her boyfriend Humphrey Khoza said.",
        # A hedge is a doubt, not a denial.
        "The victim said the song scared the bear off once it began playing.\n\n"
        "Scientists explained that it wasn't necessarily the song that scared the bear off.",
        # The speaker corrects the word with itself: the war is not denied, its target is.
        "\"You should protect yourselves from this war by standing against your rulers,\" "
        "Golani said.\n\n"
        "\"It's not a war against the Front, it's a war against Islam,\" spokesman Abu Firas "
        "said.",
        # A claim that reports the denier's own denial is not a claim against them.
        "TVA Sports reported that deputy commissioner Bill Daly denied the league is looking to "
        "expand.",
        # What the claimant only supposes ("if you don't accept ...") is not claimed.
        "Sisi said to Abbas in the meeting: \"You are now 80 years old, if you don't accept this "
        "proposal, your successor will.\"\n\n"
        "\"We won't accept the continuation of the situation with Hamas,\" Abbas said.",
        # A request asserts nothing.
        "Her lawyers asked that the press respect the doctor's privacy and the privacy of her "
        "patients.\n\nSources close to the doctor said reports that she took a photo of her "
        "patients were lies.",
        # "No other pupils": something besides what was claimed.
        "The teen claimed a sexual relationship with her teacher took place in her car.\n\n"
        "Detectives said the teacher had not been in a relationship with any other pupils.",
    ],
)
def test_false_contradictions_are_no_longer_found(text: str) -> None:
    assert find_contradiction(analyze_text(text)) is None


def test_a_negated_reason_denies_what_it_is_a_reason_for():
    c = find_contradiction(analyze_text(
        "Police said that the officer fired at the car because it was being driven towards "
        "him.\n\nDornella Conner, the driver, was shot in the arm. He added: \"There was no "
        "reason to fire upon an innocent person who was sitting in a vehicle.\""
    ))
    assert c is not None and "Police" in c.claim.who and "Conner" in c.counter.who


def test_a_deny_verb_on_what_was_claimed_is_still_found():
    c = find_contradiction(analyze_text(
        "The newspaper claimed that the clinic performed a biopsy on the singer that morning.\n\n"
        "The clinic's owner, Dr. Paul Reed, denied that any biopsy had ever taken place there."
    ))
    assert c is not None and "newspaper" in c.claim.who and "Reed" in c.counter.who


def test_quoted_words_in_the_speakers_own_name_are_not_what_they_said():
    analysis = analyze_text(
        "Khalaf wrote about the law on Monday. The \"religious police\" has denied that it "
        "issued such a law."
    )
    denial = next(s for s in analysis.statements if s.verb == "deny")
    assert denial.content.startswith("that it issued such a law") and not denial.quote


def test_who_speaks_in_a_relative_clause_is_its_antecedent():
    analysis = analyze_text(
        "Secretary of State John Kerry, who has disputed the use of the term \"war,\" spoke on "
        "Sunday."
    )
    disputed = next(s for s in analysis.statements if s.verb == "dispute")
    assert disputed.speaker_id == analysis.entity_for("John Kerry").id
    assert "who" not in disputed.speaker.lower()


COURIER = "The Daily Courier reported that the mayor of Springfield had quit her job on Monday."


@pytest.mark.parametrize("answer", [
    "“That isn’t true,” her spokesman, Tom Reyes, said.",
    "“It’s not true,” said Tom Reyes, her spokesman.",
    "Her spokesman, Tom Reyes, said the report was not accurate.",
])
def test_a_bare_verdict_right_after_a_claim_answers_it(answer: str) -> None:
    c = find_contradiction(analyze_text(f"{COURIER}\n\n{answer}"))
    assert c is not None and "Courier" in c.claim.who and "Reyes" in c.counter.who
    # An unquoted claim is introduced by its own verb, once.
    assert c.why.startswith("Daily Courier reported that the mayor")


def test_a_bare_verdict_further_on_answers_nothing_named() -> None:
    text = (f"{COURIER} The council met on Tuesday to discuss the budget for the new library."
            "\n\n“It’s not true,” said Tom Reyes, her spokesman.")
    assert find_contradiction(analyze_text(text)) is None


def test_a_negation_before_but_does_not_make_what_follows_unsaid() -> None:
    # "would not confirm or deny" says nothing; "did not comment but said ..." says the second.
    c = find_contradiction(analyze_text(
        f"{COURIER}\n\nHer spokesman, Tom Reyes, did not comment but said the report was false."))
    assert c is not None and "Reyes" in c.counter.who


@pytest.mark.parametrize(("a", "b", "related"), [
    ("expand", "expansion", True), ("state", "statement", True),
    ("police", "policy", False), ("protest", "protect", False), ("control", "contract", False),
    ("international", "interview", False), ("company", "compare", False),
])
def test_words_count_as_one_only_through_a_deriving_ending(a: str, b: str, related: bool) -> None:
    assert _derived(a, b) is related and _derived(b, a) is related


@pytest.mark.parametrize(("sentence", "word", "verdict"), [
    ("The report is not correct.", "correct", True),
    ("That is not accurate.", "accurate", True),
    ("We have not corrected the story.", "corrected", False),  # the verb: nothing is disowned
    ("The company did not correct the error.", "correct", False),
])
def test_a_negated_confirming_adjective_is_a_verdict_and_the_verb_is_not(
    sentence: str, word: str, verdict: bool
) -> None:
    doc = get_nlp().parse([sentence])[0]
    assert _verdict(next(t for t in doc if t.text == word)) is verdict


def test_according_to_a_source_is_that_source_saying_the_clause() -> None:
    analysis = analyze_text(
        "The fire started in the kitchen shortly after midnight, according to the fire "
        "department. The mayor, according to aides, will resign on Friday. According to "
        "TechCrunch, the deal was \"mostly about getting two executives on board.\" He was, "
        "according to his lawyer, asleep at the time."
    )
    said = {s.speaker: s for s in analysis.statements if s.verb == "say"}
    fire = said["the fire department"]
    assert fire.content == "the fire started in the kitchen shortly after midnight"
    # The phrase and its commas are cut out of the middle of the clause.
    assert said["aides"].content == "the mayor will resign on Friday"
    # A quote inside the clause is the source's own words.
    assert said["TechCrunch"].quote == "mostly about getting two executives on board"
    assert said["TechCrunch"].content.count('"') == 2
    assert all(s.polarity == "assert" for s in said.values())


def test_a_report_given_by_according_to_is_a_claim_a_denial_can_answer() -> None:
    c = find_contradiction(analyze_text(
        "According to the Evening Herald, Rovers will sell their Riverside stadium to a property "
        "developer next year.\n\nThe club's chairman, Alan Moss, denied the report on Tuesday, "
        "saying \"the stadium is not for sale and never will be.\""
    ))
    assert c is not None and "Evening Herald" in c.claim.who and "Moss" in c.counter.who
    assert "sell their Riverside stadium" in c.claim.what
    assert not c.claim.quotes[0].verbatim  # the reporter's words, never shown as a quote


def test_according_to_on_a_relative_clause_or_on_someone_elses_saying_is_no_statement() -> None:
    analysis = analyze_text(
        "Dr. Ruth Vale denied performing a biopsy which, according to published reports, caused "
        "the complication. A clinic spokesman has denied that any photo was taken, according to "
        "reports."
    )
    speakers = {s.speaker for s in analysis.statements}
    assert "published reports" not in speakers and "reports" not in speakers
    # The spokesman's own denial is still his.
    assert any("spokesman" in s.speaker and s.polarity == "deny" for s in analysis.statements)


def test_whether_or_not_leaves_the_question_open() -> None:
    analysis = analyze_text(
        "Fox News reported that doctors are investigating whether or not the anesthetic was "
        "improperly administered."
    )
    assert [s.polarity for s in analysis.statements] == ["assert"]


def test_an_according_to_account_is_one_side_only_when_the_denial_names_its_source() -> None:
    # A side fact given "according to" a paper and an unrelated negation on the same topic.
    assert find_contradiction(analyze_text(
        "One of the hostages is an aid worker for whom the group has demanded $6 million in "
        "ransom, according to ABC News.\n\nThe government said it does not pay ransoms to "
        "kidnappers."
    )) is None


def test_a_report_the_writer_calls_nonsense_is_answered_by_the_writer() -> None:
    c = find_contradiction(analyze_text(
        "According to the report, Apple will release a smaller phone to appeal to female users "
        "next year.\n\nPersonally, I would suggest the report is 99 percent likely to be "
        "nonsense."
    ))
    assert c is not None and c.claim.who == "The report"
    assert c.counter.who == "the writer"  # "I" outside quotation marks, not a person named "I"


def test_a_claim_named_by_its_owner_is_theirs_and_the_denial_of_it_answers_it() -> None:
    analysis = analyze_text(
        "Apple has denied TechCrunch's claims that Beats Music is being shut down, saying the "
        "report \"is not true.\" According to TechCrunch, the deal was \"mostly about getting "
        "two executives on board.\""
    )
    claim = next(s for s in analysis.statements if s.verb == "claim")
    assert claim.speaker == "TechCrunch" and claim.indirect
    assert claim.content == "that Beats Music is being shut down"
    c = find_contradiction(analysis)
    # The claim Apple's verb denies, not TechCrunch's other statement (quoted, which counts
    # for a side otherwise).
    assert c is not None and c.claim.who == "TechCrunch" and "Beats Music" in c.claim.what
    assert c.counter.who == "Apple"


def test_a_claim_whose_owner_is_no_one_named_is_no_statement() -> None:
    analysis = analyze_text("Police rejected his allegation that officers had beaten him.")
    assert [s.speaker for s in analysis.statements] == ["Police"]
    analysis = analyze_text("The minister dismissed the newspaper's report that she would resign "
                            "next week.")
    assert ("the newspaper", "report") in [(s.speaker, s.verb) for s in analysis.statements]


@pytest.mark.parametrize("denial", [
    "The club chairman, Alan Moss, denied the report on Tuesday.",
    "Alan Moss, the club chairman, denied it.",
])
def test_a_deny_verb_with_only_an_object_denies_that_object(denial: str) -> None:
    analysis = analyze_text(
        "The Evening Herald reported that Rovers will sell their stadium to a developer.\n\n"
        + denial
    )
    moss = next(s for s in analysis.statements if s.verb == "deny")
    assert moss.polarity == "deny" and moss.content in ("the report", "it")
    c = find_contradiction(analysis)
    assert c is not None and "Evening Herald" in c.claim.who and "Moss" in c.counter.who


@pytest.mark.parametrize("text", [
    # One party speaking twice: its statement, then itself.
    "The Foreign Office statement said two British men had been detained in the city on "
    "Monday.\n\nThe British Foreign Office later denied the reports.",
    # An "it said" no one can be held to.
    "It said the company would take a $600 million charge for restructuring.\n\nIBM denied "
    "rumors that it is going to cut a quarter of its workforce.",
    # "ABC News" is named by its whole name, not by "news" in "a news report".
    "One of the hostages is an aid worker for whom the group has demanded a $6 million "
    "ransom, according to ABC News.\n\nThe group released a video of the hostages on "
    "Tuesday.\n\nThe French government denied a news report that it paid a ransom for the "
    "hostages.",
])
def test_no_contradiction_between_one_party_or_no_one_or_a_name_read_as_a_word(
        text: str) -> None:
    assert find_contradiction(analyze_text(text)) is None


@pytest.mark.parametrize(("text", "sides"), [
    # Critics of a party are not the party.
    ("The government said the election was free and fair. Government critics denied that the "
     "election was fair, saying thousands of votes were never counted.",
     ("The government", "Government critics")),
    ("The Government said the strike was illegal. Critics of the government denied that the "
     "strike was illegal.", ("The Government", "Critics of the government")),
    # A name ending in a full stop is still one party with its officials.
    ("The U.S. said the strike killed 20 militants. U.S. officials denied that the strike "
     "killed 20 militants.", None),
    # Dismissing charges or rejecting a budget denies nothing anyone said.
    ("Prosecutors said Smith stole $1 million from the charity. A judge dismissed the charges "
     "against Smith on Friday.", None),
    ("The mayor said the new budget would cut 200 jobs at city hall. The council rejected it "
     "on Tuesday by a vote of 7 to 2.", None),
])
def test_who_is_one_party_and_what_a_deny_verb_denies(text: str, sides: tuple | None) -> None:
    c = find_contradiction(analyze_text(text))
    assert (c and (c.claim.who, c.counter.who)) == sides


@pytest.mark.parametrize(("text", "expected"), [
    # "his" would resolve to the one rejecting the allegation.
    ("Mark Smith was arrested in May. Police chief Tom Jones rejected his allegation that "
     "officers had beaten him in custody.", {("Police chief Tom Jones", "reject")}),
    # The owner's clause is the owner's, not the workers'.
    ("The plant closed in May, according to workers, and the owner said it would reopen next "
     "year.", {("the owner", "say"), ("workers", "say")}),
    # The sources vouch for the value only: no statement of the whole sentence.
    ("The deal, worth $5 billion according to people familiar with the talks, was signed on "
     "Friday by both companies.", set()),
])
def test_reporters_words_statements_stay_within_what_the_source_is_said_to_say(
        text: str, expected: set) -> None:
    analysis = analyze_text(text)
    assert {(s.speaker, s.verb) for s in analysis.statements} == expected
    assert all("owner" not in s.content for s in analysis.statements if s.speaker == "workers")


def test_an_indefinite_mention_is_not_a_person_named_before() -> None:
    analysis = analyze_text(
        "Brad Bauman, a spokesperson for the family, said the report was wrong.\n\n"
        "A spokesperson for the department said that the investigation remains active."
    )
    second = next(s for s in analysis.statements if s.sentence_id == 1)
    assert second.speaker_id is None and second.speaker.startswith("A spokesperson for the")
