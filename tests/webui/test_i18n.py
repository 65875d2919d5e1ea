"""English and French interface: choice by Accept-Language or ?lang=, localised names."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from flask.testing import FlaskClient, FlaskCliRunner

from tests.conftest import REPO
from tests.webui.html import parse
from webui import create_app, i18n

FRENCH = {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}


def test_accept_language_picks_french(client: FlaskClient) -> None:
    response = client.get("/?q=integration", headers=FRENCH)
    page = parse(response.data)
    assert page.find("html").attrs["lang"] == "fr"
    assert page.find("h2", "results-count").text == "2 résultats pour « integration »"
    assert page.find("a", "skip-link").text == "Aller au contenu"
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_english_is_the_default(client: FlaskClient) -> None:
    page = parse(client.get("/", headers={"Accept-Language": "de, it"}).data)
    assert page.find("html").attrs["lang"] == "en"


def test_lang_parameter_wins_and_is_kept_in_every_link(client: FlaskClient) -> None:
    page = parse(client.get("/?q=integration&lang=fr", headers={"Accept-Language": "en"}).data)
    assert page.find("html").attrs["lang"] == "fr"
    links = [a.attrs["href"] for a in page.find_all("a") if a.attrs.get("href", "").startswith("/")]
    kept = [h for h in links if "lang=fr" in h]
    assert len(kept) == len(links) - 1, "every link but the switch back to English keeps lang"
    assert "lang=en" in page.find("nav", "lang-switch").find("a").attrs["href"]
    assert page.find("form", id="search").find("input", name="lang").attrs["value"] == "fr"
    toggle = page.find("input", name="language", value="en").attrs["data-toggle-url"]
    assert "lang=fr" in toggle


def test_language_switch_keeps_the_query(client: FlaskClient) -> None:
    page = parse(client.get("/?q=integration&language=en").data)
    switch = page.find("nav", "lang-switch")
    assert switch.find("span", aria_current="true").text == "English"
    french = switch.find("a", hreflang="fr")
    assert french.text == "français"
    href = french.attrs["href"]
    assert href.startswith("/?") and "q=integration" in href and "language=en" in href
    assert "lang=fr" in href


def test_language_names_are_localised(client: FlaskClient) -> None:
    page = parse(client.get("/?language=sq&lang=fr").data)
    assert page.find("span", "badge-lang").text == "albanais"
    facet = page.find("fieldset", id="facet-language").text
    assert "albanais" in facet and "anglais" in facet
    assert page.find("span", "badge-untranslated").text == "pas dans la langue de ce site"
    chips = page.find("ul", "chips").text
    assert "Langue : albanais" in chips


def test_country_names_are_localised(client: FlaskClient) -> None:
    data = client.get("/?format=json&lang=fr").get_json()
    countries = {
        v["value"]: v["label"]
        for g in data["facet_groups"]
        if g["name"] == "country"
        for v in g["values"] + g["more"]
    }
    assert countries["United Kingdom"] == "Royaume-Uni"
    assert countries["Norway"] == "Norvège"
    english = client.get("/?format=json").get_json()
    assert any(
        v["label"] == "United Kingdom"
        for g in english["facet_groups"]
        for v in g["values"] + g["more"]
    )


def test_entry_and_error_pages_in_french(client: FlaskClient) -> None:
    entry_id = client.get("/api/search?q=integration").get_json()["results"][0]["id"]
    page = parse(client.get(f"/practice/{entry_id}", headers=FRENCH).data)
    assert page.find("section", "similar").find("h2").text == (
        "Pratiques similaires dans d’autres villes"
    )
    missing = parse(client.get("/practice/nope?lang=fr").data)
    assert "Aucune pratique n’a l’identifiant" in missing.find("main").text


def test_library_notices_are_translated(client: FlaskClient) -> None:
    page = parse(client.get("/?q=xyzzy+integration&lang=fr").data)
    notices = [p.text for p in page.find_all("p", "notice")]
    assert any(n.startswith("Absent de toutes les pratiques") and "xyzzy" in n for n in notices)


def test_french_catalog_is_complete() -> None:
    po = Path(i18n.LOCALES_DIR, "fr", "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle)
    untranslated = [
        m.id
        for m in catalog
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert untranslated == []
    assert not [m.id for m in catalog if m.id and m.fuzzy]


def test_compile_catalogs_writes_a_missing_mo(tmp_path: Path) -> None:
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    source = Path(i18n.LOCALES_DIR, "fr", "LC_MESSAGES", "messages.po")
    (target / "messages.po").write_bytes(source.read_bytes())
    assert i18n.compile_catalogs(tmp_path) == [target / "messages.mo"]
    assert (target / "messages.mo").stat().st_size > 1000
    assert i18n.compile_catalogs(tmp_path) == [], "an up-to-date .mo is left alone"


FRENCH_CATALOG = Path(i18n.LOCALES_DIR, "fr", "LC_MESSAGES", "messages.po")


def committed(path: Path) -> bytes:
    """The file as the last commit holds it: what a clean clone gets.

    Not the working tree's copy, which may hold a recompiled .mo not yet committed.
    """
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: no committed files to compare")
    name = path.resolve().relative_to(REPO).as_posix()
    shown = subprocess.run(
        ["git", "-C", str(REPO), "show", f"HEAD:{name}"], capture_output=True, check=False
    )
    assert shown.returncode == 0, shown.stderr.decode(errors="replace")
    return shown.stdout


def test_committed_mo_matches_the_po(tmp_path: Path) -> None:
    committed_mo = committed(FRENCH_CATALOG.with_suffix(".mo"))
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(committed(FRENCH_CATALOG))
    assert i18n.compile_catalogs(tmp_path) == [target / "messages.mo"]
    fresh = Translations.load(str(tmp_path), ["fr"])
    assert fresh.gettext("Skip to content") != "Skip to content", "a French catalog compiled"
    stored = Translations(io.BytesIO(committed_mo))
    assert stored._catalog == fresh._catalog, (
        "the committed messages.mo is stale: run `flask --app webui compile-messages` and"
        " commit it with the .po"
    )


@pytest.mark.parametrize(
    ("code", "ui", "name"),
    [
        ("sq", "fr", "albanais"),
        ("sq", "en", "Albanian"),
        ("sr", "fr", "serbe"),
        ("pt-br", "en", "Brazilian Portuguese"),
        ("und", "en", "Unknown language"),
        ("zz", "en", "zz"),
    ],
)
def test_language_name(code: str, ui: str, name: str) -> None:
    assert i18n.language_name(code, ui) == name


def test_compile_messages_command(
    runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command compiles a .po without a .mo (into a copy: the real catalogs stay put),
    then leaves the up-to-date .mo alone."""
    target = tmp_path / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(FRENCH_CATALOG.read_bytes())
    monkeypatch.setattr(i18n.compile_catalogs, "__defaults__", (tmp_path,))
    result = runner.invoke(args=["compile-messages"])
    assert result.exit_code == 0, result.output
    assert result.output == f"compiled {target / 'messages.mo'}\n"
    with FRENCH_CATALOG.open("rb") as handle:
        french = read_po(handle)["Skip to content"].string
    assert french and Translations.load(str(tmp_path), ["fr"]).gettext("Skip to content") == french
    again = runner.invoke(args=["compile-messages"])
    assert (again.exit_code, again.output) == (0, ""), "an up-to-date .mo is left alone"


