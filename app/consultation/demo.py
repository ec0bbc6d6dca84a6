"""Demo content for the consultation area: the open second round on 3.0-draft-2.

Every comment goes in through the intake service, with `now` pinned to a
moment inside the round, so the demo obeys the same rules as real users.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from app.auth import service as accounts
from app.auth.models import StakeholderGroup
from app.auth.permissions import SYSTEM
from app.consultation import rounds_file, service
from app.consultation.models import ConsultationRound
from app.database import Database, utcnow
from app.drafting.models import Standard

ROOT = Path(__file__).resolve().parent.parent.parent
ROUND_FILE = ROOT / "consultations" / "responsible-aluminium-round-2.toml"
SLUG = "responsible-aluminium"
OPENED_DAYS_AGO = 20
LENGTH_DAYS = 70  # at least the ISEAL Code's 60 days, so the round is not flagged

COMMENTERS = [
    (
        "jonas.berg@demo.clausewise.org",
        "Jonas Berg",
        "Fjordal Aluminium ASA",
        StakeholderGroup.INDUSTRY_UPSTREAM,
    ),
    (
        "marco.ferri@demo.clausewise.org",
        "Marco Ferri",
        "Alumina Mediterranea S.p.A.",
        StakeholderGroup.INDUSTRY_UPSTREAM,
    ),
    (
        "li.wei@demo.clausewise.org",
        "Li Wei",
        "Pearl River Extrusions Ltd",
        StakeholderGroup.INDUSTRY_MIDSTREAM,
    ),
    (
        "sophie.laurent@demo.clausewise.org",
        "Sophie Laurent",
        "Maison Véra Packaging",
        StakeholderGroup.INDUSTRY_DOWNSTREAM,
    ),
    (
        "carlos.mendes@demo.clausewise.org",
        "Carlos Mendes",
        "AutoLeve Components",
        StakeholderGroup.INDUSTRY_DOWNSTREAM,
    ),
    (
        "ana.costa@demo.clausewise.org",
        "Ana Beatriz Costa",
        "Rede Rios Livres",
        StakeholderGroup.CIVIL_SOCIETY,
    ),
    (
        "daniel.okoro@demo.clausewise.org",
        "Daniel Okoro",
        "Workers' Voice Coalition",
        StakeholderGroup.CIVIL_SOCIETY,
    ),
    (
        "grace.mwangi@demo.clausewise.org",
        "Grace Mwangi",
        "Catchment Futures Network",
        StakeholderGroup.CIVIL_SOCIETY,
    ),
    (
        "mariana.quispe@demo.clausewise.org",
        "Mariana Quispe",
        "",
        StakeholderGroup.INDIGENOUS_PEOPLES,
    ),
    (
        "helga.brandt@demo.clausewise.org",
        "Helga Brandt",
        "Northshore Regional Environment Office",
        StakeholderGroup.GOVERNMENT,
    ),
    (
        "rahul.mehta@demo.clausewise.org",
        "Rahul Mehta",
        "Institute for Industrial Ecology",
        StakeholderGroup.ACADEMIC,
    ),
    ("tom.baker@demo.clausewise.org", "Tom Baker", "", StakeholderGroup.INDIVIDUAL),
]


@dataclass
class Point:
    body: str
    clause: str | None = None
    passage: str = ""
    kind: str = "general"
    change: str = ""


@dataclass
class DemoSubmission:
    email: str
    points: list[Point]
    kind: str = "individual"
    organisation: str = ""
    consent: bool = True
    cover: str = ""
    state: str = "submitted"  # submitted | withdrawn | draft
    hide: int | None = None  # index of a comment the secretariat hides
    extra: dict = field(default_factory=dict)


SUBMISSIONS = [
    DemoSubmission(
        "jonas.berg@demo.clausewise.org",
        kind="organisation",
        organisation="Fjordal Aluminium ASA",
        points=[
            Point(
                "The threshold is achievable for hydropower-based smelters, but not by 2030 for "
                "existing smelters on grids that are still mostly coal. A staged threshold would "
                "keep those smelters in the scheme while they decarbonise, instead of pushing "
                "them out of certification.",
                "RA-8270",
                "6 tonnes CO2e per tonne of aluminium",
                "technical",
                "…at or below **8 tonnes CO2e per tonne of aluminium** by 2030 and 6 tonnes "
                "by 2035.",
            ),
            Point(
                "Please name the sector pathway you mean (for example the IAI 1.5 °C scenario "
                "or the SBTi aluminium guidance). Auditors will otherwise accept any pathway "
                "an Entity chooses.",
                "RA-e3d5",
                "consistent with pathways that limit warming to 1.5°C",
                "technical",
            ),
            Point(
                "We support independent review. Clarify that the reviewer must be independent "
                "of the engineer of record, as the GISTM requires.",
                "RA-4156",
                "independent review of any facility whose consequence classification is",
                "technical",
            ),
        ],
    ),
    DemoSubmission(
        "li.wei@demo.clausewise.org",
        kind="organisation",
        organisation="Pearl River Extrusions Ltd",
        consent=False,
        points=[
            Point(
                "Please publish a table mapping each requirement of version 2 to version 3. "
                "Midstream companies certified under version 2 need to see what changes for "
                "them before the transition period starts."
            ),
            Point(
                "“Where practicable” lets a multi-site Entity report only consolidated figures. "
                "State when facility-level reporting may be omitted, and require the reason to "
                "be disclosed.",
                "RA-3619",
                "where practicable",
                "technical",
                "Information shall be reported for each facility within the scope of "
                "certification. Where it is not, the report shall say which facilities are "
                "omitted and why.",
            ),
        ],
    ),
    DemoSubmission(
        "sophie.laurent@demo.clausewise.org",
        kind="organisation",
        organisation="Maison Véra Packaging",
        points=[
            Point(
                "We strongly support a hard emissions threshold. Brand owners need a clear, "
                "comparable figure to make low-carbon claims that will stand up to scrutiny.",
                "RA-8270",
            ),
            Point(
                "Say which living wage benchmarks count as credible (e.g. Anker methodology, "
                "WageIndicator). Without a list, two auditors will reach different conclusions "
                "on the same payslips.",
                "RA-6b1c",
                "at least a living wage for a standard working week, excluding overtime",
                "technical",
            ),
            Point(
                "The draft uses both “the Entity” and “the company” in places. Please use "
                "“the Entity” throughout.",
                None,
                "",
                "editorial",
            ),
        ],
    ),
    DemoSubmission(
        "ana.costa@demo.clausewise.org",
        kind="organisation",
        organisation="Rede Rios Livres",
        points=[
            Point(
                "This is the most important improvement in the draft and must not be weakened. "
                "Please extend it to traditional communities with collective land rights who "
                "are not recognised as Indigenous, such as Quilombola communities in Brazil.",
                "RA-07d0",
                "shall obtain the free, prior and informed consent (FPIC) of affected "
                "Indigenous Peoples",
                "technical",
                "…shall obtain the free, prior and informed consent (FPIC) of affected "
                "Indigenous Peoples **and of traditional communities with collective rights to "
                "land**…",
            ),
            Point(
                "Welcome. The prohibition must apply to existing refineries too, with a firm "
                "date, not only to new facilities. Riverine disposal is still practised.",
                "RA-8699",
                "Disposal of bauxite residue to rivers, lakes or the sea is prohibited.",
                "technical",
            ),
            Point(
                "“Where practicable” is a loophole: facility data is exactly what affected "
                "communities need. Please delete it.",
                "RA-3619",
                "where practicable",
                "technical",
                "Information shall be reported for each facility within the scope of "
                "certification.",
            ),
        ],
    ),
    DemoSubmission(
        "daniel.okoro@demo.clausewise.org",
        kind="organisation",
        organisation="Workers' Voice Coalition",
        consent=False,
        points=[
            Point(
                "Including contractor workers is right. The living wage assessment should be "
                "made with workers' representatives, not only by the Entity, and the gap "
                "analysis should be shared with them.",
                "RA-6b1c",
                "at least a living wage for a standard working week, excluding overtime",
                "technical",
            ),
            Point(
                "Auditors should interview union representatives without management present, "
                "and the audit report should say whether they did.",
                "RA-07a5",
                "",
                "technical",
            ),
        ],
    ),
    DemoSubmission(
        "helga.brandt@demo.clausewise.org",
        points=[
            Point(
                "Please align the parameters and limits in this criterion with the BAT-associated "
                "emission levels of the non-ferrous metals BREF, so that Entities in Europe do "
                "not report twice in different units.",
                "RA-4635",
            ),
            Point(
                "Our office would welcome a requirement to share residue storage monitoring data "
                "with the competent authority in real time.",
                "RA-8699",
                "",
                "technical",
            ),
        ],
    ),
    DemoSubmission(
        "rahul.mehta@demo.clausewise.org",
        points=[
            Point(
                "“Pathways that limit warming to 1.5°C” should refer to pathways with no or "
                "limited overshoot, as in the IPCC AR6 categories; otherwise high-overshoot "
                "scenarios qualify.",
                "RA-e3d5",
                "consistent with pathways that limit warming to 1.5°C",
                "technical",
            ),
            Point(
                "The threshold covers Scope 1 and 2 of the smelter only. Alumina refining is a "
                "large share of cradle-to-gate emissions; consider a second threshold for "
                "integrated producers.",
                "RA-8270",
                "6 tonnes CO2e per tonne of aluminium",
                "technical",
            ),
            Point(
                "Ask for LCAs to follow ISO 14040/14044 with third-party critical review when "
                "results are used in public claims.",
                "RA-b69b",
                "",
                "technical",
            ),
        ],
    ),
    DemoSubmission(
        "public@demo.clausewise.org",
        consent=False,
        points=[
            Point(
                "Please also give the Spanish term, *consentimiento libre, previo e informado* "
                "(CLPI), used across Latin America.",
                "RA-7088",
                "consentement préalable, libre et éclairé",
                "editorial",
            ),
            Point(
                "A one-page plain-language summary of each principle would help people outside "
                "the industry take part in this consultation."
            ),
        ],
    ),
    DemoSubmission(
        "mariana.quispe@demo.clausewise.org",
        points=[
            Point(
                "Consent must be sought through the peoples' own institutions and "
                "decision-making processes, and the Entity must accept a “no”. Please say so in "
                "the requirement itself, not only in the guidance.",
                "RA-07d0",
                "shall obtain the free, prior and informed consent (FPIC) of affected "
                "Indigenous Peoples",
                "technical",
            ),
            Point(
                "Agreements should include benefit sharing and a grievance route that the "
                "community controls.",
                "RA-c8fb",
                "",
                "technical",
            ),
        ],
    ),
    DemoSubmission(
        "ipaf@demo.clausewise.org",
        kind="formal",
        organisation="Indigenous Peoples Advisory Forum",
        cover=(
            "The Indigenous Peoples Advisory Forum welcomes the strengthened requirements on "
            "free, prior and informed consent in this draft, and thanks the Secretariat for "
            "the Forum sessions held during the round.\n\n"
            "This formal submission sets out four points on which the Forum asks the "
            "Standards Committee to act before the Standard is balloted. Each point needs "
            "its own written response. The Forum asks in particular that **consent, once "
            "withheld, is respected for the whole life of a project**, and that the "
            "Standard recognises the right of Indigenous Peoples to determine for "
            "themselves what is critical cultural heritage."
        ),
        points=[
            Point(
                "FPIC must apply to every significant change across the life of a project, "
                "including expansion, closure and the reprocessing of residues, and a "
                "withheld consent must not be sought again by other means.",
                "RA-07d0",
                "for new projects, and for changes to existing projects",
                "technical",
                "…for new projects, and for changes to existing projects **throughout "
                "their life, including closure**, that have significant impacts on them…",
            ),
            Point(
                "Information must be provided in the languages of the peoples concerned, "
                "not only in a national language. The French term is welcome; the "
                "requirement should oblige translation into Indigenous languages where "
                "requested.",
                "RA-7088",
                "consentement préalable, libre et éclairé",
                "technical",
            ),
            Point(
                "Agreements must be negotiated with representatives chosen by the peoples "
                "themselves and must include independent legal advice paid for by the "
                "Entity but chosen by the peoples.",
                "RA-c8fb",
                "",
                "technical",
            ),
            Point(
                "What counts as critical cultural heritage must be determined by the "
                "Indigenous Peoples concerned, including intangible heritage.",
                "RA-fcb7",
                "",
                "technical",
                "The Entity shall protect the tangible and intangible cultural heritage "
                "affected by its operations, **as identified by the Indigenous Peoples and "
                "communities concerned**.",
            ),
        ],
    ),
    DemoSubmission(
        "grace.mwangi@demo.clausewise.org",
        kind="organisation",
        organisation="Catchment Futures Network",
        points=[
            Point(
                "Participation in a catchment process should be mandatory in every "
                "water-stressed catchment, with the Entity's water data published.",
                "RA-9b3c",
                "",
                "technical",
            ),
            Point(
                "Add a requirement to monitor receiving waters downstream, not only at the "
                "point of discharge.",
                "RA-bcb6",
                "",
                "technical",
            ),
        ],
    ),
    DemoSubmission(
        "carlos.mendes@demo.clausewise.org",
        kind="organisation",
        organisation="AutoLeve Components",
        points=[
            Point(
                "Closed-loop scrap agreements with automotive customers should count towards "
                "this criterion.",
                "RA-12f6",
            ),
            Point(
                "Please give examples of claims that would be misleading, e.g. claiming a "
                "product-level footprint from a site-level certificate.",
                "RA-d87a",
                "",
                "editorial",
            ),
        ],
    ),
    DemoSubmission(
        "marco.ferri@demo.clausewise.org",
        kind="organisation",
        organisation="Alumina Mediterranea S.p.A.",
        state="withdrawn",
        points=[
            Point(
                "Dry stacking is not feasible at every refinery; allow a transition period.",
                "RA-8699",
                "",
                "technical",
            ),
            Point("Residue reuse reporting should start only once markets exist.", "RA-0f85"),
        ],
        extra={"reason": "Replaced by the joint submission of our industry association."},
    ),
    DemoSubmission(
        "tom.baker@demo.clausewise.org",
        consent=False,
        hide=0,
        points=[
            Point(
                "The site manager at the Eastport smelter, John Doe (mobile +44 7700 900123), "
                "ignores every complaint about the night-time noise. Call him and ask why.",
                "RA-4635",
            ),
            Point(
                "Noise should be covered in this principle: neighbours of pot lines suffer "
                "from it at night.",
                "RA-4635",
            ),
        ],
    ),
    DemoSubmission(
        "public@demo.clausewise.org",
        consent=False,
        state="draft",
        points=[
            Point(
                "Draft note to self: check whether the timeline in Annex A gives small "
                "refineries enough time.",
                "RA-4439",
            ),
        ],
    ),
]


def _accounts(session) -> dict[str, object]:
    from app.demo import ensure_commenters

    users = ensure_commenters(session, COMMENTERS)
    for email in (
        "ipaf@demo.clausewise.org",
        "public@demo.clausewise.org",
        "secretariat@demo.clausewise.org",
    ):
        users[email] = accounts.find_by_email(session, email)
    return users


def load(db: Database) -> list[str]:
    """Load this area's demo content once; return lines to print."""
    with db.transaction() as session:
        standard = session.scalar(select(Standard).where(Standard.slug == SLUG))
        if standard is None:
            return ["Consultation demo skipped: the demo standard is not loaded."]
        if session.scalar(
            select(ConsultationRound.id).where(
                ConsultationRound.standard_id == standard.id, ConsultationRound.number == 2
            )
        ):
            return ["Demo consultation round 2 already loaded."]
        users = _accounts(session)
        now = utcnow().replace(minute=0, second=0, microsecond=0)
        values = rounds_file.parse(ROUND_FILE.read_text(encoding="utf-8"), str(ROUND_FILE))
        values["opens_at"] = now - dt.timedelta(days=OPENED_DAYS_AGO)
        values["closes_at"] = values["opens_at"] + dt.timedelta(days=LENGTH_DAYS)
        round_ = service.create_round(session, SYSTEM, service.clean_round(session, **values))
        counts = {"submitted": 0, "comments": 0}
        step = dt.timedelta(days=OPENED_DAYS_AGO - 1) / len(SUBMISSIONS)
        for i, demo in enumerate(SUBMISSIONS):
            at = round_.opens_at + dt.timedelta(hours=6) + step * i
            _file(session, users, round_, demo, at, counts)
    return [
        f"Opened consultation round 2 on 3.0-draft-2 with {counts['submitted']} "
        f"submissions and {counts['comments']} comments."
    ]


