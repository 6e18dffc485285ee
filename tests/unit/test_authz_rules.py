"""Object-level rules, masking, explain and the enforcer's (domain, action) index — no database."""

from __future__ import annotations

import random
from dataclasses import replace

import casbin
import pytest
from casbin.util import key_match

from platform_core.authz.actions import ACTIONS, ROLES, Action, Role
from platform_core.authz.actors import Actor, subject_of
from platform_core.authz.adapter import RulesAdapter, default_rules, parse_policy_text
from platform_core.authz.enforcer import MODEL_PATH, PlatformEnforcer
from platform_core.authz.explain import explain
from platform_core.authz.service import ObjectRef, authorize, is_allowed, mask_for, mask_value
from platform_core.errors import ConfigurationError, PermissionDenied
from platform_core.users import role_domains

TENANTS = {"340800": "city", "340822": "county", "340881": "county", "340802": "district",
           "340871": "zone"}
# Tenant ids as PlatformEnforcer.from_rules assigns them (sorted codes, from 1).
TID = {code: i for i, code in enumerate(sorted(TENANTS), start=1)}

HN_REVIEWER = Actor(1, "hn_reviewer", Role.COUNTY_REVIEWER, "340822")
HEALTH_REVIEWER = Actor(2, "wjw", Role.INDUSTRY_REVIEWER, "340800", org_id=50,
                        org_kind="industry_department", series=("卫生",))
BASE_A = Actor(3, "base_a", Role.BASE_OPERATOR, "340822", org_id=100, org_kind="training_base")
HR_A = Actor(4, "hr_a", Role.EMPLOYER_HR, "340822", org_id=200, org_kind="employer")
CITY_ADMIN = Actor(5, "admin", Role.CITY_ADMIN, "340800")
VERIFIER = Actor(6, "verifier", Role.CITY_VERIFIER, "340800")
AUDITOR = Actor(7, "auditor", Role.AUDITOR, "340800")
ACTORS = [HN_REVIEWER, HEALTH_REVIEWER, BASE_A, HR_A, CITY_ADMIN, VERIFIER, AUDITOR]


def person(tenant: str, series: str = "工程", employer_id: int | None = None) -> ObjectRef:
    return ObjectRef("person", "1", tenant_id=TID[tenant], series=series, employer_id=employer_id)


@pytest.fixture(scope="module")
def enforcer() -> PlatformEnforcer:
    links = [("g", a.subject, a.role, d) for a in ACTORS
             for d in role_domains(a.role, TENANTS[a.tenant_code], a.tenant_code)]
    return PlatformEnforcer.from_rules(default_rules() + links, TENANTS)


def code_of(enforcer: PlatformEnforcer, actor: Actor, action: str, tenant: str,
                obj: object = None) -> str:
    try:
        authorize(enforcer, actor, action, tenant, obj)
    except PermissionDenied as exc:
        return exc.code
    return "allowed"


def test_r15_huaining_reviewer_cannot_first_review_tongcheng_person(enforcer: PlatformEnforcer) -> None:
    assert code_of(enforcer, HN_REVIEWER, Action.BATCH_FIRST_REVIEW, "340881") == "action_not_allowed"
    # Naming its own tenant while handing over a 桐城市 person does not help.
    assert code_of(enforcer, HN_REVIEWER, Action.BATCH_FIRST_REVIEW, "340822",
                       person("340881")) == "object_tenant_mismatch"
    own = person("340822")
    assert code_of(enforcer, HN_REVIEWER, Action.BATCH_FIRST_REVIEW, "340822", own) == "allowed"


def test_r15_health_reviewer_cannot_first_review_education_person(enforcer: PlatformEnforcer) -> None:
    teacher = person("340802", series="中小学教师")
    nurse = person("340802", series="卫生")
    first_review = Action.BATCH_FIRST_REVIEW
    assert code_of(enforcer, HEALTH_REVIEWER, first_review, "340802", teacher) == "not_own_industry"
    assert code_of(enforcer, HEALTH_REVIEWER, Action.BATCH_FIRST_REVIEW, "340802", nurse) == "allowed"
    assert code_of(enforcer, HEALTH_REVIEWER, Action.PERSON_READ, "340802", teacher) == "not_own_industry"


def test_r15_industry_reviewer_never_reviews_county_persons(enforcer: PlatformEnforcer) -> None:
    county_nurse = person("340822", series="卫生")
    assert code_of(enforcer, HEALTH_REVIEWER, Action.BATCH_FIRST_REVIEW, "340822",
                       county_nurse) == "action_not_allowed"
    for tenant in ("340800", "340802", "340871"):
        nurse = person(tenant, "卫生")
        assert is_allowed(enforcer, HEALTH_REVIEWER, Action.BATCH_FIRST_REVIEW, tenant, nurse)


def test_r16_r18_base_cannot_verify_or_allocate(enforcer: PlatformEnforcer) -> None:
    for action in (Action.BATCH_FIRST_REVIEW, Action.BATCH_FINAL_VERIFY, Action.NUMBER_ALLOCATE,
                   Action.TRAINING_APPROVE):
        for tenant in TENANTS:
            assert not is_allowed(enforcer, BASE_A, action, tenant), (action, tenant)
    assert is_allowed(enforcer, VERIFIER, Action.BATCH_FINAL_VERIFY, "340881")
    assert is_allowed(enforcer, CITY_ADMIN, Action.NUMBER_ALLOCATE, "340881")


