"""Every registered indicator has a documentation page that names each of its settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from jianzheng.supervision import GlobalSettings, all_indicators

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators"
SECTIONS = ("## What it flags", "## Why it is a red flag", "## Formula", "## Example", "## Settings")


@pytest.mark.parametrize("code", sorted(all_indicators()))
def test_indicator_page_documents_every_setting(code: str) -> None:
    page = DOCS / f"{code}.md"
    assert page.exists(), f"indicator {code} has no page at {page}"
    text = page.read_text(encoding="utf-8")
    spec = all_indicators()[code]
    assert text.startswith(f"# {code} "), f"{page} must start with '# {code} '"
    for section in SECTIONS:
        assert section in text, f"{page} lacks the section {section!r}"
    for name in spec.settings.model_fields:
        assert f"`{name}`" in text, f"{page} does not document the setting {name}"


def test_index_lists_every_indicator_and_global_setting() -> None:
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    for code in all_indicators():
        assert f"]({code}.md)" in text, f"index.md does not link {code}"
    for name in GlobalSettings.model_fields:
        assert f"`{name}`" in text, f"index.md does not document the global setting {name}"
