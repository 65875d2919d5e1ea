"""Search layer: query language, ranking, facets, highlighting, suggestions, similar entries."""

from search.models import FACETS, FacetValue, Hit, SearchError, SearchRequest, SearchResponse
from search.searcher import Searcher

__all__ = [
    "FACETS", "FacetValue", "Hit", "SearchError", "SearchRequest", "SearchResponse", "Searcher",
]
