"""Directory forms: the search form (GET, no CSRF, unknown values dropped), and the supporter's
own profile, availability and listing forms (POST with CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from wnwa.directory import services, vocab
from wnwa.directory.query import SearchFilters

MAX_PAGE = 400


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(
    vocabulary: dict[str, str], first: tuple[str, str] | None = None
) -> list[SelectChoice]:
    pairs = ([first] if first else []) + list(vocabulary.items())
    return [SelectChoice(value, label) for value, label in pairs]


STATE_CHOICES = _choices(vocab.STATE_NAMES, ("", "Any state"))
GENDER_CHOICES = _choices(vocab.GENDERS, ("", "Any"))
CAREER_CHOICES = _choices(vocab.CAREERS, ("", "Active or retired"))


# --- search ----------------------------------------------------------------------------------


def _known(values: list[str], vocabulary: dict[str, str]) -> tuple[str, ...]:
    return tuple(v for v in dict.fromkeys(values) if v in vocabulary)


def _one(value: str, vocabulary: dict[str, str]) -> str:
    return value if value in vocabulary else ""


def _page(value: str) -> int:
    return min(MAX_PAGE, max(1, int(value))) if value.isdecimal() else 1


def filters_from_args(args: MultiDict) -> SearchFilters:
    """Search filters from a query string; anything unknown is ignored, never an error."""
    return SearchFilters(
        text=args.get("q", "")[:200],
        state=_one(args.get("state", ""), vocab.STATE_NAMES),
        county=args.get("county", "")[:100],
        topics=_known(args.getlist("topic"), vocab.TOPICS),
        assignments=_known(args.getlist("assignment"), vocab.ASSIGNMENTS),
        languages=_known(args.getlist("language"), vocab.LANGUAGES),
        gender=_one(args.get("gender", ""), vocab.GENDERS),
        career=_one(args.get("career", ""), vocab.CAREERS),
        available_now=args.get("now") == "1",
        include_own=args.get("own") == "1",
        page=_page(args.get("page", "1")),
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Optional(), Length(max=200)])
    now = BooleanField("Available now only", false_values=("", "0"))
    own = BooleanField("Include my own department", false_values=("", "0"))
    state = SelectField("State", choices=STATE_CHOICES, validate_choice=False)
    county = StringField("County", validators=[Optional(), Length(max=100)])
    topic = MultiCheckboxField("Lived experience", choices=_choices(vocab.TOPICS))
    assignment = MultiCheckboxField("Assignment background", choices=_choices(vocab.ASSIGNMENTS))
    language = MultiCheckboxField("Languages", choices=_choices(vocab.LANGUAGES))
    gender = SelectField("Gender", choices=GENDER_CHOICES, validate_choice=False)
    career = SelectField("Active or retired", choices=CAREER_CHOICES, validate_choice=False)


def search_form(filters: SearchFilters) -> SearchForm:
    """The search form showing the (cleaned) filters in use."""
    return SearchForm(
        formdata=None,
        data={
            "q": filters.text,
            "now": filters.available_now,
            "own": filters.include_own,
            "state": filters.state,
            "county": filters.county,
            "topic": list(filters.topics),
            "assignment": list(filters.assignments),
            "language": list(filters.languages),
            "gender": filters.gender,
            "career": filters.career,
        },
    )


# --- the supporter's own page -----------------------------------------------------------------


class ProfileForm(FlaskForm):
    display_name = StringField("Name to show", validators=[DataRequired(), Length(min=2, max=120)])
    phone = TelField("Phone number", validators=[DataRequired(), Length(max=40)])
    accepts_texts = BooleanField("Texts welcome at this number")
    contact_email = EmailField("Email to show (optional)", validators=[Optional(), Length(max=254)])
    years_of_service = IntegerField(
        "Years of service", validators=[InputRequired(), NumberRange(0, services.MAX_YEARS)]
    )
    career = RadioField("Career", choices=_choices(vocab.CAREERS), default="active")
    assignments = MultiCheckboxField("Assignment background", choices=_choices(vocab.ASSIGNMENTS))
    topics = MultiCheckboxField("Lived experience", choices=_choices(vocab.TOPICS))
    languages = MultiCheckboxField(
        "Languages", choices=_choices(vocab.LANGUAGES), default=["en"], validators=[DataRequired()]
    )
    gender = SelectField(
        "Gender (optional)", choices=_choices(vocab.GENDERS, ("", "Prefer not to say"))
    )
    bio = TextAreaField("Short introduction", validators=[Optional(), Length(max=services.MAX_BIO)])

    def to_input(self) -> services.ProfileInput:
        return services.ProfileInput(
            display_name=self.display_name.data or "",
            phone=self.phone.data or "",
            accepts_texts=bool(self.accepts_texts.data),
            contact_email=self.contact_email.data or "",
            years_of_service=self.years_of_service.data or 0,
            assignments=tuple(self.assignments.data or ()),
            topics=tuple(self.topics.data or ()),
            languages=tuple(self.languages.data or ()),
            gender=self.gender.data or "",
            career=self.career.data or "active",
            bio=self.bio.data or "",
        )


def profile_form(profile, default_name: str) -> ProfileForm:
    """The profile form filled from the saved profile (or the account's name for a new one)."""
    if profile is None:
        return ProfileForm(formdata=None, display_name=default_name)
    return ProfileForm(
        formdata=None,
        data={
            "display_name": profile.display_name,
            "phone": profile.phone,
            "accepts_texts": profile.accepts_texts,
            "contact_email": profile.contact_email,
            "years_of_service": profile.years_of_service,
            "career": profile.career,
            "assignments": profile.assignments.split(),
            "topics": profile.topics.split(),
            "languages": profile.languages.split(),
            "gender": profile.gender,
            "bio": profile.bio,
        },
    )


STATUS_CHOICES = [
    SelectChoice(vocab.STATUS_NOW, "Available now"),
    SelectChoice(vocab.STATUS_LATER, "Available later today"),
    SelectChoice(vocab.STATUS_AWAY, "Away until a date"),
    SelectChoice(vocab.STATUS_PAUSED, "Paused (not taking calls) until a date"),
    SelectChoice("", "No status"),
]


class AvailabilityForm(FlaskForm):
    status = RadioField("Availability", choices=STATUS_CHOICES, default="")
    hours = SelectField(
        "For how long (if available now)",
        choices=[SelectChoice(str(h), f"{h} hour{'s' if h > 1 else ''}") for h in vocab.NOW_HOURS],
        default="4",
    )
    until = DateField("Back on (if away or paused)", validators=[Optional()])


class ListingForm(FlaskForm):
    """One button: list or unlist (the value comes from the button pressed)."""
