"""People and the companies they belong to."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, false, func, select, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.dates import utcnow
from app.extensions import db

CUSTOMER, MARKETER, SALES, ADMIN = "customer", "marketer", "sales", "admin"
ROLES = (CUSTOMER, MARKETER, SALES, ADMIN)
STAFF_ROLES = (MARKETER, SALES, ADMIN)
LOCALES = ("nl", "en")

# Checked against when the e-mail is unknown, so a miss costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-just-as-slow")


def new_referral_code() -> str:
    return secrets.token_urlsafe(9)[:12]


def _referral_code_for_customers(context) -> str | None:
    # A column default, so every way a customer account is made (invitation, CSV import, CLI, the
    # bulk insert of seed-scale) gives the code in the INSERT itself: no page has to make one later.
    return new_referral_code() if context.get_current_parameters().get("role") == CUSTOMER else None


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


class Company(db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    account_manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.current_timestamp())

    account_manager: Mapped[User] = relationship(foreign_keys=[account_manager_id])
    contacts: Mapped[list[User]] = relationship(
        back_populates="company", foreign_keys="User.company_id", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        CheckConstraint(f"locale IN {LOCALES!r}", name="locale_known"),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
        # The people of a company (and of an account manager's companies, for sales lists) from the
        # index alone on PostgreSQL; it also serves every lookup by company_id.
        Index("ix_users_company_people", "company_id", "id", postgresql_include=["role", "is_active", "name"]),
        # Analytics: the customers who joined (were invited, or else got an account) since a moment.
        Index("ix_users_invited_at", "invited_at"),
        Index("ix_users_created_at", "created_at"),
        # The REST API's "changed since" filter for integrations that keep a copy in step.
        Index("ix_users_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default=CUSTOMER)
    locale: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL", use_alter=True)
    )
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Bumped by logout and password change: every cookie that carries the old value stops working.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.current_timestamp())
    # Any change to the row (through the ORM or a Core UPDATE) moves it on; the migration that added
    # it filled it with created_at (nullable, so SQLite could add it without rebuilding the table).
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)
    invited_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Profile, completed by the customer (also through the `profile` challenge).
    job_title: Mapped[str | None] = mapped_column(String(120))
    linkedin_url: Mapped[str | None] = mapped_column(String(255))
    # The leaderboard is opt-in, with a display name of the customer's choosing.
    leaderboard_opt_in: Mapped[bool] = mapped_column(default=False, server_default=false())
    display_name: Mapped[str | None] = mapped_column(String(60))
    # The customer's personal referral code (share links, /r/<code>), made with the account.
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True, default=_referral_code_for_customers)
    # The page that link opens shows the customer's first name only when they allow it.
    referral_show_name: Mapped[bool] = mapped_column(default=False, server_default=false())

    company: Mapped[Company | None] = relationship(back_populates="contacts", foreign_keys=[company_id])
    manager: Mapped[User | None] = relationship(remote_side=[id], foreign_keys=[manager_id])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"

    # Flask-Login: the id carries the session version, so bumping it ends old sessions
    # and remember-me cookies everywhere.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            check_password_hash(_DUMMY_HASH, password)
            return False
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        # Conditional on the database value, so two concurrent bumps both count.
        self.session_version = User.session_version + 1

    @staticmethod
    def by_email(email: str | None) -> User | None:
        address = normalise_email(email)
        if not address:
            return None
        return db.session.scalar(select(User).where(User.email == address))

    @staticmethod
    def check_unknown_password(password: str) -> None:
        check_password_hash(_DUMMY_HASH, password)
