"""The documentation is true to the code: every CLI command and option, every setting, every rule.

- each command of the `jianzheng` tree (walked through click) is described in
  docs/cli/<top-level name>.md, by its full invocation and every one of its options;
- each `Settings` field appears in docs/settings.md with its environment variable;
- each rule code in `RULES` appears in docs/rules.md with its article.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from jianzheng.bootstrap import Settings
from jianzheng.cli.main import app
from jianzheng.domain.rules import RULES

DOCS = Path(__file__).resolve().parent.parent / "docs"


# Typer vendors its own click, so commands and groups are recognised by what they have.
def is_group(command: Any) -> bool:
    return hasattr(command, "commands")


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if path:
        yield path, command
    if is_group(command):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


ROOT = typer.main.get_command(app)
COMMANDS = list(walk(ROOT))


def options(command: Any) -> list[str]:
    return [name for p in command.params if p.param_type_name == "option"
            for name in p.opts + p.secondary_opts if name.startswith("--") and name != "--help"]


def test_the_tree_has_the_commands_we_document() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"init", "serve", "log", "demo", "user create", "user list", "user disable", "user password",
            "lots list", "lots show"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_cli_command_is_documented(path: tuple[str, ...], command: Any) -> None:
    page = DOCS / "cli" / f"{path[0]}.md"
    assert page.is_file(), f"{page} is missing"
    text = page.read_text(encoding="utf-8")
    assert f"jianzheng {' '.join(path)}" in text, f"`jianzheng {' '.join(path)}` is not described in {page}"
    if is_group(command):
        return
    for option in options(command):
        assert f"`{option}`" in text, f"{option} of `jianzheng {' '.join(path)}` is not documented in {page}"


def test_global_options_are_documented() -> None:
    text = (DOCS / "cli" / "init.md").read_text(encoding="utf-8") + (DOCS / "settings.md").read_text("utf-8")
    for option in options(ROOT):
        assert option in text


def test_every_cli_page_belongs_to_a_command() -> None:
    tops = {path[0] for path, _ in COMMANDS}
    pages = {p.stem for p in (DOCS / "cli").glob("*.md")}
    assert pages <= tops, f"pages without a command: {pages - tops}"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_setting_is_documented(field: str) -> None:
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    assert f"`{field}`" in text, f"setting {field} is not in docs/settings.md"
    assert f"`JIANZHENG_{field.upper()}`" in text, f"JIANZHENG_{field.upper()} is not in docs/settings.md"


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_is_documented(code: str) -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    heading = f"## `{code}`"
    assert heading in text, f"rule {code} is not in docs/rules.md"
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rule = RULES[code]
    assert rule.article in section
    assert rule.text_zh in section and rule.text_en in section
    assert f"**{rule.default_mode.value}**" in section
    assert "Checked by" in section
