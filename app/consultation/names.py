"""How a submitter is named in public: one rule for the record, the synopsis and the API.

The name appears only with the submitter's consent. Someone submitting for an
organisation is named with it; an individual is named alone, even if their
account gives an employer (they spoke for themselves). A formal submission is
the Forum's: it is always named as such, with the filer's name on consent.
"""

from __future__ import annotations

from flask_babel import gettext as _

from app.auth.models import STAKEHOLDER_LABELS, StakeholderGroup
from app.consultation.models import SUBMISSION_KIND_LABELS, Submission, SubmissionKind


def stakeholder_label(value: str) -> str:
    try:
        return str(STAKEHOLDER_LABELS[StakeholderGroup(value)])
    except ValueError:
        return value or _("Not stated")


def public_submitter(submission: Submission) -> str | None:
    """Return who the public may see behind a submission, or None when the name is withheld."""
    return public_name(
        submission.kind,
        consent=submission.consent_publish_name,
        name=submission.author.name,
        organisation=submission.organisation,
    )


def public_name(kind: str, *, consent: bool, name: str, organisation: str) -> str | None:
    """Name a submitter from plain column values (what `public_submitter` reads of a submission)."""
    if kind == SubmissionKind.FORMAL:
        forum = str(SUBMISSION_KIND_LABELS[SubmissionKind.FORMAL])
        if consent:
            return _("%(forum)s, filed by %(name)s", forum=forum, name=name)
        return forum
    if not consent:
        return None
    if kind == SubmissionKind.ORGANISATION and organisation:
        return _("%(name)s on behalf of %(org)s", name=name, org=organisation)
    return name


def author_line(submission: Submission) -> str:
    """Return the public author line: the public submitter and the stakeholder group."""
    group = stakeholder_label(submission.stakeholder_group)
    shown = public_submitter(submission)
    if shown is None:
        return group
    if submission.kind == SubmissionKind.FORMAL:
        return shown
    return _("%(name)s (%(group)s)", name=shown, group=group)
