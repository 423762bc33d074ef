"""Synthetic identities and organisations: names, valid ID numbers, employers, schools.

Everything here is drawn from a `random.Random` so a batch is reproducible from its
seed; the values are plausible enough that the validators see realistic data (real
region codes, GB 11643 check digits, GB 32100 USCCs with GB 11714 organisation codes).
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass, field

from stdnum.cn import ric, uscc

from pipeline import gb11643

# The date the generated world is "now": every issue date lies before it and every
# validity period runs well past it, so clean samples raise no expiry finding.
REFERENCE_DATE = dt.date(2026, 6, 30)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官")
MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林峰建国志文博晨阳东海振宏德良兵锋"
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲桂英华燕红梅琳雪婷慧莉萍颖倩洁琴云晶欣怡佳悦蓉璐丹妍月凤兰萱彤"
NEUTRAL_CHARS = "晓小嘉子思雨振永春秋文宏志家佳晨一天明"

ETHNICITIES = ("汉",) * 18 + ("壮", "回", "满", "土家", "苗", "彝", "瑶")


@dataclass(frozen=True)
class Region:
    """A county-level division: the 6-digit code opens an ID number or a USCC."""

    code: str
    province: str
    city: str
    district: str
    legacy: bool = False  # a county code since abolished: lives on in older ID numbers only

    @property
    def police(self) -> str:
        # ID cards name the county-level bureau, e.g. 广州市公安局天河分局.
        if self.district.endswith("区"):
            return f"{self.city}公安局{self.district[:-1]}分局"
        return f"{self.district}公安局"


REGIONS: tuple[Region, ...] = (
    Region("440103", "广东省", "广州市", "荔湾区"),
    Region("440104", "广东省", "广州市", "越秀区"),
    Region("440105", "广东省", "广州市", "海珠区"),
    Region("440106", "广东省", "广州市", "天河区"),
    Region("440111", "广东省", "广州市", "白云区"),
    Region("440303", "广东省", "深圳市", "罗湖区"),
    Region("440304", "广东省", "深圳市", "福田区"),
    Region("440305", "广东省", "深圳市", "南山区"),
    Region("440604", "广东省", "佛山市", "禅城区"),
    Region("440606", "广东省", "佛山市", "顺德区"),
    Region("441302", "广东省", "惠州市", "惠城区"),
    Region("441900", "广东省", "东莞市", "东莞市"),
    Region("440402", "广东省", "珠海市", "香洲区"),
    Region("510104", "四川省", "成都市", "锦江区"),
    Region("510105", "四川省", "成都市", "青羊区"),
    Region("510107", "四川省", "成都市", "武侯区"),
    Region("510108", "四川省", "成都市", "成华区"),
    Region("510703", "四川省", "绵阳市", "涪城区"),
    Region("511002", "四川省", "内江市", "市中区"),
    Region("340102", "安徽省", "合肥市", "瑶海区"),
    Region("340103", "安徽省", "合肥市", "庐阳区"),
    Region("340104", "安徽省", "合肥市", "蜀山区"),
    Region("340202", "安徽省", "芜湖市", "镜湖区"),
    Region("340302", "安徽省", "蚌埠市", "龙子湖区"),
    # Codes of former counties (番禺县, 增城县, 花县, 从化县, 双流县, 芜湖县...): people born
    # before the districts above existed carry them, with today's district as address.
    Region("440126", "广东省", "广州市", "番禺区", True),
    Region("440125", "广东省", "广州市", "增城区", True),
    Region("440121", "广东省", "广州市", "花都区", True),
    Region("440122", "广东省", "广州市", "从化区", True),
    Region("510121", "四川省", "成都市", "金堂县", True),
    Region("510122", "四川省", "成都市", "双流区", True),
    Region("340121", "安徽省", "合肥市", "长丰县", True),
    Region("340221", "安徽省", "芜湖市", "湾沚区", True),
)
CURRENT_REGIONS = tuple(r for r in REGIONS if not r.legacy)

STREETS = ("中山", "人民", "解放", "建设", "新华", "天河", "黄埔", "东风", "长江", "和平",
           "文化", "花园", "环城", "滨江", "五一", "光明", "青年", "朝阳", "锦绣", "科技")
STREET_KINDS = ("路", "大道", "街", "西路", "东路", "北路", "南路")
COMPOUNDS = ("花园", "小区", "新村", "公寓", "家园", "雅苑", "名苑", "大厦")

# (occupation, 工种 or "", relevant work description words)
OCCUPATIONS: tuple[tuple[str, str], ...] = (
    ("电工", "维修电工"),
    ("焊工", "电焊工"),
    ("育婴员", ""),
    ("保育师", ""),
    ("中式烹调师", ""),
    ("中式面点师", ""),
    ("企业人力资源管理师", ""),
    ("电子商务师", ""),
    ("美容师", ""),
    ("美发师", ""),
    ("车工", ""),
    ("钳工", "装配钳工"),
    ("汽车维修工", "汽车机械维修工"),
    ("养老护理员", ""),
    ("茶艺师", ""),
    ("网络与信息安全管理员", "网络安全管理员"),
    ("物流服务师", ""),
    ("健康管理师", ""),
    ("评茶员", ""),
    ("西式面点师", ""),
)
SKILL_LEVEL_NAMES = {1: ("一级", "高级技师"), 2: ("二级", "技师"), 3: ("三级", "高级工"),
                     4: ("四级", "中级工"), 5: ("五级", "初级工")}
TITLES: tuple[tuple[str, str, str], ...] = (
    # (specialty, title name, level)
    ("电气工程", "助理工程师", "初级"),
    ("电气工程", "工程师", "中级"),
    ("机械工程", "工程师", "中级"),
    ("机械工程", "高级工程师", "副高级"),
    ("人力资源管理", "经济师", "中级"),
    ("人力资源管理", "高级经济师", "副高级"),
    ("职业教育", "讲师", "中级"),
    ("职业教育", "副教授", "副高级"),
    ("职业教育", "教授", "正高级"),
    ("计算机应用", "工程师", "中级"),
    ("食品工程", "高级工程师", "副高级"),
    ("会计", "会计师", "中级"),
    ("护理", "主管护师", "中级"),
    ("建筑工程", "正高级工程师", "正高级"),
)
TITLE_LEVEL_RANK = {"初级": 4, "中级": 3, "副高级": 2, "正高级": 1}

SCHOOLS: tuple[tuple[str, str], ...] = (
    # (school, city)
    ("华南理工大学", "广州"),
    ("广东工业大学", "广州"),
    ("广州大学", "广州"),
    ("广东技术师范大学", "广州"),
    ("深圳职业技术大学", "深圳"),
    ("广州番禺职业技术学院", "广州"),
    ("广东轻工职业技术学院", "广州"),
    ("四川大学", "成都"),
    ("西南交通大学", "成都"),
    ("成都理工大学", "成都"),
    ("四川工程职业技术大学", "德阳"),
    ("成都航空职业技术学院", "成都"),
    ("合肥工业大学", "合肥"),
    ("安徽大学", "合肥"),
    ("安徽职业技术学院", "合肥"),
    ("安徽机电职业技术学院", "芜湖"),
)
MAJORS = ("电气工程及其自动化", "机械设计制造及其自动化", "人力资源管理", "计算机科学与技术",
          "食品科学与工程", "学前教育", "烹饪与营养教育", "工商管理", "护理学", "电子商务",
          "汽车检测与维修技术", "会计学", "酒店管理", "物流管理", "应用电子技术")
EMPLOYER_STEMS = ("华粤", "信达", "中科", "鸿图", "佳成", "南方", "天宇", "恒通", "锦程", "智联",
                  "蓝海", "新锐", "卓越", "万邦", "汇丰", "嘉禾", "启航", "金穗", "博创", "瑞和",
                  "安泰", "众诚", "宏远", "德信", "同创", "华夏", "远航", "领航", "明德", "致远")
EMPLOYER_KINDS = ("科技有限公司", "人力资源服务有限公司", "职业培训学校", "电子有限公司",
                  "餐饮管理有限公司", "家政服务有限公司", "教育咨询有限公司", "机电设备有限公司",
                  "职业技能评价有限公司", "智能制造有限公司")
COLLEGE_SUFFIX = ("职业技术学院", "技师学院", "技工学校")
DEPARTMENTS = ("人力资源部", "培训部", "质量管理部", "技术部", "综合办公室", "评价中心", "教务处",
               "考务办公室")
POSITIONS = ("主管", "经理", "培训讲师", "技术负责人", "考务专员", "部门副经理", "质量督导", "教研组长")
POLITICAL = ("中共党员", "中共党员", "群众", "群众", "群众", "共青团员", "民主党派人士", "无党派民主人士")
LEGAL_REP_TYPES = ("有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）", "其他有限责任公司")
AREA_CODES = {"广州市": "020", "深圳市": "0755", "佛山市": "0757", "惠州市": "0752", "东莞市": "0769",
              "珠海市": "0756", "成都市": "028", "绵阳市": "0816", "内江市": "0832", "合肥市": "0551",
              "芜湖市": "0553", "蚌埠市": "0552"}


@dataclass
class Org:
    """An organisation: employer, evaluation organisation or filing applicant."""

    name: str
    uscc: str
    region: Region
    address: str
    legal_representative: str
    org_type: str  # the licence's 类型 line
    category: str  # 机构类型 of the filing roster (seed 002's four kinds)
    established: dt.date
    phone: str

    @property
    def short_city(self) -> str:
        return self.region.city


@dataclass
class Person:
    """An applicant as the world knows them; documents copy values from here."""

    name: str
    gender: str
    ethnicity: str
    birth_date: dt.date
    id_number: str
    region: Region
    address: str
    phone: str
    email: str
    political_status: str
    education_level: str
    school: str
    major: str
    study_start: dt.date
    study_end: dt.date
    employer: Org
    department: str
    position: str
    work_start: dt.date
    occupations: list[str]
    job_type: str
    skill_level: int
    skill_issue_date: dt.date
    title: tuple[str, str, str]  # specialty, title name, level
    title_issue_date: dt.date
    numbers: dict[str, str] = field(default_factory=dict)  # certificate numbers by doc type
    photo_seed: int = 0

    @property
    def age(self) -> int:
        b = self.birth_date
        r = REFERENCE_DATE
        return r.year - b.year - ((r.month, r.day) < (b.month, b.day))

    @property
    def work_years(self) -> int:
        return max(1, REFERENCE_DATE.year - self.work_start.year)


def rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A uniformly drawn day in [start, end]; `end` when the range is empty, so a clean
    applicant's dates never pass their upper bound (e.g. into the future)."""
    span = (end - start).days
    if span < 0:
        rng.randint(0, 0)  # keep the draw count, so other values stay as they were
        return end
    return start + dt.timedelta(days=rng.randint(0, span))


