"""Convert Natural Earth 1:110m country outlines (TopoJSON) to the compact file the maps draw.

Run once, when the outlines should change (the output is committed, the input is not):

    npm install --prefix /tmp/wa world-atlas@2
    python webui/data/make_countries.py /tmp/wa/node_modules/world-atlas/countries-110m.json

It writes two files:

- `webui/data/countries-110m.json`: `{"source", "precision", "countries": [{"code", "name",
  "centre": [lon, lat], "rings": [[lon0, lat0, lon1, lat1, ...], ...]}]}`, coordinates in
  degrees rounded to `precision` decimals, rings simplified (Douglas-Peucker) and closed.
- `corpus/data/country_centres.tsv`: `code, lat, lon, name` per country, so that
  `corpus.places` can place an entry with no known city at its country's centre without
  importing `webui` (data flows corpus -> webui, never back).

The TopoJSON is decoded with plain Python: each arc is delta-encoded quantised integers
(`transform.scale`, `transform.translate`), a negative arc index `~i` means arc `i` reversed,
and consecutive arcs of a ring share their joining point. ISO 3166-1 numeric ids become
alpha-2 codes with pycountry; the three outlines without an id get theirs by name below.
Antarctica is left out.

A country's centre is the area centroid of its largest ring when that point lies inside
the ring, else the interior grid point farthest from the ring's edges (Norway's and
Croatia's centroids fall in their neighbours).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path

import pycountry

log = logging.getLogger("make_countries")

HERE = Path(__file__).resolve().parent
OUT_JSON = HERE / "countries-110m.json"
OUT_CENTRES = HERE.parent.parent / "corpus" / "data" / "country_centres.tsv"
PRECISION = 2  # 0.01 degree is ~1 km, far below what a 110m outline can show
TOLERANCE = 0.08  # degrees; Douglas-Peucker distance
# Outlines that world-atlas leaves without an ISO numeric id.
ANTARCTICA = "010"  # its ring runs along the map's edge; no entry will ever be there
NO_ID = {"Kosovo": "XK", "N. Cyprus": "", "Somaliland": ""}


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat points of every arc (undoing quantisation and delta encoding)."""
    transform = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        points = []
        x = y = 0
        for dx, dy, *_ in arc:
            if transform:
                x, y = x + dx, y + dy
                sx, sy = transform["scale"]
                tx, ty = transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((float(dx), float(dy)))
        arcs.append(points)
    return arcs


def ring_points(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Each arc starts where the previous one ended: keep that point once.
        points.extend(arc if not points else arc[1:])
    return points


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep a ring that crosses the antimeridian continuous (Russia's Chukotka, Fiji): its
    far side goes past +-180 degrees, drawn off the edge, instead of a line across the map."""
    out = points[:1]
    for lon, lat in points[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        out.append((lon, lat))
    return out


def simplify(points: list[tuple[float, float]], tolerance: float) -> list:
    """Douglas-Peucker, iterative (rings have thousands of points at 1:10m)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        best, best_i = 0.0, -1
        for i in range(first + 1, last):
            x0, y0 = points[i]
            if length == 0:  # a closed ring: distance to its first point
                d = math.hypot(x0 - x1, y0 - y1)
            else:
                d = abs((x2 - x1) * (y1 - y0) - (x1 - x0) * (y2 - y1)) / length
            if d > best:
                best, best_i = d, i
        if best > tolerance and best_i > 0:
            keep[best_i] = True
            stack += [(first, best_i), (best_i, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area_and_centroid(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    a = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(a) < 1e-12:
        xs, ys = zip(*ring, strict=True)
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(a) / 2, cx / (3 * a), cy / (3 * a)


def inside(x: float, y: float, ring: list[tuple[float, float]]) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


def edge_distance(x: float, y: float, ring: list[tuple[float, float]]) -> float:
    best = math.inf
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        dx, dy = x2 - x1, y2 - y1
        t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy or 1e-12)))
        best = min(best, math.hypot(x - x1 - t * dx, y - y1 - t * dy))
    return best


def centre(ring: list[tuple[float, float]], steps: int = 40) -> tuple[float, float]:
    _, cx, cy = area_and_centroid(ring)
    if inside(cx, cy, ring):
        return cx, cy
    xs, ys = zip(*ring, strict=True)
    best, point = -1.0, (cx, cy)
    for i in range(1, steps):
        for j in range(1, steps):
            x = min(xs) + (max(xs) - min(xs)) * i / steps
            y = min(ys) + (max(ys) - min(ys)) * j / steps
            if inside(x, y, ring) and (d := edge_distance(x, y, ring)) > best:
                best, point = d, (x, y)
    return point


def alpha2(geometry: dict) -> str:
    name = geometry.get("properties", {}).get("name", "")
    if geometry.get("id") is None:
        return NO_ID.get(name, "")
    country = pycountry.countries.get(numeric=str(geometry["id"]).zfill(3))
    if country is None:
        log.warning("no ISO country for id %s (%s)", geometry["id"], name)
        return ""
    return country.alpha_2


def convert(topo: dict) -> list[dict]:
    arcs = decode_arcs(topo)
    countries = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        if geometry.get("id") == ANTARCTICA:
            continue
        kind = geometry.get("type")
        polygons = {"Polygon": [geometry.get("arcs")], "MultiPolygon": geometry.get("arcs")}
        rings = []
        for polygon in polygons.get(kind) or []:
            for indices in polygon:
                points = simplify(unwrap(ring_points(indices, arcs)), TOLERANCE)
                if len(points) >= 4:
                    rings.append(points)
        if not rings:
            continue
        largest = max(rings, key=lambda r: area_and_centroid(r)[0])
        lon, lat = centre(largest)
        r = PRECISION
        countries.append(
            {
                "code": alpha2(geometry),
                "name": geometry.get("properties", {}).get("name", ""),
                "centre": [round(lon, r), round(lat, r)],
                "rings": [[round(v, r) for p in ring for v in p] for ring in rings],
            }
        )
    return countries


def write(countries: list[dict], out_json: Path, out_centres: Path) -> None:
    data = {
        "source": "Natural Earth 1:110m Admin 0 countries (public domain), via world-atlas 2",
        "precision": PRECISION,
        "countries": countries,
    }
    out_json.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
    lines = [
        "# Country centres for places that resolve to a country only. Generated by",
        "# webui/data/make_countries.py from Natural Earth 1:110m (public domain): centroid of",
        "# the largest outline, or its most interior point. Do not edit by hand.",
        "code\tlat\tlon\tname",
    ]
    for c in sorted(countries, key=lambda c: c["code"]):
        if c["code"]:
            lines.append(f"{c['code']}\t{c['centre'][1]}\t{c['centre'][0]}\t{c['name']}")
    out_centres.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-110m.json")
    parser.add_argument("--out", type=Path, default=OUT_JSON)
    parser.add_argument("--centres", type=Path, default=OUT_CENTRES)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        topo = json.loads(args.topojson.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.error("%s: cannot read TopoJSON: %s", args.topojson, exc)
        return 1
    countries = convert(topo)
    write(countries, args.out, args.centres)
    log.info("%d countries, %d bytes -> %s", len(countries), args.out.stat().st_size, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
