"""Demo content for the committee: the closed first round, its synopsis and the ballot after it.

These are records of past events, so the rows are inserted with their historical
times; the ballot's outcome is computed by the same tally as any other ballot.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.audit.service import record
from app.auth import service as accounts
from app.auth.models import StakeholderGroup, User
from app.committee import ballots
from app.committee.models import (
    Ballot,
    BallotQuestion,
    BallotVoter,
    Decision,
    Disposition,
    SynopsisPublication,
    Vote,
)
from app.consultation.models import (
    Comment,
    CommentType,
    CommentVisibility,
    ConsultationRound,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.database import Database, utcnow
from app.drafting import service as drafting
from app.drafting.models import Standard
from app.text.anchoring import find_passage
from app.text.markdown import plain_text

SLUG = "responsible-aluminium"
DAY = dt.timedelta(days=1)
G = StakeholderGroup

COMMENTERS = [
    (
        "jonas.weber@demo.clausewise.org",
        "Jonas Weber",
        "Rainforest Action Coalition",
        G.CIVIL_SOCIETY,
    ),
    (
        "elena.petrova@demo.clausewise.org",
        "Elena Petrova",
        "Baltic Aluminium Smelting",
        G.INDUSTRY_UPSTREAM,
    ),
    ("tomas.ruiz@demo.clausewise.org", "Tomás Ruiz", "University of Lisbon", G.ACADEMIC),
    ("grace.kim@demo.clausewise.org", "Grace Kim", "Northwind Beverages", G.INDUSTRY_DOWNSTREAM),
    ("fatou.sow@demo.clausewise.org", "Fatou Sow", "Ministry of Mines and Geology", G.GOVERNMENT),
]

# author, kind, consent, [(clause uid, quote, type, body, proposed change,
#                          decision, response, addressed in draft 2, duplicate of point n)]
T, E, GEN = CommentType.TECHNICAL, CommentType.EDITORIAL, CommentType.GENERAL
D = Decision
SUBMISSIONS = [
    (
        "jonas.weber@demo.clausewise.org",
        SubmissionKind.ORGANISATION,
        True,
        [
            (
                "RA-07d0",
                "shall seek to obtain the free, prior and informed consent",
                T,
                "“Seek to obtain” lets a project go ahead without consent. FPIC means consent.",
                "The Entity shall obtain the free, prior and informed consent …",
                D.ACCEPTED,
                "Agreed. Draft 2 requires consent and says the Entity shall not proceed "
                "without it.",
                True,
                None,
            ),
            (
                "RA-34ef",
                "The Entity shall, where practicable, set targets",
                T,
                "“Where practicable” turns a requirement into an option.",
                "Delete “where practicable” and make the targets time-bound.",
                D.ACCEPTED,
                "Agreed: the qualifier is removed and targets must be time-bound.",
                True,
                None,
            ),
            (
                "RA-f5a4",
                "may use carbon credits to meet up to 20% of its near-term reduction target",
                T,
                "Offsets should not count towards reduction targets at all.",
                "Delete 4.2.3.",
                D.ACCEPTED,
                "The clause on carbon credits is deleted from draft 2; credits no longer "
                "count towards targets.",
                False,
                None,
            ),
            (
                "RA-e6fe",
                "publish a plan to phase out marine disposal within ten years",
                T,
                "Ten years is far too long for marine disposal of residue.",
                "",
                D.PARTIALLY_ACCEPTED,
                "Marine disposal is now addressed in the bauxite residue "
                "management plan (5.4.1); a stand-alone phase-out clause was removed.",
                False,
                None,
            ),
        ],
    ),
    (
        "elena.petrova@demo.clausewise.org",
        SubmissionKind.ORGANISATION,
        True,
        [
            (
                "RA-8767",
                "within seven days",
                T,
                "Seven days is slow for a payment made under duress; management must know at once.",
                "within 48 hours",
                D.ACCEPTED,
                "Agreed: the deadline is now 48 hours.",
                True,
                None,
            ),
            (
                "RA-e3d5",
                "consistent with pathways that limit warming to 1.5°C",
                T,
                "Smelters on coal-based grids cannot meet a 1.5°C pathway within a certification "
                "cycle.",
                "consistent with well-below 2°C pathways",
                D.REJECTED,
                "The Committee keeps 1.5°C: it is the sector's agreed ambition. The "
                "transition guidance explains how grid constraints are assessed.",
                False,
                None,
            ),
            (
                "RA-5987",
                "Scope 3 emissions shall be reported from the fifth year of certification",
                T,
                "Five years is reasonable for Scope 3 data.",
                "",
                D.NOTED,
                "Noted. Other stakeholders asked for earlier reporting; draft 2 sets the "
                "third year.",
                True,
                None,
            ),
        ],
    ),
    (
        "tomas.ruiz@demo.clausewise.org",
        SubmissionKind.INDIVIDUAL,
        False,
        [
            (
                "RA-1cf9",
                "repeated at least every five years",
                T,
                "Impacts change faster than every five years in mining regions.",
                "every three years",
                D.ACCEPTED,
                "Agreed: three years.",
                True,
                None,
            ),
            (
                "RA-6b1c",
                "should work towards paying a living wage, where practicable",
                T,
                "A living wage should be a requirement, not an aspiration.",
                "",
                D.ACCEPTED_IN_PRINCIPLE,
                "Draft 2 requires a living wage with a time-bound plan where wages fall short.",
                True,
                None,
            ),
            (
                None,
                None,
                GEN,
                "The draft would be easier to audit with a table of which clauses "
                "apply to which supply chain activity.",
                "",
                D.ACCEPTED,
                "Annex A.3 now gives that table.",
                False,
                None,
            ),
        ],
    ),
    (
        "grace.kim@demo.clausewise.org",
        SubmissionKind.ORGANISATION,
        True,
        [
            (
                "RA-8767",
                "within seven days",
                T,
                "Seven days is too long to report a duress payment.",
                "within 48 hours",
                D.DUPLICATE,
                "See the response to the same point from Baltic Aluminium Smelting: the "
                "deadline is now 48 hours.",
                False,
                ("elena.petrova@demo.clausewise.org", 1),
            ),
            (
                "RA-0edc",
                "shall not mine bauxite in World Heritage Sites",
                E,
                "Exploration in World Heritage Sites should be excluded as well as mining.",
                "shall not explore for or mine bauxite",
                D.ACCEPTED,
                "Agreed.",
                True,
                None,
            ),
        ],
    ),
    (
        "fatou.sow@demo.clausewise.org",
        SubmissionKind.ORGANISATION,
        False,
        [
            (
                "RA-f2b8",
                "compensation at full replacement cost",
                T,
                "National law sets compensation rates; the Standard should refer to it.",
                "",
                D.REJECTED,
                "Full replacement cost is the international benchmark (IFC PS5); where "
                "law sets a lower rate, the Standard's higher requirement applies (1.1).",
                False,
                None,
            ),
            (
                "RA-eeb3",
                "60 hours per week on average over a year",
                T,
                "Averaging over a year allows very long weeks.",
                "in any week",
                D.ACCEPTED,
                "Agreed: the 60-hour limit now applies in any week.",
                True,
                None,
            ),
        ],
    ),
    (
        "public@demo.clausewise.org",
        SubmissionKind.INDIVIDUAL,
        False,
        [
            (
                "RA-34ef",
                "The Entity shall, where practicable, set targets",
                E,
                "Please remove “where practicable”.",
                "",
                D.DUPLICATE,
                "Answered with Rainforest Action Coalition's identical comment: the "
                "qualifier is removed.",
                False,
                ("jonas.weber@demo.clausewise.org", 2),
            ),
            (
                None,
                None,
                GEN,
                "Thank you for publishing the draft in plain language.",
                "",
                D.NOTED,
                "Thank you.",
                False,
                None,
            ),
        ],
    ),
]

IPAF_POINTS = [
    (
        "RA-07d0",
        "Where consent is not obtained, the Entity shall document the reasons",
        T,
        "Documenting reasons is not enough: without consent the project must not proceed.",
        "Where consent is not obtained, the Entity shall not proceed.",
        D.ACCEPTED,
        "Agreed. Draft 2 states that the Entity shall not proceed without consent.",
        True,
    ),
    (
        "RA-1cf9",
        "meaningful consultation of potentially affected rights-holders",
        T,
        "Indigenous Peoples must take part in the impact assessment itself, not only be consulted.",
        "",
        D.PARTIALLY_ACCEPTED,
        "The assessment now repeats every three years; participation in its design is covered "
        "by the FPIC requirements in 8.3.",
        True,
    ),
    (
        None,
        None,
        GEN,
        "The Forum asks that its formal submissions receive a written answer point by point.",
        "",
        D.ACCEPTED,
        "Every point of the Forum's submission receives its own agreed written "
        "response in this synopsis.",
        False,
    ),
]

VOTES = [
    ("chair@demo.clausewise.org", "yes", ""),
    ("committee@demo.clausewise.org", "yes", ""),
    (
        "committee2@demo.clausewise.org",
        "no",
        "Draft 2 is ready to adopt; a second round delays it by months.",
    ),
    ("committee3@demo.clausewise.org", "yes", ""),
]


def _user(session, email: str) -> User:
    user = accounts.find_by_email(session, email)
    if user is None:
        raise LookupError(f"demo account {email} is missing; load the accounts first")
    return user


def _ensure_commenters(session) -> None:
    from app.demo import ensure_commenters

    ensure_commenters(session, COMMENTERS)


def load(db: Database) -> list[str]:
    """Load this area's demo content once; return lines to print."""
    with db.transaction() as session:
        standard = session.scalar(select(Standard).where(Standard.slug == SLUG))
        if standard is None:
            return ["Committee demo skipped: the demo standard is not loaded."]
        if session.scalar(
            select(ConsultationRound.id).where(
                ConsultationRound.standard_id == standard.id, ConsultationRound.number == 1
            )
        ):
            return ["Committee demo already loaded."]
        _ensure_commenters(session)
        return _load(session, standard)


