"""Forms of the network-admin onboarding screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from wnwa.tenants.models import DEPARTMENT_STATUSES
from wnwa.us_states import STATE_NAMES

STATE_CHOICES = [SelectChoice("", "Choose a state")] + sorted(
    (SelectChoice(code, name) for code, name in STATE_NAMES.items()),
    key=lambda choice: choice.label,
)


class DepartmentForm(FlaskForm):
    name = StringField(
        "Department name",
        validators=[DataRequired("Give the department's name."), Length(max=200)],
    )
    county = StringField("County", validators=[DataRequired("Give the county."), Length(max=100)])
    state = SelectField(  # the service checks the code and says what is wrong with it
        "State",
        choices=STATE_CHOICES,
        coerce=lambda value: (value or "").strip().upper(),
        validate_choice=False,
        validators=[DataRequired("Choose the state.")],
    )
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
        "First chief's work email",
        validators=[
            DataRequired("Give the chief's work email."),
            Email("Enter an email address like name@department.gov."),
            Length(max=254),
        ],
    )
    chief_first_name = StringField(
        "First chief's first name",
        validators=[DataRequired("Give the chief's first name."), Length(max=100)],
    )
    chief_last_name = StringField(
        "First chief's last name",
        validators=[DataRequired("Give the chief's last name."), Length(max=100)],
    )
    chief_employee_number = StringField(
        "First chief's employee number (optional)", validators=[Optional(), Length(max=40)]
    )


class EditDepartmentForm(DepartmentForm):
    status = SelectField(
        "Membership status", choices=[SelectChoice(s, s.capitalize()) for s in DEPARTMENT_STATUSES]
    )
