"""The topic assigner as a library: its data, its contract, and data errors named by place."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from indexer.topics import (
    TAXONOMY,
    TOPIC_CONCEPTS,
    TOPIC_TERMS,
    TopicAssigner,
    TopicDataError,
    load_taxonomy,
    load_vocabulary,
)

ISSUE_IDS = [
    "commitment",
    "education",
    "neighbourhoods",
    "public-services",
    "business-labour-market",
    "culture-social-life",
    "public-space",
    "mediation",
    "language",
    "media-communication",
    "international-outlook",
    "intercultural-competence",
    "welcoming",
    "leadership-citizenship",
    "anti-discrimination",
    "participation",
    "interaction",
]


@pytest.fixture(scope="module")
def assigner() -> TopicAssigner:
    return TopicAssigner()


def test_taxonomy_has_the_issue_ids_in_file_order() -> None:
    taxonomy = load_taxonomy()
    assert list(taxonomy.ids) == ISSUE_IDS
    for topic in taxonomy.topics:
        assert topic.names["en"] and topic.names["fr"], topic.id
        assert topic.description["en"].endswith(".") and topic.description["fr"].endswith(".")
    assert taxonomy.get("mediation").names["fr"] == "Médiation et résolution des conflits"


def test_every_topic_has_words(assigner: TopicAssigner) -> None:
    vocabulary = load_vocabulary()
    fed = {t for pairs in vocabulary.by_concept.values() for t, _ in pairs}
    assert fed == set(ISSUE_IDS), f"topics no concept feeds: {set(ISSUE_IDS) - fed}"


def test_assign_contract(assigner: TopicAssigner) -> None:
    scores = assigner.assign(
        "Intercultural mediation in schools",
        "Mediators help teachers and families resolve conflicts; a training for school staff.",
        "",
        "en",
    )
    assert 1 <= len(scores) <= 3
    assert scores[0].topic in {"mediation", "education"}
    assert {s.topic for s in scores} >= {"mediation", "education"}
    confidences = [s.confidence for s in scores]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 < c <= 1 for c in confidences)
    assert all(s.evidence for s in scores)
    assert "mediation" in scores[0].evidence or "schools" in scores[0].evidence


def test_title_words_weigh_more_than_summary_words(assigner: TopicAssigner) -> None:
    first = assigner.assign("Refugee reception", "A festival of music and dance.", "", "en")
    second = assigner.assign("A festival of music and dance", "Refugee reception.", "", "en")
    assert first[0].topic == "welcoming"
    assert second[0].topic == "culture-social-life"


def test_the_entry_language_is_used(assigner: TopicAssigner) -> None:
    """Albanian "arsimi" (education) is found when the entry is declared Albanian, and an
    entry of a language the lexicon lacks is still read in every lexicon language."""
    assert assigner.assign("Arsimi ndërkulturor", "", "", "sq")[0].topic == "education"
    assert assigner.assign("Medijacija u školama", "", "", "hr")[0].topic in {
        "mediation",
        "education",
    }
    assert assigner.assign("Mekling i skolen", "interkulturell mediation", "", "no")


def test_never_empty_for_text_and_empty_without(assigner: TopicAssigner) -> None:
    weak = assigner.assign("Xyzzy plugh", "Lorem ipsum dolor sit amet.", "", "en")
    assert len(weak) == 1 and weak[0].confidence <= 0.1
    assert assigner.assign("", "", "", "en") == ()


def test_body_counts_less_and_is_capped(assigner: TopicAssigner) -> None:
    body = "The city runs a festival. " + "Nothing else happens. " * 500 + "Refugees."
    scores = assigner.assign("Mediation service", "", body, "en")
    assert scores[0].topic == "mediation"
    assert "welcoming" not in {s.topic for s in scores}, "words beyond the cap were read"


def test_assign_is_fast(assigner: TopicAssigner) -> None:
    title = (
        "Multilingual initiatives improve the intercultural dialogue and the inclusive integration"
    )
    summary = (
        "Purpose: The purpose of the activity is to foster intercultural dialogue and "
        "inclusive integration through multilingual initiatives. The city of Limassol, "
        "Cyprus, takes significant steps to..."
    )
    assigner.assign(title, summary, "", "en")
    start = time.perf_counter()
    for _ in range(500):
        assigner.assign(title, summary, "", "en")
    per_entry = (time.perf_counter() - start) / 500
    assert per_entry < 0.002, f"{per_entry * 1e3:.3f} ms per entry"  # measured ~0.1 ms


def _copy(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_topic_in_mapping_is_named_by_line(tmp_path: Path) -> None:
    bad = TOPIC_CONCEPTS.read_text(encoding="utf-8") + "jobs\temployment\t1\n"
    path = _copy(tmp_path, "topic_concepts.tsv", bad)
    lines = len(bad.splitlines())
    with pytest.raises(TopicDataError, match=rf"topic_concepts.tsv:{lines}: unknown topic 'jobs'"):
        load_vocabulary(path, TOPIC_TERMS, TAXONOMY)


def test_unknown_concept_and_bad_weight_are_named(tmp_path: Path) -> None:
    header = "topic\tconcept\tweight\n"
    path = _copy(tmp_path, "a.tsv", header + "education\tno_such_concept\t1\n")
    with pytest.raises(TopicDataError, match=r"a.tsv:2: concept 'no_such_concept'"):
        load_vocabulary(path, TOPIC_TERMS, TAXONOMY)
    path = _copy(tmp_path, "b.tsv", header + "education\tschool\t2\n")
    with pytest.raises(TopicDataError, match=r"b.tsv:2: weight '2'"):
        load_vocabulary(path, TOPIC_TERMS, TAXONOMY)
    path = _copy(tmp_path, "c.tsv", "topic\tconcept\n")
    with pytest.raises(TopicDataError, match=r"c.tsv:1: expected header"):
        load_vocabulary(path, TOPIC_TERMS, TAXONOMY)


def test_taxonomy_without_a_french_name_is_refused(tmp_path: Path) -> None:
    data = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    del data["topics"][3]["names"]["fr"]
    path = _copy(tmp_path, "topics.json", json.dumps(data))
    with pytest.raises(TopicDataError, match=r"topic #4 \(public-services\).*fr"):
        load_taxonomy(path)


def test_topic_term_of_an_unknown_language_is_named(tmp_path: Path) -> None:
    path = _copy(tmp_path, "t.tsv", "topic\tlang\tterm\tweight\neducation\txx\tskola\t1\n")
    with pytest.raises(TopicDataError, match=r"t.tsv:2: no analyser for language 'xx'"):
        load_vocabulary(TOPIC_CONCEPTS, path, TAXONOMY)
