from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import SelectChoice

from app.consultation import service as consultation
from app.drafting import editing, service
from app.drafting.forms import (
    ClauseAddForm,
    ClauseEditForm,
    ClauseMoveForm,
    DeleteForm,
    FreezeForm,
    SettingsForm,
    StandardForm,
)
from app.drafting.models import CLAUSE_KIND_LABELS, Clause
from app.drafting.permissions import (
    can_change_standard_settings,
    can_edit_draft,
    can_read_working_draft,
)
from app.errors import ValidationError
from app.extensions import db
from app.forms import show_error
from app.text.diffing import render_inline, render_side_by_side, word_diff

bp = Blueprint("drafting", __name__)


@bp.route("/standards", methods=["GET", "POST"])
def standards():
    form = StandardForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=request.path))
        if form.validate_on_submit():
            try:
                standard = service.create_standard(
                    db.session,
                    current_user,
                    slug=form.slug.data,
                    title=form.title.data,
                    summary=form.summary.data,
                    uid_prefix=form.uid_prefix.data,
                )
            except ValidationError as exc:
                show_error(form, exc)
            else:
                flash(_("Standard created. Add its first clauses to the working draft."), "success")
                return redirect(url_for("drafting.standard", slug=standard.slug))
        return render_template(
            "drafting/standards.html", form=form, standards=service.list_standards(db.session)
        ), 422
    return render_template(
        "drafting/standards.html", form=form, standards=service.list_standards(db.session)
    )


@bp.get("/standards/<slug>")
def standard(slug: str):
    std = service.get_standard(db.session, slug)
    versions = service.list_versions(db.session, std)
    return render_template(
        "drafting/standard.html",
        standard=std,
        versions=versions,
        rounds=consultation.list_rounds(db.session, standard=std),
        freeze_form=FreezeForm(),
        **_public_record(std),
    )


def _public_record(std) -> dict:
    """Publications, ballots and published synopses of a standard, for its page."""
    from app.committee.forms import OUTCOME_LABELS
    from app.publishing import history
    from app.publishing import service as publishing

    publications = publishing.list_publications(db.session, std)
    return {
        "synopses": history.synopsis_round_ids(db.session, std),
        "publications": publications,
        "in_force": publishing.in_force(publications),
        "ballots": history.ballots(db.session, std),
        "outcome_labels": OUTCOME_LABELS,
        "may_publish": publishing.can_publish(current_user, std),
        "publishable": publishing.publishable_versions(db.session, std),
    }


@bp.get("/standards/<slug>/versions/<label>")
def version(slug: str, label: str):
    std = service.get_standard(db.session, slug)
    ver, nodes = service.read_version(db.session, current_user, std, label)
    return render_template(
        "drafting/version.html",
        standard=std,
        version=ver,
        nodes=nodes,
        kind_labels=CLAUSE_KIND_LABELS,
        working=ver is None,
        **(_version_record(ver) if ver else {}),
    )


def _version_record(ver) -> dict:
    """The round open on a frozen draft, and the editions published from it."""
    from app.publishing import history
    from app.publishing import service as publishing

    return {
        "open_round": history.open_round_on(db.session, ver),
        "editions": publishing.editions_of(db.session, ver),
    }


