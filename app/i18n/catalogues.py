"""Extract, update, compile and check the interface catalogues under translations/.

Run it as `scripts/translations` (see `--help`). The test suite calls `problems()`
so that a message added to the code without a French or Spanish translation fails CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "translations"
POT = CATALOGUES / "messages.pot"
TRANSLATED = ("fr", "es")
FIXED_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}
# %(name)s, %d, %s … but not %% (a literal percent sign).
PLACEHOLDER = re.compile(
    r"%%|%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]"
)


def extract() -> Catalog:
    """Extract every message of app/ and templates/ into a fresh template catalogue."""
    with open(ROOT / "babel.cfg") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    catalog = Catalog(project="Clausewise", version="", charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if filename.startswith((".", "instance")):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(lang: str) -> Path:
    return CATALOGUES / lang / "LC_MESSAGES" / "messages.po"


def read(path: Path, locale: str | None = None) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale=locale)


def _write_po(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    # No line numbers: a catalogue should change when messages change, not when code moves.
    write_po(
        buffer, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True
    )
    text = re.sub(rb'"POT-Creation-Date: [^"]*\\n"\n', b"", buffer.getvalue())
    text = re.sub(rb'"PO-Revision-Date: [^"]*\\n"\n', b"", text)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != text:
        path.write_bytes(text)


def mo_bytes(catalog: Catalog) -> bytes:
    # Fixed dates: a .mo must depend on its .po only, so that CI can check it is current.
    catalog.creation_date = catalog.revision_date = FIXED_DATE
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update() -> Catalog:
    """Write messages.pot from the code, merge it into each .po, compile each .mo."""
    template = extract()
    _write_po(template, POT)
    template = read(POT)
    for lang in TRANSLATED:
        path = po_path(lang)
        if path.exists():
            catalog = read(path, lang)
        else:
            catalog = Catalog(locale=lang, project="Clausewise", version="", charset="utf-8")
        # No fuzzy guesses: a new message is simply untranslated until someone translates it.
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        catalog.last_translator = "Clausewise languages <translations@clausewise.invalid>"
        catalog.language_team = {"fr": "Français", "es": "Español"}[lang]
        _write_po(catalog, path)
        compile_catalogue(lang)
    return template


def compile_catalogue(lang: str) -> None:
    mo = po_path(lang).with_suffix(".mo")
    data = mo_bytes(read(po_path(lang), lang))
    if not mo.exists() or mo.read_bytes() != data:
        mo.write_bytes(data)


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def _entry_problems(lang: str, message: Message) -> Iterable[str]:
    ident = message.id if isinstance(message.id, str) else message.id[0]
    label = f"{lang}: {ident[:70]!r}"
    strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
    if message.fuzzy:
        yield f"{label} is fuzzy"
    if not all(strings):
        yield f"{label} is not translated"
        return
    if isinstance(message.id, str):
        found, expected = placeholders(message.string), placeholders(message.id)
        if found != expected:
            yield f"{label} has placeholders {found}, not {expected}"
        return
    expected = set(placeholders(message.id[1])) | set(placeholders(message.id[0]))
    for form in strings:
        found = set(placeholders(form))
        named = {p for p in expected if p.startswith("%(") and p != "%(num)d"}
        if not found <= expected or not named <= found:
            yield f"{label} plural form {form[:40]!r} has placeholders {sorted(found)}"


def problems(template: Catalog | None = None) -> list[str]:
    """List every message of the code that a catalogue lacks, leaves fuzzy or breaks."""
    template = template or extract()
    found: list[str] = []
    for lang in TRANSLATED:
        path = po_path(lang)
        if not path.exists():
            found.append(f"{lang}: {path.relative_to(ROOT)} is missing")
            continue
        catalog = read(path, lang)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, message.context)
            if entry is None:
                found.append(f"{lang}: {str(message.id)[:70]!r} is missing from the catalogue")
            else:
                found.extend(_entry_problems(lang, entry))
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != mo_bytes(catalog):
            found.append(f"{lang}: {mo.relative_to(ROOT)} is not compiled from the .po")
    return found


def todo(lang: str) -> list[tuple[int, Message]]:
    """Number the messages of a catalogue that still need a translator."""
    catalog = read(po_path(lang), lang)
    pending = [m for m in catalog if m.id and (m.fuzzy or not all(_strings(m)))]
    return list(enumerate(pending, 1))


def _strings(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def _show(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _read_back(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def apply(lang: str, answers: str) -> int:
    """Fill the pending messages numbered by `todo` from lines `N<TAB>text` (plurals N.0, N.1)."""
    pending = dict(todo(lang))
    catalog = read(po_path(lang), lang)
    filled = 0
    for line in answers.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, text = line.partition("\t")
        number, _, form = key.strip().partition(".")
        message = catalog.get(pending[int(number)].id, pending[int(number)].context)
        text = _read_back(text)
        if isinstance(message.id, str):
            message.string = text
        else:
            strings = list(message.string) if isinstance(message.string, (list, tuple)) else []
            strings += [""] * (catalog.num_plurals - len(strings))
            # Form 0 is the singular; every other form (CLDR's "many" too) takes the plural.
            if form in ("", "0"):
                strings[0] = text
            else:
                strings[1:] = [text] * (len(strings) - 1)
            message.string = tuple(strings)
        message.flags.discard("fuzzy")
        filled += 1
    _write_po(catalog, po_path(lang))
    compile_catalogue(lang)
    return filled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/translations", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("update", help="extract, merge into every .po, compile (the default)")
    sub.add_parser("check", help="fail when a catalogue misses, leaves fuzzy or breaks a message")
    show = sub.add_parser("todo", help="list the messages of LANG still to translate, numbered")
    show.add_argument("lang", choices=TRANSLATED)
    fill = sub.add_parser("apply", help="fill numbered translations (N<TAB>text) from FILE")
    # Apply right after `todo`: the numbers are positions in its list.
    fill.add_argument("lang", choices=TRANSLATED)
    fill.add_argument("file", type=argparse.FileType("r", encoding="utf-8"))
    args = parser.parse_args(argv)
    if args.command == "todo":
        for number, message in todo(args.lang):
            fuzzy = " (fuzzy: " + _show(str(message.string)) + ")" if message.fuzzy else ""
            if isinstance(message.id, str):
                print(f"{number}\t{_show(message.id)}{fuzzy}")
            else:
                print(f"{number}\t{_show(message.id[0])} ||| {_show(message.id[1])}{fuzzy}")
        return 0
    if args.command == "apply":
        print(f"{apply(args.lang, args.file.read())} messages filled")
        return 0
    template = update() if args.command in (None, "update") else extract()
    found = problems(template)
    for problem in found:
        print(problem)
    print(f"{len(template) - 1} messages; {len(found)} problems", file=sys.stderr)
    return 1 if found and args.command == "check" else 0


if __name__ == "__main__":
    sys.exit(main())
