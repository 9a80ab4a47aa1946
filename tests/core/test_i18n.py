"""The interface is Simplified Chinese by default: the zh_Hans catalogue is complete and compiled.

Runs makemessages against the code (so a new string without a translation fails here), then checks
that no entry is untranslated or fuzzy and that the compiled .mo translates every entry.
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def parse_po(text: str) -> list[dict]:
    entries, current, field = [], None, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"msgctxt": None, "flags": "", "msgid": "", "msgid_plural": "", "msgstr": [],
                              "obsolete": False}
        if line.startswith("#~"):
            current["obsolete"] = True
        elif line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        else:
            match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"$', line)
            if match:
                field = match.group(1)
                if field.startswith("msgstr"):
                    current["msgstr"].append(match.group(2))
                else:
                    current[field] = match.group(2)
            elif line.startswith('"') and field:
                if field.startswith("msgstr"):
                    current["msgstr"][-1] += line[1:-1]
                else:
                    current[field] += line[1:-1]
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")
def test_catalogue_is_complete_with_no_fuzzy_entries():
    before = PO.read_text(encoding="utf-8")
    try:
        subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete",
                        "--ignore=.venv/*", "--ignore=node_modules/*", "--ignore=tests/*", "--ignore=bench/*"],
                       cwd=ROOT, check=True, capture_output=True)
        entries = parse_po(PO.read_text(encoding="utf-8"))
    finally:
        PO.write_text(before, encoding="utf-8")
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_compiled_catalogue_translates_every_entry():
    entries = parse_po(PO.read_text(encoding="utf-8"))
    with MO.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)

    def lookup(e):
        msgid = e["msgid"].encode().decode("unicode_escape") if "\\" in e["msgid"] else e["msgid"]
        return catalogue.pgettext(e["msgctxt"], msgid) if e["msgctxt"] else catalogue.gettext(msgid)

    missing = [e["msgid"] for e in entries
               if not e["msgid_plural"] and lookup(e) == e["msgid"] and e["msgstr"] and e["msgstr"][0] != e["msgid"]]
    assert not missing, f"the .mo is older than the .po (run compilemessages): {missing[:5]}"
