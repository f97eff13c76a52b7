"""Reading OCDS files in every published form, and refusing unusable ones with file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jianzheng.adapters.ocds.importer import OcdsFilesError, prepare_file, prepare_files
from jianzheng.adapters.ocds.reader import OcdsFileError, read_file


def release(ocid: str, rid: str, **body: Any) -> dict[str, Any]:
    return {"ocid": ocid, "id": rid, "date": "2024-01-02T03:04:05Z", "tag": ["tender"], "initiationType": "tender",
            **body}


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_release_package_gives_its_releases_and_publisher(tmp_path: Path) -> None:
    path = write(tmp_path / "package.json", {
        "uri": "https://example.org/p.json", "publisher": {"name": "某市公共资源交易中心"}, "version": "1.1",
        "publishedDate": "2024-01-02T03:04:05Z", "releases": [release("ocds-a-1", "1"), release("ocds-a-1", "2")]})
    read = read_file(path)
    assert [r.release["id"] for r in read.releases] == ["1", "2"]
    assert [r.index for r in read.releases] == [0, 1] and read.publishers == {"某市公共资源交易中心"}
    prepared = prepare_file(path)
    assert prepared.publisher == "某市公共资源交易中心"
    assert [(p.ocid, len(p.releases)) for p in prepared.processes] == [("ocds-a-1", 2)]


def test_record_package_embedded_releases_compiled_release_or_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "records.json", {"publisher": {"name": "P"}, "records": [
        {"ocid": "ocds-a-1", "releases": [release("ocds-a-1", "1"), release("ocds-a-1", "2")],
         "compiledRelease": release("ocds-a-1", "c")},
        {"ocid": "ocds-a-2", "releases": [{"url": "https://x/2.json", "date": "2024-01-01T00:00:00Z",
                                           "tag": ["tender"]}], "compiledRelease": release("ocds-a-2", "c2")},
        {"ocid": "ocds-a-3", "releases": [{"url": "https://x/3.json", "date": "2024-01-01T00:00:00Z",
                                           "tag": ["tender"]}]},
    ]})
    read = read_file(path)
    assert [(r.release["ocid"], r.release["id"], r.compiled_from_record) for r in read.releases] == [
        ("ocds-a-1", "1", False), ("ocds-a-1", "2", False), ("ocds-a-2", "c2", True)]
    assert [(s.index, s.reason_en) for s in read.skipped] == [
        (2, "the record has only linked releases and no compiled release: nothing to import")]


def test_json_lines_of_compiled_releases_and_packages_and_ocidless_stubs(tmp_path: Path) -> None:
    lines = [json.dumps(release("ocds-a-1", "1")), "",
             json.dumps({"publisher": {"name": "P"}, "releases": [release("ocds-a-2", "1")]}),
             json.dumps({"tag": ["compiled"], "id": "None-2018", "date": "2018-01-18T04:40:37Z", "url": "x"})]
    path = tmp_path / "lines.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_file(path)
    assert [(r.release["ocid"], r.line) for r in read.releases] == [("ocds-a-1", 1), ("ocds-a-2", 3)]
    assert [(s.line, s.reason_en) for s in read.skipped] == [
        (4, "the release has no ocid, so it belongs to no process")]
    assert prepare_file(path, publisher="Jalisco").publisher == "Jalisco"


def test_a_single_release_and_a_file_named_publisher(tmp_path: Path) -> None:
    path = write(tmp_path / "moldova.json", release("ocds-a-1", "1"))
    prepared = prepare_file(path)
    assert prepared.publisher == "moldova"  # no package publisher: the file's name
    assert len(prepared.processes) == 1


def errors(paths: list[Path]) -> list[OcdsFileError]:
    with pytest.raises(OcdsFilesError) as caught:
        prepare_files(paths)
    return caught.value.errors


def test_unusable_files_name_the_file_and_the_line(tmp_path: Path) -> None:
    good = write(tmp_path / "good.json", release("ocds-a-1", "1"))
    bad_line = tmp_path / "bad.jsonl"
    bad_line.write_text(json.dumps(release("ocds-a-1", "1")) + "\n" + '{"ocid": "x", oops}\n', encoding="utf-8")
    bad_document = tmp_path / "bad.json"
    bad_document.write_text('{\n  "releases": [\n    {"ocid": "x",}\n  ]\n}\n', encoding="utf-8")
    not_ocds = write(tmp_path / "people.json", {"name": "张三", "age": 30})
    not_utf8 = tmp_path / "gbk.json"
    not_utf8.write_bytes('{"ocid": "x"}\n{"ocid": "招标"}\n'.encode("gbk"))
    nan = tmp_path / "nan.jsonl"
    nan.write_text('{"ocid": "x", "id": "1"}\n{"ocid": "y", "tender": {"value": {"amount": NaN}}}\n', encoding="utf-8")
    array = write(tmp_path / "array.json", [release("ocds-a-1", "1")])
    missing = tmp_path / "missing.json"
    found = errors([good, bad_line, bad_document, not_ocds, not_utf8, nan, array, missing, tmp_path])
    by_file = {Path(e.path).name: e for e in found}
    assert set(by_file) == {"bad.jsonl", "bad.json", "people.json", "gbk.json", "nan.jsonl", "array.json",
                            "missing.json", tmp_path.name}
    assert (by_file["bad.jsonl"].line, by_file["bad.json"].line, by_file["gbk.json"].line,
            by_file["nan.jsonl"].line) == (2, 3, 2, 2)
    assert "不是有效的 JSON" in by_file["bad.jsonl"].message_zh and "not valid JSON" in by_file["bad.jsonl"].message_en
    assert "不是 OCDS 发布" in by_file["people.json"].message_zh
    assert "not an OCDS release" in by_file["people.json"].message_en
    assert "UTF-8" in by_file["gbk.json"].message_en
    assert "not a JSON object" in by_file["array.json"].message_en
    assert "文件不存在" in by_file["missing.json"].message_zh and "does not exist" in by_file["missing.json"].message_en
    assert "directory" in by_file[tmp_path.name].message_en
    for error in found:
        assert error.message_zh.startswith(error.path) and error.message_en.startswith(error.path)
