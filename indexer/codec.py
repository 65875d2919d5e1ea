"""The codec a build writes its Whoosh segments with: Whoosh's own (W3), with less work per
posting.

When a writer flushes a segment, Whoosh's field writer handles each posting in turn (1.4M
for 20k entries): it asks for the length of the field in the posting's document, which
seeks in the segment's column file and decodes one byte, and adds the posting to its term's
block through two calls that check its types.  Here a field's whole length column is read
once, and a term's postings are gathered and put into its blocks 128 at a time, with each
block's statistics as Whoosh's postings writer keeps them.  Only the writing differs: the
segments name Whoosh's plain codec, so an index holds what `whoosh.codec.default_codec()`
writes and opening it needs nothing of this module.

Reading a written segment back (its export to arrays, and a commit merging it into the new
segment) goes through `term_matchers` and `MergeReader`: the segment's terms table read in
one pass rather than a hash lookup per term.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3Segment,
    _lenfield,
)
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

# A length byte's length; 0 reads as None, as Whoosh's own reader returns for it.
_LENGTH_OF_BYTE: list[int | None] = [None, *(byte_to_length(b) for b in range(1, 256))]


class BuildCodec(W3Codec):
    """Whoosh's W3 codec (default settings), writing with the field writer below and
    reading each field's lengths column once."""

    def new_segment(self, storage: Any, indexname: str) -> W3Segment:
        return W3Segment(W3Codec(), indexname)

    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return _ColumnLengths(storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return _FieldWriter(self, storage, segment)


_FIELD_AND_TERM = itemgetter(0, 1)


class _FieldWriter(W3FieldWriter):
    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Any]) -> None:
        """Whoosh's `FieldWriter.add_postings`: `items` are (field, term bytes, docnum,
        weight, value bytes) sorted by field, term and docnum.  (Whoosh's loop skips a
        docnum of -1, which its writer no longer makes: spelling words are postings of a
        field of their own.  Here one would fail the build: the block's ids are unsigned.)"""
        field = None
        for (name, term), postings in groupby(items, _FIELD_AND_TERM):
            if name != field:
                if field is not None:
                    self.finish_field()
                self.start_field(name, schema[name])
                field = name
                length_of = _length_lookup(lengths, name)
            _, _, docs, weights, values = zip(*postings, strict=True)
            self.start_term(term)
            self._add_term(docs, weights, values, list(map(length_of, docs)))
            self.finish_term()
        if field is not None:
            self.finish_field()

    def _add_term(
        self,
        docs: Sequence[int],
        weights: Sequence[float],
        values: Sequence[Any],
        lengths: Sequence[Any],
    ) -> None:
        """A term's postings into its blocks: what W3PostingsWriter.add_posting keeps of
        each (the block written when it holds `_blocklimit` and one more comes; empty
        values and lengths left out of the values and the lengths' range)."""
        writer = self._postwriter
        limit = writer._blocklimit
        for start in range(0, len(docs), limit):
            if start:
                writer._write_block()
            end = start + limit
            writer._ids = array("I", docs[start:end])
            writer._weights = array("f", weights[start:end])
            writer._values = [v for v in values[start:end] if v]
            known = [n for n in lengths[start:end] if n]
            writer._minlength = min(known) if known else None
            writer._maxlength = max(known, default=0)
            writer._maxweight = max(0, *weights[start:end])


def _length_lookup(lengths: Any, field: str) -> Any:
    """docnum -> the field's length in it, as Whoosh's loop asks for it."""
    if lengths is None:
        return _no_length
    if isinstance(lengths, _ColumnLengths):
        column = lengths.column(field)
        # No lengths column (a field that is not scored: id, kind, language...): Whoosh's
        # reader answers its default, 0, after looking for the file again each time
        # (140k stat calls for 20k entries).
        return _no_length if column is None else column.__getitem__
    return lambda docnum: lengths.doc_field_length(docnum, field)


def _no_length(docnum: int) -> int:
    return 0


class _ColumnLengths(W3PerDocReader):
    """Lengths read a column at a time, the last field's kept: the field writer asks for
    one field's after another's (a list per field kept would be 8 bytes a document each:
    ~300 MB for 40 fields of a segment of 1M entries)."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._last: tuple[str, list[int | None] | None] | None = None

    def column(self, fieldname: str) -> Sequence[int | None] | None:
        """Each document's length of the field (None: the segment has no such column)."""
        if self._last is not None and self._last[0] == fieldname:
            return self._last[1]
        column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        lengths = None if column is None else [_LENGTH_OF_BYTE[b] for b in column]
        self._last = (fieldname, lengths)
        return lengths


def term_matchers(segreader: Any, fieldname: str | None = None) -> Iterator[tuple[str, bytes, Any]]:
    """(field, term, a matcher over all its postings, deleted documents included) for each
    term of a segment, or of one of its fields, in the order of its terms table (the terms
    of fields the schema lacks left out, as Whoosh's `all_terms` leaves them out).

    The table is read in one pass, each term with the address of its postings.  Whoosh's
    `SegmentReader.postings` looks each term up again in the table's hash (several seeks
    and reads): about half of the time of exporting a small segment (measured at 15
    entries: 64-85 against 31-59 ms)."""
    terms = segreader._terms
    schema = segreader.schema
    if fieldname is None:
        items = terms.items()
    elif fieldname in terms.indexed_field_names():
        items = terms.items_from(fieldname, b"")
    else:
        return
    for (name, tbytes), info in items:
        if fieldname is not None and name != fieldname:
            return
        if name in schema:
            format_ = schema[name].format
            yield (
                name,
                tbytes,
                terms._codec.postings_reader(terms._postfile, info, format_, term=(name, tbytes)),
            )


class _KnownColumns(W3PerDocReader):
    """Whoosh's per-document reader, remembering which columns its segment has (a written
    segment never changes): a merge asks for each field's length in each document, and for
    a field without a lengths column (not scored: id, kind, language...) Whoosh's reader
    looked for the file on disk every time."""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._has: dict[str, bool] = {}

    def has_column(self, fieldname: str) -> bool:
        found = self._has.get(fieldname)
        if found is None:
            found = self._has[fieldname] = super().has_column(fieldname)
        return found


class _MergeCodec(W3Codec):
    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return _KnownColumns(storage, segment)


class MergeReader(SegmentReader):
    """A segment read into a merge (`IndexWriter.add_reader`): its postings as Whoosh's
    `iter_postings` yields them, the terms table read in one pass (`term_matchers`), and
    its documents' field lengths without a file lookup each."""

    def __init__(self, storage: Any, schema: Any, segment: Any) -> None:
        super().__init__(storage, schema, segment, codec=_MergeCodec())

    def iter_postings(self) -> Iterator[tuple[str, bytes, int, float, bytes | None]]:
        deleted = self.deleted_docs_set
        for name, tbytes, matcher in term_matchers(self):
            if deleted:
                matcher = FilterMatcher(matcher, deleted, exclude=True)
            while matcher.is_active():
                yield name, tbytes, matcher.id(), matcher.weight(), matcher.value()
                matcher.next()
