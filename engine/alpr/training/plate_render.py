"""Synthetic licence plates: regional layouts drawn flat with PIL, with the registration's box.

Each style draws a plate-coloured card with the registration in a plate-like font and the
clutter real plates carry (state names, EU band, slogans, a province glyph, screws, a frame)
that the recogniser must learn to ignore. The label is the registration's letters and digits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
CN_LETTERS = LETTERS.replace("I", "").replace("O", "")
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
US_STATES = (
    "California",
    "TEXAS",
    "New York",
    "Florida",
    "ILLINOIS",
    "Ohio",
    "Georgia",
    "ARIZONA",
    "Nevada",
    "Oregon",
    "Washington",
    "COLORADO",
    "Virginia",
    "Michigan",
    "Pennsylvania",
)
SLOGANS = ("dmv.ca.gov", "Sunshine State", "EMPIRE STATE", "Grand Canyon State", "LONE STAR")
EU_CODES = ("D", "F", "I", "E", "NL", "B", "PL", "A", "UK", "GB", "P", "CZ")

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))
# Registration fonts for training; DejaVuSans-Bold is kept out for the bench's stand-in set.
TRAIN_FONTS = (
    "LiberationSans-Bold.ttf",
    "LiberationMono-Bold.ttf",
    "FreeSansBold.ttf",
    "FreeMonoBold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "DejaVuSansMono.ttf",
    "LiberationSans-Regular.ttf",
)
HELD_OUT_FONTS = ("DejaVuSans-Bold.ttf",)
SMALL_FONTS = ("LiberationSerif-Italic.ttf", "FreeSerifBoldItalic.ttf", "DejaVuSans.ttf")
CJK_FONTS = ("wqy-microhei.ttc",)


def find_font(name: str) -> Path | None:
    for root in FONT_DIRS:
        hits = sorted(root.rglob(name)) if root.is_dir() else []
        if hits:
            return hits[0]
    return None


def available_fonts(names: tuple[str, ...]) -> list[Path]:
    return [p for n in names if (p := find_font(n)) is not None]


@dataclass(frozen=True)
class FlatPlate:
    """A rendered plate (RGB), its label, and the registration text's box on it (x1,y1,x2,y2)."""

    image: np.ndarray
    label: str
    text_box: tuple[int, int, int, int]


def _pick(rng: random.Random, kinds: str) -> str:
    out = []
    for kind in kinds:
        pool = {"L": LETTERS, "D": DIGITS, "A": LETTERS + DIGITS, "C": CN_LETTERS}[kind]
        out.append(rng.choice(pool))
    return "".join(out)


def plate_text(rng: random.Random, style: str) -> tuple[str, str]:
    """(label, drawn text with the layout's spaces) for a style."""
    if style == "us":
        kinds = rng.choice(("DLLLDDD", "LLLDDDD", "LLLDDD", "DDDLLL", "DLLDDD", "AAAAAA"))
        text = _pick(rng, kinds)
        drawn = text if rng.random() < 0.6 else f"{text[:3]} {text[3:]}"
        return text, drawn
    if style == "eu":
        kinds = rng.choice(("LLDDLLL", "LLDDDLL", "DDDDLLL", "LLLDDDD", "LDLLDDDD"))
        text = _pick(rng, kinds)
        if kinds == "LLDDLLL":
            return text, f"{text[:4]} {text[4:]}"
        if kinds == "LLDDDLL":
            return text, f"{text[:2]}-{text[2:5]}-{text[5:]}"
        if kinds == "DDDDLLL":
            return text, f"{text[:4]} {text[4:]}"
        if kinds == "LDLLDDDD":  # German: B MW 1234 (the seal sits where the gap is)
            return text[0] + text[2:], f"{text[0]}  {text[2:4]} {text[4:]}"
        return text, f"{text[:3]} {text[3:]}"
    if style == "in":
        kinds = rng.choice(("LLDDLLDDDD", "LLDDLDDDD", "DDLLDDDDLL"))
        text = _pick(rng, kinds)
        if kinds == "LLDDLLDDDD":
            return text, f"{text[:2]} {text[2:4]} {text[4:6]} {text[6:]}"
        if kinds == "LLDDLDDDD":
            return text, f"{text[:2]} {text[2:4]} {text[4]} {text[5:]}"
        return text, f"{text[:2]} {text[2:4]} {text[4:8]} {text[8:]}"
    if style == "cn":
        text = rng.choice(CN_LETTERS) + _pick(rng, "AAAAA").replace("I", "1").replace("O", "0")
        return text, f"{rng.choice(PROVINCES)}{text[0]}·{text[1:]}"
    n = rng.randint(4, 8)
    text = _pick(rng, "A" * n)
    if not any(c.isdigit() for c in text):
        i = rng.randrange(n)
        text = text[:i] + rng.choice(DIGITS) + text[i + 1 :]
    drawn = text if rng.random() < 0.6 else f"{text[: n // 2]} {text[n // 2 :]}"
    return text, drawn


