"""Language detection: accuracy on the shared corpus, South Slavic rules, priors, API."""

from __future__ import annotations

import logging
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.detect import METHODS, UNDETERMINED, Detection, LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def accuracy_report(detector: LanguageDetector, entries: list[dict[str, Any]]) -> tuple[float, str]:
    mistakes: Counter[tuple[str, str]] = Counter()
    for e in entries:
        found = detector.detect(e["title"], e["summary"], locale=e["locale"])
        if found.language != e["gold_language"]:
            mistakes[(e["gold_language"], found.language)] += 1
    accuracy = 1 - sum(mistakes.values()) / len(entries)
    confusion = ", ".join(f"{gold}->{got}: {n}" for (gold, got), n in mistakes.most_common())
    gold = Counter(e["gold_language"] for e in entries)
    report = (
        f"accuracy {accuracy:.3f} on {len(entries)} entries {dict(gold)}; "
        f"mistakes (gold->detected): {confusion or 'none'}"
    )
    return accuracy, report


def test_accuracy_on_the_shared_corpus(
    detector: LanguageDetector, gold_entries: list[dict[str, Any]]
) -> None:
    assert len(gold_entries) == 68
    accuracy, report = accuracy_report(detector, gold_entries)
    print(report)
    assert accuracy >= 0.95, report


def test_accuracy_with_the_corpus_languages_as_prior(gold_entries: list[dict[str, Any]]) -> None:
    languages = {e["gold_language"] for e in gold_entries}
    accuracy, report = accuracy_report(LanguageDetector(corpus_languages=languages), gold_entries)
    print("with corpus languages:", report)
    assert accuracy >= 0.95, report


def test_serbian_entries_are_sr_whatever_the_locale(
    detector: LanguageDetector, gold_entries: list[dict[str, Any]]
) -> None:
    serbian = [e for e in gold_entries if e["gold_language"] == "sr"]
    assert serbian
    for e in serbian:
        for locale in (None, "en", "hr"):
            found = detector.detect(e["title"], e["summary"], locale=locale)
            assert found.language == "sr", (locale, found, e["title"])
            assert found.method == "rules"


