"""The analysed resources a build uses, the concept lexicon and the topic assigner: read
from what the previous generation saved when that is current, and kept by the new one.

Analysing them takes 1-2 s (every lemmatizer's dictionary); reading the saved copies,
tens of milliseconds.  A generation that read them from its predecessor's files keeps
those files by hard link instead of writing them again (a one-entry update at 100k
entries spent 25 ms on writing them), which also tells a reader opening it that nothing
changed (search.snapshot shares what it parsed of them).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from indexer.concepts import ConceptIndex, load_lexicon, saved_lexicon
from indexer.generations import CONCEPTS, TOPIC_VOCABULARY
from indexer.readonce import read_once, remember
from indexer.topic_data import vocabulary_json
from indexer.topics import TopicAssigner, saved_assigner


@dataclass(frozen=True, slots=True)
class Resources:
    lexicon: ConceptIndex
    assigner: TopicAssigner
    previous: Path | None  # the generation the saved copies were looked for in
    lexicon_read: bool  # the lexicon is the one `previous` saved
    vocabulary_read: bool  # the assigner's topic vocabulary is the one `previous` saved


def load_resources(previous: Path | None) -> Resources:
    """A build's lexicon and assigner: what `previous` saved, where current, else analysed
    (once per process: the assigner here, the lexicon by concepts.concept_index).  Saved
    files are read once per process while they stay the same file: a generation links
    them into the next (save_resources), so the updates a long-running process makes
    read them once (reading them took 40-50 ms of each one-entry update at 100k; once
    cached, 8-11 ms remain, measured)."""
    saved = None if previous is None else read_once(previous / CONCEPTS, saved_lexicon)
    lexicon = saved or load_lexicon(None)
    assigner = None
    if previous is not None:
        assigner = read_once(
            previous / TOPIC_VOCABULARY, lambda _: saved_assigner(previous, lexicon), lexicon
        )
    return Resources(
        lexicon,
        assigner or _analysed_assigner(),
        previous,
        lexicon_read=saved is not None,
        vocabulary_read=assigner is not None,
    )


def save_resources(workdir: Path, resources: Resources) -> None:
    """The new generation's copies: linked when read from the previous one, else written."""
    previous = resources.previous
    if previous is not None and resources.lexicon_read:
        os.link(previous / CONCEPTS, workdir / CONCEPTS)
    else:
        (workdir / CONCEPTS).write_text(resources.lexicon.to_json(), encoding="utf-8")
        remember(workdir / CONCEPTS, resources.lexicon)  # as load_resources reads it
    if previous is not None and resources.vocabulary_read:
        os.link(previous / TOPIC_VOCABULARY, workdir / TOPIC_VOCABULARY)
    else:
        vocabulary = vocabulary_json(resources.assigner.vocabulary)
        (workdir / TOPIC_VOCABULARY).write_text(vocabulary, encoding="utf-8")
        remember(workdir / TOPIC_VOCABULARY, resources.assigner, given=resources.lexicon)


@lru_cache(maxsize=1)
def _analysed_assigner() -> TopicAssigner:
    return TopicAssigner()
