"""Markdown is rendered once, when a text is written, and pages print the stored HTML."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from sqlalchemy import select, text, update

from app import rendering
from app.auth import pages
from app.auth.models import Role
from app.committee import dispositions
from app.committee.models import Disposition
from app.consultation.models import Comment, ConsultationRound, Submission
from app.drafting.models import ClauseRevision
from app.errors import RecordFrozen
from app.text import markdown
from app.text.markdown import render_markdown

HOSTILE = (
    '<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="alert(3)">\n\n'
    '[y]( JAVASCRIPT:alert(4)) ![i](http://e.test/i.png) <a href="http://e.test">a</a>'
)


def _assert_safe(html: str) -> None:
    lowered = str(html).lower()
    assert (
        "<script" not in lowered
        and "<img" not in lowered
        and '<a href="http://e.test">' not in lowered
    )
    assert 'href="javascript' not in lowered and 'href=" javascript' not in lowered
    assert "&lt;script&gt;" in lowered


@pytest.fixture
def on_file(
    session, member, secretariat, make_standard, freeze, clause_of, edit, make_round, make_comment
):
    """A round with a hostile comment, its answer, and a clause whose text is Markdown."""
    standard = make_standard()
    edit(
        clause_of(standard, "1.2"), "The Entity **shall** report: see [the guide](https://e.test)."
    )
    round_ = make_round(freeze(standard, "d1"), number=1, closed=False)
    comment = make_comment(round_, clause_of(standard, "1.1"), body=HOSTILE)
    answer = dispositions.draft(
        session, member, comment, decision="accepted", response="*Agreed*: " + HOSTILE
    )
    pages.update_page(session, secretariat, "privacy", "Stored *privacy*.")
    session.flush()
    return standard, round_, comment, answer


def test_what_is_stored_is_what_the_renderer_gives(session, on_file):
    standard, round_, comment, answer = on_file
    checked = 0
    for entry in rendering.REGISTRY:
        model = entry.model
        for row in session.scalars(select(model)):
            for source, target in entry.pairs.items():
                stored = getattr(row, target)
                assert stored == render_markdown(getattr(row, source)), (model, row.id, source)
                assert type(stored).__html__  # read back as Markup: printed unescaped
                checked += 1
            assert row.rendered_with == markdown.RENDERER_VERSION
    assert checked >= 10
    assert (
        "<strong>shall</strong>"
        in session.scalars(
            select(ClauseRevision.body_html).where(ClauseRevision.body.contains("**shall**"))
        ).one()
    )
    assert answer.response_html.startswith("<p><em>Agreed</em>")


def test_hostile_markdown_is_stored_safe(session, on_file):
    _, _, comment, answer = on_file
    session.expire_all()
    _assert_safe(session.get(Comment, comment.id).body_html)
    _assert_safe(session.get(Disposition, answer.id).response_html)


def test_a_draft_comment_is_rendered_again_when_edited(session, make_user, on_file):
    from app.consultation import drafts

    _, round_, _, _ = on_file
    author = make_user()
    comment = drafts.add_comment(
        session, author, round_, clause_uid=None, comment_type="general", body="*one*"
    )
    assert comment.body_html == "<p><em>one</em></p>\n"
    comment.body = "**two**"
    comment.proposed_change = "`three`"
    session.flush()
    session.expire_all()
    again = session.get(Comment, comment.id)
    assert again.body_html == "<p><strong>two</strong></p>\n"
    assert again.proposed_change_html == "<p><code>three</code></p>\n"


def _refuse(source: str) -> str:
    raise AssertionError(f"Markdown rendered during a page view: {source[:40]!r}")


@pytest.fixture
def renderer_fails(monkeypatch):
    """Make every Markdown render raise (cached or not), as a page view must not render."""
    monkeypatch.setattr(markdown, "_render_cached", _refuse)


def test_pages_print_stored_html_and_never_render(
    client, auth, session, member, on_file, renderer_fails
):
    standard, round_, comment, answer = on_file
    public = [
        f"/consultations/{round_.id}",
        f"/standards/{standard.slug}",
        f"/standards/{standard.slug}/versions/d1",
        "/privacy",
    ]
    for path in public:
        response = client.get(path)
        assert response.status_code == 200, path
    page = client.get(f"/standards/{standard.slug}/versions/d1").get_data(as_text=True)
    assert "<strong>shall</strong>" in page
    assert "Stored <em>privacy</em>." in client.get("/privacy").get_data(as_text=True)
    auth.sign_in(member)
    committee = [
        f"/committee/rounds/{round_.id}",
        f"/committee/comments/{comment.id}",
        f"/committee/clauses/{comment.clause.uid}/comments",
        f"/clauses/{comment.clause.uid}",
        f"/consultations/{round_.id}/comment?clause={comment.clause.uid}",
        f"/consultations/{round_.id}/comments",
    ]
    for path in committee:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        if path.startswith("/committee/"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, path
        assert "<script>alert(1)" not in body


def test_rerender_refreshes_frozen_rows_and_nothing_else(session, runner, on_file, monkeypatch):
    _, round_, comment, answer = on_file
    revision = session.get(ClauseRevision, comment.revision_id)
    monkeypatch.setattr(rendering, "RENDERER_VERSION", markdown.RENDERER_VERSION + 1)
    monkeypatch.setattr(
        rendering, "render_markdown", lambda s: render_markdown(s) + Markup("<!--v2-->")
    )
    counts = rendering.rerender(session, batch=2)
    assert counts["comment"] >= 1 and counts["clause_revision"] >= 4
    assert rendering.rerender(session) == dict.fromkeys(counts, 0)
    session.expire_all()
    for model, row_id, column in (
        (Comment, comment.id, "body_html"),
        (Comment, comment.id, "proposed_change_html"),
        (Disposition, answer.id, "response_html"),
        (ClauseRevision, revision.id, "body_html"),
        (Submission, comment.submission_id, "cover_statement_html"),
        (ConsultationRound, round_.id, "summary_html"),
    ):
        row = session.get(model, row_id)
        assert getattr(row, column).endswith("<!--v2-->"), (model, column)
        assert row.rendered_with == markdown.RENDERER_VERSION + 1


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Comment, {"body_html": "<p>forged</p>"}),
        (Comment, {"body": "forged", "rendered_with": 9}),
        (ClauseRevision, {"body_html": "<p>forged</p>"}),
        (ClauseRevision, {"heading": "forged", "rendered_with": 9}),
        (Disposition, {"response_html": "<p>forged</p>", "rendered_with": 0}),
        (Submission, {"cover_statement_html": "<p>forged</p>"}),
    ],
)
def test_database_refuses_html_changes_without_a_newer_renderer(session, on_file, model, values):
    _, _, comment, answer = on_file
    row_id = {
        Comment: comment.id,
        ClauseRevision: comment.revision_id,
        Disposition: answer.id,
        Submission: comment.submission_id,
    }[model]
    with pytest.raises(RecordFrozen), session.begin_nested():
        session.execute(update(model).where(model.id == row_id).values(**values))


def test_database_allows_a_refresh_by_a_newer_renderer(session, on_file):
    _, _, comment, _ = on_file
    with session.begin_nested():
        session.execute(
            text(
                "UPDATE comment SET body_html = 'x', rendered_with = rendered_with + 1 "
                "WHERE id = :i"
            ),
            {"i": comment.id},
        )
    session.expire_all()
    assert session.get(Comment, comment.id).body_html == "x"


def test_rerender_command(runner):
    result = runner.invoke(args=["text", "rerender"])
    assert result.exit_code == 0, result.output
    assert "comment: " in result.output and f"version {markdown.RENDERER_VERSION}" in result.output


def test_service_written_page_text_is_stored_rendered(session, secretariat):
    row = pages.update_page(session, secretariat, "privacy", "We keep **little**.")
    assert row.body_html == "<p>We keep <strong>little</strong>.</p>\n"
    assert pages.page_html(session, "privacy") == row.body_html


def test_the_authors_pages_print_stored_html(
    client,
    auth,
    session,
    monkeypatch,
    make_user,
    make_standard,
    freeze,
    clause_of,
    make_round,
    make_submission,
):
    standard = make_standard()
    round_ = make_round(freeze(standard, "d1"), number=1, closed=False)
    author = make_user(Role.IPAF)  # a formal submission of the Forum has a cover statement
    (comment,) = make_submission(
        round_, [clause_of(standard, "1.1")], author=author, body="*Mine*", kind="formal"
    )
    receipt = session.get(Submission, comment.submission_id).receipt

    auth.sign_in(author)
    monkeypatch.setattr(markdown, "_render_cached", _refuse)
    assert client.get("/my/submissions").status_code == 200
    page = client.get(f"/submissions/{receipt}").get_data(as_text=True)
    assert "<em>Mine</em>" in page and "<p>The Forum's points.</p>" in page


def test_compare_of_frozen_versions_prints_stored_html_of_unchanged_clauses(
    client, make_standard, freeze, clause_of, edit, renderer_fails_later
):
    standard = make_standard()
    edit(clause_of(standard, "1.2"), "The Entity **shall** report.")
    freeze(standard, "d1")
    edit(clause_of(standard, "1.1"), "Changed.")
    freeze(standard, "d2")
    renderer_fails_later()
    page = client.get(f"/standards/{standard.slug}/compare?from=d1&to=d2&all=1")
    assert page.status_code == 200
    assert "<p>The Entity <strong>shall</strong> report.</p>" in page.get_data(as_text=True)


@pytest.fixture
def renderer_fails_later(monkeypatch):
    """Return a function that makes every Markdown render raise from then on."""
    return lambda: monkeypatch.setattr(markdown, "_render_cached", _refuse)
