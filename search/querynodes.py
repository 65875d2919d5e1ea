"""The query language's syntax tree: the nodes a parsed query is made of, the parsed
query itself, and `render`, which writes a node back in the syntax (search.querylang
parses; `parse(render(node))` gives the node back)."""

from __future__ import annotations

from dataclasses import dataclass, field

from search.models import Notice


@dataclass(frozen=True, slots=True)
class Word:
    """One word as the tokenizer splits them."""

    text: str
    field: str | None = None  # None: everywhere; "title": title fields only


@dataclass(frozen=True, slots=True)
class Compound:
    """A word the tokenizer splits ("art-therapy", "anti-discrimination"): entries with
    all of its parts, else (when none has them all) with any of them."""

    parts: tuple[str, ...]
    text: str  # as typed
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Prefix:
    text: str
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """Metadata equality: country:Spain, kind:news, language:fr."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class Years:
    low: int | None
    high: int | None


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    nodes: tuple[Node, ...]


Node = Word | Compound | Phrase | Prefix | Match | Years | Not | And | Or
Text = Word | Compound | Phrase | Prefix  # the clauses that match words
TEXT_NODES = (Word, Compound, Phrase, Prefix)


@dataclass(slots=True)
class ParsedQuery:
    root: Node | None
    languages: tuple[str, ...] = ()  # `:fr` restrictions
    notices: list[Notice] = field(default_factory=list)

    def positive_leaves(self) -> list[Text]:
        """Text clauses not under a NOT: what highlights and suggestions work from."""
        found: list[Text] = []

        def walk(node: Node | None) -> None:
            if isinstance(node, TEXT_NODES):
                found.append(node)
            elif isinstance(node, And | Or):
                for child in node.nodes:
                    walk(child)

        walk(self.root)
        return found

    def words(self) -> list[str]:
        """The words of the positive text clauses, in order (what language detection reads)."""
        found: list[str] = []
        for leaf in self.positive_leaves():
            if isinstance(leaf, Word | Prefix):
                found.append(leaf.text)
            else:
                found.extend(leaf.parts if isinstance(leaf, Compound) else leaf.words)
        return found

    def with_words(self, fixes: dict[str, str]) -> ParsedQuery:
        """The same query with some words replaced (did-you-mean corrections)."""
        root = _replace_words(self.root, fixes) if self.root is not None else None
        return ParsedQuery(root, self.languages, list(self.notices))

    def text(self) -> str:
        """The query written back in its syntax (a suggestion the user can run)."""
        prefix = " ".join(f":{code}" for code in self.languages)
        body = render(self.root) if self.root is not None else ""
        return " ".join(part for part in (prefix, body) if part)


def _replace_words(node: Node, fixes: dict[str, str]) -> Node:
    if isinstance(node, Word):
        return Word(fixes.get(node.text, node.text), node.field)
    if isinstance(node, And | Or):
        return type(node)(tuple(_replace_words(child, fixes) for child in node.nodes))
    if isinstance(node, Not):
        return Not(_replace_words(node.node, fixes))
    return node


def _quoted(value: str) -> str:
    return f'"{value}"' if not value or any(ch.isspace() or ch in '"():' for ch in value) else value


def render(node: Node) -> str:
    """A node in the query syntax, so that `parse(render(node))` gives the node back."""
    if isinstance(node, Word | Compound):
        text = node.text
    elif isinstance(node, Phrase):
        text = '"' + " ".join(node.words) + '"'
    elif isinstance(node, Prefix):
        text = node.text + "*"
    elif isinstance(node, Match):
        return f"{node.field}:{_quoted(node.value)}"
    elif isinstance(node, Years):
        low, high = node.low, node.high
        return f"year:{low}" if low == high else f"year:{low or ''}..{high or ''}"
    elif isinstance(node, Not):
        inner = render(node.node)
        if isinstance(node.node, And | Or):
            return f"NOT ({inner})"
        return f"-{inner}" if isinstance(node.node, TEXT_NODES) else f"NOT {inner}"
    elif isinstance(node, Or):
        return " OR ".join(render(child) for child in node.nodes)
    else:
        return " ".join(
            f"({render(child)})" if isinstance(child, Or) else render(child) for child in node.nodes
        )
    field_name = getattr(node, "field", None)
    return f"{field_name}:{text}" if field_name else text
