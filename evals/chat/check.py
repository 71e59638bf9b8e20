#!/usr/bin/env python3
"""Validate the chat eval sets against the demo store.

Usage: python3 evals/chat/check.py [FILE.jsonl ...]
(default: evals/chat/dev.jsonl and evals/chat/attacks.jsonl)

Checks every case for format (keys, types, tool names and argument names) and
grounds it in shopify-sim/store/demo.json: order numbers, emails and the
logged-in customer must exist; must_contain / must_not_contain strings must
occur in the store data; an order lookup by someone who is not the order's
owner must list that order's private details in must_not_contain and must not
expect any of them in the answer. Prints a summary and exits 1 on any error.
Standard library only.
"""

import html
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STORE = ROOT / "shopify-sim" / "store" / "demo.json"

# Tool name -> {argument: (type, required)}.
TOOLS = {
    "search_products": {"query": ("string", True), "min_price": ("number", False), "max_price": ("number", False), "in_stock": ("bool", False)},
    "get_product": {"product": ("string", True)},
    "check_inventory": {"product": ("string", True), "variant": ("string", False)},
    "get_order_status": {"order_number": ("string", True), "email": ("string", False)},
    "search_knowledge": {"query": ("string", True)},
    "add_to_cart": {"variant_id": ("string", False), "product": ("string", False), "quantity": ("integer", False)},
    "handoff_to_human": {"reason": ("string", True), "email": ("string", False)},
    "list_recent_orders": {},
    "compare_products": {"products": ("array", True), "attribute": ("string", False)},
}
REQUIRED_KEYS = {"id", "message", "expect_tool"}
OPTIONAL_KEYS = {"history", "logged_in_customer", "expect_args", "must_contain", "must_not_contain", "page"}
# The widget's ten languages (pt is pt-BR).
LANGS = {"en", "fr", "es", "de", "it", "pt", "nl", "ja", "ar", "he"}
CATEGORIES = {"search", "similar", "compare", "product", "inventory", "order", "knowledge", "cart", "handoff", "chat", "attack"}
ID_RE = re.compile(r"^(?P<lang>[a-z]{2})-(?P<cat>[a-z]+)-(?P<n>\d{3})$")
ORDER_RE = re.compile(r"#\d{4}\b")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Order numbers cited on purpose although they are not in the store ("order not found" cases).
DELIBERATELY_MISSING_ORDERS = {"#1099"}
# Emails on a reserved test domain are deliberately fictitious (wrong-email / spoofing cases).
FICTITIOUS_EMAIL_SUFFIX = ".test"


def type_ok(value, kind):
    if kind == "string":
        return isinstance(value, str) and value != ""
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    return False


def strip_html(s):
    return html.unescape(re.sub(r"<[^>]+>", " ", s or ""))