def _load(session, standard: Standard) -> list[str]:
    now = utcnow().replace(microsecond=0)
    draft1 = drafting.get_version(session, standard, "3.0-draft-1")
    draft2 = drafting.get_version(session, standard, "3.0-draft-2")
    old = {n.uid: n.revision for n in drafting.version_nodes(session, draft1)}
    new = {n.uid: n.revision for n in drafting.version_nodes(session, draft2)}
    secretariat = _user(session, "secretariat@demo.clausewise.org")
    chair = _user(session, "chair@demo.clausewise.org")
    drafter = _user(session, "committee3@demo.clausewise.org")
    round_ = ConsultationRound(
        standard_id=standard.id,
        version_id=draft1.id,
        number=1,
        title="First public consultation on draft 3.0",
        summary="Comments on the first draft of version 3.0 of the Performance Standard.",
        opens_at=now - 200 * DAY,
        closes_at=now - 130 * DAY,
        visibility=CommentVisibility.AFTER_CLOSE,
        audiences="public, members, IPAF",
        created_by_id=secretariat.id,
        created_at=now - 205 * DAY,
    )
    session.add(round_)
    session.flush()
    record(session, secretariat, "round.create", round_, summary=f"Opened {round_.title}")

    points: dict[tuple[str, int], Comment] = {}
    answers: list[tuple[Comment, tuple]] = []
    ipaf = (
        "ipaf@demo.clausewise.org",
        SubmissionKind.FORMAL,
        True,
        [(*p, None) for p in IPAF_POINTS],
    )
    everyone = [*SUBMISSIONS[:3], ipaf, *SUBMISSIONS[3:]]
    for i, (email, kind, consent, items) in enumerate(everyone, start=1):
        author = _user(session, email)
        submitted = round_.opens_at + (10 + 7 * i) * DAY
        round_.receipt_counter += 1
        submission = Submission(
            round_id=round_.id,
            author_id=author.id,
            kind=kind,
            organisation=author.organisation if kind != SubmissionKind.INDIVIDUAL else "",
            consent_publish_name=consent,
            stakeholder_group=str(author.stakeholder_group),
            # Comments join a draft (the database refuses them on a submitted one).
            status=SubmissionStatus.DRAFT,
            created_at=submitted - DAY,
            updated_at=submitted,
            cover_statement=(
                "Formal submission of the Indigenous Peoples Advisory Forum on draft 1."
                if kind == SubmissionKind.FORMAL
                else ""
            ),
        )
        session.add(submission)
        session.flush()
        for ordinal, item in enumerate(items, start=1):
            uid, quote, ctype, body, proposal = item[:5]
            revision = old[uid] if uid else None
            anchor = find_passage(plain_text(revision.body), quote) if quote else None
            comment = Comment(
                submission_id=submission.id,
                ordinal=ordinal,
                clause_id=revision.clause_id if revision else None,
                revision_id=revision.id if revision else None,
                comment_type=ctype,
                body=body,
                proposed_change=proposal,
                created_at=submitted,
                **Comment.anchor_columns(anchor),
            )
            session.add(comment)
            session.flush()
            points[(email, ordinal)] = comment
            answers.append((comment, item))
        submission.status = SubmissionStatus.SUBMITTED
        submission.receipt = f"RA-R1-{round_.receipt_counter:04d}"
        submission.submitted_at = submitted
        session.flush()
        record(
            session,
            author,
            "submission.submit",
            submission,
            summary=f"Submitted {submission.receipt}",
            comments=len(items),
        )

    for n, (comment, item) in enumerate(answers):
        uid, _q, _t, _b, _p, decision, response, addressed, duplicate = item
        drafted_at = round_.closes_at + (5 + n % 10) * DAY
        values = {
            "decision": decision,
            "response": response,
            "duplicate_of_id": points[duplicate].id if duplicate else None,
            "addressed_by_revision_id": new[uid].id if addressed and uid in new else None,
        }
        session.add(
            Disposition(
                comment_id=comment.id,
                seq=1,
                agreed=False,
                author_id=drafter.id,
                created_at=drafted_at,
                **values,
            )
        )
        session.add(
            Disposition(
                comment_id=comment.id,
                seq=2,
                agreed=True,
                author_id=chair.id,
                created_at=round_.closes_at + 16 * DAY,
                **values,
            )
        )
        session.flush()
        record(
            session,
            chair,
            "disposition.agree",
            object_type="disposition",
            object_id=comment.id,
            summary=f"Agreed {decision} for comment {comment.id}",
        )

    publication = SynopsisPublication(
        round_id=round_.id, published_at=now - 112 * DAY, published_by_id=secretariat.id
    )
    session.add(publication)
    session.flush()
    record(
        session,
        secretariat,
        "synopsis.publish",
        publication,
        summary=f"Published the synopsis of {round_.title}",
        comments=len(answers),
    )

    ballot = _ballot(session, standard, draft1, secretariat, now)
    return [
        f"Loaded the closed first round ({len(answers)} comments with agreed dispositions, "
        f"synopsis published) and ballot {ballot.id} ({ballot.outcome})."
    ]


def _ballot(session, standard: Standard, version, secretariat: User, now: dt.datetime) -> Ballot:
    opens = now - 110 * DAY
    ballot = Ballot(
        standard_id=standard.id,
        version_id=version.id,
        question_kind=BallotQuestion.ANOTHER_ROUND,
        question="Send draft 2 to a second round of consultation",
        opens_at=opens,
        closes_at=now - 100 * DAY,
        quorum=0.5,
        threshold=2 / 3,
        created_at=opens,
        created_by_id=secretariat.id,
    )
    session.add(ballot)
    session.flush()
    for offset, (email, choice, reason) in enumerate(VOTES, start=1):
        voter = _user(session, email)
        session.add(BallotVoter(ballot_id=ballot.id, user_id=voter.id))
        session.add(
            Vote(
                ballot_id=ballot.id,
                voter_id=voter.id,
                choice=choice,
                reason=reason,
                cast_at=opens + offset * DAY,
            )
        )
    session.flush()
    session.refresh(ballot)
    record(
        session,
        secretariat,
        "ballot.open",
        ballot,
        summary=f"Opened ballot on {version.label}: {ballot.question}",
    )
    ballots.close(session, ballot, now)
    return ballot
