"""The XLSX writer: a valid package whose text cells read back exactly as written."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from app.publishing import xlsx

TRICKY = [
    "plain",
    "a & b < c > d \"quoted\" 'single'",
    "  leading and trailing  ",
    "line one\nline two\r\nline three\ttab",
    "bell \x07 and nul \x00 and escape \x1b",
    "a literal _x0041_ escape",
    "non-characters \ufffe\uffff",
    "emoji 🙂 and accents éàü",
    "<r><t>not rich text</t></r>",
    "</t></is></c></row><row r='9'>",
    "=1+1",
]


def _workbook(rows: list[list[str]], name: str = "Comments") -> bytes:
    out = io.BytesIO()
    xlsx.write(out, name, rows, max(len(r) for r in rows))
    return out.getvalue()


def _excel_text(text: str) -> str:
    """Decode _xHHHH_ as Excel does when it reads a cell (openpyxl leaves it as written)."""
    return re.sub("_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def _read(data: bytes, read_only: bool) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(data), read_only=read_only).active
    return [[_excel_text(cell or "") for cell in row] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("read_only", [False, True])
def test_cells_read_back_exactly(read_only):
    rows = [["head", "second"], *[[text, str(n)] for n, text in enumerate(TRICKY)]]
    found = _read(_workbook(rows), read_only)
    assert found == rows


def test_empty_cells_are_no_cells_and_columns_stay_in_place():
    data = _workbook([["a", "", "c"], ["", "b", ""]])
    assert _read(data, read_only=False) == [["a", "", "c"], ["", "b", ""]]
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="C1" t="inlineStr">' in sheet and 'r="A2"' not in sheet


def test_a_cell_longer_than_excel_allows_is_cut_at_its_limit():
    long = "x" * 40_000
    wide = "🙂" * 20_000  # two UTF-16 units each: cut at 16,383 characters
    [[first, second]] = _read(_workbook([[long, wide]]), read_only=False)
    assert first == "x" * xlsx.MAX_CELL
    assert second == "🙂" * (xlsx.MAX_CELL // 2)


def test_the_package_is_well_formed_and_complete():
    data = _workbook([["a", "b"], ["c", "d"]], name="Bad [name]: with / and * and ?")
    package = zipfile.ZipFile(io.BytesIO(data))
    assert package.testzip() is None
    names = package.namelist()
    assert names[0] == "[Content_Types].xml"
    for info in package.infolist():
        ElementTree.fromstring(package.read(info))  # noqa: S314 - our own output; every part parses
        assert not info.flag_bits & 0x08  # sizes in the local headers: no data descriptors
        assert info.compress_type == zipfile.ZIP_DEFLATED
    types = ElementTree.fromstring(package.read("[Content_Types].xml"))  # noqa: S314
    overrides = {o.get("PartName").lstrip("/") for o in types if o.get("PartName")}
    assert overrides == {n for n in names if not n.endswith(".rels") and n != names[0]}
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Bad  name   with   and   and"]


def test_sheet_names_follow_excels_rules():
    assert xlsx.sheet_name("Commentaires") == "Commentaires"
    assert xlsx.sheet_name("x" * 40) == "x" * 31
    assert xlsx.sheet_name("a/b") == "a b"
    assert xlsx.sheet_name("[]") == "Sheet1"


def test_escape_is_what_excel_writes():
    assert xlsx.escape("a\x01b") == "a_x0001_b"
    assert xlsx.escape("_x0001_") == "_x005F_x0001_"
    assert xlsx.escape("<&>") == "&lt;&amp;&gt;"
    assert xlsx.escape("\uffff") == "_xFFFF_"
