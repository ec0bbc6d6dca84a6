"""Tell the author of a comment that the secretariat hid it from the public, or showed it again.

The mail goes through the outbox in the author's own language (their profile's,
else English); the receipt page shows the same decision and reason.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.consultation.models import Comment, Moderation
from app.mail import queue_mail


def tell_author(
    session: Session,
    comment: Comment,
    decision: Moderation,
    link_for: Callable[[str], str] | None = None,
) -> None:
    """Queue the mail that tells a comment's author about a moderation decision."""
    submission = comment.submission
    author = submission.author
    if author is None or not author.email:
        return
    with force_locale(author.language or "en"):
        values = {
            "name": author.name,
            "receipt": submission.receipt or "",
            "n": comment.ordinal,
            "title": submission.round.title,
            "reason": decision.reason,
        }
        if decision.hidden:
            subject = _("Your comment in %(receipt)s is hidden from the public", **values)
            body = _(
                "Hello %(name)s,\n\nThe secretariat has hidden comment %(n)d of your submission "
                '%(receipt)s ("%(title)s") from the public record.\n\nReason: %(reason)s\n\n'
                "It stays on record for the Standards Committee. Your receipt page shows the "
                "comment with this reason.\n",
                **values,
            )
        else:
            subject = _("Your comment in %(receipt)s is public again", **values)
            body = _(
                "Hello %(name)s,\n\nThe secretariat has shown comment %(n)d of your submission "
                '%(receipt)s ("%(title)s") in the public record again.\n\nReason: %(reason)s\n',
                **values,
            )
        if link_for is not None and submission.receipt:
            body += "\n" + link_for(submission.receipt) + "\n"
    queue_mail(session, to=author.email, subject=subject, body=body)
