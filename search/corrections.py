"""Typo tolerance: close indexed words for a word found nowhere, and did-you-mean.

Corrections come from the folded vocabulary of every language the index holds (optimal
string alignment distance), ranked by how many entries hold them: a suggestion is a real
word as written in some entry, never a stem.
"""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA

from indexer.analysis import CYRILLIC_RE, fold
from search.querynodes import ParsedQuery, Word
from search.snapshot import Snapshot

MAX_CORRECTIONS = 3  # corrected words searched for one misspelled word
MIN_LETTERS = 4  # shorter words have too many neighbours at distance 1
MIN_LETTERS_CYRILLIC = 5
LONG_WORD = 8  # from this length two edits are allowed
CANDIDATES = 50  # closest vocabulary words looked at before ranking by frequency
SUGGEST_BELOW = 3  # a query finding fewer entries than this gets a did-you-mean
MORE_COMMON = 2  # a correction must be this many times more common than the word


def corrections(snap: Snapshot, word: str, limit: int = MAX_CORRECTIONS) -> list[str]:
    """Close indexed words (optimal string alignment distance 1, 2 for long words)."""
    folded = fold(word)
    shortest = MIN_LETTERS_CYRILLIC if CYRILLIC_RE.search(folded) else MIN_LETTERS
    if len(folded) < shortest:
        return []
    max_dist = 1 if len(folded) < LONG_WORD else 2
    terms, df = snap.folded_vocab
    found = process.extract(
        folded, terms, scorer=OSA.distance, score_cutoff=max_dist, limit=CANDIDATES
    )
    ranked = sorted((dist, -int(df[i]), terms[i]) for _, dist, i in found if terms[i] != folded)
    return [t for _, _, t in ranked[:limit]]


def suggestion(snap: Snapshot, parsed: ParsedQuery, used: dict[str, str], total: int) -> str | None:
    """Did-you-mean: the parsed query with misspelled words replaced, written back in the
    query syntax, when the search found few entries or had to correct a word."""
    if total >= SUGGEST_BELOW and not used:
        return None
    fixes = dict(used)
    for leaf in parsed.positive_leaves():
        if isinstance(leaf, Word) and leaf.text not in fixes:
            options = corrections(snap, leaf.text, limit=1)
            if options and snap.folded_df(options[0]) > MORE_COMMON * max(
                1, snap.folded_df(leaf.text)
            ):
                fixes[leaf.text] = options[0]
    if not fixes:
        return None
    fixed = parsed.with_words(fixes).text()
    return fixed if fixed != parsed.text() else None
