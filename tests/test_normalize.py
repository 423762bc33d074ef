"""The value normalisers, on the spellings certificates and OCR produce."""

from __future__ import annotations

import pytest

from extractors import normalize as nz

VALID_ID = "44010619900101118X"  # GB 11643 check digit X


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2024年11月22日", "2024-11-22"),
        ("2024 年 8 月 2 日", "2024-08-02"),
        ("2024.11.22", "2024-11-22"),
        ("2024-11-22", "2024-11-22"),
        ("2024/1/5", "2024-01-05"),
        ("二〇二四年十一月二十二日", "2024-11-22"),
        ("二〇一九年六月三十日", "2019-06-30"),
        ("二O一九年六月三十日", "2019-06-30"),  # a letter O read for the zero
        ("二零二零年一月十日", "2020-01-10"),
        ("1980.03", "1980-03"),
        ("出生年月1966年10月", "1966-10"),
        ("2O24年1l月22日", "2024-11-22"),  # look-alike letters inside digits
        ("发证日期:20241122", "2024-11-22"),
    ],
)
def test_dates(text: str, want: str) -> None:
    got = nz.parse_date(text)
    assert got is not None and got[0] == want


def test_date_quality_and_rejects() -> None:
    assert nz.parse_date("2024年11月22日") == ("2024-11-22", 1.0)
    value, q = nz.parse_date("2024年7月1")  # 日 lost under a seal: kept, less sure
    assert value == "2024-07-01" and q < 0.7
    assert nz.parse_date("2O24年11月22日")[1] < 1.0  # repaired
    assert nz.parse_date("2024年13月1日") is None
    assert nz.parse_date("2023年2月30日") is None
    assert nz.parse_date("1850年1月1日") is None
    assert nz.parse_date("电话:0553-87108686") is None


def test_find_dates_range() -> None:
    found = nz.find_dates("有效期限 2022.05.01-2042.05.01")
    assert [d.value for d in found] == ["2022-05-01", "2042-05-01"]
    found = nz.find_dates("于2014年9月至2017年6月在本校")
    assert [d.value for d in found] == ["2014-09", "2017-06"]


def test_id_as_read_and_spaced() -> None:
    assert nz.normalize_id(VALID_ID) == (VALID_ID, 1.0)
    assert nz.normalize_id("440106 19900101 118x") == (VALID_ID, 1.0)
    assert nz.normalize_id("44010619900101118×") == (VALID_ID, 1.0)


def test_id_confusions_repaired_only_when_check_digit_confirms() -> None:
    assert nz.normalize_id("44O1O619900101118X") == (VALID_ID, 0.8)
    assert nz.normalize_id("4401O6l9900101118X") == (VALID_ID, 0.8)
    assert nz.normalize_id("44010619900101l18X") == (VALID_ID, 0.8)
    # An S that would have to be a 5 but the check digit says no: kept as read, low.
    value, q = nz.normalize_id("44010619900101S18X")
    assert q < 0.5 and value != VALID_ID
    # A digit misread as another digit is never "repaired" into some other valid ID.
    value, q = nz.normalize_id("440106199001011189")
    assert value == "440106199001011189" and q < 0.5
    assert nz.normalize_id("4401061990") is None
    assert nz.normalize_id("姓名张三") is None


def test_find_id_in_text() -> None:
    got = nz.find_id("公民身份号码440106 19900101 118X")
    assert got is not None and got[0] == VALID_ID and got[1] == 1.0


def test_uscc() -> None:
    assert nz.normalize_uscc("91440604222832603L") == ("91440604222832603L", 1.0)
    assert nz.normalize_uscc("9144O604222832603L") == ("91440604222832603L", 0.8)
    assert nz.normalize_uscc("91440604222832603M")[1] < 0.5


@pytest.mark.parametrize(
    ("text", "want"),
    [("一级/高级技师", 1), ("高级技师", 1), ("二级/技师", 2), ("技师(国家职业资格二级)", 2), ("三级/高级工", 3),
     ("高级工(国家职业资格三级)", 3), ("四级/中级工", 4), ("中级工", 4), ("五级/初级工", 5), ("初级工", 5),
     ("3级", 3)],
)
def test_skill_levels(text: str, want: int) -> None:
    assert nz.skill_level(text) == want


