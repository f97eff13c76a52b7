"""The event table and the read tables (projections of the events).

Read tables hold instants as UTC ISO strings with milliseconds (the form events carry), so
a table replayed from the ledger compares equal to the live one on SQLite and PostgreSQL
alike. Credentials and API tokens are secrets, not witnessed facts: they live in their own
tables, outside the replay.
"""

from __future__ import annotations

import sqlalchemy as sa

from jianzheng.adapters.sql.metadata import metadata

Text = sa.Text
Str = sa.String
BigInt = sa.BigInteger
Int = sa.Integer
Bool = sa.Boolean
JSON = sa.JSON

events = sa.Table(
    "events", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("time", Str(32), nullable=False, index=True),
    sa.Column("actor", Str(64), nullable=False),
    sa.Column("role", Str(32), nullable=False),
    sa.Column("source_ip", Str(64), nullable=False),
    sa.Column("command_id", Str(64), nullable=False, index=True),
    sa.Column("type", Str(64), nullable=False),
    sa.Column("stream", Str(128), nullable=False),
    sa.Column("origin", Str(128), nullable=False),
    sa.Column("lot_id", Str(64), nullable=True),
    sa.Column("entry", Text, nullable=False),  # the canonical JSON (RFC 8785) that is the leaf
    # Every filtered read of the log is newest-first by seq: (column, seq) indexes answer it
    # without sorting the matches (the operation log at a million events, docs/web.md).
    *(sa.Index(f"ix_events_{name}_seq", name, "seq") for name in ("actor", "role", "type", "stream", "lot_id")),
)

