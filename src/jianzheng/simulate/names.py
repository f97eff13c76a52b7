"""Names and identifiers for a simulated trading center in Yunnan, all unique where they must be.

Everything here is drawn from one `random.Random`, so a seed gives the same people and
companies. Identifiers are valid where the platform validates them: unified social credit
codes carry their GB 32100-2015 check character, identity numbers their ISO 7064 MOD 11-2
check digit, with real Yunnan administrative division codes (GB/T 2260) in front. Phones,
bank accounts, MAC addresses and IP addresses are plausible in form and never repeat
between two simulated subjects: a repeat is a planted collusion sign, never an accident.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from jianzheng.domain.identifiers import USCC_ALPHABET, id_check_character, uscc_check_character

# The 100 commonest surnames, roughly in order of frequency (weights fall off with rank).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞辉建国志宏海波云峰斌燕俊浩凯琳晨宇欣"
    "婷雪梅亮春林雨佳颖思远文博天翔子豪丹晓慧鑫磊嘉怡瑞昊若彤诗琪梓涵一鸣昌盛永福德荣光耀正清发祥"
)


@dataclass(frozen=True)
class Place:
    """A Yunnan city or prefecture: its name and GB/T 2260 code (the first six of IDs and USCCs)."""

    name: str
    code: str
    districts: tuple[str, ...]


PLACES = (
    Place("昆明市", "530100", ("五华区", "盘龙区", "官渡区", "西山区", "呈贡区", "晋宁区", "安宁市")),
    Place("曲靖市", "530300", ("麒麟区", "沾益区", "马龙区", "宣威市")),
    Place("玉溪市", "530400", ("红塔区", "江川区", "澄江市", "通海县")),
    Place("昭通市", "530600", ("昭阳区", "鲁甸县", "镇雄县")),
    Place("普洱市", "530800", ("思茅区", "宁洱县", "景东县")),
    Place("楚雄彝族自治州", "532300", ("楚雄市", "禄丰市", "牟定县")),
    Place("红河哈尼族彝族自治州", "532500", ("蒙自市", "个旧市", "开远市", "弥勒市")),
    Place("大理白族自治州", "532900", ("大理市", "祥云县", "宾川县", "弥渡县")),
)
# Kunming dominates a provincial center's market; the weights say by how much.
PLACE_WEIGHTS = (8, 2, 2, 1, 1, 1, 2, 2)

ROADS = (
    "人民路", "北京路", "东风路", "滇池路", "金碧路", "青年路", "环城南路", "春城路", "广福路", "穿金路",
    "白塔路", "书林街", "拓东路", "西昌路", "二环北路", "昆洛路", "前兴路", "日新路", "关上中路", "学府路",
    "建设路", "园林路", "沿河路", "彩云路", "龙泉路", "世纪大道", "振兴大道", "珠江路", "南屏街", "五一路",
)

# Words that Chinese enterprise names are made of: a trade name (字号) and an industry (行业).
TRADE_NAMES = (
    "鑫", "宏", "华", "恒", "泰", "盛", "源", "达", "顺", "祥", "隆", "瑞", "金", "通", "安", "兴", "昌", "鼎",
    "诚", "信", "建", "远", "博", "弘", "润", "丰", "中", "宇", "鸿", "卓", "凯", "汇", "嘉", "正", "德", "滇",
)
INDUSTRIES = {
    "buildings": ("建筑工程有限公司", "建设集团有限公司", "建筑安装工程有限公司", "建工集团有限公司"),
    "roads": ("路桥工程有限公司", "市政工程有限公司", "交通建设有限公司", "公路工程有限公司"),
    "water": ("水利水电工程有限公司", "水务工程有限公司", "水利建设有限公司", "环境工程有限公司"),
    "goods": ("商贸有限公司", "设备有限公司", "科技有限公司", "实业有限公司"),
    "services": ("物业服务有限公司", "工程咨询有限公司", "信息技术有限公司", "工程监理有限公司"),
}
TENDERER_NAMES = (
    "{city}城市建设投资集团有限公司", "{city}交通运输局", "{city}水务局", "{city}教育体育局",
    "{city}第一人民医院", "{district}住房和城乡建设局", "{district}人民政府", "{city}公路局",
    "{city}机关事务管理局", "{district}教育局", "{city}城市管理局", "{district}水利局",
)
AGENCY_NAMES = (
    "云南{trade}工程项目管理有限公司", "云南{trade}招标代理有限公司", "{city}{trade}工程咨询有限公司",
    "云南{trade}建设项目咨询有限公司",
)
# Banks whose branches hold companies' basic accounts (基本存款账户), with the account length.
BANKS = (
    ("中国建设银行", 20), ("中国工商银行", 19), ("中国农业银行", 19), ("中国银行", 19),
    ("交通银行", 21), ("富滇银行", 18), ("云南红塔银行", 18), ("招商银行", 16),
)
# Mobile network prefixes (号段) in use in China.
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "157", "158", "159", "177", "180", "181", "182", "183", "186", "187", "188", "189", "199")
# A few NIC vendors' organisationally unique identifiers, so MAC addresses look like real hardware.
MAC_OUIS = ("00:1A:A0", "3C:97:0E", "F8:B1:56", "D4:BE:D9", "00:E0:4C", "B0:6E:BF", "54:E1:AD", "8C:EC:4B")
# Public address blocks of Yunnan's telecommunication operators (office uplinks).
OFFICE_BLOCKS = ("116.52", "116.53", "116.54", "182.242", "182.246", "222.172", "222.219", "112.112", "14.204")
HOME_BLOCKS = ("223.104", "117.136", "39.128", "111.55", "36.102", "183.224")


class NameBook:
    """Draws names and identifiers, remembering what was given out so nothing repeats."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(10_000):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("identifier space exhausted")  # cannot happen at simulation sizes

    # -- people ---------------------------------------------------------------------------

    def person_name(self) -> str:
        surname = SURNAMES[min(int(self.rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
        length = 1 if self.rng.random() < 0.3 else 2
        return surname + "".join(self.rng.choice(GIVEN) for _ in range(length))

    def place(self) -> Place:
        return self.rng.choices(PLACES, weights=PLACE_WEIGHTS)[0]

    def id_number(self, place: Place, born_from: int = 1958, born_to: int = 1996) -> str:
        def make() -> str:
            born = date(born_from, 1, 1) + timedelta(days=self.rng.randrange((born_to - born_from) * 365))
            district = str(int(place.code) + self.rng.randrange(1, 12)).zfill(6)
            first = f"{district}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            return first + id_check_character(first)
        return self._unique(make)

    def mobile(self) -> str:
        return self._unique(lambda: self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}")

    def landline(self) -> str:
        return self._unique(lambda: f"0871-6{self.rng.randrange(10 ** 7):07d}")

    def email(self, domain: str) -> str:
        return self._unique(lambda: f"{self.rng.choice('abcdefghjkmnpqrstwxyz')}"
                                    f"{self.rng.randrange(10 ** 6):06d}@{domain}")

    # -- companies ------------------------------------------------------------------------

    def credit_code(self, place: Place) -> str:
        def make() -> str:
            organisation = "".join(self.rng.choice(USCC_ALPHABET) for _ in range(9))
            first = f"91{place.code}{organisation}"
            return first + uscc_check_character(first)
        return self._unique(make)

    def company_name(self, trade: str, place: Place) -> str:
        def make() -> str:
            word = "".join(self.rng.sample(TRADE_NAMES, 2))
            prefix = "云南" if self.rng.random() < 0.5 else place.name.removesuffix("市")[:2]
            return f"{prefix}{word}{self.rng.choice(INDUSTRIES[trade])}"
        return self._unique(make)

    def tenderer_name(self, place: Place) -> str:
        return self._unique(lambda: self.rng.choice(TENDERER_NAMES).format(
            city=place.name, district=self.rng.choice(place.districts)))

    def agency_name(self, place: Place) -> str:
        return self._unique(lambda: self.rng.choice(AGENCY_NAMES).format(
            city=place.name.removesuffix("市")[:2], trade="".join(self.rng.sample(TRADE_NAMES, 2))))

    def address(self, place: Place) -> str:
        return self._unique(lambda: f"云南省{place.name}{self.rng.choice(place.districts)}"
                                    f"{self.rng.choice(ROADS)}{self.rng.randrange(1, 999)}号")

    def bank_account(self) -> tuple[str, str]:
        bank, length = self.rng.choice(BANKS)
        branch = self.rng.choice(("昆明分行营业部", "昆明五华支行", "昆明盘龙支行", "昆明官渡支行", "昆明西山支行",
                                  "曲靖分行", "玉溪分行", "大理分行", "红河分行"))
        number = self._unique(lambda: "53" + "".join(str(self.rng.randrange(10)) for _ in range(length - 2)))
        return number, bank + branch

    # -- computers and networks -----------------------------------------------------------

    def machine_code(self) -> str:
        return self._unique(lambda: "".join(self.rng.choice("0123456789ABCDEF") for _ in range(32)))

    def mac(self) -> str:
        return self._unique(lambda: self.rng.choice(MAC_OUIS) + "".join(
            f":{self.rng.randrange(256):02X}" for _ in range(3)))

    def cpu_id(self) -> str:
        return self._unique(lambda: "BFEBFBFF" + "".join(self.rng.choice("0123456789ABCDEF") for _ in range(8)))

    def disk_serial(self) -> str:
        makers = ("WD-WCC", "S4EW", "Z9A", "ZN1", "50026B")
        return self._unique(lambda: self.rng.choice(makers) + "".join(
            self.rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXYZ") for _ in range(10)))

    def office_ip(self) -> str:
        return self._unique(lambda: f"{self.rng.choice(OFFICE_BLOCKS)}.{self.rng.randrange(1, 255)}."
                                    f"{self.rng.randrange(2, 254)}")

    def home_ip(self) -> str:
        return self._unique(lambda: f"{self.rng.choice(HOME_BLOCKS)}.{self.rng.randrange(1, 255)}."
                                    f"{self.rng.randrange(2, 254)}")

    def certificate(self, kind: str) -> str:
        """A registration certificate number, e.g. 一级建造师 云153201912345."""
        return self._unique(lambda: f"{kind} 云1{self.rng.randrange(53, 54)}{self.rng.randrange(2008, 2024)}"
                                    f"{self.rng.randrange(10 ** 5):05d}")
