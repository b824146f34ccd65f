"""Interface glyphs (home, search, user, gear, ...) in one consistent outline style.

Coordinates are in a unit box with about 12% padding, like common outline icon sets, so any glyph
sits well on a tile or next to a wordmark. Each function draws with the given pen only.
"""

from __future__ import annotations

import math

from .pen import Pen, glyph


@glyph("home", "house, main, start, dashboard, real estate, realty, property")
def home(p: Pen) -> None:
    p.line((0.13, 0.47), (0.5, 0.15), (0.87, 0.47))
    p.line((0.24, 0.38), (0.24, 0.85), (0.76, 0.85), (0.76, 0.38))
    p.line((0.42, 0.85), (0.42, 0.62), (0.58, 0.62), (0.58, 0.85))


@glyph("search", "find, explore, discover, magnifier, magnifying glass, lookup")
def search(p: Pen) -> None:
    p.circle(0.43, 0.43, 0.25)
    p.line((0.62, 0.62), (0.84, 0.84))


@glyph("user", "profile, account, me, person, avatar, my account, contact")
def user(p: Pen) -> None:
    p.circle(0.5, 0.34, 0.17)
    p.arc(0.5, 0.9, 0.34, 195, 345)


@glyph("users", "team, friends, people, group, contacts, community, members")
def users(p: Pen) -> None:
    p.circle(0.38, 0.36, 0.14)
    p.arc(0.38, 0.88, 0.27, 195, 345)
    p.arc(0.68, 0.36, 0.13, 290, 430)
    p.arc(0.74, 0.86, 0.24, 240, 345)


@glyph("settings", "gear, preferences, options, config, configuration, cog, tools")
def gear(p: Pen) -> None:
    teeth, pts = 8, []
    for i in range(teeth * 4):
        ang = 2 * math.pi * (i - 0.5) / (teeth * 4)
        r = 0.36 if (i % 4) in (1, 2) else 0.27
        pts.append((0.5 + r * math.cos(ang), 0.5 + r * math.sin(ang)))
    p.line(*pts, closed=True)
    p.circle(0.5, 0.5, 0.1)


@glyph("heart", "favorites, favourites, like, likes, love, wishlist, health, care")
def heart(p: Pen) -> None:
    pts = []
    for i in range(48):
        t = 2 * math.pi * i / 48
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        pts.append((0.5 + x / 44, 0.47 - y / 44))
    p.line(*pts, closed=True)


@glyph("star", "favorite, favourite, rating, ratings, reviews, featured, starred")
def star(p: Pen) -> None:
    pts = []
    for i in range(10):
        r = 0.38 if i % 2 == 0 else 0.16
        ang = -math.pi / 2 + i * math.pi / 5
        pts.append((0.5 + r * math.cos(ang), 0.54 + r * math.sin(ang)))
    p.line(*pts, closed=True)


@glyph("bell", "notifications, notification, alerts, alert, reminders")
def bell(p: Pen) -> None:
    dome = [
        (0.5 + 0.22 * math.cos(a), 0.42 + 0.22 * math.sin(a)) for a in [math.pi + i * math.pi / 12 for i in range(13)]
    ]
    p.line((0.16, 0.72), (0.28, 0.6), *dome, (0.72, 0.6), (0.84, 0.72), closed=True)
    p.arc(0.5, 0.76, 0.09, 20, 160)


@glyph("mail", "email, e-mail, inbox, messages inbox, newsletter, envelope")
def mail(p: Pen) -> None:
    p.rect(0.13, 0.25, 0.87, 0.75, r=0.06)
    p.line((0.15, 0.3), (0.5, 0.54), (0.85, 0.3))


@glyph("camera", "photo, photos, photography, capture, snap")
def camera(p: Pen) -> None:
    p.rect(0.12, 0.32, 0.88, 0.8, r=0.08)
    p.line((0.33, 0.32), (0.4, 0.21), (0.6, 0.21), (0.67, 0.32))
    p.circle(0.5, 0.56, 0.14)


@glyph("cart", "shopping cart, basket, checkout, shop, store, buy, orders")
def cart(p: Pen) -> None:
    p.line((0.1, 0.2), (0.22, 0.2), (0.33, 0.62), (0.78, 0.62), (0.87, 0.32), (0.27, 0.32))
    p.circle(0.38, 0.8, 0.055, fill=True)
    p.circle(0.73, 0.8, 0.055, fill=True)


