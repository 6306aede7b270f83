"""A small PDF text-layer reader for tests, so we need no PDF library to prove text is real text.

WeasyPrint writes each font as a CID font with a ToUnicode CMap and shows text with hex glyph
strings in TJ/Tj operators. We inflate every stream, read the CMaps and map each text run back to
Unicode with the CMap that covers all its glyphs. Text drawn as images or paths has no glyph
codes and no CMap entries, so it would not come back: finding a string here means it is
selectable, searchable text.
"""

from __future__ import annotations

import re
import zlib

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
HEX_RANGE = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>")
BLOCK = re.compile(rb"\bBT\b(.*?)\bET\b", re.S)
SHOW = re.compile(rb"\[(.*?)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj", re.S)
HEX = re.compile(rb"<([0-9a-fA-F]*)>")


def _unhex_utf16(h: bytes) -> str:
    return bytes.fromhex(h.decode()).decode("utf-16-be")


def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for raw in STREAM.findall(pdf):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _cmaps(streams: list[bytes]) -> list[dict[int, str]]:
    maps = []
    for s in streams:
        if b"begincmap" not in s:
            continue
        cmap: dict[int, str] = {}
        for block in BFCHAR.findall(s):
            for src, dst in HEX_PAIR.findall(block):
                cmap[int(src, 16)] = _unhex_utf16(dst)
        for block in BFRANGE.findall(s):
            for lo, hi, dst in HEX_RANGE.findall(block):
                start = int(dst, 16)
                for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                    cmap[code] = chr(start + i)
        maps.append(cmap)
    return maps


def _decode(codes: list[int], cmaps: list[dict[int, str]]) -> str:
    for cmap in sorted(cmaps, key=len, reverse=True):
        if all(c in cmap for c in codes):
            return "".join(cmap[c] for c in codes)
    return "\ufffd" * len(codes)


def pdf_text(pdf: bytes) -> str:
    """The text layer of a WeasyPrint PDF, one line per text block."""
    streams = _streams(pdf)
    cmaps = _cmaps(streams)
    lines = []
    for s in streams:
        if b"BT" not in s or b"begincmap" in s:
            continue
        for block in BLOCK.findall(s):
            parts = []
            for array, single in SHOW.findall(block):
                hexes = HEX.findall(array) if array else [single]
                codes = [int(h[i : i + 4], 16) for h in hexes for i in range(0, len(h), 4)]
                parts.append(_decode(codes, cmaps))
            if parts:
                lines.append("".join(parts))
    return "\n".join(lines)


def pdf_fonts(pdf: bytes) -> set[str]:
    """Base font names (subset tag removed) of the fonts the PDF embeds."""
    names = set()
    for s in [pdf, *_streams(pdf)]:
        for m in re.finditer(rb"/BaseFont\s*/(?:[A-Z]{6}\+)?([^\s/<>\[\]]+)", s):
            names.add(m.group(1).decode("latin-1"))
    return {n.split("-")[0] for n in names} | names
