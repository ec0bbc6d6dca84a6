"""The Markdown source format of a standard: parse and write, byte for byte."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.drafting.models import ClauseKind
from app.drafting.validation import NUMBER, SLUG, UID, UID_HELP, UID_PREFIX
from app.errors import ValidationError

HEADING = re.compile(r"^(#{1,6}) (.*?) \{#([^\s{}]+) \.([a-z]+)\}$")
FRONT_KEYS = ("slug", "title", "summary", "uid-prefix")


class SourceError(ValidationError):
    """A malformed source file: names the file, the line and what is wrong."""

    def __init__(self, filename: str, line: int, problem: str) -> None:
        super().__init__(f"{filename}:{line}: {problem}")
        self.filename = filename
        self.line = line
        self.problem = problem


@dataclass
class SourceClause:
    uid: str
    kind: ClauseKind
    number: str
    heading: str
    depth: int
    parent_uid: str | None
    line: int
    body_lines: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.body_lines).strip("\n")


@dataclass
class SourceDocument:
    slug: str
    title: str
    summary: str
    uid_prefix: str
    clauses: list[SourceClause]
    # Where each front-matter key was given, for messages about it.
    key_lines: dict[str, int] = field(default_factory=dict)


def _split_heading(text: str) -> tuple[str, str]:
    first, _, rest = text.partition(" ")
    if NUMBER.match(first):
        return first, rest.strip()
    return "", text.strip()


def parse(text: str, filename: str = "<source>") -> SourceDocument:
    """Parse a standard's source; raise SourceError at the first problem."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0] != "---":
        raise SourceError(filename, 1, "the file must start with a '---' front matter line")
    meta: dict[str, str] = {}
    key_lines: dict[str, int] = {}
    end = None
    for i, line in enumerate(lines[1:], start=2):
        if line == "---":
            end = i
            break
        key, sep, value = line.partition(":")
        if not sep or key.strip() not in FRONT_KEYS:
            raise SourceError(
                filename, i, f"expected one of {', '.join(FRONT_KEYS)} as 'key: value'"
            )
        if key.strip() in meta:
            raise SourceError(
                filename,
                i,
                f"'{key.strip()}' is given twice (first on line {key_lines[key.strip()]})",
            )
        meta[key.strip()] = value.strip()
        key_lines[key.strip()] = i
    if end is None:
        raise SourceError(filename, 1, "the front matter is not closed with '---'")
    for key in ("slug", "title", "uid-prefix"):
        if not meta.get(key):
            raise SourceError(filename, key_lines.get(key, end), f"the front matter lacks '{key}'")
    if not SLUG.match(meta["slug"]):
        raise SourceError(
            filename,
            key_lines["slug"],
            "the slug may use lower-case letters, digits and hyphens",
        )
    if not UID_PREFIX.match(meta["uid-prefix"]):
        raise SourceError(
            filename,
            key_lines["uid-prefix"],
            "the uid-prefix is 1 to 8 capital letters or digits, starting with a letter",
        )

    clauses: list[SourceClause] = []
    stack: list[SourceClause] = []
    seen: dict[str, int] = {}
    fence: str | None = None
    for i in range(end, len(lines)):
        line, lineno = lines[i], i + 1
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
        if fence is None and line.startswith("#"):
            match = HEADING.match(line)
            if not match:
                raise SourceError(
                    filename,
                    lineno,
                    "a heading must read '## NUMBER Heading {#UID .kind}'",
                )
            hashes, title, uid, kind = match.groups()
            depth = len(hashes) - 1
            if not UID.match(uid):
                raise SourceError(
                    filename, lineno, f"'{uid}' is not a valid clause uid: {UID_HELP}"
                )
            if uid in seen:
                raise SourceError(
                    filename, lineno, f"uid '{uid}' is used again (first on line {seen[uid]})"
                )
            try:
                clause_kind = ClauseKind(kind)
            except ValueError:
                kinds = ", ".join(k.value for k in ClauseKind)
                raise SourceError(
                    filename, lineno, f"unknown kind '{kind}' (use one of {kinds})"
                ) from None
            if depth > len(stack):
                raise SourceError(
                    filename,
                    lineno,
                    f"heading level {depth + 1} follows level {len(stack)}: "
                    "levels go down one at a time",
                )
            del stack[depth:]
            number, heading = _split_heading(title)
            if not heading:
                raise SourceError(filename, lineno, "the heading has no text after the number")
            clause = SourceClause(
                uid=uid,
                kind=clause_kind,
                number=number,
                heading=heading,
                depth=depth,
                parent_uid=stack[-1].uid if stack else None,
                line=lineno,
            )
            seen[uid] = lineno
            clauses.append(clause)
            stack.append(clause)
            continue
        if not clauses:
            if line.strip():
                raise SourceError(filename, lineno, "text before the first clause heading")
            continue
        if line != line.rstrip():
            line = line.rstrip()
        clauses[-1].body_lines.append(line)
    if fence is not None:
        raise SourceError(filename, len(lines), "a fenced code block is never closed")
    if not clauses:
        raise SourceError(filename, end, "the file has no clauses")
    return SourceDocument(
        slug=meta["slug"],
        title=meta["title"],
        summary=meta.get("summary", ""),
        uid_prefix=meta["uid-prefix"],
        clauses=clauses,
        key_lines=key_lines,
    )


def write(doc: SourceDocument) -> str:
    """Write a document in the canonical source form."""
    summary = " ".join(doc.summary.split())
    out = [
        "---",
        f"slug: {doc.slug}",
        f"title: {doc.title}",
        f"summary: {summary}",
        f"uid-prefix: {doc.uid_prefix}",
        "---",
        "",
    ]
    for clause in doc.clauses:
        title = " ".join(p for p in (clause.number, clause.heading) if p)
        out.append(f"{'#' * (clause.depth + 1)} {title} {{#{clause.uid} .{clause.kind}}}")
        out.append("")
        if clause.body:
            out.append(clause.body)
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
