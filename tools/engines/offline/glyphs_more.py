"""More outline glyphs: objects and symbols that serve both icon sets and logo emblems."""

from __future__ import annotations

import math

from .pen import Pen, glyph


@glyph("globe", "world, web, website, language, languages, global, international, earth")
def globe(p: Pen) -> None:
    p.circle(0.5, 0.5, 0.37)
    p.ellipse(0.33, 0.13, 0.67, 0.87)
    p.line((0.14, 0.5), (0.86, 0.5))


@glyph(
    "chart",
    "analytics, stats, statistics, reports, insights, finance, financial, bank, banking, invest, "
    "investing, investment, accounting, consulting, data, metrics",
)
def chart(p: Pen) -> None:
    p.line((0.15, 0.14), (0.15, 0.85), (0.86, 0.85))
    for x0, top in ((0.28, 0.56), (0.46, 0.4), (0.64, 0.22)):
        p.rect(x0, top, x0 + 0.11, 0.75, r=0.02, fill=True)


@glyph("wallet", "payment, payments, card, credit card, billing, pay, money, budget")
def wallet(p: Pen) -> None:
    p.rect(0.11, 0.24, 0.89, 0.76, r=0.08)
    p.line((0.11, 0.4), (0.89, 0.4), width=p.stroke * 1.4)
    p.line((0.22, 0.62), (0.4, 0.62))


@glyph("folder", "folders, files, projects, documents, archive")
def folder(p: Pen) -> None:
    p.line((0.12, 0.24), (0.38, 0.24), (0.47, 0.34), (0.88, 0.34), (0.88, 0.8), (0.12, 0.8), closed=True)


@glyph("file", "document, page, pages, doc, text, article, blog, news")
def file(p: Pen) -> None:
    p.line((0.24, 0.12), (0.6, 0.12), (0.77, 0.29), (0.77, 0.88), (0.24, 0.88), closed=True)
    p.line((0.6, 0.12), (0.6, 0.29), (0.77, 0.29))
    p.line((0.35, 0.52), (0.66, 0.52))
    p.line((0.35, 0.68), (0.66, 0.68))


@glyph("refresh", "reload, update, updates, repeat")
def refresh(p: Pen) -> None:
    r, end = 0.32, 320.0
    p.arc(0.5, 0.5, r, 40, end)
    a = math.radians(end)
    rr = r - p.stroke / 2
    tip = (0.5 + rr * math.cos(a), 0.5 + rr * math.sin(a))
    # The arrowhead points along the clockwise tangent (-sin, cos) at the arc's end.
    tx, ty = -math.sin(a), math.cos(a)
    wings = []
    for turn in (2.5, -2.5):
        c, s = math.cos(turn), math.sin(turn)
        wings.append((tip[0] + 0.17 * (tx * c - ty * s), tip[1] + 0.17 * (tx * s + ty * c)))
    p.line(wings[0], tip, wings[1])


@glyph("sun", "light mode, brightness, sunny, summer, day, solar")
def sun(p: Pen) -> None:
    p.circle(0.5, 0.5, 0.16)
    for i in range(8):
        a = i * math.pi / 4
        p.line(
            (0.5 + 0.27 * math.cos(a), 0.5 + 0.27 * math.sin(a)),
            (0.5 + 0.37 * math.cos(a), 0.5 + 0.37 * math.sin(a)),
        )


@glyph("moon", "dark mode, night, sleep, dream, dreams")
def moon(p: Pen) -> None:
    w = p.stroke
    p.circle(0.46, 0.52, 0.33, fill=True)
    p.circle(0.46, 0.52, 0.33 - w, fill=True, ink=0)
    p.circle(0.66, 0.38, 0.27 + w, fill=True, ink=0)
    p.arc(0.66, 0.38, 0.27 + w, 95, 215)


@glyph("gift", "gifts, rewards, reward, present, offers, promotions, birthday")
def gift(p: Pen) -> None:
    p.rect(0.14, 0.3, 0.86, 0.46, r=0.03)
    p.line((0.2, 0.46), (0.2, 0.86), (0.8, 0.86), (0.8, 0.46))
    p.line((0.5, 0.3), (0.5, 0.86))
    p.arc(0.4, 0.22, 0.09, 60, 330)
    p.arc(0.6, 0.22, 0.09, 210, 480)


@glyph("tag", "tags, price, prices, deals, deal, sale, discount, coupon, label")
def tag(p: Pen) -> None:
    p.line((0.13, 0.13), (0.5, 0.13), (0.88, 0.51), (0.51, 0.88), (0.13, 0.5), closed=True)
    p.circle(0.32, 0.32, 0.05, fill=True)


