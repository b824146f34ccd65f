"""Reading a diagram prompt: which components are named, in which tier, and how they connect.

Tiers run from the users at the top to data at the bottom. A named entry point with nothing behind
it gets the usual pieces filled in (a load balancer implies servers and a database), so a short
prompt still yields a complete, sensible architecture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = {"two": 2, "three": 3, "four": 4, "five": 5, "several": 3, "multiple": 3, "many": 4}


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    tier: float
    glyph: str
    pattern: str


# (key, label, tier, glyph, pattern). Tier names are in TIER_NAMES.
CATALOGUE: tuple[Component, ...] = tuple(
    Component(*row)
    for row in (
        (
            "clients",
            "Clients",
            0,
            "users",
            r"clients?|users?|browsers?|customers?|mobile apps?|web apps?|frontends?",
        ),
        ("dns", "DNS", 1, "globe", r"dns"),
        ("cdn", "CDN", 1, "globe", r"cdn|content delivery( network)?|edge cache"),
        ("firewall", "Firewall", 1.5, "lock", r"firewall|waf"),
        ("lb", "Load Balancer", 2, "share", r"load[- ]?balanc\w*|lb|haproxy|elb|alb"),
        ("gateway", "API Gateway", 2, "tech", r"(api )?gateway"),
        ("proxy", "Reverse Proxy", 2, "refresh", r"reverse proxy|proxy|nginx|envoy|ingress"),
        ("auth", "Auth Service", 3, "lock", r"auth\w*|identity|oauth|sso|login service"),
        (
            "app",
            "App Server",
            3,
            "server",
            r"(app|application|web|api) servers?|servers?|backends?|instances?|"
            r"nodes?|containers?|pods?",
        ),
        ("services", "Service", 3, "code", r"micro-?services?"),
        (
            "queue",
            "Message Queue",
            4,
            "mail",
            r"(message )?queues?|message broker|kafka|rabbitmq|sqs|pub/?sub|"
            r"event bus|streams?",
        ),
        ("workers", "Workers", 5, "settings", r"workers?|background jobs?|consumers?|job runners?"),
        ("cache", "Cache", 6, "bolt", r"cache|caching|redis|memcached"),
        (
            "db",
            "Database",
            6,
            "database",
            r"databases?|db|postgres\w*|mysql|mongo\w*|sql|dynamodb|cassandra|"
            r"data ?store",
        ),
        ("replica", "Read Replica", 6, "database", r"(read )?replicas?|replication"),
        (
            "storage",
            "Object Storage",
            6,
            "folder",
            r"object storage|blob( storage)?|s3|storage|buckets?|file store",
        ),
        ("search", "Search Index", 6, "search", r"elasticsearch|opensearch|search index|solr"),
        (
            "monitoring",
            "Monitoring",
            6,
            "chart",
            r"monitoring|logging|metrics|observability|prometheus|grafana",
        ),
    )
)
TIER_NAMES = {
    0: "CLIENTS",
    1: "EDGE",
    1.5: "SECURITY",
    2: "ENTRY",
    3: "APPLICATION",
    4: "MESSAGING",
    5: "PROCESSING",
    6: "DATA",
}
_PRODUCTS = r"redis|memcached|postgres(?:ql)?|mysql|mongodb|kafka|rabbitmq|nginx|haproxy|s3|elasticsearch|dynamodb"


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    tier: float
    glyph: str


@dataclass(frozen=True)
class DiagramSpec:
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[tuple[int, int], ...]


def _found(prompt: str) -> list[Component]:
    low = prompt.lower()
    hits = [c for c in CATALOGUE if re.search(rf"\b({c.pattern})\b", low)]
    keys = {c.key for c in hits}
    if "gateway" in keys and "proxy" in keys and not re.search(r"\bproxy\b|nginx|envoy|ingress", low):
        hits = [c for c in hits if c.key != "proxy"]
    if "services" in keys:  # "microservices" also matches the generic server words; keep the specific one
        hits = [c for c in hits if c.key != "app" or re.search(r"\bservers?\b", low)]
    return hits


def _complete(hits: list[Component]) -> list[Component]:
    """Fill the usual gaps so a partial description becomes a whole, plausible system."""
    keys = {c.key for c in hits}
    by_key = {c.key: c for c in CATALOGUE}
    if not keys:
        return hits
    if "clients" not in keys:
        hits.append(by_key["clients"])
    if keys & {"lb", "gateway", "proxy", "cdn", "firewall"} and not keys & {"app", "services", "auth"}:
        hits.append(by_key["services" if "gateway" in keys else "app"])
    if not keys & {"db", "cache", "storage", "replica", "search"}:
        hits.append(by_key["db"])
        if "lb" in keys:
            hits.append(by_key["cache"])
    if "workers" in keys and "queue" not in keys:
        hits.append(by_key["queue"])
    return hits


def _replicas(prompt: str, comp: Component) -> list[str]:
    """Labels for a replicated tier: "App Server 1..3" or named services ("Orders Service")."""
    low = prompt.lower()
    if comp.key == "services":
        named = re.findall(r"\b(\w+) (?:micro)?service\b", low)
        named = [n for n in named if n not in ("micro", "a", "the", "each", "auth", "and", "of", "web")]
        names = [n.title() for n in dict.fromkeys(named)][:4] or ["Users", "Orders", "Payments"]
        return [f"{n} Service" for n in names]
    m = re.search(
        r"\b(\d|" + "|".join(_NUM) + r")\s+(?:\w+\s+)?(?:app |web |application )?(?:servers?|instances?|"
        r"nodes?|backends?)",
        low,
    )
    count = (int(m.group(1)) if m.group(1).isdigit() else _NUM[m.group(1)]) if m else 3
    return [f"{comp.label} {i + 1}" for i in range(max(1, min(count, 5)))]


def parse_diagram(prompt: str) -> DiagramSpec:
    hits = _complete(_found(prompt))
    nodes: list[Node] = []
    if not hits:
        nodes = [Node(f"step{i}", s, float(i), "file") for i, s in enumerate(_steps(prompt))]
    for comp in sorted(hits, key=lambda c: c.tier):
        labels = _replicas(prompt, comp) if comp.key in ("app", "services") else [_with_product(prompt, comp)]
        nodes.extend(Node(comp.key, lbl, comp.tier, comp.glyph) for lbl in labels)
    return DiagramSpec(title=_title(prompt), nodes=tuple(nodes), edges=tuple(_edges(nodes)))


def _with_product(prompt: str, comp: Component) -> str:
    """ "Cache (Redis)" when the prompt names the product behind a component."""
    for m in re.finditer(rf"\b({_PRODUCTS})\b", prompt.lower()):
        if re.fullmatch(rf"({comp.pattern})", m.group(1)):
            names = {
                "postgres": "PostgreSQL",
                "postgresql": "PostgreSQL",
                "s3": "S3",
                "mongodb": "MongoDB",
                "mysql": "MySQL",
                "dynamodb": "DynamoDB",
                "rabbitmq": "RabbitMQ",
                "haproxy": "HAProxy",
            }
            return f"{comp.label} ({names.get(m.group(1), m.group(1).title())})"
    return comp.label


def _edges(nodes: list[Node]) -> list[tuple[int, int]]:
    """Connect each tier to the next one down; apps also reach the data tier past a queue."""
    tiers = sorted({n.tier for n in nodes})
    groups = {t: [i for i, n in enumerate(nodes) if n.tier == t] for t in tiers}
    edges: list[tuple[int, int]] = []
    for a, b in zip(tiers, tiers[1:], strict=False):
        edges.extend(_link(groups[a], groups[b]))
    if 3 in groups and 6 in groups and 4 in groups:
        edges.extend(_link(groups[3], [i for i in groups[6] if nodes[i].key in ("db", "cache")]))
    return edges


def _link(src: list[int], dst: list[int]) -> list[tuple[int, int]]:
    if len(src) == len(dst) and len(src) > 1:
        return list(zip(src, dst, strict=True))
    return [(s, d) for s in src for d in dst]


def _steps(prompt: str) -> list[str]:
    """A generic flow from a list in the prompt: "from A to B to C", "A -> B -> C", "A, B and C"."""
    if re.search(r"[:—–]", prompt):
        tail = re.split(r"[:—–]", prompt)[-1]
    else:
        tail = re.split(r"\b(?:showing|of|for)\b", prompt, maxsplit=1)[-1]
    parts = [p.strip(" .") for p in re.split(r"->|→|=>|,|\bthen\b|\bto\b|\band\b", tail) if p.strip(" .")]
    parts = [re.sub(r"^(?:a|an|the|from)\s+", "", p, flags=re.I) for p in parts]
    parts = [p[:22].title() for p in parts if 0 < len(p) <= 40]
    return parts[:8] if len(parts) >= 2 else ["Input", "Process", "Store", "Output"]


def _title(prompt: str) -> str:
    m = re.search(r"((?:[\w-]+ ){0,3}(?:architecture|topology|infrastructure|pipeline|flow|system))", prompt, re.I)
    if m:
        words = [w for w in m.group(1).split() if w.lower() not in ("a", "an", "the", "showing", "of", "for")]
        return " ".join(w if w.isupper() else w.title() for w in words)
    return "System Architecture"
