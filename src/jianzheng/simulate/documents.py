"""The texts a tender produces: tender documents, technical proposals, bills of quantities, reports.

Honest proposals are composed from a bank of phrases with the bidder's own figures, so two
honest proposals share phrases (as real ones do) but never whole paragraphs with the same
figures. A copied proposal (Regs 40 item 4) is the ring leader's text with only the
company name changed, keeping the leader's rare typos (错别字) — the "shared unusual
errors" reviewers look for. The tenderer issues the quantities of the bill; each bidder
prices them, so identical unit prices across bidders are a copy, not a coincidence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# A proposal is sections of sentences; each sentence is a template whose slots are filled
# from word lists, so honest bidders share phrases (as real proposals do) without sharing
# whole passages. Figures and the bidder's own people and references make each one its own.
WORDS: dict[str, tuple[str, ...]] = {
    "machine": ("挖掘机", "装载机", "自卸汽车", "压路机", "塔式起重机", "混凝土输送泵", "钢筋弯曲机", "电焊机",
                "柴油发电机", "平地机", "沥青摊铺机", "洒水车", "汽车起重机", "振动夯", "全站仪"),
    "material": ("商品混凝土", "钢筋", "水泥", "砂石料", "防水卷材", "沥青混合料", "加气混凝土砌块", "球墨铸铁管",
                 "预制检查井", "路缘石"),
    "difficulty": ("深基坑支护", "雨季施工", "交通导改", "高支模", "地下管线保护", "大体积混凝土温控",
                   "夜间施工扰民", "软土地基处理", "临近既有建筑施工", "冬季低温施工"),
    "measure": ("编制专项施工方案并组织专家论证", "实施信息化监测并设置预警值", "分段分层组织施工",
                "增设临时排水系统", "错峰作业并提前公告周边居民", "开工前进行物探复核", "采用跳仓法施工",
                "设置专职协调员对接交警部门"),
    "role": ("施工员", "质检员", "安全员", "材料员", "资料员", "测量员", "试验员", "机管员", "预算员"),
    "quality": ("一次验收合格", "争创省级优质工程", "分项工程合格率百分之百", "争创市级优质结构"),
    "safety": ("杜绝重大安全事故", "创建市级安全文明标准化工地", "零死亡零重伤", "轻伤频率控制在千分之三以内"),
    "phase": ("施工准备、基础施工、主体施工、装饰安装、竣工验收", "管线迁改、路基施工、路面施工、附属工程",
              "围堰导流、基础开挖、主体浇筑、机电安装、验收移交", "测量放线、土方工程、结构施工、收尾清理"),
    "service": ("驻场服务", "巡检维护", "应急响应", "技术培训", "档案管理", "满意度回访", "定期报告"),
    "goods_item": ("主机设备", "配套软件", "专用工具", "备品备件", "安装辅材", "说明书及合格证"),
}
WORKS_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("施工部署", (
        "本工程划分为#个施工段，按先地下后地上、先结构后装饰的原则组织{phase}的流水作业。",
        "项目部设项目经理{manager}一名，下设{role}、{role}、{role}等岗位，现场管理人员共#人。",
        "施工现场按生活区、办公区和施工区分开布置，{machine}停放区靠近{material}堆场设置。",
        "劳动力高峰期拟投入#人，分{role}班组与{role}班组平行作业，按{phase}顺序推进。",
        "我公司{company}将本工程列为年度重点工程，由公司分管领导每月到现场检查一次。",
    )),
    ("主要施工方法", (
        "土方开挖采用{machine}#台配合{machine}#台，人工修整边坡，弃土运至指定地点。",
        "{material}进场后由{role}会同监理见证取样，检验合格后方可使用。",
        "针对{difficulty}，我公司将{measure}，确保施工安全和质量。",
        "本工程重点难点为{difficulty}和{difficulty}，拟{measure}。",
        "钢筋在加工棚集中制作，现场绑扎，直径#毫米以上采用直螺纹机械连接。",
        "{material}采用分层施工，每层厚度不大于#毫米，由{machine}配合人工完成。",
    )),
    ("质量保证措施", (
        "质量目标为{quality}，建立以项目经理{manager}为第一责任人的质量管理体系。",
        "实行自检、互检、交接检制度，{role}对每道工序验收签字后方可进入下一道工序。",
        "{material}浇筑或铺设完成后#小时内进行养护，养护时间不少于#天。",
        "隐蔽工程验收前由{role}整理影像资料，报监理单位复核。",
    )),
    ("安全文明施工措施", (
        "安全目标为{safety}，设专职安全员#名，每日开展班前安全教育。",
        "施工现场围挡高度不低于#米，出入口设洗车平台，{machine}出场前冲洗干净。",
        "临时用电执行三级配电两级保护，由持证电工{role}每日巡查。",
        "针对{difficulty}编制应急预案，每季度组织一次演练。",
    )),
    ("进度计划及保证措施", (
        "计划工期#日历天，按{phase}安排关键线路。",
        "雨季备足抽水设备#台，{difficulty}期间实行两班作业。",
        "实行周计划、月计划管理，项目经理{manager}每周主持召开生产协调会。",
        "近三年我公司完成类似工程#项，其中{reference}已竣工验收，可调配其施工班组。",
    )),
)
SUPPLY_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("供货及服务方案", (
        "合同签订后#日内完成供货，{goods_item}与{goods_item}分批送达并负责安装调试。",
        "配备项目负责人{manager}一名、技术人员#名，负责{service}和{service}。",
        "服务期内提供{service}，重大问题#小时内到场处理。",
        "我公司{company}在本地设有服务网点，常驻人员#名，提供{service}。",
    )),
    ("质量保证", (
        "所投{goods_item}均为原厂全新产品，提供制造商授权书和质量合格证明。",
        "免费质保期#年，质保期内{goods_item}出现质量问题免费更换。",
        "建立质量追溯台账，每批次{goods_item}附出厂检验报告。",
        "项目负责人{manager}对{service}质量负总责，每月向采购人书面报告。",
    )),
    ("售后服务", (
        "每年开展#次{service}，并出具书面报告。",
        "提供操作培训#次，培训对象为采购人指定人员，培训内容包括{service}。",
        "近三年我公司完成同类项目#项，其中{reference}获得采购人好评。",
        "设立#小时服务热线，接到报修后{service}人员按约定时限响应。",
    )),
)
# Rare errors a preparer makes and a copier keeps (the correct word, the error). A ring's
# leader has a few of its own habits; they travel with every copy it makes.
TYPOS = (("混凝土", "混泥土"), ("养护", "养户"), ("防水", "防氺"), ("钢筋", "钢觔"), ("围挡", "围档"),
         ("验收", "验收收"), ("监理", "监里"), ("调试", "掉试"), ("巡检", "巡捡"), ("台账", "台帐"),
         ("覆盖", "复盖"), ("绑扎", "帮扎"), ("隐蔽", "隐避"), ("检验", "检险"), ("安装", "按装"),
         ("施工段", "施工断"), ("交接检", "交接捡"), ("质保期", "质宝期"), ("合格证", "合格正"),
         ("协调会", "协调汇"), ("抽水", "抽氺"), ("洗车", "洗车车"), ("临时用电", "临时用点"),
         ("项目负责人", "项目负则人"), ("应急预案", "应急预按"), ("演练", "演炼"), ("培训", "陪训"))

BOQ_ITEMS = {
    "works": (("010101001", "挖一般土方", "m3", 0.06), ("010103001", "回填方", "m3", 0.03),
              ("010501001", "垫层", "m3", 0.04), ("010502001", "矩形柱", "m3", 0.12),
              ("010515001", "现浇构件钢筋", "t", 0.22), ("010401001", "砖基础", "m3", 0.05),
              ("011702001", "模板及支架", "m2", 0.10), ("011701001", "综合脚手架", "m2", 0.06)),
    "goods": (("A01", "主要设备", "台", 0.50), ("A02", "配套设备", "套", 0.18), ("A03", "备品备件", "批", 0.04),
              ("A04", "安装调试", "项", 0.05), ("A05", "运输及保险", "项", 0.03), ("A06", "培训", "项", 0.02)),
    "services": (("S01", "项目负责人", "人月", 0.18), ("S02", "专业技术人员", "人月", 0.35),
                 ("S03", "辅助人员", "人月", 0.15), ("S04", "设备及耗材", "项", 0.10), ("S05", "管理费", "项", 0.06)),
}
# Typical unit prices (fen) that turn a line's share of the estimate into a quantity; lump-sum
# units (项, 批) have quantity one. Line shares stay below 0.85 so the balancing line is positive.
REFERENCE_UNIT_PRICES = {"m3": 45_000, "m2": 6_000, "t": 520_000, "台": 2_000_000, "套": 800_000, "人月": 1_500_000}
# The last line (其他项目) carries what the priced lines leave, so the bill adds up to the price.
BALANCE_LINE = ("999", "其他项目及暂列金额", "项")


@dataclass(frozen=True)
class BillOfQuantities:
    """The tenderer's quantities (whole units) for a lot, by line code."""

    category: str
    quantities: tuple[tuple[str, str, str, int, float], ...]  # code, name, unit, quantity, share

    @classmethod
    def draw(cls, category: str, estimate_fen: int) -> BillOfQuantities:
        lines = []
        for code, name, unit, share in BOQ_ITEMS[category]:
            reference = REFERENCE_UNIT_PRICES.get(unit, 0)
            quantity = max(1, round(estimate_fen * share / reference)) if reference else 1
            lines.append((code, name, unit, quantity, share))
        return cls(category, tuple(lines))

    def priced(self, rng: random.Random, price_fen: int, spread: float = 0.12) -> list[dict[str, object]]:
        """Unit prices for this bidder: the price spread over the lines with its own variation."""
        rows: list[dict[str, object]] = []
        remaining = price_fen
        for code, name, unit, quantity, share in self.quantities:
            amount = price_fen * share * rng.uniform(1 - spread, 1 + spread)
            unit_price = max(1, int(amount / quantity))
            remaining -= unit_price * quantity
            rows.append({"code": code, "name": name, "unit": unit, "quantity_milli": quantity * 1000,
                         "unit_price_fen": unit_price})
        rows.append(self.balance(remaining))
        return rows

    @staticmethod
    def balance(amount: int) -> dict[str, object]:
        return {"code": BALANCE_LINE[0], "name": BALANCE_LINE[1], "unit": BALANCE_LINE[2], "quantity_milli": 1000,
                "unit_price_fen": max(1, amount)}

    def copied(self, source: list[dict[str, object]], price_fen: int) -> list[dict[str, object]]:
        """Another bid's unit prices line for line; only the balancing line differs."""
        rows = [dict(row) for row in source[:-1]]
        spent = sum(int(str(row["unit_price_fen"])) * int(str(row["quantity_milli"])) // 1000 for row in rows)
        rows.append(self.balance(price_fen - spent))
        return rows


def proposal(rng: random.Random, category: str, company_name: str, manager: str, reference: str) -> str:
    """An honest technical proposal: this bidder's choice of sentences, words, figures and people."""
    sections = WORKS_SECTIONS if category == "works" else SUPPLY_SECTIONS
    parts = [f"{company_name} 技术标（施工组织设计）" if category == "works" else f"{company_name} 技术及服务方案"]
    for number, (title, sentences) in enumerate(sections, start=1):
        parts.append(f"{number}. {title}")
        for sentence in rng.sample(sentences, rng.randrange(2, 4)):
            parts.append(_fill(rng, sentence, company_name, manager, reference))
    return "\n".join(parts)


def _fill(rng: random.Random, template: str, company: str, manager: str, reference: str) -> str:
    text = template.replace("{company}", company).replace("{manager}", manager).replace("{reference}", reference)
    while "#" in text:
        text = text.replace("#", str(rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 24, 30, 45, 60, 90, 120, 180))), 1)
    for slot, words in WORDS.items():
        while "{" + slot + "}" in text:
            text = text.replace("{" + slot + "}", rng.choice(words), 1)
    return text


