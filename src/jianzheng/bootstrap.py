"""Wiring: settings → engine, store, blob store, clock, services. Nothing runs at import."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from jianzheng.adapters import passwords
from jianzheng.adapters.blobs import FileBlobStore
from jianzheng.adapters.keyring import ensure_platform_keys
from jianzheng.adapters.sql.database import create_schema, make_engine, sqlite_url
from jianzheng.adapters.sql.store import SqlStore
from jianzheng.adapters.witness_http import HttpWitnessTransport
from jianzheng.adapters.witness_registry import FileWitnessRegistry
from jianzheng.ledger.keys import verifier_key
from jianzheng.services.auth import Auth
from jianzheng.services.checkpoints import Checkpointer, CheckpointPolicy
from jianzheng.services.clock import Clock, SystemClock
from jianzheng.services.desk import SupervisionDesk
from jianzheng.services.evaluation_queries import EvaluationQueries
from jianzheng.services.experts import ExpertDesk
from jianzheng.services.ids import IdGenerator, RandomIds
from jianzheng.services.ledger_queries import LedgerQueries
from jianzheng.services.live import LiveHub
from jianzheng.services.platform import Platform
from jianzheng.services.queries import Queries
from jianzheng.services.sealed_bids import SealedBids, load_escrow
from jianzheng.services.witnesses import CosignatureCollector


class Settings(BaseSettings):
    """Configuration; every field can be set as an environment variable JIANZHENG_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="JIANZHENG_")

    data_dir: Path = Field(Path("jianzheng-data"), description="数据目录：嵌入式数据库、文件库、密钥 / data directory")
    database_url: str | None = Field(None, description="PostgreSQL 等数据库连接串；为空时使用数据目录中的 SQLite")
    procedures_dir: Path | None = Field(None, description="自定义招标程序配置目录（TOML）/ custom procedure files")
    host: str = Field("127.0.0.1", description="服务监听地址 / address the server listens on")
    port: int = Field(8000, description="服务端口 / server port")
    token_days: int = Field(7, description="登录令牌有效天数 / days a sign-in token stays valid")
    durable_commits: bool = Field(True, description="每次提交都落盘（SQLite synchronous=FULL）；仅批量构建演示数据时"
                                                    "关闭 / fsync every commit; off only for bulk builds like the demo")
    ledger_origin: str = Field(
        "jianzheng.local/ledger", min_length=1,
        description="账本来源名（检查点第一行、签名密钥名），宜用交易中心的域名 / the ledger's origin: first line of "
                    "every checkpoint and the name of the signing keys; use the trading center's domain")
    checkpoint_events: int = Field(1000, ge=1, description="至多每多少个事件签一个检查点 / sign a checkpoint at "
                                                           "least every this many events")
    checkpoint_seconds: int = Field(60, ge=1, description="至多每多少秒签一个检查点 / sign a checkpoint at least "
                                                          "every this many seconds (when the log grew)")
    ocds_prefix: str = Field(
        "ocds-jzh000", pattern=r"^ocds-[a-z0-9]{6}$",
        description="OCDS 前缀（ocds- 加向开放合同伙伴组织登记的6位代码），导出的 ocid 为 <前缀>-<标段编号> / the "
                    "registered OCDS prefix; exported ocids are <prefix>-<lot id>")
    ocds_publisher: str = Field(
        "见证 jianzheng", min_length=1,
        description="OCDS 发布包中的发布方名称，宜用交易中心名称 / the publisher named in exported OCDS packages")

    def url(self) -> str:
        return self.database_url or sqlite_url(self.data_dir)


@dataclass
class Services:
    settings: Settings
    engine: sa.Engine
    store: SqlStore
    blobs: FileBlobStore
    platform: Platform
    queries: Queries
    auth: Auth
    checkpointer: Checkpointer
    desk: SupervisionDesk  # alerts, watch list, credit records (supervision desk)
    live: LiveHub  # in-process live feed of alert events (server-sent events)
    sealed: SealedBids
    cosigner: CosignatureCollector  # sends each new checkpoint to the registered witnesses
    ledger: LedgerQueries  # checkpoints, leaves, proofs and keys for the API and CLI
    experts: ExpertDesk  # the expert pool and the verifiable draw (issue 7)
    evaluation: EvaluationQueries  # telemetry, deviations, questions, the report (issue 7)


def bootstrap(settings: Settings, clock: Clock | None = None, ids: IdGenerator | None = None,
              create: bool = True) -> Services:
    """Build the services from settings; creates the data directory and schema if asked."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.url(), durable=settings.durable_commits)
    if create:
        create_schema(engine)
    store = SqlStore(engine)
    blobs = FileBlobStore(settings.data_dir / "blobs")
    platform = Platform(store, blobs, clock or SystemClock(), ids or RandomIds(), settings.procedures_dir,
                        hash_password=passwords.hash_password)
    queries = Queries(store, blobs)
    auth = Auth(store, platform, passwords.check_password, passwords.new_token, passwords.token_digest,
                settings.token_days)
    signers = ensure_platform_keys(settings.data_dir, settings.ledger_origin)
    checkpointer = Checkpointer(store, platform.clock, settings.ledger_origin, signers,
                                CheckpointPolicy(settings.checkpoint_events, settings.checkpoint_seconds))
    platform.listeners.append(checkpointer)
    live = LiveHub()
    desk = SupervisionDesk(platform, live)
    platform.listeners.append(desk)  # rule warnings and watch-list hits become alerts; alerts go live
    sealed = SealedBids(platform, checkpointer, load_escrow(settings.data_dir / "escrow.json"))
    # Witness cosignatures are collected in a background thread, off the command's path.
    cosigner = CosignatureCollector(store, FileWitnessRegistry(settings.data_dir), HttpWitnessTransport(),
                                    platform.clock)
    checkpointer.after.append(cosigner)
    ledger = LedgerQueries(store, [verifier_key(s) for s in signers])
    experts = ExpertDesk(platform, checkpointer, cosigner, ledger.verifier_keys())
    return Services(settings, engine, store, blobs, platform, queries, auth, checkpointer, desk, live, sealed,
                    cosigner=cosigner, ledger=ledger, experts=experts,
                    evaluation=EvaluationQueries(platform))
