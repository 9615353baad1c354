"""Forms: they parse and bound input; the services hold the rules."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from wnwa.fields import AmountField
from wnwa.training.classes import MAX_DAYS, ClassInput
from wnwa.training.external import ExternalInput


class ClassForm(FlaskForm):
    title = StringField(
        "Title", validators=[InputRequired(), Length(max=200)], description="e.g. 3-day teammate"
    )
    location = StringField("Location", validators=[InputRequired(), Length(max=300)])
    registration_deadline = DateField("Registration deadline", validators=[InputRequired()])
    capacity = IntegerField("Capacity (seats)", validators=[InputRequired(), NumberRange(1, 1000)])
    seats_per_department = IntegerField(
        "Seats per department (empty: no limit)", validators=[Optional(), NumberRange(1, 1000)]
    )
    hours = IntegerField("Hours of instruction", validators=[InputRequired(), NumberRange(1, 200)])
    price = AmountField(
        "Price per seat (US$)", places=2, validators=[InputRequired(), NumberRange(0, 100_000)]
    )

    def day_fields(self):
        return [getattr(self, f"day_{n}") for n in range(1, MAX_DAYS + 1)]

    def to_input(self) -> ClassInput:
        price = self.price.data
        return ClassInput(
            title=self.title.data or "",
            location=self.location.data or "",
            days=[f.data for f in self.day_fields()],
            capacity=self.capacity.data,
            seats_per_department=self.seats_per_department.data,
            price_cents=int(round(price * 100)) if price is not None else None,
            hours=self.hours.data,
            registration_deadline=self.registration_deadline.data,
        )

    def fill(self, cls) -> None:
        self.title.data, self.location.data = cls.title, cls.location
        for field, day in zip(self.day_fields(), [d.day for d in cls.days], strict=False):
            field.data = day
        self.registration_deadline.data = cls.registration_deadline
        self.capacity.data = cls.capacity
        self.seats_per_department.data = cls.seats_per_department
        self.hours.data = cls.hours
        self.price.data = cls.price_cents / 100


# One date field per day a class may have (a class has at most MAX_DAYS days).
for _n in range(1, MAX_DAYS + 1):
    setattr(ClassForm, f"day_{_n}", DateField(f"Day {_n}", validators=[Optional()]))


class ReserveForm(FlaskForm):
    officer = StringField(
        "Officer (employee/badge number or work email)",
        validators=[InputRequired(), Length(max=254)],
    )


class ActionForm(FlaskForm):
    """A button that posts: the CSRF token is all it carries."""


class DeclineForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[InputRequired(), Length(min=5, max=2000)])


class RevokeForm(FlaskForm):
    reason = StringField("Reason", validators=[InputRequired(), Length(max=300)])


class AttendanceForm(FlaskForm):
    present = HiddenField()


class ExternalForm(FlaskForm):
    officer = StringField(
        "Officer (employee/badge number or work email)",
        validators=[InputRequired(), Length(max=254)],
    )
    provider = StringField("Training provider", validators=[InputRequired(), Length(max=200)])
    course = StringField("Course", validators=[InputRequired(), Length(max=200)])
    started_on = DateField("First day", validators=[InputRequired()])
    ended_on = DateField("Last day", validators=[InputRequired()])
    hours = IntegerField("Hours", validators=[InputRequired(), NumberRange(1, 400)])
    certificate = FileField("Certificate (PDF, PNG or JPEG, up to 10 MB)")

    def to_input(self) -> ExternalInput:
        return ExternalInput(
            officer=self.officer.data or "",
            provider=self.provider.data or "",
            course=self.course.data or "",
            started_on=self.started_on.data,
            ended_on=self.ended_on.data,
            hours=self.hours.data,
        )


class SettingsForm(FlaskForm):
    small_min = AmountField(
        "Minimum share for departments of 50 or fewer (%)",
        places=2,
        validators=[InputRequired(), NumberRange(0.01, 100)],
    )
    small_target = AmountField(
        "Target share for departments of 50 or fewer (%)",
        places=2,
        validators=[InputRequired(), NumberRange(0.01, 100)],
    )
    large_min = AmountField(
        "Minimum share at 13,000 sworn (%)",
        places=2,
        validators=[InputRequired(), NumberRange(0.01, 100)],
    )
    large_target = AmountField(
        "Target share at 13,000 sworn (%)",
        places=2,
        validators=[InputRequired(), NumberRange(0.01, 100)],
    )
    renewal_months = IntegerField(
        "Certificates must be renewed after (months; empty: never)",
        validators=[Optional(), NumberRange(1, 120)],
    )


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
