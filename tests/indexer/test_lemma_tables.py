"""The compact dictionary index answers exactly as simplemma's own stream backend."""

from __future__ import annotations

import random
from itertools import islice

import pytest
from simplemma.strategies.dictionaries import frontcode
from simplemma.strategies.dictionaries.dictionary_factory import _read_decompressed
from simplemma.strategies.dictionaries.stream_dictionary_factory import StreamMap

from indexer.lemma_tables import BLOCK, CompactStreamMap
from indexer.stemming import is_known, lemma


def test_every_lookup_matches_simplemma() -> None:
    theirs = StreamMap("sq")
    ours = CompactStreamMap(_read_decompressed("sq"))
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


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _stream(pairs: dict[str, str], reverse: bool) -> bytes:
    """A front-coded stream as simplemma's encoder writes it: literal values, or "same as
    the previous record's" when they repeat."""
    flip = (lambda b: b[::-1]) if reverse else (lambda b: b)
    items = sorted((flip(k.encode()), flip(v.encode())) for k, v in pairs.items())
    out = bytearray(frontcode._MAGIC) + bytes([int(reverse)]) + _varint(len(items))
    previous_key, previous_value = b"", None
    for key, value in items:
        shared = 0
        while shared < min(len(key), len(previous_key)) and key[shared] == previous_key[shared]:
            shared += 1
        out += _varint(shared) + _varint(len(key) - shared) + key[shared:]
        if value == previous_value:
            out.append(frontcode._SAME_AS_PREV)
        else:
            out += bytes([frontcode._LITERAL_VALUE]) + _varint(len(value)) + value
        previous_key, previous_value = key, value
    return bytes(out)


@pytest.mark.parametrize("reverse", [False, True])  # simplemma's sw stores keys reversed
@pytest.mark.parametrize("size", [0, 1, 2, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 1, 300])
def test_streams_of_every_block_shape_read_as_simplemma_decodes_them(
    size: int, reverse: bool
) -> None:
    rng = random.Random(size)
    letters = "abcdeëшж中"
    pairs: dict[str, str] = {}
    while len(pairs) < size:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 7)))
        pairs[word] = rng.choice(["x", "lemma", word[:2] or "y"])  # repeats: same-as-previous
    data = _stream(pairs, reverse)
    expected = {k.decode(): v.decode() for k, v in frontcode._decode_stream(data).items()}
    assert expected == pairs  # the encoder above writes what simplemma reads
    ours = CompactStreamMap(data)
    assert len(ours) == size and sorted(ours) == sorted(pairs)
    probes = [*pairs, *(k + "a" for k in pairs), *(k[:-1] for k in pairs), "", "zzz", "ё"]
    assert [ours.get(k) for k in probes] == [pairs.get(k) for k in probes]


def test_a_cut_stream_is_an_error() -> None:
    data = _read_decompressed("sq")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        CompactStreamMap(data[: len(data) // 2])


def test_the_lemmatizer_and_detector_read_the_dictionaries() -> None:
    assert lemma("houses", "en") == "house"
    assert is_known("houses", "en") and not is_known("qqxzv", "en")
    with pytest.raises(ValueError):
        is_known("house", "xx")
