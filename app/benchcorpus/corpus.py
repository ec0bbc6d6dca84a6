"""Build a large, valid consultation corpus quickly.

The standard, its drafts, rounds and the ballot go through the services; the
bulk (accounts, submissions, comments, dispositions) goes in with multi-row
INSERTs that respect every constraint the services keep: receipts from the
round's counter, ordinals per submission, anchors checked against the clause's
plain text, dispositions appended as draft then agreement, an audit event per
submission.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.audit.models import AuditEvent
from app.auth import service as accounts
from app.auth.models import Role, RoleGrant, StakeholderGroup, User
from app.auth.permissions import SYSTEM
from app.benchcorpus.standard import edited_body, shape_for, synthetic_source
from app.committee import state as comment_state
from app.committee.models import Decision, Disposition
from app.consultation import service as consultation
from app.consultation.models import (
    Comment,
    CommentType,
    ConsultationRound,
    Moderation,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from app.database import utcnow
from app.drafting import editing
from app.drafting import service as drafting
from app.drafting.importing import import_source
from app.drafting.models import Clause, ClauseRevision, Standard, Version, VersionEntry
from app.text.anchoring import make_anchor
from app.text.markdown import plain_text

BENCH_PASSWORD = "tangerine harbour lantern volume"  # noqa: S105 - printed for the benchmark on purpose
BENCH_DOMAIN = "bench.clausewise.org"
GROUPS = [g for g in StakeholderGroup if g != StakeholderGroup.INDIGENOUS_PEOPLES]
BODIES = [
    "The requirement on {topic} is too vague to audit. Say what evidence an auditor "
    "should ask for, and how often the assessment must be repeated.",
    "We support this clause, but small producers cannot meet it within the transition "
    "period. Please add a **simplified route** for sites under 50 employees.",
    "This duplicates the national law in several producing countries; refer to the law "
    "instead of restating it, so that the two cannot drift apart.",
    "Affected communities must be consulted *before* the assessment, not after it. "
    "The clause should say so explicitly, and require the record of that consultation.",
    "Editorial: the term \u201cbusiness relationships\u201d is not defined in the glossary.",
]
PROPOSALS = [
    "",
    "",
    "Replace \u201cshall review\u201d by \u201cshall review and publish\u201d.",
    "Add: \u201cThe assessment shall be verified by an independent party.\u201d",
]
RESPONSES = [
    "Accepted: the clause now names the evidence an auditor asks for.",
    "Noted. The committee considered this and kept the clause; see the rationale in the "
    "summary of changes.",
    "Rejected: the requirement applies to every site; guidance will explain the options "
    "for small producers.",
    "Accepted in principle; the wording was changed in the next draft.",
]
BATCH = 2000


@dataclass
class CorpusReport:
    standard: str = ""
    versions: list[str] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)
    accounts: int = 0
    submissions: int = 0
    comments: int = 0
    anchored: int = 0
    dispositions: int = 0
    hot_clause: str = ""
    ballot_id: int | None = None

    def lines(self) -> list[str]:
        return [
            f"standard {self.standard}: versions {', '.join(self.versions)}",
            f"rounds {', '.join(str(r) for r in self.rounds)}",
            f"{self.accounts} accounts (password {BENCH_PASSWORD}), "
            f"{self.submissions} submissions, {self.comments} comments "
            f"({self.anchored} anchored), {self.dispositions} disposition rows",
            f"clause {self.hot_clause} has the most comments; closed ballot {self.ballot_id}",
        ]


def _chunks(rows: list[dict], size: int = BATCH):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def analyze(session: Session, *models) -> None:
    """Refresh PostgreSQL's statistics of tables just filled in bulk, in this transaction.

    Autovacuum cannot see rows of a transaction that has not committed (the CI
    guard never commits), and a table it last analysed with only dead rows says
    it holds none: every plan over the round then nests loops over sequential
    scans (the volume guard once ran for minutes). ANALYZE inside the
    transaction counts its own rows. SQLite plans from its indexes without this.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        session.execute(text(f"ANALYZE {model.__tablename__}"))


