"""Reference tables of the demo city: departments, license types, data resources, themes, materials, fees.

Everything here is national or provincial knowledge that does not depend on the seed; the seed only
decides the things a real city would make up itself (credit codes, villages, addresses, limits).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Dept:
    """A kind of department as it exists at each level (安徽省…厅 / 蚌埠市…局 / 怀远县…局)."""

    key: str
    name: str  # city/county form, e.g. 市场监督管理局
    short: str  # window and place labels, e.g. 市场监管
    province: str | None  # province form; None: no province body
    laws: tuple[str, ...]
    kind: str = "department"
    category: str = "1"  # GB 32100 category under 机构编制 (1 机关, 2 事业单位, 3 群团)
    style: str = "plain"  # plain | branch | tax | housing_fund | fire | county_only
    counties_only: bool = False  # districts are served by the city body


DEPARTMENTS: list[Dept] = [
    Dept(
        "fgw",
        "发展和改革委员会",
        "发展改革",
        "发展和改革委员会",
        ("《企业投资项目核准和备案管理条例》", "《政府投资条例》", "《固定资产投资项目节能审查办法》"),
    ),
    Dept(
        "jy",
        "教育局",
        "教育",
        "教育厅",
        (
            "《中华人民共和国教育法》",
            "《中华人民共和国民办教育促进法》",
            "《教师资格条例》",
            "《中华人民共和国义务教育法》",
        ),
    ),
    Dept(
        "kj",
        "科学技术局",
        "科技",
        "科学技术厅",
        ("《中华人民共和国促进科技成果转化法》", "《外国人入境出境管理条例》", "《高新技术企业认定管理办法》"),
    ),
    Dept(
        "jx",
        "经济和信息化局",
        "经信",
        "经济和信息化厅",
        ("《中华人民共和国中小企业促进法》", "《民用爆炸物品安全管理条例》"),
    ),
    Dept(
        "ga",
        "公安局",
        "公安",
        "公安厅",
        (
            "《中华人民共和国居民身份证法》",
            "《中华人民共和国户口登记条例》",
            "《中华人民共和国道路交通安全法》",
            "《中华人民共和国出境入境管理法》",
            "《旅馆业治安管理办法》",
        ),
        style="branch",
    ),
    Dept(
        "mz",
        "民政局",
        "民政",
        "民政厅",
        (
            "《婚姻登记条例》",
            "《社会救助暂行办法》",
            "《社会团体登记管理条例》",
            "《殡葬管理条例》",
            "《中华人民共和国老年人权益保障法》",
        ),
    ),
    Dept(
        "sf", "司法局", "司法", "司法厅", ("《法律援助法》", "《中华人民共和国人民调解法》", "《中华人民共和国律师法》")
    ),
    Dept("cz", "财政局", "财政", "财政厅", ("《代理记账管理办法》", "《中华人民共和国政府采购法》")),
    Dept(
        "rs",
        "人力资源和社会保障局",
        "人社",
        "人力资源和社会保障厅",
        (
            "《中华人民共和国社会保险法》",
            "《失业保险条例》",
            "《工伤保险条例》",
            "《中华人民共和国就业促进法》",
            "《劳动保障监察条例》",
        ),
    ),
    Dept(
        "zrzy",
        "自然资源和规划局",
        "自然资源",
        "自然资源厅",
        (
            "《中华人民共和国城乡规划法》",
            "《中华人民共和国土地管理法》",
            "《中华人民共和国森林法》",
            "《中华人民共和国矿产资源法》",
        ),
        style="branch",
    ),
    Dept(
        "sthj",
        "生态环境局",
        "生态环境",
        "生态环境厅",
        ("《中华人民共和国环境影响评价法》", "《排污许可管理条例》", "《中华人民共和国环境噪声污染防治法》"),
    ),
    Dept(
        "zj",
        "住房和城乡建设局",
        "住建",
        "住房和城乡建设厅",
        (
            "《中华人民共和国建筑法》",
            "《建设工程质量管理条例》",
            "《城市房地产开发经营管理条例》",
            "《城镇燃气管理条例》",
            "《中华人民共和国消防法》",
        ),
    ),
    Dept(
        "jt",
        "交通运输局",
        "交通运输",
        "交通运输厅",
        ("《中华人民共和国道路运输条例》", "《中华人民共和国公路法》", "《网络预约出租汽车经营服务管理暂行办法》"),
    ),
    Dept(
        "sl",
        "水利局",
        "水利",
        "水利厅",
        (
            "《中华人民共和国水法》",
            "《取水许可和水资源费征收管理条例》",
            "《中华人民共和国水土保持法》",
            "《中华人民共和国河道管理条例》",
        ),
    ),
    Dept(
        "nync",
        "农业农村局",
        "农业农村",
        "农业农村厅",
        (
            "《农药管理条例》",
            "《中华人民共和国种子法》",
            "《中华人民共和国动物防疫法》",
            "《中华人民共和国农村土地承包法》",
            "《中华人民共和国渔业法》",
        ),
    ),
    Dept(
        "sw",
        "商务局",
        "商务",
        "商务厅",
        ("《中华人民共和国对外贸易法》", "《单用途商业预付卡管理办法（试行）》", "《再生资源回收管理办法》"),
    ),
    Dept(
        "wl",
        "文化和旅游局",
        "文化旅游",
        "文化和旅游厅",
        (
            "《娱乐场所管理条例》",
            "《互联网上网服务营业场所管理条例》",
            "《旅行社条例》",
            "《营业性演出管理条例》",
            "《出版管理条例》",
            "《全民健身条例》",
        ),
    ),
    Dept(
        "wj",
        "卫生健康委员会",
        "卫生健康",
        "卫生健康委员会",
        (
            "《医疗机构管理条例》",
            "《中华人民共和国医师法》",
            "《护士条例》",
            "《公共场所卫生管理条例》",
            "《中华人民共和国母婴保健法》",
            "《中华人民共和国人口与计划生育法》",
        ),
    ),
    Dept(
        "tyjr",
        "退役军人事务局",
        "退役军人",
        "退役军人事务厅",
        ("《退役军人保障法》", "《退役士兵安置条例》", "《军人抚恤优待条例》"),
    ),
    Dept(
        "yj",
        "应急管理局",
        "应急管理",
        "应急管理厅",
        (
            "《危险化学品安全管理条例》",
            "《烟花爆竹安全管理条例》",
            "《中华人民共和国安全生产法》",
            "《生产安全事故应急条例》",
        ),
    ),
    Dept(
        "scjg",
        "市场监督管理局",
        "市场监管",
        "市场监督管理局",
        (
            "《中华人民共和国市场主体登记管理条例》",
            "《中华人民共和国食品安全法》",
            "《中华人民共和国特种设备安全法》",
            "《中华人民共和国药品管理法》",
            "《中华人民共和国计量法》",
            "《中华人民共和国消费者权益保护法》",
        ),
    ),
    Dept(
        "yb",
        "医疗保障局",
        "医保",
        "医疗保障局",
        ("《中华人民共和国社会保险法》", "《医疗保障基金使用监督管理条例》", "《安徽省基本医疗保险办法》"),
    ),
    Dept(
        "sw_tax",
        "税务局",
        "税务",
        None,
        (
            "《中华人民共和国税收征收管理法》",
            "《中华人民共和国发票管理办法》",
            "《中华人民共和国个人所得税法》",
            "《中华人民共和国契税法》",
        ),
        style="tax",
    ),
    Dept(
        "cg", "城市管理局", "城管", None, ("《城市市容和环境卫生管理条例》", "《城市道路管理条例》", "《城市绿化条例》")
    ),
    Dept(
        "rf",
        "人民防空办公室",
        "人防",
        "人民防空办公室",
        ("《中华人民共和国人民防空法》", "《安徽省实施〈中华人民共和国人民防空法〉办法》"),
    ),
    Dept(
        "cl",
        "残疾人联合会",
        "残联",
        "残疾人联合会",
        ("《中华人民共和国残疾人保障法》", "《残疾人就业条例》"),
        category="3",
    ),
    Dept(
        "yc",
        "烟草专卖局",
        "烟草专卖",
        "烟草专卖局",
        ("《中华人民共和国烟草专卖法》", "《中华人民共和国烟草专卖法实施条例》"),
        category="2",
        counties_only=True,
    ),
    Dept(
        "xf",
        "消防救援",
        "消防",
        "消防救援总队",
        ("《中华人民共和国消防法》", "《公众聚集场所投入使用、营业前消防安全检查规则》"),
        style="fire",
    ),
    Dept(
        "gjj",
        "住房公积金管理中心",
        "公积金",
        None,
        ("《住房公积金管理条例》", "《蚌埠市住房公积金提取管理办法》"),
        kind="institution",
        category="2",
        style="housing_fund",
    ),
    Dept(
        "bdc",
        "不动产登记中心",
        "不动产",
        None,
        ("《不动产登记暂行条例》", "《不动产登记暂行条例实施细则》", "《中华人民共和国民法典》"),
        kind="institution",
        category="2",
        counties_only=True,
    ),
    Dept("da", "档案馆", "档案", "档案馆", ("《中华人民共和国档案法》",), kind="institution", category="2"),
    Dept(
        "sjzy",
        "数据资源管理局",
        "数据资源",
        "数据资源管理局",
        (
            "《中华人民共和国政府信息公开条例》",
            "《安徽省政务数据资源管理办法》",
            "《安徽省实施〈优化营商环境条例〉办法》",
        ),
    ),
    Dept(
        "zwfw",
        "政务服务中心",
        "政务服务",
        None,
        ("《安徽省政务服务管理办法》", "《优化营商环境条例》"),
        kind="center",
        category="2",
    ),
]
DEPT_BY_KEY = {d.key: d for d in DEPARTMENTS}


@dataclass(frozen=True)
class LicenseKind:
    key: str
    name: str
    holder: str  # person | enterprise
    issuer: str  # department key
    ministry: int  # index of the national body that defines the type (type code prefix)
    serial: int


# The national bodies that define license types: the type code is their credit code + 3 digits.
MINISTRIES = [
    "国家市场监督管理总局",
    "公安部",
    "民政部",
    "国家卫生健康委员会",
    "自然资源部",
    "住房和城乡建设部",
    "交通运输部",
    "教育部",
    "人力资源和社会保障部",
    "中国残疾人联合会",
    "生态环境部",
    "水利部",
    "国家烟草专卖局",
    "退役军人事务部",
    "应急管理部",
    "司法部",
    "农业农村部",
    "国家药品监督管理局",
    "国家消防救援局",
    "文化和旅游部",
]

LICENSE_KINDS: list[LicenseKind] = [
    LicenseKind("YYZZ", "营业执照", "enterprise", "scjg", 0, 1),
    LicenseKind("SPJY", "食品经营许可证", "enterprise", "scjg", 0, 2),
    LicenseKind("SPSC", "食品生产许可证", "enterprise", "scjg", 0, 3),
    LicenseKind("TZSB", "特种设备使用登记证", "enterprise", "scjg", 0, 4),
    LicenseKind("TZZY", "特种设备安全管理和作业人员证", "person", "scjg", 0, 5),
    LicenseKind("YPJY", "药品经营许可证", "enterprise", "scjg", 17, 1),
    LicenseKind("SFZ", "居民身份证", "person", "ga", 1, 1),
    LicenseKind("HKB", "居民户口簿", "person", "ga", 1, 2),
    LicenseKind("JSZ", "机动车驾驶证", "person", "ga", 1, 3),
    LicenseKind("XSZ", "机动车行驶证", "person", "ga", 1, 4),
    LicenseKind("JZZ", "居住证", "person", "ga", 1, 5),
    LicenseKind("HZ", "普通护照", "person", "ga", 1, 6),
    LicenseKind("GAT", "往来港澳通行证", "person", "ga", 1, 7),
    LicenseKind("JHZ", "结婚证", "person", "mz", 2, 1),
    LicenseKind("LHZ", "离婚证", "person", "mz", 2, 2),
    LicenseKind("LNYD", "老年人优待证", "person", "mz", 2, 3),
    LicenseKind("CSYX", "出生医学证明", "person", "wj", 3, 1),
    LicenseKind("YSZY", "医师执业证书", "person", "wj", 3, 2),
    LicenseKind("HSZY", "护士执业证书", "person", "wj", 3, 3),
    LicenseKind("YLJG", "医疗机构执业许可证", "enterprise", "wj", 3, 4),
    LicenseKind("WSXK", "公共场所卫生许可证", "enterprise", "wj", 3, 5),
    LicenseKind("BDCQ", "不动产权证书", "person", "bdc", 4, 1),
    LicenseKind("JSYDGH", "建设用地规划许可证", "enterprise", "zrzy", 4, 2),
    LicenseKind("JSGCGH", "建设工程规划许可证", "enterprise", "zrzy", 4, 3),
    LicenseKind("SGXK", "建筑工程施工许可证", "enterprise", "zj", 5, 1),
    LicenseKind("JZZZ", "建筑业企业资质证书", "enterprise", "zj", 5, 2),
    LicenseKind("FDCKF", "房地产开发企业资质证书", "enterprise", "zj", 5, 3),
    LicenseKind("DLYS", "道路运输经营许可证", "enterprise", "jt", 6, 1),
    LicenseKind("DLYSZ", "道路运输证", "enterprise", "jt", 6, 2),
    LicenseKind("CYZG", "道路运输从业人员从业资格证", "person", "jt", 6, 3),
    LicenseKind("JSZG", "教师资格证", "person", "jy", 7, 1),
    LicenseKind("BXXK", "民办学校办学许可证", "enterprise", "jy", 7, 2),
    LicenseKind("SBK", "社会保障卡", "person", "rs", 8, 1),
    LicenseKind("LDPQ", "劳务派遣经营许可证", "enterprise", "rs", 8, 2),
    LicenseKind("RLZY", "人力资源服务许可证", "enterprise", "rs", 8, 3),
    LicenseKind("CJRZ", "残疾人证", "person", "cl", 9, 1),
    LicenseKind("PWXK", "排污许可证", "enterprise", "sthj", 10, 1),
    LicenseKind("QSXK", "取水许可证", "enterprise", "sl", 11, 1),
    LicenseKind("YCLS", "烟草专卖零售许可证", "enterprise", "yc", 12, 1),
    LicenseKind("YDZ", "退役军人优待证", "person", "tyjr", 13, 1),
    LicenseKind("WHJY", "危险化学品经营许可证", "enterprise", "yj", 14, 1),
    LicenseKind("LSZY", "律师执业证", "person", "sf", 15, 1),
    LicenseKind("NYJY", "农药经营许可证", "enterprise", "nync", 16, 1),
    LicenseKind("XFJC", "公众聚集场所投入使用营业前消防安全检查合格证", "enterprise", "xf", 18, 1),
    LicenseKind("YLCS", "娱乐经营许可证", "enterprise", "wl", 19, 1),
]
LICENSE_BY_KEY = {lk.key: lk for lk in LICENSE_KINDS}


@dataclass(frozen=True)
class ResourceKind:
    key: str
    name: str
    provider: str  # department key (city body)
    sharing: str
    fields: tuple[str, ...] = field(default=())


DATA_RESOURCES: list[ResourceKind] = [
    ResourceKind(
        "RK", "人口基础信息", "ga", "conditional", ("姓名", "公民身份号码", "性别", "民族", "出生日期", "户籍地址")
    ),
    ResourceKind(
        "FR",
        "法人基础信息",
        "scjg",
        "unconditional",
        ("统一社会信用代码", "名称", "法定代表人", "住所", "成立日期", "登记状态"),
    ),
    ResourceKind(
        "HY", "婚姻登记信息", "mz", "conditional", ("男方姓名", "女方姓名", "登记类别", "登记日期", "登记机关")
    ),
    ResourceKind(
        "SB", "社保缴纳信息", "rs", "conditional", ("姓名", "公民身份号码", "险种", "缴费起止年月", "缴费单位")
    ),
    ResourceKind("BDC", "不动产登记信息", "bdc", "conditional", ("不动产单元号", "权利人", "坐落", "面积", "权利类型")),
    ResourceKind(
        "GJJ", "公积金缴存信息", "gjj", "conditional", ("姓名", "公民身份号码", "缴存单位", "缴存基数", "账户状态")
    ),
    ResourceKind("XJ", "学籍信息", "jy", "conditional", ("学生姓名", "学籍号", "学校", "年级", "入学日期")),
    ResourceKind(
        "CS", "出生医学证明信息", "wj", "conditional", ("新生儿姓名", "出生日期", "出生地点", "母亲姓名", "父亲姓名")
    ),
    ResourceKind("SW", "死亡医学证明信息", "wj", "conditional", ("姓名", "公民身份号码", "死亡日期", "死亡原因")),
    ResourceKind(
        "DB", "低保对象信息", "mz", "conditional", ("户主姓名", "公民身份号码", "保障人数", "保障金额", "保障起始年月")
    ),
    ResourceKind("CJR", "残疾人信息", "cl", "conditional", ("姓名", "公民身份号码", "残疾类别", "残疾等级", "证号")),
    ResourceKind(
        "NS", "纳税信息", "sw_tax", "conditional", ("纳税人识别号", "纳税人名称", "税种", "所属期", "实缴金额")
    ),
    ResourceKind("YB", "医保参保信息", "yb", "conditional", ("姓名", "公民身份号码", "参保类型", "参保状态", "参保地")),
    ResourceKind("CL", "机动车登记信息", "ga", "conditional", ("号牌号码", "车辆类型", "所有人", "注册日期", "状态")),
    ResourceKind("JSR", "驾驶人信息", "ga", "conditional", ("姓名", "驾驶证号", "准驾车型", "有效期止", "状态")),
    ResourceKind("XY", "企业信用信息", "fgw", "unconditional", ("统一社会信用代码", "名称", "信用等级", "失信记录")),
    ResourceKind(
        "TY", "退役军人信息", "tyjr", "conditional", ("姓名", "公民身份号码", "入伍时间", "退役时间", "安置方式")
    ),
    ResourceKind("HH", "殡葬火化信息", "mz", "conditional", ("逝者姓名", "公民身份号码", "火化日期", "殡仪馆")),
    ResourceKind(
        "JYSY", "就业失业登记信息", "rs", "conditional", ("姓名", "公民身份号码", "登记类型", "登记日期", "就业单位")
    ),
    ResourceKind("JZ", "居住证信息", "ga", "conditional", ("姓名", "公民身份号码", "居住地址", "签发日期", "有效期限")),
]
RESOURCE_BY_KEY = {r.key: r for r in DATA_RESOURCES}

# (code, name, audience) — life events for persons, business stages for enterprises.
THEMES: list[tuple[str, str, str]] = [
    ("birth", "出生", "person"),
    ("school", "上学", "person"),
    ("work", "就业创业", "person"),
    ("marriage", "婚育", "person"),
    ("housing", "住房", "person"),
    ("travel", "出行", "person"),
    ("medical", "医疗", "person"),
    ("identity", "证件办理", "person"),
    ("relief", "社会救助", "person"),
    ("disability", "残疾人服务", "person"),
    ("veteran", "退役军人", "person"),
    ("elderly", "养老", "person"),
    ("death", "身后事", "person"),
    ("start", "开办企业", "enterprise"),
    ("permit", "准营", "enterprise"),
    ("build", "建设项目", "enterprise"),
    ("tax", "纳税缴费", "enterprise"),
    ("hire", "招聘用工", "enterprise"),
    ("trade", "外贸与投资", "enterprise"),
    ("change", "变更", "enterprise"),
    ("close", "注销", "enterprise"),
]
THEME_AUDIENCE = {code: audience for code, _name, audience in THEMES}
THEME_CODE_PREFIX = {"person": "life-", "enterprise": "biz-"}


def theme_code(key: str) -> str:
    return THEME_CODE_PREFIX[THEME_AUDIENCE[key]] + key


# Materials named by key in the item templates: (name, source, license key, data key, form, condition).
MATERIALS: dict[str, tuple[str, str, str, str, str, str]] = {
    "sfz": ("申请人居民身份证", "license", "SFZ", "", "original", ""),
    "hkb": ("居民户口簿", "license", "HKB", "", "original", ""),
    "yyzz": ("营业执照", "license", "YYZZ", "", "electronic", ""),
    "jhz": ("结婚证", "license", "JHZ", "", "original", ""),
    "csyx": ("出生医学证明", "license", "CSYX", "", "original", ""),
    "bdcqz": ("不动产权证书", "license", "BDCQ", "", "original", ""),
    "jsz": ("机动车驾驶证", "license", "JSZ", "", "original", ""),
    "xsz": ("机动车行驶证", "license", "XSZ", "", "original", ""),
    "sbk": ("社会保障卡", "license", "SBK", "", "original", ""),
    "cjrz": ("残疾人证", "license", "CJRZ", "", "original", ""),
    "jsydgh": ("建设用地规划许可证", "license", "JSYDGH", "", "electronic", ""),
    "jsgcgh": ("建设工程规划许可证", "license", "JSGCGH", "", "electronic", ""),
    "sgxk": ("建筑工程施工许可证", "license", "SGXK", "", "electronic", ""),
    "jsgz": ("教师资格证", "license", "JSZG", "", "original", ""),
    "ydz": ("退役军人优待证", "license", "YDZ", "", "original", ""),
    "jzz": ("居住证", "license", "JZZ", "", "original", ""),
    "rk": ("户籍人口信息（共享核验）", "shared", "", "RK", "electronic", ""),
    "fr": ("法人登记信息（共享核验）", "shared", "", "FR", "electronic", ""),
    "hyxx": ("婚姻登记信息（共享核验）", "shared", "", "HY", "electronic", ""),
    "sbjn": ("社会保险缴费记录（共享核验）", "shared", "", "SB", "electronic", ""),
    "bdcxx": ("不动产登记信息（共享核验）", "shared", "", "BDC", "electronic", ""),
    "gjjxx": ("住房公积金缴存信息（共享核验）", "shared", "", "GJJ", "electronic", ""),
    "xj": ("学籍信息（共享核验）", "shared", "", "XJ", "electronic", ""),
    "csxx": ("出生医学证明信息（共享核验）", "shared", "", "CS", "electronic", ""),
    "swxx": ("居民死亡医学证明信息（共享核验）", "shared", "", "SW", "electronic", ""),
    "dbxx": ("低保对象信息（共享核验）", "shared", "", "DB", "electronic", ""),
    "cjrxx": ("残疾人信息（共享核验）", "shared", "", "CJR", "electronic", ""),
    "nsxx": ("纳税信息（共享核验）", "shared", "", "NS", "electronic", ""),
    "ybxx": ("医保参保信息（共享核验）", "shared", "", "YB", "electronic", ""),
    "clxx": ("机动车登记信息（共享核验）", "shared", "", "CL", "electronic", ""),
    "tyxx": ("退役军人信息（共享核验）", "shared", "", "TY", "electronic", ""),
    "hhxx": ("火化信息（共享核验）", "shared", "", "HH", "electronic", ""),
    "jysy": ("就业失业登记信息（共享核验）", "shared", "", "JYSY", "electronic", ""),
    "xyxx": ("企业信用信息（共享核验）", "shared", "", "XY", "electronic", ""),
    "fddb": ("法定代表人身份证明", "applicant", "", "", "original", ""),
    "wts": ("授权委托书及受托人身份证件", "applicant", "", "", "original", "委托他人代为办理的"),
    "cs": ("经营场所使用证明（产权证明或租赁合同）", "applicant", "", "", "copy", ""),
    "zp": ("近期二寸免冠彩色证件照片", "applicant", "", "", "original", ""),
    "zc": ("公司章程", "applicant", "", "", "original", ""),
    "gd": ("股东的主体资格证明或自然人身份证件", "applicant", "", "", "copy", ""),
    "srzm": ("家庭收入和财产状况声明书", "applicant", "", "", "original", ""),
    "ldht": ("劳动合同", "applicant", "", "", "copy", ""),
    "lzzm": ("解除或终止劳动关系证明", "applicant", "", "", "original", ""),
    "fp": ("医疗费用票据及费用明细清单", "applicant", "", "", "original", ""),
    "zd": ("诊断证明或出院小结", "applicant", "", "", "copy", ""),
    "lx": ("项目立项（审批、核准、备案）文件", "applicant", "", "", "copy", ""),
    "tz": ("设计图纸（总平面图、建筑单体图）", "applicant", "", "", "electronic", ""),
    "ht": ("房屋买卖合同", "applicant", "", "", "original", ""),
    "zl": ("房屋租赁合同", "applicant", "", "", "copy", ""),
    "sw": ("完税凭证", "applicant", "", "", "copy", ""),
    "jkzm": ("从业人员健康证明", "applicant", "", "", "copy", ""),
    "zd_zd": ("相关管理制度文本", "applicant", "", "", "original", ""),
    "ry": ("专业技术人员资格证明", "applicant", "", "", "copy", ""),
    "sb": ("主要设施设备清单", "applicant", "", "", "original", ""),
    "pm": ("场所平面布局图", "applicant", "", "", "original", ""),
    "cn": ("告知承诺书", "applicant", "", "", "original", ""),
    "aq": ("安全评价报告", "applicant", "", "", "original", ""),
    "hp": ("环境影响评价文件", "applicant", "", "", "electronic", ""),
    "yj": ("原证件（换领、注销时交回）", "applicant", "", "", "original", ""),
    "ss": ("遗失声明或情况说明", "applicant", "", "", "original", "证件遗失的"),
    "jhzm": ("监护关系证明", "applicant", "", "", "original", "申请人为未成年人或无民事行为能力人的"),
    "tj": ("体检证明", "applicant", "", "", "original", ""),
    "xl": ("学历证书", "applicant", "", "", "copy", ""),
    "pxzm": ("培训合格证明", "applicant", "", "", "copy", ""),
    "jfzl": ("缴费凭证", "applicant", "", "", "copy", "需要缴费的"),
    "gsx": ("公示材料及公示结果", "government", "", "", "original", ""),
    "cjzm": ("村（居）委会调查核实意见", "government", "", "", "original", ""),
    "dy": ("调解申请书", "applicant", "", "", "original", ""),
    "zj": ("相关证据材料", "applicant", "", "", "copy", ""),
}

# Fees by key: (name, standard, basis).
FEES: dict[str, list[tuple[str, str, str]]] = {
    "sfz": [
        (
            "居民身份证工本费",
            "首次申领、换领、补领 20 元/证；丢失补领或损坏换领 40 元/证",
            "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
        )
    ],
    "lssfz": [
        (
            "临时居民身份证工本费",
            "10 元/证",
            "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》（发改价格〔2003〕2322号）",
        )
    ],
    "jsz": [
        (
            "机动车驾驶证工本费",
            "10 元/证",
            "《国家发展改革委 财政部关于公安部门有关收费标准及有关问题的通知》（发改价格〔2004〕2831号）",
        )
    ],
    "plate": [
        (
            "机动车号牌工本费",
            "汽车反光号牌 100 元/副；摩托车号牌 35 元/副；行驶证 10 元/证",
            "《国家发展改革委 财政部关于公安部门有关收费标准及有关问题的通知》（发改价格〔2004〕2831号）",
        )
    ],
    "hz": [
        (
            "普通护照签发费",
            "120 元/本",
            "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》（发改价格〔2019〕914号）",
        )
    ],
    "gat": [
        (
            "往来港澳通行证证件费",
            "卡式证件 60 元/证；签注 15 元/次",
            "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》（发改价格〔2019〕914号）",
        )
    ],
    "bdc": [
        (
            "不动产登记费",
            "住宅类 80 元/件；非住宅类 550 元/件",
            "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        )
    ],
    "bdcbook": [
        (
            "不动产权属证书工本费",
            "每增加一本证书加收 10 元",
            "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
        )
    ],
    "jdcjy": [
        (
            "机动车安全技术检验费",
            "按省发展改革委核定的检验机构收费标准执行",
            "《安徽省发展改革委关于机动车安全技术检验收费有关问题的通知》",
        )
    ],
}
