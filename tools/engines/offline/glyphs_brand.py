"""Emblem glyphs for kinds of business: what a logo for a café, bakery or gym would show.

Aliases are the words a prompt uses for the business ("coffee shop", "espresso bar", "roastery").
Emblems mix fills and strokes because logo marks read better with some solid weight.
"""

from __future__ import annotations

import math

from .pen import Pen, glyph


def _wave_points(x: float, y0: float, y1: float, amp: float, phase: float) -> list[tuple[float, float]]:
    n = 12
    return [(x + amp * math.sin(phase + i * math.pi / 4.5), y0 + (y1 - y0) * i / (n - 1)) for i in range(n)]


@glyph(
    "coffee",
    "cafe, café, coffee shop, coffeehouse, espresso, latte, barista, roastery, roasters, "
    "cappuccino, brew, brewing, tea, tea house, teahouse, cup, mug",
)
def coffee(p: Pen) -> None:
    p.polygon([(0.2, 0.44), (0.72, 0.44), (0.68, 0.72), (0.6, 0.82), (0.32, 0.82), (0.24, 0.72)])
    p.arc(0.72, 0.58, 0.11, 270, 450)
    p.line((0.14, 0.9), (0.78, 0.9))
    for i, x in enumerate((0.34, 0.46, 0.58)):
        p.line(*_wave_points(x, 0.12 + 0.04 * (i % 2), 0.34, 0.025, i * 1.3), width=p.stroke * 0.75)


@glyph(
    "leaf",
    "eco, organic, green, natural, nature, vegan, plant, plants, herbal, wellness, spa, yoga, "
    "sustainable, environment, botanical, skincare, cannabis",
)
def leaf(p: Pen) -> None:
    pts = []
    for i in range(25):
        t = i / 24
        pts.append((0.18 + 0.64 * t, 0.82 - 0.64 * t - 0.24 * math.sin(math.pi * t)))
    for i in range(25):
        t = 1 - i / 24
        pts.append((0.18 + 0.64 * t, 0.82 - 0.64 * t + 0.24 * math.sin(math.pi * t)))
    p.polygon(pts)
    p.line((0.2, 0.8), (0.72, 0.28), ink=0, width=p.stroke * 0.7)
    p.line((0.1, 0.9), (0.22, 0.78))


@glyph(
    "wheat",
    "bakery, bread, baker, bakehouse, grain, farm, farmers, flour, pastry, patisserie, mill, harvest, agriculture",
)
def wheat(p: Pen) -> None:
    p.line((0.5, 0.9), (0.5, 0.12))
    for i in range(4):
        y = 0.2 + i * 0.15
        for side in (-1, 1):
            cx, cy = 0.5 + side * 0.1, y + 0.05
            pts = []
            for k in range(16):
                a = 2 * math.pi * k / 16
                ex, ey = 0.045 * math.cos(a), 0.085 * math.sin(a)
                rot = side * math.radians(-35)
                pts.append(
                    (
                        cx + ex * math.cos(rot) - ey * math.sin(rot),
                        cy + ex * math.sin(rot) + ey * math.cos(rot),
                    )
                )
            p.polygon(pts)
    p.ellipse(0.45, 0.04, 0.55, 0.2, fill=True)


@glyph(
    "book",
    "books, bookstore, bookshop, library, reading, education, school, learning, academy, "
    "publishing, publisher, tutoring, university, study, courses",
)
def book(p: Pen) -> None:
    p.line(
        (0.5, 0.3),
        (0.38, 0.24),
        (0.1, 0.24),
        (0.1, 0.78),
        (0.38, 0.78),
        (0.5, 0.84),
        (0.62, 0.78),
        (0.9, 0.78),
        (0.9, 0.24),
        (0.62, 0.24),
        closed=True,
    )
    p.line((0.5, 0.3), (0.5, 0.84))


@glyph("fitness", "gym, dumbbell, workout, training, crossfit, strength, athletic, sports")
def dumbbell(p: Pen) -> None:
    p.line((0.3, 0.5), (0.7, 0.5), width=p.stroke * 1.2)
    for x0, x1 in ((0.14, 0.24), (0.76, 0.86)):
        p.rect(x0, 0.3, x1, 0.7, r=0.03, fill=True)
    for x0, x1 in ((0.06, 0.13), (0.87, 0.94)):
        p.rect(x0, 0.39, x1, 0.61, r=0.02, fill=True)


@glyph(
    "restaurant",
    "food, kitchen, dining, diner, bistro, eatery, catering, cooking, chef, recipes, recipe, "
    "meals, grill, brasserie, canteen",
)
def cutlery(p: Pen) -> None:
    p.line((0.36, 0.12), (0.36, 0.88))
    for x in (0.26, 0.46):
        p.line((x, 0.12), (x, 0.34))
    p.arc(0.36, 0.3, 0.1, 0, 180)
    p.polygon([(0.64, 0.12), (0.74, 0.2), (0.74, 0.52), (0.67, 0.52), (0.67, 0.88), (0.62, 0.88), (0.62, 0.14)])


@glyph("wine", "bar, winery, vineyard, wine bar, sommelier, cocktails, cocktail, lounge, drinks, pub, tavern")
def wine(p: Pen) -> None:
    bowl = [
        (0.5 + 0.21 * math.cos(a), 0.16 + 0.34 * math.sin(a)) for a in [math.pi - i * math.pi / 16 for i in range(17)]
    ]
    p.line(*bowl, closed=True)
    p.polygon([q for q in bowl if q[1] >= 0.3])  # the wine itself, a solid weight in the glass
    p.line((0.5, 0.5), (0.5, 0.84))
    p.line((0.34, 0.86), (0.66, 0.86))


