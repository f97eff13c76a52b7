"""The project one-screen view: stages, statutory deadlines, next and late, bids, scores, who sees what."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI

from jianzheng.web.app import create_app
from tests.support.tender import build_world, register_lot
from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld


def deadline_status(html: str, key: str) -> str:
    found = re.search(rf'data-deadline="{re.escape(key)}" data-status="([a-z]+)"', html)
    assert found, key
    return found.group(1)


def steps(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-step="([a-z_]+)" data-state="([a-z]+)"', html))


def test_a_completed_lot_shows_every_stage_done_and_every_deadline_met(
        visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok(f"/lots/{page_world.lots['completed']}")
    assert "第一标段 道路工程" in html and "滇池路改造工程" in html
    assert set(steps(html).values()) == {"done"}
    for key in ("deadline.law24", "deadline.regs16", "deadline.law34", "deadline.regs54_publish",
                "deadline.regs54_period", "deadline.law46", "deadline.regs57"):
        assert deadline_status(html, key) == "ok", key
    assert deadline_status(html, "deadline.law23") == "closed"
    assert 'data-next="none"' in html and 'data-late="none"' in html
    # Four bids opened, ranked, the winner highlighted; prices as published at the opening.
    assert len(re.findall(r'<tr data-bid="', html)) == 4
    assert "¥9,500,000.00" in html and "¥9,910,000.00" in html
    assert 'class="row-winner"' in html
    assert 'data-chart="prices"' in html and 'data-chart="scores"' in html


def test_the_deviating_expert_is_marked_in_the_score_table(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok(f"/lots/{page_world.lots['completed']}")
    deviating = re.findall(r'<tr data-expert="([A-Z0-9]+)" class="row-deviating" data-deviating="true">', html)
    assert deviating == [page_world.world.persons["expert3"]]
    assert "人员expert3" in html and "评分偏离" in html
    # expert3 pressed every bidder but bidder3 down: those cells are flagged; nobody else's are.
    def sheet(expert: str) -> str:
        marker = f'data-table="sheet" data-expert="{page_world.world.persons[expert]}"'
        return html.split(marker)[1].split("</table>")[0]
    assert sheet("expert3").count('data-flagged="true"') == 9  # three factors for each of three bidders
    assert 'data-flagged="true"' not in sheet("expert2")
    assert len(re.findall(r'data-table="sheet"', html)) == 5


def test_an_award_without_contract_after_thirty_days_is_late(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("staff").ok(f"/lots/{page_world.lots['overdue']}")
    assert deadline_status(html, "deadline.law46") == "overdue"
    assert 'data-late="deadline.law46"' in html and "逾期" in html
    assert 'data-next="next.awarded"' in html and "订立书面合同，最迟" in html
    assert steps(html)["awarded"] == "current" and steps(html)["contracted"] == "ahead"


def test_a_contract_signed_late_shows_the_broken_rule_and_its_warning(
        visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok(f"/lots/{page_world.lots['late_contract']}")
    assert deadline_status(html, "deadline.law46") == "breach"
    assert 'data-warning="law46.contract-deadline"' in html
    assert 'data-next="next.contracted"' in html  # the deposits are still to be refunded
    assert deadline_status(html, "deadline.regs57") in ("pending", "overdue")


def test_a_failed_lot_shows_the_failure_and_what_comes_next(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("staff").ok(f"/lots/{page_world.lots['failed']}")
    assert 'data-stage="failed"' in html and 'data-next="next.failed"' in html
    assert steps(html)["bidding"] == "done" and steps(html)["opened"] == "ahead"


def test_a_lot_in_bidding_keeps_bids_sealed_and_counts_down_to_the_opening(
        page_app: FastAPI, page_world: PageWorld) -> None:
    lot = page_world.lots["bidding"]
    staff = PageClient(page_app).signed_in("staff").ok(f"/lots/{lot}")
    assert deadline_status(staff, "deadline.law34") == "pending"
    assert deadline_status(staff, "deadline.law23") == "open"
    assert "已发布澄清 2 次" in staff
    assert 'data-next="next.bidding"' in staff and 'data-hidden="bids"' in staff
    assert 'data-table="registrations"' in staff  # staff see who registered
    bidder = PageClient(page_app).signed_in("bidder2").ok(f"/lots/{lot}")
    assert 'data-table="own-bids"' in bidder and 'data-hidden="registrations"' in bidder
    assert "bidder4有限公司" not in bidder  # another bidder's name never leaks before the opening
    tenderer = PageClient(page_app).signed_in("tenderer").ok(f"/lots/{lot}")
    assert 'data-hidden="registrations"' in tenderer and "bidder2有限公司" not in tenderer


def test_scores_and_the_log_are_shown_only_to_those_who_may_see_them(
        page_app: FastAPI, page_world: PageWorld) -> None:
    lot = page_world.lots["completed"]
    tenderer = PageClient(page_app).signed_in("tenderer").ok(f"/lots/{lot}")
    assert 'data-table="score-summary"' in tenderer and 'data-table="lot-events"' in tenderer
    agency = PageClient(page_app).signed_in("agency").ok(f"/lots/{lot}")
    assert 'data-hidden="scores"' in agency and 'data-table="lot-events"' in agency
    bidder = PageClient(page_app).signed_in("bidder1").ok(f"/lots/{lot}")
    assert 'data-hidden="scores"' in bidder and 'data-table="lot-events"' not in bidder
    assert 'data-table="bids"' in bidder  # the opening results are public
    # A member sees the other members' sheets only once every member has scored every bid.
    expert = PageClient(page_app).signed_in("expert2")
    assert len(re.findall(r'data-table="sheet"', expert.ok(f"/lots/{lot}"))) == 5
    underway = expert.ok(f"/lots/{page_world.lots['evaluation']}")
    assert len(re.findall(r'data-table="sheet"', underway)) == 1


def test_the_evaluation_in_progress_shows_the_scores_handed_in_so_far(
        visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok(f"/lots/{page_world.lots['evaluation']}")
    assert steps(html)["evaluation"] == "current"
    assert len(re.findall(r'data-table="sheet"', html)) == 2
    assert 'data-list="committee"' in html


def test_lots_nobody_may_see_are_refused_and_unknown_lots_are_not_found(
        page_app: FastAPI, page_world: PageWorld) -> None:
    bidder = PageClient(page_app).signed_in("bidder1")
    draft = bidder.get(f"/lots/{page_world.lots['draft']}")
    assert draft.status_code == 403 and "您无权查看此标段" in draft.text
    missing = bidder.get("/lots/NO-SUCH-LOT")
    assert missing.status_code == 404 and "未找到标段" in missing.text and 'data-error-status="404"' in missing.text
    expert = PageClient(page_app).signed_in("expert1")
    assert expert.get(f"/lots/{page_world.lots['bidding']}").status_code == 403


def test_the_one_screen_view_speaks_english_on_request(visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok(f"/lots/{page_world.lots['overdue']}?lang=en")
    assert "Project one-screen view" in html and "Statutory deadlines" in html
    assert "Contract within 30 days of the award notice" in html and "Overdue" in html


def test_the_lots_list_filters_by_stage_and_names_a_bad_stage(visitor: PageClient, page_world: PageWorld) -> None:
    visitor.signed_in("staff")
    everything = visitor.ok("/lots")
    assert len(re.findall(r'<tr data-lot="', everything)) == 7
    bidding = visitor.ok("/lots?stage=bidding")
    assert re.findall(r'<tr data-lot="([^"]+)"', bidding) == [page_world.lots["bidding"]]
    bad = visitor.get("/lots?stage=nonsense")
    assert bad.status_code == 422 and 'data-error-for="stage"' in bad.text and "没有这个阶段" in bad.text


def test_the_ledger_block_verifies_the_lot_against_the_signed_checkpoint(
        visitor: PageClient, page_world: PageWorld) -> None:
    html = visitor.signed_in("supervisor").ok(f"/lots/{page_world.lots['completed']}")
    assert 'data-block="ledger" data-verified="true"' in html
    assert 'data-ledger-verdict="verified"' in html and "包含在已签名的账本中" in html
    signed_by = re.search(r"<dd data-signed-by>([^<]+)</dd>", html)
    assert signed_by and page_world.world.services.settings.ledger_origin in signed_by.group(1)
    assert 'data-certificate-format="pdf"' in html


def test_the_witness_certificate_downloads_for_those_who_may_read_the_log(
        page_app: FastAPI, page_world: PageWorld) -> None:
    lot = page_world.lots["completed"]
    supervisor = PageClient(page_app).signed_in("supervisor")
    bundle = supervisor.get(f"/lots/{lot}/certificate?format=json")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("application/json")
    assert lot in bundle.text
    pdf = supervisor.get(f"/lots/{lot}/certificate?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    bad = supervisor.get(f"/lots/{lot}/certificate?format=docx")
    assert bad.status_code == 422 and "证书格式应为" in bad.text
    bidder = PageClient(page_app).signed_in("bidder1")
    assert 'data-certificate' not in bidder.ok(f"/lots/{lot}")
    assert bidder.get(f"/lots/{lot}/certificate").status_code == 403
    assert PageClient(page_app).get(f"/lots/{lot}/certificate").status_code == 303


def test_an_event_altered_in_the_table_fails_the_ledger_check(tmp_path: Path) -> None:
    world = build_world(tmp_path / "data", bidders=0, experts=0)
    try:
        lot = register_lot(world)
        world.services.checkpointer.checkpoint("test", only_if_grown=False)
        page = PageClient(create_app(world.services))
        with page.client:
            page.signed_in("supervisor")
            assert 'data-verified="true"' in page.ok(f"/lots/{lot}")
            # Someone with database access rewrites the lot's event (the append-only trigger removed first).
            with world.services.engine.begin() as conn:
                seq = conn.exec_driver_sql("SELECT MAX(seq) FROM events WHERE lot_id = ?", (lot,)).scalar_one()
                conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_update")
                conn.exec_driver_sql("UPDATE events SET entry = replace(entry, '第一标段', '第九标段') WHERE seq = ?",
                                     (seq,))
            html = page.ok(f"/lots/{lot}")
        assert 'data-verified="false"' in html and 'data-ledger-verdict="failed"' in html
        assert f"事件 #{seq} 不在已签名的账本中" in html
    finally:
        world.services.engine.dispose()
