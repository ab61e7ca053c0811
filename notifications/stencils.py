"""Many e-mails of one template at the cost of a few renders: stencils.

A template is rendered by Django once per (language, shape) with marker values in its slots, and each e-mail is
then filled in by plain substitution, with the escaping the template applied at each place (a marker carries an
``&``, so ``&amp;`` in the output says the place is HTML-escaped). The output is byte for byte what Django renders
with the real values, as long as the template only prints its values — through ``{{ }}``, ``blocktranslate … with``
and the ``date:"DATE_FORMAT"`` filter for dates, ``count`` for numbers. Whatever else it does is noticed, and the
stencil is not used:

* a filter or a tag that transforms a value (``upper``, a second date format …): the markers do not come out
  whole, or a second render with other markers is not what the stencil fills in;
* a field the context's `Fields` do not have (``customer.city``): recorded when the template asks for it;
* a value the template tests (``{% if quantity > 1 %}``): the first real e-mail of each stencil is also rendered by
  Django and compared.

The caller renders those e-mails the usual way; nothing is ever sent that Django would not have rendered.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property, lru_cache

from django.template.loader import render_to_string
from django.utils import formats, translation

from resellerconsole.l10n import grouped

logger = logging.getLogger(__name__)

TEXT, DATE, NUMBER = "text", "date", "number"
#: Private-use characters: in no template or translation, and left alone by HTML escaping.
_OPEN, _CLOSE = "\ue000", "\ue001"
#: `html.escape` in SQL, in its order (the ampersand first).
SQL_ESCAPE = (
    "replace(replace(replace(replace(replace({}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;'),"
    " '''', '&#x27;')"
)
_ESCAPED = re.compile("[&<>\"']")  # what html.escape changes
#: A number for a slot's check against Django: its printed form has two thousands separators.
LARGE_NUMBER = 1_234_567
_SLOT = re.compile(f"{_OPEN}([AB])s(\\d+)(&amp;|&){_CLOSE}")


class Fields:
    """Named values for a template (``customer.company_name``); any other name the template asks for is recorded,
    so a stencil over a template that needs more than these values is refused."""

    def __init__(self, **values):
        self.__dict__.update(values)
        self.__dict__["_asked"] = []

    def __getattr__(self, name: str):
        self.__dict__["_asked"].append(name)
        raise AttributeError(name)

    def __str__(self) -> str:  # printed whole: not a value this module can fill in
        self.__dict__["_asked"].append("__str__")
        return ""


def asked_for_more(context: dict) -> list[str]:
    """Names the template asked of the context's `Fields` that they do not have."""
    return [name for value in context.values() if isinstance(value, Fields) for name in value.__dict__["_asked"]]


@dataclass(frozen=True)
class Stencil:
    """A rendered template: literal text and slots (value index, HTML-escaped or not)."""

    parts: tuple[str | tuple[int, bool], ...]
    slots: int

    def fill(self, values: Sequence[str]) -> str:
        """The template with these printed values (escaped here where the template escapes them)."""
        if not self.escapes:
            return self.pattern.format(*values)
        return self.pattern.format(*values, *(html.escape(value) for value in values))

    @cached_property
    def escapes(self) -> bool:
        """Whether any slot is HTML-escaped."""
        return any(not isinstance(part, str) and part[1] for part in self.parts)

    def sql(self, value: Callable[[int], str]) -> tuple[str, list[str]]:
        """The same filling as one SQL expression, for the database to fill many rows: literal text as parameters,
        slot i as the expression `value(i)`, escaped there as `html.escape` escapes it. Returns (SQL, parameters)."""
        pieces, parameters = [], []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append("%s::text")
                parameters.append(part)
            else:
                pieces.append(SQL_ESCAPE.format(value(part[0])) if part[1] else value(part[0]))
        return (f"({' || '.join(pieces)})" if pieces else "''"), parameters

    @cached_property
    def pattern(self) -> str:
        """The parts as one `str.format` pattern: slot i is field i, its escaped form field `slots` + i."""
        return "".join(
            part.replace("{", "{{").replace("}", "}}")
            if isinstance(part, str)
            else f"{{{part[0] + self.slots if part[1] else part[0]}}}"
            for part in self.parts
        )


