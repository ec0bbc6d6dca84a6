"""Public consultation: rounds, the draft under consultation and commenting on it.

The consultation blueprint: submission_views (draft submissions, receipts) and record_views
(the public record, moderation) add their routes to it.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.consultation import iseal, public_record, service
from app.consultation.forms import (
    CommentForm,
    RoundForm,
    ScheduleForm,
    choices,
)
from app.consultation.models import (
    COMMENT_TYPE_LABELS,
    SUBMISSION_KIND_LABELS,
    RoundState,
    SubmissionStatus,
)
from app.consultation.moderation import moderation_of
from app.consultation.permissions import (
    can_change_round_schedule,
    can_open_round,
)
from app.database import begin_writing, reads_first, utcnow
from app.drafting.models import clause_kind_names
from app.drafting.service import version_nodes, version_reading
from app.errors import Conflict, ValidationError
from app.extensions import db, public_write_limit
from app.formatting import localize
from app.forms import show_error
from app.time_zones import zone_choices
from app.translation.service import AUTHORITATIVE
from app.web import request_now

bp = Blueprint("consultation", __name__)


def _content_lang() -> str | None:
    """Mark clause titles as English when the interface is in another language."""
    return AUTHORITATIVE if str(get_locale()) != AUTHORITATIVE else None


def _clause_choices(nodes) -> list[tuple[str, str]]:
    return [("", _("The whole draft"))] + [
        (n.uid, "\u2003" * n.depth + (n.title or n.uid)) for n in nodes
    ]


_URL_SAFE = re.compile(r"[A-Za-z0-9._~/-]*")


def _uids_in_url(nodes) -> dict[str, str]:
    """Each clause uid as a query value, as Jinja's `urlencode` writes it (600 of them:
    clause uids are letters, digits, '.', '-' and '_', which need no quoting)."""
    return {n.uid: n.uid if _URL_SAFE.fullmatch(n.uid) else quote(n.uid, safe="/") for n in nodes}


def _anchor_input(form: CommentForm) -> service.AnchorInput:
    def offset(field) -> int | None:
        try:
            return int(field.data) if field.data not in (None, "") else None
        except ValueError:
            return None

    if form.drop_anchor.data:
        return service.AnchorInput(passage=form.passage.data or "")
    return service.AnchorInput(
        exact=form.anchor_exact.data or "",
        prefix=form.anchor_prefix.data or "",
        suffix=form.anchor_suffix.data or "",
        start=offset(form.anchor_start),
        end=offset(form.anchor_end),
        passage=form.passage.data or "",
    )


def _comment_values(form: CommentForm) -> dict:
    return {
        "clause_uid": form.clause_uid.data or None,
        "comment_type": form.comment_type.data,
        "language": form.language.data or None,
        "body": form.body.data or "",
        "proposed_change": form.proposed_change.data or "",
        "anchor": _anchor_input(form),
    }


# --- rounds ---------------------------------------------------------------------------


@bp.get("/consultations")
def rounds():
    return render_template(
        "consultation/rounds.html", rounds=service.list_rounds(db.session), now=utcnow()
    )


def _round_form_choices(form: RoundForm) -> None:
    form.version.choices = choices(
        (f"{v.standard.slug}|{v.label}", f"{v.standard.title} · {v.label}")
        for v in service.frozen_versions(db.session)
    )
    form.timezone.choices = zone_choices(form.timezone.data)


def _aware(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    if value is None:
        return None
    aware = localize(value, zone)
    if aware is None:
        raise ValidationError(_("Choose a time zone from the list."), field="timezone")
    return aware


@bp.route("/consultations/new", methods=["GET", "POST"])
@login_required
def new_round():
    if not can_open_round(current_user):
        abort(403)
    form = RoundForm(timezone=current_user.timezone or "UTC")
    _round_form_choices(form)
    if form.validate_on_submit():
        slug, _sep, label = (form.version.data or "").partition("|")
        try:
            fields = service.clean_round(
                db.session,
                standard_slug=slug,
                version_label=label,
                title=form.title.data,
                summary=form.summary.data,
                number=form.number.data,
                opens_at=_aware(form.opens_at.data, form.timezone.data),
                closes_at=_aware(form.closes_at.data, form.timezone.data),
                visibility=form.visibility.data,
                audiences=form.audiences.data,
            )
            round_ = service.create_round(db.session, current_user, fields)
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Round %(n)d is set up.", n=round_.number), "success")
            for flag in iseal.round_flags(db.session, round_):
                flash(iseal.flag_message(flag), "warning")
            return redirect(url_for("consultation.round_page", round_id=round_.id))
    status = 422 if form.is_submitted() else 200
    return render_template("consultation/round_new.html", form=form), status


def _comment_form(nodes, clause_uid: str = "") -> CommentForm:
    form = CommentForm(clause_uid=clause_uid)
    if not form.is_submitted():
        form.language.data = str(get_locale())
    form.clause_uid.choices = choices(_clause_choices(nodes), lang=_content_lang())
    return form


# Where the round page puts its one comment form: under a clause, in "How to take part"
# (a comment on the whole draft), or at the end of the page.
WHOLE_DRAFT = ""  # ?comment_on= with no value


def _comment_place(nodes) -> str | None:
    """Return where ?comment_on= asks for the form: a clause uid, WHOLE_DRAFT, or None (the end)."""
    wanted = request.args.get("comment_on")
    if wanted is None:
        return None
    wanted = wanted.strip()
    if wanted == WHOLE_DRAFT or any(n.uid == wanted for n in nodes):
        return wanted
    return None


def _saved_notice(round_, nodes) -> dict | None:
    """Take the one-time 'comment saved' notice for this round: where to show it."""
    notice = session.get("comment_saved")
    if not isinstance(notice, dict) or notice.get("round") != round_.id:
        return None
    session.pop("comment_saved", None)
    clause = notice.get("clause") or WHOLE_DRAFT
    if clause != WHOLE_DRAFT and not any(n.uid == clause for n in nodes):
        clause = WHOLE_DRAFT
    return {"clause": clause}


@bp.get("/consultations/<int:round_id>")
def round_page(round_id: int):
    round_ = service.get_round(db.session, round_id)
    nodes = version_reading(db.session, round_.version)
    public = service.comments_public(round_)
    counts = public_record.public_comment_counts(db.session, round_) if public else {}
    draft = service.draft_for(db.session, current_user, round_)
    form = None
    place = None
    saved = None
    if current_user.is_authenticated and round_.state_at(request_now()) == RoundState.OPEN:
        place = _comment_place(nodes)
        form = _comment_form(nodes, place or request.args.get("clause", ""))
        form.return_to.data = "round"
        saved = _saved_notice(round_, nodes)
    return render_template(
        "consultation/round.html",
        round=round_,
        nodes=nodes,
        counts=counts,
        public=public,
        flags=[iseal.flag_message(f) for f in iseal.round_flags(db.session, round_)],
        time_left=service.time_left(round_, request_now()),
        changes=service.changes_of(db.session, round_),
        schedule_form=ScheduleForm() if can_change_round_schedule(current_user, round_) else None,
        draft=draft,
        form=form,
        # Translated once per page, not once per clause (600 clauses).
        kind_names=clause_kind_names(),
        uid_in_url=_uids_in_url(nodes),
        count_labels={
            n: ngettext("%(num)d comment", "%(num)d comments", n) for n in set(counts.values())
        },
        place=place,
        saved=saved,
        synopsis_published=round_.state_at(request_now()) == RoundState.CLOSED
        and _synopsis_published(round_),
    )


@bp.post("/consultations/<int:round_id>/schedule")
@login_required
def round_schedule(round_id: int):
    round_ = service.get_round(db.session, round_id)
    if not can_change_round_schedule(current_user, round_):
        abort(403)
    form = ScheduleForm()
    back = redirect(url_for("consultation.round_page", round_id=round_id) + "#schedule")
    if not form.validate_on_submit():
        flash(_("Choose the change and give the reason."), "error")
        return back
    try:
        if form.action.data == "extend":
            closes_at = _aware(form.closes_at.data, current_user.timezone or "UTC")
            service.extend_round(db.session, current_user, round_, closes_at, form.reason.data)
            flash(_("The round is extended; everyone who commented will be told."), "success")
        else:
            service.close_round_early(db.session, current_user, round_, form.reason.data)
            flash(_("The round is closed; everyone who commented will be told."), "success")
    except (ValidationError, Conflict) as exc:
        flash(exc.message, "error")
    return back


def _synopsis_published(round_) -> bool:
    # Views sit above every area: the committee's record of the round is linked here.
    from app.committee.comments import synopsis_publication

    return synopsis_publication(db.session, round_) is not None


# --- commenting -----------------------------------------------------------------------


@bp.route("/consultations/<int:round_id>/comment", methods=["GET", "POST"])
@reads_first  # a campaign's posts: SQLite's write lock for the writes only
@public_write_limit
@login_required
def comment_new(round_id: int):
    round_ = service.get_round(db.session, round_id)
    service.require_open(round_)
    # The clause list (600 entries on a large standard) is built only to show the form.
    form = CommentForm(clause_uid=request.args.get("clause", ""))
    if not form.is_submitted():
        form.language.data = str(get_locale())
    if form.validate_on_submit():
        try:
            if request.form.get("send_now"):
                sent = service.send_comment(
                    db.session,
                    current_user,
                    round_,
                    link_for=_receipt_link,
                    **_comment_values(form),
                )
            else:
                sent = None
                begin_writing(db.session)
                service.add_comment(db.session, current_user, round_, **_comment_values(form))
        except ValidationError as exc:
            show_error(form, exc)
        else:
            if sent is not None:
                # Accepted means committed; the receipt is rendered once the lock is free.
                db.session.commit()
                return _receipt_page(sent, status=201)
            if form.return_to.data == "round":
                # Back to the clause commented on, where the page confirms it (and says so).
                session["comment_saved"] = {
                    "round": round_.id,
                    "clause": form.clause_uid.data or WHOLE_DRAFT,
                }
                return redirect(
                    url_for("consultation.round_page", round_id=round_.id, _anchor="comment-saved")
                )
            flash(_saved_message(), "success")
            return redirect(url_for("consultation.submission", round_id=round_.id))
    nodes = version_nodes(db.session, round_.version)
    form.clause_uid.choices = choices(_clause_choices(nodes), lang=_content_lang())
    clause = next((n for n in nodes if n.uid == form.clause_uid.data), None)
    draft = service.draft_for(db.session, current_user, round_)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "consultation/comment_form.html",
        round=round_,
        form=form,
        clause=clause,
        comment=None,
        has_draft_comments=bool(draft and draft.comments),
    ), status


def _saved_message() -> str:
    return _(
        "Comment saved in your draft submission. It is not sent until you submit the submission."
    )


# The receipt: the one-step comment above, submitting and moderation (submission_views,
# record_views) all link to it or show it.


def _receipt_link(receipt: str) -> str:
    return url_for("consultation.receipt", receipt=receipt, _external=True)


def _receipt_page(sub, status: int = 200):
    # A submission written by this very request (one_step.SentSubmission) has no moderation yet.
    fresh = getattr(sub, "fresh", False)
    decisions = {} if fresh else moderation_of(db.session, [c.id for c in sub.comments])
    return render_template(
        "consultation/receipt.html",
        submission=sub,
        round=sub.round,
        type_labels=COMMENT_TYPE_LABELS,
        kind_labels=SUBMISSION_KIND_LABELS,
        author_line=service.author_line(sub),
        mine=sub.author_id == current_user.id,
        Status=SubmissionStatus,
        hidden={cid: m for cid, m in decisions.items() if m.hidden},
    ), status
