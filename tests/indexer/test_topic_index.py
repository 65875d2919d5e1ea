"""Topics at index time: the detection pool assigns them as one process would."""

from __future__ import annotations

import pytest

from corpus import make_entry
from indexer import workers
from indexer.resources import _analysed_assigner as _assigner

TEXTS = [
    ("Jobs for refugees", "Employment and job training for newcomers."),
    ("Écoles interculturelles", "Les enseignants et les élèves de l'école."),
    ("Parks and squares", "Public space where neighbours meet."),
    ("Anti-rumour campaign", "Fighting prejudice and discrimination."),
]


def test_the_pool_assigns_the_same_topics_as_one_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = [
        make_entry({"title": t, "summary": s, "locale": "en"}, source=f"test:{i}")
        for i, (t, s) in enumerate(TEXTS * 3, start=1)
    ]
    serial = workers.detect_and_assign(entries, _assigner(), procs=1)
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 2)
    pooled = workers.detect_and_assign(entries, _assigner(), procs=2)
    assert [d.language for d in pooled[0]] == [d.language for d in serial[0]]
    assert pooled[1] == serial[1]
    assert all(topics for topics in pooled[1])
