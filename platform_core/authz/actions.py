"""The stable list of actions the policy grants. Codes are public API: never rename one.

An action names a verb on a kind of object; the tenant it happens in is the Casbin domain,
and "which object" is checked in `platform_core.authz.service` after the policy said yes.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    TENANT_MANAGE = "tenant.manage"
    USER_MANAGE = "user.manage"
    PLUGIN_MANAGE = "plugin.manage"
    PERSON_READ = "person.read"
    PERSON_READ_FULL_ID = "person.read_full_id"
    PERSON_IMPORT = "person.import"
    HOURS_REGISTER = "hours.register"
    HOURS_IMPORT = "hours.import"
    TRAINING_FILE = "training.file"
    TRAINING_REVIEW = "training.review"
    TRAINING_APPROVE = "training.approve"
    BATCH_SUBMIT = "batch.submit"
    BATCH_FIRST_REVIEW = "batch.first_review"
    BATCH_FINAL_VERIFY = "batch.final_verify"
    NUMBER_APPLY = "number.apply"
    NUMBER_ALLOCATE = "number.allocate"
    SPOTCHECK_RUN = "spotcheck.run"
    AUDIT_READ = "audit.read"
    STATUS_READ = "status.read"
    REPORT_EXPORT = "report.export"


ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)

# Chinese labels for messages and `authz explain`.
ACTION_LABELS: dict[str, str] = {
    "tenant.manage": "管理租户",
    "user.manage": "管理用户",
    "plugin.manage": "管理规则插件",
    "person.read": "查看人员",
    "person.read_full_id": "查看完整身份证号码",
    "person.import": "导入人员",
    "hours.register": "登记学时",
    "hours.import": "导入学时",
    "training.file": "培训项目备案申报",
    "training.review": "培训项目行业审核",
    "training.approve": "培训项目审批备案",
    "batch.submit": "提交验证批次",
    "batch.first_review": "初审",
    "batch.final_verify": "年度验证（终审）",
    "number.apply": "申请证书编号",
    "number.allocate": "分配证书编号",
    "spotcheck.run": "抽查",
    "audit.read": "查看审计记录",
    "status.read": "查看学时完成情况",
    "report.export": "导出报表",
}

# Actions whose allowance makes a tenant's rows visible in a scoped session.
READ_ACTIONS: tuple[str, ...] = (Action.PERSON_READ.value, Action.STATUS_READ.value)


class Role(StrEnum):
    CITY_ADMIN = "city_admin"
    CITY_VERIFIER = "city_verifier"
    COUNTY_REVIEWER = "county_reviewer"
    INDUSTRY_REVIEWER = "industry_reviewer"
    BASE_OPERATOR = "base_operator"
    EMPLOYER_HR = "employer_hr"
    AUDITOR = "auditor"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)

ROLE_LABELS: dict[str, str] = {
    "city_admin": "市专技办管理员",
    "city_verifier": "市级验证人员",
    "county_reviewer": "县（市）人社局初审人员",
    "industry_reviewer": "市行业主管部门审核人员",
    "base_operator": "继续教育基地经办人",
    "employer_hr": "用人单位人事经办人",
    "auditor": "审计（只读）",
}