def _marker(variant: str, index: int) -> str:
    return f"{_OPEN}{variant}s{index}&{_CLOSE}"


def _marker_date(variant: str, index: int) -> date:
    """Dates no e-mail is about, a different one per slot and variant (their printed forms differ)."""
    return date((1111 if variant == "A" else 1555) + index, 1 + index % 12, 1 + index % 28)


@lru_cache(maxsize=4096)
def printed_date(value: date | None, language: str) -> str:
    """What ``{{ value|date:"DATE_FORMAT" }}`` prints in `language`."""
    if value is None:
        return ""
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


@lru_cache(maxsize=4096)
def printed_number(value: int, language: str) -> str:
    """What ``{{ value|count }}`` prints for a number in `language` (thousands grouped: "1,500", "1 500")."""
    with translation.override(language):
        return grouped(value)


def printed(kinds: Sequence[str], values: Sequence, language: str) -> list[str]:
    """The values as the template prints them (before escaping)."""
    out = []
    for kind, value in zip(kinds, values, strict=True):
        if kind == DATE:
            out.append(printed_date(value, language))
        elif kind == NUMBER:
            out.append(printed_number(value, language))
        else:
            out.append(str(value))
    return out


def _slot_values(variant: str, kinds: Sequence[str]) -> list:
    return [_marker_date(variant, i) if kind == DATE else _marker(variant, i) for i, kind in enumerate(kinds)]


def _parse(rendered: str, variant: str, kinds: Sequence[str], language: str) -> Stencil | None:
    for index, kind in enumerate(kinds):
        if kind == DATE:
            rendered = rendered.replace(printed_date(_marker_date(variant, index), language), _marker(variant, index))
    parts: list[str | tuple[int, bool]] = []
    position = 0
    for match in _SLOT.finditer(rendered):
        if match.group(1) != variant:
            return None
        parts.extend([rendered[position : match.start()], (int(match.group(2)), match.group(3) == "&amp;")])
        position = match.end()
    parts.append(rendered[position:])
    if any(isinstance(part, str) and (_OPEN in part or _CLOSE in part) for part in parts):
        return None  # a marker came out changed: the template transforms that value
    return Stencil(tuple(part for part in parts if part != ""), slots=len(kinds))


def stencil_build(
    template_name: str, *, language: str, kinds: Sequence[str], context: Callable[[Sequence], dict]
) -> Stencil | None:
    """Render `template_name` with markers in the slots of `kinds`; None if the template does more than print them.

    `context` builds the template's context from one value per slot (markers here, real values for Django).
    """
    stencils = {}
    with translation.override(language):
        for variant in "AB":
            values = _slot_values(variant, kinds)
            built = context(values)
            rendered = render_to_string(template_name, built)
            if asked_for_more(built):
                return None
            stencils[variant] = (_parse(rendered, variant, kinds, language), rendered)
    stencil, _rendered = stencils["A"]
    other, rendered_b = stencils["B"]
    if stencil is None or other is None:
        return None
    # Filled with the other markers, it must be exactly what Django rendered with them.
    markers_b = [
        printed_date(value, language) if kind == DATE else value
        for kind, value in zip(kinds, _slot_values("B", kinds), strict=True)
    ]
    if stencil.fill(markers_b) != rendered_b:
        return None
    return stencil


def _marked(name: str, language: str, kinds: Sequence[str], context: Callable[[Sequence], dict]) -> Stencil | None:
    """The template rendered once with the first markers, as a stencil (None if the markers do not come out whole
    or the template asks for more than the context's values)."""
    with translation.override(language):
        built = context(_slot_values("A", kinds))
        rendered = render_to_string(name, built)
        return None if asked_for_more(built) else _parse(rendered, "A", kinds, language)