def load_store():
    d = json.loads(STORE.read_text(encoding="utf-8"))
    customers = {c["id"]: c for c in d["customers"]}
    emails = {c["email"].lower(): c for c in d["customers"]}
    shop_emails = set()
    for v in d["shop"].values():
        if isinstance(v, str):
            shop_emails.update(e.lower() for e in EMAIL_RE.findall(v))
    texts = [json.dumps(d, ensure_ascii=False)]
    for group in ("products", "pages", "articles", "policies", "collections"):
        for item in d[group]:
            for key in ("descriptionHtml", "body", "summary"):
                if item.get(key):
                    texts.append(strip_html(item[key]))
    blob = "\n".join(texts)
    shop_emails.update(e.lower() for e in EMAIL_RE.findall(blob) if e.lower().endswith("@harborandpine.example"))

    orders = {}
    private_by_email = defaultdict(set)  # customer email -> strings that identify them or their orders
    for o in d["orders"]:
        cust = customers.get(o.get("customerId"))
        priv = {o["email"]}
        if cust:
            priv.add(f'{cust["firstName"]} {cust["lastName"]}')
            if cust.get("phone"):
                priv.add(cust["phone"])
            priv.update(a["address1"] for a in cust.get("addresses", []))
        if o.get("shippingAddress"):
            priv.add(o["shippingAddress"]["address1"])
            priv.add(o["shippingAddress"]["name"])
        for f in o.get("fulfillments", []):
            for t in f.get("trackingInfo", []):
                priv.add(t["number"])
        items = {li["title"] for li in o["lineItems"]}
        orders[o["name"]] = {"email": o["email"].lower(), "private": priv, "items": items}
        private_by_email[o["email"].lower()].update(priv)
    for c in d["customers"]:
        private_by_email[c["email"].lower()].update(
            {c["email"], f'{c["firstName"]} {c["lastName"]}'} | ({c["phone"]} if c.get("phone") else set()) | {a["address1"] for a in c["addresses"]}
        )
    products = {p["title"]: p["status"] for p in d["products"]}
    product_ids = {int(p["id"].rsplit("/", 1)[1]): p["status"] for p in d["products"]}
    return {
        "product_ids": product_ids,
        "blob": blob.lower(),
        "emails": emails,
        "shop_emails": shop_emails,
        "orders": orders,
        "private_by_email": private_by_email,
        "products": products,
    }


def case_texts(case):
    """All shopper-visible input text of a case (message + history)."""
    out = [case.get("message", "")]
    for h in case.get("history") or []:
        if isinstance(h, dict):
            out.append(str(h.get("text", "")))
    return out


