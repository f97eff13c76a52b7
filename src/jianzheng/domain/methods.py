"""The evaluation method a lot's tender documents fix (评标办法): review items, price formula, thresholds.

Compiled with the tender documents (`CompileDocuments.evaluation`) and recorded in the
`lot.documents_compiled` event, so every bidder knows before bidding how its price will be
scored. A lot compiled without one keeps the simple method: the experts score every
factor, price included.

* ``review_items`` — the qualification (资格审查) and compliance (符合性审查) items a bid
  can be rejected on (否决投标), each rejection naming its item and reason;
* ``price`` — how the price factor is scored: ``benchmark`` (基准价法) or ``low_price``
  (MOF Order 87 Art. 55); the experts then do not score that factor themselves;
* ``abnormal_low_percent`` — a price more than this far below the mean of the valid prices
  must be clarified by its bidder (Regs 51 item 5) and then accepted or rejected;
* ``deviation_threshold_percent`` — overrides the procedure's threshold beyond which an
  expert must explain a score that departs from the others' mean (seed 001);
* ``signatures_required`` — candidates are published only after every member signed the
  report or recorded a dissent (Regs 53).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from jianzheng.domain.errors import invalid

REVIEW_STAGES = ("qualification", "compliance")
PRICE_FORMULAS = ("benchmark", "low_price")
MAX_REVIEW_ITEMS = 50


@dataclass(frozen=True)
class ReviewItem:
    """One item of the qualification or compliance review a bid must pass."""

    code: str
    name_zh: str
    name_en: str
    stage: str = "compliance"  # qualification or compliance


@dataclass(frozen=True)
class PriceFormula:
    """How the price factor is scored; percentages as exact decimals, rates in centipoints per percent."""

    kind: str  # benchmark or low_price
    factor: str  # the price factor's code
    k_percent: Decimal = Decimal(0)  # benchmark: the downward float K (下浮系数), in percent
    drop_extremes: bool = False  # benchmark: leave out the highest and the lowest price ...
    drop_min_bids: int = 5  # ... once there are at least this many valid bids
    above_per_percent: int = 100  # benchmark: centipoints lost per percent above the benchmark
    below_per_percent: int = 50  # benchmark: centipoints lost per percent below the benchmark


@dataclass(frozen=True)
class EvaluationMethod:
    review_items: tuple[ReviewItem, ...] = ()
    price: PriceFormula | None = None
    abnormal_low_percent: Decimal | None = None
    deviation_threshold_percent: Decimal | None = None
    signatures_required: bool = True

    def item(self, code: str) -> ReviewItem | None:
        return next((i for i in self.review_items if i.code == code), None)


def _percent(value: Decimal | None, field_name: str, low: int, high: int) -> Decimal | None:
    if value is None:
        return None
    if not value.is_finite() or not Decimal(low) <= value <= Decimal(high):
        raise invalid(field_name, f"百分比应在 {low} 至 {high} 之间",
                      f"The percentage must be between {low} and {high}")
    return value


def check_method(method: EvaluationMethod, kind: str, factors: dict[str, int]) -> EvaluationMethod:
    """Validate a method against the lot's method kind and its factors (code -> max points)."""
    codes = [i.code for i in method.review_items]
    if len(codes) > MAX_REVIEW_ITEMS:
        raise invalid("evaluation.review_items", f"审查项最多 {MAX_REVIEW_ITEMS} 项",
                      f"At most {MAX_REVIEW_ITEMS} review items")
    if len(set(codes)) != len(codes) or any(not c.strip() for c in codes):
        raise invalid("evaluation.review_items", "审查项代码不能为空或重复",
                      "Review item codes must be unique and not empty")
    for item in method.review_items:
        if item.stage not in REVIEW_STAGES:
            raise invalid("evaluation.review_items", f"审查阶段应为：{'、'.join(REVIEW_STAGES)}",
                          f"A review item's stage is one of {', '.join(REVIEW_STAGES)}")
        if not item.name_zh.strip():
            raise invalid("evaluation.review_items", f"审查项 {item.code} 须有中文名称",
                          f"Review item {item.code} needs a Chinese name")
    price = method.price
    if price is not None:
        if kind != "comprehensive":
            raise invalid("evaluation.price", "价格计分公式只用于综合评估法",
                          "A price formula belongs to the comprehensive method only")
        if price.kind not in PRICE_FORMULAS:
            raise invalid("evaluation.price.kind", f"价格计分公式应为：{'、'.join(PRICE_FORMULAS)}",
                          f"The price formula is one of {', '.join(PRICE_FORMULAS)}")
        if price.factor not in factors:
            raise invalid("evaluation.price.factor", f"价格因素 {price.factor} 不在评分因素中",
                          f"The price factor {price.factor} is not one of the scoring factors")
        if len(factors) < 2:
            raise invalid("evaluation.price.factor", "除价格外至少还须有一个由专家评分的因素",
                          "Besides the price, at least one factor is scored by the experts")
        _percent(price.k_percent, "evaluation.price.k_percent", 0, 50)
        if price.drop_min_bids < 3:
            raise invalid("evaluation.price.drop_min_bids", "去掉最高最低价至少需要3家有效投标",
                          "Dropping the extremes needs at least 3 valid bids")
        if not (0 <= price.above_per_percent <= 10000 and 0 <= price.below_per_percent <= 10000):
            raise invalid("evaluation.price", "每偏离1%的扣分应在 0 至 100 分之间",
                          "Points lost per percent must be between 0 and 100")
    _percent(method.abnormal_low_percent, "evaluation.abnormal_low_percent", 1, 90)
    _percent(method.deviation_threshold_percent, "evaluation.deviation_threshold_percent", 1, 100)
    return method


