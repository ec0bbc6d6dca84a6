"""No input reaches a 5xx: every route, every form, hostile values, every role (issue 10 item 4).

Routes are enumerated from app.url_map, so a new route is fuzzed without
touching this file; form field names come from every FlaskForm in the app.
Path parameters are filled with hostile values (for every route) and with the
ids of real objects (so POST handlers get past their 404s and read the body).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import pkgutil
import re

import pytest
from flask_wtf import FlaskForm

import app as app_package
from app.auth.models import Role
from app.auth.permissions import SYSTEM
from app.committee import ballots
from app.consultation import service as consultation
from app.database import utcnow
from app.drafting import service as drafting
from tests.conftest import PASSWORD

DAY = dt.timedelta(days=1)
FORM_ENCODED = "application/x-www-form-urlencoded"

HOSTILE_INTS = ["99999999999999999999", "2147483648", "0"]
HOSTILE_STRINGS = ["x%00y", "%E2%80%AE%F0%9F%92%A5", "a" * 400, "%FF%FE"]
HOSTILE_VALUES = [
    "\x00",
    "ab\x00cd",
    "99999999999999999999",
    "-99999999999999999999",
    "2147483648",
    "9223372036854775808",
    "-1",
    "1e309",
    "NaN",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "",
    " \t\r\n",
    "\u202e\U0001f4a5\ufffe",
    "<script>alert(1)</script>",
    "[" * 3000 + "]" * 3000,
]
# Every role sends these; NUL, files and JSON are refused before any view runs, so
# one role (admin, who reaches most views) sends those.
UNIFORM_VALUES = ["99999999999999999999", "2147483648", "9999-12-31T23:59", ""]
QUERY_VALUES = ["99999999999999999999", "-5", "9999-12-31T23:59"]
QUERY_NAMES = [
    "page",
    "after",
    "before",
    "cursor",
    "limit",
    "type",
    "group",
    "clause",
    "state",
    "formal",
    "to",
    "from",
    "mode",
    "all",
    "against",
    "version",
    "q",
    "action",
    "object_type",
    "object_id",
    "next",
    "lang",
]
EXTRA_FIELDS = ["action", "comment_ids", "text"]
ROLES = {
    "anonymous": None,
    "commenter": (),
    "committee": (Role.COMMITTEE,),
    "secretariat": (Role.SECRETARIAT,),
    "admin": (Role.ADMIN,),
}


def _form_field_names() -> list[str]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name.endswith("forms"):
            importlib.import_module(module.name)
    names: set[str] = set(EXTRA_FIELDS)
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(
            name
            for name in dir(form)
            if not name.startswith("_") and hasattr(getattr(form, name), "field_class")
        )
    names.discard("csrf_token")
    return sorted(names)


@pytest.fixture
def world(session, make_user, make_standard):
    """One of everything a route may name, and a signed-up user for every role."""
    people = {role: make_user(*roles) for role, roles in ROLES.items() if roles is not None}
    voters = [people["committee"], make_user(Role.COMMITTEE)]
    standard = make_standard(clauses=2)
    version = drafting.freeze(session, SYSTEM, standard, label="fuzz-1")
    opens = utcnow() - DAY
    fields = consultation.clean_round(
        session,
        standard_slug=standard.slug,
        version_label=version.label,
        title="Fuzz round",
        summary="",
        opens_at=opens,
        closes_at=opens + 70 * DAY,
        visibility="live",
        number=None,
    )
    round_ = consultation.create_round(session, SYSTEM, fields)
    submitted = consultation.add_comment(
        session,
        voters[1],
        round_,
        clause_uid=None,
        body="Submitted.",
        comment_type="general",
        anchor=consultation.AnchorInput(passage=""),
    )
    consultation.submit(session, voters[1], submitted.submission)
    draft = consultation.add_comment(
        session,
        people["commenter"],
        round_,
        clause_uid=None,
        body="Draft.",
        comment_type="general",
        anchor=consultation.AnchorInput(passage=""),
    )
    ballot = ballots.open_ballot(
        session,
        people["secretariat"],
        version,
        question_kind="another-round",
        question="Adopt?",
        closes_at=utcnow() + DAY,
    )
    clause_uid = drafting.working_draft(session, standard)[-1].revision.clause.uid
    session.flush()
    real = {
        "round_id": str(round_.id),
        "comment_id": str(submitted.id),
        "ballot_id": str(ballot.id),
        "user_id": str(people["commenter"].id),
        "slug": standard.slug,
        "uid": clause_uid,
        "label": version.label,
        "receipt": submitted.submission.receipt,
        "token": "not-a-token",
        "filename": "css/site.css",
    }
    return {"people": people, "real": real, "draft_comment_id": str(draft.id)}


def _urls(rule, values_for) -> list[str]:
    """Build the rule's URL with each hostile value in turn in each of its parameters."""
    path = rule.rule
    params = re.findall(r"<(?:(\w+):)?(\w+)>", path)
    base = {name: values_for(name, None)[0] for _, name in params}
    urls = set()
    for converter, name in params:
        for value in values_for(name, converter):
            filled = dict(base, **{name: value})
            urls.add(re.sub(r"<(?:\w+:)?(\w+)>", lambda m, f=filled: f[m.group(1)], path))
    return sorted(urls) or [path]


