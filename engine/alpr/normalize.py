"""Plate text normalisation by regional formats, with position-aware look-alike fixes.

A format is a pattern over character kinds: `L` letter, `D` digit, `A` either, each optionally
repeated `{m,n}`. A read is cleaned (uppercase, letters and digits only), then matched position
by position: a letter where the format wants a digit (or the reverse) is converted only if it
is a known look-alike (O/0, I/1, B/8, S/5, Z/2, G/6); anything else rejects that format. The
`auto` region tries every format and keeps the best score. When a read fits no format of a
region, one spurious character at either end (a frame screw, a province glyph) may be dropped.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from engine.domain.plate import LOOKALIKE_TO_DIGIT, fold_plate_key

LETTER_TO_DIGIT = LOOKALIKE_TO_DIGIT
DIGIT_TO_LETTER = {digit: letter for letter, digit in LETTER_TO_DIGIT.items()}
FIX_COST = 0.85  # score factor per converted character
TRIM_COST = 0.8  # score factor per dropped end character
GENERIC_MIN_DIGITS = 1  # a plate with no digit at all is almost always other text

# (pattern, weight): specific layouts outrank loose ones; `generic` is the last resort.
REGION_FORMATS: dict[str, tuple[tuple[str, float], ...]] = {
    "us": (
        ("DLLLDDD", 1.0),  # California 4ABC123
        ("LLLDDDD", 1.0),  # New York, Texas, Pennsylvania ABC1234
        ("LLLDDD", 0.9),
        ("DDDLLL", 0.9),
        ("DLLDDD", 0.8),
        ("DDDDDD", 0.7),
        ("A{5,7}", 0.55),  # vanity and other state layouts
    ),
    "eu": (
        ("LLDDLLL", 1.0),  # United Kingdom AB12CDE
        ("LLDDDLL", 1.0),  # France, Italy AB123CD
        ("DDDDLLL", 1.0),  # Spain 1234BCD
        ("L{2,5}D{1,4}", 0.85),  # Germany B MW 1234, Poland, Austria
        ("A{5,8}", 0.55),
    ),
    "in": (
        ("LLDDLLDDDD", 1.0),  # MH12AB1234
        ("LLDDLDDDD", 1.0),  # DL01C1234
        ("LLDDLLLDDDD", 0.95),
        ("DDLLDDDDLL", 0.95),  # Bharat series 22BH1234AA
        ("LLDDDDDD", 0.7),
    ),
    # Mainland China after the province glyph, which a Latin recogniser cannot read: kept
    # below the US/EU layouts of the same length so `auto` prefers those.
    "cn": (("LAAAAA", 0.6),),
    "generic": (("A{4,10}", 0.5),),
}
REGIONS = (*REGION_FORMATS, "auto")
_TOKEN = re.compile(r"([LDA])(?:\{(\d+),(\d+)\})?")


@dataclass(frozen=True)
class NormalizedPlate:
    """A read that fits a regional format: text after fixes, per-char probabilities, score."""

    text: str
    region: str
    pattern: str
    score: float
    char_probs: tuple[float, ...]
    fixes: int


@cache
def expand_pattern(pattern: str) -> tuple[str, ...]:
    """All fixed-length kind strings a pattern allows: 'L{1,2}D' -> ('LD', 'LLD')."""
    pieces = []
    for kind, low, high in _TOKEN.findall(pattern):
        counts = range(int(low), int(high) + 1) if low else range(1, 2)
        pieces.append([kind * n for n in counts])
    return tuple("".join(p) for p in itertools.product(*pieces))


def clean(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())


def _cleaned_probs(text: str, probs: Sequence[float] | None) -> tuple[str, tuple[float, ...]]:
    if probs is None or len(probs) != len(text):
        probs = [1.0] * len(text)
    kept = [
        (ch.upper(), p) for ch, p in zip(text, probs, strict=True) if ch.isascii() and ch.isalnum()
    ]
    return "".join(c for c, _ in kept), tuple(p for _, p in kept)


def fit_kinds(text: str, kinds: str) -> tuple[str, int] | None:
    """Convert look-alikes so `text` fits `kinds`; None when some character cannot fit."""
    out, fixes = [], 0
    for ch, kind in zip(text, kinds, strict=True):
        if kind == "A" or (kind == "L") == ch.isalpha():
            out.append(ch)
            continue
        swapped = LETTER_TO_DIGIT.get(ch) if kind == "D" else DIGIT_TO_LETTER.get(ch)
        if swapped is None:
            return None
        out.append(swapped)
        fixes += 1
    return "".join(out), fixes


def _match_region(text: str, probs: tuple[float, ...], region: str) -> NormalizedPlate | None:
    # Ends are trimmed only when the whole read fits nothing: a read that is a valid plate as
    # it stands is never shortened into a stricter layout.
    for trims in ((0, 0),), ((1, 0), (0, 1)), ((1, 1),):
        best: NormalizedPlate | None = None
        for trim_start, trim_end in trims:
            body = text[trim_start : len(text) - trim_end]
            body_probs = probs[trim_start : len(probs) - trim_end]
            for pattern, weight in REGION_FORMATS[region]:
                for kinds in expand_pattern(pattern):
                    if len(kinds) != len(body) or (fitted := fit_kinds(body, kinds)) is None:
                        continue
                    fixed, fixes = fitted
                    if sum(ch.isdigit() for ch in fixed) < GENERIC_MIN_DIGITS:
                        continue
                    score = weight * FIX_COST**fixes * TRIM_COST ** (trim_start + trim_end)
                    if best is None or score > best.score:
                        best = NormalizedPlate(fixed, region, pattern, score, body_probs, fixes)
        if best is not None:
            return best
    return None


def normalize(
    text: str, region: str = "auto", char_probs: Sequence[float] | None = None
) -> NormalizedPlate | None:
    """Best format fit of a raw read in `region` (or every region for `auto`); None if none fits."""
    if region not in REGIONS:
        raise ValueError(f"unknown plate region {region!r}; known: {', '.join(REGIONS)}")
    cleaned, probs = _cleaned_probs(text, char_probs)
    regions = list(REGION_FORMATS) if region == "auto" else [region]
    fits = [fit for r in regions if (fit := _match_region(cleaned, probs, r)) is not None]
    return max(fits, key=lambda fit: fit.score, default=None)


def fold_key(text: str) -> str:
    """Key for watchlist and fuzzy matching, shared with the privacy policy's HMAC."""
    return fold_plate_key(text)