def _insert_returning_ids(session: Session, model, rows: list[dict]) -> list[int]:
    ids: list[int] = []
    for chunk in _chunks(rows):
        ids.extend(
            session.scalars(
                insert(model).returning(model.id, sort_by_parameter_order=True), chunk
            ).all()
        )
    analyze(session, model)
    return ids


def _insert(session: Session, model, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        session.execute(insert(model), chunk)
    analyze(session, model)


# --- staff and accounts -----------------------------------------------------------------


def staff(session: Session) -> tuple[User, list[User]]:
    """Return a secretariat account and the committee, creating bench staff if missing."""

    def holders(role: Role) -> list[User]:
        return list(
            session.scalars(
                select(User)
                .join(RoleGrant, RoleGrant.user_id == User.id)
                .where(RoleGrant.role == role, User.active.is_(True))
                .order_by(User.id)
            ).unique()
        )

    if not holders(Role.SECRETARIAT):
        accounts.create_user(
            session,
            email=f"secretariat@{BENCH_DOMAIN}",
            password=BENCH_PASSWORD,
            name="Bench Secretariat",
            roles=[Role.SECRETARIAT],
        )
    members = holders(Role.COMMITTEE)
    for n in range(len(members), 3):
        accounts.create_user(
            session,
            email=f"committee{n}@{BENCH_DOMAIN}",
            password=BENCH_PASSWORD,
            name=f"Bench Committee {n}",
            roles=[Role.COMMITTEE],
        )
    return holders(Role.SECRETARIAT)[0], holders(Role.COMMITTEE)


def bulk_accounts(session: Session, count: int, tag: str, now: dt.datetime) -> list[User]:
    """Insert commenter accounts sharing one password hash; return id and group of each."""
    method = "scrypt"
    if has_app_context():
        method = current_app.config.get("PASSWORD_HASH_METHOD", method)
    password_hash = generate_password_hash(BENCH_PASSWORD, method=method)
    rows = [
        {
            "email": f"{tag}-{n}@{BENCH_DOMAIN}",
            "password_hash": password_hash,
            "name": f"Commenter {tag.upper()} {n}",
            "organisation": f"Organisation {n % 997}" if n % 5 == 0 else "",
            "stakeholder_group": GROUPS[n % len(GROUPS)],
            "timezone": "UTC",
            "active": True,
            "created_at": now,
        }
        for n in range(1, count + 1)
    ]
    ids = _insert_returning_ids(session, User, rows)
    return [
        User(id=i, stakeholder_group=r["stakeholder_group"]) for i, r in zip(ids, rows, strict=True)
    ]


# --- the standard -------------------------------------------------------------------------


def build_standard(
    session: Session,
    *,
    slug: str,
    uid_prefix: str,
    clauses: int = 600,
    drafts: int = 3,
    changed: float = 0.1,
    rng: random.Random,
) -> tuple[Standard, list[Version]]:
    """Import a generated standard and freeze `drafts` versions, editing a share in between."""
    source = synthetic_source(
        slug, f"Volume Benchmark Standard {uid_prefix}", uid_prefix, shape_for(clauses)
    )
    import_source(session, SYSTEM, source, f"{slug}.md")
    standard = drafting.get_standard(session, slug)
    versions = [drafting.freeze(session, SYSTEM, standard, label="1.0-draft-1")]
    for draft in range(2, drafts + 1):
        nodes = drafting.working_draft(session, standard)
        for node in rng.sample(nodes, max(1, int(len(nodes) * changed))):
            head = node.revision
            clause = session.get(Clause, node.clause_id)
            editing.save_clause(
                session,
                SYSTEM,
                clause,
                based_on_id=head.id,
                kind=str(head.kind),
                number=head.number,
                heading=head.heading,
                body=edited_body(head.body, draft),
                message=f"Changes for draft {draft}",
            )
        versions.append(drafting.freeze(session, SYSTEM, standard, label=f"1.0-draft-{draft}"))
    return standard, versions


def open_round(
    session: Session,
    standard: Standard,
    version: Version,
    *,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    title: str,
) -> ConsultationRound:
    fields = consultation.clean_round(
        session,
        standard_slug=standard.slug,
        version_label=version.label,
        title=title,
        summary="Generated by `flask bench corpus`.",
        opens_at=opens_at,
        closes_at=closes_at,
    )
    return consultation.create_round(session, SYSTEM, fields)


# --- comments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    clause_id: int
    revision_id: int
    uid: str
    text: str


def round_targets(session: Session, round_: ConsultationRound) -> list[Target]:
    rows = session.execute(
        select(VersionEntry.clause_id, VersionEntry.revision_id, Clause.uid, ClauseRevision.body)
        .join(Clause, Clause.id == VersionEntry.clause_id)
        .join(ClauseRevision, ClauseRevision.id == VersionEntry.revision_id)
        .where(VersionEntry.version_id == round_.version_id)
        .order_by(VersionEntry.ordinal)
    ).all()
    return [Target(c, r, uid, plain_text(body)) for c, r, uid, body in rows]


def _anchor_values(text: str, rng: random.Random) -> dict:
    words = [i for i, ch in enumerate(text) if ch == " "]
    if len(words) < 10:
        return {}
    first = rng.randrange(0, len(words) - 8)
    start = words[first] + 1
    end = words[first + rng.randint(3, 7)]
    return Comment.anchor_columns(make_anchor(text, start, end))


def load_comments(
    session: Session,
    round_: ConsultationRound,
    authors: list[User],
    comments: int,
    *,
    rng: random.Random,
    hot_clause_comments: int = 0,
    anchored_share: float = 0.25,
    general_share: float = 0.1,
    submitted_between: tuple[dt.datetime, dt.datetime] | None = None,
    render: Callable[[str], str] | None = None,
) -> tuple[int, int, int]:
    """Add one submitted submission per author holding `comments` comments in all.

    Returns (submissions, comments, anchored). The first `hot_clause_comments`
    comments all go to one clause (the third of the version: a requirement).
    """
    targets = round_targets(session, round_)
    hot = targets[min(2, len(targets) - 1)]
    start, end = submitted_between or (round_.opens_at, min(round_.closes_at, utcnow()))
    span = max(1.0, (end - start).total_seconds() - 1)
    authors = authors[: max(1, min(len(authors), comments))]
    counter = session.scalar(
        select(ConsultationRound.receipt_counter).where(ConsultationRound.id == round_.id)
    )
    prefix = session.get(Standard, round_.standard_id).uid_prefix
    times = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _ in authors)
    submission_rows = []
    for author, when in zip(authors, times, strict=True):
        organisation = rng.random() < 0.15
        submission_rows.append(
            {
                "round_id": round_.id,
                "author_id": author.id,
                "kind": SubmissionKind.ORGANISATION if organisation else SubmissionKind.INDIVIDUAL,
                "organisation": f"Organisation {author.id % 997}" if organisation else "",
                "cover_statement": "",
                "consent_publish_name": rng.random() < 0.5,
                "stakeholder_group": str(author.stakeholder_group),
                # Inserted as drafts: the database takes comments on drafts only
                # (append-only triggers); they are submitted once their comments are in.
                "status": SubmissionStatus.DRAFT,
                "receipt": None,
                "created_at": when,
                "updated_at": when,
                "submitted_at": None,
                "withdraw_reason": "",
            }
        )
    submission_ids = _insert_returning_ids(session, Submission, submission_rows)
    for n, row in enumerate(submission_rows, start=1):
        row["receipt"] = f"{prefix}-R{round_.number}-{counter + n:04d}"
        row["submitted_at"] = row["created_at"]
    session.execute(
        update(ConsultationRound)
        .where(ConsultationRound.id == round_.id)
        .values(receipt_counter=ConsultationRound.receipt_counter + len(submission_ids))
        .execution_options(synchronize_session=False)
    )
    session.expire(round_, ["receipt_counter"])
    # Every submission gets one comment, the rest are spread at random.
    owners = list(range(len(submission_ids)))
    owners += [rng.randrange(len(submission_ids)) for _ in range(comments - len(owners))]
    ordinals = [0] * len(submission_ids)
    rows = []
    anchored = 0
    types = list(CommentType)
    for n, owner in enumerate(owners):
        ordinals[owner] += 1
        if n < hot_clause_comments:
            target = hot
        elif rng.random() < general_share:
            target = None
        else:
            target = rng.choice(targets)
        anchor = {}
        if target is not None and rng.random() < anchored_share / (1 - general_share):
            anchor = _anchor_values(target.text, rng)
            anchored += bool(anchor)
        topic = target.uid if target else "the draft"
        body = rng.choice(BODIES).format(topic=topic)
        row = {
            "submission_id": submission_ids[owner],
            "ordinal": ordinals[owner],
            "clause_id": target.clause_id if target else None,
            "revision_id": target.revision_id if target else None,
            "comment_type": types[n % len(types)],
            "body": body,
            "proposed_change": rng.choice(PROPOSALS),
            "created_at": submission_rows[owner]["submitted_at"],
            **Comment.anchor_columns(None),
            **anchor,
        }
        if render is not None:
            row.update(render(body))
        rows.append(row)
    _insert(session, Comment, rows)
    for chunk in _chunks(
        [
            {
                "id": sid,
                "status": SubmissionStatus.SUBMITTED,
                "receipt": r["receipt"],
                "submitted_at": r["submitted_at"],
            }
            for sid, r in zip(submission_ids, submission_rows, strict=True)
        ]
    ):
        session.execute(update(Submission), chunk)
    _insert(
        session,
        AuditEvent,
        [
            {
                "at": r["submitted_at"],
                "actor_id": r["author_id"],
                "action": "submission.submit",
                "object_type": "submission",
                "object_id": str(sid),
                "summary": f"Submitted {r['receipt']}",
                "details": {"receipt": r["receipt"], "kind": str(r["kind"]), "bulk": True},
            }
            for sid, r in zip(submission_ids, submission_rows, strict=True)
        ],
    )
    # Bulk rows bypass the services: recompute the round's read model from them.
    comment_state.rebuild(session, round_.id)
    return len(submission_ids), len(rows), anchored


