"""Committee workspace pages: diffs, round dashboards, comments, dispositions, synopses."""

from __future__ import annotations

import functools

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from wtforms import SelectChoice

from app.auth.models import STAKEHOLDER_LABELS
from app.committee import service
from app.committee.ballot_views import bp as ballots_bp
from app.committee.forms import AgreeForm, DispositionForm, DuplicatesForm, MeetingForm, ReviseForm
from app.committee.models import DECISION_LABELS
from app.committee.permissions import can_use_workspace
from app.consultation.models import COMMENT_TYPE_LABELS
from app.consultation.names import Words, public_submitter
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting
from app.drafting.models import CLAUSE_KIND_LABELS
from app.drafting.permissions import can_read_working_draft
from app.errors import Conflict, ValidationError
from app.extensions import db
from app.forms import show_error
from app.i18n.names import language_name

bp = Blueprint("committee", __name__)
bp.register_blueprint(ballots_bp)
LABELS = {"decisions": DECISION_LABELS, "types": COMMENT_TYPE_LABELS, "groups": STAKEHOLDER_LABELS}


def _labels_now() -> dict[str, dict[str, str]]:
    """The labels translated once for this request (a page of rows reads each many times)."""
    return {kind: {k: str(v) for k, v in labels.items()} for kind, labels in LABELS.items()}


def _staff_only() -> None:
    if not can_use_workspace(current_user):
        abort(403)


# --- diffs ----------------------------------------------------------------------


@bp.get("/standards/<slug>/compare")
def compare(slug: str):
    standard = drafting.get_standard(db.session, slug)
    versions = drafting.list_versions(db.session, standard)
    staff = can_read_working_draft(current_user, standard)
    labels = ([drafting.WORKING] if staff else []) + [v.label for v in versions]
    new_label = request.args.get("to") or (labels[0] if labels else "")
    old_label = request.args.get("from") or service.previous_label(versions, new_label) or ""
    mode = "inline" if request.args.get("mode") == "inline" else "side"
    show_all = request.args.get("all") == "1"
    result = None
    if old_label and new_label:
        for label in (old_label, new_label):
            if label not in labels:
                abort(404)
        result = service.compare(db.session, current_user, standard, old_label, new_label)
    return render_template(
        "committee/compare.html",
        standard=standard,
        labels=labels,
        old_label=old_label,
        new_label=new_label,
        mode=mode,
        show_all=show_all,
        diff=result,
        kind_labels=CLAUSE_KIND_LABELS,
    )


# --- dashboards -----------------------------------------------------------------


@bp.get("/committee")
@login_required
def dashboard():
    _staff_only()
    rounds = service.all_rounds(db.session)
    progress = service.progress_by_round(db.session, [r.id for r in rounds])
    published = service.published_round_ids(db.session)
    items = [(r, progress[r.id], r.id in published) for r in rounds]
    ballots = service.list_ballots(db.session, limit=5)
    return render_template("committee/dashboard.html", items=items, ballots=ballots)


def _row_filters(round_id: int) -> service.RowFilters:
    query = request.args.get("q", "").strip()[:300]
    comment_ids = None
    if query:  # search: this round's comments that match (the engine's best 250)
        from app.search.service import round_comment_ids

        # 250: the ids go into the page's and the count's statements as bind parameters,
        # which stay under a few hundred (tests/test_volume.py's guard).
        ids, _total = round_comment_ids(db.session, current_user, round_id, query, limit=250)
        comment_ids = tuple(ids)
    return service.RowFilters(
        clause=request.args.get("clause", "").strip()[:40],
        comment_type=request.args.get("type", "")[:40],
        group=request.args.get("group", "")[:40],
        state=request.args.get("state", "")[:20],
        formal=request.args.get("formal") == "1",
        language=request.args.get("language", "")[:20],
        q=query,
        comment_ids=comment_ids,
    )


