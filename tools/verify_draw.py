#!/usr/bin/env python3
"""Independent verifier of jianguan draw records (docs/draw-record.md).

    python3 tools/verify_draw.py FILE

Recomputes the pool hash, strata, roster hash, commit hash, seed, tickets, winners,
cut-offs and inspector teams from the record's own inputs. Prints "ok" and exits 0,
or prints the first problem as "FIELD: message" and exits 1 (2 on usage errors).
Standard library only; written from the documentation, not from the Rust code.
"""

import datetime
import hashlib
import json
import sys

ALGORITHM = "jianguan-draw/1"
RECORD_VERSION = 1
USCC_ALPHABET = set("0123456789ABCDEFGHJKLMNPQRTUWXY")
LABEL_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
MAX_WEIGHT, MAX_STRATA, MIN_TEAM, MAX_TEAM = 1000, 64, 2, 16
POOL_CHUNK = 65536
U32, U64 = 2**32 - 1, 2**64 - 1
CLASSES = ("A", "B", "C", "D", "unclassified")


class Fail(Exception):
    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field


def malformed(message):
    return Fail("malformed", message)


# ----------------------------------------------------------------- encodings

def lp(b):
    return len(b).to_bytes(4, "big") + b


def u32(n):
    return n.to_bytes(4, "big")


def sha(b):
    return hashlib.sha256(b).digest()


# ----------------------------------------------------- shape and type checks

def obj(v, keys, where, optional=()):
    """A JSON object with exactly `keys` (those in `optional` may be absent = null)."""
    if not isinstance(v, dict):
        raise malformed(f"{where}: expected an object")
    for k in v:
        if k not in keys:
            raise malformed(f"{where}: unknown field `{k}`")
    for k in keys:
        if k not in v:
            if k not in optional:
                raise malformed(f"{where}: missing field `{k}`")
            v[k] = None
    return v


def integer(v, where, top):
    if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top:
        raise malformed(f"{where}: expected an integer in 0..={top}")
    return v


def string(v, where):
    if not isinstance(v, str):
        raise malformed(f"{where}: expected a string")
    return v


def array(v, where):
    if not isinstance(v, list):
        raise malformed(f"{where}: expected a list")
    return v


def hex32(v, where):
    s = string(v, where)
    if len(s) != 64 or any(c not in "0123456789abcdef" for c in s):
        raise malformed(f"{where}: expected 64 lowercase hex digits")
    return bytes.fromhex(s)


def uscc(v, where):
    s = string(v, where)
    if len(s) != 18 or any(c not in USCC_ALPHABET for c in s):
        raise malformed(f"{where}: invalid uscc {s!r}")
    return s


def date(v, where):
    s = string(v, where)
    try:
        d = datetime.date.fromisoformat(s)
    except ValueError:
        d = None
    if len(s) != 10 or d is None or f"{d.year:04d}-{d.month:02d}-{d.day:02d}" != s:
        raise malformed(f"{where}: date {s!r} is not YYYY-MM-DD")
    return s


def utc(v, where):
    s = string(v, where)
    try:
        t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
        canon = (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T"
                 f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z")
    except ValueError:
        canon = None
    if canon != s:
        raise malformed(f"{where}: time {s!r} is not YYYY-MM-DDTHH:MM:SSZ")
    return s


def text(field, s, limit):
    if s == "":
        raise Fail(field, "must not be empty")
    if len(s.encode()) > limit:
        raise Fail(field, f"longer than {limit} bytes")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in s):
        raise Fail(field, "contains a control character")


def label_ok(s):
    return 1 <= len(s) <= 32 and all(c in LABEL_CHARS for c in s)


