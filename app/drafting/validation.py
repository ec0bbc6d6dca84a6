"""Rules for clause fields shared by the editor and the source importer."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from app.drafting.models import ClauseKind
from app.errors import ValidationError

NUMBER = re.compile(r"^(\d+(\.\d+)*[a-z]?|[A-Z](\.\d+)*)$")
# A body's own stable ids (`text-alternatives`, `CoC-5.2`, `ISO-7.2.1`) are welcome;
# generated ones read PREFIX-hex.
UID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
UID_HELP = (
    "a clause uid is 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or "
    "digit (for example RA-1f28, CoC-5.2 or text-alternatives)"
)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
UID_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
LABEL = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]{0,39}$")
MAX_HEADING = 300
MAX_MESSAGE = 500
MAX_BODY_DEFAULT = 20_000


def clean_clause_fields(
    *,
    kind: str,
    number: str,
    heading: str,
    body: str,
    max_body: int = MAX_BODY_DEFAULT,
) -> tuple[ClauseKind, str, str, str]:
    """Normalise and check clause fields; raise ValidationError naming the field."""
    try:
        clause_kind = ClauseKind(kind)
    except ValueError:
        raise ValidationError(_("Choose a clause kind from the list."), field="kind") from None
    number = (number or "").strip()
    heading = " ".join((heading or "").split())
    body = "\n".join(line.rstrip() for line in (body or "").replace("\r\n", "\n").split("\n"))
    body = body.strip("\n")
    if number and not NUMBER.match(number):
        raise ValidationError(_("A clause number looks like 4, 4.2, 4.2.1 or A.1."), field="number")
    if not heading and not number:
        raise ValidationError(_("Give the clause a number or a heading."), field="heading")
    if heading.startswith("#") or "{#" in heading:
        raise ValidationError(_("A heading cannot start with # or contain {#."), field="heading")
    if not number and heading and NUMBER.match(heading.split()[0]):
        raise ValidationError(
            _("A heading without a number cannot start with something that looks like one."),
            field="heading",
        )
    if len(heading) > MAX_HEADING:
        raise ValidationError(
            _("The heading is too long (%(n)d characters at most).", n=MAX_HEADING),
            field="heading",
        )
    if len(body) > max_body:
        raise ValidationError(
            _("The text is too long (%(n)d characters at most).", n=max_body), field="body"
        )
    for line in body.split("\n"):
        if line.startswith("#"):
            raise ValidationError(
                _(
                    "Clause text cannot contain Markdown headings (lines starting with #): "
                    "add a sub-clause instead."
                ),
                field="body",
            )
    return clause_kind, number, heading, body
