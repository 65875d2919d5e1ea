"""Snippets: the original words that matched, in <mark>, everything else HTML-escaped.

A word of the stored text is marked when its indexed term (in the entry's language, or
language-neutral folded) is one the query matched, or starts with a query prefix.  The
marks therefore cover inflected forms ("barazisë" for a query "barazia") but always show
the text as written, never a stem.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from itertools import chain

from indexer.analysis import TOKEN_RE, fold_word, term

SNIPPET_WORDS = 40
CONTEXT_BEFORE = 3  # words shown before the first match of a snippet


@dataclass(slots=True)
class Marks:
    """What to mark: terms per analysis family, folded words, and folded prefixes."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    folded: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    _seen: dict[str, dict[str, bool]] = field(default_factory=dict)  # family -> word -> answer

    def add_term(self, family: str, indexed: str) -> None:
        self.terms.setdefault(family, set()).add(indexed)
        self._seen.clear()

    def add_folded(self, folded: str) -> None:
        self.folded.add(folded)
        self._seen.clear()

    def add_prefix(self, folded: str) -> None:
        self.prefixes.add(folded)
        self._seen.clear()

    def __bool__(self) -> bool:
        return bool(self.terms or self.folded or self.prefixes)

    def matches(self, word: str, family: str) -> bool:
        seen = self.answers(family)
        found = seen.get(word)
        if found is None:
            folded, indexed = _forms(word, family)
            wanted = self.terms.get(family)
            found = seen[word] = (
                folded in self.folded
                or (wanted is not None and indexed in wanted)
                or any(folded.startswith(p) for p in self.prefixes)
            )
        return found

    def answers(self, family: str) -> dict[str, bool]:
        """The words of a family answered so far (`matches` fills it)."""
        seen = self._seen.get(family)
        if seen is None:
            seen = self._seen[family] = {}
        return seen


@lru_cache(maxsize=1 << 12)
def _forms(word: str, family: str) -> tuple[str, str | None]:
    """A word's folded form and its indexed term in a family: the same words come back in
    snippet after snippet, and each query asked for both again (a hit's snippet and title
    took 110 µs against 103, best of 12 at 100k).  4,096 words keep ~1 MB per process
    (~250 bytes a word, measured)."""
    return fold_word(word), term(word, family)


@lru_cache(maxsize=512)
def _words(text: str) -> array:
    """Where each word of a text starts and ends, one after the other (start, end, start,
    ...: a tuple of (start, end, word) tuples took 20 times the memory, 1.3 MB per process
    for 512 texts at 100k).  The texts of popular entries come back request after request
    (512 texts: an entry gives a title, a summary and a body)."""
    return array("i", chain.from_iterable(m.span() for m in TOKEN_RE.finditer(text)))


def _spans(text: str, family: str, marks: Marks) -> list[tuple[int, int]]:
    if not marks:
        return []
    seen = marks.answers(family)
    found = []
    bounds = iter(_words(text))
    for start, end in zip(bounds, bounds, strict=True):
        word = text[start:end]
        hit = seen.get(word)
        if hit is None:
            hit = marks.matches(word, family)
        if hit:
            found.append((start, end))
    return found


def mark(text: str, family: str, marks: Marks) -> str:
    """The whole text, escaped, with matched words marked."""
    return _render(text, _spans(text, family, marks))


def _render(text: str, spans: Iterable[tuple[int, int]]) -> str:
    out = []
    last = 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


def snippet(texts: Iterable[str], family: str, marks: Marks, words: int = SNIPPET_WORDS) -> str:
    """The best window of about `words` words from the texts (most marks, earliest)."""
    best: tuple[tuple[int, int], str, array, list[tuple[int, int]], int] | None = None
    for order, text in enumerate(t for t in texts if t):
        tokens = _words(text)
        if not tokens:
            continue
        spans = _spans(text, family, marks)
        start, count = _best_window(tokens[0::2], {s for s, _ in spans}, words)
        if best is None or (count, -order) > best[0]:
            best = ((count, -order), text, tokens, spans, start)
        if not marks:
            break  # nothing to look for: the first text opens the snippet
    if best is None:
        return ""
    _, text, tokens, spans, start = best
    begin = 0 if start == 0 else tokens[2 * start]
    end = len(text) if start + words >= len(tokens) // 2 else tokens[2 * (start + words) - 1]
    inside = [(s - begin, e - begin) for s, e in spans if s >= begin and e <= end]
    html = _render(text[begin:end], inside)
    return ("… " if begin else "") + html + (" …" if end < len(text) else "")


def _best_window(starts: array, marked: set[int], words: int) -> tuple[int, int]:
    """(first token, marks) of the window of `words` tokens (by their starts) with the
    most marked ones."""
    if not marked:
        return 0, 0
    flags = [1 if s in marked else 0 for s in starts]
    if len(starts) <= words:
        return 0, sum(flags)
    window = best = sum(flags[:words])
    start = 0
    for i in range(1, len(starts) - words + 1):
        window += flags[i + words - 1] - flags[i - 1]
        if window > best:
            start, best = i, window
    # The best window found first ends on a match: open it a little before its first
    # match instead, for context, without losing any of its matches.
    first = start + flags[start : start + words].index(1)
    return max(start, first - CONTEXT_BEFORE), best
