"""The password rule: long enough, and not guessable (zxcvbn), stricter for privileged roles."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from zxcvbn import zxcvbn

from app.errors import ValidationError

MIN_LENGTH = 10
PRIVILEGED_MIN_LENGTH = 15
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline attacks"
PRIVILEGED_MIN_SCORE = 4  # "very unguessable"
_ESTIMATE_CHARS = 100  # zxcvbn's cost grows with length; the head decides the score
SITE_WORDS = ["clausewise", "consultation", "standard", "aluminium"]


def _context(email: str, name: str) -> list[str]:
    """Words an attacker would try first for this account."""
    words = [email, name, *re.split(r"[@._+\-\s]+", f"{email} {name}")]
    return [w.lower() for w in words if len(w) >= 3] + SITE_WORDS


def _score(password: str, email: str, name: str) -> int:
    return zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=_context(email, name))["score"]


def privileged_grade(password: str, *, email: str, name: str) -> bool:
    """Say whether a password is good enough for the admin, secretariat and committee roles."""
    return (
        PRIVILEGED_MIN_LENGTH <= len(password) <= MAX_LENGTH
        and _score(password, email, name) >= PRIVILEGED_MIN_SCORE
    )


def check(password: str, *, email: str, name: str, privileged: bool = False) -> None:
    """Refuse a password that is too short, too long or guessable."""
    password = password or ""
    minimum = PRIVILEGED_MIN_LENGTH if privileged else MIN_LENGTH
    if len(password) < minimum:
        if privileged:
            raise ValidationError(
                _(
                    "Your roles need a password of at least %(n)d characters. "
                    "A few unrelated words make a good one.",
                    n=minimum,
                ),
                field="password",
            )
        raise ValidationError(
            _("Choose a password of at least %(n)d characters.", n=minimum), field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            _("That password is too long (%(n)d characters at most).", n=MAX_LENGTH),
            field="password",
        )
    if _score(password, email, name) < (PRIVILEGED_MIN_SCORE if privileged else MIN_SCORE):
        raise ValidationError(
            _(
                "That password is too easy to guess: it is common, follows a pattern, or "
                "is close to your name or email address. Try a few unrelated words."
            ),
            field="password",
        )
