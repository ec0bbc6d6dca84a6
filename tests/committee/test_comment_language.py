"""The committee's round dashboard filters comments by the language they are written in."""

from __future__ import annotations

from app.consultation import drafts, submitting
from app.database import utcnow


def test_round_dashboard_filters_by_comment_language(
    client, auth, session, make_standard, freeze, make_round, make_user, member
):
    version = freeze(make_standard())
    round_ = make_round(version, closed=False)
    for language, body in [("fr", "Le délai est trop court."), ("en", "The deadline is short.")]:
        author = make_user()
        comment = drafts.add_comment(
            session, author, round_, body=body, language=language, now=utcnow()
        )
        submitting.submit(session, author, comment.submission, now=utcnow())
    session.commit()
    auth.sign_in(member)
    everything = client.get(f"/committee/rounds/{round_.id}").get_data(as_text=True)
    assert "Le délai est trop court." in everything and "The deadline is short." in everything
    assert '<option value="fr">French</option>' in everything
    french = client.get(f"/committee/rounds/{round_.id}?language=fr").get_data(as_text=True)
    assert '<span lang="fr">Le délai est trop court.</span>' in french
    assert "The deadline is short." not in french