def parse(doc):
    """Checks the shape of a record; returns it with the pool as tuples."""
    top = ["record_version", "algorithm", "draw_id", "draw_number", "redraw", "plan_id",
           "task_id", "committed_at", "drawn_at", "entropy", "parameters", "commit_hash",
           "pool_size", "pool_hash", "seed", "strata", "winners", "cutoff", "roster_hash",
           "teams", "roster", "pool"]
    r = obj(doc, top, "record", optional=("redraw", "roster_hash"))
    integer(r["record_version"], "record_version", U32)
    for k in ("algorithm", "draw_id", "plan_id", "task_id"):
        string(r[k], k)
    integer(r["draw_number"], "draw_number", U32)
    if r["redraw"] is not None:
        obj(r["redraw"], ["of", "reason"], "redraw")
        string(r["redraw"]["of"], "redraw.of")
        string(r["redraw"]["reason"], "redraw.reason")
    utc(r["committed_at"], "committed_at")
    utc(r["drawn_at"], "drawn_at")
    obj(r["entropy"], ["definition", "value"], "entropy")
    string(r["entropy"]["definition"], "entropy.definition")
    string(r["entropy"]["value"], "entropy.value")

    p = obj(r["parameters"], ["quotas", "item_codes", "weight_rules", "exclusions",
                              "inspection"], "parameters",
            optional=("weight_rules", "inspection"))
    if not isinstance(p["quotas"], dict):
        raise malformed("parameters.quotas: expected an object")
    for l, q in p["quotas"].items():
        if not isinstance(q, dict) or len(q) != 1 or next(iter(q)) not in ("count", "per_mille"):
            raise malformed(f"parameters.quotas[{l}]: expected {{count}} or {{per_mille}}")
        kind = next(iter(q))
        integer(q[kind], f"parameters.quotas[{l}]", U64 if kind == "count" else U32)
    for i, c in enumerate(array(p["item_codes"], "parameters.item_codes")):
        string(c, f"parameters.item_codes[{i}]")
    if p["weight_rules"] is not None:
        w = obj(p["weight_rules"], ["base", "commitment_approval", "observation_period"],
                "parameters.weight_rules")
        obj(w["base"], list(CLASSES), "parameters.weight_rules.base")
        for c in CLASSES:
            integer(w["base"][c], "parameters.weight_rules.base", U32)
        for f in ("commitment_approval", "observation_period"):
            obj(w[f], ["multiply", "add"], f"parameters.weight_rules.{f}")
            integer(w[f]["multiply"], f"parameters.weight_rules.{f}", U32)
            integer(w[f]["add"], f"parameters.weight_rules.{f}", U32)
    for i, x in enumerate(array(p["exclusions"], "parameters.exclusions")):
        obj(x, ["reason", "count"], f"parameters.exclusions[{i}]")
        string(x["reason"], f"parameters.exclusions[{i}].reason")
        integer(x["count"], f"parameters.exclusions[{i}].count", U64)
    if p["inspection"] is not None:
        s = obj(p["inspection"], ["valid_on", "team_size", "workload_cap", "departments"],
                "parameters.inspection")
        date(s["valid_on"], "parameters.inspection.valid_on")
        integer(s["team_size"], "parameters.inspection.team_size", U32)
        integer(s["workload_cap"], "parameters.inspection.workload_cap", U32)
        for d in array(s["departments"], "parameters.inspection.departments"):
            string(d, "parameters.inspection.departments")

    for k in ("commit_hash", "pool_hash", "seed"):
        hex32(r[k], k)
    if r["roster_hash"] is not None:
        hex32(r["roster_hash"], "roster_hash")
    integer(r["pool_size"], "pool_size", U64)
    if not isinstance(r["strata"], dict):
        raise malformed("strata: expected an object")
    for l, s in r["strata"].items():
        obj(s, ["size", "total_weight", "k"], f"strata[{l}]")
        for k in ("size", "total_weight", "k"):
            integer(s[k], f"strata[{l}].{k}", U64)
    if not isinstance(r["winners"], dict):
        raise malformed("winners: expected an object")
    for l, ws in r["winners"].items():
        for i, w in enumerate(array(ws, f"winners[{l}]")):
            obj(w, ["uscc", "ticket"], f"winners[{l}][{i}]")
            uscc(w["uscc"], f"winners[{l}][{i}].uscc")
            hex32(w["ticket"], f"winners[{l}][{i}].ticket")
    if not isinstance(r["cutoff"], dict):
        raise malformed("cutoff: expected an object")
    for l, c in r["cutoff"].items():
        if c is not None:
            hex32(c, f"cutoff[{l}]")
    for t, team in enumerate(array(r["teams"], "teams")):
        obj(team, ["uscc", "stratum", "members"], f"teams[{t}]")
        uscc(team["uscc"], f"teams[{t}].uscc")
        string(team["stratum"], f"teams[{t}].stratum")
        for m, x in enumerate(array(team["members"], f"teams[{t}].members")):
            at = f"teams[{t}].members[{m}]"
            obj(x, ["certificate_no", "name", "department", "ticket", "leader"], at)
            for k in ("certificate_no", "name", "department"):
                string(x[k], f"{at}.{k}")
            hex32(x["ticket"], f"{at}.ticket")
            if not isinstance(x["leader"], bool):
                raise malformed(f"{at}.leader: expected a boolean")
    for n, i in enumerate(array(r["roster"], "roster")):
        at = f"roster[{n}]"
        obj(i, ["certificate_no", "name", "department", "items", "valid_from", "valid_until",
                "active", "prior_assignments", "recusals"], at)
        for k in ("certificate_no", "name", "department"):
            string(i[k], f"{at}.{k}")
        for k, item in enumerate(array(i["items"], f"{at}.items")):
            string(item, f"{at}.items[{k}]")
        date(i["valid_from"], f"{at}.valid_from")
        date(i["valid_until"], f"{at}.valid_until")
        if not isinstance(i["active"], bool):
            raise malformed(f"{at}.active: expected a boolean")
        integer(i["prior_assignments"], f"{at}.prior_assignments", U32)
        for k, u in enumerate(array(i["recusals"], f"{at}.recusals")):
            uscc(u, f"{at}.recusals[{k}]")

    # The pool: canonical order is required, errors name the entry.
    pool, labels, last = [], set(), None
    for n, e in enumerate(array(r["pool"], "pool")):
        at = f"pool[{n}]"
        obj(e, ["uscc", "weight", "stratum"], at)
        u, w, s = e["uscc"], e["weight"], e["stratum"]
        if not isinstance(u, str) or len(u) != 18 or any(c not in USCC_ALPHABET for c in u):
            raise Fail(at, f"invalid uscc {u!r}")
        if not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= MAX_WEIGHT:
            raise Fail(at, f"weight {w!r} must be in 1..={MAX_WEIGHT}")
        if last is not None and last >= u:
            raise Fail(at, "entries must be strictly increasing by uscc")
        if not isinstance(s, str) or not label_ok(s):
            raise Fail(at, f"invalid stratum label {s!r}")
        labels.add(s)
        if len(labels) > MAX_STRATA:
            raise Fail(at, f"more than {MAX_STRATA} strata")
        pool.append((u, w, s))
        last = u
    r["pool"] = pool
    return r


