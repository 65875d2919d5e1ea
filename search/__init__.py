"""The search library: `Searcher(index_dir).search(SearchRequest(...))`.

Data flows corpus -> indexer -> search -> webui; nothing here imports webui/.

  models.py       the request/response contract (SearchRequest is checked where it is made)
  querylang.py    the query language: parsed once into final nodes, written back for
                  suggestions; never fails (coded notices)
  snapshot.py     one index generation: arrays, stored entries, metadata columns, caches
  scoring.py      channels and BM25: where a query word is turned into scores
  matching.py     a parsed query evaluated into a mask and scores (AND/OR/NOT, phrases,
                  prefixes, years, typo corrections)
  corrections.py  typo corrections and did-you-mean
  ranking.py      word tiers, the query's language, sort keys, exact pagination
  practices.py    one result per practice: versions collapse into one hit
  facets.py       filter masks and disjunctive facet counts
  highlight.py    snippets and marked titles
  similar.py      more like this: similar and related practices
  reports.py      the translators' reports (untranslated entries, coverage matrix)
  searcher.py     the Searcher: follows the live generation and answers requests
"""

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
