"""Topic assignment measured against the blind labels (topics.tsv, rubric in TOPICS.md).

primary-topic recall: share of entries whose gold primary topic is among the assigned ones;
assigned-topic precision: share of assigned topics that are the entry's gold primary or
secondary topics. Both per gold language and overall; the floors hold the reached numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from corpus.model import derive_id
from indexer.topics import TopicAssigner
from tests.eval.test_topics_wellformed import load_labels, partial_entries

# Reached on the shared corpus, minus 0.03 (never below the targets 0.8 / 0.7 overall).
TARGET_RECALL, TARGET_PRECISION = 0.8, 0.7
FLOORS = {  # language: (primary-topic recall, assigned-topic precision)
    "all": (0.92, 0.85),
    "en": (0.91, 0.83),
    "fr": (0.97, 0.82),
    "sq": (0.97, 0.97),
    "sr": (0.97, 0.97),
}


@dataclass
class Tally:
    entries: int = 0
    primary_found: int = 0
    primary_first: int = 0
    assigned: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.primary_found / self.entries

    @property
    def precision(self) -> float:
        return self.correct / self.assigned if self.assigned else 0.0


@pytest.fixture(scope="module")
def assigner() -> TopicAssigner:
    return TopicAssigner()


@pytest.fixture(scope="module")
def tallies(
    assigner: TopicAssigner, gold_entries: list[dict[str, Any]], shared_corpus: Path
) -> dict[str, Tally]:
    texts = {
        derive_id(e["locale"], e["url"], e["title"]): (e["title"], e["summary"], e["gold_language"])
        for e in gold_entries
    }
    for entry in partial_entries(shared_corpus):
        texts[entry["id"]] = (entry["title"], entry["summary"], entry["language"])
    result: dict[str, Tally] = defaultdict(Tally)
    for label in load_labels():
        title, summary, language = texts[label.id]
        assigned = [s.topic for s in assigner.assign(title, summary, "", language)]
        assert assigned, f"{label.id}: no topic at all"
        gold = {label.primary, *label.secondary}
        for key in (label.gold_language, "all"):
            tally = result[key]
            tally.entries += 1
            tally.primary_found += label.primary in assigned
            tally.primary_first += assigned[0] == label.primary
            tally.assigned += len(assigned)
            tally.correct += sum(topic in gold for topic in assigned)
    return dict(result)


def test_topic_quality_per_language(tallies: dict[str, Tally]) -> None:
    rows = [f"{'lang':<5} {'entries':>7} {'recall':>7} {'precision':>9} {'top=primary':>11}"]
    for lang in sorted(tallies, key=lambda k: (k == "all", k)):
        t = tallies[lang]
        rows.append(
            f"{lang:<5} {t.entries:>7} {t.recall:>7.3f} {t.precision:>9.3f} "
            f"{t.primary_first / t.entries:>11.3f}"
        )
    print("\n" + "\n".join(rows))
    assert set(tallies) == set(FLOORS), "a language without a floor (or a floor without entries)"
    overall = tallies["all"]
    assert overall.recall >= TARGET_RECALL, f"primary-topic recall {overall.recall:.3f}"
    assert overall.precision >= TARGET_PRECISION, (
        f"assigned-topic precision {overall.precision:.3f}"
    )
    for lang, (recall, precision) in FLOORS.items():
        assert tallies[lang].recall >= recall, (
            f"{lang}: recall {tallies[lang].recall:.3f} < {recall}"
        )
        assert tallies[lang].precision >= precision, (
            f"{lang}: precision {tallies[lang].precision:.3f} < {precision}"
        )


# One practice in several languages: the corpus text (sq, sr) and our own translations
# (en, uk, Serbian Cyrillic), title + summary as a listing prints them.
TRANSLATED = {
    "Oslo equality data": {
        "en": (
            "Reaching a point from which to take action in Oslo",
            "TARGETED INITIATIVES FOR EQUALITY DATA Purpose: The Municipality of Oslo undertook a "
            "research initiative to collect data on experiences of discrimination, together "
            "with an initiative to...",
        ),
        "sq": (
            "Arritja në një pikë nga e cila do të ndërmerrte veprime në Oslo",
            "INICIATIVA TË SYNUARA PËR TË DHËNAT E BARAZISË Qëllimi: Komuna e Oslos ndërmori "
            "iniciativë hulumtuese për të mbledhur të dhëna mbi përvojat e diskriminimit, së "
            "bashku me një iniciativë për të...",
        ),
    },
    "Belgium equality data": {
        "en": (
            "Improving the collection of equality data in Belgium",
            "The equality data strategy responds to the need for an accurate picture of reality "
            "and an evidence base to design and improve policy solutions to inequality.",
        ),
        "sr": (
            "Poboljšanje prikupljanja podataka o jednakosti u Belgiji",
            "Strategija podataka o jednakosti odgovara na imperativ dostupnosti precizne slike "
            "stvarnosti i baze dokaza radi efikasnog osmišljavanja i unapređenja političkih "
            "rešenja za nejednakost.",
        ),
        "sr-Cyrl": (
            "Побољшање прикупљања података о једнакости у Белгији",
            "Стратегија података о једнакости одговара на императив доступности прецизне слике "
            "стварности и базе доказа ради ефикасног осмишљавања политичких решења за неједнакост.",
        ),
        "uk": (
            "Покращення збору даних про рівність у Бельгії",
            "Стратегія щодо даних про рівність відповідає потребі мати точну картину реальності "
            "та доказову базу для розробки політичних рішень щодо нерівності.",
        ),
    },
    "Bergen structural racism": {
        "en": (
            "Launching debate, enabling understanding and stimulating action through research "
            "into structural racism in Bergen",
            "Targeted initiatives for equality data Purpose: This research initiative was "
            "undertaken by the municipality of Bergen to find out how the ethnic minority "
            "population experiences the way it is treated...",
        ),
        "sr": (
            "Pokretanje debate, omogućavanje razumevanja i stimulisanje akcije kroz istraživanje "
            "strukturalnog rasizma u Bergenu",
            "Ciljane inicijative za podatke o jednakosti Svrha: Ovu istraživačku inicijativu "
            "preduzela je opština Bergen kako bi utvrdila kako manjinsko etničko stanovništvo "
            "doživljava način na koji se prema...",
        ),
        "sq": (
            "Nxitja e debatit dhe e veprimit përmes hulumtimit të racizmit strukturor në Bergen",
            "Iniciativa të synuara për të dhënat e barazisë Qëllimi: Kjo iniciativë hulumtuese "
            "u ndërmor nga komuna e Bergenit për të kuptuar se si e përjeton popullsia e "
            "pakicave etnike mënyrën se si...",
        ),
        "uk": (
            "Започаткування дискусії та стимулювання дій через дослідження структурного "
            "расизму в Бергені",
            "Цільові ініціативи щодо даних про рівність. Мета: це дослідження провів "
            "муніципалітет Бергена, щоб з'ясувати, як етнічні меншини сприймають ставлення...",
        ),
    },
}


@pytest.mark.parametrize("practice", sorted(TRANSLATED))
def test_translations_get_the_same_topics(assigner: TopicAssigner, practice: str) -> None:
    results = {
        lang: assigner.assign(title, summary, "", lang.split("-")[0])
        for lang, (title, summary) in TRANSLATED[practice].items()
    }
    english = results["en"]
    assert english, "no topic for the English text"
    for lang, scores in results.items():
        assert scores[0].topic == english[0].topic, (
            f"{lang}: primary {scores[0]} vs en {english[0]}"
        )
        assert {s.topic for s in scores[:2]} == {s.topic for s in english[:2]}, (
            f"{lang}: {[s.topic for s in scores]} vs en {[s.topic for s in english]}"
        )
        assert all(s.evidence for s in scores), f"{lang}: a topic without evidence"


# A query naming a topic, in the languages of the lexicon; several are the issue's own.
TOPIC_QUERIES = {
    "labour market": "business-labour-market",
    "marché du travail": "business-labour-market",
    "tregu i punës": "business-labour-market",
    "tržište rada": "business-labour-market",
    "тржиште рада": "business-labour-market",
    "ринок праці": "business-labour-market",
    "mercado laboral": "business-labour-market",
    "education": "education",
    "освіта": "education",
    "arsimi": "education",
    "médiation interculturelle": "mediation",
    "mediación intercultural": "mediation",
    "diskriminimi në Oslo": "anti-discrimination",
    "accueil des réfugiés": "welcoming",
    "espace public": "public-space",
    "budget participatif": "participation",
    "Entreprises et marché du travail": "business-labour-market",  # a topic's own name
}


@pytest.mark.parametrize("query", sorted(TOPIC_QUERIES))
def test_query_names_its_topic(assigner: TopicAssigner, query: str) -> None:
    topics = assigner.query_topics(query)
    assert topics, f"{query!r} names no topic"
    best = max(topics, key=topics.__getitem__)
    assert best == TOPIC_QUERIES[query], f"{query!r}: {topics}"
    assert 0 < topics[best] <= 1


def test_jobs_for_newcomers_names_both_of_its_topics(assigner: TopicAssigner) -> None:
    topics = assigner.query_topics("jobs for newcomers")
    assert {"business-labour-market", "welcoming"} <= set(topics), topics


@pytest.mark.parametrize(
    ("query", "whole"),
    [
        ("jobs for newcomers", True),  # "for" is a stop word
        ("marché du travail", True),
        ("tregu i punës", True),
        ("Barazia territoriale", False),  # "territoriale" names no topic
        ("discrimination Oslo", False),
        ("Valladolid", False),
        ("", False),
    ],
)
def test_a_query_is_topical_when_topics_name_all_its_words(
    assigner: TopicAssigner, query: str, whole: bool
) -> None:
    assert assigner.names_whole_query(query) is whole


@pytest.mark.parametrize("query", ["Valladolid", "Oslo", "intercultural", "2021", ""])
def test_places_and_generic_words_name_no_topic(assigner: TopicAssigner, query: str) -> None:
    assert assigner.query_topics(query) == {}


def test_written_translations_agree_with_their_originals(
    assigner: TopicAssigner, gold_entries: list[dict[str, Any]]
) -> None:
    """The hand-written translations of tests/data (fr, es, sq, sr) against the English
    originals: each side's primary topic is among the other's topics, and most agree on
    the primary itself."""
    import json

    from tests.indexer.test_groups import ORIGINALS, TRANSLATIONS

    same = pairs = 0
    for line in TRANSLATIONS.read_text(encoding="utf-8").splitlines():
        written = json.loads(line)
        prefix = ORIGINALS.get(written["pair"])
        if prefix is None:
            continue
        original = next(e for e in gold_entries if e["title"].startswith(prefix))
        a = assigner.assign(written["title"], written["summary"], "", written["locale"])
        b = assigner.assign(original["title"], original["summary"], "", original["gold_language"])
        assert a[0].topic in {s.topic for s in b}, f"{written['pair']}: {a} vs {b}"
        assert b[0].topic in {s.topic for s in a}, f"{written['pair']}: {a} vs {b}"
        pairs += 1
        same += a[0].topic == b[0].topic
    assert pairs >= 10
    assert same >= 0.8 * pairs, f"only {same} of {pairs} translations share the primary topic"
