"""REGS40-1 same preparer (投标文件由同一单位或者个人编制): bids of different bidders made on one machine.

Regs 40(1) deems bids to be collusive when "the bid documents of different bidders were
prepared by the same organisation or person" (不同投标人的投标文件由同一单位或者个人编制).
What the platform sees of that is the bid file's compiling fingerprint — the machine code,
network card (MAC), CPU id and disk serial the bid-compiling tool records, the document
author — and the address the bid was uploaded from. Two bidders sharing any of them on one
tender is the sign. Uploads from the trading center's own terminals (a list of networks)
are exempt for the fields a public terminal would make identical. A shared author name alone
is not enough (two clerks may share a common name); it supports a hardware or address match.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any, Literal

import polars as pl
from pydantic import Field, field_validator

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, Evidence, Severity
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import (
    TENDER,
    carriers,
    empty_carriers,
    hashed,
    hex_key,
    keep_shared,
    match_evidence,
    shared_values,
    tender_alerts,
    text_key,
    with_key,
)
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS40-1"

PreparerField = Literal["machine_code", "mac", "cpu_id", "disk_serial", "author", "tool", "source_ip"]
HARDWARE = ("machine_code", "mac", "cpu_id", "disk_serial")
LABELS = {
    "machine_code": ("机器码", "machine code"),
    "mac": ("网卡MAC地址", "MAC address"),
    "cpu_id": ("CPU序列号", "CPU id"),
    "disk_serial": ("硬盘序列号", "disk serial"),
    "author": ("文档作者", "document author"),
    "tool": ("编制工具", "compiling tool"),
    "source_ip": ("上传IP地址", "upload IP address"),
}

# What tools and operating systems write when they know nothing: matching them proves nothing.
PLACEHOLDERS = (
    "unknown",
    "none",
    "null",
    "n/a",
    "na",
    "0",
    "00000000",
    "000000000000",
    "00:00:00:00:00:00",
    "ff:ff:ff:ff:ff:ff",
    "to be filled by o.e.m.",
    "default string",
    "system serial number",
    "administrator",
    "admin",
    "user",
    "owner",
    "用户",
    "微软用户",
    "windows 用户",
    "windows user",
    "microsoft office user",
    "未知",
)


class Settings(IndicatorSettings):
    fields: tuple[PreparerField, ...] = Field(
        default=("machine_code", "mac", "cpu_id", "disk_serial", "author", "source_ip"),
        description="What is compared across the bidders of a tender: fingerprint fields and the upload "
        "address. `tool` (the compiling software) is off by default because most bidders use the same one.",
    )
    exempt_networks: tuple[str, ...] = Field(
        default=("127.0.0.0/8", "::1/128"),
        description="Networks (CIDR) of the trading center's own terminals and of the platform host: bids "
        "uploaded from them are not compared on `exempt_fields`.",
    )
    exempt_fields: tuple[PreparerField, ...] = Field(
        default=("source_ip", "machine_code", "mac", "cpu_id", "disk_serial"),
        description="Fields ignored for bids uploaded from an exempt network (a public terminal has one "
        "address and one set of hardware for everybody; the document author still counts).",
    )
    ignored_values: tuple[str, ...] = Field(
        default=PLACEHOLDERS,
        description="Placeholder values that never count as a match (compared after normalising).",
    )
    standalone_fields: tuple[PreparerField, ...] = Field(
        default=("machine_code", "mac", "cpu_id", "disk_serial", "source_ip"),
        description="Fields that raise an alert on their own. A match on any other compared field (the document "
        "author: people share names, 重名) is shown as supporting evidence when one of these matches too.",
    )
    generic_value_bidders: int = Field(
        default=25,
        ge=2,
        description="A value carried by at least this many different bidders across all history identifies "
        "nobody (a shared proxy, a default author name) and is not compared.",
    )

    @field_validator("exempt_networks")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as error:
                raise ValueError(f"不是有效的网段（CIDR）/ not a network in CIDR form: {item!r}") from error
        return value


def _ip_keys(addresses: pl.Series, networks: tuple[str, ...]) -> pl.DataFrame:
    """Canonical form of each distinct address and whether it lies in an exempt network."""
    parsed = [ipaddress.ip_network(n, strict=False) for n in networks]
    rows: list[tuple[str, str | None, bool]] = []
    for raw in addresses.drop_nulls().unique().to_list():
        try:
            address = ipaddress.ip_address(str(raw).strip())
        except ValueError:
            rows.append((raw, None, False))
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        exempt = any(address.version == n.version and address in n for n in parsed)
        rows.append((raw, address.compressed, exempt))
    return pl.DataFrame(
        rows, schema={"source_ip": pl.String(), "ip_key": pl.String(), "exempt": pl.Boolean()}, orient="row"
    )


def field_keys(details: pl.DataFrame, settings: Settings) -> Iterator[tuple[str, pl.DataFrame]]:
    """Per compared field: the bids with its normalised value as ``key`` — exempt terminals,
    placeholders and blanks removed."""
    if details.height == 0:
        return
    ips = _ip_keys(details["source_ip"], settings.exempt_networks)
    base = details.join(ips, on="source_ip", how="left").with_columns(pl.col("exempt").fill_null(False))
    for name in dict.fromkeys(settings.fields):
        normalise = hex_key if name in HARDWARE else text_key
        if name == "source_ip":
            keyed = base.with_columns(pl.col("ip_key").alias("key"))
        else:
            keyed = with_key(base, name, normalise, "key")
        keyed = keyed.filter(pl.col("key").is_not_null() & (pl.col("key") != ""))
        if name in settings.exempt_fields:
            keyed = keyed.filter(~pl.col("exempt"))
        ignored = [v for v in settings.ignored_values if v]
        if ignored:
            placeholders = pl.DataFrame({"raw": ignored}).select(normalise(pl.col("raw")).alias("key")).drop_nulls()
            keyed = keyed.join(placeholders, on="key", how="anti")
        yield name, keyed


def preparer_carriers(details: pl.DataFrame, settings: Settings, generic: pl.DataFrame | None = None,
                      generic_bidders: int | None = None) -> pl.DataFrame:
    """Carriers of the values two or more bidders share: one per bid and compared field.

    Values carried by ``generic_bidders`` or more bidders in ``details`` (the batch: all of
    history), or listed in ``generic`` (``field, value``; real time: from the reference), are left out.
    """
    parts = []
    for name, keyed in field_keys(details, settings):
        if generic is not None:
            keyed = keyed.join(generic.filter(pl.col("field") == name).select(pl.col("value").alias("key")),
                               on="key", how="anti")
        shared = keep_shared(keyed, "key", generic_bidders)
        # The fingerprint and the address are in the submission event itself: no opening needed.
        parts.append(carriers(shared, field=pl.lit(name), value=pl.col("key"), shown=pl.col(name),
                              origin=pl.lit("bid"), opened_seq=pl.lit(None, dtype=pl.Int64())))
    return pl.concat(parts) if parts else empty_carriers()


def generic_keys(details: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """``field, value`` carried by ``generic_value_bidders`` or more different bidders in ``details``."""
    parts = [
        keyed.group_by("key").agg(hashed("bidder_id").n_unique().alias("n"))
        .filter(pl.col("n") >= settings.generic_value_bidders)
        .select(pl.lit(name).alias("field"), pl.col("key").alias("value"))
        for name, keyed in field_keys(details, settings)
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema={"field": pl.String(), "value": pl.String()})


def _severity(rows: list[dict[str, Any]]) -> Severity:
    fields = {r["field"] for r in rows}
    return "high" if fields & set(HARDWARE) or len(fields) >= 2 else "medium"


def _explain(rows: list[dict[str, Any]]) -> tuple[str, str]:
    fields = list(dict.fromkeys(r["field"] for r in rows))
    bidders = {c["bidder_id"] for r in rows for c in r["carriers"]}
    zh = "、".join(LABELS[f][0] for f in fields)
    en = ", ".join(LABELS[f][1] for f in fields)
    return (
        f"{len(bidders)} 家投标人的投标文件{zh}相同，视为由同一单位或个人编制（条例第四十条第一项）。",
        f"The bids of {len(bidders)} bidders share the same {en}: prepared by the same organisation or "
        "person (Regs 40(1)).",
    )


@indicator(
    code=CODE,
    name_zh="投标文件由同一单位或个人编制",
    name_en="Bids prepared by the same person",
    basis="招标投标法实施条例第四十条第（一）项 / Regs 40(1)",
    reads=("lots", "bid_details"),
    settings=Settings,
    realtime_events=(events.LOT_BID_SUBMITTED, events.LOT_OPENED),
)
def same_preparer(ctx: Context, settings: Settings) -> list[Alert]:
    details = ctx.in_scope("bid_details")
    if ctx.reference is ctx.frames:
        rows = preparer_carriers(details, settings, generic_bidders=settings.generic_value_bidders)
    else:
        # In real time the lot's own rows cannot tell a generic value: history can.
        rows = preparer_carriers(details, settings, generic=generic_keys(ctx.reference.bid_details, settings))
    if rows.height == 0:
        return []
    matches = shared_values(rows)
    standalone = matches.filter(pl.col("field").is_in(list(settings.standalone_fields)))
    matches = matches.join(standalone.select(*TENDER).unique(), on=list(TENDER), how="semi")

    def to_evidence(match: dict[str, Any]) -> Evidence:
        zh, en = LABELS[match["field"]]
        return match_evidence("same_", match, {"label": f"{zh} / {en}"})

    return tender_alerts(matches, CODE, "same_preparer", _explain, _severity, to_evidence)