@glyph("flag", "report, goals, goal, milestone, milestones")
def flag(p: Pen) -> None:
    p.line((0.22, 0.88), (0.22, 0.13))
    p.line((0.22, 0.15), (0.82, 0.15), (0.7, 0.33), (0.82, 0.52), (0.22, 0.52))


@glyph("eye", "view, views, visibility, preview, vision, watchlist")
def eye(p: Pen) -> None:
    # Two circular lids whose ends meet at mid-height: centre offset = r * sin(43 degrees).
    p.arc(0.5, 0.827, 0.48, 223, 317)
    p.arc(0.5, 0.173, 0.48, 43, 137)
    p.circle(0.5, 0.5, 0.11)


@glyph("mic", "microphone, voice, record audio, speak, dictation, karaoke")
def mic(p: Pen) -> None:
    p.rect(0.38, 0.12, 0.62, 0.58, r=0.12)
    p.arc(0.5, 0.46, 0.25, 0, 180)
    p.line((0.5, 0.71), (0.5, 0.87))
    p.line((0.36, 0.87), (0.64, 0.87))


@glyph("send", "paper plane, travel, airline, flights, flight, trips, trip, tourism")
def send(p: Pen) -> None:
    p.line((0.12, 0.46), (0.88, 0.13), (0.6, 0.88), (0.46, 0.56), closed=True)
    p.line((0.46, 0.56), (0.86, 0.15))


@glyph("image", "gallery, images, pictures, picture, photo gallery, media library, art, artist")
def image(p: Pen) -> None:
    p.rect(0.12, 0.18, 0.88, 0.82, r=0.07)
    p.line((0.14, 0.72), (0.38, 0.48), (0.56, 0.64), (0.68, 0.54), (0.86, 0.7))
    p.circle(0.66, 0.35, 0.06)


@glyph("bag", "shopping bag, shopping, boutique, fashion, clothing, retail, purchases")
def bag(p: Pen) -> None:
    p.line((0.2, 0.32), (0.8, 0.32), (0.84, 0.86), (0.16, 0.86), closed=True)
    p.arc(0.5, 0.34, 0.15, 180, 360)


@glyph("code", "developer, developers, software, programming, dev, api, coding, app")
def code(p: Pen) -> None:
    p.line((0.34, 0.28), (0.13, 0.5), (0.34, 0.72))
    p.line((0.66, 0.28), (0.87, 0.5), (0.66, 0.72))
    p.line((0.57, 0.2), (0.43, 0.8))


@glyph(
    "tech",
    "technology, ai, artificial intelligence, startup, digital, network, crypto, blockchain, "
    "cyber, robotics, machine learning, computing, it, saas, platform",
)
def tech(p: Pen) -> None:
    hexagon = [
        (
            0.5 + 0.37 * math.cos(math.pi / 6 + i * math.pi / 3),
            0.5 + 0.37 * math.sin(math.pi / 6 + i * math.pi / 3),
        )
        for i in range(6)
    ]
    p.line(*hexagon, closed=True)
    nodes = [(0.5, 0.32), (0.35, 0.6), (0.65, 0.6)]
    p.line(nodes[0], nodes[1], nodes[2], closed=True, width=p.stroke * 0.6)
    for x, y in nodes:
        p.circle(x, y, 0.065, fill=True)


@glyph("database", "db, sql, postgres, postgresql, mysql, storage db, records db")
def database(p: Pen) -> None:
    p.ellipse(0.2, 0.12, 0.8, 0.32)
    p.line((0.2, 0.22), (0.2, 0.78))
    p.line((0.8, 0.22), (0.8, 0.78))
    p.earc(0.2, 0.4, 0.8, 0.6, 0, 180)  # a middle band, so it reads as stacked disks
    p.earc(0.2, 0.68, 0.8, 0.88, 0, 180)


@glyph("server", "servers, host, hosting, backend, rack, instance, compute")
def server(p: Pen) -> None:
    for y in (0.14, 0.52):
        p.rect(0.14, y, 0.86, y + 0.32, r=0.05)
        p.circle(0.28, y + 0.16, 0.04, fill=True)
        p.line((0.5, y + 0.16), (0.74, y + 0.16))


@glyph("bolt", "lightning, flash, fast, speed, cache, energy drink, electric, electrician")
def bolt(p: Pen) -> None:
    p.line((0.58, 0.1), (0.24, 0.56), (0.5, 0.56), (0.42, 0.9), (0.78, 0.42), (0.52, 0.42), closed=True)
