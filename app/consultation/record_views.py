"""The public record of a round (its comments, filtered and paged) and moderating it.

The routes are on the consultation blueprint (`app.consultation.views.bp`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consultation import moderation, public_record, service
from app.consultation.forms import ModerationForm, stakeholder_choices
from app.consultation.models import COMMENT_TYPE_LABELS
from app.consultation.permissions import can_moderate, can_read_every_comment
from app.consultation.views import _clause_choices, _receipt_link, bp
from app.drafting.service import version_outline
from app.errors import ValidationError
from app.extensions import db
from app.forms import show_error

PER_PAGE = 100
RECORD_FILTERS = ("type", "group", "clause", "page")


def _record_args() -> dict[str, str]:
    """The record's filters and page in the current request, to come back to the same view."""
    args = {name: request.args.get(name, "").strip() for name in RECORD_FILTERS}
    if not args["page"].isdigit():
        args["page"] = ""
    return {name: value[:100] for name, value in args.items() if value}


def _record_page(
    round_,
    *,
    status: int = 200,
    moderation_form: ModerationForm | None = None,
    moderating: int | None = None,
):
    nodes = version_outline(db.session, round_.version)  # the clause filter: plain rows
    filters = public_record.CommentFilters(
        comment_type=request.args.get("type", ""),
        stakeholder_group=request.args.get("group", ""),
        clause_uid=request.args.get("clause", ""),
    )
    filter_choices = {
        "type": [("", _("All types"))] + [(str(k), str(v)) for k, v in COMMENT_TYPE_LABELS.items()],
        "group": stakeholder_choices(_("All groups")),
        "clause": [("", _("All clauses")), ("-", _("The whole draft"))]
        + _clause_choices(nodes)[1:],
    }
    page, total = public_record.record_page(
        db.session,
        current_user,
        round_,
        filters,
        after=request.args.get("after"),
        before=request.args.get("before"),
        limit=PER_PAGE,
        plain=True,  # the page reads plain values (record_rows), not ORM objects
    )
    may_moderate = can_moderate(current_user, round_)
    return render_template(
        "consultation/comments.html",
        round=round_,
        entries=page.items,
        total=total,
        page=page,
        choices=filter_choices,
        filters=filters,
        formal=public_record.formal_submissions(db.session, current_user, round_),
        public=service.comments_public(round_),
        staff=can_read_every_comment(current_user, round_),
        may_moderate=may_moderate,
        moderation_form=moderation_form or (ModerationForm() if may_moderate else None),
        moderating=moderating,
        record_args=_record_args(),
        # Translated once per page, not once per comment.
        type_labels={key: str(label) for key, label in COMMENT_TYPE_LABELS.items()},
        author_line=service.author_lines(),
    ), status


@bp.get("/consultations/<int:round_id>/comments")
def comments(round_id: int):
    return _record_page(service.get_round(db.session, round_id))


@bp.post("/consultations/<int:round_id>/comments/<int:comment_id>/moderate")
@login_required
def moderate(round_id: int, comment_id: int):
    round_ = service.get_round(db.session, round_id)
    comment = service.get_comment(db.session, comment_id)
    if comment.submission.round_id != round_.id:
        abort(404)
    form = ModerationForm()
    if not form.validate_on_submit():
        abort(400)
    hide = form.action.data != "show"
    try:
        moderation.moderate(
            db.session,
            current_user,
            comment,
            hidden=hide,
            reason=form.reason.data or "",
            link_for=_receipt_link,
        )
    except ValidationError as exc:
        show_error(form, exc)
        return _record_page(round_, status=422, moderation_form=form, moderating=comment.id)
    flash(_("Comment hidden from the public.") if hide else _("Comment shown again."), "success")
    # Back to the same filtered page (url_for of known keys only: never a URL from the request).
    return redirect(
        url_for(
            "consultation.comments",
            round_id=round_id,
            **_record_args(),
            _anchor=f"comment-{comment.id}",
        )
    )
