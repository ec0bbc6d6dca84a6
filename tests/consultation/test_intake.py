"""Submissions: drafts, the closing time, receipts, immutability, consent, IPAF, withdrawal."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.consultation import public_record, service
from app.consultation.models import Comment, SubmissionStatus
from app.errors import Conflict, Gone, PermissionDenied, ValidationError
from app.jobs.models import Job

SECOND = dt.timedelta(seconds=1)


def _details(**values):
    return service.SubmissionDetails(**values)


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-SECOND, True), (dt.timedelta(0), False), (SECOND, False)]
)
def test_comments_are_taken_until_one_second_before_closing(
    session, make_round, commenter, offset, accepted
):
    round_ = make_round()
    now = round_.closes_at + offset
    if accepted:
        comment = service.add_comment(session, commenter, round_, body="Just in time.", now=now)
        service.submit(session, commenter, comment.submission, now=now)
        assert comment.submission.status == SubmissionStatus.SUBMITTED
    else:
        with pytest.raises(Gone) as error:
            service.add_comment(session, commenter, round_, body="Too late.", now=now)
        assert "closed" in error.value.message


def test_a_draft_cannot_be_submitted_after_closing_and_stays_with_its_author(
    session, make_round, commenter, member
):
    round_ = make_round()
    comment = service.add_comment(
        session, commenter, round_, body="Draft.", now=round_.closes_at - SECOND
    )
    with pytest.raises(Gone):
        service.submit(session, commenter, comment.submission, now=round_.closes_at + SECOND)
    with pytest.raises(Gone):
        service.update_submission(
            session,
            commenter,
            comment.submission,
            _details(consent_publish_name=True),
            now=round_.closes_at + SECOND,
        )
    assert comment.submission.status == SubmissionStatus.DRAFT
    assert service.my_submissions(session, commenter) == [comment.submission]
    entries, total = public_record.record_comments(session, member, round_)
    assert (entries, total) == ([], 0)


def test_comments_are_refused_before_the_round_opens(session, make_round, commenter):
    round_ = make_round(opened=-dt.timedelta(days=2))
    with pytest.raises(Gone) as error:
        service.add_comment(session, commenter, round_, body="Early.")
    assert "opens on" in error.value.message


def test_submit_gives_sequential_receipts_and_queues_the_acknowledgement(
    session, make_round, commenter, make_user
):
    round_ = make_round()
    first = service.add_comment(session, commenter, round_, body="One.").submission
    service.submit(session, commenter, first, link_for=lambda r: f"https://x.test/{r}")
    other = make_user()
    second = service.add_comment(session, other, round_, body="Two.").submission
    service.submit(session, other, second)
    assert first.receipt == f"{round_.standard.uid_prefix}-R{round_.number}-0001"
    assert second.receipt == f"{round_.standard.uid_prefix}-R{round_.number}-0002"
    session.refresh(round_)
    assert round_.receipt_counter == 2
    mail = session.scalars(select(Job).where(Job.kind == "mail")).all()
    assert [job.payload["to"] for job in mail] == [commenter.email, other.email]
    assert first.receipt in mail[0].payload["body"]
    assert f"https://x.test/{first.receipt}" in mail[0].payload["body"]
    assert all(job.done_at is None for job in mail)  # sent after commit, not inside submit


def test_submitted_submission_and_its_comments_never_change(session, make_round, commenter):
    round_ = make_round()
    comment = service.add_comment(session, commenter, round_, body="Original.")
    submission = comment.submission
    service.submit(session, commenter, submission)
    with pytest.raises(Conflict):
        service.update_submission(
            session, commenter, submission, _details(consent_publish_name=True)
        )
    with pytest.raises(Conflict):
        service.edit_comment(session, commenter, comment, body="Changed.")
    with pytest.raises(Conflict):
        service.remove_comment(session, commenter, comment)
    with pytest.raises(Conflict):
        service.submit(session, commenter, submission)
    comment.body = "Changed behind the service's back."
    with pytest.raises(Conflict):
        session.flush()
    session.refresh(comment)
    assert comment.body == "Original."
    assert session.scalar(select(Comment.body).where(Comment.id == comment.id)) == "Original."


def test_submitted_submission_fields_are_guarded_below_the_service(session, make_round, commenter):
    round_ = make_round()
    submission = service.add_comment(session, commenter, round_, body="Original.").submission
    submission.consent_publish_name = True  # still a draft: allowed
    session.flush()
    service.submit(session, commenter, submission)
    session.flush()
    submission.receipt = "FORGED-0001"
    with pytest.raises(Conflict, match="Submission.receipt cannot be changed"):
        session.flush()


def test_another_comment_after_submitting_starts_a_new_draft(session, make_round, commenter):
    round_ = make_round()
    first = service.add_comment(session, commenter, round_, body="One.")
    service.submit(session, commenter, first.submission)
    second = service.add_comment(session, commenter, round_, body="Two.")
    assert second.submission_id != first.submission_id
    assert second.submission.status == SubmissionStatus.DRAFT
    assert len(first.submission.comments) == 1


def test_draft_comments_can_be_revised_and_removed(session, make_round, commenter, uid_of):
    round_ = make_round()
    comment = service.add_comment(session, commenter, round_, body="First go.")
    extra = service.add_comment(session, commenter, round_, body="Second.")
    revised = service.edit_comment(
        session,
        commenter,
        comment,
        clause_uid=uid_of(round_, "1.2"),
        comment_type="editorial",
        body="Better.",
        anchor=service.AnchorInput(passage="topic 2"),
    )
    assert (revised.body, revised.comment_type, revised.anchor_exact) == (
        "Better.",
        "editorial",
        "topic 2",
    )
    service.remove_comment(session, commenter, extra)
    draft = service.draft_for(session, commenter, round_)
    assert [c.body for c in draft.comments] == ["Better."]


def test_only_the_author_changes_a_draft(session, make_round, commenter, make_user):
    round_ = make_round()
    comment = service.add_comment(session, commenter, round_, body="Mine.")
    intruder = make_user()
    with pytest.raises(PermissionDenied):
        service.edit_comment(session, intruder, comment, body="Yours now.")
    with pytest.raises(PermissionDenied):
        service.submit(session, intruder, comment.submission)


def test_empty_submission_is_refused(session, make_round, commenter):
    round_ = make_round()
    draft = service.start_submission(session, commenter, round_)
    with pytest.raises(ValidationError):
        service.submit(session, commenter, draft)


def test_organisation_submission_needs_the_organisation(session, make_round, make_user):
    round_ = make_round()
    user = make_user()
    draft = service.add_comment(session, user, round_, body="x").submission
    service.update_submission(session, user, draft, _details(kind="organisation"))
    with pytest.raises(ValidationError) as error:
        service.submit(session, user, draft)
    assert error.value.field == "organisation"


def test_formal_submission_is_for_ipaf_members_only(session, make_round, commenter, uid_of):
    round_ = make_round()
    draft = service.add_comment(
        session, commenter, round_, body="x", clause_uid=uid_of(round_, "1.1")
    ).submission
    with pytest.raises(PermissionDenied):
        service.update_submission(session, commenter, draft, _details(kind="formal"))
    assert draft.kind == "individual"


def test_formal_submission_needs_a_cover_statement_and_clause_points(
    session, make_round, ipaf_member, uid_of
):
    round_ = make_round()
    general = service.add_comment(session, ipaf_member, round_, body="On everything.")
    draft = general.submission
    service.update_submission(session, ipaf_member, draft, _details(kind="formal"))
    with pytest.raises(ValidationError) as error:
        service.submit(session, ipaf_member, draft)
    assert error.value.field == "cover_statement"
    service.update_submission(
        session, ipaf_member, draft, _details(kind="formal", cover_statement="The Forum says.")
    )
    with pytest.raises(ValidationError) as error:
        service.submit(session, ipaf_member, draft)
    assert "must be on a clause" in error.value.message
    service.remove_comment(session, ipaf_member, general)
    for number, passage in (("1.1", "topic 1"), ("1.2", "every year")):
        service.add_comment(
            session,
            ipaf_member,
            round_,
            clause_uid=uid_of(round_, number),
            body=f"Point on {number}.",
            comment_type="technical",
            anchor=service.AnchorInput(passage=passage),
        )
    service.submit(session, ipaf_member, draft)
    assert draft.status == SubmissionStatus.SUBMITTED
    assert [c.anchor_exact for c in draft.comments] == ["topic 1", "every year"]
    assert draft.stakeholder_group == "indigenous-peoples"


def test_consent_decides_the_public_author_line(
    session, make_round, commenter, file_comment, ipaf_member, uid_of
):
    round_ = make_round()
    anonymous = file_comment(commenter, round_, consent=False)
    named = file_comment(commenter, round_, consent=True)
    for_org = file_comment(
        commenter, round_, consent=True, kind="organisation", organisation="Rivers Watch"
    )
    formal = file_comment(
        ipaf_member,
        round_,
        clause_uid=uid_of(round_, "1.1"),
        kind="formal",
        cover="Cover.",
        consent=False,
    )
    assert service.author_line(anonymous.submission) == "Civil society"
    assert service.author_line(named.submission) == "Cora Commenter (Civil society)"
    assert (
        service.author_line(for_org.submission)
        == "Cora Commenter on behalf of Rivers Watch (Civil society)"
    )
    assert "Ina Forum" not in service.author_line(formal.submission)
    assert "Indigenous Peoples Advisory Forum" in service.author_line(formal.submission)
    assert anonymous.submission.consent_publish_name is False


def test_stakeholder_group_is_a_snapshot_taken_at_submission(
    session, make_round, commenter, file_comment
):
    round_ = make_round()
    comment = file_comment(commenter, round_)
    commenter.stakeholder_group = "academic"
    session.flush()
    assert comment.submission.stakeholder_group == "civil-society"


def test_withdrawal_before_closing_keeps_the_record(
    session, make_round, commenter, file_comment, member, make_user
):
    round_ = make_round()
    comment = file_comment(commenter, round_)
    with pytest.raises(PermissionDenied):
        service.withdraw(session, make_user(), comment.submission)
    service.withdraw(session, commenter, comment.submission, reason="Sent twice.")
    assert comment.submission.status == SubmissionStatus.WITHDRAWN
    assert public_record.record_comments(session, None, round_) == ([], 0)
    entries, _ = public_record.record_comments(session, member, round_)
    assert [e.withdrawn for e in entries] == [True]
    with pytest.raises(Conflict):
        service.withdraw(session, commenter, comment.submission)


def test_withdrawal_after_closing_is_refused(session, make_round, commenter, file_comment):
    round_ = make_round()
    comment = file_comment(commenter, round_)
    with pytest.raises(Gone):
        service.withdraw(session, commenter, comment.submission, now=round_.closes_at + SECOND)


def test_field_sizes_are_limited_by_the_settings(session, app, make_round, commenter, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_COMMENT_CHARS", 50)
    round_ = make_round()
    service.add_comment(session, commenter, round_, body="x" * 50)
    for field in ("body", "proposed_change"):
        values = {"body": "ok", field: "x" * 51}
        with pytest.raises(ValidationError) as error:
            service.add_comment(session, commenter, round_, **values)
        assert error.value.field == field
        assert "51 characters, 50 at most" in error.value.message
    draft = service.draft_for(session, commenter, round_)
    with pytest.raises(ValidationError):
        service.update_submission(session, commenter, draft, _details(cover_statement="y" * 51))
    with pytest.raises(ValidationError):
        service.update_submission(session, commenter, draft, _details(organisation="o" * 201))
    with pytest.raises(ValidationError):
        service.add_comment(
            session, commenter, round_, body="ok", anchor=service.AnchorInput(passage="p" * 2001)
        )


def test_receipt_is_visible_to_its_author_and_staff_only(
    session, make_round, commenter, file_comment, make_user, member
):
    round_ = make_round()
    receipt = file_comment(commenter, round_).submission.receipt
    assert service.get_by_receipt(session, commenter, receipt).receipt == receipt
    assert service.get_by_receipt(session, member, receipt).receipt == receipt
    with pytest.raises(service.NotFound):
        service.get_by_receipt(session, make_user(), receipt)


def test_a_failed_request_queues_no_mail(client, auth, session, make_round, commenter, monkeypatch):
    """A request that queued its mail and then failed commits nothing: no job, no mail."""
    from app.consultation import submitting
    from app.mail import queue_mail, sent_in_process
    from tests.conftest import csrf_token

    round_ = make_round()
    service.add_comment(session, commenter, round_, body="On the whole draft.")
    session.commit()

    def queue_then_fail(session, **mail):
        queue_mail(session, **mail)
        raise Conflict("A later step failed.")

    monkeypatch.setattr(submitting, "queue_mail", queue_then_fail)
    sent_in_process.clear()
    auth.sign_in(commenter)
    token = csrf_token(client, f"/consultations/{round_.id}/submission")
    response = client.post(
        f"/consultations/{round_.id}/submission/submit", data={"csrf_token": token}
    )
    assert response.status_code == 409 and "A later step failed." in response.get_data(True)
    session.expire_all()
    mail_jobs = select(Job).where(Job.kind == "mail")  # search updates are jobs too
    assert [j.payload["to"] for j in session.scalars(mail_jobs)] == []
    assert [m["To"] for m in sent_in_process] == []
    draft = service.draft_for(session, commenter, round_)
    assert draft is not None and draft.receipt is None
    # The control: without the failure the same request commits the job and sends it.
    monkeypatch.undo()
    response = client.post(
        f"/consultations/{round_.id}/submission/submit", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert [m["To"] for m in sent_in_process] == [commenter.email]