# ------------------------------------------------------------------ the draw

def pool_hash(pool):
    leaves = []
    for i in range(0, len(pool), POOL_CHUNK):
        leaf = hashlib.sha256()
        for u, w, s in pool[i:i + POOL_CHUNK]:
            leaf.update(lp(u.encode()) + u32(w) + lp(s.encode()))
        leaves.append(leaf.digest())
    return sha(lp(b"jianguan-draw-pool/1") + len(pool).to_bytes(8, "big") + b"".join(leaves))


def roster_hash(roster):
    b = lp(b"jianguan-draw-roster/1") + u32(len(roster))
    for i in roster:
        b += lp(i["certificate_no"].encode()) + lp(i["name"].encode())
        b += lp(i["department"].encode()) + u32(len(i["items"]))
        b += b"".join(lp(x.encode()) for x in i["items"])
        b += lp(i["valid_from"].encode()) + lp(i["valid_until"].encode())
        b += bytes([1 if i["active"] else 0]) + u32(i["prior_assignments"])
        b += u32(len(i["recusals"])) + b"".join(lp(u.encode()) for u in i["recusals"])
    return sha(b)


def derive_seed(draw_id, pool_digest, entropy):
    return sha(lp(b"jianguan-draw-seed/1") + lp(draw_id.encode()) + lp(pool_digest)
               + lp(entropy.encode()))


def ticket_fn(seed):
    key = hashlib.sha256(b"jianguan-draw-ticket/1".ljust(32, b"\0") + seed)

    def ticket(u, w):
        best = None
        for j in range(w):
            h = key.copy()
            h.update(lp(u.encode()) + u32(j))
            d = h.digest()
            best = d if best is None or d < best else best
        return best
    return ticket


def inspector_seed(seed, u):
    return sha(lp(b"jianguan-draw-inspector/1") + lp(seed) + lp(u.encode()))


def inspector_ticket(iseed, cert):
    return sha(iseed + lp(cert.encode()))


def resolve(label, quota, size):
    kind, v = next(iter(quota.items()))
    if kind == "count":
        if v > size:
            raise Fail(f"parameters.quotas[{label}]", f"k = {v} is larger than the {size} candidates")
        return v
    if v > 1000:
        raise Fail(f"parameters.quotas[{label}]", f"per_mille {v} exceeds 1000")
    return (size * v + 999) // 1000


