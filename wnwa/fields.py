"""Form fields that several capabilities share."""

from __future__ import annotations

from wtforms import DecimalField


class AmountField(DecimalField):
    """A decimal amount (a fee, a price, a share): "Infinity", "NaN" and numbers of more than
    fifteen digits, which Python's Decimal reads, are no amount of ours; they get the field's
    message instead of an error in the arithmetic after."""

    def process_formdata(self, valuelist) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not (self.data.is_finite() and self.data.adjusted() < 15):
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
