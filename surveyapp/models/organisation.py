from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveyapp.extensions import db
from surveyapp.models.base import utcnow


class OrgKind(StrEnum):
    AGENCY = "agency"
    DEPARTMENT = "department"
    UNIT = "unit"


class Organisation(db.Model):
    """A node of the organisation tree: agency → department → unit, named in three languages."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh_hans: Mapped[str] = mapped_column(String(200))
    name_zh_hant: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent")

    def name(self, locale: str) -> str:
        """The name in ``locale`` (``zh_Hans``, ``zh_Hant`` or ``en``); the Simplified name when the
        Traditional or English one is empty (optional: a county office may have neither)."""
        name = {
            "zh_Hans": self.name_zh_hans,
            "zh_Hant": self.name_zh_hant,
        }.get(str(locale), self.name_en)
        return name or self.name_zh_hans