@bp.post("/standards/<slug>/freeze")
@login_required
def freeze(slug: str):
    std = service.get_standard(db.session, slug)
    form = FreezeForm()
    if form.validate_on_submit():
        try:
            ver = service.freeze(
                db.session, current_user, std, label=form.label.data, note=form.note.data
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(
                _("Frozen as %(label)s. This version will never change.", label=ver.label),
                "success",
            )
            return redirect(url_for("drafting.version", slug=slug, label=ver.label))
    return render_template(
        "drafting/standard.html",
        standard=std,
        versions=service.list_versions(db.session, std),
        rounds=consultation.list_rounds(db.session, standard=std),
        freeze_form=form,
        **_public_record(std),
    ), 422


@bp.route("/standards/<slug>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str):
    std = service.get_standard(db.session, slug)
    if not can_change_standard_settings(current_user, std):
        abort(403)
    form = SettingsForm(
        min_round_days=str(std.iseal_min_round_days), min_rounds=str(std.iseal_min_rounds)
    )
    if form.validate_on_submit():
        try:
            service.update_iseal_rules(
                db.session,
                current_user,
                std,
                min_round_days=form.min_round_days.data,
                min_rounds=form.min_rounds.data,
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("drafting.standard", slug=slug))
    status = 422 if form.is_submitted() else 200
    return render_template("drafting/settings.html", standard=std, form=form), status


@bp.post("/standards/<slug>/renumber")
@login_required
def renumber(slug: str):
    std = service.get_standard(db.session, slug)
    if not DeleteForm().validate_on_submit():
        abort(400)
    changed = editing.renumber(db.session, current_user, std)
    flash(_("Renumbered %(n)d clauses.", n=changed), "success")
    return redirect(url_for("drafting.version", slug=slug, label=service.WORKING))


def _parent_choices(std):
    nodes = service.working_draft(db.session, std)
    return [SelectChoice("", _("(top level)"))] + [
        SelectChoice(n.uid, "\u2003" * n.depth + (n.revision.title or n.uid)) for n in nodes
    ]


@bp.route("/standards/<slug>/clauses/new", methods=["GET", "POST"])
@login_required
def add_clause(slug: str):
    std = service.get_standard(db.session, slug)
    if not can_edit_draft(current_user):
        abort(403)
    form = ClauseAddForm(parent=request.args.get("parent", ""))
    form.parent.choices = _parent_choices(std)
    if form.validate_on_submit():
        try:
            rev = editing.add_clause(
                db.session,
                current_user,
                std,
                **form.clause_values(),
                parent_uid=form.parent.data or None,
                index=(form.index.data - 1) if form.index.data else None,
                max_body=current_app.config["MAX_CLAUSE_BODY_CHARS"],
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Clause added."), "success")
            return redirect(url_for("drafting.clause", uid=rev.clause.uid))
    status = 422 if form.is_submitted() else 200
    return render_template("drafting/clause_add.html", standard=std, form=form), status


@bp.get("/clauses/<uid>")
def clause(uid: str):
    cl = service.get_clause(db.session, uid)
    if not can_read_working_draft(current_user):
        # The public reads clauses through frozen versions only.
        abort(404)
    history = service.clause_history(db.session, cl)
    return render_template(
        "drafting/clause.html",
        clause=cl,
        head=cl.head,
        history=history,
        kind_labels=CLAUSE_KIND_LABELS,
        delete_form=DeleteForm(),
    )


@bp.route("/clauses/<uid>/edit", methods=["GET", "POST"])
@login_required
def edit_clause(uid: str):
    cl = service.get_clause(db.session, uid)
    head = cl.head
    if not can_edit_draft(current_user):
        abort(403)
    if request.method == "GET":
        form = ClauseEditForm(
            kind=head.kind,
            number=head.number,
            heading=head.heading,
            body=head.body,
            based_on=str(head.id),
        )
        return render_template("drafting/clause_edit.html", clause=cl, head=head, form=form)
    form = ClauseEditForm()
    if form.validate_on_submit():
        try:
            result = editing.save_clause(
                db.session,
                current_user,
                cl,
                based_on_id=int(form.based_on.data),
                **form.clause_values(),
                max_body=current_app.config["MAX_CLAUSE_BODY_CHARS"],
            )
        except editing.EditConflict as conflict:
            form.based_on.data = str(conflict.head.id)
            theirs = word_diff(conflict.base.body, conflict.head.body)
            mine = word_diff(conflict.base.body, form.body.data or "")
            return render_template(
                "drafting/clause_edit.html",
                clause=cl,
                head=conflict.head,
                form=form,
                conflict=conflict,
                theirs_diff=render_inline(theirs),
                mine_diff=render_inline(mine),
            ), 409
        except ValidationError as exc:
            show_error(form, exc)
        except ValueError:
            abort(400)
        else:
            if result.unchanged:
                flash(_("Nothing changed, so no revision was written."), "info")
            elif result.merged:
                flash(
                    _(
                        "Someone else saved this clause while you were editing. Your changes "
                        "did not overlap theirs, so both were merged into revision %(n)d. "
                        "Check the result.",
                        n=result.revision.seq,
                    ),
                    "warning",
                )
            else:
                flash(_("Saved as revision %(n)d.", n=result.revision.seq), "success")
            return redirect(url_for("drafting.clause", uid=uid))
    return render_template("drafting/clause_edit.html", clause=cl, head=head, form=form), 422


@bp.route("/clauses/<uid>/move", methods=["GET", "POST"])
@login_required
def move_clause(uid: str):
    cl = service.get_clause(db.session, uid)
    if not can_edit_draft(current_user):
        abort(403)
    head = cl.head
    parent_uid = ""
    if head.parent_clause_id:
        parent_uid = db.session.scalar(select(Clause.uid).where(Clause.id == head.parent_clause_id))
    form = ClauseMoveForm(parent=parent_uid)
    form.parent.choices = [c for c in _parent_choices(cl.standard) if c.value != uid]
    if form.validate_on_submit():
        try:
            editing.move_clause(
                db.session,
                current_user,
                cl,
                parent_uid=form.parent.data or None,
                index=(form.index.data - 1) if form.index.data else None,
                message=form.message.data,
            )
        except ValidationError as exc:
            show_error(form, exc)
        else:
            flash(_("Clause moved. Renumber the draft if the numbers no longer follow."), "success")
            return redirect(url_for("drafting.clause", uid=uid))
    status = 422 if form.is_submitted() else 200
    return render_template("drafting/clause_move.html", clause=cl, head=head, form=form), status


@bp.post("/clauses/<uid>/delete")
@login_required
def delete_clause(uid: str):
    cl = service.get_clause(db.session, uid)
    form = DeleteForm()
    if not form.validate_on_submit():
        abort(400)
    slug = cl.standard.slug
    editing.delete_clause(db.session, current_user, cl, message=form.message.data)
    flash(_("Clause deleted from the working draft. Its history is kept."), "success")
    return redirect(url_for("drafting.version", slug=slug, label=service.WORKING))


@bp.get("/clauses/<uid>/compare")
def compare_revisions(uid: str):
    cl = service.get_clause(db.session, uid)
    if not can_read_working_draft(current_user):
        abort(404)
    history = service.clause_history(db.session, cl)
    try:
        a = int(request.args.get("a", history[-1].seq))
        b = int(request.args.get("b", history[0].seq))
    except ValueError:
        abort(400)
    old, new = service.get_revision(db.session, cl, a), service.get_revision(db.session, cl, b)
    body = word_diff(old.body, new.body)
    heading = word_diff(old.title, new.title)
    left, right = render_side_by_side(body)
    return render_template(
        "drafting/compare.html",
        clause=cl,
        old=old,
        new=new,
        history=history,
        inline=render_inline(body),
        left=left,
        right=right,
        heading_diff=render_inline(heading),
        mode=request.args.get("mode", "side"),
    )