def check_weight_rules(w):
    field = "parameters.weight_rules"
    c, o = w["commitment_approval"], w["observation_period"]
    if c["multiply"] == 0 or o["multiply"] == 0:
        raise Fail(field, "a multiplier must be at least 1")
    for cls in CLASSES:
        base = w["base"][cls]
        if not 1 <= base <= MAX_WEIGHT:
            raise Fail(field, f"base weight of {cls} must be in 1..={MAX_WEIGHT}")
        for fc in (False, True):
            for fo in (False, True):
                x = base * (c["multiply"] if fc else 1) * (o["multiply"] if fo else 1)
                x += (c["add"] if fc else 0) + (o["add"] if fo else 0)
                if x > MAX_WEIGHT:
                    raise Fail(field, f"weights for class {cls} exceed {MAX_WEIGHT}")


def sorted_unique(values, field, what):
    v = sorted(values)
    for a, b in zip(v, v[1:]):
        if a == b:
            raise Fail(field, f"duplicate {what} {a}")
    return v


def draw_teams(seed, order, insp, items, roster):
    """One team per winner in `order`; raises Fail('teams') on any shortfall."""
    fixed = []
    for i in roster:
        bad = []
        if not i["active"]:
            bad.append("inactive")
        if insp["valid_on"] < i["valid_from"]:
            bad.append("certificate not yet valid")
        if insp["valid_on"] > i["valid_until"]:
            bad.append("certificate expired")
        if not set(items) & set(i["items"]):
            bad.append("no certificate for the items")
        fixed.append(bad)
    load = [i["prior_assignments"] for i in roster]
    teams, short = [], []
    for u, stratum in order:
        iseed = inspector_seed(seed, u)
        eligible = []
        for n, i in enumerate(roster):
            if not fixed[n] and u not in i["recusals"] and load[n] < insp["workload_cap"]:
                eligible.append((inspector_ticket(iseed, i["certificate_no"]), n))
        if len(eligible) < MIN_TEAM:
            short.append(u)
            continue
        eligible.sort()
        size = min(insp["team_size"], len(eligible))
        chosen = []
        for d in insp["departments"]:
            best = next((e for e in eligible if roster[e[1]]["department"] == d), None)
            if best is not None:
                chosen.append(best)
        for e in eligible:
            if len(chosen) >= size:
                break
            if e not in chosen:
                chosen.append(e)
        chosen.sort()
        members = []
        for pos, (t, n) in enumerate(chosen):
            load[n] += 1
            i = roster[n]
            members.append({"certificate_no": i["certificate_no"], "name": i["name"],
                            "department": i["department"], "ticket": t.hex(),
                            "leader": pos == 0})
        teams.append({"uscc": u, "stratum": stratum, "members": members})
    if short:
        raise Fail("teams", "fewer than 2 eligible inspectors for " + ", ".join(short))
    return teams