def make_name(rng: random.Random, gender: str) -> str:
    """A common Han name: 1 surname + 1 or 2 given characters."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.02 else rng.choice(SURNAMES)
    pool = MALE_CHARS if gender == "男" else FEMALE_CHARS
    if rng.random() < 0.3:
        given = rng.choice(pool)
    else:
        given = rng.choice(pool + NEUTRAL_CHARS) + rng.choice(pool)
    return surname + given


@functools.cache
def region_valid_in(region: Region, birth: dt.date) -> bool:
    """Whether an ID number with this county code and birth date is valid under GB 11643
    (a code created after the birth year is fine: numbers keep their code)."""
    body = f"{region.code}{birth:%Y%m%d}001"
    return gb11643.is_valid(body + ric.calc_check_digit(body + "0"))


def make_id_number(rng: random.Random, region: Region, birth: dt.date, gender: str) -> str:
    """18-digit resident ID number (GB 11643): region, birth date, order code, check."""
    seq = rng.randint(0, 99)
    g = rng.choice("13579") if gender == "男" else rng.choice("02468")
    body = f"{region.code}{birth:%Y%m%d}{seq:02d}{g}"
    return body + ric.calc_check_digit(body + "0")


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714 check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def make_uscc(rng: random.Random, region: Region, kind: str = "91") -> str:
    """统一社会信用代码 (GB 32100): authority+type code, region, org code, check."""
    body = kind + region.code + org_code(rng)
    return body + uscc.calc_check_digit(body)


def make_phone(rng: random.Random) -> str:
    return rng.choice(("13", "15", "18", "17", "19")) + "".join(
        rng.choice("0123456789") for _ in range(9))


def make_address(rng: random.Random, region: Region) -> str:
    """A street address inside the region, as an ID card prints it."""
    city = "" if region.city == region.district else region.city
    street = rng.choice(STREETS) + rng.choice(STREET_KINDS)
    return (f"{region.province}{city}{region.district}{street}{rng.randint(1, 399)}号"
            f"{rng.choice(STREETS)}{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}栋{rng.randint(1, 32)}"
            f"{rng.randint(1, 6):02d}房")


def make_org(rng: random.Random, region: Region | None = None, college: bool = False,
             kind: str | None = None) -> Org:
    """An organisation in a province; colleges are public institutions (USCC 12...)."""
    region = region or rng.choice(CURRENT_REGIONS)
    city_short = region.city.rstrip("市")
    stem = rng.choice(EMPLOYER_STEMS)
    if college:
        name = f"{city_short}{rng.choice(('工贸', '城市', '交通', '科技', '轻工', '信息'))}{rng.choice(COLLEGE_SUFFIX)}"
        kind = kind or "12"
        org_type = "事业单位"
        category = "院校"
    else:
        name = f"{city_short}{stem}{rng.choice(EMPLOYER_KINDS)}"
        kind = kind or ("52" if "学校" in name else "91")
        org_type = "民办非企业单位" if kind == "52" else rng.choice(LEGAL_REP_TYPES)
        category = "民办职业培训学校" if kind == "52" else rng.choice(("龙头企业", "其他机构"))
    city = "" if region.city == region.district else region.city
    address = (f"{region.province}{city}{region.district}{rng.choice(STREETS)}{rng.choice(STREET_KINDS)}"
               f"{rng.randint(1, 999)}号{rng.randint(1, 28)}楼")
    rep_gender = rng.choice("男女")
    return Org(
        name=name,
        uscc=make_uscc(rng, region, kind),
        region=region,
        address=address,
        legal_representative=make_name(rng, rep_gender),
        org_type=org_type,
        category=category,
        established=rand_date(rng, dt.date(1998, 1, 1), dt.date(2019, 12, 31)),
        phone=f"{AREA_CODES.get(region.city, '020')}-{rng.randint(80000000, 89999999)}",
    )


def skill_cert_number(rng: random.Random, issue: dt.date, region: Region) -> str:
    """职业技能等级证书 numbers: 'S' + evaluator code + year + serial (S + 19 chars)."""
    return (f"S{region.code[:2]}{rng.randint(0, 9999):04d}{rng.randint(1, 99):02d}{issue:%y}"
            f"{rng.randint(1, 5)}{rng.randint(0, 99999):05d}{rng.randint(0, 99):02d}"[:20])


def qualification_cert_number(rng: random.Random, issue: dt.date) -> str:
    """The older 职业资格证书 numbers: 18 digits (year, province, level, serial)."""
    return f"{issue:%y}{rng.randint(10, 99)}{rng.randint(0, 99999999):08d}{rng.randint(0, 999999):06d}"


def make_person(rng: random.Random, province: str | None = None, employer: Org | None = None,
                min_skill_level: int = 3, title_rank_max: int = 3) -> Person:
    """A full applicant drawn from the rng.

    `min_skill_level` is the numerically largest level allowed (3 = 三级/高级工 or
    higher) and `title_rank_max` the lowest title allowed (3 = 中级), so a clean
    person always meets the profile's qualification rule.
    """
    regions = [r for r in REGIONS if province is None or r.province == province] or list(REGIONS)
    gender = rng.choice("男女")
    birth = rand_date(rng, dt.date(1966, 1, 1), dt.date(2000, 12, 31))
    # Any county whose code had not been abolished before the birth year: 青羊区 (510105,
    # created 1990) for someone born in 1981 is valid, as real numbers are.
    region = rng.choice([r for r in regions if region_valid_in(r, birth)] or regions)
    name = make_name(rng, gender)
    idn = make_id_number(rng, region, birth, gender)
    edu = rng.choice(("大学本科", "大学本科", "大学专科", "大学专科", "研究生"))
    if edu == "研究生" and birth.year > 1996:  # would graduate after 2022: too young to qualify
        edu = "大学本科"
    school = rng.choice(SCHOOLS)[0]
    if edu == "大学专科" and "大学" in school and "职业" not in school:
        school = rng.choice([s for s, _ in SCHOOLS if "职业" in s])
    years = {"研究生": 3, "大学本科": 4, "大学专科": 3}[edu]
    study_start = dt.date(birth.year + 18 + (4 if edu == "研究生" else 0), 9, 1)
    study_end = dt.date(study_start.year + years, 6, 30)
    work_start = rand_date(rng, dt.date(study_end.year, 7, 1), dt.date(min(study_end.year + 3, 2022), 12, 31))
    if employer is None:
        same = [r for r in CURRENT_REGIONS if r.province == region.province]
        employer = make_org(rng, rng.choice(same), college=rng.random() < 0.25)
    occ_n = rng.choice((1, 1, 1, 2, 2, 3))
    occs = rng.sample(OCCUPATIONS, occ_n)
    skill_level = rng.randint(1, min_skill_level)
    skill_issue = rand_date(rng, dt.date(max(work_start.year + 2, 2019), 1, 1), dt.date(2025, 12, 31))
    titles = [t for t in TITLES if TITLE_LEVEL_RANK[t[2]] <= title_rank_max]
    title = rng.choice(titles)
    title_issue = rand_date(rng, dt.date(max(work_start.year + 3, 2008), 1, 1), dt.date(2025, 12, 31))
    email_user = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 8)))
    email = f"{email_user}{rng.randint(1, 999)}@{rng.choice(('qq.com', '163.com', '126.com', 'foxmail.com'))}"
    p = Person(
        name=name, gender=gender, ethnicity=rng.choice(ETHNICITIES), birth_date=birth,
        id_number=idn, region=region, address=make_address(rng, region), phone=make_phone(rng),
        email=email, political_status=rng.choice(POLITICAL), education_level=edu,
        school=school, major=rng.choice(MAJORS), study_start=study_start, study_end=study_end,
        employer=employer, department=rng.choice(DEPARTMENTS), position=rng.choice(POSITIONS),
        work_start=work_start, occupations=[o for o, _ in occs], job_type=occs[0][1],
        skill_level=skill_level, skill_issue_date=skill_issue, title=title,
        title_issue_date=title_issue, photo_seed=rng.randint(0, 2**31 - 1),
    )
    p.numbers = {
        "skill_certificate": skill_cert_number(rng, skill_issue, region)
        if skill_issue.year >= 2020 else qualification_cert_number(rng, skill_issue),
        "title_certificate": f"{region.code[:2]}{title_issue:%Y}{rng.randint(0, 9999999):07d}",
        "diploma": f"{rng.randint(10000, 14999)}{study_end:%Y}{rng.randint(0, 999999):06d}{rng.randint(0, 99):02d}"[:18],
        "degree": f"{rng.randint(10000, 14999)}{rng.randint(1, 9)}{study_end:%Y}{rng.randint(0, 999999):06d}",
        "examiner_card": f"{region.code[:2]}{rng.randint(2019, 2024)}{rng.randint(0, 999999):06d}",
    }
    return p