parties = sa.Table(
    "parties", metadata,
    sa.Column("party_id", Str(64), primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("credit_code", Str(18), unique=True),  # null for parties imported from OCDS
    sa.Column("kind", Str(32), nullable=False),
    sa.Column("legal_representative_id", Str(64)),
    sa.Column("address", Text),
    sa.Column("phones", JSON),
    sa.Column("email", Text),
    sa.Column("basic_account", Text),
    sa.Column("basic_bank", Text),
    sa.Column("shareholders", JSON),
    sa.Column("qualifications", JSON),
    sa.Column("registered_at", Str(32)),
    # Where the row came from: "platform", or "import:<publisher>" for imported OCDS data.
    sa.Column("source", Str(128), nullable=False, server_default="platform", index=True),
)

persons = sa.Table(
    "persons", metadata,
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("id_number", Str(18), nullable=False, unique=True),
    sa.Column("roles", JSON),
    sa.Column("employer_id", Str(64), index=True),
    sa.Column("phone", Text),
    sa.Column("email", Text),
    sa.Column("certificates", JSON),
)

users = sa.Table(
    "users", metadata,
    sa.Column("user_id", Str(64), primary_key=True),
    sa.Column("username", Str(64), nullable=False, unique=True),
    sa.Column("role", Str(32), nullable=False),
    sa.Column("display_name", Text),
    sa.Column("party_id", Str(64)),
    sa.Column("person_id", Str(64)),
    sa.Column("disabled", Bool, nullable=False, default=False),
    sa.Column("created_at", Str(32)),
)

credentials = sa.Table(
    "credentials", metadata,
    sa.Column("user_id", Str(64), primary_key=True),
    sa.Column("password_hash", Text, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("token_id", Str(64), primary_key=True),
    sa.Column("token_hash", Str(64), nullable=False, unique=True),
    sa.Column("user_id", Str(64), nullable=False, index=True),
    sa.Column("created_at", Str(32), nullable=False),
    sa.Column("expires_at", Str(32), nullable=False),
    sa.Column("revoked", Bool, nullable=False, default=False),
)

projects = sa.Table(
    "projects", metadata,
    sa.Column("project_id", Str(64), primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("tenderer_id", Str(64), index=True),
    sa.Column("agency_id", Str(64), index=True),
    sa.Column("funding_source", Text),
    sa.Column("state_funded", Bool),
    sa.Column("region", Text),
    sa.Column("registered_at", Str(32)),
    # Where the row came from: "platform", or "import:<publisher>" for imported OCDS data.
    sa.Column("source", Str(128), nullable=False, server_default="platform", index=True),
)

lots = sa.Table(
    "lots", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("project_id", Str(64), nullable=False, index=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("category", Str(16)),
    sa.Column("procedure", Str(64)),
    sa.Column("estimated_price_fen", BigInt),
    sa.Column("state_funded", Bool),
    sa.Column("tenderer_id", Str(64), index=True),
    sa.Column("agency_id", Str(64), index=True),
    sa.Column("stage", Str(32), nullable=False, index=True),
    sa.Column("resume_to", Str(32)),
    sa.Column("round", Int, nullable=False),
    sa.Column("method", Str(32)),
    sa.Column("factors", JSON),
    sa.Column("deposit_fen", BigInt),
    sa.Column("documents_version", Int),
    sa.Column("registered_at", Str(32)),
    sa.Column("announced_at", Str(32)),
    sa.Column("sale_start", Str(32)),
    sa.Column("sale_end", Str(32)),
    sa.Column("bid_deadline", Str(32), index=True),
    sa.Column("opened_at", Str(32)),
    sa.Column("reported_at", Str(32)),
    sa.Column("publicity_end", Str(32)),
    sa.Column("awarded_at", Str(32)),
    sa.Column("awarded_bidder_id", Str(64)),
    sa.Column("contract_signed_at", Str(32)),
    sa.Column("contract_price_fen", BigInt),
    sa.Column("completed_at", Str(32)),
    sa.Column("failed_at", Str(32)),
    sa.Column("cancelled_at", Str(32)),
    sa.Column("last_seq", BigInt),
    sa.Column("currency", Str(3)),  # ISO 4217 of the lot's money; null means CNY (platform lots)
    # Where the row came from: "platform", or "import:<publisher>" for imported OCDS data.
    sa.Column("source", Str(128), nullable=False, server_default="platform", index=True),
)

lot_documents = sa.Table(
    "lot_documents", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("kind", Str(32), nullable=False),  # tender, clarification, report, notice, contract
    sa.Column("version", Int),
    sa.Column("name", Text),
    sa.Column("sha256", Str(64), nullable=False),
    sa.Column("sm3", Str(64), nullable=False),
    sa.Column("size", BigInt),
    sa.Column("media_type", Text),
)

notices = sa.Table(  # public texts: announcements, clarifications, candidates, awards (公告公示)
    "notices", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("kind", Str(32), nullable=False, index=True),
    sa.Column("published_at", Str(32), nullable=False, index=True),
    sa.Column("title", Text),
    sa.Column("body", JSON),
)

objections = sa.Table(
    "objections", metadata,
    sa.Column("objection_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("party_id", Str(64), nullable=False),
    sa.Column("subject", Str(16)),
    sa.Column("text", Text),
    sa.Column("raised_at", Str(32)),
    sa.Column("answer", Text),
    sa.Column("answered_at", Str(32)),
)

complaints = sa.Table(
    "complaints", metadata,
    sa.Column("complaint_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("party_id", Str(64), nullable=False),
    sa.Column("text", Text),
    sa.Column("known_at", Str(32)),
    sa.Column("filed_at", Str(32)),
    sa.Column("status", Str(16)),
    sa.Column("accepted_at", Str(32)),
    sa.Column("decided_at", Str(32)),
    sa.Column("upheld", Bool),
    sa.Column("decision", Text),
)

registrations = sa.Table(
    "registrations", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("bidder_id", Str(64), primary_key=True),
    sa.Column("round", Int, primary_key=True),
    sa.Column("registered_at", Str(32)),
)

deposits = sa.Table(
    "deposits", metadata,
    sa.Column("deposit_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("bidder_id", Str(64), nullable=False, index=True),
    sa.Column("amount_fen", BigInt, nullable=False),
    sa.Column("paying_account", Text, index=True),
    sa.Column("paying_bank", Text),
    sa.Column("from_basic_account", Bool),
    sa.Column("paid_at", Str(32)),
    sa.Column("refunded_at", Str(32)),
    sa.Column("interest_fen", BigInt),
)

bids = sa.Table(
    "bids", metadata,
    sa.Column("bid_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("bidder_id", Str(64), nullable=False, index=True),
    sa.Column("round", Int, nullable=False),
    sa.Column("version", Int, nullable=False),
    sa.Column("status", Str(32), nullable=False),
    sa.Column("submitted_at", Str(32)),  # null when an imported bid's date was not published
    sa.Column("source_ip", Str(64)),
    sa.Column("content_sha256", Str(64)),
    sa.Column("content_sm3", Str(64)),
    sa.Column("documents", JSON),
    sa.Column("sealed", Bool, nullable=False),
    sa.Column("envelope", JSON),
    sa.Column("fingerprint", JSON),
    sa.Column("price_fen", BigInt),
    sa.Column("project_manager_id", Str(64)),
    sa.Column("duration_days", Int),
    sa.Column("quality", Text),
    sa.Column("rejected_reason", Text),
    sa.Column("rank", Int),
    sa.Column("score", BigInt),
    sa.Column("submitted_seq", BigInt),
    # Where the row came from: "platform", or "import:<publisher>" for imported OCDS data.
    sa.Column("source", Str(128), nullable=False, server_default="platform", index=True),
)

committee_members = sa.Table(
    "committee_members", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("round", Int, primary_key=True),
    sa.Column("kind", Str(32), nullable=False),
    sa.Column("chair", Bool, nullable=False),
)

scores = sa.Table(
    "scores", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("bid_id", Str(64), primary_key=True),
    sa.Column("points", JSON, nullable=False),
    sa.Column("total", BigInt, nullable=False),
    sa.Column("comment", Text),
    sa.Column("submitted_at", Str(32)),
    sa.Column("seq", BigInt),
)

rule_warnings = sa.Table(
    "rule_warnings", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), index=True),
    sa.Column("rule", Str(64), nullable=False, index=True),
    sa.Column("article", Text),
    sa.Column("text_zh", Text),
    sa.Column("text_en", Text),
    sa.Column("facts", JSON),
    sa.Column("at", Str(32)),
)

# -- supervision desk: alerts and their workflow, the watch list, credit records ----------

alerts = sa.Table(  # 预警: one row per alert, its evidence and where its workflow stands
    "alerts", metadata,
    sa.Column("alert_id", Str(64), primary_key=True),
    sa.Column("indicator", Str(32), nullable=False, index=True),
    sa.Column("severity", Str(8), nullable=False, index=True),
    sa.Column("subject", Str(16), nullable=False),
    sa.Column("subject_id", Str(64), nullable=False, index=True),
    sa.Column("lot_ids", JSON, nullable=False),
    sa.Column("parties", JSON, nullable=False),
    sa.Column("party_ids", JSON, nullable=False),
    sa.Column("person_ids", JSON, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("explanation_zh", Text, nullable=False),
    sa.Column("explanation_en", Text, nullable=False),
    sa.Column("evidence", JSON, nullable=False),
    sa.Column("source", Str(16), nullable=False, index=True),
    sa.Column("article", Text),
    sa.Column("status", Str(16), nullable=False, index=True),
    sa.Column("assignee_id", Str(64), index=True),
    sa.Column("assignee_name", Text),
    sa.Column("comments", Int, nullable=False),
    sa.Column("raised_at", Str(32), nullable=False, index=True),
    sa.Column("raised_seq", BigInt, nullable=False, index=True),
    sa.Column("updated_at", Str(32), nullable=False),
    sa.Column("last_seq", BigInt, nullable=False),
    sa.Column("resolution", Text),  # the dismissal reason, the finding or the transfer note
    sa.Column("transferred_to", Text),
    sa.Column("closed_at", Str(32)),
    sa.Column("closed_by", Str(64)),
    sa.Column("credit_record_id", Str(64)),
    # The workbench's usual question: open alerts of some severities, newest first.
    sa.Index("ix_alerts_status_severity", "status", "severity", "raised_seq"),
)

alert_links = sa.Table(  # which lots, parties and persons an alert concerns, for filtering
    "alert_links", metadata,
    sa.Column("alert_id", Str(64), primary_key=True),
    sa.Column("kind", Str(8), primary_key=True),  # lot, party, person
    sa.Column("ref", Str(64), primary_key=True),
    sa.Index("ix_alert_links_kind_ref", "kind", "ref"),
)

alert_comments = sa.Table(
    "alert_comments", metadata,
    sa.Column("comment_id", Str(64), primary_key=True),
    sa.Column("alert_id", Str(64), nullable=False, index=True),
    sa.Column("seq", BigInt, nullable=False),
    sa.Column("author_id", Str(64), nullable=False),
    sa.Column("author_role", Str(32), nullable=False),
    sa.Column("text", Text, nullable=False),
    sa.Column("at", Str(32), nullable=False),
)

watchlist = sa.Table(  # 重点关注名单
    "watchlist", metadata,
    sa.Column("entry_id", Str(64), primary_key=True),
    sa.Column("kind", Str(16), nullable=False, index=True),
    sa.Column("subject_id", Str(64), nullable=False, index=True),
    sa.Column("subject_name", Text),
    sa.Column("reason", Text, nullable=False),
    sa.Column("valid_from", Str(32), nullable=False),
    sa.Column("valid_to", Str(32), nullable=False, index=True),
    sa.Column("added_by", Str(64), nullable=False),
    sa.Column("added_at", Str(32), nullable=False),
    sa.Column("removed_at", Str(32)),
    sa.Column("removed_by", Str(64)),
    sa.Column("removal_reason", Text),
    sa.Column("seq", BigInt, nullable=False),
)

credit_records = sa.Table(  # 信用记录 (published on the portal)
    "credit_records", metadata,
    sa.Column("record_id", Str(64), primary_key=True),
    sa.Column("subject_kind", Str(8), nullable=False),
    sa.Column("subject_id", Str(64), nullable=False, index=True),
    sa.Column("subject_name", Text),
    sa.Column("credit_code", Str(18)),
    sa.Column("behaviour", Text, nullable=False),
    sa.Column("sanction", Str(32), nullable=False, index=True),
    sa.Column("bars_bidding", Bool, nullable=False),
    sa.Column("basis", Text, nullable=False),
    sa.Column("authority", Text, nullable=False),
    sa.Column("decision_ref", Text),
    sa.Column("period_from", Str(32), nullable=False),
    sa.Column("period_to", Str(32), nullable=False, index=True),
    sa.Column("published", Bool, nullable=False),
    sa.Column("source_alert_id", Str(64)),
    sa.Column("recorded_by", Str(64), nullable=False),
    sa.Column("recorded_at", Str(32), nullable=False, index=True),
    sa.Column("revoked_at", Str(32)),
    sa.Column("revoked_by", Str(64)),
    sa.Column("revocation_reason", Text),
    sa.Column("seq", BigInt, nullable=False),
)

# -- experts and evaluation (issue 7): the pool, draws, telemetry, questions, reasons, signatures --

expert_profiles = sa.Table(  # 专家库: one row per expert with a profile
    "expert_profiles", metadata,
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("specialties", JSON, nullable=False),
    sa.Column("level", Str(16), nullable=False),
    sa.Column("region", Str(6), nullable=False, index=True),
    sa.Column("employer_id", Str(64), index=True),
    sa.Column("available", Bool, nullable=False),
    sa.Column("unavailable_reason", Text),
    sa.Column("unavailable_until", Str(32)),
    sa.Column("updated_at", Str(32), nullable=False),
    sa.Column("seq", BigInt, nullable=False),
)

expert_draws = sa.Table(  # 专家抽取: one row per request, completed when drawn
    "expert_draws", metadata,
    sa.Column("request_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("round", Int, nullable=False),
    sa.Column("status", Str(16), nullable=False),  # requested, drawn
    sa.Column("requested_at", Str(32), nullable=False),
    sa.Column("requested_seq", BigInt, nullable=False),
    sa.Column("requested_by", Str(64), nullable=False),
    sa.Column("requirements", JSON, nullable=False),
    sa.Column("local_region", Str(6), nullable=False),
    sa.Column("evaluation_at", Str(32), nullable=False),
    sa.Column("witnesses", JSON, nullable=False),
    sa.Column("pool_size", Int, nullable=False),
    sa.Column("exclusions", JSON, nullable=False),
    sa.Column("drawn_at", Str(32)),
    sa.Column("drawn_seq", BigInt),
    sa.Column("seed", Str(64)),
    sa.Column("checkpoint_size", BigInt),
)

expert_draw_picks = sa.Table(  # who was drawn or held in reserve, and how they answered
    "expert_draw_picks", metadata,
    sa.Column("request_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("line", Int, nullable=False),
    sa.Column("position", Int, nullable=False),
    sa.Column("reserve", Bool, nullable=False),
    sa.Column("status", Str(16), nullable=False),  # called, reserve, confirmed, declined
    sa.Column("answered_at", Str(32)),
    sa.Column("reason", Text),
)

review_page_views = sa.Table(  # review telemetry: one row per page view an expert's client reported
    "review_page_views", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("idx", Int, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("person_id", Str(64), nullable=False, index=True),
    sa.Column("bid_id", Str(64), nullable=False, index=True),
    sa.Column("document", Str(64), nullable=False),
    sa.Column("page", Int, nullable=False),
    sa.Column("opened_at", Str(32), nullable=False),
    sa.Column("seconds", Int, nullable=False),
)

evaluation_questions = sa.Table(  # 不见面询标: questions to bidders and their answers
    "evaluation_questions", metadata,
    sa.Column("question_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("bid_id", Str(64), nullable=False),
    sa.Column("bidder_id", Str(64), nullable=False, index=True),
    sa.Column("kind", Str(16), nullable=False),
    sa.Column("question", Text, nullable=False),
    sa.Column("deadline", Str(32), nullable=False),
    sa.Column("asked_by", Str(64), nullable=False),
    sa.Column("asked_at", Str(32), nullable=False),
    sa.Column("answer", Text),
    sa.Column("answered_at", Str(32)),
    sa.Column("document", JSON),
)

deviation_reasons = sa.Table(  # an expert's written reason for a score far from the others' mean
    "deviation_reasons", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("bid_id", Str(64), primary_key=True),
    sa.Column("factor", Str(64), primary_key=True),
    sa.Column("points", BigInt, nullable=False),
    sa.Column("others_mean", Str(16), nullable=False),
    sa.Column("reason", Text, nullable=False),
    sa.Column("at", Str(32), nullable=False),
    sa.Column("seq", BigInt, nullable=False),
)

report_signatures = sa.Table(  # 评标报告签署 (Regs 53): agreement or dissent per member
    "report_signatures", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("round", Int, primary_key=True, autoincrement=False),
    sa.Column("agrees", Bool, nullable=False),
    sa.Column("dissent", Text),
    sa.Column("report_sha256", Str(64)),
    sa.Column("signed_at", Str(32), nullable=False),
    sa.Column("seq", BigInt, nullable=False),
)

price_decisions = sa.Table(  # the committee's adjustments (lowest evaluated price) and accepted low prices
    "price_decisions", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("bid_id", Str(64), nullable=False),
    sa.Column("kind", Str(16), nullable=False),  # adjustment, low_price_accepted
    sa.Column("amount_fen", BigInt),
    sa.Column("reason", Text, nullable=False),
    sa.Column("at", Str(32), nullable=False),
)

# Tables that `verify` rebuilds from the ledger and compares with the live ones.
REPLAYED_TABLES = (
    parties, persons, users, projects, lots, lot_documents, notices, objections, complaints,
    registrations, deposits, bids, committee_members, scores, rule_warnings,
    alerts, alert_links, alert_comments, watchlist, credit_records,
    expert_profiles, expert_draws, expert_draw_picks, review_page_views, evaluation_questions, deviation_reasons,
    report_signatures, price_decisions,
)
