"""The seal image printed on a license: a red circle, a five-pointed star, the organisation's name on the rim.

Drawn as plain SVG (each rim character placed and rotated on its own, no textPath) so browsers and WeasyPrint
render it the same way with the WenQuanYi Micro Hei font the platform ships with.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape

RED = "#d7000f"
FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * 0.382
    points = []
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        a = -math.pi / 2 + i * math.pi / 5
        points.append(f"{cx + r * math.cos(a):.2f},{cy + r * math.sin(a):.2f}")
    return " ".join(points)


def seal_svg(name: str, purpose: str = "电子证照专用章", code: str = "") -> str:
    """An SVG seal (200×200) for organisation `name`; `purpose` prints under the star, `code` along the bottom."""
    size, cx, cy = 200, 100.0, 100.0
    rim = 76.0
    chars = list(name) or ["?"]
    # The name spans up to 240° of the top arc, centred on the top, letters upright towards the centre.
    span = min(240.0, max(120.0, 20.0 * len(chars)))
    step = span / max(len(chars) - 1, 1) if len(chars) > 1 else 0.0
    start = -90.0 - span / 2 if len(chars) > 1 else -90.0
    font_size = max(12.0, min(24.0, 2 * math.pi * rim * (span / 360) / max(len(chars), 1) * 0.92))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}" '
        f'role="img" aria-label="{escape(name)}">',
        f'<circle cx="{cx}" cy="{cy}" r="94" fill="none" stroke="{RED}" stroke-width="5"/>',
        f'<polygon points="{_star(cx, cy, 26)}" fill="{RED}"/>',
    ]
    for i, ch in enumerate(chars):
        angle = start + i * step
        rad = math.radians(angle)
        x, y = cx + rim * math.cos(rad), cy + rim * math.sin(rad)
        parts.append(
            f'<text x="0" y="0" transform="translate({x:.2f},{y:.2f}) rotate({angle + 90:.2f})" '
            f'font-family="{FONT}" font-size="{font_size:.1f}" fill="{RED}" text-anchor="middle" '
            f'dominant-baseline="central">{escape(ch)}</text>'
        )
    parts.append(
        f'<text x="{cx}" y="{cy + 48}" font-family="{FONT}" font-size="13" fill="{RED}" '
        f'text-anchor="middle">{escape(purpose)}</text>'
    )
    if code:
        parts.append(
            f'<text x="{cx}" y="{cy + 66}" font-family="monospace" font-size="8" fill="{RED}" '
            f'text-anchor="middle">{escape(code)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
