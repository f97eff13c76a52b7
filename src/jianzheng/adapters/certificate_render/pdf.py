"""The certificate as a PDF (reportlab), in Chinese with the built-in CID font STSong-Light.

STSong-Light is one of the Adobe CJK fonts every PDF reader provides, so the PDF embeds
no font file and the package ships none; text stays searchable and copyable. Its GB
character set lacks a few Western signs (the middle dot U+00B7 among them), so separators
here are full-width. Pages are A4
landscape so the timeline's seven columns fit; every page carries the lot id, the page
number and the bundle's SHA-256, which ties a printed copy to its machine-readable file.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jianzheng.adapters.certificate_render.view import CertificateView

FONT = "STSong-Light"
MONO = "Courier"
PAGE = landscape(A4)
MARGIN = 14 * mm
WIDTH = PAGE[0] - 2 * MARGIN
RED = colors.HexColor("#b42318")
GREY = colors.HexColor("#57606a")
LINE = colors.HexColor("#d0d7de")
HEAD = colors.HexColor("#f6f8fa")


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.5, leading=11.5, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontSize=22, leading=28, alignment=1, textColor=RED),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=11, leading=15, alignment=1, textColor=GREY),
        "h2": ParagraphStyle("h2", base, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4, textColor=RED),
        "cell": base,
        "head": ParagraphStyle("head", base, fontSize=8, leading=10.5, textColor=colors.black),
        "mono": ParagraphStyle("mono", base, fontName=MONO, fontSize=7, leading=9),
        "en": ParagraphStyle("en", base, fontSize=7.5, leading=10, textColor=GREY),
        "ok": ParagraphStyle("ok", base, fontSize=10, leading=14, textColor=colors.HexColor("#1a7f37")),
        "bad": ParagraphStyle("bad", base, fontSize=10, leading=14, textColor=colors.HexColor("#cf222e")),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _bilingual(zh: str, en: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(f"{escape(zh)}<br/><font color='#57606a' size='7'>{escape(en)}</font>", styles["head"])


def _table(header: Sequence[Paragraph], rows: Sequence[Sequence[Paragraph]], widths: Sequence[float]) -> Table:
    table = Table([list(header), *[list(r) for r in rows]], colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _facts(rows: Sequence[tuple[str, str, Paragraph]], styles: dict[str, ParagraphStyle]) -> Table:
    data = [[_bilingual(zh, en, styles), value] for zh, en, value in rows]
    table = Table(data, colWidths=[50 * mm, WIDTH - 50 * mm])
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("BACKGROUND", (0, 0), (0, -1), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def _heading(zh: str, en: str, styles: dict[str, ParagraphStyle]) -> Paragraph:
    return Paragraph(f"{escape(zh)} <font size='9' color='#57606a'>{escape(en)}</font>", styles["h2"])


def _verification(view: CertificateView, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    if view.verified is None:
        return []
    story: list[Flowable] = [_heading("验证结果", "Verification result", s)]
    if view.verified:
        story.append(_p(f"验证通过 Verified：全部 {view.event_count} 个事件的账本条目、包含证明、"
                        "检查点签名与事件清单均核验无误。", s["ok"]))
    else:
        story.append(_p(f"验证未通过 Verification failed（{len(view.failures)} 项）", s["bad"]))
        story.extend(_p(f"{number}. {f.zh} / {f.en}", s["cell"]) for number, f in enumerate(view.failures, start=1))
    story.extend(_p(f"注 Note：{n.zh} / {n.en}", s["en"]) for n in view.notes)
    return story


def _story(view: CertificateView, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [
        _p("电子见证证书", s["title"]),
        _p("Electronic Witness Certificate", s["subtitle"]),
        _p(f"{view.project_name} ｜ {view.lot_name}", s["subtitle"]),
        _p(f"标段编号 Lot {view.lot_id} ｜ 签发时间 Issued {view.issued_at}（北京时间）｜ 账本 Ledger {view.origin}",
           s["subtitle"]),
        Spacer(1, 4 * mm),
        *_verification(view, s),
        _heading("项目与标段", "Project and lot", s),
        _facts([
            ("项目名称", "Project", _p(f"{view.project_name}（{view.project_id}）", s["cell"])),
            ("标段名称", "Lot", _p(f"{view.lot_name}（{view.lot_id}）", s["cell"])),
            ("招标人", "Tenderer", _p(view.tenderer, s["cell"])),
            ("招标代理机构", "Agency", _p(view.agency, s["cell"])),
            ("地区", "Region", _p(view.region, s["cell"])),
            ("资金来源", "Funding", _p(view.funding, s["cell"])),
            ("估算价", "Estimated price", _p(view.estimate, s["cell"])),
            ("事件数", "Events", _p(f"标段事件 {view.lot_event_count} 个，连同登记事件共 {view.event_count} 个",
                                    s["cell"])),
        ], s),
        _heading("参与单位", "Companies", s),
        _table([_bilingual("单位", "Company", s), _bilingual("统一社会信用代码", "Credit code", s),
                _bilingual("身份", "Role", s), _bilingual("编号", "Id", s)],
               [[_p(p.name, s["cell"]), _p(p.credit_code, s["mono"]), _p(p.role, s["cell"]), _p(p.party_id, s["mono"])]
                for p in view.parties], [WIDTH * 0.4, WIDTH * 0.25, WIDTH * 0.15, WIDTH * 0.2]),
        _heading("全过程时间线", "Timeline of every step", s),
        _table([_bilingual("序号", "Seq", s), _bilingual("时间（北京时间）", "Time (Asia/Shanghai)", s),
                _bilingual("操作人", "Actor", s), _bilingual("角色", "Role", s), _bilingual("IP 地址", "Source IP", s),
                _bilingual("事项", "Step", s), _bilingual("内容", "Details", s)],
               [[_p(f"{r.seq} ×" if r.failed else r.seq, s["bad"] if r.failed else s["cell"]), _p(r.time, s["cell"]),
                 Paragraph(f"{escape(r.actor)}<br/><font name='{MONO}' size='6.5' color='#57606a'>"
                           f"{escape(r.actor_id)}</font>", s["cell"]),
                 _p(r.role, s["cell"]), _p(r.source_ip, s["mono"]), _bilingual(r.label_zh, r.label_en, s),
                 _p(r.details, s["cell"])] for r in view.timeline],
               [12 * mm, 30 * mm, 34 * mm, 24 * mm, 24 * mm, 38 * mm, WIDTH - 162 * mm]),
        _heading("文件摘要", "Document digests (SHA-256 and SM3)", s),
        _p("文件本身不进入账本；事件记录其 SHA-256 与 SM3 摘要。"
           "可用 jianzheng certificate verify 证书.json --document 文件 核对。", s["cell"]),
        _p("Documents never enter the ledger; events carry their digests. Check a file with "
           "jianzheng certificate verify certificate.json --document FILE.", s["en"]),
        Spacer(1, 2 * mm),
        _table([_bilingual("事件", "Seq", s), _bilingual("类别", "Kind", s), _bilingual("文件名", "Name", s),
                _bilingual("投标人", "Bidder", s), _bilingual("字节", "Bytes", s), _bilingual("摘要", "Digests", s)],
               [[_p(d.seq, s["cell"]), _p(d.label, s["cell"]), _p(d.name, s["cell"]), _p(d.holder, s["cell"]),
                 _p(d.size, s["cell"]), _p(f"SHA-256 {d.sha256}\nSM3 {d.sm3}", s["mono"])] for d in view.documents],
               [12 * mm, 24 * mm, 40 * mm, 40 * mm, 16 * mm, WIDTH - 132 * mm]),
        _heading("账本检查点与签名", "Checkpoint, signatures and cosigners", s),
        _facts([
            ("账本来源", "Origin", _p(view.origin, s["mono"])),
            ("树大小", "Tree size", _p(view.checkpoint_size, s["cell"])),
            ("根哈希", "Root hash", _p(f"{view.checkpoint_root}\n{view.checkpoint_root_hex}", s["mono"])),
        ], s),
        Spacer(1, 2 * mm),
        _p("每个事件都附有针对该检查点的 RFC 9162 包含证明（C2SP tlog-proof 格式）。"
           "Every event carries an RFC 9162 inclusion proof against this checkpoint (C2SP tlog-proof).", s["cell"]),
        Spacer(1, 2 * mm),
        _table([_bilingual("签名者", "Signer", s), _bilingual("密钥 ID", "Key ID", s),
                _bilingual("算法", "Algorithm", s), _bilingual("性质", "Kind", s),
                _bilingual("副签时间", "Cosigned at", s)],
               [[_p(g.name, s["mono"]), _p(g.key_id, s["mono"]), _p(g.algorithm, s["cell"]),
                 _bilingual(g.role_zh, g.role_en, s), _p(g.time, s["cell"])] for g in view.signatures],
               [WIDTH * 0.3, WIDTH * 0.12, WIDTH * 0.18, WIDTH * 0.2, WIDTH * 0.2]),
    ]
    if view.context:
        story += [
            _heading("相关登记事件", "Registrations the lot's events refer to", s),
            _table([_bilingual("序号", "Seq", s), _bilingual("类别", "Kind", s), _bilingual("时间", "Time", s),
                    _bilingual("事项", "Step", s), _bilingual("内容", "Details", s)],
                   [[_p(c.seq, s["cell"]), _bilingual(c.kind_zh, c.kind_en, s), _p(c.time, s["cell"]),
                     _p(c.label_zh, s["cell"]), _p(c.details, s["cell"])] for c in view.context],
                   [12 * mm, 26 * mm, 32 * mm, 30 * mm, WIDTH - 100 * mm]),
        ]
    story += _how_to_verify(view, s)
    return story


def _how_to_verify(view: CertificateView, s: dict[str, ParagraphStyle]) -> list[Flowable]:
    steps = [
        ("从交易中心网站、公告或监督部门等证书以外的渠道取得平台公钥（Ed25519 与 SM2 两把）及见证方公钥；"
         "证书自带的公钥只能说明证书自身一致，不能作为信任来源。",
         "Obtain the platform's public keys (Ed25519 and SM2) and the witnesses' keys out of band — the center's "
         "website, a notice, the supervisor. The keys inside the bundle only show it is self-consistent."),
        ("运行 jianzheng certificate verify 证书.json --key 平台-ed25519.vkey --key 平台-sm2.vkey "
         "[--witness-key 见证方.vkey]：全部通过时退出码为 0；不通过时逐项列出失败的事件序号、叶序号或签名。",
         "Run jianzheng certificate verify certificate.json --key platform-ed25519.vkey --key platform-sm2.vkey "
         "[--witness-key witness.vkey]: exit status 0 when everything holds; otherwise each failing event seq, "
         "leaf index or signature is named."),
        ("也可用独立实现核验：叶哈希为 SHA-256(0x00 ‖ 条目字节)；"
         "按 RFC 9162 §2.1.3.2 由包含证明推算的根哈希应等于检查点根哈希；"
         "检查点为 C2SP 签名注记，平台以 Ed25519 与 SM2（SM3）签名，见证方按 C2SP tlog-cosignature 副签；"
         "平台签名的事件清单列出本证书的全部事件。",
         "Or use any independent implementation: leaf hash = SHA-256(0x00 ‖ entry bytes); the inclusion proof "
         "(RFC 9162 §2.1.3.2) must lead to the checkpoint's root; the checkpoint is a C2SP signed note signed with "
         "Ed25519 and SM2 (SM3) and cosigned by witnesses (C2SP tlog-cosignature); the platform-signed manifest "
         "lists every event of this certificate."),
        ("核对文件：--document 文件 计算其 SHA-256 与 SM3，与经核验事件记录的摘要比对。",
         "Check a document: --document FILE computes its SHA-256 and SM3 and compares them with the verified "
         "events' digests."),
    ]
    story: list[Flowable] = [_heading("如何验证", "How to verify", s)]
    for number, (zh, en) in enumerate(steps, start=1):
        story.append(KeepTogether([_p(f"{number}. {zh}", s["cell"]), _p(en, s["en"]), Spacer(1, 1.5 * mm)]))
    keys = [("平台公钥", "Platform key", _p(k, s["mono"])) for k in view.platform_keys]
    keys += [("见证方公钥", "Witness key", _p(k, s["mono"])) for k in view.witness_keys]
    if keys:
        story.append(_facts(keys, s))
    story += [Spacer(1, 4 * mm),
              _p("本文件为电子见证证书的可读版本，以机器可读的证书文件（JSON）为准；"
                 f"证书文件 SHA-256：{view.bundle_sha256}", s["en"]),
              _p("This is the readable form of the witness certificate; the machine-readable bundle (JSON) governs.",
                 s["en"])]
    return story


def render_pdf(view: CertificateView) -> bytes:
    """The readable certificate as PDF bytes."""
    _register_font()
    styles = _styles()
    buffer = BytesIO()

    def decorate(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 8 * mm, f"电子见证证书 Witness certificate ｜ {view.lot_id} ｜ "
                                          f"证书文件 SHA-256 {view.bundle_sha256[:32]}…")
        canvas.drawRightString(PAGE[0] - MARGIN, 8 * mm, f"第 {doc.page} 页 / page {doc.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=16 * mm,
        title=f"电子见证证书 {view.lot_id}", author=view.origin, subject="Electronic witness certificate",
        creator="jianzheng")
    document.build(_story(view, styles), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
