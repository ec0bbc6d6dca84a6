from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from app.auth import audit_log
from app.extensions import db
from app.request_guard import int_arg

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@login_required
def log():
    page = int_arg("page")
    events, total = audit_log.list_events(
        db.session,
        current_user,
        action=request.args.get("action") or None,
        object_type=request.args.get("object_type") or None,
        object_id=request.args.get("object_id") or None,
        page=page,
    )
    return render_template(
        "audit/log.html", events=events, total=total, page=page, per_page=50, args=request.args
    )