def test_title_levels() -> None:
    assert nz.title_level("正高级") == "正高级"
    assert nz.title_level("副高级") == "副高级"
    assert nz.title_level(None, "工程师") == "中级"
    assert nz.title_level(None, "高级工程师") == "副高级"
    assert nz.title_level(None, "助理工程师") == "初级"
    assert nz.title_level(None, "正高级工程师") == "正高级"
    assert nz.title_level(None, "高级经济师") == "副高级"
    assert nz.title_level(None, "教授") == "正高级"
    assert nz.title_level(None, "副教授") == "副高级"
    assert nz.title_level(None, "会计师") == "中级"
    assert nz.title_level(None, None) is None


def test_names_gender_words() -> None:
    assert nz.is_name("张三") and nz.is_name("欧阳明华") and nz.is_name("阿依古丽·买买提")
    assert not nz.is_name("张") and not nz.is_name("兹有张三同志") and not nz.is_name("Zhang")
    assert nz.clean_name("张 三:") == "张三"
    assert nz.gender("女") == "女" and nz.gender("男性") == "男" and nz.gender("未知") is None
    assert nz.education_level("三年制专科") == ("大学专科", 0.9)
    assert nz.education_level("研究生")[0] == "研究生"
    assert nz.political_status("无党派民主人")[0] == "无党派民主人士"  # a wrapped cell, cut
    assert nz.political_status("中共党员") == ("中共党员", 1.0)


def test_lists_phone_email_punct() -> None:
    assert nz.split_list("电工、育婴员") == ["电工", "育婴员"]
    assert nz.split_list("电子商务师(五级至一级);美容师(五级至三级)") == ["电子商务师", "美容师"]
    assert nz.phone("手机:139 1234 5678") == ("13912345678", 1.0)
    assert nz.email("fyqzgp352@qq.com") == ("fyqzgp352@qq.com", 1.0)
    assert nz.cjk_punct("有限责任公司(自然人独资)") == "有限责任公司（自然人独资）"
    assert nz.cjk_punct("本人参加工作,至今已有6年。") == "本人参加工作，至今已有6年。"


# ---------------------------------------------------------------- traditional -> simplified (issue 10)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("金橋職業技能培訓學校", "金桥职业技能培训学校"),  # a font the recogniser reads as traditional
        ("廣東宏圖教育科技有限公司", "广东宏图教育科技有限公司"),
        ("專業技術資格證書", "专业技术资格证书"),
        ("涼山匯通人力資源有限責任公司", "凉山汇通人力资源有限责任公司"),
        # 於 before a date is the preposition 于 (a surname 於 is kept, below)
        ("學生吳丹，於2005年9月至2008", "学生吴丹,于2005年9月至2008"),
        ("於 二〇一五年三月入职", "于二〇一五年三月入职"),
    ],
)
def test_ocr_text_is_simplified(text: str, want: str) -> None:
    from models.ocr import normalize_text

    assert normalize_text(text) == want


@pytest.mark.parametrize(
    "text",
    # simplified text OpenCC's t2s alone would change (於 and 乾 are surnames and name
    # characters, 徵 a name character), and words whose characters are shared by several
    # traditional ones (于/於, 余, 后, 里, 干, 发, 面)
    ["於丹", "乾坤", "张徵", "于海", "余华", "后来居上", "里面", "干部", "发展", "面条", "四川省凉山彝族自治州"],
)
def test_simplified_text_is_kept(text: str) -> None:
    from models.ocr import normalize_text

    assert normalize_text(text) == text


def test_issue_year_cross_check_from_qualification_number() -> None:
    """The national 职业资格证书 number begins with the year of issue and the province's
    code: a date read with another year is caught (issue 10: 2021 read for 2024)."""
    assert nz.qualification_number_year("1044030000123456") == 2010
    assert nz.issue_year_agrees("2010-10-05", "1044030000123456") is True
    assert nz.issue_year_agrees("2016-10-05", "1044030000123456") is False
    assert nz.issue_year_agrees("2021-12-06", "Y514009031821350029735") is None  # states no year