def plant_typos(rng: random.Random, text: str, habits: list[tuple[str, str]], count: int = 3) -> tuple[str, list[str]]:
    """Make the preparer's habitual errors where the text gives the chance (at least one, appended if need be)."""
    planted: list[str] = []
    for right, wrong in habits:
        if len(planted) >= count:
            break
        if right in text:
            text = text.replace(right, wrong, 1)
            planted.append(wrong)
    if not planted:
        right, wrong = habits[0]
        text += f"\n注：所有{wrong}工作均按规范执行。"
        planted.append(wrong)
    return text, planted


def copy_proposal(text: str, source_name: str, target_name: str, keep_source_name: bool = False) -> str:
    """The leader's proposal for another member: the name changed (or, when mixed up, left in)."""
    if keep_source_name:
        return text.replace(source_name, target_name, 1) + f"\n投标人：{source_name}（盖章）"
    return text.replace(source_name, target_name)


def bid_file(company_name: str, credit_code: str, lot_name: str, price_fen: int, proposal_text: str) -> bytes:
    """The uploaded bid document (投标文件) as text: letter of bid and technical proposal."""
    return (f"投标函\n致：{lot_name} 招标人\n投标人：{company_name}\n统一社会信用代码：{credit_code}\n"
            f"投标报价（元）：{price_fen / 100:.2f}\n\n{proposal_text}\n").encode()


def tender_file(lot_name: str, estimate_fen: int, method: str, deposit_fen: int, round_: int) -> bytes:
    """The tender documents (招标文件) as text."""
    method_zh = "综合评估法" if method == "comprehensive" else "经评审的最低投标价法"
    return (f"招标文件\n项目：{lot_name}\n最高投标限价（元）：{estimate_fen / 100:.2f}\n评标办法：{method_zh}\n"
            f"投标保证金（元）：{deposit_fen / 100:.2f}\n第{round_}次招标\n").encode()


def evaluation_report(lot_name: str, bids: list[tuple[str, int]], members: int) -> bytes:
    """The committee's written report (评标报告): the bids reviewed; the ranking is in the report's event."""
    lines = [f"评标报告\n项目：{lot_name}\n评标委员会成员 {members} 人，评审有效投标 {len(bids)} 份："]
    lines += [f"{name}  投标报价（元）{price / 100:.2f}" for name, price in bids]
    lines.append("评审结果及排序见评标报告事件所附排名。")
    return "\n".join(lines).encode()
