from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from catalogue.models import LicenseType, Product
from catalogue.selectors import products_for

from .services import PO_NUMBER_MAX_LENGTH, LineRequest

LINE_PREFIX = "lines"


class PurchaseAuthorizationForm(forms.Form):
    license_type = forms.ChoiceField(
        label=_("Licence type"), choices=[("", _("Choose Enterprise or Team"))] + LicenseType.choices
    )
    po_number = forms.CharField(
        label=_("Customer PO number (optional)"),
        max_length=PO_NUMBER_MAX_LENGTH,
        required=False,
        help_text=_("Up to 35 letters, digits and - _ / ."),
    )


class LineForm(forms.Form):
    # Every product validates here so the service can say *why* one is refused (device licence, type,
    # segment); the drop-down only offers the products that fit.
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all())
    quantity = forms.IntegerField(label=_("Number of licences"), min_value=1)


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, license_type: str = "", segment: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # The licence type comes as posted: only a real one is looked up (PostgreSQL refuses a NUL byte).
        license_type = license_type if license_type in LicenseType.values else ""
        offered = list(products_for(license_type=license_type, segment=segment)) if license_type else []
        choices = [("", _("Choose a product") if license_type else _("Choose the licence type first"))]
        choices += [(p.pk, f"{p.name} ({p.sku_new})") for p in offered]
        for form in self.forms:
            form.fields["product"].widget.choices = choices
        self.empty_form.fields["product"].widget.choices = choices

    def line_requests(self) -> list[LineRequest]:
        # A row added with the plus button and left blank is no line (Django skips unchanged extra rows).
        return [
            LineRequest(f.cleaned_data["product"], f.cleaned_data["quantity"]) for f in self.forms if f.cleaned_data
        ]


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=settings.PA_MAX_LINES,
    validate_max=True,
)


def chosen_ids(values) -> set[int]:
    """The ids of the ticked checkboxes; anything that is no id (a word, "²", 5,000 digits) is left out."""
    return {int(value) for value in values if value.isascii() and value.isdigit() and len(value) <= 18}


def posted_rows(data) -> list[dict]:
    """The product rows of a posted dialog, whatever their numbering."""
    try:
        total = min(int(data.get(f"{LINE_PREFIX}-TOTAL_FORMS") or 0), settings.PA_MAX_LINES + 1)
    except ValueError:
        total = 0
    return [
        {"product": data.get(f"{LINE_PREFIX}-{i}-product", ""), "quantity": data.get(f"{LINE_PREFIX}-{i}-quantity", "")}
        for i in range(total)
    ]


def rows_as_data(data, rows: list[dict]):
    """Re-number rows after one was added or removed, keeping the other fields as posted."""
    new = data.copy()
    for key in [k for k in new if k.startswith(f"{LINE_PREFIX}-")]:
        del new[key]
    new[f"{LINE_PREFIX}-TOTAL_FORMS"] = str(len(rows))
    new[f"{LINE_PREFIX}-INITIAL_FORMS"] = "0"
    for i, row in enumerate(rows):
        new[f"{LINE_PREFIX}-{i}-product"] = row["product"]
        new[f"{LINE_PREFIX}-{i}-quantity"] = row["quantity"]
    return new


class OrderForm(forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=40)
    order_date = forms.DateField(label=_("Order date"), widget=forms.DateInput(attrs={"type": "date"}))


class DurationForm(forms.Form):
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1, max_value=12)


class AssignmentForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    email = forms.EmailField(label=_("User's e-mail"))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products
