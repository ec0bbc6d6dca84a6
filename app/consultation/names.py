"""How a submitter is named in public: one rule for the record, the synopsis and the API.

The name appears only with the submitter's consent. Someone submitting for an
organisation is named with it; an individual is named alone, even if their
account gives an employer (they spoke for themselves). A formal submission is
the Forum's: it is always named as such, with the filer's name on consent.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import gettext as _

from app.auth.models import STAKEHOLDER_LABELS, StakeholderGroup
from app.consultation.models import SUBMISSION_KIND_LABELS, Submission, SubmissionKind


def stakeholder_label(value: str) -> str:
    try:
        return str(STAKEHOLDER_LABELS[StakeholderGroup(value)])
    except ValueError:
        return value or _("Not stated")


class Words:
    """The translated words of the naming rule, each looked up once.

    A list page names a hundred submitters: it makes one `Words` (`author_lines()`)
    instead of translating the same labels and patterns for every row. Make it
    inside the request (and locale) it serves; the patterns are formatted as
    Flask-Babel's `gettext(msgid, **variables)` would (`pattern % variables`).
    """

    def __init__(self) -> None:
        self._groups: dict[str, str] = {}

    def group(self, value: str) -> str:
        try:
            return self._groups[value]
        except KeyError:
            label = self._groups[value] = stakeholder_label(value)
            return label

    @functools.cached_property
    def forum(self) -> str:
        return str(SUBMISSION_KIND_LABELS[SubmissionKind.FORMAL])

    @functools.cached_property
    def filed_by(self) -> str:
        return _("%(forum)s, filed by %(name)s")

    @functools.cached_property
    def on_behalf(self) -> str:
        return _("%(name)s on behalf of %(org)s")

    @functools.cached_property
    def with_group(self) -> str:
        return _("%(name)s (%(group)s)")


def public_submitter(submission: Submission, words: Words | None = None) -> str | None:
    """Return who the public may see behind a submission, or None when the name is withheld."""
    return public_name(
        submission.kind,
        consent=submission.consent_publish_name,
        name=submission.author.name,
        organisation=submission.organisation,
        words=words,
    )


def public_name(
    kind: str, *, consent: bool, name: str, organisation: str, words: Words | None = None
) -> str | None:
    """Name a submitter from plain column values (what `public_submitter` reads of a submission)."""
    if kind == SubmissionKind.FORMAL:
        words = words or Words()
        if consent:
            return words.filed_by % {"forum": words.forum, "name": name}
        return words.forum
    if not consent:
        return None
    if kind == SubmissionKind.ORGANISATION and organisation:
        words = words or Words()
        return words.on_behalf % {"name": name, "org": organisation}
    return name


def author_line(submission: Submission, words: Words | None = None) -> str:
    """Return the public author line: the public submitter and the stakeholder group."""
    words = words or Words()
    group = words.group(submission.stakeholder_group)
    shown = public_submitter(submission, words)
    if shown is None:
        return group
    if submission.kind == SubmissionKind.FORMAL:
        return shown
    return words.with_group % {"name": shown, "group": group}


def author_lines() -> Callable[[Submission], str]:
    """`author_line` for one page of a list: each label translated once for the page."""
    return functools.partial(author_line, words=Words())
