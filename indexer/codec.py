"""The codec a build writes its Whoosh segments with: Whoosh's own, with field lengths read
once per field.

When a writer flushes a segment, Whoosh's field writer asks for the length of the field in
each posting's document, once per posting (1.4M times for 20k entries), and each answer
seeks in the segment's column file and decodes one byte.  Here a field's whole length column
is read on its first lookup and each posting's length is one list index.  Only the writing
differs: the segments written name Whoosh's plain codec, so an index holds the same files as
one written by `whoosh.codec.default_codec()` and opening it needs nothing of this module.
"""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3Segment, _lenfield
from whoosh.util.numeric import byte_to_length

# A length byte's length; 0 reads as None, as Whoosh's own reader returns for it.
_LENGTH_OF_BYTE: list[int | None] = [None, *(byte_to_length(b) for b in range(1, 256))]


class BuildCodec(W3Codec):
    """Whoosh's W3 codec (default settings) with a lengths reader that reads a column once."""

    def new_segment(self, storage: Any, indexname: str) -> W3Segment:
        return W3Segment(W3Codec(), indexname)

    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return _ColumnLengths(storage, segment)


class _ColumnLengths(W3PerDocReader):
    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._lengths: dict[str, list[int | None] | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: Any = 0) -> Any:
        try:
            lengths = self._lengths[fieldname]
        except KeyError:
            column = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = None if column is None else [_LENGTH_OF_BYTE[b] for b in column]
            self._lengths[fieldname] = lengths
        if lengths is None:
            return default
        return lengths[docnum]
