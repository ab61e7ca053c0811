from django import forms
from django.utils.translation import gettext_lazy as _

from .types import event_type_choices


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=500,
        help_text=_("Where the events are posted, starting with https://"),
        widget=forms.URLInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Event types"),
        choices=event_type_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event type.")},
    )
    active = forms.BooleanField(label=_("Active (events are sent)"), required=False, initial=True)


class RotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=_("Hours the old secret still signs"),
        min_value=0,
        max_value=168,
        initial=24,
        help_text=_("Both secrets sign every delivery until then, so your systems can switch at their own pace."),
    )
