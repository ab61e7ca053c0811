from django import template

register = template.Library()


@register.simple_tag
def fields_in_error(form=None, formset=None) -> list:
    """(field, message) for each error of a visible field, the form's first and then each row's: the links of a
    form's error summary."""
    forms = ([form] if form else []) + (list(formset) if formset else [])
    return [(field, error) for each in forms for field in each.visible_fields() for error in field.errors]
