"""Read OCDS files: release packages, record packages, single releases, and JSON lines of any of them.

A file is one JSON document (a release package, a record package or one release), or JSON
lines (one release, compiled release or package per line). Whatever the form, the reader
yields the releases it holds with the line they came from, and refuses the whole file —
naming the file and the line, in Chinese and English — when a line is not JSON, not UTF-8,
or not an OCDS document at all. A release without an ``ocid`` is not an error of the file:
it is skipped and reported (the real 2018 sample has seven such stubs from Jalisco).

Numbers are parsed as `Decimal`, so no amount is rounded on the way in; ``NaN`` and
``Infinity`` are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jianzheng.adapters.ocds.frames import OcdsInputError

# Keys that mark an object as an OCDS release (a release may lack its ocid and still be one).
RELEASE_KEYS = frozenset({"ocid", "tag", "initiationType"})


class OcdsFileError(OcdsInputError):
    """A file that cannot be imported; names the file and, when known, the line."""

    def __init__(self, path: str, line: int | None, message_zh: str, message_en: str) -> None:
        where_zh = f"{path} 第 {line} 行" if line else path
        where_en = f"{path}, line {line}" if line else path
        self.path = path
        self.line = line
        self.message_zh = f"{where_zh}：{message_zh}"
        self.message_en = f"{where_en}: {message_en}"
        super().__init__(f"{self.message_zh} / {self.message_en}")


@dataclass(frozen=True)
class RawRelease:
    """A release as read: the parsed object, where it was, and the package's publisher."""

    release: dict[str, Any]
    line: int
    index: int | None  # position in a package's releases or records, None for a bare line
    publisher: str | None
    compiled_from_record: bool = False


@dataclass(frozen=True)
class SkippedItem:
    """Something in the file that is OCDS but cannot be imported, with the reason."""

    line: int
    index: int | None
    reason_zh: str
    reason_en: str


@dataclass
class ReadFile:
    """Everything read from one file; `data` is its bytes, kept as the source document."""

    path: Path
    data: bytes
    releases: list[RawRelease] = field(default_factory=list)
    skipped: list[SkippedItem] = field(default_factory=list)
    publishers: set[str] = field(default_factory=set)
    uri: str | None = None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _publisher(package: Mapping[str, Any]) -> str | None:
    publisher = package.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str) and publisher["name"].strip():
        return str(publisher["name"]).strip()
    return None


def _looks_like_release(value: Mapping[str, Any]) -> bool:
    return bool(RELEASE_KEYS & set(value))


def _is_linked_release(value: Any) -> bool:
    """A record's linked release: only url, date and tag, no content to import."""
    return isinstance(value, dict) and "url" in value and not ({"ocid", "tender", "parties"} & set(value))


class _Collector:
    def __init__(self, read: ReadFile, name: str) -> None:
        self.read = read
        self.name = name

    def release(self, value: Any, line: int, index: int | None, publisher: str | None,
                from_record: bool = False) -> None:
        if not isinstance(value, dict) or not _looks_like_release(value):
            raise OcdsFileError(self.name, line, f"第 {index if index is not None else 1} 项不是 OCDS 发布",
                                f"item {index if index is not None else 1} is not an OCDS release")
        if not isinstance(value.get("ocid"), str) or not value["ocid"].strip():
            self.read.skipped.append(SkippedItem(line, index, "发布缺少 ocid，无法归入任何采购过程",
                                                 "the release has no ocid, so it belongs to no process"))
            return
        self.read.releases.append(RawRelease(value, line, index, publisher, from_record))

    def document(self, value: Any, line: int) -> None:
        if not isinstance(value, dict):
            raise OcdsFileError(self.name, line, "不是 JSON 对象，不是 OCDS 文档",
                                "not a JSON object, so not an OCDS document")
        publisher = _publisher(value)
        if publisher:
            self.read.publishers.add(publisher)
        if isinstance(value.get("uri"), str) and self.read.uri is None:
            self.read.uri = value["uri"]
        if "releases" in value and isinstance(value["releases"], list):
            for index, item in enumerate(value["releases"]):
                self.release(item, line, index, publisher)
        elif "records" in value and isinstance(value["records"], list):
            for index, record in enumerate(value["records"]):
                self.record(record, line, index, publisher)
        elif _looks_like_release(value):
            self.release(value, line, None, None)
        else:
            raise OcdsFileError(self.name, line, "不是 OCDS 发布、发布包或记录包（缺少 ocid、releases 或 records）",
                                "not an OCDS release, release package or record package "
                                "(no ocid, releases or records)")

    def record(self, record: Any, line: int, index: int, publisher: str | None) -> None:
        if not isinstance(record, dict):
            raise OcdsFileError(self.name, line, f"记录 {index} 不是 JSON 对象", f"record {index} is not an object")
        embedded = [r for r in record.get("releases") or [] if not _is_linked_release(r)]
        if embedded:
            for item in embedded:
                self.release(item, line, index, publisher)
        elif isinstance(record.get("compiledRelease"), dict):
            self.release(record["compiledRelease"], line, index, publisher, from_record=True)
        else:
            self.read.skipped.append(SkippedItem(
                line, index, "记录只有链接的发布，没有汇编发布，无可导入内容",
                "the record has only linked releases and no compiled release: nothing to import"))


def read_file(path: Path) -> ReadFile:
    """Read one OCDS file; raises `OcdsFileError` naming the file and line when it is unusable."""
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OcdsFileError(name, None, "文件不存在", "the file does not exist") from None
    except IsADirectoryError:
        raise OcdsFileError(name, None, "这是一个目录，不是文件", "this is a directory, not a file") from None
    except OSError as error:
        raise OcdsFileError(name, None, f"无法读取文件：{error.strerror}", f"cannot read the file: {error.strerror}") \
            from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise OcdsFileError(name, line, "不是 UTF-8 编码的文本", "the text is not UTF-8") from None
    read = ReadFile(path=path, data=data)
    collector = _Collector(read, name)
    if not text.strip():
        raise OcdsFileError(name, None, "文件为空", "the file is empty")
    for number, value in _documents(text, name):
        collector.document(value, number)
    return read


def _documents(text: str, name: str) -> Iterator[tuple[int, Any]]:
    """One JSON document, or JSON lines: decided by whether the first line is a whole document."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), 0)
    try:
        head = _loads(lines[first])
    except ValueError:
        head = None
    if head is None or first == len(lines) - 1 or all(not line.strip() for line in lines[first + 1:]):
        try:
            yield _line_of(text, len(text) - len(text.lstrip())), _loads(text)
        except json.JSONDecodeError as error:
            raise OcdsFileError(name, error.lineno, f"不是有效的 JSON：{error.msg}（第 {error.colno} 列）",
                                f"not valid JSON: {error.msg} (column {error.colno})") from None
        except ValueError as error:
            raise OcdsFileError(name, None, f"不是有效的 JSON：{error}", f"not valid JSON: {error}") from None
        return
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, _loads(line)
        except json.JSONDecodeError as error:
            raise OcdsFileError(name, number, f"不是有效的 JSON：{error.msg}（第 {error.colno} 列）",
                                f"not valid JSON: {error.msg} (column {error.colno})") from None
        except ValueError as error:
            raise OcdsFileError(name, number, f"不是有效的 JSON：{error}", f"not valid JSON: {error}") from None