@glyph(
    "pets",
    "pet, paw, dog, dogs, cat, cats, vet, veterinary, grooming, puppy, kitten, animal, animals, pet shop",
)
def paw(p: Pen) -> None:
    p.ellipse(0.28, 0.48, 0.72, 0.86, fill=True)
    for cx, cy, r in ((0.2, 0.42, 0.08), (0.36, 0.24, 0.085), (0.64, 0.24, 0.085), (0.8, 0.42, 0.08)):
        p.ellipse(cx - r, cy - r * 1.25, cx + r, cy + r * 1.25, fill=True)


@glyph(
    "mountain",
    "mountains, outdoor, outdoors, adventure, hiking, climbing, trek, expedition, camping, ski, "
    "alpine, peak, summit, explorer",
)
def mountain(p: Pen) -> None:
    p.polygon([(0.06, 0.82), (0.4, 0.24), (0.58, 0.54), (0.68, 0.4), (0.94, 0.82)])
    p.polygon([(0.4, 0.24), (0.49, 0.4), (0.44, 0.37), (0.4, 0.42), (0.35, 0.37), (0.31, 0.4)], ink=0)


@glyph(
    "wave",
    "waves, surf, surfing, ocean, sea, beach, marine, swim, swimming, water, aqua, coastal, sailing, boat, boats",
)
def wave(p: Pen) -> None:
    for k, y in enumerate((0.36, 0.54, 0.72)):
        pts = [(0.1 + 0.8 * i / 30, y + 0.06 * math.sin(i / 30 * 2 * math.pi * 1.5 + k)) for i in range(31)]
        p.line(*pts)


@glyph(
    "flower",
    "florist, flowers, floral, garden, gardening, bloom, blossom, wedding, bridal, beauty, "
    "cosmetics, perfume, boutique hotel",
)
def flower(p: Pen) -> None:
    for i in range(6):
        a = i * math.pi / 3
        cx, cy = 0.5 + 0.2 * math.cos(a), 0.5 + 0.2 * math.sin(a)
        p.circle(cx, cy, 0.15, fill=True)
    p.circle(0.5, 0.5, 0.13, fill=True, ink=0)
    p.circle(0.5, 0.5, 0.075, fill=True)


@glyph(
    "cupcake",
    "cake, cakes, dessert, desserts, sweets, candy, confectionery, bake shop, cookies, donuts, "
    "ice cream, creamery, chocolate",
)
def cupcake(p: Pen) -> None:
    p.polygon([(0.24, 0.52), (0.76, 0.52), (0.68, 0.88), (0.32, 0.88)])
    for x in (0.42, 0.58):
        p.line((x, 0.56), (x - 0.02 if x < 0.5 else x + 0.02, 0.84), ink=0, width=p.stroke * 0.5)
    p.circle(0.34, 0.44, 0.13, fill=True)
    p.circle(0.66, 0.44, 0.13, fill=True)
    p.circle(0.5, 0.34, 0.16, fill=True)
    p.circle(0.5, 0.14, 0.05, fill=True)


@glyph("salon", "barber, barbershop, hair, hairdresser, scissors, tailor, stylist, craft, crafts, sewing")
def scissors(p: Pen) -> None:
    p.circle(0.27, 0.72, 0.12)
    p.circle(0.73, 0.72, 0.12)
    p.line((0.35, 0.63), (0.78, 0.12))
    p.line((0.65, 0.63), (0.22, 0.12))


@glyph(
    "car",
    "cars, auto, automotive, garage, mechanic, driving, taxi, rideshare, rental, delivery, transport, logistics",
)
def car(p: Pen) -> None:
    p.line(
        (0.08, 0.66),
        (0.08, 0.52),
        (0.2, 0.48),
        (0.32, 0.3),
        (0.66, 0.3),
        (0.8, 0.48),
        (0.92, 0.52),
        (0.92, 0.66),
        closed=True,
    )
    p.line((0.24, 0.48), (0.76, 0.48))
    p.circle(0.27, 0.68, 0.09, fill=True)
    p.circle(0.73, 0.68, 0.09, fill=True)


@glyph("pizza", "pizzeria, italian, slice, trattoria")
def pizza(p: Pen) -> None:
    p.line((0.14, 0.2), (0.86, 0.2), (0.5, 0.9), closed=True)
    p.earc(0.14, 0.1, 0.86, 0.3, 180, 360)  # the crust
    for cx, cy in ((0.4, 0.35), (0.6, 0.38), (0.5, 0.56)):
        p.circle(cx, cy, 0.055, fill=True)


@glyph("fish", "seafood, sushi, fishing, aquarium, fishery, poke")
def fish(p: Pen) -> None:
    p.arc(0.42, 0.84, 0.46, 228, 312)
    p.arc(0.42, 0.16, 0.46, 48, 132)
    p.line((0.72, 0.5), (0.9, 0.34), (0.9, 0.66), closed=True)
    p.circle(0.3, 0.46, 0.035, fill=True)


@glyph("tree", "trees, forest, park, landscaping, camp, woods, pine, christmas, lumber")
def tree(p: Pen) -> None:
    p.polygon([(0.5, 0.08), (0.72, 0.38), (0.62, 0.38), (0.8, 0.62), (0.2, 0.62), (0.38, 0.38), (0.28, 0.38)])
    p.rect(0.45, 0.62, 0.55, 0.88, fill=True)


@glyph("music note", "band, studio, recording, dj, concert, festival, radio, guitar")
def note(p: Pen) -> None:
    p.line((0.62, 0.72), (0.62, 0.14), (0.82, 0.26))
    p.ellipse(0.34, 0.6, 0.64, 0.84, fill=True)
