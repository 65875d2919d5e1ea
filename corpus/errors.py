"""Errors raised by importers; messages always name the place (file:line) and the problem."""


class CorpusError(Exception):
    """A source that cannot be imported. The message starts with `file:line:`."""


def one_line(exc: BaseException, limit: int) -> str:
    """`Type: message` on one line (whitespace collapsed), at most `limit` characters: an
    error's detail inside a sentence or a log line."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:limit]
