"""Draft submissions and receipts: revising and removing draft comments, the submission's
details, submitting, the receipt, withdrawing and one's own submissions.

The routes are on the consultation blueprint (`app.consultation.views.bp`).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consultation import service
from app.consultation.forms import CommentForm, EmptyForm, SubmissionForm, WithdrawForm, choices
from app.consultation.models import COMMENT_TYPE_LABELS, SUBMISSION_KIND_LABELS, SubmissionStatus
from app.consultation.permissions import can_file_formal_submission
from app.consultation.views import (
    _clause_choices,
    _comment_form,
    _comment_values,
    _content_lang,
    _receipt_link,
    _receipt_page,
    bp,
)
from app.drafting.service import version_nodes
from app.errors import ValidationError
from app.extensions import db, public_write_limit
from app.forms import show_error

# --- draft comments -------------------------------------------------------------------


def _own_comment(round_id: int, comment_id: int):
    comment = service.get_comment(db.session, comment_id)
    if comment.submission.round_id != round_id or comment.submission.author_id != current_user.id:
        abort(404)
    return comment


@bp.route(
    "/consultations/<int:round_id>/submission/comments/<int:comment_id>/edit",
    methods=["GET", "POST"],
)
@public_write_limit
@login_required
def comment_edit(round_id: int, comment_id: int):
    comment = _own_comment(round_id, comment_id)
    round_ = comment.submission.round
    nodes = version_nodes(db.session, round_.version)
    if request.method == "GET":
        form = CommentForm(
            clause_uid=comment.clause.uid if comment.clause else "",
            comment_type=comment.comment_type,
            language=comment.language,
            body=comment.body,
            proposed_change=comment.proposed_change,
            anchor_exact=comment.anchor_exact or "",
            anchor_prefix=comment.anchor_prefix or "",
            anchor_suffix=comment.anchor_suffix or "",
            anchor_start=comment.anchor_start,
            anchor_end=comment.anchor_end,
        )
        form.clause_uid.choices = choices(_clause_choices(nodes), lang=_content_lang())
    else:
        form = _comment_form(nodes)
        if form.validate_on_submit():
            try:
                service.edit_comment(db.session, current_user, comment, **_comment_values(form))
            except ValidationError as exc:
                show_error(form, exc)
            else:
                flash(_("Comment revised."), "success")
                return redirect(url_for("consultation.submission", round_id=round_.id))
    clause = next((n for n in nodes if n.uid == form.clause_uid.data), None)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "consultation/comment_form.html", round=round_, form=form, clause=clause, comment=comment
    ), status


@bp.post("/consultations/<int:round_id>/submission/comments/<int:comment_id>/remove")
@public_write_limit
@login_required
def comment_remove(round_id: int, comment_id: int):
    comment = _own_comment(round_id, comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.remove_comment(db.session, current_user, comment)
    flash(_("Comment removed from your draft."), "success")
    return redirect(url_for("consultation.submission", round_id=round_id))


# --- the submission -------------------------------------------------------------------


def _submission_form(draft) -> SubmissionForm:
    if draft is not None:
        form = SubmissionForm(obj=draft)
    else:
        form = SubmissionForm(stakeholder_group=str(current_user.stakeholder_group or ""))
    form.set_kinds(can_file_formal_submission(current_user))
    return form


def _render_submission(round_, draft, form, status: int = 200):
    return render_template(
        "consultation/submission.html",
        round=round_,
        draft=draft,
        form=form,
        submit_form=EmptyForm(),
        type_labels=COMMENT_TYPE_LABELS,
        kind_labels=SUBMISSION_KIND_LABELS,
        author_line=service.author_line,
    ), status


@bp.get("/consultations/<int:round_id>/submission")
@login_required
def submission(round_id: int):
    round_ = service.get_round(db.session, round_id)
    draft = service.draft_for(db.session, current_user, round_)
    return _render_submission(round_, draft, _submission_form(draft))


@bp.post("/consultations/<int:round_id>/submission")
@public_write_limit
@login_required
def submission_details(round_id: int):
    round_ = service.get_round(db.session, round_id)
    form = _submission_form(None)
    draft = service.draft_for(db.session, current_user, round_)
    if form.validate_on_submit():
        details = service.SubmissionDetails(
            kind=form.kind.data,
            organisation=form.organisation.data or "",
            consent_publish_name=form.consent_publish_name.data,
            cover_statement=form.cover_statement.data or "",
            stakeholder_group=form.stakeholder_group.data or None,
        )
        try:
            draft = draft or service.start_submission(db.session, current_user, round_)
            service.update_submission(db.session, current_user, draft, details)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Draft saved. It is not sent until you submit it."), "success")
            return redirect(url_for("consultation.submission", round_id=round_id))
    return _render_submission(round_, draft, form, 422)


@bp.post("/consultations/<int:round_id>/submission/submit")
@public_write_limit
@login_required
def submit(round_id: int):
    round_ = service.get_round(db.session, round_id)
    draft = service.draft_for(db.session, current_user, round_)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if draft is None:
        service.require_open(round_)
        flash(_("You have no draft to submit in this round."), "error")
        return redirect(url_for("consultation.round_page", round_id=round_id))
    try:
        service.submit(db.session, current_user, draft, link_for=_receipt_link)
    except ValidationError as exc:
        form = _submission_form(draft)
        show_error(form, exc)
        return _render_submission(round_, draft, form, 422)
    flash(_("Submitted. Your receipt is %(receipt)s.", receipt=draft.receipt), "success")
    return redirect(url_for("consultation.receipt", receipt=draft.receipt))


@bp.get("/submissions/<receipt>")
@login_required
def receipt(receipt: str):
    return _receipt_page(service.get_by_receipt(db.session, current_user, receipt))


@bp.post("/submissions/<receipt>/withdraw")
@public_write_limit
@login_required
def withdraw(receipt: str):
    sub = service.get_by_receipt(db.session, current_user, receipt)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    service.withdraw(db.session, current_user, sub, reason=form.reason.data or "")
    flash(
        _(
            "Submission %(receipt)s is withdrawn. It stays on record but is no longer shown "
            "to the public.",
            receipt=receipt,
        ),
        "success",
    )
    return redirect(url_for("consultation.receipt", receipt=receipt))


@bp.get("/my/submissions")
@login_required
def my_submissions():
    from app.committee.models import DECISION_LABELS
    from app.committee.synopsis import responses_for_author

    return render_template(
        "consultation/my_submissions.html",
        submissions=service.my_submissions(db.session, current_user),
        kind_labels=SUBMISSION_KIND_LABELS,
        Status=SubmissionStatus,
        responses=responses_for_author(db.session, current_user),
        decision_labels=DECISION_LABELS,
    )
