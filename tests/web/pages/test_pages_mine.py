"""A bidder's own bids and an expert's own evaluations."""

from __future__ import annotations

import re

from fastapi import FastAPI

from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld


def test_a_bidder_sees_its_own_bids_across_lots(page_app: FastAPI, page_world: PageWorld) -> None:
    html = PageClient(page_app).signed_in("bidder1").ok("/my/bids")
    statuses = dict(re.findall(r'<tr data-bid="([A-Z0-9-]+)" data-status="([a-z_]+)"', html))
    assert len(statuses) == 5  # completed, overdue, late contract, failed, evaluation
    lots = set(re.findall(r'<a href="/lots/([^"]+)">', html.split('data-table="my-bids"')[1]))
    assert lots == {page_world.lots[k] for k in ("completed", "overdue", "late_contract", "failed", "evaluation")}
    assert "¥9,500,000.00" in html  # its own price, known since the opening
    assert "bidder2" not in html


def test_a_bid_before_the_opening_shows_no_price_and_the_winner_is_highlighted(
        page_app: FastAPI, page_world: PageWorld) -> None:
    bidder2 = PageClient(page_app).signed_in("bidder2").ok("/my/bids")
    sealed_row = bidder2.split(page_world.lots["bidding"])[1].split("</tr>")[0]
    assert 'data-sealed="true"' in sealed_row and "¥" not in sealed_row  # no price before the opening
    bidder3 = PageClient(page_app).signed_in("bidder3").ok("/my/bids")
    assert bidder3.count('class="row-winner"') >= 1  # bidder3 won the completed lot


def test_an_expert_sees_the_lots_it_evaluates_with_its_score_sheets(page_app: FastAPI, page_world: PageWorld) -> None:
    html = PageClient(page_app).signed_in("expert3").ok("/my/lots")
    lots = re.findall(r'<tr data-lot="([^"]+)"', html)
    assert set(lots) == {page_world.lots[k] for k in ("completed", "overdue", "late_contract", "evaluation")}
    completed = html.split(page_world.lots["completed"])[-1].split("</tr>")[0]
    assert '<td class="num" data-label="已评分">4</td>' in completed
    evaluation = html.split(page_world.lots["evaluation"])[-1].split("</tr>")[0]
    assert '<td class="num" data-label="已评分">0</td>' in evaluation  # expert3 has not scored this one yet