@glyph("chat", "messages, message, messaging, comments, comment, support, conversation")
def chat(p: Pen) -> None:
    p.rect(0.13, 0.18, 0.87, 0.66, r=0.12)
    p.line((0.3, 0.66), (0.26, 0.85), (0.48, 0.66))


@glyph("calendar", "events, event, schedule, date, agenda, bookings, appointments")
def calendar(p: Pen) -> None:
    p.rect(0.15, 0.22, 0.85, 0.85, r=0.07)
    p.line((0.15, 0.4), (0.85, 0.4))
    p.line((0.34, 0.13), (0.34, 0.29))
    p.line((0.66, 0.13), (0.66, 0.29))
    for x in (0.33, 0.5, 0.67):
        for y in (0.55, 0.7):
            p.circle(x, y, 0.035, fill=True)


@glyph("lock", "security, password, privacy, secure, locked, login, sign in")
def lock(p: Pen) -> None:
    p.rect(0.22, 0.46, 0.78, 0.86, r=0.07)
    p.line((0.33, 0.46), (0.33, 0.33))
    p.arc(0.5, 0.33, 0.17 + p.stroke / 2, 180, 360)
    p.line((0.67, 0.33), (0.67, 0.46))
    p.circle(0.5, 0.64, 0.045, fill=True)


@glyph("trash", "delete, bin, remove, garbage, recycle bin")
def trash(p: Pen) -> None:
    p.line((0.15, 0.26), (0.85, 0.26))
    p.line((0.38, 0.26), (0.4, 0.15), (0.6, 0.15), (0.62, 0.26))
    p.line((0.24, 0.26), (0.29, 0.86), (0.71, 0.86), (0.76, 0.26))
    p.line((0.43, 0.42), (0.43, 0.7))
    p.line((0.57, 0.42), (0.57, 0.7))


@glyph("share", "send to, sharing, social, network")
def share(p: Pen) -> None:
    p.line((0.7, 0.25), (0.3, 0.5), (0.7, 0.75))
    for x, y in ((0.72, 0.24), (0.28, 0.5), (0.72, 0.76)):
        p.circle(x, y, 0.11, fill=True)


@glyph("play", "video, videos, watch, media, player, movies, stream, streaming")
def play(p: Pen) -> None:
    p.circle(0.5, 0.5, 0.37)
    p.polygon([(0.42, 0.35), (0.42, 0.65), (0.67, 0.5)])


@glyph("music", "songs, audio, playlist, podcast, sound, tunes, record, records")
def music(p: Pen) -> None:
    p.line((0.38, 0.72), (0.38, 0.22), (0.8, 0.14), (0.8, 0.64))
    p.line((0.38, 0.34), (0.8, 0.26))
    p.circle(0.29, 0.73, 0.1, fill=True)
    p.circle(0.71, 0.65, 0.1, fill=True)


@glyph("location", "map, maps, pin, place, places, navigation, directions, nearby, gps")
def pin(p: Pen) -> None:
    p.arc(0.5, 0.41, 0.27, 145, 395)
    a1, a2 = math.radians(145), math.radians(35)
    rr = 0.27 - p.stroke / 2
    p.line(
        (0.5 + rr * math.cos(a1), 0.41 + rr * math.sin(a1)),
        (0.5, 0.88),
        (0.5 + rr * math.cos(a2), 0.41 + rr * math.sin(a2)),
    )
    p.circle(0.5, 0.41, 0.09)


@glyph("phone", "mobile, call, calls, smartphone, device, contact us")
def phone(p: Pen) -> None:
    p.rect(0.29, 0.11, 0.71, 0.89, r=0.09)
    p.line((0.45, 0.77), (0.55, 0.77))


@glyph("cloud", "sync, backup, weather, storage")
def cloud(p: Pen) -> None:
    # An outline of a union of shapes: fill the union, then knock out the same union shrunk.
    w = p.stroke
    for shrink, ink in ((0.0, 255), (w, 0)):
        p.circle(0.3, 0.6, 0.16 - shrink, fill=True, ink=ink)
        p.circle(0.52, 0.46, 0.22 - shrink, fill=True, ink=ink)
        p.circle(0.72, 0.6, 0.16 - shrink, fill=True, ink=ink)
        p.rect(0.3, 0.6, 0.72, 0.76 - shrink, fill=True, ink=ink)


