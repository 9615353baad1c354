"""Billing forms (Flask-WTF: every POST carries the CSRF token)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from wnwa.billing.contracts import PAYMENT_METHODS, TEST_CARDS
from wnwa.billing.terms import Tier
from wnwa.billing.tiers import TierInput
from wnwa.fields import AmountField
from wnwa.tenants.quota import MAX_SWORN

PAY_BY_CHOICES = [
    SelectChoice("invoice", "By invoice against a PO (net 30)"),
    SelectChoice("card", "By card, charged automatically each year"),
]


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


class DetailsForm(FlaskForm):
    po_number = StringField("PO number", validators=[Optional(), Length(max=60)])
    billing_contact = StringField(
        "Billing contact name", validators=[DataRequired(), Length(max=200)]
    )
    billing_email = StringField("Billing email", validators=[DataRequired(), Length(max=254)])


class PayByForm(FlaskForm):
    pay_by = RadioField("How invoices are paid", choices=PAY_BY_CHOICES)


class DevCardForm(FlaskForm):
    payment_method = SelectField(
        "Test card", choices=[SelectChoice(k, v) for k, v in TEST_CARDS.items()]
    )


class CancelForm(FlaskForm):
    confirm = BooleanField(
        "I confirm the department will not renew its membership",
        validators=[DataRequired("Tick the box to confirm the notice.")],
    )


class NewContractForm(FlaskForm):
    department_id = SelectField("Department", coerce=int, validators=[DataRequired()])
    pay_by = RadioField("How invoices are paid", choices=PAY_BY_CHOICES, default="invoice")
    billing_contact = StringField(
        "Billing contact name", validators=[DataRequired(), Length(max=200)]
    )
    billing_email = StringField("Billing email", validators=[DataRequired(), Length(max=254)])
    po_number = StringField("PO number (optional)", validators=[Optional(), Length(max=60)])


class ExceptionForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the exception (e.g. a 1-year initial term agreed with the chief)",
        validators=[DataRequired(), Length(min=5, max=500)],
    )


class PaymentForm(FlaskForm):
    method = SelectField("Paid by", choices=[SelectChoice(m) for m in PAYMENT_METHODS])
    reference = StringField(
        "Check number or transfer reference", validators=[DataRequired(), Length(max=100)]
    )


class RenewalRunForm(FlaskForm):
    horizon_days = IntegerField(
        "Renewals due within (days)",
        default=90,
        validators=[DataRequired(), NumberRange(min=1, max=400)],
    )


class TierRowForm(Form):
    lower = IntegerField("From", validators=[Optional(), NumberRange(min=0, max=MAX_SWORN)])
    upper = IntegerField("To", validators=[Optional(), NumberRange(min=0, max=MAX_SWORN)])
    annual = AmountField("Annual fee (USD)", places=2, validators=[Optional(), NumberRange(min=0)])


class TierTableForm(FlaskForm):
    valid_from = DateField(
        "Applies to contracts signed or renewed from", validators=[DataRequired()]
    )
    rows = FieldList(FormField(TierRowForm), min_entries=1, max_entries=40)

    def tier_inputs(self) -> list[TierInput]:
        """The filled rows (a row with no "From" is ignored)."""
        inputs = []
        for row in self.rows:
            if row.form.lower.data is None:
                continue
            annual = row.form.annual.data or Decimal(0)
            inputs.append(
                TierInput(
                    lower=row.form.lower.data,
                    upper=row.form.upper.data,
                    annual_cents=int((annual * 100).to_integral_value()),
                )
            )
        return inputs


def tier_table_form(tiers: list[Tier], valid_from: date, blank_rows: int = 3) -> TierTableForm:
    """The editor pre-filled with ``tiers`` and a few blank rows to add tiers."""
    data = {
        "valid_from": valid_from,
        "rows": [
            {"lower": t.lower, "upper": t.upper, "annual": Decimal(t.annual_cents) / 100}
            for t in tiers
        ]
        + [{} for _ in range(blank_rows)],
    }
    return TierTableForm(formdata=None, data=data)
