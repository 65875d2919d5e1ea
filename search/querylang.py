"""The query language: words, "phrases", AND/OR/NOT/-word, field:value, year ranges, prefix*.

Parsing never fails: unbalanced quotes or parentheses, stray operators and unknown fields
degrade to plain words, with a notice the UI can show.  Operators are upper-case only, so
the words "and"/"or"/"not" in a query stay words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.analysis import tokens
from search.models import Notice
from search.querynodes import (  # noqa: F401  (re-exported: the nodes are part of this API)
    TEXT_NODES,
    And,
    Compound,
    Match,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Prefix,
    Text,
    Word,
    Years,
    render,
)

MAX_CLAUSES = 32
MAX_DEPTH = 32  # nested groups; deeper nesting is ignored, so parsing never exhausts the stack
MIN_PREFIX_CHARS = 3
# field:value names; `lang` and `language` are the same.
TEXT_FIELDS = {"title"}
META_FIELDS = {
    "country",
    "city",
    "kind",
    "language",
    "locale",
    "topic",
    "near",
}  # near: search.places
FIELD_ALIASES = {"lang": "language", "type": "kind", "place": "city"}
YEAR_FIELDS = {"year", "years"}


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<lang>(?<!\S):(?P<langcode>[a-zA-Z]{2,3})(?=\s|$))
  | (?P<neg>-(?=["\w]))?
    (?:(?P<field>[A-Za-z_]+):(?=["\w.]))?
    (?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"()]+))
  | (?P<stray>.)
    """,
    re.VERBOSE,
)
_YEAR_RANGE = re.compile(r"^(?P<low>\d{4})?(?P<sep>\.\.|-)?(?P<high>\d{4})?$")
_OPERATORS = {"AND", "OR", "NOT", "&&", "||", "!"}


def year_range(value: str) -> tuple[int | None, int | None] | None:
    """`2019` -> (2019, 2019); `2019..2022` or `2019-2022`, `..2015`, `2019..` -> closed or
    open ranges; anything else -> None.  One grammar for `year:` in a query and the year
    filter of a request."""
    match = _YEAR_RANGE.match(value.strip())
    if not match or not (match["low"] or match["high"]):
        return None
    low = int(match["low"]) if match["low"] else None
    high = int(match["high"]) if match["high"] else None
    if not match["sep"]:
        return None if low is None or high is not None else (low, low)
    return low, high


@dataclass(slots=True)
class _Tok:
    kind: str  # "op", "clause", "lparen", "rparen"
    value: object


def _clean(query: str, notices: list[Notice]) -> str:
    if query.count('"') % 2:
        query = query[::-1].replace('"', " ", 1)[::-1]
        notices.append(Notice("unbalanced_quote"))
    depth = deepest = 0
    balanced = True
    for ch in query:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        deepest = max(deepest, depth)
        balanced = balanced and depth >= 0
    if depth or not balanced:
        query = query.replace("(", " ").replace(")", " ")
        notices.append(Notice("unbalanced_parentheses"))
    elif deepest > MAX_DEPTH:
        query = query.replace("(", " ").replace(")", " ")
        notices.append(Notice("deep_parentheses", levels=MAX_DEPTH))
    return query


def _clause(
    field_name: str | None, phrase: str | None, word: str | None, notices: list[Notice]
) -> Node | None:
    name = FIELD_ALIASES.get(field_name.lower(), field_name.lower()) if field_name else None
    if name and name not in TEXT_FIELDS | META_FIELDS | YEAR_FIELDS:
        notices.append(Notice("unknown_field", field=field_name))
        parts = [_text_clause(None, None, field_name)]
        parts.append(_text_clause(None, phrase, word))
        return _join(And, [p for p in parts if p is not None])
    if name in YEAR_FIELDS:
        bounds = year_range(phrase if phrase is not None else word or "")
        if bounds is not None:
            return Years(*bounds)
        notices.append(Notice("bad_year", value=word or phrase))
        return None
    if name in META_FIELDS:
        value = (phrase if phrase is not None else word or "").strip()
        return Match(name, value) if value else None
    return _text_clause(name, phrase, word, notices)