def fill_all(stencils: Sequence[Stencil], shown: Sequence[str]) -> tuple[str, ...]:
    """Each stencil filled with the same printed values."""
    # Most values have nothing to escape: one C-level search each instead of five replacements.
    escaped = [html.escape(value) if _ESCAPED.search(value) else value for value in shown]
    return tuple(stencil.pattern.format(*shown, *escaped) for stencil in stencils)


@dataclass(frozen=True)
class Repeated:
    """A template's stencil for any number of items (a loop's rows): `head`, each item's `core` with `between` them,
    `tail`. An item's slots are numbered as the first item's (from `first`, `width` slots an item); literal text and the
    other slots are the same for every item."""

    head: tuple[str | tuple[int, bool], ...]
    core: tuple[str | tuple[int, bool], ...]
    between: tuple[str | tuple[int, bool], ...]
    tail: tuple[str | tuple[int, bool], ...]
    first: int
    width: int

    def expand(self, items: int) -> tuple[str | tuple[int, bool], ...]:
        """The parts of the stencil for `items` items (one or more)."""
        parts = list(self.head)
        for item in range(items):
            if item:
                parts.extend(self.between)
            shift = item * self.width
            parts.extend(
                part if isinstance(part, str) or part[0] < self.first else (part[0] + shift, part[1])
                for part in self.core
            )
        parts.extend(self.tail)
        return tuple(parts)


def repeated(one: Stencil, two: Stencil, *, first: int, width: int) -> Repeated | None:
    """The stencil of any number of items from the stencils of one and of two; None if two items are not one item
    twice over (the loop does more than repeat its body)."""
    items = [index for index, part in enumerate(one.parts) if not isinstance(part, str) and part[0] >= first]
    if not items:  # the items are not printed
        found = Repeated(one.parts, (), (), (), first, width)
    else:
        start, end = items[0], items[-1] + 1
        head, core, tail = one.parts[:start], one.parts[start:end], one.parts[end:]
        between = two.parts[len(head) + len(core) : len(two.parts) - len(tail) - len(core)]
        found = Repeated(head, core, between, tail, first, width)
    return found if found.expand(2) == two.parts else None


