"""Each avoidance rule (回避): the expert it excludes, the facts it records, and the near miss it lets through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jianzheng.domain.avoidance import (
    Assignment,
    AvoidanceFacts,
    Exclusion,
    LotOwners,
    PersonSanction,
    conflicts_of,
    exclusions_for,
)
from jianzheng.domain.context import PartyFacts
from jianzheng.domain.experts import PoolExpert
from jianzheng.domain.watchlist import WatchEntry

NOW = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
EVALUATION = NOW + timedelta(days=2)
OWNERS = LotOwners("P-T", "P-A", ("P-B1", "P-B2"))


def expert(person: str = "H1", employer: str | None = None, available: bool = True,
           until: datetime | None = None) -> PoolExpert:
    return PoolExpert(person, "专家", ("A0101",), "senior", "530100", employer, available, until, "出国")


def party(party_id: str, rep: str = "H-REP", shareholders: dict[str, int] | None = None) -> PartyFacts:
    return PartyFacts(party_id, f"{party_id}公司", rep, f"ACCT-{party_id}", shareholders or {})


def reasons(found: list[Exclusion]) -> list[tuple[str, str | None]]:
    return [(x.reason, x.facts.get("party_role")) for x in found]


def run(person: PoolExpert, facts: AvoidanceFacts | None = None, max_times: int = 3,
        days: int = 90) -> list[Exclusion]:
    return exclusions_for(person, OWNERS, facts or AvoidanceFacts(), EVALUATION, NOW, max_times, days)


def test_an_expert_without_ties_is_eligible() -> None:
    facts = AvoidanceFacts(parties={p: party(p) for p in ("P-T", "P-A", "P-B1", "P-B2", "P-OTHER")})
    assert run(expert(employer="P-OTHER"), facts) == []


def test_employed_by_a_bidder_the_tenderer_or_the_agency() -> None:
    for employer, role in (("P-B2", "bidder"), ("P-T", "tenderer"), ("P-A", "agency")):
        found = run(expert(employer=employer), AvoidanceFacts(parties={employer: party(employer)}))
        assert reasons(found) == [("employer", role)]
        assert found[0].facts["party_id"] == employer


def test_legal_representative_of_a_party() -> None:
    found = run(expert("H9"), AvoidanceFacts(parties={"P-B1": party("P-B1", rep="H9")}))
    assert reasons(found) == [("legal_representative", "bidder")]


def test_shareholder_of_a_party() -> None:
    found = run(expert("H9"), AvoidanceFacts(parties={"P-A": party("P-A", shareholders={"H9": 1200})}))
    assert reasons(found) == [("shareholder", "agency")]
    assert found[0].facts["share_bp"] == 1200


def test_employer_tied_to_a_party_by_shareholding_either_way() -> None:
    # The bidder holds shares in the expert's employer ...
    holding = AvoidanceFacts(parties={"P-E": party("P-E", shareholders={"P-B1": 3000}), "P-B1": party("P-B1")})
    found = run(expert(employer="P-E"), holding)
    assert reasons(found) == [("affiliated_employer", "bidder")]
    assert (found[0].facts["holder"], found[0].facts["held"]) == ("P-B1", "P-E")
    # ... or the employer holds shares in the tenderer.
    held = AvoidanceFacts(parties={"P-E": party("P-E"), "P-T": party("P-T", shareholders={"P-E": 6000})})
    found = run(expert(employer="P-E"), held)
    assert reasons(found) == [("affiliated_employer", "tenderer")]
    assert (found[0].facts["holder"], found[0].facts["held"]) == ("P-E", "P-T")


def test_too_many_recent_committees_for_the_same_tenderer_or_agency() -> None:
    def seats(*items: tuple[str, str | None, int]) -> AvoidanceFacts:
        return AvoidanceFacts(history={"H1": tuple(Assignment(f"L{i}", t, a, NOW - timedelta(days=d))
                                                   for i, (t, a, d) in enumerate(items))})
    three = seats(("P-T", None, 10), ("P-X", "P-A", 20), ("P-T", "P-Y", 80))
    found = run(expert(), three)
    assert reasons(found) == [("frequency", None)]
    assert found[0].facts["count"] == 3 and found[0].facts["lots"] == ["L0", "L1", "L2"]
    assert run(expert(), seats(("P-T", None, 10), ("P-X", "P-A", 20))) == []  # two: still allowed
    assert run(expert(), seats(("P-T", None, 10), ("P-X", "P-A", 20), ("P-T", None, 91))) == []  # one is too old
    assert run(expert(), seats(*[("P-X", "P-Y", d) for d in (1, 2, 3, 4)])) == []  # other owners
    assert run(expert(), three, max_times=4) == []  # a center that allows more


def test_watch_list_entry_in_force() -> None:
    entry = WatchEntry("W1", "expert", "H1", "专家", "多次倾向性打分", NOW - timedelta(days=1),
                       NOW + timedelta(days=30))
    found = run(expert(), AvoidanceFacts(watch={"H1": (entry,)}))
    assert reasons(found) == [("watchlist", None)] and found[0].facts["entry_id"] == "W1"
    over = WatchEntry("W2", "expert", "H1", "专家", "旧", NOW - timedelta(days=60), NOW - timedelta(days=1))
    assert run(expert(), AvoidanceFacts(watch={"H1": (over,)})) == []


def test_expert_sanction_in_force() -> None:
    suspended = PersonSanction("CR1", "expert_suspension", "违规评标", NOW - timedelta(days=5),
                               NOW + timedelta(days=300))
    found = run(expert(), AvoidanceFacts(sanctions={"H1": (suspended,)}))
    assert reasons(found) == [("credit", None)] and found[0].facts["record_id"] == "CR1"
    warning = PersonSanction("CR2", "warning", "迟到", NOW - timedelta(days=5), NOW + timedelta(days=300))
    ended = PersonSanction("CR3", "expert_disqualified", "旧", NOW - timedelta(days=400), NOW - timedelta(days=35))
    assert run(expert(), AvoidanceFacts(sanctions={"H1": (warning, ended)})) == []


def test_unavailable_at_the_evaluation_time() -> None:
    assert reasons(run(expert(available=False))) == [("unavailable", None)]
    assert reasons(run(expert(available=False, until=EVALUATION + timedelta(hours=1)))) == [("unavailable", None)]
    assert run(expert(available=False, until=EVALUATION - timedelta(hours=1))) == []


def test_already_drawn_for_the_lot() -> None:
    assert reasons(run(expert(), AvoidanceFacts(already_drawn=frozenset({"H1"})))) == [("already_drawn", None)]


def test_direct_committee_conflicts_check_the_ties_only() -> None:
    parties = {"P-B1": party("P-B1", rep="H7")}
    found = conflicts_of("H7", "P-A", OWNERS, parties)
    assert sorted(reasons(found)) == [("employer", "agency"), ("legal_representative", "bidder")]
    assert conflicts_of("H8", None, OWNERS, parties) == []
