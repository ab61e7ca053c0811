"""The Swedish catalogue: complete, current for the source, and with the same placeholders as the English."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib

BASE_DIR = Path(__file__).resolve().parents[1]
PO_RELATIVE = Path("locale") / "sv" / "LC_MESSAGES" / "django.po"
PO_PATH = BASE_DIR / PO_RELATIVE

#: The project's makemessages command; the copy for the regeneration test leaves the ignored trees out too.
MAKEMESSAGES_ARGS = [
    "makemessages",
    "-l",
    "sv",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=staticfiles",
    "--no-obsolete",
]
COPY_SKIP_TOP = {".venv", "var", "staticfiles", ".git"}

#: %(name)s, %(count)d, %(total)05.2f …
NAMED_PERCENT = re.compile(r"%\([^)]+\)[#0 +\-]*\d*(?:\.\d+)?[a-zA-Z]")
#: {name}, {0}, {{ name }} …
BRACES = re.compile(r"\{\{.*?\}\}|\{[^{}]*\}")


def _catalogue() -> polib.POFile:
    assert PO_PATH.is_file(), f"{PO_RELATIVE} is missing; run `make messages` and translate it"
    return polib.pofile(str(PO_PATH))


def _describe(entry: polib.POEntry) -> str:
    where = ", ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences[:3])
    context = f" [context {entry.msgctxt!r}]" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context}" + (f" ({where})" if where else "")


def _placeholders(text: str) -> set[str]:
    text = text.replace("%%", "")
    return set(NAMED_PERCENT.findall(text)) | {re.sub(r"\s+", "", m) for m in BRACES.findall(text)}


def test_every_entry_is_translated():
    po = _catalogue()
    match = re.search(r"nplurals\s*=\s*(\d+)", po.metadata.get("Plural-Forms", ""))
    nplurals = int(match.group(1)) if match else 2
    problems: list[str] = []
    if po.metadata_is_fuzzy:
        problems.append("the header is marked fuzzy")
    for entry in po:
        if entry.obsolete:
            problems.append(f"obsolete: {_describe(entry)}")
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {_describe(entry)}")
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            indexes = set(forms) | set(range(nplurals))
            empty = [index for index in sorted(indexes) if not forms.get(index, "").strip()]
            if empty:
                problems.append(f"untranslated plural form(s) {empty}: {_describe(entry)}")
        elif not entry.msgstr.strip():
            problems.append(f"untranslated: {_describe(entry)}")
    assert not problems, f"{len(problems)} problem(s) in {PO_RELATIVE}:\n" + "\n".join(problems)


def test_catalogue_header():
    po = _catalogue()
    assert po.metadata.get("Language") == "sv"
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=2;plural=(n!=1);"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")


def _ignore_for_copy(directory: str, names: list[str]) -> set[str]:
    skipped = {"__pycache__", ".pytest_cache", ".ruff_cache"} & set(names)
    if Path(directory).resolve() == BASE_DIR:
        skipped |= COPY_SKIP_TOP & set(names)
    if Path(directory).resolve().is_relative_to(BASE_DIR / "locale"):
        skipped |= {name for name in names if name.endswith(".mo")}
    return skipped


def test_catalogue_is_complete_for_the_current_source(tmp_path):
    """Regenerate the catalogue from a copy of the source: every msgid it finds must already be in the .po."""
    if not shutil.which("xgettext"):
        from tests.conftest import missing

        missing("GNU gettext's xgettext (apt-get install gettext)")
    committed = _catalogue()
    copy = tmp_path / "src"
    shutil.copytree(BASE_DIR, copy, ignore=_ignore_for_copy, symlinks=True)
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DJANGO_SETTINGS_MODULE": "resellerconsole.settings.base",
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    known = {(entry.msgctxt, entry.msgid) for entry in committed if not entry.obsolete}
    regenerated = polib.pofile(str(copy / PO_RELATIVE))
    missing = [
        _describe(entry) for entry in regenerated if not entry.obsolete and (entry.msgctxt, entry.msgid) not in known
    ]
    assert not missing, (
        f"{len(missing)} source string(s) are not in {PO_RELATIVE}; run `make messages` and translate them:\n"
        + "\n".join(missing)
    )


def test_placeholders_match():
    po = _catalogue()
    problems: list[str] = []
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            for index, translation in sorted(entry.msgstr_plural.items()):
                # Form 0 is the singular (n == 1) in Swedish; the others follow msgid_plural.
                source = entry.msgid if index == 0 else entry.msgid_plural
                expected, found = _placeholders(source), _placeholders(translation)
                if translation and expected != found:
                    problems.append(
                        f"{_describe(entry)} msgstr[{index}]: expected {sorted(expected)}, found {sorted(found)}"
                    )
        elif entry.msgstr:
            expected, found = _placeholders(entry.msgid), _placeholders(entry.msgstr)
            if expected != found:
                problems.append(f"{_describe(entry)}: expected {sorted(expected)}, found {sorted(found)}")
    assert not problems, "Placeholders differ between msgid and msgstr:\n" + "\n".join(problems)
