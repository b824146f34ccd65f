"""Diagrams: named components become boxes, tiers are connected by arrows."""

from __future__ import annotations

from easel.tools.engines.offline.diagram import paint_diagram
from easel.tools.engines.offline.diagram_spec import parse_diagram


def test_load_balancer_architecture_is_completed() -> None:
    spec = parse_diagram("technical diagram showing a load balancer architecture")
    labels = [n.label for n in spec.nodes]
    assert labels[:2] == ["Clients", "Load Balancer"]
    assert sum(label.startswith("App Server") for label in labels) == 3
    assert "Database" in labels
    lb = labels.index("Load Balancer")
    assert {labels[b] for a, b in spec.edges if a == lb} == {"App Server 1", "App Server 2", "App Server 3"}
    assert spec.title == "Load Balancer Architecture"


def test_named_components_and_products_appear() -> None:
    spec = parse_diagram("architecture with an API gateway, auth service, kafka queue, redis cache and postgres")
    labels = {n.label for n in spec.nodes}
    assert {
        "API Gateway",
        "Auth Service",
        "Message Queue (Kafka)",
        "Cache (Redis)",
        "Database (PostgreSQL)",
    } <= labels


def test_generic_flow_from_a_list() -> None:
    spec = parse_diagram("flowchart: ingest -> clean -> train -> deploy")
    assert [n.label for n in spec.nodes] == ["Ingest", "Clean", "Train", "Deploy"]
    assert spec.edges == ((0, 1), (1, 2), (2, 3))


def test_render_has_boxes_and_lines() -> None:
    img, desc = paint_diagram(parse_diagram("diagram of a load balancer setup"), 320, 320, False)
    assert img.shape == (320, 320, 4) and "Load Balancer" in desc
    dark = (img[..., :3].astype(int).sum(axis=2) < 300).mean()
    assert 0.005 < dark < 0.2, "labels and arrows, on a light page"
