from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Reseller
from catalogue.models import MarketSegment
from resellerconsole.listing import ListFilterForm

from .models import Customer, CustomerStatus
from .selectors import CUSTOMER_ORDERINGS, request_filter_values
from .services import EDITABLE_FIELDS, VipAdminContact


class CustomerForm(forms.ModelForm):
    reseller = forms.ModelChoiceField(label=_("Reseller"), queryset=Reseller.objects.all())
    confirm_duplicate = forms.BooleanField(
        label=_("Yes, save it although another customer has the same name"), required=False
    )

    class Meta:
        model = Customer
        fields = EDITABLE_FIELDS

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only internal sales choose the reseller; reseller staff always work for their own.
        if not user.is_internal_sales or self.instance.pk:
            del self.fields["reseller"]
        self.fields["company_name"].widget.attrs["autofocus"] = True
        self.needs_duplicate_confirmation = bool(self.data.get("confirm_duplicate"))

    def changed_editable_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name in self.changed_data}


class CustomerFilterForm(ListFilterForm):
    """The list's query parameters: a malformed one is refused in the API and shown as a notice in the console
    (see resellerconsole.listing); the list then goes on without it."""

    q = forms.CharField(label=_("Search by company name or VIP ID"), required=False, max_length=120)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "")] + CustomerStatus.choices)
    segment = forms.ChoiceField(label=_("Market segment"), required=False, choices=[("", "")] + MarketSegment.choices)
    requests = forms.ChoiceField(
        label=_("Show"), required=False, choices=lambda: [("", "")] + [(v, "") for v in request_filter_values()]
    )
    reseller = forms.IntegerField(label=_("Reseller"), required=False, min_value=1, max_value=2**63 - 1)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[(key, key) for key in CUSTOMER_ORDERINGS])

    def filters(self) -> dict:
        """Valid parameters as selector arguments; an invalid one falls back to its default."""
        self.is_valid()
        cleaned = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return {
            "search": cleaned.get("q") or "",
            "status": cleaned.get("status") or "",
            "segment": cleaned.get("segment") or "",
            "requests": cleaned.get("requests") or "",
            "reseller_id": cleaned.get("reseller"),
            "ordering": cleaned.get("sort") or "name",
        }


class InvitationForm(forms.Form):
    """The customer page's two buttons: Send invitation (no value) and Resend invitation (resend=1)."""

    resend = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("1", "")],
        error_messages={"invalid_choice": _("Use the Send invitation or the Resend invitation button.")},
    )


class VipAdminSignInForm(forms.Form):
    """The sign-in is for the address the link was sent to, so the form asks only for the password."""

    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Confirm password"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class VipAdminForm(forms.Form):
    #: The row being edited, so a renamed or readdressed admin keeps their identity and sign-in.
    id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("E-mail"), max_length=254)


class BaseVipAdminFormSet(forms.BaseFormSet):
    def contacts(self) -> list[VipAdminContact]:
        return [
            VipAdminContact(name=f.cleaned_data["name"], email=f.cleaned_data["email"], id=f.cleaned_data.get("id"))
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


VipAdminFormSet = forms.formset_factory(
    VipAdminForm,
    formset=BaseVipAdminFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=20,
    validate_max=True,
    can_delete=True,
)


def vip_admin_formset(data=None, *, initial=None, add_row: bool = False) -> BaseVipAdminFormSet:
    """The VIP admin rows; `add_row` re-renders a posted form with one more empty row (no JavaScript needed)."""
    if data is not None and add_row:
        data = data.copy()
        key = "admins-TOTAL_FORMS"
        try:
            rows = int(data.get(key) or 0)
        except ValueError:
            rows = 0
        data[key] = str(min(max(rows, 0), 19) + 1)
    return VipAdminFormSet(data, initial=initial, prefix="admins")
