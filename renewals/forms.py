from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.models import MarketSegment
from resellerconsole.listing import ListFilterForm

from .models import WindowState
from .selectors import OVERVIEW_ORDERINGS
from .services import MAX_RENEWAL_QUANTITY


class OverviewFilterForm(ListFilterForm):
    """The overview's query parameters (see resellerconsole.listing for a malformed one)."""

    window = forms.ChoiceField(label=_("Window"), required=False, choices=[("", _("All"))] + WindowState.choices)
    segment = forms.ChoiceField(
        label=_("Market segment"), required=False, choices=[("", _("All segments"))] + MarketSegment.choices
    )
    reseller = forms.IntegerField(label=_("Reseller"), required=False, min_value=1, max_value=2**63 - 1)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[(key, key) for key in OVERVIEW_ORDERINGS])

    def filters(self) -> dict:
        self.is_valid()
        cleaned = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return {
            "window": cleaned.get("window") or "",
            "segment": cleaned.get("segment") or "",
            "reseller_id": cleaned.get("reseller"),
            "ordering": cleaned.get("sort") or "days_left",
        }


class RenewalQuantityForm(forms.Form):
    product = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    proposed_quantity = forms.IntegerField(label=_("Renewal quantity"), min_value=0, max_value=MAX_RENEWAL_QUANTITY)
    confirm_release = forms.BooleanField(required=False)


class AutoRenewalForm(forms.Form):
    """A subscription's auto-renewal on the Renewals tab: on or off, and the quantity (blank: the renewal
    quantity, else the quantity held). The range is the renewal's rule (renewals.services), asked on saving."""

    product = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    enabled = forms.BooleanField(label=_("Renews automatically"), required=False)
    renewal_quantity = forms.IntegerField(
        label=_("Auto-renewal quantity"), required=False, min_value=0, max_value=MAX_RENEWAL_QUANTITY
    )


class RenewalOrderForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=40)
    order_date = forms.DateField(label=_("Order date"), widget=forms.DateInput(attrs={"type": "date"}))
