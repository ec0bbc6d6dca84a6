"""`flask standards publish` from the shell."""

from __future__ import annotations

from app.auth.permissions import SYSTEM
from app.drafting import service as drafting
from app.publishing import service as publishing


def test_cli_publishes_an_adopted_version(runner, session, make_standard, adopted, tmp_path):
    standard = make_standard()
    adopted(standard, "3.0-final")
    drafting.freeze(session, SYSTEM, standard, label="3.1-draft")
    session.commit()  # let the command's own session see them
    notes = tmp_path / "notes.md"
    notes.write_text("Adds *recycling* requirements.\n", encoding="utf-8")
    args = ["standards", "publish", standard.slug, "--number", "3.0", "--effective", "2027-03-01"]
    refused = runner.invoke(args=[*args, "--version", "3.1-draft"])
    assert refused.exit_code != 0 and "no adoption ballot on it has carried" in refused.output
    bad_date = runner.invoke(args=[*args[:-1], "1st March", "--version", "3.0-final"])
    assert bad_date.exit_code == 2 and "'--effective'" in bad_date.output
    result = runner.invoke(args=[*args, "--version", "3.0-final", "--notes", str(notes)])
    assert result.exit_code == 0, result.output
    assert f"/standards/{standard.slug}/3.0" in result.output
    session.expire_all()
    (publication,) = publishing.list_publications(session, standard)
    assert publication.number == "3.0" and publication.effective_on.isoformat() == "2027-03-01"
    assert "<em>recycling</em>" in publication.notes_html
    again = runner.invoke(args=[*args, "--version", "3.0-final"])
    assert again.exit_code != 0 and "already" in again.output
    unknown = runner.invoke(args=["standards", "publish", "nope", "--version", "x", *args[3:]])
    assert unknown.exit_code != 0 and "no standard called nope" in unknown.output
