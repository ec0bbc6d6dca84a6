"""A one-sheet XLSX workbook of text cells, written row by row straight into its zip.

The exports write 100,000 rows of text and nothing else (no formulas, numbers, links
or styles), so the sheet XML is written here directly: each cell an inline string,
escaped as Excel escapes it, deflated into the zip as it comes. Nothing uncompressed
reaches the disk and no per-cell object is made (XlsxWriter's constant-memory mode
wrote each row to a temporary file, then copied the whole sheet into the zip, at
about twice this CPU). The package holds the parts Excel and LibreOffice need: content
types, relationships, workbook, styles, document properties and the sheet.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from typing import IO
from xml.sax.saxutils import quoteattr

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_CELL = 32767  # Excel's limit, in UTF-16 units
MAX_SHEET_NAME = 31
FLUSH_ROWS = 200

_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument"

CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/docProps/app.xml" ContentType="{_CT}.extended-properties+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.spreadsheetml.styles+xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_CT}.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
    'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0"/></styleSheet>'
)
SHEET_HEAD = (
    _HEAD + f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews>'
    '<sheetView tabSelected="1" workbookViewId="0"/></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/><sheetData>'
)
SHEET_TAIL = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
    'header="0.3" footer="0.3"/></worksheet>'
)

# Excel writes a control character as _xHHHH_, and a literal "_xHHHH_" with its
# underscore escaped (_x005F_xHHHH_), so that both read back as written.
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
# Anything a cell needs more than a copy for: XML specials, control characters,
# the non-characters U+FFFE/U+FFFF and a literal escape sequence.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


def _truncate(text: str) -> str:
    """Cut a string to Excel's cell limit in UTF-16 units, never inside a character."""
    if len(text) <= MAX_CELL // 2 or len(text.encode("utf-16-le")) // 2 <= MAX_CELL:
        return text
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > MAX_CELL:
            return text[:index]
    return text


def escape(text: str) -> str:
    """Escape a string for an inline-string cell as Excel (and XlsxWriter) do."""
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_letters(n: int) -> str:
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_name(name: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\ and at most 31 characters."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip("'")[:MAX_SHEET_NAME].strip()
    return cleaned or "Sheet1"


def row_xml(number: int, cells: Iterable[str], refs: list[str]) -> str:
    """Return one <row> of text cells (empty strings are no cell)."""
    parts = [f'<row r="{number}">']
    for ref, text in zip(refs, cells, strict=False):
        if not text:
            continue
        if len(text) > MAX_CELL // 2:
            text = _truncate(text)
        if _SPECIAL.search(text) is not None:
            text = escape(text)
        # Leading or trailing whitespace is kept only with xml:space (as Excel writes it).
        if text[0].isspace() or text[-1].isspace():
            parts.append(
                f'<c r="{ref}{number}" t="inlineStr"><is><t xml:space="preserve">{text}'
                "</t></is></c>"
            )
        else:
            parts.append(f'<c r="{ref}{number}" t="inlineStr"><is><t>{text}</t></is></c>')
    parts.append("</row>")
    return "".join(parts)


def write(out: IO[bytes], name: str, rows: Iterable[list[str]], width: int) -> int:
    """Write a workbook of one sheet with these rows of text into out; return the rows written.

    `out` must be seekable (a temporary file): the zip's local headers then carry the
    sizes, as Excel expects, and no data descriptors are needed.
    """
    refs = [_column_letters(n) for n in range(width)]
    name = sheet_name(name)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    written = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", ROOT_RELS)
        package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with package.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(SHEET_HEAD.encode())
            pending: list[str] = []
            for written, cells in enumerate(rows, start=1):  # noqa: B007 - the count is kept
                pending.append(row_xml(written, cells, refs))
                if len(pending) == FLUSH_ROWS:
                    sheet.write("".join(pending).encode())
                    pending.clear()
            sheet.write(("".join(pending) + SHEET_TAIL).encode())
        package.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews>'
            '<workbookView xWindow="240" yWindow="15" windowWidth="16095" '
            'windowHeight="9660"/></bookViews><sheets>'
            f'<sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        package.writestr("xl/styles.xml", STYLES)
        package.writestr(
            "docProps/core.xml",
            _HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
            '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified>'
            "</cp:coreProperties>",
        )
        package.writestr(
            "docProps/app.xml",
            _HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/'
            '2006/extended-properties"><Application>Clausewise</Application></Properties>',
        )
    return written