# (background, text colour) choices per style, RGB
_COLOURS = {
    "us": [
        ((245, 245, 240), (20, 30, 110)),
        ((250, 250, 250), (10, 10, 10)),
        ((235, 240, 250), (150, 20, 20)),
        ((250, 240, 200), (20, 20, 20)),
    ],
    "eu": [((250, 250, 250), (10, 10, 10)), ((250, 210, 30), (10, 10, 10))],
    "in": [((250, 250, 250), (10, 10, 10)), ((250, 215, 40), (10, 10, 10))],
    "cn": [((20, 60, 200), (245, 245, 245)), ((230, 200, 30), (10, 10, 10))],
    "generic": [
        ((250, 250, 250), (10, 10, 10)),
        ((20, 20, 20), (240, 240, 240)),
        ((250, 210, 30), (10, 10, 10)),
        ((30, 90, 40), (245, 245, 245)),
    ],
}
_ASPECT = {"us": 2.0, "eu": 4.7, "in": 4.2, "cn": 3.1, "generic": 3.5}


@lru_cache(maxsize=4096)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


def _fit_font(path: Path, text: str, max_w: float, max_h: float) -> ImageFont.FreeTypeFont:
    size = int(max_h * 1.3)
    while size > 6:
        font = _font(path, size)
        x1, y1, x2, y2 = font.getbbox(text)
        if x2 - x1 <= max_w and y2 - y1 <= max_h:
            return font
        size = int(size * 0.93)
    return _font(path, 6)


def render_plate(
    rng: random.Random, style: str, fonts: list[Path], small_fonts: list[Path], cjk: Path | None
) -> FlatPlate:
    label, drawn = plate_text(rng, style)
    h = rng.randint(90, 130)
    w = int(h * _ASPECT[style] * rng.uniform(0.9, 1.1))
    bg, fg = rng.choice(_COLOURS[style])
    jitter = tuple(int(np.clip(c + rng.randint(-25, 25), 0, 255)) for c in bg)
    image = Image.new("RGB", (w, h), jitter)
    draw = ImageDraw.Draw(image)
    if rng.random() < 0.8:  # embossed rim or frame
        width = rng.randint(2, 6)
        draw.rectangle(
            (0, 0, w - 1, h - 1), outline=fg if rng.random() < 0.5 else (40, 40, 40), width=width
        )
    left, top, right, bottom = 0.06 * w, 0.1 * h, 0.94 * w, 0.9 * h
    small = rng.choice(small_fonts) if small_fonts else fonts[0]
    if style == "us":
        top, bottom = 0.27 * h, 0.83 * h
        if rng.random() < 0.9:
            state = rng.choice(US_STATES)
            f = _fit_font(small, state, 0.6 * w, 0.18 * h)
            colour = rng.choice(((200, 30, 30), (20, 40, 140), (20, 20, 20)))
            draw.text((w / 2, 0.13 * h), state, font=f, fill=colour, anchor="mm")
        if rng.random() < 0.6:
            slogan = rng.choice(SLOGANS)
            f = _fit_font(small, slogan, 0.5 * w, 0.1 * h)
            draw.text((w / 2, 0.91 * h), slogan, font=f, fill=(40, 40, 120), anchor="mm")
    elif style == "eu" and rng.random() < 0.85:
        band = int(0.085 * w)
        draw.rectangle((0, 0, band, h), fill=(20, 50, 170))
        f = _fit_font(small, "D", 0.7 * band, 0.28 * h)
        draw.text(
            (band / 2, 0.72 * h), rng.choice(EU_CODES), font=f, fill=(240, 240, 240), anchor="mm"
        )
        left = band + 0.03 * w
    elif style == "in" and rng.random() < 0.4:
        f = _fit_font(small, "IND", 0.07 * w, 0.15 * h)
        draw.text((0.02 * w, 0.55 * h), "IND", font=f, fill=(20, 50, 160), anchor="lm")
        left = 0.1 * w
    font_path = rng.choice(fonts)
    if style == "cn" and cjk is not None:
        # The province glyph is drawn in the CJK font, the rest in the Latin one.
        glyph, rest = drawn[0], drawn[1:]
        f = _fit_font(font_path, rest, (right - left) * 0.82, bottom - top)
        g = _font(cjk, int(f.size))
        gw = g.getbbox(glyph)[2] + 0.04 * w
        x1, y1, x2, y2 = f.getbbox(rest)
        total = gw + (x2 - x1)
        x0 = (w - total) / 2
        draw.text((x0, h / 2), glyph, font=g, fill=fg, anchor="lm")
        draw.text((x0 + gw, h / 2), rest, font=f, fill=fg, anchor="lm")
        box = (int(x0), int(h / 2 - (y2 - y1) / 2), int(x0 + total), int(h / 2 + (y2 - y1) / 2))
    else:
        if style == "cn":
            drawn = drawn[1:]
        f = _fit_font(font_path, drawn, right - left, (bottom - top) * rng.uniform(0.8, 1.0))
        cx, cy = (left + right) / 2, (top + bottom) / 2
        draw.text((cx, cy), drawn, font=f, fill=fg, anchor="mm")
        x1, y1, x2, y2 = draw.textbbox((cx, cy), drawn, font=f, anchor="mm")
        box = (int(x1), int(y1), int(x2), int(y2))
    if rng.random() < 0.5:  # screws
        for sx in (0.25 * w, 0.75 * w):
            sy = rng.choice((0.08, 0.92)) * h if style != "us" else 0.1 * h
            r = 0.03 * h
            draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(120, 120, 120))
    return FlatPlate(np.asarray(image), label, box)
