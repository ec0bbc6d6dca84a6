from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import Base, UTCDateTime, enum_check, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    COMMITTEE = "committee"
    IPAF = "ipaf"


# Roles that decide what a standard says: they act only after a second factor
# in the current session and with a privileged-grade password.
PRIVILEGED_ROLES = frozenset({Role.ADMIN, Role.SECRETARIAT, Role.COMMITTEE})
# A remembered browser keeps its session for weeks; privileged roles ask for the
# code again after this long (the person re-enters it on /profile/verify).
SECOND_FACTOR_VALID = dt.timedelta(hours=12)


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.SECRETARIAT: _l("Secretariat"),
    Role.COMMITTEE: _l("Standards Committee member"),
    Role.IPAF: _l("Indigenous Peoples Advisory Forum member"),
}


class StakeholderGroup(StrEnum):
    INDUSTRY_UPSTREAM = "industry-upstream"
    INDUSTRY_MIDSTREAM = "industry-midstream"
    INDUSTRY_DOWNSTREAM = "industry-downstream"
    CIVIL_SOCIETY = "civil-society"
    INDIGENOUS_PEOPLES = "indigenous-peoples"
    GOVERNMENT = "government"
    ACADEMIC = "academic"
    INDIVIDUAL = "individual"
    OTHER = "other"


STAKEHOLDER_LABELS = {
    StakeholderGroup.INDUSTRY_UPSTREAM: _l("Industry – upstream (mining, refining, smelting)"),
    StakeholderGroup.INDUSTRY_MIDSTREAM: _l("Industry – midstream (semi-fabrication)"),
    StakeholderGroup.INDUSTRY_DOWNSTREAM: _l("Industry – downstream (products, users)"),
    StakeholderGroup.CIVIL_SOCIETY: _l("Civil society"),
    StakeholderGroup.INDIGENOUS_PEOPLES: _l("Indigenous Peoples"),
    StakeholderGroup.GOVERNMENT: _l("Government"),
    StakeholderGroup.ACADEMIC: _l("Academic / research"),
    StakeholderGroup.INDIVIDUAL: _l("Individual"),
    StakeholderGroup.OTHER: _l("Other"),
}


class User(UserMixin, Base):
    __tablename__ = "user_account"
    __table_args__ = (enum_check("stakeholder_group", StakeholderGroup),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    stakeholder_group: Mapped[StakeholderGroup] = mapped_column(
        String(32), default=StakeholderGroup.INDIVIDUAL
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Interface language chosen by the person (None: follow the cookie and the browser).
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set whenever the password is set: does it meet the rule for privileged roles?
    password_privileged_grade: Mapped[bool] = mapped_column(Boolean, default=False)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    terms_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # The web session this object was loaded for (set by the login loader only);
    # None for users loaded by services, the shell and tests.
    acting_session = None  # UserSession | None
    session_token = None  # str | None

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login: the session cookie and the remember cookie
        return f"{self.id}:{self.session_token or ''}"

    @property
    def granted_roles(self) -> set[Role]:
        """Every role granted, whether or not this session may act in it."""
        return {Role(grant.role) for grant in self.role_grants}

    @property
    def held_privileged_roles(self) -> set[Role]:
        return self.granted_roles & PRIVILEGED_ROLES

    @property
    def may_act_privileged(self) -> bool:
        """Say whether this session has passed what privileged roles require."""
        session = self.acting_session
        if session is None:  # not a web session: services, the shell, tests
            return True
        passed = session.second_factor_at
        return (
            passed is not None
            and utcnow() - passed < SECOND_FACTOR_VALID
            and self.password_privileged_grade
        )

    @property
    def roles(self) -> set[Role]:
        """The roles this user may act in now: the one place privileged roles are gated."""
        granted = self.granted_roles
        if granted & PRIVILEGED_ROLES and not self.may_act_privileged:
            return granted - PRIVILEGED_ROLES
        return granted

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def set_password(self, password: str) -> None:
        method = "scrypt"
        if has_app_context():
            method = current_app.config.get("PASSWORD_HASH_METHOD", method)
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role"), enum_check("role", Role))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(
        back_populates="role_grants", foreign_keys=[user_id], lazy="raise"
    )


class UserSession(Base):
    """A signed-in browser: revoked at sign-out, password change, role revocation."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the random token the cookies carry: a copy of the table opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    second_factor_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(40), default="")


class SecondFactor(Base):
    """A TOTP authenticator enrolled by a user."""

    __tablename__ = "second_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    secret: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last 30-second step accepted: a code is good once (replay protection).
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Base):
    """A one-time code that stands in for the authenticator; only its hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SignInThrottle(Base):
    """Failed sign-ins per account or address, shared by every worker (database store)."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class EmailChange(Base):
    """A requested change of address, applied once both addresses have confirmed."""

    __tablename__ = "email_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    new_email: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    old_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    new_confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class PageText(Base):
    """An editable page (the privacy notice): appended, the latest row is shown."""

    __tablename__ = "page_text"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
