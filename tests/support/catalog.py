"""A minimal catalogue for application tests: one body, one filed occupation, one open announcement."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import App
from bot.data.demo_catalog import ANNOUNCEMENT_CONDITIONS
from storage.models import Announcement, Institution, Occupation


async def filed_electrician(app: App) -> Occupation:
    """A technical school with 电工 filed for levels 5–3 (L5)."""
    async with app.sessions() as session:
        school = Institution(code="T0001", name="Test Technical School", kind="school", region="36")
        session.add(school)
        await session.flush()
        assert school.id is not None
        electrician = Occupation(institution_id=school.id, code="6-31-01-03", name="电工", levels=[5, 4, 3])
        session.add(electrician)
        await session.commit()
        return electrician


async def open_announcement(app: App, today: date, levels: tuple[int, ...] = (5, 4, 3)) -> Announcement:
    """The filed electrician occupation and an announcement open around `today`."""
    electrician = await filed_electrician(app)
    assert electrician.id is not None
    async with app.sessions() as session:
        announcement = Announcement(
            institution_id=electrician.institution_id,
            occupation_id=electrician.id,
            title="2026 electrician certification",
            levels=list(levels),
            conditions=dict(ANNOUNCEMENT_CONDITIONS),
            registration_start=today - timedelta(days=5),
            registration_end=today + timedelta(days=10),
            sites=["Building A"],
            fee_yuan=200,
        )
        session.add(announcement)
        await session.commit()
        return announcement
