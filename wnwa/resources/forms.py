"""Forms for network admins writing resources and news."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from wnwa.resources.models import CATEGORIES, KINDS, STATES
from wnwa.resources.services import NewsInput, ResourceInput
from wnwa.site.forms import Required
from wnwa.us_states import network_day

MARKDOWN_HELP = (
    "Markdown: **bold**, *italic*, [a link](https://example.org), lists with - or 1. "
    "HTML and pictures are not shown."
)


def _choices(mapping: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in mapping.items()]


class ResourceForm(FlaskForm):
    opened = HiddenField()  # the version the form was opened at (services.version_of)
    title = StringField("Title", validators=[Required("Give it a title."), Length(max=200)])
    kind = SelectField("Kind", choices=_choices(KINDS))
    category = SelectField("Category", choices=_choices(CATEGORIES))
    summary = TextAreaField("Summary (shown in the list)", validators=[Optional(), Length(max=500)])
    url = StringField("Link (optional)", validators=[Optional(), Length(max=500)])
    phone = StringField("Phone (services)", validators=[Optional(), Length(max=40)])
    body = TextAreaField(
        "Text", description=MARKDOWN_HELP, validators=[Optional(), Length(max=50_000)]
    )
    state = RadioField("State", choices=_choices(STATES), default="draft")
    publish_on = DateField(
        "Publish date", default=network_day, validators=[InputRequired("Give a publish date.")]
    )

    def to_input(self) -> ResourceInput:
        return ResourceInput(
            title=self.title.data or "",
            kind=self.kind.data or "",
            category=self.category.data or "",
            summary=self.summary.data or "",
            body=self.body.data or "",
            url=(self.url.data or "").strip(),
            phone=(self.phone.data or "").strip(),
            state=self.state.data or "",
            publish_on=self.publish_on.data,
        )


class NewsForm(FlaskForm):
    opened = HiddenField()
    title = StringField("Title", validators=[Required("Give it a title."), Length(max=200)])
    summary = TextAreaField("Summary (shown in the list)", validators=[Optional(), Length(max=500)])
    body = TextAreaField(
        "Text",
        description=MARKDOWN_HELP,
        validators=[Required("Write the post."), Length(max=50_000)],
    )
    state = RadioField("State", choices=_choices(STATES), default="draft")
    publish_on = DateField(
        "Publish date", default=network_day, validators=[InputRequired("Give a publish date.")]
    )

    def to_input(self) -> NewsInput:
        return NewsInput(
            title=self.title.data or "",
            summary=self.summary.data or "",
            body=self.body.data or "",
            state=self.state.data or "",
            publish_on=self.publish_on.data,
        )