# Short paragraphs of real text in each language (title = first sentence).
PARAGRAPHS = {
    "sr-Latn": (
        "sr",
        "Grad Novi Sad pokrenuo je program za unapređenje saradnje između lokalne "
        "samouprave i udruženja migranata. Cilj projekta je da se poboljša razumevanje "
        "među zajednicama i da se deci iz porodica izbeglica obezbedi podrška u školama. "
        "Opština je organizovala radionice o interkulturnom dijalogu i prikupila podatke "
        "o potrebama stanovnika.",
    ),
    "sr-Cyrl": (
        "sr",
        "Град Нови Сад покренуо је програм за унапређење сарадње између локалне "
        "самоуправе и удружења миграната. Циљ пројекта је да се побољша разумевање међу "
        "заједницама и да се деци из породица избеглица обезбеди подршка у школама. "
        "Општина је организовала радионице о интеркултурном дијалогу.",
    ),
    "hr": (
        "hr",
        "Grad Rijeka pokrenuo je program za poboljšanje suradnje između lokalne "
        "samouprave i udruga migranata. Cilj projekta je potaknuti razumijevanje među "
        "zajednicama te djeci iz obitelji izbjeglica osigurati potporu u školama. Općina "
        "je organizirala radionice o međukulturnom dijalogu i prikupila podatke o "
        "potrebama stanovnika.",
    ),
    "bs": (
        "bs",
        "Grad Sarajevo je pokrenuo program za unapređenje saradnje između lokalne "
        "zajednice i udruženja migranata. Cilj projekta je poboljšati razumijevanje među "
        "zajednicama i djeci iz porodica izbjeglica osigurati podršku u školama. Općina "
        "je organizovala radionice o historiji i kulturi naroda koji ovdje žive.",
    ),
    "mk": (
        "mk",
        "Градот Скопје започна програма за подобрување на соработката меѓу локалната "
        "самоуправа и здруженијата на мигранти. Целта на проектот е да се подобри "
        "разбирањето меѓу заедниците и да им се обезбеди поддршка на децата од "
        "семејствата на бегалци во училиштата. Општината организираше работилници за "
        "интеркултурен дијалог.",
    ),
    "bg": (
        "bg",
        "Община София започна програма за подобряване на сътрудничеството между "
        "местната власт и сдруженията на мигранти. Целта на проекта е да се подобри "
        "разбирателството между общностите и да се осигури подкрепа в училищата за "
        "децата от семейства на бежанци. Общината организира работилници за "
        "междукултурен диалог.",
    ),
    "ru": (
        "ru",
        "Город Казань запустил программу по улучшению сотрудничества между местными "
        "властями и объединениями мигрантов. Цель проекта — улучшить взаимопонимание "
        "между общинами и обеспечить поддержку в школах детям из семей беженцев. "
        "Муниципалитет организовал семинары по межкультурному диалогу.",
    ),
    "uk": (
        "uk",
        "Місто Луцьк запустило програму для покращення співпраці між місцевою владою та "
        "об'єднаннями переселенців. Мета проєкту — поліпшити взаєморозуміння між громадами "
        "та забезпечити підтримку в школах дітям із родин внутрішньо переміщених осіб. "
        "Міська рада організувала семінари з міжкультурного діалогу.",
    ),
    "sl": (
        "sl",
        "Mestna občina Ljubljana je začela program za izboljšanje sodelovanja med lokalno "
        "upravo in društvi migrantov. Cilj projekta je izboljšati razumevanje med "
        "skupnostmi in otrokom iz družin beguncev zagotoviti podporo v šolah. Občina je "
        "organizirala delavnice o medkulturnem dialogu.",
    ),
    "el": (
        "el",
        "Ο Δήμος Αθηναίων ξεκίνησε πρόγραμμα για τη βελτίωση της συνεργασίας. Στόχος "
        "είναι η καλύτερη κατανόηση μεταξύ των κοινοτήτων και η στήριξη των παιδιών "
        "προσφύγων στα σχολεία.",
    ),
    "tr": (
        "tr",
        "İstanbul Büyükşehir Belediyesi yeni bir program başlattı. Program, göçmen "
        "dernekleri ile yerel yönetim arasındaki işbirliğini geliştirmeyi amaçlıyor.",
    ),
    "sq": (
        "sq",
        "Bashkia e Tiranës nisi një program për përmirësimin e bashkëpunimit. Qëllimi i "
        "projektit është të përmirësojë mirëkuptimin midis komuniteteve dhe të mbështesë "
        "fëmijët e refugjatëve në shkolla.",
    ),
}


@pytest.mark.parametrize("name", sorted(PARAGRAPHS))
@pytest.mark.parametrize("locale", [None, "sr", "hr", "en"])
def test_south_slavic_and_other_paragraphs(
    detector: LanguageDetector, name: str, locale: str | None
) -> None:
    gold, text = PARAGRAPHS[name]
    title, _, summary = text.partition(". ")
    found = detector.detect(title, summary, locale=locale)
    assert found.language == gold, (name, locale, found)
    assert found.confidence >= 0.5, found


def test_genuine_croatian_stays_croatian_under_serbian_locale(detector: LanguageDetector) -> None:
    title, _, summary = PARAGRAPHS["hr"][1].partition(". ")
    assert detector.detect(title, summary, locale="sr").language == "hr"
    assert LanguageDetector(["sr", "en"]).detect(title, summary).language == "hr"


