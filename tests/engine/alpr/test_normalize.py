"""Regional formats, look-alike fixes only where the format wants the other kind, fold keys."""

from __future__ import annotations

import pytest

from engine.alpr.normalize import REGIONS, expand_pattern, fold_key, normalize


@pytest.mark.parametrize(
    ("raw", "region", "expected", "fixes"),
    [
        ("4XXF538", "us", "4XXF538", 0),
        ("4XX F538", "us", "4XXF538", 0),
        ("AXXF538", "us", "AXXF538", 0),  # vanity: A is no look-alike, kept as it is
        ("4XXF5B8", "us", "4XXF588", 1),  # B where a digit belongs
        ("ABC 1Z34", "us", "ABC1234", 1),
        ("A8I2CDE", "eu", "AB12CDE", 2),  # 8 where a letter, I where a digit belongs
        ("I4XXF538", "us", "4XXF538", 0),  # one spurious leading character dropped
        ("AB12 CDE", "eu", "AB12CDE", 0),
        ("A812CDE", "eu", "AB12CDE", 1),
        ("AB-123-CD", "eu", "AB123CD", 0),
        ("1234 BCD", "eu", "1234BCD", 0),
        ("B MW 1234", "eu", "BMW1234", 0),
        ("MH12AB1234", "in", "MH12AB1234", 0),
        ("MH I2 AB 1234", "in", "MH12AB1234", 1),
        ("DL01C1234", "in", "DL01C1234", 0),
        ("22BH1234AA", "in", "22BH1234AA", 0),
        ("A373H7", "cn", "A373H7", 0),
        ("BA383N7", "cn", "A383N7", 0),  # province glyph read as B, trimmed
        ("K9 4711", "generic", "K94711", 0),
        ("4XXF538", "auto", "4XXF538", 0),
        ("AB12CDE", "auto", "AB12CDE", 0),
        ("MH12AB1234", "auto", "MH12AB1234", 0),
        ("OG12 ABC", "auto", "OG12ABC", 0),
    ],
)
def test_normalize(raw, region, expected, fixes):
    fit = normalize(raw, region)
    assert fit is not None and fit.text == expected and fit.fixes == fixes


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("AUTOHAUSSCHEIER", "auto"),  # dealer frame text: no digit, too long
        ("Calfonuia", "auto"),  # the state name
        ("OO", "auto"),
        ("4XX!F538?", "in"),  # fits no Indian layout
        ("AB12CDE", "in"),
        ("1234567890123", "generic"),
    ],
)
def test_not_a_plate(raw, region):
    assert normalize(raw, region) is None


def test_unknown_region_is_an_error():
    with pytest.raises(ValueError, match="unknown plate region"):
        normalize("4XXF538", "mars")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("4XXF538", "4xx-f538", True),
        ("AB12CDE", "A812CDE", True),
        ("OO12", "0012", True),
        ("S1ZG", "5126", True),
        ("I1", "11", True),
        ("4XXF538", "4XXF539", False),
        ("ABC", "ABD", False),
    ],
)
def test_fold_key(a, b, same):
    assert (fold_key(a) == fold_key(b)) is same


def test_every_region_has_formats_and_auto():
    assert "auto" in REGIONS and {"us", "eu", "in", "generic"} <= set(REGIONS)
    assert expand_pattern("L{1,2}D") == ("LD", "LLD")


def test_policy_hmac_and_reader_share_one_folded_key():
    """A plate stored redacted is matched through the HMAC of this key: the privacy policy and
    the reader must fold identically."""
    from engine.security.policy import fold_plate

    for text in ("4XXF538", "4xx-f5S8", "B0ZIG", "ÄB 12"):
        assert fold_plate(text) == fold_key(text)