def method_payload(method: EvaluationMethod) -> dict[str, Any]:
    """The method as recorded in `lot.documents_compiled` (decimals as strings)."""
    price = method.price
    return {
        "review_items": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en, "stage": i.stage}
                         for i in method.review_items],
        "price": None if price is None else {
            "kind": price.kind, "factor": price.factor, "k_percent": str(price.k_percent),
            "drop_extremes": price.drop_extremes, "drop_min_bids": price.drop_min_bids,
            "above_per_percent": price.above_per_percent, "below_per_percent": price.below_per_percent},
        "abnormal_low_percent": None if method.abnormal_low_percent is None else str(method.abnormal_low_percent),
        "deviation_threshold_percent": (None if method.deviation_threshold_percent is None
                                        else str(method.deviation_threshold_percent)),
        "signatures_required": method.signatures_required,
    }


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise invalid("evaluation", f"不是数字：{value}", f"Not a number: {value!r}") from None


def method_from_payload(data: dict[str, Any] | None) -> EvaluationMethod | None:
    """The method back from its recorded payload; None for lots compiled without one."""
    if not data:
        return None
    raw = data.get("price")
    price = None if raw is None else PriceFormula(
        kind=raw["kind"], factor=raw["factor"], k_percent=_decimal(raw.get("k_percent")) or Decimal(0),
        drop_extremes=bool(raw.get("drop_extremes", False)), drop_min_bids=int(raw.get("drop_min_bids", 5)),
        above_per_percent=int(raw.get("above_per_percent", 100)),
        below_per_percent=int(raw.get("below_per_percent", 50)))
    return EvaluationMethod(
        review_items=tuple(ReviewItem(i["code"], i["name_zh"], i.get("name_en", ""), i.get("stage", "compliance"))
                           for i in data.get("review_items", [])),
        price=price,
        abnormal_low_percent=_decimal(data.get("abnormal_low_percent")),
        deviation_threshold_percent=_decimal(data.get("deviation_threshold_percent")),
        signatures_required=bool(data.get("signatures_required", True)),
    )
