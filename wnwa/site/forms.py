"""Public forms. Each one carries a honeypot field that people never see; the services hold
the rules, the forms bound the input and say clearly what is wrong."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
)

from wnwa.fields import SwornField
from wnwa.site.models import DEMO_FORMATS

HONEYPOT = "website"


def looks_empty(text: str) -> bool:
    """Nothing a reader would see: spaces, line breaks and invisible format characters (a
    zero-width space, a byte-order mark) only."""
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


class Required(InputRequired):
    """A text field that must hold something: like InputRequired, but what shows nothing
    (spaces, a zero-width space) counts as nothing; the services strip what is typed, so "   "
    would be kept as an empty value. The field's own message is shown and the rest of the
    form keeps what was typed."""

    def __call__(self, form, field) -> None:
        super().__call__(form, field)
        if isinstance(field.data, str) and looks_empty(field.data):
            field.errors[:] = []
            raise StopValidation(self.message or field.gettext("This field is required."))


class PublicForm(FlaskForm):
    # Hidden from people (off-screen, out of the tab order, no autofill); bots fill it in.
    website = StringField("Leave this field empty", validators=[Optional(), Length(max=200)])

    def is_spam(self) -> bool:
        return bool((self.website.data or "").strip())


class VisitorForm(PublicForm):
    name = StringField(
        "Your name",
        validators=[Required("Enter your name."), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "Email",
        validators=[
            Required("Enter your email address."),
            Email("Enter an email address like name@department.gov."),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email"},
    )
    organisation = StringField(
        "Department or organization",
        validators=[Required("Enter your department or organisation."), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    job_title = StringField(
        "Your role (optional)",
        validators=[Optional(), Length(max=120)],
        render_kw={"autocomplete": "organization-title"},
    )


class MemberListForm(VisitorForm):
    reason = TextAreaField(
        "Why you would like the list",
        validators=[
            Required("Tell us briefly why you would like the list."),
            Length(max=2000),
        ],
    )


class ContactForm(VisitorForm):
    organisation = StringField(
        "Department or organization (optional)",
        validators=[Optional(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    phone = TelField(
        "Phone (optional)",
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "tel"},
    )
    message = TextAreaField(
        "Your message",
        validators=[Required("Write your message."), Length(max=5000)],
    )


class DemoForm(VisitorForm):
    organisation = StringField(
        "Department",
        validators=[Required("Enter your department."), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    phone = TelField(
        "Phone (optional)",
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "tel"},
    )
    sworn = SwornField(
        "Sworn officers in your department",
        validators=[InputRequired("Enter the number of sworn officers.")],
        render_kw={"inputmode": "numeric"},
    )
    demo_format = RadioField(
        "How would you like the demo?",
        choices=[SelectChoice(k, v) for k, v in DEMO_FORMATS.items()],
        validators=[InputRequired("Choose a video call or an in-person visit.")],
    )
    preferred_times = TextAreaField(
        "Preferred dates and times",
        description="e.g. Tuesday or Thursday mornings in the week of March 9",
        validators=[Required("Suggest a few dates and times."), Length(max=1000)],
    )
    message = TextAreaField(
        "Anything we should know (optional)", validators=[Optional(), Length(max=2000)]
    )


# --- network staff --------------------------------------------------------------------------


class ReplyForm(FlaskForm):
    message = TextAreaField(
        "Reply", validators=[Required("Write the reply to send."), Length(max=10000)]
    )
    close = BooleanField("Close the request after sending")


class ApproveForm(FlaskForm):
    note = TextAreaField("A note above the list (optional)", validators=[Length(max=2000)])


class DeclineForm(FlaskForm):
    message = TextAreaField("Why (sent to the requester)", validators=[Length(max=2000)])
