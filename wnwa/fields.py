"""Form fields that several capabilities share."""

from __future__ import annotations

from wtforms import DecimalField, StringField

from wnwa.tenants.quota import SWORN_MESSAGE, sworn_count


class AmountField(DecimalField):
    """A decimal amount (a fee, a price, a share): "Infinity", "NaN" and numbers of more than
    fifteen digits, which Python's Decimal reads, are no amount of ours; they get the field's
    message instead of an error in the arithmetic after."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not (self.data.is_finite() and self.data.adjusted() < 15):
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class SwornField(StringField):
    """A sworn strength read as the public calculators read it ("1,200" too); `data` is the
    number, None when nothing was typed; what was typed is shown again on an error."""

    def process_formdata(self, valuelist) -> None:
        typed = (valuelist[0] if valuelist else "").strip()
        self.data = sworn_count(typed) if typed else None
        if typed and self.data is None:
            raise ValueError(SWORN_MESSAGE)

    def _value(self) -> str:
        return self.raw_data[0] if self.raw_data else "" if self.data is None else str(self.data)