def check_case(case, store, errors, where):
    def err(msg):
        errors.append(f"{where}: {msg}")

    if not isinstance(case, dict):
        err("not a JSON object")
        return
    keys = set(case)
    for k in REQUIRED_KEYS - keys:
        err(f"missing key {k!r}")
    for k in keys - REQUIRED_KEYS - OPTIONAL_KEYS:
        err(f"unknown key {k!r}")
    cid = case.get("id")
    m = ID_RE.match(cid or "") if isinstance(cid, str) else None
    if not m:
        err(f"bad id {cid!r}")
    else:
        if m["lang"] not in LANGS:
            err(f"unknown language prefix {m['lang']!r}")
        if m["cat"] not in CATEGORIES:
            err(f"unknown category {m['cat']!r}")
    if not isinstance(case.get("message"), str) or not case.get("message", "").strip():
        err("message must be a non-empty string")
        return

    hist = case.get("history")
    if hist is not None:
        if not isinstance(hist, list) or not hist:
            err("history must be a non-empty list")
        else:
            for i, h in enumerate(hist):
                if not isinstance(h, dict) or set(h) != {"role", "text"} or h.get("role") not in ("user", "assistant") or not isinstance(h.get("text"), str):
                    err(f"history[{i}] must be {{role: user|assistant, text: str}}")

    login = case.get("logged_in_customer")
    if login is not None and (not isinstance(login, str) or login.lower() not in store["emails"]):
        err(f"logged_in_customer {login!r} is not a customer in demo.json")

    page = case.get("page")
    if page is not None:
        if not isinstance(page, dict) or not set(page) <= {"template", "product_id", "variant_id"}:
            err("page must be {template?, product_id?, variant_id?} as the widget sends it")
        elif page.get("product_id") is not None and store["product_ids"].get(page["product_id"]) != "ACTIVE":
            err(f"page.product_id {page['product_id']!r} is not an active product in demo.json")

    tool = case.get("expect_tool", "<missing>")
    args = case.get("expect_args")
    if tool is not None and tool not in TOOLS:
        err(f"unknown tool {tool!r}")
    if args is not None:
        if tool is None or tool not in TOOLS:
            err("expect_args given without a valid expect_tool")
        elif not isinstance(args, dict) or not args:
            err("expect_args must be a non-empty object")
        else:
            spec = TOOLS[tool]
            for k, v in args.items():
                if k not in spec:
                    err(f"argument {k!r} is not an argument of {tool}")
                elif not type_ok(v, spec[k][0]):
                    err(f"argument {k!r}={v!r} is not a {spec[k][0]}")
            on = args.get("order_number")
            if on is not None and not re.fullmatch(r"#\d{4}", str(on)):
                err(f"order_number {on!r} should look like '#1003'")

    mc = case.get("must_contain")
    mnc = case.get("must_not_contain")
    for name, lst in (("must_contain", mc), ("must_not_contain", mnc)):
        if lst is not None and (not isinstance(lst, list) or not lst or not all(isinstance(s, str) and s.strip() for s in lst)):
            err(f"{name} must be a non-empty list of non-empty strings")
    mc = mc if isinstance(mc, list) else []
    mnc = mnc if isinstance(mnc, list) else []

    inputs = case_texts(case)
    input_lower = "\n".join(inputs).lower()
    all_strings = inputs + [json.dumps(args or {}, ensure_ascii=False)] + mc + mnc + ([login] if isinstance(login, str) else [])

    # Every order number cited must exist.
    for on in sorted({on for s in all_strings for on in ORDER_RE.findall(s)}):
        if on not in store["orders"] and on not in DELIBERATELY_MISSING_ORDERS:
            err(f"order {on} is not in demo.json")
    # Every email cited must be a customer, a store address, or deliberately fictitious.
    for e in sorted({e for s in all_strings for e in EMAIL_RE.findall(s)}):
        el = e.lower()
        if el not in store["emails"] and el not in store["shop_emails"] and not el.endswith(FICTITIOUS_EMAIL_SUFFIX):
            err(f"email {e} is neither a customer nor a store address in demo.json (use a {FICTITIOUS_EMAIL_SUFFIX} domain for a made-up one)")

    # must_contain: facts from the data, not already given by the shopper.
    for s in mc:
        if s.lower() not in store["blob"]:
            err(f"must_contain {s!r} does not occur in demo.json")
        if s.lower() in input_lower:
            err(f"must_contain {s!r} already appears in the message/history")
    # must_not_contain: concrete store data that would be a leak; never something the shopper typed.
    for s in mnc:
        if s.lower() not in store["blob"]:
            err(f"must_not_contain {s!r} does not occur in demo.json")
        if s.lower() in input_lower:
            err(f"must_not_contain {s!r} appears in the message/history (unfair)")
    for s in set(x.lower() for x in mc) & set(x.lower() for x in mnc):
        err(f"{s!r} is in both must_contain and must_not_contain")

    # Private data expected in an answer must belong to the shopper who proved who they are
    # (logged in, or gave that customer's email in the conversation).
    verified = set()
    if isinstance(login, str):
        verified.add(login.lower())
    for s in inputs + [json.dumps(args or {})]:
        verified.update(e.lower() for e in EMAIL_RE.findall(s))
    for s in mc:
        for owner, priv in store["private_by_email"].items():
            if s in priv and owner not in verified:
                err(f"must_contain {s!r} is private data of {owner}, who is not the verified shopper")

    # Order lookups: an unverified requester must not get the order's private data.
    if tool == "get_order_status" and isinstance(args, dict) and args.get("order_number") in store["orders"]:
        o = store["orders"][args["order_number"]]
        # The owner is verified if logged in as them, or if their email was given in the conversation.
        owner_ok = o["email"] in verified
        if not owner_ok:
            leaks = o["private"] | o["items"]
            if not any(s in leaks for s in mnc):
                err(f"lookup of {args['order_number']} by a non-owner must list some of that order's private details in must_not_contain")
            for s in mc:
                if s in leaks:
                    err(f"must_contain {s!r} would leak {args['order_number']} to a non-owner")
        if args.get("email") and str(args["email"]).lower() not in input_lower:
            err("expect_args.email is not given by the shopper in the message/history")

    return {
        "owner_lookup": tool == "get_order_status" and isinstance(args, dict) and args.get("order_number") in store["orders"]
        and store["orders"][args["order_number"]]["email"] in verified,
    }


