"""Authorization at city size: policy load time and enforce latency.

    .venv/bin/python -m bench.authz [--policies 20000] [--links 100000] [--database-url URL]

Builds the default policy plus `--policies` extra lines (local roles on concrete tenants and
on kind patterns) and `--links` user role links, then measures: building the enforcer from
rules in memory, loading it from a database (when a URL is given: the rules are written to
the `casbin_rule` table of that database first — use a scratch database), and the latency of
`enforce` / `authorize` per call against a plain Casbin Enforcer without our index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import casbin
from casbin.util import key_match
from sqlalchemy import delete, insert

from platform_core.authz.actions import ACTIONS, ROLES
from platform_core.authz.actors import Actor
from platform_core.authz.adapter import RulesAdapter, default_rules
from platform_core.authz.enforcer import MODEL_PATH, PlatformEnforcer, build_casbin
from platform_core.authz.service import is_allowed

TENANTS = {"340800": "city", "340822": "county", "340825": "county", "340826": "county", "340827": "county",
           "340828": "county", "340881": "county", "340882": "county", "340802": "district",
           "340803": "district", "340811": "district", "340871": "zone", "AQGX": "zone", "AQZM": "zone"}


def city_rules(n_policies: int, n_links: int, seed: int = 1) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    domains = [f"{k}:{c}" for c, k in TENANTS.items()]
    rules = list(default_rules())
    for i in range(n_policies):
        dom = rng.choice(domains + ["county:*", "district:*", "zone:*"])
        rules.append(("p", f"local_{i % 2000}", dom, rng.choice(ACTIONS)))
    for u in range(n_links):
        if u % 50 == 0:
            role, dom = rng.choice(["city_admin", "city_verifier", "auditor", "industry_reviewer"]), "*"
        else:
            role = rng.choice([r for r in ROLES if r not in {"city_admin", "city_verifier", "auditor",
                                                             "industry_reviewer"}] + ["local_7", "local_99"])
            dom = rng.choice(domains[1:])
        rules.append(("g", f"user:u{u}", role, dom))
    return rules


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def per_call_us(fn: Callable[[int], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for i in range(n):
            fn(i)
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples), min(samples)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--policies", type=int, default=20_000)
    ap.add_argument("--links", type=int, default=100_000)
    ap.add_argument("--calls", type=int, default=20_000)
    ap.add_argument("--database-url", default=None, help="scratch database to load the policy from")
    args = ap.parse_args()

    t, rules = timed(lambda: city_rules(args.policies, args.links))
    assert isinstance(rules, list)
    n_p = sum(1 for r in rules if r[0] == "p")
    print(f"policy: {n_p} p lines, {len(rules) - n_p} g links (generated in {t:.2f} s)")

    domains = [f"{k}:{c}" for c, k in TENANTS.items()]
    t_cold, _ = timed(lambda: build_casbin(rules))
    t_warm, _ = timed(lambda: build_casbin(rules, domains))
    t_pe, enforcer = timed(lambda: PlatformEnforcer.from_rules(rules, TENANTS))
    assert isinstance(enforcer, PlatformEnforcer)
    print(f"load from memory: {t_cold:.2f} s (lazy role graphs), {t_warm:.2f} s with all 14 tenant "
          f"role graphs built, PlatformEnforcer {t_pe:.2f} s")

    if args.database_url:
        from platform_core import migrate
        from platform_core.db import make_engine, session_factory
        from platform_core.models import CasbinRule

        engine = make_engine(args.database_url)
        migrate.upgrade(engine)
        with engine.begin() as conn:
            conn.execute(delete(CasbinRule))
            rows = [{"ptype": r[0], **{f"v{i}": v for i, v in enumerate(r[1:])}} for r in rules]
            conn.execute(insert(CasbinRule), rows)
        sessions = session_factory(engine)
        with sessions() as s:
            t_db, _ = timed(lambda: PlatformEnforcer.load(s))
        print(f"load from {engine.dialect.name}: {t_db:.2f} s (read + build + warm)")
        engine.dispose()

    rng = random.Random(2)
    codes = list(TENANTS)
    reqs = [(f"user:u{rng.randrange(args.links)}", rng.choice(codes), rng.choice(ACTIONS))
            for _ in range(args.calls)]
    allowed = sum(enforcer.enforce(*r) for r in reqs)
    med, best = per_call_us(lambda i: enforcer.enforce(*reqs[i]), args.calls)
    print(f"enforce: {med:.1f} µs/call median of 5 runs (best {best:.1f}); {allowed}/{len(reqs)} allowed")

    actors = [Actor(None, s.split(":", 1)[1], "county_reviewer", "340822") for s, _, _ in reqs]
    med_a, best_a = per_call_us(lambda i: is_allowed(enforcer, actors[i], reqs[i][2], reqs[i][1]), args.calls)
    print(f"authorize (policy only): {med_a:.1f} µs/call (best {best_a:.1f})")

    plain = casbin.Enforcer(str(MODEL_PATH), RulesAdapter(rules))
    rm = plain.get_role_manager()
    rm.matching_func = None
    plain.add_named_domain_matching_func("g", key_match)
    dreqs = [(s, f"{TENANTS[c]}:{c}", a) for s, c, a in reqs[:200]]
    for r in dreqs[:20]:
        plain.enforce(*r)
    t0 = time.perf_counter()
    for r in dreqs:
        plain.enforce(*r)
    plain_us = (time.perf_counter() - t0) / len(dreqs) * 1e6
    print(f"plain casbin.Enforcer, same policy, no index: {plain_us:.0f} µs/call (200 calls)")


if __name__ == "__main__":
    main()
