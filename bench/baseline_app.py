"""The app under benchmark, plus the baselines bench/run compares it with.

`/bench/insert` is a bare Flask route doing one INSERT of a comment-sized row
(no session, no form, no template): the ceiling for intake on this machine.
Pages are compared with `/healthz`. Served by gunicorn as bench.baseline_app:app.
"""

from __future__ import annotations

import datetime as dt

from flask import request
from sqlalchemy import text

from app import create_app
from app.extensions import csrf, db

app = create_app()

with app.app_context(), db.engine.begin() as connection:
    connection.execute(
        text(
            "CREATE TABLE IF NOT EXISTS bench_baseline "
            "(id INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)"
            if db.engine.dialect.name == "sqlite"
            else "CREATE TABLE IF NOT EXISTS bench_baseline "
            "(id SERIAL PRIMARY KEY, body TEXT NOT NULL, created_at VARCHAR(40) NOT NULL)"
        )
    )


@app.post("/bench/insert")
@csrf.exempt
def bench_insert():
    body = request.form.get("body", "")
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO bench_baseline (body, created_at) VALUES (:body, :at)"),
            {"body": body, "at": dt.datetime.now(dt.UTC).isoformat()},
        )
    return "", 201
