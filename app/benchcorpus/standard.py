"""Generate a standard in the standards_src/ format, and the edits between its drafts."""

from __future__ import annotations

PARAGRAPHS = [
    "The Entity shall identify, assess and document the {topic} risks of its operations "
    "and business relationships, and shall review the assessment at least every {n} years "
    "or whenever operations change significantly.",
    "Where {topic} impacts are identified, the Entity shall set time-bound targets, assign "
    "responsibility to a named function and report progress publicly each year.",
    "The Entity shall engage affected stakeholders, including workers and local communities, "
    "when it designs and reviews its {topic} measures, and shall record how their views "
    "were taken into account.",
]
TOPICS = [
    "water",
    "biodiversity",
    "waste",
    "emissions",
    "labour",
    "land",
    "health and safety",
    "community",
    "governance",
    "closure",
    "material stewardship",
    "human rights",
]


def clause_body(i: int) -> str:
    topic = TOPICS[i % len(TOPICS)]
    parts = [
        PARAGRAPHS[k % len(PARAGRAPHS)].format(topic=topic, n=2 + i % 3)
        for k in range(i, i + 1 + i % 3)
    ]
    if i % 4 == 0:
        parts.append(
            "The assessment shall cover:\n\n"
            f"- direct {topic} impacts of the site;\n"
            f"- {topic} impacts of suppliers and contractors;\n"
            "- cumulative impacts with other users of the area."
        )
    if i % 7 == 0:
        parts.append(
            "See the [guidance](https://example.org/guidance) for *examples* of **good practice**."
        )
    return "\n\n".join(parts)


def shape_for(clauses: int) -> tuple[int, int, int]:
    """Pick principles x criteria x requirements giving about `clauses` clauses (600: 12x7x6)."""
    if clauses >= 600:
        return (max(1, round(clauses / 50)), 7, 6)
    principles = max(1, round(clauses / 50))
    return (principles, 7, 6) if clauses >= 50 else (1, max(1, clauses // 7), 6)


def synthetic_source(slug: str, title: str, uid_prefix: str, shape: tuple[int, int, int]) -> str:
    """Write a standard with principles, criteria and requirements in the source format."""
    principles, criteria, requirements = shape
    lines = [
        "---",
        f"slug: {slug}",
        f"title: {title}",
        "summary: A generated standard for benchmarks and the volume guard.",
        f"uid-prefix: {uid_prefix}",
        "---",
        "",
    ]
    n = 0

    def clause(level: int, number: str, heading: str, kind: str) -> None:
        nonlocal n
        n += 1
        lines.extend(
            [
                f"{'#' * level} {number} {heading} {{#{uid_prefix}-{n:04x} .{kind}}}",
                "",
                clause_body(n),
                "",
            ]
        )

    for p in range(1, principles + 1):
        clause(1, f"{p}", f"{TOPICS[p % len(TOPICS)].capitalize()} principle", "principle")
        for c in range(1, criteria + 1):
            clause(2, f"{p}.{c}", f"Criterion on {TOPICS[(p + c) % len(TOPICS)]}", "criterion")
            for r in range(1, requirements + 1):
                clause(3, f"{p}.{c}.{r}", f"Requirement {r} of criterion {p}.{c}", "requirement")
    return "\n".join(lines).rstrip("\n") + "\n"


def edited_body(body: str, draft: int) -> str:
    """Change a clause's text the way a committee would between two drafts."""
    return (
        body.replace("shall", "must", 1)
        + f"\n\nDraft {draft}: the Entity shall publish a summary of this assessment."
    )
