"""Snippets and marked titles: original words in <mark>, everything else escaped."""

from __future__ import annotations

from search.highlight import Marks, mark, snippet


def test_marks_cover_inflections_and_show_the_text_as_written() -> None:
    marks = Marks()
    marks.add_term("en", "mediat")
    assert mark("Mediators mediate; <b>mediation</b>", "en", marks) == (
        "<mark>Mediators</mark> <mark>mediate</mark>; &lt;b&gt;<mark>mediation</mark>&lt;/b&gt;"
    )


def test_folded_words_and_prefixes_are_marked_across_languages() -> None:
    marks = Marks()
    marks.add_folded("mediation")
    marks.add_prefix("integr")
    assert mark("Médiation et intégration", "fr", marks) == (
        "<mark>Médiation</mark> et <mark>intégration</mark>"
    )


def test_nothing_to_mark_is_plain_escaped_text() -> None:
    assert mark("a <script>", "en", Marks()) == "a &lt;script&gt;"


def test_the_snippet_window_opens_near_the_matches_with_ellipses() -> None:
    marks = Marks()
    marks.add_folded("needle")
    text = " ".join(["hay"] * 60 + ["needle"] + ["hay"] * 60)
    html = snippet([text], "en", marks, words=10)
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>needle</mark>" in html and len(html.split()) <= 14


def test_the_snippet_prefers_the_text_with_more_matches() -> None:
    marks = Marks()
    marks.add_folded("roma")
    html = snippet(["No match here.", "Roma families and Roma youth."], "en", marks)
    assert html.count("<mark>") == 2