def test_base_operator_touches_only_its_own_base(enforcer: PlatformEnforcer) -> None:
    own = ObjectRef("training", "1", tenant_id=TID["340822"], base_id=100)
    other = ObjectRef("training", "2", tenant_id=TID["340822"], base_id=101)
    assert code_of(enforcer, BASE_A, Action.TRAINING_FILE, "340822", own) == "allowed"
    assert code_of(enforcer, BASE_A, Action.TRAINING_FILE, "340822", other) == "not_own_base"
    batch = ObjectRef("batch", "9", tenant_id=TID["340822"], base_id=101)
    assert code_of(enforcer, BASE_A, Action.BATCH_SUBMIT, "340822", batch) == "not_own_base"
    # Another county: refused by the policy before any object is looked at.
    assert code_of(enforcer, BASE_A, Action.TRAINING_FILE, "340881") == "action_not_allowed"


def test_r17_employer_reads_only_its_own_staff(enforcer: PlatformEnforcer) -> None:
    staff = person("340822", employer_id=200)
    assert code_of(enforcer, HR_A, Action.STATUS_READ, "340822", staff) == "allowed"
    assert code_of(enforcer, HR_A, Action.STATUS_READ, "340822",
                       person("340822", employer_id=201)) == "not_own_staff"
    assert code_of(enforcer, HR_A, Action.PERSON_READ, "340822",
                       person("340822", employer_id=None)) == "not_own_staff"
    assert code_of(enforcer, HR_A, Action.BATCH_SUBMIT, "340822") == "action_not_allowed"


def test_unknown_action_is_a_configuration_error(enforcer: PlatformEnforcer) -> None:
    with pytest.raises(ConfigurationError):
        authorize(enforcer, CITY_ADMIN, "person.delete_everything", "340800")


def test_system_actor_needs_no_policy_and_user_actor_needs_an_enforcer() -> None:
    authorize(None, Actor.system(), Action.NUMBER_ALLOCATE, "340822")
    with pytest.raises(ConfigurationError):
        authorize(None, CITY_ADMIN, Action.NUMBER_ALLOCATE, "340822")


def test_disabled_or_unknown_user_is_refused(enforcer: PlatformEnforcer) -> None:
    ghost = replace(CITY_ADMIN, username="ghost")
    assert not is_allowed(enforcer, ghost, Action.PERSON_READ, "340800")


def test_mask_for_masks_for_roles_that_do_not_need_full_numbers(enforcer: PlatformEnforcer) -> None:
    idn, mobile = "340822198501010018", "13800138000"
    assert mask_for(AUDITOR, idn, enforcer=enforcer, tenant_code="340822") == "340822********0018"
    assert mask_for(HR_A, mobile, enforcer=enforcer) == "138****8000"
    assert mask_for(HN_REVIEWER, idn, enforcer=enforcer, tenant_code="340822") == idn
    # Without an enforcer (logs, exports of unknown audience) always masked.
    assert mask_for(CITY_ADMIN, idn) == "340822********0018"
    assert mask_value("ab") == "**"


def test_explain_names_the_deciding_lines(enforcer: PlatformEnforcer) -> None:
    ok = explain(enforcer, HEALTH_REVIEWER, "batch.first_review", "340802")
    assert ok.allowed and ok.decided_by == ["p, industry_reviewer, district:*, batch.first_review",
                                            "g, user:wjw, industry_reviewer, *"]
    county = explain(enforcer, HEALTH_REVIEWER, "batch.first_review", "340822")
    assert not county.allowed and county.code == "action_not_granted"
    assert "p, county_reviewer, county:*, batch.first_review" in county.candidate_policies
    other = explain(enforcer, HN_REVIEWER, "person.read", "340881")
    assert other.code == "not_in_tenant"
    assert other.decided_by == ["g, user:hn_reviewer, county_reviewer, county:340822"]
    obj = explain(enforcer, HEALTH_REVIEWER, "batch.first_review", "340802", person("340802", "会计"))
    assert not obj.allowed and obj.code == "not_own_industry"
    nobody = explain(enforcer, replace(CITY_ADMIN, username="ghost"), "person.read", "340800")
    assert nobody.code == "no_role"


def test_index_gives_the_same_answers_as_a_full_scan() -> None:
    """The (domain, action) index is an optimisation: it must agree with plain Casbin."""
    rng = random.Random(7)
    kinds = ["city", "county", "district", "zone"]
    codes = [f"{k}:{i}" for k in kinds for i in range(3)]
    rules = list(default_rules())
    for i in range(300):  # extra local roles with concrete and pattern domains
        dom = rng.choice(codes + ["*", "county:*", "zone:*"])
        rules.append(("p", f"local_{i % 20}", dom, rng.choice(ACTIONS)))
    users = []
    for u in range(60):
        role = rng.choice(list(ROLES) + [f"local_{i}" for i in range(20)])
        dom = rng.choice(codes + ["*", "district:*"])
        rules.append(("g", subject_of(f"u{u}"), role, dom))
        users.append(subject_of(f"u{u}"))
    tenants = {c.split(":")[1] + c.split(":")[0]: c.split(":")[0] for c in codes}
    fast = PlatformEnforcer.from_rules(rules, tenants)
    plain = casbin.Enforcer(str(MODEL_PATH), RulesAdapter(rules))
    plain.add_named_domain_matching_func("g", key_match)
    checked = 0
    for _ in range(3000):
        code = rng.choice(sorted(tenants))
        sub, act = rng.choice(users), rng.choice(ACTIONS)
        domain = f"{tenants[code]}:{code}"
        assert fast.enforce(sub, code, act) == plain.enforce(sub, domain, act), (sub, domain, act)
        checked += 1
    assert checked == 3000


def test_policy_text_rejects_malformed_lines() -> None:
    assert parse_policy_text("# c\n\np, a, *, x\n") == [("p", "a", "*", "x")]
    with pytest.raises(ConfigurationError):
        parse_policy_text("q, a, b\n")
