from django import forms


class DashboardFilterForm(forms.Form):
    """Internal sales' choice of one reseller; anything malformed means every reseller, never an error page."""

    reseller = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)

    def reseller_id(self) -> int | None:
        return self.cleaned_data.get("reseller") if self.is_valid() else None