class Stencils:
    """Stencils of an e-mail's templates by (language, kinds), built when first needed. The first e-mail of each is
    also rendered by Django and compared; where a template does not fit, Django renders every e-mail of that key.

    With `head` and `item` kinds, the keys `head + item × n` (a loop over n items) share one stencil per language
    (`Repeated`), built from the renders of one, two and three items; each key's first e-mail is still checked.
    """

    def __init__(
        self,
        template_names: Sequence[str],
        context: Callable[[Sequence], dict],
        *,
        head: Sequence[str] | None = None,
        item: Sequence[str] = (),
    ):
        self.template_names = tuple(template_names)
        self.context = context
        self.head = None if head is None else tuple(head)
        self.item = tuple(item)
        self._stencils: dict[tuple[str, tuple[str, ...]], tuple[Stencil, ...] | None] = {}
        self._repeated: dict[str, tuple[Repeated, ...] | None] = {}

    def render(self, *, language: str, kinds: tuple[str, ...], values: Sequence) -> tuple[str, ...] | None:
        """Each template rendered with `values`, or None where only Django may render them."""
        stencils = self.verified(language=language, kinds=kinds, values=values)
        return None if stencils is None else fill_all(stencils, printed(kinds, values, language))

    def verified(self, *, language: str, kinds: tuple[str, ...], values: Sequence) -> tuple[Stencil, ...] | None:
        """The stencils of (language, kinds), checked the first time against Django's render of `values`; None
        where only Django may render these e-mails."""
        key = (language, kinds)
        if key in self._stencils:
            return self._stencils[key]
        stencils, checked_numbers = self._build(language, kinds)
        checks = [values]
        if not checked_numbers and NUMBER in kinds:
            # The same with numbers whose thousands show: a number's slot is printed as ``|count`` prints it,
            # which a template printing it plainly would not match from 1,000 on.
            checks.append(_large(kinds, values))
        for checked in checks:
            if stencils is None:
                break
            if fill_all(stencils, printed(kinds, checked, language)) != self._django(language, checked):
                logger.info("%s (%s): Django renders these, a stencil differs", self.template_names, language)
                stencils = None
        self._stencils[key] = stencils
        return stencils

    def known(self, language: str, kinds: tuple[str, ...]) -> tuple[Stencil, ...]:
        """The stencils `verified` has already accepted for (language, kinds)."""
        stencils = self._stencils[(language, kinds)]
        if stencils is None:
            raise LookupError(f"no stencil for {language}, {kinds}")
        return stencils

    def _django(self, language: str, values: Sequence) -> tuple[str, ...]:
        with translation.override(language):
            return tuple(render_to_string(name, self.context(values)) for name in self.template_names)

    def _items(self, kinds: tuple[str, ...]) -> int | None:
        """How many items `kinds` holds, if it is `head + item × n` with n ≥ 1."""
        if self.head is None or not self.item or kinds[: len(self.head)] != self.head:
            return None
        rest = kinds[len(self.head) :]
        count, remainder = divmod(len(rest), len(self.item))
        return count if count and not remainder and rest == self.item * count else None

    def _build(self, language: str, kinds: tuple[str, ...]) -> tuple[tuple[Stencil, ...] | None, bool]:
        """The stencils of the key, and whether their numbers have been checked already (a shared stencil's)."""
        items = self._items(kinds)
        if items is not None:
            if language not in self._repeated:
                self._repeated[language] = self._build_repeated(language)
            shared = self._repeated[language]
            if shared is not None:
                return tuple(Stencil(found.expand(items), slots=len(kinds)) for found in shared), True
        built = []
        for name in self.template_names:
            stencil = stencil_build(name, language=language, kinds=kinds, context=self.context)
            if stencil is None:
                logger.info("%s (%s): Django renders these, the template does not fit a stencil", name, language)
                return None, False
            built.append(stencil)
        return tuple(built), False

    def _build_repeated(self, language: str) -> tuple[Repeated, ...] | None:
        """One stencil per template for any number of items, or None (each key is then built on its own)."""
        assert self.head is not None
        kinds = [self.head + self.item * items for items in (1, 2, 3)]
        shared = []
        for name in self.template_names:
            # One line as any stencil is built (two renders); two and three lines rendered once each, with the
            # first markers, must be the same stencil repeated.
            one = stencil_build(name, language=language, kinds=kinds[0], context=self.context)
            two, three = (_marked(name, language, k, self.context) for k in kinds[1:])
            found = (
                None if one is None or two is None else repeated(one, two, first=len(self.head), width=len(self.item))
            )
            if found is None or three is None or found.expand(3) != three.parts:
                logger.info("%s (%s): the loop's items do not share a stencil", name, language)
                return None
            shared.append(found)
        # Numbers whose thousands show, in the markers' e-mail of one item (see `verified`).
        single = tuple(Stencil(found.expand(1), slots=len(kinds[0])) for found in shared)
        large = _large(kinds[0], _slot_values("A", kinds[0]))
        if fill_all(single, printed(kinds[0], large, language)) != self._django(language, large):
            logger.info("%s (%s): a number is not printed as count prints it", self.template_names, language)
            return None
        return tuple(shared)


def _large(kinds: Sequence[str], values: Sequence) -> tuple:
    return tuple(LARGE_NUMBER if kind == NUMBER else value for kind, value in zip(kinds, values, strict=True))