def verify(r):
    if r["record_version"] != RECORD_VERSION:
        raise Fail("record_version", f"unsupported version {r['record_version']}")
    if r["algorithm"] != ALGORITHM:
        raise Fail("algorithm", f"unsupported algorithm {r['algorithm']!r}")

    # Rules of the commit.
    text("draw_id", r["draw_id"], 128)
    text("plan_id", r["plan_id"], 128)
    text("task_id", r["task_id"], 128)
    text("entropy.definition", r["entropy"]["definition"], 4000)
    rd, num = r["redraw"], r["draw_number"]
    if num == 0:
        raise Fail("draw_number", "must be at least 1")
    if (rd is None) != (num == 1):
        raise Fail("redraw", "present exactly when draw_number > 1")
    if rd is not None:
        text("redraw.of", rd["of"], 128)
        text("redraw.reason", rd["reason"], 2000)
        if rd["of"] == r["draw_id"]:
            raise Fail("redraw", "a re-draw needs a new draw_id")
    pool = r["pool"]
    if not pool:
        raise Fail("pool", "the candidate pool is empty")
    p = r["parameters"]
    quotas = p["quotas"]
    if not quotas:
        raise Fail("parameters.quotas", "nothing to draw")
    if len(quotas) > MAX_STRATA:
        raise Fail("record", f"more than {MAX_STRATA} strata")
    for l in quotas:
        if not label_ok(l):
            raise Fail("record", f"invalid stratum label {l!r}")
    if not p["item_codes"]:
        raise Fail("parameters.item_codes", "at least one inspection item is required")
    for i, c in enumerate(p["item_codes"]):
        text(f"parameters.item_codes[{i}]", c, 64)
    items = sorted_unique(p["item_codes"], "parameters.item_codes", "item")
    if p["weight_rules"] is not None:
        check_weight_rules(p["weight_rules"])
    if len(p["exclusions"]) > 32:
        raise Fail("parameters.exclusions", "at most 32 entries")
    for i, x in enumerate(p["exclusions"]):
        text(f"parameters.exclusions[{i}].reason", x["reason"], 200)
    insp = p["inspection"]
    if insp is not None:
        f = "parameters.inspection."
        if not insp["departments"]:
            raise Fail(f + "departments", "must not be empty")
        for i, d in enumerate(insp["departments"]):
            text(f"{f}departments[{i}]", d, 128)
        depts = sorted_unique(insp["departments"], f + "departments", "department")
        low = max(MIN_TEAM, len(depts))
        if not low <= insp["team_size"] <= MAX_TEAM:
            raise Fail(f + "team_size", f"must be between {low} and {MAX_TEAM}")
        if insp["workload_cap"] == 0:
            raise Fail(f + "workload_cap", "must be at least 1")
    stats = {}
    for u, w, s in pool:
        n, tw = stats.get(s, (0, 0))
        stats[s] = (n + 1, tw + w)
    for l in sorted(stats):
        if l not in quotas:
            raise Fail("parameters.quotas", f"no quota for stratum {l}")
    strata = {}
    for l in sorted(quotas):
        size, tw = stats.get(l, (0, 0))
        strata[l] = {"size": size, "total_weight": tw, "k": resolve(l, quotas[l], size)}
    if all(s["k"] == 0 for s in strata.values()):
        raise Fail("parameters.quotas", "every quota resolves to 0")
    roster = []
    if insp is not None:
        for n, i in enumerate(r["roster"]):
            at = f"roster[{n}]."
            text(at + "certificate_no", i["certificate_no"], 64)
            text(at + "name", i["name"], 64)
            text(at + "department", i["department"], 128)
            for k, item in enumerate(i["items"]):
                text(f"{at}items[{k}]", item, 64)
            if i["department"] not in depts:
                raise Fail(at + "department", f"{i['department']} is not a participating department")
            if i["valid_from"] > i["valid_until"]:
                raise Fail(at + "valid_until", "before valid_from")
            roster.append(dict(i, items=sorted(set(i["items"])), recusals=sorted(set(i["recusals"]))))
        roster.sort(key=lambda i: i["certificate_no"])
        sorted_unique([i["certificate_no"] for i in roster], "roster", "certificate number")
    elif r["roster"]:
        raise Fail("roster", "a roster needs parameters.inspection")

    # Lists must be published in canonical order.
    if p["item_codes"] != items:
        raise Fail("parameters.item_codes", "not in canonical order")
    if insp is not None and insp["departments"] != depts:
        raise Fail("parameters.inspection.departments", "not in canonical order")
    for n, i in enumerate(r["roster"]):
        if roster[n] != i:
            raise Fail(f"roster[{n}]", "not in canonical order")

    # Hashes of the commit.
    digest = pool_hash(pool)
    if r["pool_size"] != len(pool):
        raise Fail("pool_size", f"recorded {r['pool_size']}, recomputed {len(pool)}")
    if r["pool_hash"] != digest.hex():
        raise Fail("pool_hash", f"recorded {r['pool_hash']}, recomputed {digest.hex()}")
    for l, s in sorted(r["strata"].items()):
        if l not in strata:
            raise Fail(f"strata[{l}]", "no such stratum in the quotas")
        for k in ("size", "total_weight", "k"):
            if s[k] != strata[l][k]:
                raise Fail(f"strata[{l}].{k}", f"recorded {s[k]}, recomputed {strata[l][k]}")
    for l in strata:
        if l not in r["strata"]:
            raise Fail(f"strata[{l}]", "missing")
    rhash = roster_hash(roster).hex() if insp is not None else None
    if r["roster_hash"] != rhash:
        raise Fail("roster_hash", f"recorded {r['roster_hash']}, recomputed {rhash}")
    commit = {
        "algorithm": ALGORITHM, "draw_id": r["draw_id"], "draw_number": num,
        "redraw": None if rd is None else {"of": rd["of"], "reason": rd["reason"]},
        "plan_id": r["plan_id"], "task_id": r["task_id"], "committed_at": r["committed_at"],
        "entropy_definition": r["entropy"]["definition"],
        "parameters": {
            "quotas": {l: dict(quotas[l]) for l in sorted(quotas)},
            "item_codes": items,
            "weight_rules": None if p["weight_rules"] is None else {
                "base": {c: p["weight_rules"]["base"][c] for c in CLASSES},
                **{f: {"multiply": p["weight_rules"][f]["multiply"],
                       "add": p["weight_rules"][f]["add"]}
                   for f in ("commitment_approval", "observation_period")}},
            "exclusions": [{"reason": x["reason"], "count": x["count"]} for x in p["exclusions"]],
            "inspection": None if insp is None else {
                "valid_on": insp["valid_on"], "team_size": insp["team_size"],
                "workload_cap": insp["workload_cap"], "departments": depts},
        },
        "strata": strata, "pool_size": len(pool), "pool_hash": digest.hex(),
        "roster_size": len(roster), "roster_hash": rhash,
    }
    canonical = json.dumps(commit, ensure_ascii=False, separators=(",", ":"))
    chash = sha(canonical.encode()).hex()
    if r["commit_hash"] != chash:
        raise Fail("commit_hash", f"recorded {r['commit_hash']}, recomputed {chash}")

    # The draw.
    text("entropy.value", r["entropy"]["value"], 1024)
    if r["drawn_at"] < r["committed_at"]:
        raise Fail("drawn_at", "before committed_at")
    seed = derive_seed(r["draw_id"], digest, r["entropy"]["value"])
    ticket = ticket_fn(seed)
    winners = {}
    for l in strata:
        k = strata[l]["k"]
        ranked = sorted((ticket(u, w), u) for u, w, s in pool if s == l) if k else []
        winners[l] = [{"uscc": u, "ticket": t.hex()} for t, u in ranked[:k]]
    teams = []
    if insp is not None:
        order = sorted((bytes.fromhex(w["ticket"]), w["uscc"], l)
                       for l, ws in winners.items() for w in ws)
        teams = draw_teams(seed, [(u, l) for _, u, l in order], insp, items, roster)
    if r["seed"] != seed.hex():
        raise Fail("seed", f"recorded {r['seed']}, recomputed {seed.hex()} "
                           "from draw_id, pool_hash and entropy.value")

    # Results.
    for l, want in winners.items():
        got = r["winners"].get(l, [])
        for i, w in enumerate(want):
            if i >= len(got):
                raise Fail(f"winners[{l}]", f"recorded {len(got)} winners, recomputed {len(want)}")
            for k in ("uscc", "ticket"):
                if got[i][k] != w[k]:
                    raise Fail(f"winners[{l}][{i}].{k}", f"recorded {got[i][k]}, recomputed {w[k]}")
        if len(got) != len(want) or l not in r["winners"]:
            raise Fail(f"winners[{l}]", f"recorded {len(got)} winners, recomputed {len(want)}")
    for l in sorted(r["winners"]):
        if l not in winners:
            raise Fail(f"winners[{l}]", "no such stratum")
    for l, want in winners.items():
        cut = want[-1]["ticket"] if want else None
        if l not in r["cutoff"] or r["cutoff"][l] != cut:
            raise Fail(f"cutoff[{l}]", f"recorded {r['cutoff'].get(l, 'absent')}, recomputed {cut}")
    for l in sorted(r["cutoff"]):
        if l not in winners:
            raise Fail(f"cutoff[{l}]", "no such stratum")
    for t, want in enumerate(teams):
        if t >= len(r["teams"]):
            raise Fail("teams", f"recorded {len(r['teams'])} teams, recomputed {len(teams)}")
        got = r["teams"][t]
        for k in ("uscc", "stratum"):
            if got[k] != want[k]:
                raise Fail(f"teams[{t}].{k}", f"recorded {got[k]}, recomputed {want[k]}")
        for m, wm in enumerate(want["members"]):
            if m >= len(got["members"]):
                raise Fail(f"teams[{t}].members", "too few members")
            for k in ("certificate_no", "ticket", "name", "department", "leader"):
                if got["members"][m][k] != wm[k]:
                    raise Fail(f"teams[{t}].members[{m}].{k}",
                               f"recorded {got['members'][m][k]}, recomputed {wm[k]}")
        if len(got["members"]) != len(want["members"]):
            raise Fail(f"teams[{t}].members", "member count differs")
    if len(r["teams"]) != len(teams):
        raise Fail("teams", f"recorded {len(r['teams'])} teams, recomputed {len(teams)}")


def main(argv):
    if len(argv) != 2:
        print("usage: verify_draw.py FILE", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
        verify(parse(doc))
    except Fail as e:
        print(e)
        return 1
    except (OSError, UnicodeDecodeError, ValueError) as e:
        print(f"malformed: {e}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
