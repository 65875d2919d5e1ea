"""Errors raised by importers; messages always name the place (file:line) and the problem."""


class CorpusError(Exception):
    """A source that cannot be imported. The message starts with `file:line:`."""
