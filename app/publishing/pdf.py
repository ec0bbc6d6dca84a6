"""PDFs of publications and published synopses, made by WeasyPrint and cached on disk.

The PDF is printed from the same document HTML as the reader (templates/publishing/
_document.html) with the print stylesheet; nothing is fetched while printing.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)
# WeasyPrint reports every page it lays out at INFO.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
PRINT_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "print.css"
# Bump when the printed layout changes, so that cached files are made again.
LAYOUT = 2


def cache_dir() -> Path:
    folder = Path(current_app.instance_path) / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _refuse_fetch(url: str, *args, **kwargs):
    """Fetch nothing: the document is self-contained and clause text is untrusted."""
    raise ValueError(f"not fetched while printing: {url[:80]}")


def render(html: str) -> bytes:
    """Print an HTML document to PDF with the print stylesheet."""
    from weasyprint import CSS, HTML

    document = HTML(string=html, url_fetcher=_refuse_fetch)
    return document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])


def cached(name: str, make_html: Callable[[], str]) -> Path:
    """Return the cached PDF called name, printing it first if it is not there yet."""
    path = cache_dir() / f"{name}-l{LAYOUT}.pdf"
    if path.exists():
        return path
    data = render(make_html())
    # Write aside and rename: two workers printing at once both leave a whole file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    log.info("printed %s (%d bytes)", path.name, len(data))
    return path
