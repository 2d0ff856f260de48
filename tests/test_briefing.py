"""The briefing of the seed article, through the public API and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from summarizers.analysis import analyze_text
from summarizers.briefing import Quote, build_briefing, quoted
from summarizers.render import render_briefing


@pytest.fixture(scope="module")
def seed_briefing(seed_analysis):
    return build_briefing(seed_analysis)


def test_title_and_summary(seed_briefing):
    assert "draft letter" in seed_briefing.title.lower()
    assert 1 <= seed_briefing.tldr.count(". ") + 1 <= 3
    assert 3 <= len(seed_briefing.key_points) <= 5
    assert seed_briefing.tldr not in seed_briefing.key_points


def test_claim_side_is_the_unsigned_letter_in_its_own_words(seed_briefing):
    claim = seed_briefing.contradiction.claim
    assert "letter" in claim.who.lower() and "unsigned" in claim.who.lower()
    assert "Brig. Gen. William H. Seely III" in claim.who
    quotes = " ".join(q.text for q in claim.quotes)
    assert "repositioning forces" in quotes
    assert "We respect your sovereign decision to order our departure" in quotes


def test_counter_side_is_esper_and_milley_quoted(seed_briefing):
    counter = seed_briefing.contradiction.counter
    assert "Mark Esper" in counter.who and "Mark Milley" in counter.who
    assert "Trump" not in counter.who
    by_speaker = {}
    for q in counter.quotes:
        by_speaker.setdefault(q.speaker, []).append(q.text)
    esper = " ".join(v for k, v in by_speaker.items() if "Esper" in k for v in v)
    milley = " ".join(v for k, v in by_speaker.items() if "Milley" in k for v in v)
    assert "no decision whatsoever to leave Iraq" in esper
    assert "a draft" in milley and "a mistake" in milley
    why = seed_briefing.contradiction.why
    assert "Esper" in why and "Milley" in why and "letter" in why


def test_people_with_roles(seed_briefing):
    people = {p.name: p.role for p in seed_briefing.people}
    expected = {
        "Mark Esper": "Defense Secretary",
        "Mark Milley": "chairman of the Joint Chiefs of Staff",
        "William H. Seely III": "commanding general of Task Force Iraq",
        "Trump": "President",
        "Adel Abdul Mahdi": "Prime Minister",
        "Qassem Soleimani": "leader of the Quds Force",
    }
    for name, role in expected.items():
        assert name in people, f"{name} missing from {sorted(people)}"
        assert role in people[name]


def test_people_are_those_in_the_story_not_names_in_passing():
    analysis = analyze_text(
        "Mayor Ann Price opened the new bridge on Monday.\n\n"
        "Engineer Tom Baker said the work took two years. The bridge was built by a firm from "
        "Leeds and carries a plaque for Sam Hollis.\n\n"
        "Baker thanked the crews. Price cut the ribbon."
    )
    people = {p.name for p in build_briefing(analysis).people}
    assert {"Ann Price", "Tom Baker"} <= people
    named_in_passing = {e.name for e in analysis.people} - people
    assert all(len(e.sentence_ids) == 1 and not e.title and not e.role
               for e in analysis.people if e.name in named_in_passing)
    assert "Sam Hollis" not in people


def test_timeline_has_the_days(seed_briefing):
    whens = [t.when for t in seed_briefing.timeline]
    assert "Monday" in whens and "Sunday" in whens


def test_timeline_keeps_points_in_time_not_ages_lengths_or_numbers():
    analysis = analyze_text(
        "Striker Radamel Falcao spent eight years with River Plate before leaving for Porto in "
        "2009. The 29-year-old has scored four goals this season for the club. River Plate vice "
        "president Matias Patanian said on Monday that the doors were open. Falcao joined the "
        "club at the age of 15 and stayed for centuries, fans joked. Readers can call the club "
        "on 13 11 14 for tickets. The club first asked about him two weeks ago."
    )
    whens = [t.when.lower() for t in build_briefing(analysis).timeline]
    assert "2009" in whens and "monday" in whens and any("two weeks ago" in w for w in whens)
    assert not any(w in ("eight years", "29-year-old", "centuries", "13 11") for w in whens), whens
    assert not any("year-old" in w or "age of" in w for w in whens), whens


def test_a_short_pasted_snippet_is_briefed_from_its_first_sentence():
    # Short sentences of a snippet are sentences, not fragments: the TL;DR does not open on "It".
    briefing = build_briefing(analyze_text(
        "The city council met on Tuesday. It approved a new budget for the parks. The mayor "
        "attended the meeting. Funding for libraries was increased by ten percent."))
    assert briefing.tldr.startswith("The city council met on Tuesday.")
    assert "The mayor attended the meeting." in briefing.key_points


VAN_RYN = (
    "Bega Cheese boss Maurice Van Ryn pleaded guilty to 12 offences, a court heard on "
    "Monday. Van Ryn sat in the dock as a young woman read her statement. Prosecutors said "
    "Van Ryn had abused his position. The judge, Sarah Huggett, will sentence him in May."
)
FERNANDEZ = (
    "President Cristina Fernández de Kirchner met Yair Tawil and his family at her office "
    "last week to mark the ceremony. Ms Fernandez said Yair Tawil was the first Jewish boy "
    "to be adopted under the custom. The ceremony dates back more than a hundred years."
)
SILER = (
    "Aaron Siler, 26, was shot by a police officer in Kenosha on March 14, the police said.\n\n"
    "\"I felt like they were saying thank you for killing Aaron,\" said family friend Kathy "
    "Willie.\n\n"
    "Foreign Secretary William Hague met officials in London on Monday to discuss it.\n\n"
    "Prince William visited the hospital on Tuesday and spoke to the nurses there."
)


@pytest.mark.parametrize(("text", "full", "short"), [
    (VAN_RYN, "Maurice Van Ryn", "Van Ryn"),  # the end of a fuller name
    (FERNANDEZ, "Cristina Fernández de Kirchner", "Fernandez"),  # first of two, no accent
    (SILER, "Aaron Siler", "Aaron"),  # a first name alone
])
def test_a_shorter_mention_is_the_same_person(text: str, full: str, short: str):
    analysis = analyze_text(text)
    people = [p.name for p in build_briefing(analysis).people]
    assert full in people and short not in people, people
    assert analysis.entity_for(short) is analysis.entity_for(full)


def test_a_first_name_after_a_title_is_someone_else():
    people = [p.name for p in build_briefing(analyze_text(SILER)).people]
    assert "William Hague" in people and "Prince William" in people, people


WHITBY = (  # invented: a family sharing a surname, the wife named first
    "Clara Whitby opened a new wing of the children's hospital in Dunmore on Tuesday, where she "
    "read to patients and thanked the nurses. Governor Alan Whitby did not join her; he stayed "
    "in the capital for talks with legislative leaders on the state budget.\n\n"
    "\"These children are so brave,\" Clara Whitby said after the visit.\n\n"
    "Whitby later told reporters at the statehouse that the budget talks had gone well. \"We are "
    "very close to a deal,\" he said.\n\n"
    "Senate leader Maria Okonjo disputed that. \"There is no deal, and we are not close to "
    "one,\" Okonjo said in a statement."
)


def test_a_surname_several_bear_names_the_one_with_a_title():
    analysis = analyze_text(WHITBY)
    governor = analysis.entity_for("Alan Whitby")
    assert governor is not None and governor is not analysis.entity_for("Clara Whitby")
    said = {s.quote: s.speaker_id for s in analysis.statements if s.quote}
    assert said["We are very close to a deal"] == governor.id
    assert said["These children are so brave"] == analysis.entity_for("Clara Whitby").id
    claim = build_briefing(analysis).contradiction.claim
    assert "Alan Whitby" in claim.who and "Clara" not in claim.who


def test_mr_and_ms_tell_apart_a_father_and_daughter_of_one_surname():
    analysis = analyze_text(
        "Robin Hale, the county clerk, said the ballots would be printed on Friday. Peter Hale, "
        "the former mayor and Ms. Hale's father, died in 2001. Mr. Hale told supporters in 2000 "
        "that he would win the seat. Ms. Hale said on Monday that she would not run again.")
    robin, peter = analysis.entity_for("Robin Hale"), analysis.entity_for("Peter Hale")
    assert robin is not None and peter is not None and robin is not peter
    by_content = {s.content: s.speaker_id for s in analysis.statements}
    assert by_content["that he would win the seat"] == peter.id
    assert by_content["that she would not run again"] == robin.id


@pytest.mark.parametrize(("text", "quote", "speaker"), [
    (  # "Dr." is a title to fit, not a courtesy: not the president
        "Jill Biden visited a community college in Iowa on Wednesday. President Joe Biden was "
        "in Delaware for the weekend. \"Every student deserves a chance,\" Dr. Biden said.",
        "Every student deserves a chance", "Jill Biden"),
    (  # the titled one is introduced as the other's relative: not the one meant
        "Wladimir Klitschko will return to the ring in April, his promoter said. His brother, "
        "Kyiv Mayor Vitali Klitschko, said he would be at ringside. \"I have trained for a "
        "year,\" Klitschko said.", "I have trained for a year", "Wladimir Klitschko"),
    (  # "Mrs." after "his wife": the wife, though the governor holds the office
        "Governor Alan Whitby and his wife, Clara Whitby, opened the hospital wing on Tuesday. "
        "\"The state paid for half of it,\" Mr. Whitby said. \"It will serve 5,000 children a "
        "year,\" Mrs. Whitby said.", "It will serve 5,000 children a year", "Clara Whitby"),
    (  # the mention's own apposition is its title
        "Former President George W. Bush campaigned in Miami on Saturday with his brother, "
        "former Florida Gov. Jeb Bush. \"I am proud of my brother,\" said Mr. Bush, the former "
        "president.", "I am proud of my brother", "George W. Bush"),
    (  # a title word before the surname is no first name of someone else
        "Daniel Morrow was sworn in as the county's sheriff on Monday. \"We will hire 40 "
        "officers this year,\" Sheriff Morrow said.", "We will hire 40 officers this year",
        "Daniel Morrow"),
])
def test_a_surname_several_bear_is_given_by_title_sex_or_kin(text: str, quote: str,
                                                             speaker: str) -> None:
    analysis = analyze_text(text)
    [said] = [s for s in analysis.statements if s.quote == quote]
    assert said.speaker_id is not None
    assert analysis.entities[said.speaker_id].name == speaker, said.speaker


def test_a_father_and_his_son_junior_are_two_people():
    analysis = analyze_text(
        "Donald Trump Jr. said on Tuesday that he would campaign in Georgia. His father, "
        "President Donald Trump, said the state was crucial. \"The polls are wrong,\" Trump Jr. "
        "said.")
    son, father = analysis.entity_for("Donald Trump Jr."), analysis.entity_for("Donald Trump")
    assert son is not None and father is not None and son is not father
    assert son.title == "" and father.title == "President"
    [said] = [s for s in analysis.statements if s.quote == "The polls are wrong"]
    assert said.speaker_id == son.id and said.speaker == "Donald Trump Jr."


def test_a_relative_the_recogniser_missed_is_not_merged_into_the_family():
    # The recogniser misses "Ivanka Trump" as a name in the last sentence: her surname alone
    # must not make it a mention of Melania or Donald Trump.
    analysis = analyze_text(
        "First lady Melania Trump visited a children's hospital in Nashville on Tuesday. "
        "President Donald Trump was in Washington for talks on the budget.\n\n"
        "Ivanka Trump, the president's daughter and adviser, is expected to join the first lady "
        "on a visit to Ohio next week.")
    last = len(analysis.sentences) - 1
    for name in ("Melania Trump", "Donald Trump"):
        person = analysis.entity_for(name)
        assert person is not None and last not in person.sentence_ids, name
    # Nor does a bare "Trump" said of the president answer for her.
    assert analysis.entity_for("Ivanka Trump") is None


def test_names_come_from_english_sentences_and_roles_have_no_links_or_stray_quotes():
    briefing = build_briefing(analyze_text(
        "The president adopted Yair Tawil as her godson in a ceremony at her office last week.\n\n"
        "Yo no lo sabía, pero su visita coincidía con la celebración de Hanukkah. El papá decía "
        "que no era una casualidad… pic.twitter.com/o3y5E17Gew\n\n"
        "Pictures showed them lighting Hanukkah candles on a menorah brought by the family.\n\n"
        "Calling the Tawils a “marvellous family”, she dubbed his mother “Queen Esther.”\n\n"
        "The custom dates back more than a hundred years, officials said on Tuesday."
    ))
    people = {p.name: p.role for p in briefing.people}
    assert not any("Hanukkah" in name for name in people), people
    assert people.get("Queen Esther") == "mother", people  # whose: no name near enough says
    assert not any("pic.twitter" in role for role in people.values()), people


def test_a_name_starts_at_its_first_capital():
    analysis = analyze_text(
        "The court heard that the defendant sent a message to his younger lover Zhang Hung on "
        "the night of the attack.\n\n"
        "Zhang Hung told the court she had been at home all evening, police said on Friday.\n\n"
        "The trial continues on Monday at the city's crown court."
    )
    people = [p.name for p in build_briefing(analysis).people]
    assert "Zhang Hung" in people and not any(name.startswith("lover") for name in people), people


@pytest.mark.parametrize(("span", "shown"), [
    ("his mother “", "his mother"),
    ("” Saudi Airlines’ assistant manager for marketing",
     "Saudi Airlines’ assistant manager for marketing"),
    ("UK-based reporter Morris108, interviews ‘", "UK-based reporter Morris108, interviews"),
    ('cousin "Mary"', 'cousin "Mary"'),
])
def test_a_role_loses_a_quote_mark_cut_from_its_pair_not_a_pair(span: str, shown: str):
    from summarizers.analysis import _clean_span_text
    from summarizers.nlp import get_nlp

    assert _clean_span_text(list(get_nlp().spacy.make_doc(span))) == shown


@pytest.mark.parametrize(("span", "shown"), [
    ("spokesman for the Ministry of Interior (MoI", "spokesman for the Ministry of Interior"),
    ("brown bear (", "brown bear"),
    ("(real name", ""),
    ("not her real name)", ""),
    ("(not her real name)", "not her real name"),
    ("director (left) of the agency", "director (left) of the agency"),
])
def test_a_role_loses_the_piece_of_a_bracket_it_was_cut_from(span: str, shown: str):
    from summarizers.analysis import _clean_span_text
    from summarizers.nlp import get_nlp

    assert _clean_span_text(list(get_nlp().spacy.make_doc(span))) == shown


GHANI = ("That attack prompted President Ashraf Ghani to order a review of the ban on night raids, "
         "which were outlawed by his predecessor, Hamid Karzai.\n\n"
         "The review will report in March, officials said on Monday.\n\n"
         "The raids were a source of anger for years.")
FENG = ("Fan Lung, 32, was caught cheating with a younger woman after he used his wife's phone to "
        "message his lover.\n\n"
        "His enraged wife, Feng, cut off his ponytail with a pair of scissors, police said.\n\n"
        "The couple live in the city of Guangzhou.")
CONNER = ("Early Tuesday morning, Dornella Conner was “riding around, respecting Mike Brown” with "
          "her boyfriend De’Angelas Lee when she was hurt by flying glass.\n\n"
          "She was taken to hospital, police said.\n\nThe protests continued into the night.")
FOLEY = ("James Foley's parents John and Diane Foley and his brother, Michael, spoke to reporters "
         "outside their home on Monday.\n\nThey said the government had failed their son.\n\n"
         "The White House declined to comment.")
CLIENT = ("“My client, Raven Symone, is ready to tell her side of the story,” the lawyer said on "
          "Tuesday.\n\nThe actress has not spoken publicly about the case.\n\n"
          "The lawyer said more would follow.")


SOTLOFF = ("Steven Sotloff, an American freelance journalist who was abducted a year ago in Syria, "
           "appeared in the video.\n\nSotloff had written for Time and Foreign Policy, his "
           "family said.\n\nThe State Department said it was working to confirm the video.")
TRIDEVIL = ("Jasmine Tridevil (not her real name) says she had a third breast added by surgery."
            "\n\nHer real name is Alisha Hessler, according to a police report filed in Tampa."
            "\n\nTridevil said she wanted to become unattractive to men.")
HENRY = ("Thierry Henry ( centre ) has criticised Arsenal's recent dealings in the transfer "
         "window.\n\nHenry said the club needed four top players to win the league next season."
         "\n\nArsenal drew with Chelsea on Sunday.")


@pytest.mark.parametrize(("text", "name", "role"), [
    # Whose: the one name before the pronoun, else the one name of the sentence before.
    (GHANI, "Hamid Karzai", "Ashraf Ghani's predecessor"),
    (FENG, "Feng", "Fan Lung's enraged wife"),
    (CONNER, "De’Angelas Lee", "Dornella Conner's boyfriend"),  # not a name in a quote
    (FOLEY, "Michael", "brother"),  # James or John: nothing says which
    (CLIENT, "Raven Symone", "client"),  # "my" is the speaker's
    # What someone is, not more or less.
    (SOTLOFF, "Steven Sotloff", "American freelance journalist"),  # not a relative clause
    (TRIDEVIL, "Jasmine Tridevil", ""),  # a name is no role
    (HENRY, "Thierry Henry", ""),  # nor where someone stands in a photograph
    (FENG, "Fan Lung", ""),  # nor an age
])
def test_a_role_is_what_someone_is_and_says_whose(text: str, name: str, role: str):
    people = {p.name: p.role for p in build_briefing(analyze_text(text)).people}
    assert people.get(name) == role, people


def test_a_person_word_written_before_a_name_is_a_role():
    analysis = analyze_text(
        "The show's judges praised singer Ally Brooke on Monday, and host Tom Bergeron called it "
        "the hardest verdict so far.\n\n"
        "Former national security adviser Michael Flynn met the ambassador in December.\n\n"
        "The high-profile lawyer Mark Geragos said his client would sue the newspaper.\n\n"
        "The festival Rosh Hashana begins on Sunday, and Brooke and Bergeron will attend."
    )
    roles = {e.name: e.role for e in analysis.entities}
    assert roles.get("Ally Brooke") == "singer" and roles.get("Tom Bergeron") == "host", roles
    assert roles.get("Michael Flynn") == "Former national security adviser", roles  # as written
    assert roles.get("Mark Geragos") == "high-profile lawyer", roles
    assert roles.get("Rosh Hashana") == "", roles  # a festival is no one's role
    # An opening bracket before the words does not cut them off as a hyphen does.
    bracketed = analyze_text(
        "Two finalists remain (singer Ally Brooke and actor Sean Spicer) after Monday night.\n\n"
        "Brooke said she was thrilled.\n\nThe final is next week.")
    assert bracketed.entity_for("Ally Brooke").role == "singer"


def test_an_apposition_after_several_names_is_not_the_first_ones():
    analysis = analyze_text(
        "Peter Quennell and H. Montgomery Hyde and Karl Miller, literary editor of the magazine "
        "New Statesman, took the stand to say that the book was erotic but not obscene.\n\n"
        "Mr. Quennell said he had found 40 passages in it that he would call erotic.\n\n"
        "The trial continues on Monday."
    )
    quennell = analysis.entity_for("Peter Quennell")
    assert quennell is not None and "editor" not in quennell.role, quennell


def test_a_title_in_quotes_and_a_picture_credit_are_nobody():
    analysis = analyze_text(
        "James Van Der Beek has been voted off the show. The former “Dawson’s Creek” star "
        "thanked his fans on Monday.\n\n"
        "Bill Cosby(Credit: AP/Victoria Will) did not attend the event.\n\n"
        "The show returns next week with six couples left."
    )
    names = [e.name for e in analysis.entities if e.kind == "PERSON"]
    assert "James Van Der Beek" in names
    assert not any("Dawson" in n or "Credit" in n for n in names), names


def test_shown_sentences_have_whole_quote_marks(seed_briefing):
    # Milley's "It was a mistake, ...,” said later Monday is the second sentence of his quote.
    shown = [*seed_briefing.key_points, *(t.what for t in seed_briefing.timeline)]
    assert any("Milley said later Monday" in s for s in shown)
    for s in shown:
        assert s.count("“") == s.count("”") + s.count("’’"), s


def test_canonical_entities_merge_mentions(seed_analysis):
    esper = seed_analysis.entity_for("Esper")
    assert esper is not None and esper.name == "Mark Esper" and esper.title == "Defense Secretary"
    assert seed_analysis.entity_for("Defense Secretary Mark Esper") is esper
    # "he added" and "the president said" resolve to the right people
    speakers = {(s.speaker, s.verb) for s in seed_analysis.statements}
    assert ("Gen. Mark Milley", "add") in speakers
    assert any("Trump" in sp for sp, verb in speakers if verb == "say")
    denials = [s for s in seed_analysis.statements if s.polarity == "deny"]
    assert {s.speaker_id for s in denials} >= {esper.id}


def test_article_without_quotes_has_no_contradiction():
    text = (
        "The city council approved a new budget on Tuesday after a long debate. "
        "The budget raises spending on parks and libraries by five percent. "
        "Construction of the new library branch is expected to begin in the spring. "
        "The council will meet again next month to review the transport plan."
    )
    briefing = build_briefing(analyze_text(text))
    assert briefing.contradiction is None
    assert "None found" in render_briefing(briefing, "text")


def test_briefing_shows_sentences_without_dateline_prompts_or_link_words():
    text = (
        "(CNN) The city council approved a new budget on Tuesday after a long debate.\n\n"
        "Scroll down for video The budget raises spending on parks by five percent.\n\n"
        "But construction of the new library branch will not begin until the spring.\n\n"
        "The council will meet again next month to review the transport plan for the city."
    )
    briefing = build_briefing(analyze_text(text))
    shown = [briefing.tldr, *briefing.key_points]
    assert briefing.tldr.startswith("The city council approved")
    assert not any(marker in line for line in shown for marker in ("(CNN)", "Scroll down", "But "))
    assert "Construction of the new library branch will not begin until the spring." in shown


def test_a_key_point_from_inside_a_quote_keeps_its_speaker_when_its_link_word_goes():
    text = (
        "Mayor Lena Ortiz spoke to reporters outside the flooded town hall on Monday.\n\n"
        '"The water came up faster than anyone in this town has ever seen in their lives. '
        "But the defences held and nobody was hurt in the night, which is a small miracle. "
        'And we will rebuild every single home that was damaged by the flood this week," said '
        "Ortiz.\n\n"
        "The river rose two metres overnight after three days of heavy rain across the county."
    )
    analysis = analyze_text(text)
    from summarizers.briefing import _attributed

    inside = next(i for i, s in enumerate(analysis.sentences) if s.text.startswith("But the"))
    shown = _attributed(analysis, inside, analysis.sentences[inside].text)
    assert shown.startswith("The defences held") and "Ortiz" in shown


def test_opposite_claims_in_an_invented_article_are_found():
    text = (
        "Officials at Northfield Bank said on Monday that the bank would close 40 branches.\n\n"
        "\"We will close 40 branches across the region by June,\" the bank's chief executive, "
        "Laura Chen, told reporters.\n\n"
        "The regional union rejected the plan. Union leader Tom Baker denied that any agreement "
        "on closures had been reached. \"There is no deal to close any branch,\" Baker said.\n\n"
        "The bank employs 3,000 people in the region."
    )
    c = build_briefing(analyze_text(text)).contradiction
    assert c is not None
    assert "Northfield Bank" in c.claim.who or "Laura Chen" in c.claim.who
    assert any("close 40 branches" in q.text for q in c.claim.quotes)
    assert "Tom Baker" in c.counter.who
    assert any("no deal to close any branch" in q.text for q in c.counter.quotes)


@pytest.mark.parametrize(
    ("text", "claimant", "denier"),
    [
        ("Acme Corp said it would cut 500 jobs in Ohio next year. \"We will cut 500 jobs,\" chief "
         "executive Dan Fox said.\n\nOhio governor Mary Hill said Acme had never told the state "
         "about any job cuts.", "Acme", "Mary Hill"),
        ("Police said the suspect fled the scene in a red car. \"He drove off in a red car,\" "
         "Sergeant Tom Hale said.\n\nThe suspect's lawyer, Rita Moss, said her client did not own "
         "a car and was at home that night.", "Police", "Rita Moss"),
        ("Russia's defence ministry said its forces had captured the town of Avdiivka. \"Our units "
         "have taken full control of Avdiivka,\" the ministry said.\n\nUkraine's military denied "
         "the town had fallen, saying its troops were still fighting there.", "ministry",
         "Ukraine"),
    ],
)
def test_denials_of_what_was_claimed_are_found(text: str, claimant: str, denier: str) -> None:
    c = build_briefing(analyze_text(text)).contradiction
    assert c is not None
    assert claimant.lower() in c.claim.who.lower() and denier in c.counter.who


@pytest.mark.parametrize(
    "text",
    [
        # A negative sentence about something else: consistent with the claim, not against it.
        "Coach Laurent Blanc said the squad was settled. \"I am genuinely happy at this club and "
        "I want every player to stay,\" Blanc told reporters.\n\nDefender Gregory van der Wiel "
        "said he was not interested in leaving the club this summer.",
        # "Could not comment" answers nothing.
        "Police said a rifle was stolen from an agent's car outside a hotel overnight. The thief "
        "took the rifle and ammunition, police said.\n\nThe Secret Service said it could not "
        "comment on whether the theft of the rifle prompted more security.",
        # A disowning word under a negation disowns nothing.
        "Maurice Van Ryn told the court he had abused a child over several years. A young woman "
        "said that when he abused her as a child she did not know it was wrong.",
        # "It does not matter that X" does not deny X.
        "Doctors said the farmer lost his sight in the attack. \"He lost his sight when the dog "
        "bit him,\" a hospital spokesman said.\n\nHis wife, Mei Zhang, said it did not matter "
        "that he had lost his sight.",
        # A disowning word that is no verdict on anything said ("learn from the mistakes").
        "The family said officials had threatened them with prosecution if they paid a ransom. "
        "\"We were threatened with prosecution,\" Diane Foley said.\n\nThe minister said the "
        "government would learn from the mistakes made in the case of the ransom.",
        # A verdict on something else the claimant did not say.
        "The city government announced that riot police had left the streets and urged "
        "protesters to clear the roads. \"The roads must be cleared tonight,\" the government "
        "said.\n\nThe police said the rumours about rubber bullets fired at protesters were "
        "totally untrue.",
        # Not having seen something denies nothing about it.
        "The group said the hostage had been killed. \"This video shows the death of the "
        "hostage,\" the group said.\n\nThe White House spokesman said he had not seen the video "
        "or the reports of the hostage's death.",
        # A "not" in a request.
        "The mayor said protesters had blocked the main roads into the city on Monday. \"They "
        "have blocked every road into the centre,\" the mayor said.\n\nThe union urged its "
        "members not to block roads so that ambulances could get through.",
    ],
)
def test_negative_statements_that_deny_nothing_claimed_are_no_contradiction(text: str) -> None:
    analysis = analyze_text(text)
    assert any(s.polarity == "deny" for s in analysis.statements)  # negative, yet ...
    assert build_briefing(analysis).contradiction is None  # ... not against anyone's claim


def test_reported_denials_keep_their_verb_and_no_quotation_marks(seed_briefing):
    counter = seed_briefing.contradiction.counter
    reported = [q for q in counter.quotes if not q.verbatim]
    assert reported and all(q.text.startswith("denied that") for q in reported)
    text = render_briefing(seed_briefing, "text")
    for q in reported:
        assert f"{q.speaker} {q.text}" in text and f"“{q.text}”" not in text
    assert all(q.verbatim for q in seed_briefing.contradiction.claim.quotes)


@pytest.mark.parametrize(
    ("lemma", "past"),
    [("deny", "denied"), ("say", "said"), ("tell", "told"), ("claim", "claimed"),
     ("insist", "insisted"), ("dismiss", "dismissed"), ("call", "called"), ("write", "wrote"),
     ("argue", "argued"), ("play", "played")],
)
def test_past_tense_of_reporting_verbs(lemma: str, past: str) -> None:
    from summarizers.contradiction import past_tense

    assert past_tense(lemma) == past


def test_json_output_from_the_cli(seed_path):
    out = subprocess.run(
        [sys.executable, "-m", "bot", "brief", str(seed_path), "--format", "json"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    assert out.stderr == ""  # no model-loading progress bars or warnings around the briefing
    data = json.loads(out.stdout)
    for key in ("title", "tldr", "key_points", "contradiction", "people"):
        assert key in data
    assert set(data["contradiction"]) >= {"claim", "counter", "why"}
    assert data["contradiction"]["claim"]["quotes"][0]["text"]


def test_a_reader_that_stops_early_is_no_error(seed_path):
    # `newsbrief brief x | head -1`: the pipe's reading end is gone before the briefing is written.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bot", "brief", str(seed_path)],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300,
        )
    finally:
        os.close(write_end)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr


def test_only_a_reader_gone_from_stdout_counts_as_a_stopped_reader(monkeypatch):
    from bot.cli import _reader_gone

    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "w") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        assert not _reader_gone()  # someone still reads: a broken pipe elsewhere is an error
        os.close(read_end)
        assert _reader_gone()


def test_markdown_output(seed_briefing):
    md = render_briefing(seed_briefing, "markdown")
    assert md.startswith("# ") and "## Key contradiction" in md and "Seely" in md


def test_quotes_that_agree_are_no_contradiction():
    text = (
        "Heavy rain flooded the lower town on Sunday, closing two bridges.\n\n"
        "\"The water rose faster than anyone expected,\" Mayor Ann Price said, adding that crews "
        "worked through the night.\n\n"
        "Fire chief Omar Haddad said the crews had rescued twelve people, and described how one "
        "family waited on a roof, not moving for hours, until a boat reached them.\n\n"
        "\"We expect the bridges to reopen on Wednesday,\" Price told reporters."
    )
    analysis = analyze_text(text)
    assert not [s for s in analysis.statements if s.polarity == "deny"]
    assert build_briefing(analysis).contradiction is None


def test_a_described_speaker_who_is_named_is_that_person():
    analysis = analyze_text(
        "The factory in Millbrook will close in March, the company announced on Friday. "
        "A spokesman for the firm, Peter Lam, said the plant had lost money for five years. "
        "The letter from Lam said all 200 workers would be offered jobs elsewhere."
    )
    lam = analysis.entity_for("Peter Lam")
    said = next(s for s in analysis.statements if "lost money" in s.content)
    assert said.speaker_id == lam.id
    letter = next(s for s in analysis.statements if "200 workers" in s.content)
    assert letter.speaker_id is None
    assert "letter" in letter.speaker and "Peter Lam" in letter.speaker


def test_whose_a_speaker_is_is_not_who_speaks():
    analysis = analyze_text(
        "(CNN) -- Joan Rivers' personal throat doctor denies \"performing an unauthorized "
        "procedure\" before the comedian suffered cardiac arrest, a source told CNN.\n\n"
        "Ashley Winter, who runs a local blog, said he was sent the picture on Sunday.\n\n"
        "“This shocking image of a giant crab was taken last weekend,” claims Winter’s website."
    )
    denial = next(s for s in analysis.statements if s.polarity == "deny")
    assert denial.speaker == "Joan Rivers' personal throat doctor" and denial.speaker_id is None
    # A website cannot speak for itself: its owner does.
    winter = analysis.entity_for("Ashley Winter")
    claim = next(s for s in analysis.statements if "giant crab" in s.content)
    assert claim.speaker_id == winter.id


def test_a_speaker_is_named_without_a_relative_clause_that_may_still_name_them():
    analysis = analyze_text(
        "Police, who were responding to reports of gunshots in the area, said that the officer "
        "fired because the car was being driven towards him.\n\n"
        "Another fighter, who goes by the pseudonym of Afshin Kobani, said that the advance of "
        "the militants had forced her to join the fight.\n\n"
        "The town has been under siege for more than a month."
    )
    speakers = [s.speaker for s in analysis.statements]
    assert speakers[0] == "Police", speakers
    assert speakers[1] == "Afshin Kobani", speakers


def test_an_answer_without_a_quote_shows_its_sentence(seed_analysis):
    from summarizers.qa import answer_question
    from summarizers.render import render_answer

    answer = answer_question("How many fighters were killed in the US airstrikes?", [seed_analysis])
    assert "25" in answer.answer and not answer.quote
    text = render_answer(answer, "text")
    assert "killed 25 fighters" in text and "iraq-withdrawal-letter.txt" in text


def test_what_was_denied_keeps_its_subject_when_the_parser_hangs_it_on_said():
    # spaCy parses "said rumours ... were untrue" with "rumours" as the object of "said".
    analysis = analyze_text(
        "Protests spread across the city on Sunday.\n\n"
        "Police said rumours that officers had used rubber bullets on protesters were totally "
        "untrue."
    )
    denial = next(s for s in analysis.statements if s.speaker == "Police")
    assert denial.polarity == "deny"
    assert denial.content.startswith("rumours that officers had used rubber bullets")
    assert denial.content.endswith("were totally untrue")


def test_quote_line_curls_verbatim_words_and_leads_reported_speech_with_its_speaker():
    verbatim = Quote(speaker="Gen. Mark Milley", text="a draft’’", sentence="")
    reported = Quote(speaker="Mark Esper", text="denied that a decision was made", sentence="",
                     verbatim=False)
    assert verbatim.line() == "“a draft” (Gen. Mark Milley)"  # stray marks from the page go
    assert reported.line() == "Mark Esper denied that a decision was made"


@pytest.mark.parametrize(("raw", "shown"), [
    ("a draft’’", "“a draft”"),
    ("“We respect your decision”", "“We respect your decision”"),
    ("the Smiths’", "“the Smiths’”"),
])
def test_quoted_drops_the_pages_own_marks_but_not_an_apostrophe(raw: str, shown: str) -> None:
    assert quoted(raw) == shown


def test_a_caption_glued_to_the_lead_stays_out_of_the_tldr_and_key_points():
    caption = ("Emma Hart, 31, was stopped at the border on Friday with two suitcases of cash in "
               "her car")
    text = (
        f"{caption} A British nurse has been charged with smuggling £2million out of the country "
        "after border guards searched her car.\n\n"
        "Hart, who works at a hospital in Leeds, was held at Dover as she tried to board a ferry "
        "to Calais.\n\n"
        "Officers found the cash hidden under blankets in two large suitcases in the boot.\n\n"
        "She will appear before magistrates in Folkestone on Monday, police said.\n\n"
        "Her lawyer said she would plead not guilty to the charge when she appears in court."
    )
    briefing = build_briefing(analyze_text(text))
    assert briefing.tldr.startswith("A British nurse has been charged")
    assert not any("suitcases of cash in her car" in p for p in [briefing.tldr,
                                                                    *briefing.key_points])
    # The timeline keeps the caption's date with the caption's own words, not the glued whole.
    friday = next(e for e in briefing.timeline if e.when == "Friday")
    assert friday.what == caption


def test_a_standfirst_without_a_full_stop_ends_before_the_next_tldr_sentence():
    text = (
        "The tradition to stop a curse on seventh sons has continued for a century\n\n"
        "The President of Argentina has adopted a young man as her godson to keep the custom.\n\n"
        "The ceremony took place at her office last week with the young man's family.\n\n"
        "The custom dates back to 1907 and was made law by a decree in 1973."
    )
    briefing = build_briefing(analyze_text(text))
    assert briefing.tldr.startswith("The tradition to stop a curse on seventh sons has continued "
                                    "for a century. The President")


def test_a_one_sentence_text_shows_no_empty_key_points_heading():
    briefing = build_briefing(analyze_text(
        "The US threatened to prosecute the family of a kidnapped journalist over ransom."))
    assert briefing.key_points == []
    shown = render_briefing(briefing, "text")
    assert "TL;DR" in shown and "KEY POINTS" not in shown


@pytest.mark.parametrize(("role", "thing"), [
    ("his former club", True),
    ("Saudi Arabian newspaper", True),
    ("John Cleland's 18th-century story of a London prostitute", True),
    ("company that would no doubt love more Canadian markets", True),
    ("senior adviser to the company", False),
    ("expert on the North Korean leadership and contributor to the 38 North website", False),
    ("Laura Ingraham Show 1/12/14", False),
    ("chairman of the Joint Chiefs of Staff", False),
])
def test_a_name_described_as_a_thing_is_no_person(role: str, thing: bool):
    from summarizers.analysis import Entity
    from summarizers.briefing import _described_as_thing

    assert _described_as_thing(Entity(0, "Boca Juniors", "PERSON", role=role)) is thing


def test_a_courtesy_title_is_no_role_in_the_people_list():
    briefing = build_briefing(analyze_text(
        "Ms. Stacie Temple, a spokeswoman for the secretary of state, said the deadline was "
        "Tuesday.\n\n"
        "Mr. Todd Akin said he would stay in the race despite calls from his party to quit.\n\n"
        "Dr. Anthony Youn said the operation could not have been done as described."
    ))
    roles = {p.name: p.role for p in briefing.people}
    assert roles.get("Todd Akin") == "", roles
    assert not any(role.startswith(("Ms", "Mr")) for role in roles.values()), roles
    assert roles.get("Anthony Youn") == "Dr.", roles



def _titles(analysis) -> dict[str, str]:
    return {e.name: e.title for e in analysis.entities if e.kind == "PERSON"}


def test_a_title_keeps_the_noun_that_qualifies_it_but_no_date() -> None:
    analysis = analyze_text(
        "Union leader Jo Banks said the factory was moving. White House press secretary Jen "
        "Psaki said it was not. Yesterday President Joe Biden said nothing. Former Defense "
        "Secretary Mark Esper spoke. Police said a man was arrested. The company said it had "
        "no plans to sell, and company spokesman Ian Holt said it would stay."
    )
    titles = _titles(analysis)
    assert titles == {"Jo Banks": "Union leader", "Jen Psaki": "press secretary",
                      "Joe Biden": "President", "Mark Esper": "Former Defense Secretary",
                      "Ian Holt": "company spokesman"}, titles
    speakers = [st.speaker for st in analysis.statements]
    # A qualifier is no title word: "police" and "the company" are not Holt or anyone named.
    assert speakers[0] == "Union leader Jo Banks", speakers
    assert "Police" in speakers and "The company" in speakers, speakers


def test_titles_with_of_parliament_words_and_acting_and_a_name_the_recogniser_cut() -> None:
    analysis = analyze_text(
        "Secretary of State Mike Pompeo said the talks would go on. Mayor Sadiq Khan said the "
        "city was safe. Labour MP Jess Phillips said the bill was wrong. Acting police chief "
        "Tom Reed said the road was closed. Sheriff John Morrow said the suspect fled. Khan "
        "and Pompeo met on Friday."
    )
    titles = _titles(analysis)
    assert titles == {"Mike Pompeo": "Secretary of State", "Sadiq Khan": "Mayor",
                      "Jess Phillips": "Labour MP", "Tom Reed": "Acting police chief",
                      "John Morrow": "Sheriff"}, titles
    # The surname alone is the same person, and not a title word ("the wife of President X").
    khan = next(e for e in analysis.entities if e.name == "Sadiq Khan")
    assert khan.sentence_ids == [1, 5], khan
    for text in ("The wife of President Joe Biden spoke to the crowd in Ohio on a warm day.",
                 "A Representative of President Joe Biden spoke to the crowd in Ohio today."):
        assert _titles(analyze_text(text)).get("Joe Biden") == "President", text


@pytest.mark.parametrize(("text", "speaker"), [
    # Of a role, only its own noun says who someone is.
    ("Darren Wilson, a police officer, said he fired twice. Police said an investigation was "
     "under way.", "Police"),
    ("Ian Holt, a spokesman for the company, said the plant would stay open. The company said "
     "it had no plans to sell.", "The company"),
    # More than one person.
    ("Health Minister Ann Lee said the hospital would reopen. Ministers said the budget was "
     "agreed.", "Ministers"),
    # The qualifier chooses between two of one title.
    ("Foreign Secretary Dominic Raab spoke first. Health Secretary Matt Hancock spoke next. The "
     "health secretary said 10 million doses had been given.", "Health Secretary Matt Hancock"),
])
def test_a_common_noun_speaker_is_a_named_person_only_by_what_they_are(text: str,
                                                                      speaker: str) -> None:
    assert analyze_text(text).statements[-1].speaker == speaker


def test_a_surname_the_tagger_takes_for_a_plural_noun_still_speaks() -> None:
    analysis = analyze_text(
        "Cheryl Mills, the chief of staff, resigned on Monday after ten years in the job. Mills "
        "said she had not been forced out of the company."
    )
    speakers = [(st.speaker, st.content) for st in analysis.statements]
    assert ("Cheryl Mills", "she had not been forced out of the company") in speakers, speakers


def test_a_second_that_clause_is_said_too_but_not_another_speakers_clause() -> None:
    analysis = analyze_text(
        "Medical director Paul Wren said the risk to patients was very low and that nobody had "
        "been harmed. Union leader Jo Banks said the plant was safe, and Mayor Ann Lee called "
        "the report a draft."
    )
    contents = {st.speaker: st.content for st in analysis.statements}
    assert contents["director Paul Wren"] == (
        "the risk to patients was very low and that nobody had been harmed"), contents
    assert contents["Union leader Jo Banks"] == "the plant was safe", contents


def test_what_is_said_ends_before_the_speakers_next_act() -> None:
    # The parser hangs the "and" of "and said, ..." on the first clause.
    analysis = analyze_text(
        "Storm damage\n\nThe letter said there would be an increase in helicopter travel around "
        "the Green Zone and said, \"We respect your decision.\""
    )
    contents = [st.content for st in analysis.statements]
    assert "there would be an increase in helicopter travel around the Green Zone" in contents
    assert not any(c.endswith(" and") for c in contents), contents


def test_a_source_named_after_its_clause_says_that_clause() -> None:
    analysis = analyze_text(
        "Flood warning\n\nThe suspect fled the country on Monday, the FBI said. The river burst "
        "its banks, officials said. The bridge will close in May, Mayor Ann Lee said on "
        "Tuesday. Police said the man was arrested.")
    assert [(st.speaker, st.content) for st in analysis.statements] == [
        ("FBI", "The suspect fled the country on Monday"),
        ("officials", "The river burst its banks"),
        ("Mayor Ann Lee", "The bridge will close in May"),
        ("Police", "the man was arrested"),
    ]

def test_an_adjective_before_a_title_is_no_part_of_it() -> None:
    analysis = analyze_text("Embattled President Joe Biden said he would run. The popular "
                            "President Emmanuel Macron said no. Former White House press "
                            "secretary Sean Spicer said it was true.")
    titles = {e.name: e.title for e in analysis.entities if e.kind == "PERSON"}
    assert titles == {"Joe Biden": "President", "Emmanuel Macron": "President",
                      "Sean Spicer": "Former press secretary"}, titles

@pytest.mark.parametrize(("title", "role", "shown"), [
    ("Dr.", "doctor", "Dr."),
    ("Dr.", "medical doctor", "Dr., medical doctor"),
    ("Sen.", "senator", "Sen."),
    ("President", "president", "President"),
    ("Gen.", "chairman of the Joint Chiefs", "Gen., chairman of the Joint Chiefs"),
])
def test_a_role_that_only_spells_out_the_title_is_not_shown_twice(title: str, role: str,
                                                                   shown: str):
    from summarizers.analysis import Entity
    from summarizers.briefing import _person_role

    assert _person_role(Entity(0, "Anthony Youn", "PERSON", title=title, role=role)) == shown


def test_advice_in_a_quote_is_neither_claim_nor_denial():
    text = (
        "The footbridge over the river reopened on Monday after repairs, the council said.\n\n"
        "Just an hour earlier the mayor, Ann Price, wrote: “Don’t be afraid to cross it … it is "
        "the safest bridge in the county” and posted a photo of the new railings.\n\n"
        "\"Never give up on your town,\" Price told residents at the ceremony.\n\n"
        "Engineer John Hall denied that the repairs were finished, saying the bridge was not "
        "safe to cross.\n\n"
        "The council did not reply to questions and did not give a date for an inspection."
    )
    analysis = analyze_text(text)
    by_quote = {s.quote: s.polarity for s in analysis.statements if s.quote}
    assert by_quote.get("Never give up on your town") == "advise", by_quote
    assert any(q.startswith("Don’t be afraid") and p == "advise" for q, p in by_quote.items())
    denials = [s.speaker for s in analysis.statements if s.polarity == "deny"]
    assert denials == ["John Hall"], denials
    from summarizers.qa import answer_question

    answer = answer_question("Who denied the repairs were finished?", [analysis])
    assert "Hall" in answer.answer, answer