def _sign_in(client, user):
    """Sign in as the next role. The hostile sign-in posts before it have locked this
    address for a few seconds (the throttle doubles its delay), so this one sign-in
    goes past the throttle: how fast the loop runs must not decide the outcome."""
    if user is None:
        return
    token = _token(client)
    config = client.application.config
    previous = config.get("SIGN_IN_THROTTLE_ENABLED", True)
    config["SIGN_IN_THROTTLE_ENABLED"] = False
    try:
        response = client.post(
            "/sign-in", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
    finally:
        config["SIGN_IN_THROTTLE_ENABLED"] = previous
    assert response.status_code == 302


def _token(client) -> str:
    page = client.get("/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def _bodies(fields: list[str], token: str, every_kind: bool):
    """Yield (note, request arguments): hostile values in every field, files, JSON."""
    for value in UNIFORM_VALUES:
        yield f"every field {value[:12]!r}", {"data": dict.fromkeys(fields, value)}
    for shift in range(0, len(HOSTILE_VALUES), 5):  # each field a different value
        data = {f: HOSTILE_VALUES[(i + shift) % len(HOSTILE_VALUES)] for i, f in enumerate(fields)}
        yield f"mixed values {shift}", {"data": data}
    yield "repeated values", {"data": {name: ["1", "2"] for name in fields}}
    raw = "&".join([*(f"{name}=%FF%FE%C0%AF" for name in fields), f"csrf_token={token}"])
    yield "invalid utf-8", {"data": raw.encode(), "content_type": FORM_ENCODED}
    if not every_kind:
        return
    yield "every field NUL", {"data": dict.fromkeys(fields, "a\x00b")}
    files = {name: (io.BytesIO(b"\x00\xff binary"), "x.bin") for name in fields}
    yield "file parts", {"data": files}
    for body in ([1, 2], "text", 3, {"text": {"a": [1]}}, {"text": "a\x00"}):
        yield f"json {body!r}", {"json": body}
    yield "json nested", {"data": b"[" * 100_000, "content_type": "application/json"}


def _refused(response) -> bool:
    """Tell whether the route turned this person away before reading the body."""
    location = response.headers.get("Location", "")
    return response.status_code in (401, 403) or "/sign-in" in location


def test_no_input_reaches_a_server_error(app, client, world):
    fields = _form_field_names()
    real = world["real"]
    failures: list[str] = []

    def send(role, method, url, note="", **kwargs):
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as exc:  # noqa: BLE001 - in production this is a 500
            failures.append(f"{role} {method} {url[:80]} {note}: {exc!r}"[:300])
            return None
        if response.status_code >= 500 and response.status_code != 503:
            failures.append(f"{role} {method} {url[:80]} {note}: {response.status_code}")
        return response

    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "auth.sign_out")]
    for role, roles in ROLES.items():
        _sign_in(client, world["people"].get(role) if roles is not None else None)
        token = _token(client)
        headers = {"X-CSRFToken": token}

        def real_values(name, converter, role=role):
            if name == "comment_id" and role == "commenter":
                return [world["draft_comment_id"]]
            return [real.get(name, "1")]

        for rule in rules:
            methods = rule.methods - {"HEAD", "OPTIONS"}
            url = _urls(rule, real_values)[0]
            if "GET" in methods:
                if role == "admin":  # who reaches most views
                    for hostile in _urls(rule, _hostile_path_values(real)):
                        send(role, "GET", hostile)
                probe = send(role, "GET", url)
                if probe is not None and not _refused(probe):
                    for value in QUERY_VALUES + (["a\x00b"] if role == "admin" else []):
                        query = dict.fromkeys(QUERY_NAMES, value)
                        send(role, "GET", url, f"query {value[:12]!r}", query_string=query)
            if "POST" in methods:
                probe = send(role, "POST", url, "probe", data={"csrf_token": token})
                if probe is None or (_refused(probe) and role != "admin"):
                    continue
                for note, kwargs in _bodies(fields, token, every_kind=role == "admin"):
                    if "data" in kwargs and isinstance(kwargs["data"], dict):
                        kwargs["data"] = kwargs["data"] | {"csrf_token": token}
                    send(role, "POST", url, note, headers=headers, **kwargs)
    assert not failures, "\n".join(failures[:60])


def _hostile_path_values(real):
    def values(name, converter):
        if converter is None:  # the other parameters of the URL: real objects
            return [real.get(name, "1")]
        return HOSTILE_INTS if converter == "int" else HOSTILE_STRINGS

    return values
