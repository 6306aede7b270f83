"""Places: a ~250 m grid cell for coordinates and a normalised key for addresses (duplicates, hot spots)."""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata

EARTH_METRES = 6_371_000.0
CELL_DEGREES = 0.0025  # ≈ 278 m of latitude; longitude cells are as wide in metres at the city's latitude

_PUNCT = re.compile(r"[\s,，。.、;；:：()（）\-—_#/\\]+")


def valid(lat: float | None, lon: float | None) -> bool:
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180


def _lon_step(lat: float) -> float:
    return CELL_DEGREES / max(math.cos(math.radians(lat)), 0.05)


def cell(lat: float, lon: float) -> str:
    """The grid cell holding a point, as "row:col"."""
    row = math.floor(lat / CELL_DEGREES)
    col = math.floor(lon / _lon_step(row * CELL_DEGREES))
    return f"{row}:{col}"


def cells_around(lat: float, lon: float, metres: float) -> list[str]:
    """Every cell that may hold a point within `metres` of (lat, lon)."""
    dlat = metres / 111_195.0
    lat_rows = range(math.floor((lat - dlat) / CELL_DEGREES), math.floor((lat + dlat) / CELL_DEGREES) + 1)
    out = []
    for row in lat_rows:
        step = _lon_step(row * CELL_DEGREES)
        dlon = metres / (111_195.0 * max(math.cos(math.radians(lat)), 0.05))
        for col in range(math.floor((lon - dlon) / step), math.floor((lon + dlon) / step) + 1):
            out.append(f"{row}:{col}")
    return out


def distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_METRES * math.asin(min(1.0, math.sqrt(a)))


def normalise_address(address: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", address or "").lower())


def address_key(address: str) -> str:
    """A short key equal for the same address however it was typed (spaces, punctuation, full-width digits)."""
    norm = normalise_address(address)
    if len(norm) < 4:
        return ""
    return hashlib.sha1(norm.encode(), usedforsecurity=False).hexdigest()[:32]


def similarity(a: str, b: str) -> float:
    """Share of character pairs two texts have in common (Dice over bigrams; 1.0 = the same words)."""

    def grams(t: str) -> set[str]:
        t = normalise_address(t)
        return {t[i : i + 2] for i in range(len(t) - 1)} or ({t} if t else set())

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return 0.0
    return 2 * len(ga & gb) / (len(ga) + len(gb))
