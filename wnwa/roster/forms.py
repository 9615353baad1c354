"""Forms of the chief's roster screens."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional


class UploadForm(FlaskForm):
    roster = FileField(
        "Roster file (CSV)",
        validators=[FileRequired("Choose the roster file to upload.")],
        render_kw={"accept": ".csv,text/csv", "aria-describedby": "roster-help"},
    )
    mode = RadioField(
        "What the file is",
        choices=[
            SelectChoice("update", "New and changed people only: nobody leaves the roster"),
            SelectChoice(
                "full", "The whole roster (full sync): anyone not in the file leaves the roster"
            ),
        ],
        default="update",
    )


class TicketForm(FlaskForm):
    ticket = HiddenField(validators=[DataRequired()])


class PersonForm(FlaskForm):
    opened = HiddenField()  # the version the form was opened at (people.person_version)
    employee_number = StringField("Employee number", validators=[DataRequired(), Length(max=40)])
    first_name = StringField("First name", validators=[DataRequired(), Length(max=100)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=100)])
    email = StringField(
        "Work email", validators=[DataRequired(), Length(max=254)], render_kw={"type": "email"}
    )
    rank = StringField("Rank (optional)", validators=[Optional(), Length(max=100)])
    sworn = SelectField(
        "Sworn or civilian",
        choices=[SelectChoice("sworn", "Sworn"), SelectChoice("civilian", "Civilian")],
    )

    def values(self) -> dict[str, str]:
        return {
            "employee_number": self.employee_number.data or "",
            "first_name": self.first_name.data or "",
            "last_name": self.last_name.data or "",
            "email": self.email.data or "",
            "rank": self.rank.data or "",
            "sworn": self.sworn.data or "",
        }


class RolesForm(FlaskForm):
    chief = BooleanField("Chief (manages the roster)")
    finance = BooleanField("Department finance (contract and invoices)")


class TokenForm(FlaskForm):
    label = StringField(
        "Name of the token",
        validators=[DataRequired(), Length(max=100)],
        render_kw={"placeholder": "e.g. Okta production"},
    )