@bp.get("/committee/rounds/<int:round_id>")
@login_required
def round_dashboard(round_id: int):
    _staff_only()
    round_ = service.get_round(db.session, round_id)
    filters = _row_filters(round_.id)
    progress = service.round_progress(db.session, round_, breakdown=True)
    page = service.round_page(
        db.session,
        round_,
        filters,
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    total = service.count_matching(db.session, round_, filters) if filters.any else progress.total
    return render_template(
        "committee/round.html",
        round=round_,
        rows=page.items,
        page=page,
        total=total,
        progress=progress,
        filters=filters,
        labels=_labels_now(),
        comment_languages=service.comment_languages(db.session, round_),
        publication=service.synopsis_publication(db.session, round_),
        duplicates_form=DuplicatesForm(),
        meeting_form=MeetingForm(),
        clause_titles=service.clause_titles(db.session, round_.version_id),
    )


@bp.post("/committee/rounds/<int:round_id>/duplicates")
@login_required
def answer_duplicates(round_id: int):
    _staff_only()
    round_ = service.get_round(db.session, round_id)
    form = DuplicatesForm()
    if not form.validate_on_submit():
        flash(_("Give the number of the comment they duplicate and a response."), "error")
        return redirect(url_for("committee.round_dashboard", round_id=round_id))
    try:
        ids = [int(i) for i in request.form.getlist("comment_ids")]
    except ValueError:
        abort(400)
    chosen = service.chosen_comments(db.session, round_, ids)
    try:
        original = service.get_comment(db.session, form.original.data)
        rows = service.answer_duplicates(
            db.session, current_user, original, chosen, response=form.response.data
        )
    except ValidationError as exc:
        flash(exc.message, "error")
        return redirect(url_for("committee.round_dashboard", round_id=round_id))
    flash(
        _("%(n)d comments answered as duplicates of comment %(id)d.", n=len(rows), id=original.id),
        "success",
    )
    return redirect(url_for("committee.round_dashboard", round_id=round_id))


@bp.post("/committee/rounds/<int:round_id>/agreements")
@login_required
def agree_at_meeting(round_id: int):
    _staff_only()
    round_ = service.get_round(db.session, round_id)
    form = MeetingForm()
    back = redirect(url_for("committee.round_dashboard", round_id=round_id))
    if not form.validate_on_submit():
        flash(_("Give the date of the meeting and the reference of its minutes."), "error")
        return back
    try:
        ids = [int(i) for i in request.form.getlist("comment_ids")]
    except ValueError:
        abort(400)
    try:
        chosen = [
            c
            for c in service.selected_comments(db.session, ids)
            if c.submission.round_id == round_.id
        ]
        meeting = service.check_meeting(form.meeting_on.data, form.minutes_ref.data, now=utcnow())
        rows = service.agree_at_meeting(db.session, current_user, chosen, meeting)
    except (ValidationError, Conflict) as exc:
        flash(exc.message, "error")
        return back
    flash(
        _(
            "%(n)d dispositions recorded as agreed at the committee meeting of %(date)s.",
            n=len(rows),
            date=format_date(meeting.held_on),
        ),
        "success",
    )
    return back


# --- one comment ------------------------------------------------------------------


def _against(comment, versions):
    """Pick the text to re-anchor against: the asked label, else the newest text."""
    label = request.args.get("against")
    if not label:
        newest = versions[0] if versions else None
        own = comment.submission.round.version
        label = newest.label if newest and newest.id != own.id else drafting.WORKING
    return label


def _comment_page(comment, form, status=200):
    standard = comment.submission.round.standard
    versions = drafting.list_versions(db.session, standard)
    label = _against(comment, versions)
    _version, nodes = drafting.read_version(db.session, current_user, standard, label)
    placement = service.Locator(nodes).place(comment)
    revisions = service.revisions_after(db.session, comment)
    form.addressed_by.choices = [SelectChoice("", _("(none)"))] + [
        SelectChoice(str(r.id), f"r{r.seq} · {r.title} · {r.message}") for r in revisions
    ]
    current = service.history(db.session, comment)
    return render_template(
        "committee/comment.html",
        comment=comment,
        form=form,
        agree_form=AgreeForm(),
        history=current,
        disposition=current[0] if current else None,
        placement=placement,
        against=label,
        labels=[drafting.WORKING] + [v.label for v in versions],
        publication=service.synopsis_publication(db.session, comment.submission.round),
        format_date=format_date,
        label_of=service.comment_label,
        decision_labels=DECISION_LABELS,
        type_labels=COMMENT_TYPE_LABELS,
        group_labels=STAKEHOLDER_LABELS,
    ), status


@bp.get("/committee/comments/<int:comment_id>")
@login_required
def comment_page(comment_id: int):
    _staff_only()
    comment = service.get_comment(db.session, comment_id)
    current = service.history(db.session, comment)
    latest = current[0] if current else None
    form = DispositionForm(
        decision=str(latest.decision) if latest else None,
        response=latest.response if latest else "",
        duplicate_of=latest.duplicate_of_id if latest else None,
        addressed_by=str(latest.addressed_by_revision_id or "") if latest else "",
    )
    return _comment_page(comment, form)


@bp.post("/committee/comments/<int:comment_id>")
@login_required
def draft_disposition(comment_id: int):
    _staff_only()
    comment = service.get_comment(db.session, comment_id)
    form = DispositionForm()
    if form.validate_on_submit():
        try:
            service.draft(
                db.session,
                current_user,
                comment,
                decision=form.decision.data,
                response=form.response.data,
                duplicate_of_id=form.duplicate_of.data,
                addressed_by_revision_id=int(form.addressed_by.data or 0) or None,
            )
        except ValidationError as exc:
            show_error(form, exc)
        except ValueError:
            abort(400)
        else:
            flash(
                _("Disposition saved as a draft. Mark it agreed when the committee has agreed it."),
                "success",
            )
            return redirect(url_for("committee.comment_page", comment_id=comment_id))
    return _comment_page(comment, form, 422)


@bp.post("/committee/comments/<int:comment_id>/agree")
@login_required
def agree_disposition(comment_id: int):
    _staff_only()
    comment = service.get_comment(db.session, comment_id)
    if not AgreeForm().validate_on_submit():
        abort(400)
    service.agree(db.session, current_user, comment)
    flash(_("Disposition marked agreed."), "success")
    return redirect(url_for("committee.comment_page", comment_id=comment_id))


@bp.route("/committee/comments/<int:comment_id>/revise", methods=["GET", "POST"])
@login_required
def revise(comment_id: int):
    _staff_only()
    comment = service.get_comment(db.session, comment_id)
    if comment.clause_id is None:
        abort(404)
    clause = comment.clause
    head = clause.head
    if head is None or head.deleted:
        flash(_("The clause has been deleted from the working draft."), "error")
        return redirect(url_for("committee.comment_page", comment_id=comment_id))
    latest = service.history(db.session, comment)
    latest = latest[0] if latest else None
    if request.method == "GET":
        form = ReviseForm(
            kind=head.kind,
            number=head.number,
            heading=head.heading,
            body=head.body,
            based_on=str(head.id),
            decision=str(latest.decision) if latest else "accepted",
            response=latest.response if latest else "",
        )
        return render_template(
            "committee/revise.html",
            comment=comment,
            clause=clause,
            head=head,
            form=form,
            label_of=service.comment_label,
        )
    form = ReviseForm()
    status = 422
    if form.validate_on_submit():
        try:
            result, _row = service.revise_and_answer(
                db.session,
                current_user,
                comment,
                based_on_id=int(form.based_on.data),
                **form.clause_values(),
                decision=form.decision.data,
                response=form.response.data,
                max_body=current_app.config["MAX_CLAUSE_BODY_CHARS"],
            )
        except editing.EditConflict as conflict:
            form.based_on.data = str(conflict.head.id)
            flash(conflict.message, "error")
            head, status = conflict.head, 409
        except ValidationError as exc:
            show_error(form, exc)
        except ValueError:
            abort(400)
        else:
            flash(
                _(
                    "Saved revision %(n)d of the clause and linked it to the disposition.",
                    n=result.revision.seq,
                ),
                "success",
            )
            return redirect(url_for("committee.comment_page", comment_id=comment_id))
    return render_template(
        "committee/revise.html",
        comment=comment,
        clause=clause,
        head=head,
        form=form,
        label_of=service.comment_label,
    ), status


@bp.get("/committee/clauses/<uid>/comments")
@login_required
def clause_comments(uid: str):
    _staff_only()
    clause = drafting.get_clause(db.session, uid)
    after, before = request.args.get("after"), request.args.get("before")
    page = service.clause_comments(db.session, current_user, clause, after=after, before=before)
    rows = page.items
    nodes = drafting.working_draft(db.session, clause.standard)
    locator = service.Locator(nodes)
    placements = locator.place_all(row.comment for row in rows)
    # Comments that arrived from other clauses are listed under the first page.
    first_page = not (after or before)
    arrivals = (
        service.comments_moved_here(db.session, current_user, clause, nodes) if first_page else []
    )
    by_round: dict[int, list] = {}
    for row in rows:
        by_round.setdefault(row.comment.submission.round_id, []).append(row)
    return render_template(
        "committee/clause_comments.html",
        clause=clause,
        head=clause.head,
        by_round=by_round,
        page=page,
        placements=placements,
        arrivals=arrivals,
        total=service.count_clause_comments(db.session, clause),
        label_of=service.comment_label,
        decision_labels=DECISION_LABELS,
        type_labels=COMMENT_TYPE_LABELS,
    )


# --- synopsis --------------------------------------------------------------------


@bp.get("/consultations/<int:round_id>/synopsis")
def synopsis(round_id: int):
    round_ = service.get_round(db.session, round_id)
    result = service.build_synopsis(
        db.session,
        round_,
        public=True,
        after=request.args.get("after"),
        before=request.args.get("before"),
        with_progress=False,  # counted below only while unpublished (what the page shows)
        plain=True,  # the page reads plain values (synopsis_rows), not ORM objects
    )
    blockers = (
        []
        if result.published
        else service.publish_blockers(db.session, round_, progress=result.progress)
    )
    return render_template(
        "committee/synopsis.html",
        round=round_,
        synopsis=result,
        blockers=blockers,
        publish_form=AgreeForm(),
        # A page names 100 submitters and labels 100 answers: each label is translated
        # once for the page, not once per entry.
        public_submitter=functools.partial(public_submitter, words=Words()),
        label_of=service.comment_label,
        decision_labels={key: str(label) for key, label in DECISION_LABELS.items()},
        group_labels={key: str(label) for key, label in STAKEHOLDER_LABELS.items()},
        type_labels={key: str(label) for key, label in COMMENT_TYPE_LABELS.items()},
        written=_written_in({row.comment.language for row in result.entries}),
    )


def _written_in(languages: set[str]) -> dict[str, Markup]:
    """ "Written in …" for each language of a page's comments, translated once for the page
    (as the template's `_()` would: the translation is markup, the name is escaped)."""
    locale = str(get_locale())
    # The translation is trusted text, as in templates; `%` escapes the language name.
    written = Markup(_("Written in %(lang)s."))  # noqa: S704
    return {code: written % {"lang": language_name(code, locale, False)} for code in languages}


@bp.post("/consultations/<int:round_id>/synopsis/publish")
@login_required
def publish_synopsis(round_id: int):
    round_ = service.get_round(db.session, round_id)
    if not AgreeForm().validate_on_submit():
        abort(400)
    service.publish_synopsis(db.session, current_user, round_)
    flash(_("The synopsis is published. Submitters are being told by mail."), "success")
    return redirect(url_for("committee.synopsis", round_id=round_id))
