"""REGS40-3 same project manager or key staff (项目管理成员为同一人) in the bids of different bidders.

Regs 40(3) deems bids collusive when "the project management members named in the bid
documents of different bidders are the same person" (不同投标人的投标文件载明的项目管理成员为
同一人). A bid names its project manager (项目经理) and key staff (主要人员) by registered
person id; the same person in two bidders' bids of one tender is the sign, whatever role
each bid gives them. The evidence names the person, the roles, and the company that
registered them as an employee.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from pydantic import Field

from jianzheng.supervision import events
from jianzheng.supervision.alert import Alert, Evidence, Severity
from jianzheng.supervision.context import Context
from jianzheng.supervision.matching import carriers, keep_shared, match_evidence, shared_values, tender_alerts
from jianzheng.supervision.registry import indicator
from jianzheng.supervision.settings import IndicatorSettings

CODE = "REGS40-3"
ROLES = {"project_manager": ("项目经理", "project manager"), "key_staff": ("主要人员", "key staff")}


class Settings(IndicatorSettings):
    include_key_staff: bool = Field(
        default=True,
        description="Compare key staff (主要人员) as well as project managers; when false only a shared "
        "project manager counts.",
    )


@indicator(
    code=CODE,
    name_zh="项目管理成员为同一人",
    name_en="Same project manager or key staff",
    basis="招标投标法实施条例第四十条第（三）项 / Regs 40(3)",
    reads=("lots", "bid_staff", "persons"),
    settings=Settings,
    realtime_events=(events.LOT_OPENED,),
)
def same_staff(ctx: Context, settings: Settings) -> list[Alert]:
    staff = ctx.in_scope("bid_staff")
    if not settings.include_key_staff:
        staff = staff.filter(pl.col("role") == "project_manager")
    if staff.height == 0:
        return []
    rows = carriers(
        keep_shared(staff.with_columns(pl.col("person_id").alias("key")), "key"),
        field=pl.lit("person"),
        value=pl.col("person_id"),
        shown=pl.col("role"),
        origin=pl.col("role"),
    )
    matches = shared_values(rows)
    if matches.height == 0:
        return []
    people = {
        r["person_id"]: r
        for r in ctx.frames.persons.join(matches.select(pl.col("value").alias("person_id")).unique(), on="person_id",
                                         how="semi").iter_rows(named=True)
    }
    names = {r["party_id"]: r["name"] for r in ctx.frames.parties.select("party_id", "name").iter_rows(named=True)}

    def to_evidence(match: dict[str, Any]) -> Evidence:
        person = people.get(match["value"], {})
        employer = person.get("employer_id")
        roles = {c["bid_id"]: c["origin"] for c in match["carriers"]}
        item = match_evidence(
            "same_",
            match,
            {
                "person_id": match["value"],
                "person_name": person.get("name"),
                "employer_id": employer,
                "employer_name": names.get(employer) if employer else None,
                "roles": roles,
            },
        )
        registered = person.get("event_seq")
        seqs = (*item.event_seqs, registered) if registered is not None else item.event_seqs
        return Evidence(item.fact, item.value, tuple(sorted(set(seqs))))

    def severity(rows: list[dict[str, Any]]) -> Severity:
        managers = any(
            sum(1 for c in r["carriers"] if c["origin"] == "project_manager") >= 1 for r in rows
        )
        return "high" if managers else "medium"

    def explain(rows: list[dict[str, Any]]) -> tuple[str, str]:
        bidders = {c["bidder_id"] for r in rows for c in r["carriers"]}
        people_named = [people.get(r["value"], {}).get("name") or r["value"] for r in rows]
        return (
            f"{len(bidders)} 家投标人的投标文件载明同一项目管理成员（{'、'.join(people_named)}），"
            "视为串通投标（条例第四十条第三项）。",
            f"The bids of {len(bidders)} bidders name the same project management member(s) "
            f"({', '.join(people_named)}) (Regs 40(3)).",
        )

    return tender_alerts(matches, CODE, "same_staff", explain, severity, to_evidence)