def answer_round(
    session: Session,
    round_: ConsultationRound,
    drafter: User,
    agreer: User,
    *,
    rng: random.Random,
    at: dt.datetime,
    render: Callable[[str], str] | None = None,
) -> int:
    """Append a drafted and then an agreed disposition to every comment of the round."""
    ids = session.scalars(
        select(Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.round_id == round_.id, Submission.status == SubmissionStatus.SUBMITTED)
        .order_by(Comment.id)
    ).all()
    decisions = [d for d in Decision if d != Decision.DUPLICATE]
    rows = []
    for comment_id in ids:
        decision = rng.choice(decisions)
        response = rng.choice(RESPONSES)
        extra = render(response) if render is not None else {}
        for seq, agreed, author in ((1, False, drafter), (2, True, agreer)):
            rows.append(
                {
                    "comment_id": comment_id,
                    "seq": seq,
                    "decision": decision,
                    "response": response,
                    "agreed": agreed,
                    "author_id": author.id,
                    # The agreeing row names who proposed it (another member: CHECK).
                    "drafted_by_id": drafter.id if agreed else None,
                    "created_at": at,
                    **extra,
                }
            )
    _insert(session, Disposition, rows)
    comment_state.rebuild(session, round_.id)
    return len(rows)


def hide_some(
    session: Session, round_: ConsultationRound, moderator: User, share: float, at: dt.datetime
) -> int:
    ids = session.scalars(
        select(Comment.id)
        .join(Submission, Comment.submission_id == Submission.id)
        .where(Submission.round_id == round_.id)
        .order_by(Comment.id)
    ).all()
    step = max(1, int(1 / share))
    rows = [
        {
            "comment_id": i,
            "hidden": True,
            "reason": "Personal data of a third party",
            "moderator_id": moderator.id,
            "created_at": at,
        }
        for i in ids[::step]
    ]
    _insert(session, Moderation, rows)
    comment_state.rebuild(session, round_.id)
    return len(rows)
