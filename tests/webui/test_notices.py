"""Every notice the search library can give reads in the interface language."""

from __future__ import annotations

from flask import Flask

from search.models import NOTICE_TEXTS, Notice
from webui.i18n import notice_text

SAMPLES = {
    "unbalanced_quote": {},
    "unbalanced_parentheses": {},
    "deep_parentheses": {"levels": 32},
    "unknown_field": {"field": "colour"},
    "bad_year": {"value": "soon"},
    "short_prefix": {"prefix": "in*", "letters": 3},
    "too_many_terms": {"terms": 64},
    "not_found": {"words": "xyzzy"},
    "loose_phrase": {"phrase": "roma mediators"},
}


def test_every_notice_is_translated(app: Flask) -> None:
    assert set(SAMPLES) == set(NOTICE_TEXTS), "give the new notice a sample and a translation"
    for code, params in SAMPLES.items():
        notice = Notice(code, **params)
        with app.test_request_context("/?lang=en"):
            english = notice_text(notice)
        with app.test_request_context("/?lang=fr"):
            french = notice_text(notice)
        assert french != english, f"{code} has no French text: {english}"
        assert all(str(v) in french for v in params.values()), (code, french)