def _file(session, users, round_, demo: DemoSubmission, at: dt.datetime, counts) -> None:
    user = users[demo.email]
    comments = []
    for n, point in enumerate(demo.points):
        comments.append(
            service.add_comment(
                session,
                user,
                round_,
                clause_uid=point.clause,
                comment_type=point.kind,
                body=point.body,
                proposed_change=point.change,
                anchor=service.AnchorInput(passage=point.passage),
                now=at + dt.timedelta(minutes=7 * n),
            )
        )
    draft = comments[0].submission
    at += dt.timedelta(minutes=40)
    service.update_submission(
        session,
        user,
        draft,
        service.SubmissionDetails(
            kind=demo.kind,
            organisation=demo.organisation,
            consent_publish_name=demo.consent,
            cover_statement=demo.cover,
        ),
        now=at,
    )
    if demo.state == "draft":
        return
    service.submit(session, user, draft, now=at + dt.timedelta(minutes=5))
    counts["submitted"] += 1
    counts["comments"] += len(comments)
    if demo.state == "withdrawn":
        service.withdraw(
            session, user, draft, reason=demo.extra.get("reason", ""), now=at + dt.timedelta(days=2)
        )
    if demo.hide is not None:
        service.moderate(
            session,
            users["secretariat@demo.clausewise.org"],
            comments[demo.hide],
            hidden=True,
            reason="Contains personal data (a named person and a phone number). The concern "
            "about noise has been passed to the complaints mechanism.",
        )
