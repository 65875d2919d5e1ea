"""Hostile queries never break search: the parser, the library and the HTTP API.

Property-based (hypothesis): arbitrary Unicode (lone surrogates and control characters
included), operator soup, unbalanced quotes and parentheses, `field:` with unknown fields,
deep nesting, huge strings, negative and huge pages, unknown facet values.  The parser
always gives a query; the library gives a response or a SearchError naming the parameter;
HTTP gives 200 or 400 with a message naming the parameter, never a 500 or a traceback.

`GPSEARCH_FUZZ_SCALE=20` multiplies the examples for a long exploratory run.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from search import FACETS, Searcher, SearchError, SearchRequest
from search.models import MAX_QUERY_CHARS, MAX_RESULT_WINDOW
from search.querylang import MAX_CLAUSES, And, Not, Or, Phrase, Prefix, Word, Years, parse
from tests.reliability.conftest import fuzz

# --- strategies ---------------------------------------------------------------------------

HOSTILE_TOKENS = [
    "AND",
    "OR",
    "NOT",
    "&&",
    "||",
    "!",
    "-",
    "--",
    "(",
    ")",
    "((",
    "))",
    '"',
    '""',
    "'",
    "*",
    "**",
    "?",
    ":",
    "::",
    ":fr",
    ":zz",
    ":sq",
    "title:",
    "country:",
    "city:",
    "kind:",
    "year:",
    "years:",
    "lang:",
    "language:",
    "locale:",
    "type:",
    "place:",
    "foo:",
    "_:",
    "title:title:",
    "year:2019..2022",
    "year:..",
    "year:-",
    "year:0000",
    "year:99999",
    "year:2022..2019",
    "year:..2015",
    "integ*",
    "in*",
    "*x",
    "a*b*",
    "integration",
    "Roma",
    "médiation",
    "barazia",
    "Valadolid",
    "Валладолид",
    "Ἀθῆναι",
    "中文",
    "🙂",
    "\u200b",
    "\u202e",
    "\x00",
    "\x1b[31m",
    "\r\n",
    "\t",
    "\ufeff",
    "\ud800",
    "\udcff",
    "İ",
    "ß",
    "ﬁ",
    "١٢٣",
    "%00",
    "%",
    "<script>",
    "&amp;",
    "\\",
    '\\"',
    "'; DROP TABLE entries;--",
    "${jndi:ldap://x}",
    "{{7*7}}",
]
SEPARATORS = ["", " ", " ", " ", "  ", "\t", "\n"]

any_text = st.text(st.characters(exclude_categories=()), max_size=120)  # surrogates too
soup = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(HOSTILE_TOKENS), st.text(max_size=6)), st.sampled_from(SEPARATORS)
    ),
    max_size=60,
).map(lambda parts: "".join(token + sep for token, sep in parts))
field_clause = st.builds(
    "{}:{}".format,
    st.from_regex(r"-?[A-Za-z_]{1,12}", fullmatch=True),
    st.one_of(st.text(max_size=12), st.sampled_from(['"a b"', '"', "2019", "..", "*"])),
)
nesting = st.builds(
    lambda opens, word, closes, nots: "NOT " * nots + "(" * opens + word + ")" * closes,
    st.integers(0, 300),
    st.sampled_from(["a", "roma", '"x y"', "-b", "c OR d"]),
    st.integers(0, 300),
    st.integers(0, 60),
)
queries = st.one_of(any_text, soup, field_clause, nesting)


# --- the parser ---------------------------------------------------------------------------


def leaves(node: Any) -> list[Any]:
    if isinstance(node, And | Or):
        return [leaf for child in node.nodes for leaf in leaves(child)]
    if isinstance(node, Not):
        return leaves(node.node)
    return [] if node is None else [node]


def assert_well_formed(query: str) -> None:
    parsed = parse(query)
    found = leaves(parsed.root)
    assert len(found) <= MAX_CLAUSES
    for leaf in found:
        if isinstance(leaf, Word | Prefix):
            assert leaf.text and not leaf.text.isspace(), leaf
        elif isinstance(leaf, Phrase):
            assert len(leaf.words) > 1 and all(leaf.words), leaf
        elif isinstance(leaf, Years):
            assert leaf.low is not None or leaf.high is not None
    assert all(isinstance(n, str) and n for n in parsed.notices)
    assert all(code.isascii() and code.isalpha() for code in parsed.languages)


@fuzz(300)
@given(queries)
def test_parser_always_gives_a_bounded_query(query: str) -> None:
    assert_well_formed(query)


HUGE = {
    "100k words": "integration " * 10_000,
    "1 MB of one word": "a" * 1_000_000,
    "10k nested parentheses": "(" * 10_000 + "roma" + ")" * 10_000,
    "10k alternating groups": "(a OR " * 5_000 + "b" + ")" * 5_000,
    "10k NOTs": "NOT " * 10_000 + "roma",
    "5k negated groups": "-(" * 5_000 + "roma" + ")" * 5_000,
    "100k quotes": '"' * 100_001,
    "operator soup": "AND OR NOT && || ! - ( ) " * 5_000,
    "unknown fields": "nope:x " * 10_000,
    "control characters": "".join(chr(c) for c in range(32)) * 3_000,
}


@pytest.mark.parametrize("name", HUGE)
def test_parser_survives_huge_queries(name: str) -> None:
    """The library caps queries at 500 characters, but `parse` is public: any length, any
    nesting must give a query, quickly, without exhausting the stack."""
    started = time.perf_counter()
    assert_well_formed(HUGE[name])
    assert time.perf_counter() - started < 5.0


# --- the library --------------------------------------------------------------------------

filter_names = st.one_of(st.sampled_from(FACETS), st.sampled_from(["colour", "Language", ""]))
filter_values = st.one_of(
    st.sampled_from(
        [
            "en",
            "sq",
            "fr",
            "zz",
            "Spain",
            "Atlantis",
            "news",
            "yes",
            "no",
            "2019",
            "2019..2022",
            "..2015",
            "2030..",
            "abc",
            "..",
            "-5",
            "9" * 30,
            "١٢٣",
            " ",
            "",
            "\x00",
            "\ud800",
        ]
    ),
    any_text,
)
filters = st.dictionaries(filter_names, st.lists(filter_values, max_size=4).map(tuple), max_size=4)
pages = st.one_of(
    st.integers(-3, 12),
    st.integers(-(10**12), 10**12),
    st.sampled_from(
        [0, -1, 100, 101, 1001, MAX_RESULT_WINDOW, MAX_RESULT_WINDOW + 1, 2**63, -(2**63)]
    ),
)
per_pages = st.one_of(st.integers(-2, 120), st.sampled_from([0, 1, 10, 100, 101, 10**9]))
sorts = st.one_of(st.sampled_from(["relevance", "newest"]), st.text(max_size=10))
REQUEST_PARAMS = {"q", "page", "per_page", "sort"}


@fuzz(250)
@given(query=queries, filters=filters, page=pages, per_page=per_pages, sort=sorts)
def test_library_answers_or_names_the_parameter(
    searcher: Searcher,
    query: str,
    filters: dict[str, tuple[str, ...]],
    page: int,
    per_page: int,
    sort: str,
) -> None:
    try:  # a request is checked where it is made, so a bad one never reaches the searcher
        response = searcher.search(SearchRequest(query, filters, page, per_page, sort))
    except SearchError as exc:
        assert exc.param in REQUEST_PARAMS | set(filters), exc
        assert exc.message and "\n" not in exc.message
        return
    assert len(response.results) == max(0, min(per_page, response.total - (page - 1) * per_page))
    assert len({hit.id for hit in response.results}) == len(response.results)
    assert page * per_page <= MAX_RESULT_WINDOW
    json.dumps(response.to_dict())  # the API can always serialise it
    for name, values in response.filters.items():  # unknown values stay removable chips
        if name in FACETS:
            selected = {v.value for v in response.facets[name] if v.selected}
            assert set(values) <= selected, (name, values)


def test_query_length_is_capped_with_a_clear_message(searcher: Searcher) -> None:
    assert searcher.search(SearchRequest("a" * MAX_QUERY_CHARS)).query == "a" * MAX_QUERY_CHARS
    with pytest.raises(SearchError) as caught:
        searcher.search(SearchRequest("a" * (MAX_QUERY_CHARS + 1)))
    assert caught.value.param == "q"
    assert caught.value.message == "query is longer than 500 characters"


def test_page_depth_is_capped_with_a_clear_message(searcher: Searcher) -> None:
    assert searcher.search(SearchRequest("", page=100, per_page=100)).results == []
    with pytest.raises(SearchError) as caught:
        searcher.search(SearchRequest("", page=101, per_page=100))
    assert caught.value.param == "page"
    assert caught.value.message == (
        "results beyond the first 10,000 are not served; refine the query"
    )


# --- HTTP ---------------------------------------------------------------------------------

SEARCH_PATHS = [
    "/api/search",
    "/api/facets",
    "/",
    "/translations",
    "/api/translations",
    "/translations.csv",
]
PRACTICE_PATHS = ["/api/practice/", "/practice/"]
PARAM_NAMES = [
    "q",
    "page",
    "per_page",
    "sort",
    *FACETS,
    "lang",
    "format",
    "colour",
    "Q",
    "q ",
    "page[]",
    "\x00",
    "é",
    "",
]
PARAM_VALUES = st.one_of(
    queries,
    filter_values,
    st.sampled_from(
        [
            "0",
            "-1",
            "1",
            "2",
            "100",
            "1001",
            "99999",
            "9" * 30,
            "1e3",
            "0x10",
            " 3 ",
            "٣",
            "²",
            "１",
            "3.0",
            "relevance",
            "newest",
            "json",
            "html",
            "xml",
            "fr",
            "en",
            "zz",
        ]
    ),
)
RAW_QUERY_STRINGS = [
    "%",
    "%zz",
    "q=%",
    "q=%C0%AF",
    "q=%ED%A0%80",
    "q=%FF%FE",
    "%FF=1",
    "&&&",
    "=",
    "==",
    "q",
    "q&q&q",
    "page=1&page=x",
    "q=a%00b",
    "q=" + "%28" * 400,
]


def encode(text: str) -> str:
    # Lone surrogates go out as the bytes they would be (invalid UTF-8), as a raw client sends.
    return quote(text, safe="", errors="surrogatepass")


query_strings = st.one_of(
    st.lists(
        st.tuples(st.one_of(st.sampled_from(PARAM_NAMES), st.text(max_size=5)), PARAM_VALUES),
        max_size=6,
    ).map(lambda pairs: "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)),
    st.sampled_from(RAW_QUERY_STRINGS),
)
practice_ids = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=40),
    st.sampled_from(["..", ".", "%2e%2e", "en-nope", "a" * 129, "A.b_c-1", "\x00", "-x"]),
)


def assert_clear_answer(response: Any, allowed: set[int]) -> None:
    body = response.get_data(as_text=True)
    status = response.status_code
    assert status in allowed, (status, response.request.url, body[:300])
    assert "Traceback" not in body
    if status == 200:
        if response.mimetype == "application/json":
            json.loads(body)
        return
    sent = set(response.request.args)
    if response.mimetype == "application/json":
        data = json.loads(body)
        assert isinstance(data["error"], str) and data["error"].strip()
        param = data["param"]
    else:
        assert response.mimetype == "text/html"
        assert "<h1" in body
        param = next((name for name in sent if f"<code>{escape(name)}</code>" in body), None)
        if param is None and "" in sent and "unknown parameter" in body:
            param = ""  # `?=x`: a parameter without a name, which the page cannot show
    if status == 400:  # bad input: the parameter at fault is named
        assert param in sent, (param, sent, body[:300])


accept_languages = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "fr",
            "fr-CH;q=0.9, en;q=0.8",
            "*;q=1e9999",
            "fr;q=abc",
            "sq;q=nan",
            "zz-ZZ",
            ";;;,,,",
            "i-klingon",
            "x" * 5000,
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40),
)


@fuzz(250)
@given(
    path=st.sampled_from(SEARCH_PATHS), query_string=query_strings, accept_language=accept_languages
)
def test_http_answers_200_or_400_naming_the_parameter(
    app: Flask, path: str, query_string: str, accept_language: str | None
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    response = app.test_client().get(path, query_string=query_string, headers=headers)
    assert_clear_answer(response, {200, 400})


@fuzz(100)
@given(path=st.sampled_from(PRACTICE_PATHS), entry_id=practice_ids, query_string=query_strings)
def test_practice_pages_answer_200_400_404_or_a_local_redirect(
    app: Flask, path: str, entry_id: str, query_string: str
) -> None:
    url = path + encode(entry_id)
    response = app.test_client().get(url, query_string=query_string)
    if response.status_code == 308:  # an id with "/" decodes to "//": merged, same site only
        target = urlsplit(response.location)
        assert target.netloc in ("", "localhost") and not response.location.startswith("//")
        return
    assert_clear_answer(response, {200, 400, 404})


@pytest.mark.parametrize(
    ("query_string", "param", "message"),
    [
        ("q=" + "a" * 501, "q", "query is longer than 500 characters"),
        ("q=" + "a" * 15_000, "q", "query is longer than 500 characters"),  # longer: a 414
        (
            "page=101&per_page=100",
            "page",
            "results beyond the first 10,000 are not served; refine the query",
        ),
        ("page=1001", "page", "results beyond the first 10,000 are not served; refine the query"),
        ("page=-3", "page", "must be a whole number, got '-3'"),
        ("language=" + "x" * 201, "language", "values are at most 200 characters"),
        ("&".join(f"city=c{i}" for i in range(51)), "city", "at most 50 values"),
    ],
)
def test_caps_are_400_with_a_clear_message(
    app: Flask, query_string: str, param: str, message: str
) -> None:
    client = app.test_client()
    for path in ("/api/search", "/api/facets", "/?format=json"):
        path, _, extra = path.partition("?")
        response = client.get(path, query_string="&".join(filter(None, [query_string, extra])))
        assert response.status_code == 400
        assert response.get_json() == {"error": message, "param": param}
    page = client.get("/", query_string=query_string).get_data(as_text=True)
    assert message.replace("'", "&#39;") in page and f"<code>{param}</code>" in page


def test_unknown_facet_values_are_an_empty_result_not_an_error(app: Flask) -> None:
    data = (
        app.test_client()
        .get("/api/search?q=integration&language=xx&country=Atlantis&year=abc")
        .get_json()
    )
    assert data["total"] == 0
    for name, value in (("language", "xx"), ("country", "Atlantis"), ("year", "abc")):
        assert {"value": value, "count": 0, "selected": True} in data["facets"][name]
    assert data["fallback"]["total"] > 0, "the query without the filters is offered"
