"""A small reader and editor of gettext .po files, enough for `yiwang i18n` (no extra dependency).

Each entry keeps its original lines; only the msgstr lines and the flags line are rewritten, so files stay as
gettext wrote them and diffs stay small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# A printf-style conversion as Python's % operator reads it (named or positional), "%%" included.
FORMAT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE_SPEC = re.compile(r"\{[^{}]*\}")
CONTEXT_SEPARATOR = "\x04"


def unquote(text: str) -> str:
    """The value of one quoted PO string line ("..." with C escapes)."""
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a quoted PO string: {text!r}")
    out: list[str] = []
    body = text[1:-1]
    i = 0
    escapes = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


def po_lines(keyword: str, value: str) -> list[str]:
    """`keyword "value"`, split after each newline as gettext does for multi-line strings."""
    if "\n" not in value.rstrip("\n"):
        return [f"{keyword} {quote(value)}"]
    parts = value.split("\n")
    chunks = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return [f'{keyword} ""', *(quote(c) for c in chunks)]


@dataclass
class Entry:
    """One msgid with its translation(s), comments and flags."""

    lines: list[str]
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False

    @property
    def key(self) -> str:
        return f"{self.msgctxt}{CONTEXT_SEPARATOR}{self.msgid}" if self.msgctxt is not None else self.msgid

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(v != "" for v in self.msgstr.values()) and not self.fuzzy

    def set_translation(self, text: str | list[str]) -> None:
        """Replaces the msgstr lines (every plural form gets the text, or the list item) and clears fuzzy."""
        values = [text] if isinstance(text, str) else list(text)
        new_lines: list[str] = []
        skipping = False
        inserted = False
        for line in self.lines:
            stripped = line.strip()
            if stripped.startswith("msgstr"):
                skipping = True
                if not inserted:
                    inserted = True
                    if self.msgid_plural is None:
                        new_lines += po_lines("msgstr", values[0])
                        self.msgstr = {0: values[0]}
                    else:
                        count = max(len(self.msgstr), 1)
                        self.msgstr = {}
                        for n in range(count):
                            value = values[min(n, len(values) - 1)]
                            new_lines += po_lines(f"msgstr[{n}]", value)
                            self.msgstr[n] = value
                continue
            if skipping and stripped.startswith('"'):
                continue
            skipping = False
            new_lines.append(line)
        self.lines = new_lines
        if self.fuzzy:
            # A fuzzy guess by msgmerge is replaced by a real translation: drop the flag and the old msgid.
            self.flags = [f for f in self.flags if f != "fuzzy"]
            kept: list[str] = []
            for line in self.lines:
                if line.startswith("#|"):
                    continue
                if line.startswith("#,"):
                    if self.flags:
                        kept.append("#, " + ", ".join(self.flags))
                    continue
                kept.append(line)
            self.lines = kept

    def render(self) -> str:
        return "\n".join(self.lines)


def parse(text: str) -> list[Entry]:
    """Splits a .po file into entries (blank lines separate them)."""
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        lines = block.split("\n")
        if not any(line.strip() for line in lines):
            continue
        entry = Entry(lines=lines)
        current: str | None = None
        values: dict[str, str] = {}
        for raw in lines:
            line = raw
            if line.startswith("#~"):
                entry.obsolete = True
                line = line[2:].lstrip()
            if line.startswith("#,"):
                entry.flags = [f.strip() for f in line[2:].split(",") if f.strip()]
                continue
            if line.startswith("#") or not line.strip():
                continue
            if line.startswith('"'):
                if current is None:
                    raise ValueError(f"string continuation without a keyword: {raw!r}")
                values[current] += unquote(line)
                continue
            keyword, _, rest = line.partition(" ")
            current = keyword
            values[keyword] = unquote(rest)
        entry.msgctxt = values.get("msgctxt")
        entry.msgid = values.get("msgid", "")
        entry.msgid_plural = values.get("msgid_plural")
        if "msgstr" in values:
            entry.msgstr = {0: values["msgstr"]}
        else:
            entry.msgstr = {int(k[7:-1]): v for k, v in values.items() if k.startswith("msgstr[") and k.endswith("]")}
        entries.append(entry)
    return entries


def load(path: Path) -> list[Entry]:
    return parse(path.read_text(encoding="utf-8"))


def dump(entries: list[Entry]) -> str:
    return "\n\n".join(e.render() for e in entries) + "\n"


def format_specs(text: str) -> list[str]:
    """The printf conversions in a string, sorted, without the literal "%%"."""
    return sorted(m.group(0) for m in FORMAT_SPEC.finditer(text) if m.group(0) != "%%")


def placeholder_problem(msgid: str, msgstr: str, flags: list[str]) -> str | None:
    """Why a translation would break formatting at run time, or None when it is safe."""
    if "python-format" in flags:
        if format_specs(msgid) != format_specs(msgstr):
            return f"placeholders differ: {format_specs(msgid)} in the msgid, {format_specs(msgstr)} in the msgstr"
        if "%" in FORMAT_SPEC.sub("", msgstr):
            return "a lone % in the translation (write %% for a percent sign)"
    if "python-brace-format" in flags and sorted(BRACE_SPEC.findall(msgid)) != sorted(BRACE_SPEC.findall(msgstr)):
        return "{placeholders} differ between the msgid and the msgstr"
    return None
