from django import forms
from django.utils.translation import gettext_lazy as _

from resellerconsole.listing import ListFilterForm


class DashboardFilterForm(ListFilterForm):
    """Internal sales' choice of one reseller; a malformed one means every reseller, with a notice saying so."""

    reseller = forms.IntegerField(label=_("Reseller"), required=False, min_value=1, max_value=2**63 - 1)

    def reseller_id(self) -> int | None:
        return self.cleaned_data.get("reseller") if self.is_valid() else None
