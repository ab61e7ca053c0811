"""What the lists share: their filter forms and their keyset pages.

One rule for a malformed query parameter (a filter, a sort or a page cursor): the API refuses it with 400 naming
the parameter (`invalid_filter`, `invalid_cursor`); the console shows the list without it and says so. Neither
silently answers with the whole list as if the filter had been applied.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, Problem
from .pagination import KeysetPage, keyset_page

EMPTY_PARAMETER = _("Leave the parameter out instead of sending it empty.")


class ListFilterForm(forms.Form):
    """A list's filter parameters (bound to request.GET or the API's query_params)."""

    #: Free text that may be sent empty; in the API any other empty parameter is refused (the console's selects
    #: send "" for "All", so there it means no filter).
    may_be_empty = frozenset({"q"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                offered = ", ".join(str(value) for value, _label in field.choices if value)
                field.error_messages["invalid_choice"] = _("Use one of: %(choices)s.") % {"choices": offered}

    def refused(self, *, api: bool = False) -> dict[str, list[str]]:
        """The parameters given with a value the list cannot use, with the reasons."""
        self.is_valid()
        refused = {name: [str(message) for message in messages] for name, messages in self.errors.items()}
        if api:
            for name in self.fields:
                if name in self.data and self.data.get(name) == "" and name not in self.may_be_empty:
                    refused.setdefault(name, [str(EMPTY_PARAMETER)])
        return refused

    def raise_if_refused(self) -> None:
        """For the API: DomainError `invalid_filter` naming every refused parameter."""
        refused = self.refused(api=True)
        if refused:
            raise DomainError.from_problems(
                Problem(name, "invalid_filter", message) for name, messages in refused.items() for message in messages
            )

    def notices(self) -> list[str]:
        """For the console: one sentence per refused parameter, shown above the list."""
        return [
            gettext("The filter “%(filter)s” was not applied: %(reason)s")
            % {"filter": self.fields[name].label or name, "reason": " ".join(messages)}
            for name, messages in self.refused().items()
        ]


def console_keyset_page(queryset, *, ordering: tuple[str, ...], size: int, params, notices: list[str]) -> KeysetPage:
    """A console list's page; for a cursor the list did not give out, the first page and a notice."""
    try:
        return keyset_page(
            queryset, ordering=ordering, size=size, after=params.get("after"), before=params.get("before")
        )
    except DomainError as error:
        if error.code != "invalid_cursor":
            raise
        notices.append(
            gettext("That page link was changed or belongs to another sort order, so the first page is shown.")
        )
        return keyset_page(queryset, ordering=ordering, size=size)
