from __future__ import annotations

import datetime as dt
from enum import StrEnum

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.database import Base, UTCDateTime, utcnow


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARIAT = "secretariat"
    COMMITTEE = "committee"
    IPAF = "ipaf"


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

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    stakeholder_group: Mapped[StakeholderGroup] = mapped_column(
        String(32), default=StakeholderGroup.INDIVIDUAL
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {Role(grant.role) for grant in self.role_grants}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

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
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(String(20))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(
        back_populates="role_grants", foreign_keys=[user_id], lazy="raise"
    )