def test_serbian_latin_without_markers_follows_the_locale(detector: LanguageDetector) -> None:
    # Nothing in this text tells the standards apart: the page locale does.
    text = "Grad je pokrenuo program za migrante i njihove porodice u gradu."
    assert detector.detect(text, "Program traje dve godine.", locale="sr").language == "sr"
    assert detector.detect(text, locale="hr").language in ("hr", "sr")


def test_deterministic_and_thread_safe(gold_entries: list[dict[str, Any]]) -> None:
    entries = [(e["title"], e["summary"], e["locale"]) for e in gold_entries]
    entries += [(t.partition(". ")[0], t.partition(". ")[2], None) for _, t in PARAGRAPHS.values()]

    def run(item: tuple[str, str, str | None]) -> Detection:
        return LanguageDetector().detect(item[0], item[1], locale=item[2])

    first = [run(item) for item in entries]
    assert [run(item) for item in entries] == first
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(run, entries * 3)) == first * 3


def test_locale_prior_decides_short_text(detector: LanguageDetector) -> None:
    found = detector.detect("Barazia", locale="sq")
    assert found.language == "sq"
    assert found.method == "prior"
    assert found.confidence < 0.5
    assert detector.detect("Cohesion sociale", locale="fr").language == "fr"
    assert detector.detect("Cohesion sociale", locale="en").language == "en"
    # but a clear text is not outvoted by its page's locale
    assert detector.detect("Art-therapy in Lutsk", locale="sq").language == "en"


def test_declared_language_wins(detector: LanguageDetector) -> None:
    text = "Purpose: Providing psychological relief to internally displaced children."
    assert detector.detect(text, declared="fr") == Detection("fr", 1.0, "declared")
    assert detector.detect(text, declared="sr-Latn").language == "sr"
    assert detector.detect("", declared="sq") == Detection("sq", 1.0, "declared")
    # "und" or junk is no declaration
    assert detector.detect(text, declared="und").language == "en"
    assert detector.detect(text, declared="??").language == "en"


@pytest.mark.parametrize("text", ["", "2019", "...", "   ", "12-14 / 2020", "a", "—"])
def test_nothing_to_detect_is_und(detector: LanguageDetector, text: str) -> None:
    for locale in (None, "fr"):
        assert detector.detect(text, locale=locale) == Detection(UNDETERMINED, 0.0, "short")
        assert detector.detect(text, text, text, locale=locale).language == UNDETERMINED
    assert detector.detect_query(text) == Detection(UNDETERMINED, 0.0, "short")


def test_scripts(detector: LanguageDetector) -> None:
    assert detector.detect("Διαπολιτισμικές πόλεις").language == "el"
    assert detector.detect("Київ").language == "uk"
    assert detector.detect("Ђурђевдан у Београду").language == "sr"
    assert detector.detect("Ќе дојдам во Скопје").language == "mk"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("barazia", "sq"),
        ("dhënat e barazisë", "sq"),
        ("intercultural cities", "en"),
        ("refugees", "en"),
        ("réfugiés", "fr"),
        ("médiation interculturelle", "fr"),
        ("razumevanje", "sr"),
        ("општина", "sr"),
        ('title:barazia AND "qytet"', "sq"),
    ],
)
def test_detect_query(query: str, expected: str) -> None:
    detector = LanguageDetector(corpus_languages=["en", "fr", "sq", "sr"])
    found = detector.detect_query(query)
    assert found.language == expected, found
    assert 0 < found.confidence <= 1


@pytest.mark.parametrize(
    "query", ["\x00", "(((", "*:*", "🙂🙂", "x" * 20000, "AND OR NOT", "title:", "\ud800"]
)
def test_detect_query_never_raises(detector: LanguageDetector, query: str) -> None:
    found = detector.detect_query(query)
    assert isinstance(found, Detection)
    assert 0 <= found.confidence <= 1 and found.method in METHODS