def test_app_start_never_writes_into_the_package(tmp_path: Path) -> None:
    """A .po newer than its .mo (as a fresh clone's checkout order can leave it) must not
    make a starting server rewrite the package's files: catalogs are compiled on purpose."""
    mo = FRENCH_CATALOG.with_suffix(".mo")
    before = (mo.stat().st_mtime_ns, mo.read_bytes())
    po_times = FRENCH_CATALOG.stat()
    try:
        os.utime(FRENCH_CATALOG, ns=(po_times.st_atime_ns, before[0] + 10**9))
        create_app({"INDEX_DIR": str(tmp_path / "index")})
        assert (mo.stat().st_mtime_ns, mo.read_bytes()) == before
    finally:
        os.utime(FRENCH_CATALOG, ns=(po_times.st_atime_ns, po_times.st_mtime_ns))


def test_every_interface_string_has_a_french_translation(tmp_path: Path) -> None:
    """Strings added to the templates or the code without a catalog entry would show in
    English on the French pages: extract them as `pybabel extract` does and compare."""
    from babel.messages.extract import extract_from_dir

    mapping = [("webui/**.py", "python"), ("webui/templates/**.html", "jinja2")]
    method_map = [(pattern.removeprefix("webui/"), method) for pattern, method in mapping]
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(REPO / "webui"),
            method_map=method_map,
            options_map={"**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }
    with FRENCH_CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    assert sorted(found - translated) == []
