"""The catalog file format: sheets, columns, their machine keys and the words allowed in each cell.

One table drives the reader, the writer and docs/catalog-file-format.md, so the three never drift.
An xlsx workbook has a Chinese header row (what people read) and a machine-key row under it (what
the reader matches); JSON uses the machine keys and the machine values of every choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yiwang.catalog.models import ItemVersion, Material, ProcessStep

FORMAT_NAME = "yiwang-catalog"
FORMAT_VERSION = 1

ITEMS, MATERIALS, STEPS, FEES, README = "事项", "材料", "流程", "收费", "说明"
# English sheet names are accepted too, for files made by other systems.
SHEET_ALIASES = {"items": ITEMS, "materials": MATERIALS, "steps": STEPS, "fees": FEES}
REQUIRED_SHEETS = (ITEMS, MATERIALS, STEPS)

# Words a person may type in a choice cell; the first label is the one the exporter writes.
ITEM_TYPES = {
    "01": ["行政许可"],
    "02": ["行政处罚"],
    "03": ["行政强制"],
    "04": ["行政征收"],
    "05": ["行政给付"],
    "06": ["行政确认"],
    "07": ["行政裁决"],
    "08": ["行政奖励"],
    "09": ["行政检查"],
    "10": ["其他行政权力"],
    "20": ["公共服务"],
}
HANDLING_ITEMS = {"": ["不区分"], "new": ["新设"], "change": ["变更"], "renew": ["延续"], "cancel": ["注销"]}
LEVELS = {
    1: ["国家级", "国家"],
    2: ["省级", "省"],
    3: ["市级", "市"],
    4: ["县级", "县"],
    5: ["乡级", "乡"],
    6: ["村级", "村"],
}
HANDLING_KINDS = {1: ["即办件"], 2: ["承诺件"]}
ONLINE_DEPTHS = {
    1: ["Ⅰ 信息公开", "Ⅰ", "I"],
    2: ["Ⅱ 在线预约和表格下载", "Ⅱ", "II"],
    3: ["Ⅲ 网上受理到现场一次", "Ⅲ", "III"],
    4: ["Ⅳ 全程网办", "Ⅳ", "IV", "全程网办"],
}
# Real-name levels an applicant must reach (identity.Level); the number alone is accepted too.
IDENTITY_LEVELS = {
    0: ["不要求"],
    1: ["手机号验证"],
    2: ["身份证件核验"],
    3: ["现场、人脸或银行卡核验"],
}
TIME_UNITS = {"wd": ["工作日"], "nd": ["自然日"], "mo": ["月"]}
RESULT_TYPES = {
    "license": ["证照"],
    "approval": ["批准文书"],
    "filing": ["备案凭证"],
    "payment": ["款项"],
    "other": ["其他"],
}
MATERIAL_SOURCES = {
    "applicant": ["申请人提供"],
    "license": ["电子证照"],
    "shared": ["共享数据"],
    "government": ["部门内部产生"],
}
MATERIAL_FORMS = {"original": ["原件"], "copy": ["复印件"], "electronic": ["电子件"], "both": ["原件和复印件"]}
REQUIREMENTS = {"required": ["必需"], "conditional": ["视情形"], "optional": ["非必需"]}
STEP_KINDS = {
    "accept": ["受理"],
    "undertake": ["承办"],
    "review": ["审核"],
    "approve": ["批准"],
    "countersign": ["会签"],
    "deliver": ["办结送达"],
}
TRUE_WORDS = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
FALSE_WORDS = {"否", "无", "n", "no", "false", "0", "×", "✗"}
# Separators of list cells (colloquial names, themes) in xlsx; the exporter writes "|".
LIST_SEPARATORS = ("|", "；", ";", "\n")


@dataclass(frozen=True)
class Column:
    """One column of a sheet (or one key of a JSON object)."""

    key: str
    header: str
    kind: str = "text"  # text, int, bool, choice, list, json (a JSON array or object; JSON text in xlsx)
    required: bool = False  # the column must be present (and typed cells non-blank)
    choices: dict | None = None
    default: object = None  # value of a blank cell when the column is optional
    max_length: int | None = None
    export_only: bool = False  # written for people, ignored on import
    note: str = ""
    aliases: tuple[str, ...] = field(default=())

    def label(self, value) -> object:
        """The word the xlsx exporter writes for a machine value."""
        if self.choices is not None and value in self.choices:
            return self.choices[value][0] if value != "" else ""
        return value


def _len(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


ITEM_COLUMNS: list[Column] = [
    Column(
        "item_code",
        "实施编码",
        required=True,
        max_length=31,
        note="31 位：统一社会信用代码 18 位 + 基本编码 12 位 + 业务办理项 1 位",
    ),
    Column("catalog_code", "基本编码", required=True, max_length=12, note="12 位，前两位为事项类型代码"),
    Column("handling_item", "业务办理项", "choice", choices=HANDLING_ITEMS, default=""),
    Column("credit_code", "实施主体统一社会信用代码", required=True, max_length=18, note="实施主体须已在系统中登记"),
    Column("organisation_name", "实施主体名称", export_only=True, note="仅供阅读，导入时忽略"),
    Column("name", "事项名称", required=True, max_length=_len(ItemVersion, "name")),
    Column("aliases", "口语化名称", "list", default=(), note="多个名称用 | 分隔"),
    Column("item_type", "事项类型", "choice", required=True, choices=ITEM_TYPES),
    Column("level", "行使层级", "choice", required=True, choices=LEVELS),
    Column("competent_department", "主管部门", required=True, max_length=_len(ItemVersion, "competent_department")),
    Column("legal_basis", "设定依据", required=True),
    Column("for_persons", "面向自然人", "bool", required=True),
    Column("for_enterprises", "面向法人", "bool", required=True),
    Column("acceptance_conditions", "受理条件", required=True),
    Column("statutory_limit", "法定时限", "int", required=True),
    Column("statutory_unit", "法定时限单位", "choice", choices=TIME_UNITS, default="wd"),
    Column("promised_limit", "承诺时限", "int", required=True),
    Column("promised_unit", "承诺时限单位", "choice", choices=TIME_UNITS, default="wd"),
    Column("handling_kind", "办件类型", "choice", required=True, choices=HANDLING_KINDS),
    Column("visits_required", "到现场次数", "int", required=True),
    Column("online_depth", "网上办理深度", "choice", required=True, choices=ONLINE_DEPTHS),
    Column("fee_required", "是否收费", "bool", default=False, note="收费的事项须在“收费”表列出每项收费"),
    Column("place", "办理地点", required=True, max_length=_len(ItemVersion, "place")),
    Column("hours", "办理时间", required=True, max_length=_len(ItemVersion, "hours")),
    Column("phone", "咨询电话", required=True, max_length=_len(ItemVersion, "phone")),
    Column("complaint_phone", "监督投诉电话", default="12345", max_length=_len(ItemVersion, "complaint_phone")),
    Column("result_type", "办理结果类型", "choice", required=True, choices=RESULT_TYPES),
    Column("result_name", "办理结果名称", default="", max_length=_len(ItemVersion, "result_name")),
    Column("result_license_type", "结果证照类型代码", default="", max_length=_len(ItemVersion, "result_license_type")),
    Column("themes", "主题", "list", default=(), note="主题代码，多个用 | 分隔"),
    Column("change_note", "变更说明", default="", max_length=_len(ItemVersion, "change_note")),
    Column("version", "版本号", export_only=True, note="仅供阅读，导入时忽略"),
    Column(
        "form_fields",
        "申请表字段",
        "json",
        default=(),
        note="JSON 数组，每个字段一个对象（见 docs/application-forms.md）；空白为默认申请表；可省略",
    ),
    Column(
        "result_fields",
        "结果证照字段来源",
        "json",
        default={},
        note='JSON 对象 {"证照字段": "来源"}，如 {"premises": "form:premises"}（见 docs/licenses.md）；可省略',
    ),
    Column(
        "min_identity_level",
        "最低实名认证等级",
        "choice",
        choices=IDENTITY_LEVELS,
        default=0,
        note="申请人须达到的实名认证等级；可省略，省略时为 0（不要求）",
    ),
]
MATERIAL_COLUMNS: list[Column] = [
    Column("item_code", "实施编码", required=True, max_length=31),
    Column("order", "序号", "int", default=None),
    Column("name", "材料名称", required=True, max_length=_len(Material, "name")),
    Column("source", "来源渠道", "choice", choices=MATERIAL_SOURCES, default="applicant"),
    Column("license_type_code", "证照类型代码", default="", max_length=_len(Material, "license_type_code")),
    Column("data_resource_code", "数据资源代码", default="", max_length=_len(Material, "data_resource_code")),
    Column("form", "材料形式", "choice", choices=MATERIAL_FORMS, default="electronic"),
    Column("copies", "份数", "int", default=1),
    Column("requirement", "是否必需", "choice", choices=REQUIREMENTS, default="required"),
    Column("condition", "必需情形", default="", max_length=_len(Material, "condition")),
    Column("notes", "备注", default="", max_length=_len(Material, "notes")),
]
STEP_COLUMNS: list[Column] = [
    Column("item_code", "实施编码", required=True, max_length=31),
    Column("order", "序号", "int", default=None),
    Column("kind", "环节类型", "choice", required=True, choices=STEP_KINDS),
    Column("name", "环节名称", required=True, max_length=_len(ProcessStep, "name")),
    Column("days", "时限（工作日）", "int", default=0),
    Column("description", "环节说明", default="", max_length=_len(ProcessStep, "description")),
    Column("countersign_credit_code", "会签单位统一社会信用代码", default="", max_length=18),
]
FEE_COLUMNS: list[Column] = [
    Column("item_code", "实施编码", required=True, max_length=31),
    Column("name", "收费项目", required=True, max_length=200),
    Column("standard", "收费标准", required=True, max_length=300),
    Column("basis", "收费依据", required=True, max_length=500),
]

SHEETS: dict[str, list[Column]] = {
    ITEMS: ITEM_COLUMNS,
    MATERIALS: MATERIAL_COLUMNS,
    STEPS: STEP_COLUMNS,
    FEES: FEE_COLUMNS,
}
# JSON: the same keys; parts are nested lists of the item object.
JSON_PARTS = {"materials": MATERIAL_COLUMNS, "steps": STEP_COLUMNS, "fees": FEE_COLUMNS}
PART_SHEETS = {"materials": MATERIALS, "steps": STEPS, "fees": FEES}

# Where a problem reported by catalog.validation on a field lands in the file.
FIELD_TO_COLUMN = {
    "service_object": "for_persons",
    "organisation": "credit_code",
    "fees": "fee_required",
    "countersign_org": "countersign_credit_code",
}