def _text_clause(
    name: str | None, phrase: str | None, word: str | None, notices: list[Notice] | None = None
) -> Node | None:
    if phrase is not None:
        words = tuple(tokens(phrase))  # punctuation alone ("-", "!!!") searches nothing
        if len(words) > 1:
            return Phrase(words, name)
        return Word(words[0], name) if words else None
    assert word is not None
    if word.endswith("*") and word.strip("*"):
        stem = word.rstrip("*")
        if len(stem) >= MIN_PREFIX_CHARS and "*" not in stem:
            return Prefix(stem, name)
        if notices is not None:
            notices.append(Notice("short_prefix", prefix=word, letters=MIN_PREFIX_CHARS))
        word = stem.replace("*", "")
    word = word.strip("*?")
    parts = tuple(tokens(word))
    if len(parts) > 1:
        return Compound(parts, word, name)
    return Word(parts[0], name) if parts else None


def _tokens(query: str, notices: list[Notice]) -> tuple[list[_Tok], list[str]]:
    tokens: list[_Tok] = []
    languages: list[str] = []
    for m in _TOKEN.finditer(query):
        if m.group("space") or m.group("stray"):
            continue
        if m.group("lparen"):
            tokens.append(_Tok("lparen", None))
        elif m.group("rparen"):
            tokens.append(_Tok("rparen", None))
        elif m.group("lang"):
            languages.append(m.group("langcode").lower())
        else:
            word = m.group("word")
            if word in _OPERATORS and not m.group("field") and not m.group("neg"):
                tokens.append(_Tok("op", {"&&": "AND", "||": "OR", "!": "NOT"}.get(word, word)))
                continue
            clause = _clause(m.group("field"), m.group("phrase"), word, notices)
            if clause is not None:
                tokens.append(_Tok("clause", Not(clause) if m.group("neg") else clause))
    return tokens, languages


class _Parser:
    """Recursive descent: OR < AND (explicit or implied) < NOT < clause/(group)."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node | None:
        nodes = []
        while self.peek() is not None:
            node = self.or_expr()
            if node is not None:
                nodes.append(node)
            elif self.peek() is not None:
                self.i += 1  # a token no rule can use (stray ")" or operator): drop it
        return _join(And, nodes)

    def or_expr(self) -> Node | None:
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "OR":
            self.i += 1
            parts.append(self.and_expr())
        return _join(Or, [p for p in parts if p is not None])

    def and_expr(self) -> Node | None:
        parts = [self.unary()]
        while (tok := self.peek()) is not None:
            if tok.kind == "op" and tok.value == "AND":
                self.i += 1
                continue
            if tok.kind == "rparen" or (tok.kind == "op" and tok.value == "OR"):
                break
            parts.append(self.unary())
        return _join(And, [p for p in parts if p is not None])

    def unary(self) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok.kind == "op" and tok.value == "NOT":
            # A run of NOTs is read in a loop, not by recursion: NOT NOT x is x.
            negations = 0
            while (tok := self.peek()) is not None and tok.kind == "op" and tok.value == "NOT":
                negations += 1
                self.i += 1
            node = self.unary()
            if node is None or negations % 2 == 0:
                return node
            return Not(node)
        if tok.kind == "op":
            self.i += 1  # AND/OR with nothing on its left
            return None
        if tok.kind == "lparen":
            self.i += 1
            node = self.or_expr()
            if (close := self.peek()) is not None and close.kind == "rparen":
                self.i += 1
            return node
        if tok.kind == "rparen":
            return None
        self.i += 1
        return tok.value  # type: ignore[return-value]


def _join(kind: type[And] | type[Or], nodes: list[Node]) -> Node | None:
    flat: list[Node] = []
    for node in nodes:
        flat.extend(node.nodes if isinstance(node, kind) else (node,))
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def _count(node: Node | None) -> int:
    if isinstance(node, And | Or):
        return sum(_count(n) for n in node.nodes)
    if isinstance(node, Not):
        return _count(node.node)
    return 0 if node is None else 1


def _truncate(node: Node | None, budget: list[int]) -> Node | None:
    if node is None:
        return None
    if isinstance(node, And | Or):
        kept = [k for n in node.nodes if (k := _truncate(n, budget)) is not None]
        return _join(type(node), kept)
    if isinstance(node, Not):
        inner = _truncate(node.node, budget)
        return Not(inner) if inner is not None else None
    if budget[0] <= 0:
        return None
    budget[0] -= 1
    return node


def parse(query: str) -> ParsedQuery:
    notices: list[Notice] = []
    tokens, languages = _tokens(_clean(query, notices), notices)
    root = _Parser(tokens).parse()
    if _count(root) > MAX_CLAUSES:
        notices.append(Notice("too_many_terms", terms=MAX_CLAUSES))
        root = _truncate(root, [MAX_CLAUSES])
    return ParsedQuery(root, tuple(dict.fromkeys(languages)), notices)