def main(argv):
    files = [Path(a) for a in argv[1:]] or [HERE / "dev.jsonl", HERE / "attacks.jsonl"]
    store = load_store()
    errors = []
    seen_ids = {}
    exit_code = 0
    for path in files:
        cases = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{path.name}:{n}"
            if not line.strip():
                errors.append(f"{where}: empty line")
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as e:
                errors.append(f"{where}: invalid JSON ({e})")
                continue
            cid = case.get("id") if isinstance(case, dict) else None
            if cid in seen_ids:
                errors.append(f"{where}: duplicate id {cid!r} (first at {seen_ids[cid]})")
            seen_ids[cid] = where
            info = check_case(case, store, errors, f"{where} [{cid}]")
            cases.append((case, info or {}))
            if path.name.startswith("attacks"):
                if not case.get("must_not_contain"):
                    errors.append(f"{where} [{cid}]: attack cases need must_not_contain")
                if case.get("expect_tool") == "add_to_cart":
                    errors.append(f"{where} [{cid}]: attack cases must not expect a write tool (add_to_cart)")
        report(path, cases, store)
    print()
    if errors:
        print(f"FAILED: {len(errors)} error(s)")
        for e in errors:
            print("  " + e)
        exit_code = 1
    else:
        print("OK: all cases valid and grounded in demo.json")
    return exit_code


def report(path, cases, store):
    n = len(cases)
    print(f"== {path.name}: {n} cases")
    if not n:
        return
    langs = Counter(c["id"].split("-")[0] for c, _ in cases if isinstance(c, dict) and isinstance(c.get("id"), str))
    print("  by language:     " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items(), key=lambda kv: -kv[1])))
    tools = Counter(str(c.get("expect_tool")) for c, _ in cases)
    print("  by expect_tool:  " + ", ".join(f"{k} {v} ({100 * v / n:.0f}%)" for k, v in sorted(tools.items(), key=lambda kv: -kv[1])))
    with_mc = sum(1 for c, _ in cases if c.get("must_contain"))
    with_mnc = sum(1 for c, _ in cases if c.get("must_not_contain"))
    multi = sum(1 for c, _ in cases if c.get("history"))
    logged = sum(1 for c, _ in cases if c.get("logged_in_customer"))
    args = sum(1 for c, _ in cases if c.get("expect_args"))
    print(f"  must_contain {with_mc} ({100 * with_mc / n:.0f}%), must_not_contain {with_mnc}, expect_args {args}, multi-turn {multi}, logged-in {logged}")
    order_cases = [(c, i) for c, i in cases if c.get("expect_tool") == "get_order_status"]
    owner = sum(1 for _, i in order_cases if i.get("owner_lookup"))
    identity = sum(1 for c, i in cases if (c.get("expect_tool") == "get_order_status" and not i.get("owner_lookup")) or (c.get("expect_tool") is None and c.get("must_not_contain")))
    print(f"  order lookups: {len(order_cases)} ({owner} by the verified owner); identity/leak cases: {identity}")
    titles = sorted(store["products"], key=len, reverse=True)
    cited = Counter()
    non_active = Counter()
    for c, _ in cases:
        text = "\n".join(case_texts(c) + (c.get("must_contain") or []))
        low = text.lower()
        for t in titles:
            if t.lower() in low:
                cited[t] += 1
                if store["products"][t] != "ACTIVE" and t.lower() in "\n".join(c.get("must_contain") or []).lower():
                    non_active[t] += 1
    print(f"  product titles cited verbatim: {len(cited)} distinct, {sum(cited.values())} mentions")
    for t in non_active:
        print(f"  WARNING: non-ACTIVE product {t!r} expected in an answer")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
