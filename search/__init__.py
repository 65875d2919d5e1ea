"""Search layer: query language, ranking, facets, highlighting, suggestions, similar entries."""

from indexer.generations import IndexNotFoundError
from search.models import FACETS, FacetValue, Hit, SearchError, SearchRequest, SearchResponse
from search.searcher import Searcher

__all__ = [
    "FACETS",
    "FacetValue",
    "Hit",
    "IndexNotFoundError",
    "SearchError",
    "SearchRequest",
    "SearchResponse",
    "Searcher",
]
