"""/api/openapi.json: a well-formed OpenAPI 3.1 document that matches the running API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app

Schema = dict[str, Any]
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def resolve(doc: Schema, node: Schema) -> Schema:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def check(doc: Schema, schema: Schema, value: Any, where: str = "$") -> list[str]:
    """The few JSON Schema keywords the document uses; returns the problems found."""
    schema = resolve(doc, schema)
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not check(doc, s, value, where)]
        return [] if len(matches) == 1 else [f"{where}: matches {len(matches)} of oneOf"]
    problems = []
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        ok = any(
            (t == "integer" and isinstance(value, int) and not isinstance(value, bool))
            or (t == "number" and isinstance(value, int | float) and not isinstance(value, bool))
            or (t in TYPES and isinstance(value, TYPES[t]))
            for t in types
        )
        if not ok:
            return [f"{where}: {type(value).__name__} is not {types}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                problems.append(f"{where}: missing {name!r}")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            problems.append(f"{where}: too many properties")
        for name, item in value.items():
            sub = schema.get("properties", {}).get(name)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            if sub is not None:
                problems += check(doc, sub, item, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += check(doc, schema["items"], item, f"{where}[{i}]")
    return problems


@pytest.fixture
def spec(client: FlaskClient) -> Schema:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_structure(spec: Schema) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] and spec["info"]["version"]
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    for ref in refs:
        resolve(spec, {"$ref": ref})  # every reference points at something
    for path, item in spec["paths"].items():
        assert path.startswith("/")
        for method, operation in item.items():
            assert method in {"get", "head"}, (path, method)
            assert operation["operationId"] and operation["summary"]
            assert "200" in operation["responses"]
            for response in operation["responses"].values():
                response = resolve(spec, response)
                assert response["description"]
                assert "application/json" in response["content"]
            templated = set(re.findall(r"{(\w+)}", path))
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert templated == declared, path
            for parameter in operation.get("parameters", []):
                assert parameter["in"] in {"query", "path"} and "schema" in parameter
                if parameter["in"] == "path":
                    assert parameter["required"] is True


def test_every_api_route_is_documented(app: Flask, spec: Schema) -> None:
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api")
    }
    assert routes == set(spec["paths"])


NEEDS_NEAR = ("within_km",)  # a radius alone is a 400 naming it


def test_documented_query_parameters_are_the_accepted_ones(
    client: FlaskClient, spec: Schema
) -> None:
    for path in ("/api/search", "/api/facets", "/api/translations"):
        for parameter in spec["paths"][path]["get"]["parameters"]:
            schema = parameter["schema"]
            value = (
                schema["enum"][0]
                if "enum" in schema
                else ("1" if schema.get("type") == "integer" else "en")
            )
            if parameter["name"] in NEEDS_NEAR or parameter["name"] == "near":
                value = parameter["example"]
            extra = "&near=Geneva" if parameter["name"] in NEEDS_NEAR else ""
            response = client.get(f"{path}?{parameter['name']}={value}{extra}")
            assert response.status_code == 200, (path, parameter["name"])


CALLS = [
    ("/api/search", "?q=integration&language=en&per_page=2"),
    ("/api/search", "?q=intercultural&language=sq&kind=news"),  # has a fallback
    ("/api/search", ""),
    ("/api/facets", "?q=integration"),
    ("/api/translations", "?locale=en"),
    ("/api/openapi.json", ""),
]


@pytest.mark.parametrize(("path", "query"), CALLS)
def test_real_responses_match_the_documented_schema(
    client: FlaskClient, spec: Schema, path: str, query: str
) -> None:
    data = client.get(path + query).get_json()
    schema = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert check(spec, schema["schema"], data) == []


def test_practice_and_error_responses_match(client: FlaskClient, spec: Schema) -> None:
    entry_id = client.get("/api/search?q=integration").get_json()["results"][0]["id"]
    operation = spec["paths"]["/api/practice/{entry_id}"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert check(spec, ok, client.get(f"/api/practice/{entry_id}").get_json()) == []
    error = spec["components"]["schemas"]["Error"]
    for url, status in (("/api/practice/nope", 404), ("/api/search?page=x", 400)):
        response = client.get(url)
        assert response.status_code == status
        assert check(spec, error, response.get_json()) == []
        assert str(status) in operation["responses"] or status == 400


def test_fallback_is_documented_and_present(client: FlaskClient) -> None:
    data = client.get("/api/search?q=intercultural&language=sq&kind=news").get_json()
    assert data["total"] == 0 and data["fallback"]["total"] > 0


def test_every_hit_field_the_api_returns_is_documented(client: FlaskClient, spec: Schema) -> None:
    """The schema lists each hit's fields by hand: a field added to search.Hit must be
    documented too (the schema check alone lets extra fields through)."""
    hit = client.get("/api/search?q=integration").get_json()["results"][0]
    assert set(hit) == set(spec["components"]["schemas"]["Hit"]["properties"])


def test_page_maximum_is_the_result_window(client: FlaskClient, spec: Schema) -> None:
    (page,) = [p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "page"]
    maximum = page["schema"]["maximum"]
    assert client.get(f"/api/search?page={maximum}&per_page=1").status_code == 200
    too_far = client.get(f"/api/search?page={maximum + 1}&per_page=1")
    assert too_far.status_code == 400 and too_far.get_json()["param"] == "page"
    # The product rule the schema cannot say is in the description, and holds.
    assert "10,000" in page["description"]
    assert client.get("/api/search?page=1000").status_code == 200
    assert client.get("/api/search?page=1001").get_json()["param"] == "page"


@pytest.mark.parametrize("path", ["/api/search", "/api/translations"])
def test_a_huge_page_number_is_called_too_large_not_a_non_number(
    client: FlaskClient, path: str
) -> None:
    response = client.get(f"{path}?page=1000000000")
    assert response.status_code == 400
    error = response.get_json()
    assert error["param"] == "page"
    assert "too large" in error["error"] and "whole number" not in error["error"]
    assert "whole number" in client.get(f"{path}?page=x").get_json()["error"]


def test_empty_values_are_documented_as_not_given(client: FlaskClient, spec: Schema) -> None:
    parameters = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    default = client.get("/api/search").get_json()
    for name in ("sort", "page", "per_page"):
        assert parameters[name]["allowEmptyValue"] is True
        assert "empty value" in parameters[name]["description"].lower()
        empty = client.get(f"/api/search?{name}=").get_json()
        assert (empty["sort"], empty["page"], empty["per_page"]) == (
            default["sort"],
            default["page"],
            default["per_page"],
        )


def test_openapi_405_is_documented_and_answered(client: FlaskClient, spec: Schema) -> None:
    responses = spec["paths"]["/api/openapi.json"]["get"]["responses"]
    assert "405" in responses
    response = client.post("/api/openapi.json")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert (
        check(
            spec,
            resolve(spec, responses["405"])["content"]["application/json"]["schema"],
            response.get_json(),
        )
        == []
    )


def test_a_missing_practice_names_the_path_parameter(client: FlaskClient, spec: Schema) -> None:
    operation = spec["paths"]["/api/practice/{entry_id}"]["get"]
    (declared,) = [p["name"] for p in operation["parameters"] if p["in"] == "path"]
    assert client.get("/api/practice/nope").get_json()["param"] == declared


def test_examples_reach_real_answers(bundled_index: Path, spec: Schema) -> None:
    """The spec's examples work against the bundled corpus (what `make run` serves)."""
    demo = make_app(bundled_index).test_client()
    operation = spec["paths"]["/api/practice/{entry_id}"]["get"]
    (entry_id,) = [p["example"] for p in operation["parameters"] if p["name"] == "entry_id"]
    assert re.match(operation["parameters"][0]["schema"]["pattern"], entry_id)
    practice = demo.get(f"/api/practice/{entry_id}")
    assert practice.status_code == 200 and practice.get_json()["entry"]["id"] == entry_id
    (q,) = [p for p in spec["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "q"]
    assert len(q["examples"]) >= 3
    for example in q["examples"].values():
        assert demo.get("/api/search", query_string={"q": example["value"]}).get_json()["total"] > 0
    link = spec["paths"]["/api/search"]["get"]["responses"]["200"]["links"]["firstResult"]
    assert link["operationId"] == "practice" and set(link["parameters"]) == {"entry_id"}
