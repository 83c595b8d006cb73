"""Is a PDF tagged (accessible)? Read from its catalogue, as ``pdfinfo`` prints "Tagged: yes".

A tagged PDF (ISO 32000-1 §14.7–14.8, required by PDF/UA) has in its document catalogue a
``/StructTreeRoot`` (the logical structure tree) and ``/MarkInfo << /Marked true >>``. WeasyPrint
writes the catalogue inside a compressed object stream (``/Type /ObjStm``), so the objects are
read from the file's body and from every Flate-compressed object stream; nothing else is parsed
and no dependency beyond :mod:`zlib` is needed (a few milliseconds for a 20-page report).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

__all__ = ["PdfTagError", "pdf_objects", "untagged_reason"]

_OBJ_HEAD = re.compile(rb"(?<!\d)(\d+)\s+\d+\s+obj$")
_STREAM = re.compile(rb">>\s*stream\r?\n")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")
_REF = re.compile(rb"^\s*(\d+)\s+\d+\s+R")


class PdfTagError(ValueError):
    """The file cannot be read as a PDF (names the file)."""


def pdf_objects(data: bytes) -> dict[int, bytes]:
    """Every object of a PDF, by number: those written in the body (``n 0 obj ... endobj``) and
    those packed in Flate-compressed object streams (header of ``/N`` pairs "number offset",
    objects from byte ``/First``). A later definition of the same number wins (incremental
    updates)."""
    objects: dict[int, bytes] = {}
    pos = data.find(b" obj")
    while pos != -1:  # bytes.find, not one regex over the binary streams (10x faster)
        head = _OBJ_HEAD.search(data, max(0, pos - 24), pos + 4)
        end = data.find(b"endobj", pos)
        if head is not None and end != -1:
            objects[int(head.group(1))] = data[pos + 4:end]
        pos = data.find(b" obj", end if end != -1 else pos + 4)
    pos = data.find(b"/ObjStm")
    while pos != -1:
        open_ = data.rfind(b"<<", 0, pos)
        close = data.find(b">>", pos)
        stream = _STREAM.match(data, close)
        pos = data.find(b"/ObjStm", pos + 7)
        if open_ == -1 or stream is None:
            continue
        head = data[open_ + 2:close]
        if b"/FlateDecode" not in head:
            continue
        start = stream.end()
        n = re.search(rb"/N\s+(\d+)", head)
        first = re.search(rb"/First\s+(\d+)", head)
        if n is None or first is None:
            continue
        length = _LENGTH.search(head)
        end = start + int(length.group(1)) if length else data.find(b"endstream", start)
        try:
            body = zlib.decompressobj().decompress(data[start:end])
        except zlib.error:
            continue
        nums = body[:int(first.group(1))].split()
        pairs = [(int(nums[i]), int(nums[i + 1])) for i in range(0, min(len(nums), 2 * int(n.group(1))) - 1, 2)]
        base = int(first.group(1))
        for k, (num, off) in enumerate(pairs):
            stop = base + pairs[k + 1][1] if k + 1 < len(pairs) else len(body)
            objects[num] = body[base + off:stop]
    return objects


def _resolve(value: bytes, objects: dict[int, bytes]) -> bytes:
    ref = _REF.match(value)
    return objects.get(int(ref.group(1)), b"") if ref else value


def untagged_reason(path: str | Path) -> str:
    """``''`` when the PDF at ``path`` is tagged; else why not, naming the file (no structure
    tree, or not marked). Raises :class:`PdfTagError` when the file is not a readable PDF."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PdfTagError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not data.startswith(b"%PDF-"):
        raise PdfTagError(f"{path}: not a PDF file (no %PDF- header)")
    objects = pdf_objects(data)
    catalogue = next((body for body in objects.values()
                      if re.search(rb"/Type\s*/Catalog\b", body)), None)
    if catalogue is None:
        raise PdfTagError(f"{path}: no document catalogue found (damaged or unsupported PDF)")
    missing = []
    if not re.search(rb"/StructTreeRoot\s*(\d+\s+\d+\s+R|<<)", catalogue):
        missing.append("no /StructTreeRoot (logical structure tree)")
    mark = re.search(rb"/MarkInfo\s*(<<.*?>>|\d+\s+\d+\s+R)", catalogue, re.S)
    if mark is None or not re.search(rb"/Marked\s+true", _resolve(mark.group(1), objects)):
        missing.append("not marked (/MarkInfo /Marked true)")
    if missing:
        return f"{path.name} is not a tagged PDF: " + ", ".join(missing)
    return ""
