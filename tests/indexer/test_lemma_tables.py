"""The compact dictionary index answers exactly as simplemma's own stream backend."""

from __future__ import annotations

import random
from itertools import islice

import pytest
from simplemma.strategies.dictionaries.dictionary_factory import _read_decompressed
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

from indexer.lemma_tables import BLOCK, CompactStreamMap
from indexer.stemming import is_known, lemma


@pytest.mark.parametrize("lang", ["sq", "sw"])  # sw stores its keys reversed
def test_every_lookup_matches_simplemma(lang: str) -> None:
    theirs = StreamMap(lang)
    ours = CompactStreamMap(_read_decompressed(lang))
    keys = list(theirs)
    assert list(islice(ours, 2000)) == keys[:2000] and len(ours) == len(keys)
    rng = random.Random(7)
    sample = rng.sample(keys, 5000)
    # Block edges (first, second and last record of a block), near misses and extremes.
    edges = [
        keys[i]
        for b in range(0, len(keys), BLOCK)
        for i in (b, b + 1, b + BLOCK - 1)
        if i < len(keys)
    ][:3000]
    probes = [*sample, *edges, *(k + "x" for k in sample[:2000]), *(k[:-1] for k in sample[:2000])]
    probes += ["", "\x00", keys[0], keys[-1], keys[-1] + "z", "ÿÿÿ"]
    assert [ours.get(k) for k in probes] == [theirs.get(k) for k in probes]
    assert sum(ours.get(k) is not None for k in probes) > 5000  # the probes do find lemmas


def test_a_cut_stream_is_an_error() -> None:
    data = _read_decompressed("sq")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        CompactStreamMap(data[: len(data) // 2])


def test_the_lemmatizer_and_detector_read_the_dictionaries() -> None:
    assert lemma("houses", "en") == "house"
    assert is_known("houses", "en") and not is_known("qqxzv", "en")
    with pytest.raises(ValueError):
        is_known("house", "xx")
