"""Forms of the network-admin onboarding screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from wnwa.tenants.models import DEPARTMENT_STATUSES


class DepartmentForm(FlaskForm):
    name = StringField("Department name", validators=[DataRequired(), Length(max=200)])
    county = StringField("County", validators=[DataRequired(), Length(max=100)])
    state = StringField("State (two letters)", validators=[DataRequired(), Length(min=2, max=2)])
    sworn = IntegerField(
        "Declared sworn strength",
        validators=[
            InputRequired(message="Give the number of sworn officers."),
            NumberRange(
                min=1, max=100_000, message="Sworn strength must be between 1 and 100,000."
            ),
        ],
    )
    joined = DateField("Join date", validators=[Optional()])


class OnboardForm(DepartmentForm):
    chief_email = StringField(
        "First chief's work email", validators=[DataRequired(), Email(), Length(max=254)]
    )
    chief_first_name = StringField(
        "First chief's first name", validators=[DataRequired(), Length(max=100)]
    )
    chief_last_name = StringField(
        "First chief's last name", validators=[DataRequired(), Length(max=100)]
    )
    chief_employee_number = StringField(
        "First chief's employee number (optional)", validators=[Optional(), Length(max=40)]
    )


class EditDepartmentForm(DepartmentForm):
    status = SelectField(
        "Membership status", choices=[SelectChoice(s, s.capitalize()) for s in DEPARTMENT_STATUSES]
    )
