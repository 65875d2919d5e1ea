"""Snippets: the original words that matched, in <mark>, everything else HTML-escaped.

A word of the stored text is marked when its indexed term (in the entry's language, or
language-neutral folded) is one the query matched, or starts with a query prefix.  The
marks therefore cover inflected forms ("barazisë" for a query "barazia") but always show
the text as written, never a stem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from html import escape

from indexer.analysis import TOKEN_PATTERN, fold, term

SNIPPET_WORDS = 40
_TOKEN = re.compile(TOKEN_PATTERN)


@dataclass(slots=True)
class Marks:
    """What to mark: terms per analysis family, folded words, and folded prefixes."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    folded: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def add_term(self, family: str, indexed: str) -> None:
        self.terms.setdefault(family, set()).add(indexed)

    def __bool__(self) -> bool:
        return bool(self.terms or self.folded or self.prefixes)

    def matches(self, word: str, family: str) -> bool:
        folded = _fold_word(word)
        if folded in self.folded:
            return True
        if any(folded.startswith(p) for p in self.prefixes):
            return True
        wanted = self.terms.get(family)
        return bool(wanted) and term(word, family) in wanted


@cache
def _fold_word(word: str) -> str:
    return fold(word)


def _spans(text: str, family: str, marks: Marks) -> list[tuple[int, int]]:
    if not marks:
        return []
    return [m.span() for m in _TOKEN.finditer(text) if marks.matches(m.group(), family)]


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
    best: tuple[int, int, str, list[tuple[int, int]], list[re.Match[str]]] | None = None
    for order, text in enumerate(t for t in texts if t):
        tokens = list(_TOKEN.finditer(text))
        spans = _spans(text, family, marks)
        marked = {s for s, _ in spans}
        flags = [1 if tok.start() in marked else 0 for tok in tokens]
        if len(tokens) <= words:
            start_tok, count = 0, sum(flags)
        else:
            window = sum(flags[:words])
            start_tok, count = 0, window
            for i in range(1, len(tokens) - words + 1):
                window += flags[i + words - 1] - flags[i - 1]
                if window > count:
                    start_tok, count = i, window
            # Open the window a little before the first match, for context.
            start_tok = max(0, start_tok - 3) if count else 0
        key = (count, -order)
        if best is None or key > (best[0], best[1]):
            best = (count, -order, text, spans, tokens[start_tok : start_tok + words])
    if best is None:
        return ""
    _, _, text, spans, window = best
    if not window:
        return escape(text)
    begin = 0 if window[0].start() == _TOKEN.search(text).start() else window[0].start()  # type: ignore[union-attr]
    last_token_end = list(_TOKEN.finditer(text))[-1].end()
    end = len(text) if window[-1].end() == last_token_end else window[-1].end()
    inside = [(s, e) for s, e in spans if s >= begin and e <= end]
    html = _render(text[begin:end], [(s - begin, e - begin) for s, e in inside])
    return ("… " if begin else "") + html + (" …" if end < len(text) else "")