def test_results_are_well_formed(
    detector: LanguageDetector, gold_entries: list[dict[str, Any]]
) -> None:
    for e in gold_entries[:20]:
        found = detector.detect(e["title"], e["summary"], locale=e["locale"])
        assert found.method in METHODS
        assert 0 <= found.confidence <= 1
        assert found.language == UNDETERMINED or 2 <= len(found.language) <= 3


def test_the_compact_model_a_searcher_uses_detects_as_the_dense_one(
    detector: LanguageDetector, gold_entries: list[dict[str, Any]]
) -> None:
    """Searchers hold the sparse matrix (18 MB less a process): same language, same
    confidence, for whole entries and for the judged queries as typed."""
    from tests.eval.test_qrels_wellformed import load_queries  # 162 queries, 7 languages

    compact = LanguageDetector(compact=True)
    for e in gold_entries:
        text = (e["title"], e["summary"])
        assert compact.detect(*text, locale=e["locale"]) == detector.detect(
            *text, locale=e["locale"]
        )
    queries = [text for _, _, text in load_queries().values()]
    assert len(queries) > 100
    assert [compact.detect_query(q) for q in queries] == [detector.detect_query(q) for q in queries]


def test_a_saved_model_scores_as_the_profiles_and_any_other_file_is_ignored(
    tmp_path: Path, gold_entries: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """A generation keeps the model (read in 0.01 s instead of 0.25): it must score every
    text as langdetect's profiles do; a file saved for another langdetect or other code,
    or a damaged one, is passed over for the profiles, with a word in the log."""
    from indexer.ngram_model import MODEL_FILE, NgramModel

    profiles = NgramModel()
    path = tmp_path / MODEL_FILE
    profiles.save(path)
    texts = [f"{e['title']} {e['summary']}" for e in gold_entries[:200]]
    expected = [profiles.log_likelihood(t)[0].tolist() for t in texts]
    saved = NgramModel(saved=path)
    assert [saved.log_likelihood(t)[0].tolist() for t in texts] == expected
    compact, compact_saved = NgramModel(compact=True), NgramModel(compact=True, saved=path)
    assert [compact_saved.log_likelihood(t)[0].tolist() for t in texts] == [
        compact.log_likelihood(t)[0].tolist() for t in texts
    ]
    tampered = tmp_path / "tampered.npz"  # the file is what is read, not the profiles
    with np.load(path) as held:
        np.savez(tampered, **{**dict(held), "probs": held["probs"] * 2})
    assert NgramModel(saved=tampered).log_likelihood(texts[0])[0].tolist() != expected[0]
    stale = tmp_path / "stale.npz"
    with np.load(path) as held:
        np.savez(stale, **{**dict(held), "key": np.asarray("another langdetect")})
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(path.read_bytes()[:5000])
    with caplog.at_level(logging.INFO, logger="indexer.ngram_model"):
        for other in (stale, damaged, tmp_path / "missing.npz"):
            model = NgramModel(saved=other)
            assert [model.log_likelihood(t)[0].tolist() for t in texts[:20]] == expected[:20]
    assert f"{stale}: saved for another langdetect or code: not used" in caplog.text
    assert f"{damaged}: unreadable" in caplog.text


def test_script_counts_are_per_letter_in_the_order_the_text_uses_the_scripts() -> None:
    """The script with most letters decides (a tie: the one the text uses first), so the
    counts must be each letter's, in first-use order, as a loop over the letters gives."""
    import random

    from indexer.detect import _script_counts
    from indexer.languages import script_of

    def per_letter(text: str) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for ch in text:
            if (script := script_of(ch)) is not None:
                counts[script] = counts.get(script, 0) + 1
        return list(counts.items())

    rng = random.Random(4)
    texts = [
        "".join(rng.choice("aΣб日ა한אx1 .ﺏЉ") for _ in range(rng.randint(0, 30)))
        for _ in range(3000)
    ]
    texts += ["Beograd Београд", "Београд Beograd", "ab бв"]
    for text in texts:
        assert list(_script_counts(text).items()) == per_letter(text), text
