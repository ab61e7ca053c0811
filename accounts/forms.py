from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from .models import User


class UsernameLengthMixin:
    """Refuses a username longer than any account's before authenticating: Django's sign-in form only sets
    the length on the widget, and django-axes writes each failed attempt's username to a 255-character column
    (PostgreSQL refuses a longer one with an error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    pass


class StaffActiveForm(forms.Form):
    """The staff list's Deactivate (0) and Reactivate (1) buttons."""

    active = forms.ChoiceField(
        choices=[("0", ""), ("1", "")],
        error_messages={
            "required": _("Use the Deactivate or the Reactivate button."),
            "invalid_choice": _("Use the Deactivate or the Reactivate button."),
        },
    )


class StaffMemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in User.RESELLER_ROLES])
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Confirm password"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned
