from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from catalogue.models import LicenseType, Product
from catalogue.selectors import products_for
from resellerconsole.errors import DomainError

from .pricing import order_anniversary
from .services import (
    PO_NUMBER_MAX_LENGTH,
    LineRequest,
    refuse_future_order_date,
    refuse_order_date_before_authorization,
)

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
        error_messages={
            "max_length": ngettext_lazy(
                "The PO number can have at most %(limit_value)d character (it has %(show_value)d).",
                "The PO number can have at most %(limit_value)d characters (it has %(show_value)d).",
                "limit_value",
            )
        },
        # No maxlength attribute: the browser would cut a longer PO number without a word. A longer one
        # reaches the server and gets the error at the field; console.js shows the count and the limit as
        # one types. The message is rendered here so it is translated.
        widget=forms.TextInput(
            attrs={
                "data-max-length": PO_NUMBER_MAX_LENGTH,
                "data-too-long": _("Too long: the PO number can have at most 35 characters."),
            }
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["po_number"].widget.attrs.pop("maxlength", None)


class LineForm(forms.Form):
    # Every product validates here so the service can say *why* one is refused (device licence, type,
    # segment); the drop-down only offers the products that fit.
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.all())
    quantity = forms.IntegerField(label=_("Number of licences"), min_value=1)


class BaseLineFormSet(forms.BaseFormSet):
    # Django's own words speak of forms ("Please submit at least 1 form."): say what to do instead.
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": _("Add a product: choose it in the list and enter the number of licences."),
        "too_many_forms": ngettext_lazy(
            "A purchase authorization can have at most %(num)d product.",
            "A purchase authorization can have at most %(num)d products.",
            "num",
        ),
    }

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


def chosen_quantities(data, line_ids) -> dict[int, int]:
    """The return form's licences per ticked line (`quantity-<id>`): a line left empty returns whole (it is
    left out), anything but a whole number is 0, which the return service refuses with what it expects."""
    quantities = {}
    for line_id in line_ids:
        value = (data.get(f"quantity-{line_id}") or "").strip()
        if value:
            quantities[line_id] = int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else 0
    return quantities


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
    # data-order-date: console.js keeps this date and the calculator's in step.
    order_date = forms.DateField(
        label=_("Order date"), widget=forms.DateInput(attrs={"type": "date", "data-order-date": "record"})
    )


class DurationForm(forms.Form):
    duration_months = forms.IntegerField(label=_("Duration (months)"), min_value=1, max_value=12)


class AssignmentForm(forms.Form):
    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    email = forms.EmailField(label=_("User's e-mail"))

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products


class OrderCalculatorForm(forms.Form):
    """The duration and price calculator on the order form: an order date and, optionally, N licences added on
    another date. A GET form: it only computes, so a bookmark or reload shows the same result."""

    prefix = "calc"

    order_date = forms.DateField(
        label=_("Order date"), widget=forms.DateInput(attrs={"type": "date", "data-order-date": "calculator"})
    )
    add_quantity = forms.IntegerField(
        label=_("Licences to add"),
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    add_date = forms.DateField(label=_("Added on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, purchase_authorization, customer, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.purchase_authorization = purchase_authorization
        self.customer = customer
        self.today = today
        limit = settings.PA_MAX_QUANTITY.get(purchase_authorization.license_type, settings.PA_MAX_QUANTITY["team"])
        self.fields["add_quantity"].max_value = limit
        self.fields["add_quantity"].validators.append(MaxValueValidator(limit))
        self.fields["add_quantity"].widget.attrs["max"] = limit

    def clean_order_date(self):
        order_date = self.cleaned_data["order_date"]
        try:
            refuse_future_order_date(order_date, on=self.today)
            refuse_order_date_before_authorization(order_date, self.purchase_authorization)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return order_date

    def clean(self):
        cleaned = super().clean()
        quantity, added_on = cleaned.get("add_quantity"), cleaned.get("add_date")
        if quantity is None and added_on is not None and "add_quantity" not in self.errors:
            self.add_error("add_quantity", forms.ValidationError(_("Enter how many licences to add."), "required"))
        if added_on is None and quantity is not None and "add_date" not in self.errors:
            self.add_error("add_date", forms.ValidationError(_("Enter the date they would be added."), "required"))
        order_date = cleaned.get("order_date")
        if order_date is not None and added_on is not None:
            anniversary = self.anniversary(order_date)
            if not order_date <= added_on < anniversary:
                self.add_error(
                    "add_date",
                    forms.ValidationError(
                        _("Choose a date from %(first)s to %(last)s: after the order, before the anniversary."),
                        code="outside_term",
                        params={
                            "first": date_format(order_date),
                            "last": date_format(anniversary - timedelta(days=1)),
                        },
                    ),
                )
        return cleaned

    def anniversary(self, order_date):
        return order_anniversary(
            order_date=order_date,
            anniversary=self.customer.anniversary_date,
            anniversary_day=self.customer.anniversary_day,
        )
