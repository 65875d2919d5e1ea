"""Topics in the interface: names in the UI language, entry-page links, /api/topics.

Topic names and descriptions are data (the taxonomy's topics.json holds them per
language), not catalog strings: a language the taxonomy lacks falls back to English.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from indexer.topics import Topic, load_taxonomy
from search import topics as search_topics

FALLBACK = "en"


def _topic(topic_id: str) -> Topic | None:
    taxonomy = load_taxonomy()
    return next((t for t in taxonomy.topics if t.id == topic_id), None)


def _in(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get(lang.split("-")[0]) or texts.get(FALLBACK, "")


def topic_name(topic_id: str, lang: str) -> str:
    """A topic's name in `lang` (English when the taxonomy lacks it; the id if unknown)."""
    topic = _topic(topic_id)
    return _in(topic.names, lang) if topic else topic_id


def topic_description(topic_id: str, lang: str) -> str:
    topic = _topic(topic_id)
    return _in(topic.description, lang) if topic else ""


def topic_links(topic_ids: Any, lang: str) -> list[dict[str, str]]:
    """An entry's topics, best first, each with a link to the search filtered by it."""
    return [
        {
            "id": t,
            "name": topic_name(t, lang),
            "description": topic_description(t, lang),
            "url": url_for("search.index", topic=t),
        }
        for t in topic_ids or ()
    ]


def topics_data(snap: Any) -> dict[str, Any]:
    """Every topic of the taxonomy, in its display order: id, names, description, and
    how many live entries have it."""
    counts = search_topics.counts(snap)
    return {
        "topics": [
            {
                "id": t.id,
                "names": dict(t.names),
                "description": dict(t.description),
                "count": counts.get(t.id, 0),
            }
            for t in load_taxonomy().topics
        ],
        "generation": snap.gen.name,
    }
