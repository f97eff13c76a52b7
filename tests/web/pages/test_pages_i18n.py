"""The UI catalogue is complete in both languages and covers every key the templates use."""

from __future__ import annotations

import re
from pathlib import Path

from jianzheng.domain.lifecycle import TRANSITIONS, Stage
from jianzheng.domain.roles import Role
from jianzheng.web.pages import figures
from jianzheng.web.pages.i18n import CATALOGUE, Translator, choose_language, missing_translations
from jianzheng.web.pages.nav import NAVIGATION
from jianzheng.web.pages.render import TEMPLATES

KEY_CALL = re.compile(r"""\bt\(\s*'([a-z0-9_.]+)'\s*[,)]""")


def test_every_key_has_a_chinese_and_an_english_text() -> None:
    assert missing_translations() == []
    assert missing_translations({"broken": ("中文", " ")}) == ["broken"]
    for key, (zh, en) in CATALOGUE.items():
        placeholders_zh = set(re.findall(r"{(\w+)}", zh))
        placeholders_en = set(re.findall(r"{(\w+)}", en))
        assert placeholders_zh == placeholders_en, key


def test_every_key_the_templates_ask_for_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for template in Path(TEMPLATES).rglob("*.html"):
        used |= set(KEY_CALL.findall(template.read_text(encoding="utf-8")))
    assert len(used) > 100
    assert sorted(used - set(CATALOGUE)) == []


EVENT_TYPE = re.compile(r'(?:EventDraft\(\s*|event\(state, |_event\(|alert_event\(|\bdraft\()"([a-z]+\.[a-z_]+)"')


def emitted_event_types() -> set[str]:
    """Every event type the domain and services write, found where they build their drafts."""
    root = Path(TEMPLATES).parents[1]
    found: set[str] = set()
    for folder in ("domain", "services"):
        for module in (root / folder).rglob("*.py"):
            found |= set(EVENT_TYPE.findall(module.read_text(encoding="utf-8")))
    return found


def test_every_event_type_the_platform_writes_has_a_label() -> None:
    emitted = emitted_event_types()
    assert {"lot.opened", "user.signed_in", "party.registered"} <= emitted
    assert sorted(t for t in emitted if f"event.{t}" not in CATALOGUE) == []


def test_every_stage_role_event_and_notice_kind_has_a_label() -> None:
    keys = set(CATALOGUE)
    assert {f"stage.{s.value}" for s in Stage} <= keys
    assert {f"role.{r.value}" for r in Role} <= keys
    assert {f"event.{name}" for name in TRANSITIONS} <= keys
    assert {f"next.{s.value}" for s in Stage if s not in (Stage.COMPLETED, Stage.CANCELLED)} <= keys
    assert {f"public.kind.{k}" for k in figures.NOTICE_KINDS} <= keys
    assert {item.key for items in NAVIGATION.values() for item in items} <= keys


def test_the_translator_picks_the_language_and_fills_placeholders() -> None:
    zh, en = Translator("zh"), Translator("en")
    assert zh("deadline.days_left", n=3) == "剩余 3 日"
    assert en("deadline.days_left", n=3) == "3 days left"
    assert en.label("stage", "bidding") == "Announced, bidding"
    assert en.label("event", "lot.unheard_of") == "lot.unheard_of"
    assert zh.both("中文", "English") == "中文" and en.both("中文", "English") == "English"
    assert choose_language("en", "zh") == "en" and choose_language(None, "en") == "en"
    assert choose_language("fr", None) == "zh"