@glyph("download", "downloads, save, import")
def download(p: Pen) -> None:
    p.line((0.5, 0.14), (0.5, 0.62))
    p.line((0.31, 0.45), (0.5, 0.64), (0.69, 0.45))
    p.line((0.15, 0.64), (0.15, 0.85), (0.85, 0.85), (0.85, 0.64))


@glyph("upload", "uploads, export, publish")
def upload(p: Pen) -> None:
    p.line((0.5, 0.64), (0.5, 0.16))
    p.line((0.31, 0.33), (0.5, 0.14), (0.69, 0.33))
    p.line((0.15, 0.64), (0.15, 0.85), (0.85, 0.85), (0.85, 0.64))


@glyph("wifi", "wi-fi, connection, internet, wireless, signal, connectivity")
def wifi(p: Pen) -> None:
    for r in (0.5, 0.34, 0.18):
        p.arc(0.5, 0.8, r, 225, 315)
    p.circle(0.5, 0.78, 0.05, fill=True)


@glyph("battery", "power, energy, charge, charging")
def battery(p: Pen) -> None:
    p.rect(0.1, 0.32, 0.8, 0.68, r=0.06)
    p.rect(0.83, 0.43, 0.9, 0.57, r=0.02, fill=True)
    p.rect(0.2, 0.42, 0.56, 0.58, r=0.02, fill=True)


@glyph("clock", "time, history, recent, timer, hours, alarm")
def clock(p: Pen) -> None:
    p.circle(0.5, 0.5, 0.37)
    p.line((0.5, 0.28), (0.5, 0.5), (0.65, 0.59))


@glyph("bookmark", "saved, bookmarks, read later")
def bookmark(p: Pen) -> None:
    p.line((0.27, 0.13), (0.73, 0.13), (0.73, 0.87), (0.5, 0.68), (0.27, 0.87), closed=True)


@glyph("edit", "pencil, write, compose, notes, draft")
def edit(p: Pen) -> None:
    p.line((0.17, 0.83), (0.21, 0.64), (0.66, 0.19), (0.81, 0.34), (0.36, 0.79), closed=True)
    p.line((0.57, 0.28), (0.72, 0.43))


@glyph("plus", "add, new, create")
def plus(p: Pen) -> None:
    p.line((0.5, 0.18), (0.5, 0.82))
    p.line((0.18, 0.5), (0.82, 0.5))


@glyph("close", "cancel, exit, x, dismiss")
def close(p: Pen) -> None:
    p.line((0.24, 0.24), (0.76, 0.76))
    p.line((0.76, 0.24), (0.24, 0.76))


@glyph("menu", "hamburger, more, list, navigation menu")
def menu(p: Pen) -> None:
    for y in (0.28, 0.5, 0.72):
        p.line((0.18, y), (0.82, y))


@glyph("filter", "filters, sort, funnel")
def funnel(p: Pen) -> None:
    p.line((0.14, 0.18), (0.86, 0.18), (0.58, 0.52), (0.58, 0.82), (0.42, 0.74), (0.42, 0.52), closed=True)


@glyph("info", "about, information, details")
def info(p: Pen) -> None:
    p.circle(0.5, 0.5, 0.37)
    p.line((0.5, 0.46), (0.5, 0.7))
    p.circle(0.5, 0.32, 0.045, fill=True)


@glyph("help", "faq, question, questions, support center")
def help_(p: Pen) -> None:
    p.circle(0.5, 0.5, 0.37)
    p.arc(0.5, 0.4, 0.11, 180, 400)
    p.line((0.5 + 0.1 * math.cos(math.radians(40)), 0.4 + 0.1 * math.sin(math.radians(40))), (0.5, 0.58))
    p.circle(0.5, 0.7, 0.04, fill=True)


@glyph("logout", "log out, sign out, leave")
def logout(p: Pen) -> None:
    p.line((0.46, 0.16), (0.2, 0.16), (0.2, 0.84), (0.46, 0.84))
    p.line((0.4, 0.5), (0.86, 0.5))
    p.line((0.7, 0.34), (0.86, 0.5), (0.7, 0.66))
