"""The search page's map and timeline and the entry page's location, as view models.

Markers come from the city facet (its counts) and the response's `places` (coordinates per
city value); each links to the state that toggles that city's filter, as the facet list
does, so the map needs no script and degrades to that list. Bars come from the year facet
and link to that year's filter. Rendering is webui.maps (server-side SVG).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup

from webui.maps import Bar, Marker, location_svg, timeline_svg, world_map_svg
from webui.state import SearchState

UrlFor = Callable[[SearchState], str]


def markers(
    state: SearchState, data: Mapping[str, Any], url: UrlFor, practices: bool = True
) -> list[Marker]:
    """One marker per located city of the result set, sized by its count."""
    points = data.get("places") or {}
    found = []
    for value in (data.get("facets") or {}).get("city", ()):
        point = points.get(value["value"])
        if point is None or not value["count"]:
            continue
        count, city = value["count"], value["value"]
        if practices:
            label = ngettext(
                "%(city)s: %(num)s practice", "%(city)s: %(num)s practices", count, city=city
            )
        else:
            label = ngettext(
                "%(city)s: %(num)s entry", "%(city)s: %(num)s entries", count, city=city
            )
        found.append(
            Marker(
                name=value["value"],
                lat=point["lat"],
                lon=point["lon"],
                count=count,
                url=url(state.toggled("city", value["value"])),
                label=label,
            )
        )
    return found


def bars(state: SearchState, data: Mapping[str, Any], url: UrlFor) -> list[Bar]:
    """One bar per start year of the result set."""
    found = []
    for value in (data.get("facets") or {}).get("year", ()):
        if not value["count"] or not value["value"].isdecimal():
            continue
        count, year = value["count"], value["value"]
        label = ngettext("%(year)s: %(num)s started", "%(year)s: %(num)s started", count, year=year)
        found.append(
            Bar(
                year=int(value["value"]),
                count=count,
                url=url(state.toggled("year", value["value"])),
                label=label,
            )
        )
    return found


def search_maps(state: SearchState, data: Mapping[str, Any], url: UrlFor) -> dict[str, Any]:
    """The map and timeline of a result page (None when there is nothing to show)."""
    found = markers(state, data, url, practices=data.get("versions") != "all")
    years = bars(state, data, url)
    return {
        "map_svg": world_map_svg(found, title=_("Map of the results by city")) if found else None,
        "timeline_svg": timeline_svg(years, title=_("Results by start year")) if years else None,
    }


def location_map(entry: Mapping[str, Any]) -> Markup | None:
    """The entry's city on a small map (None when it is not located)."""
    lat, lon = entry.get("lat"), entry.get("lon")
    if lat is None or lon is None:
        return None
    name = entry.get("place") or entry.get("city") or ""
    return location_svg(lat, lon, _("Location: %(place)s", place=name))
