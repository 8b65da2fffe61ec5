"""A small, valid ICC v2 CMYK output profile, written from nothing, for the PDF/X-4 tests.

Printers' own profiles (FOGRA39, GRACoL, SWOP) may not be redistributed, so the tests make one:
a naive press (C, M, Y take away R, G, B; K darkens all) described by lut16 tables, enough for
Little CMS to convert pictures with and for a PDF to carry as its output intent.
"""

from __future__ import annotations

import struct

D50 = (0.9642, 1.0, 0.8249)
# Linear sRGB to XYZ, adapted to D50 (Bradford), as the ICC's profile connection space wants.
RGB_TO_XYZ = ((0.4360747, 0.3850649, 0.1430804), (0.2225045, 0.7168786, 0.0606169), (0.0139322, 0.0971045, 0.7141733))


def _inverse(m: tuple) -> tuple:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return ((( e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det),
            ((f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det),
            ((d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det))


XYZ_TO_RGB = _inverse(RGB_TO_XYZ)


def _linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _gamma(v: float) -> float:
    v = min(1.0, max(0.0, v))
    return 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def _lab_from_rgb(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    lin = [_linear(v) for v in rgb]
    xyz = [sum(RGB_TO_XYZ[r][c] * lin[c] for c in range(3)) / D50[r] for r in range(3)]
    f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def _rgb_from_lab(lab: tuple[float, float, float]) -> tuple[float, float, float]:
    L, a, b = lab
    fy = (L + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200
    xyz = [(t ** 3 if t ** 3 > 216 / 24389 else (116 * t - 16) / (24389 / 27)) * D50[i] for i, t in enumerate((fx, fy, fz))]
    return tuple(_gamma(sum(XYZ_TO_RGB[r][c] * xyz[c] for c in range(3))) for r in range(3))


def _encode_lab(lab: tuple[float, float, float]) -> list[int]:
    """ICC v2 16-bit Lab: L 0..100 → 0..0xFF00, a and b -128..127.996 → 0..0xFFFF."""
    L, a, b = lab
    clamp = lambda v: max(0, min(0xFFFF, round(v)))  # noqa: E731
    return [clamp(L * 0xFF00 / 100), clamp((a + 128) * 256), clamp((b + 128) * 256)]


def _grid(inputs: int, points: int):
    if inputs == 0:
        yield ()
        return
    for first in range(points):
        for rest in _grid(inputs - 1, points):
            yield (first / (points - 1), *rest)


def _lut16(inputs: int, outputs: int, points: int, function) -> bytes:
    identity = (1, 0, 0, 0, 1, 0, 0, 0, 1)
    data = b"mft2" + bytes(4) + struct.pack(">BBBB", inputs, outputs, points, 0)
    data += b"".join(struct.pack(">i", v * 65536) for v in identity)
    data += struct.pack(">HH", 2, 2)
    data += struct.pack(">HH", 0, 0xFFFF) * inputs
    for point in _grid(inputs, points):
        data += struct.pack(f">{outputs}H", *function(point))
    data += struct.pack(">HH", 0, 0xFFFF) * outputs
    return data


def _cmyk_to_lab(point: tuple) -> list[int]:
    c, m, y, k = point
    return _encode_lab(_lab_from_rgb(((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))))


def _lab_to_cmyk(point: tuple) -> list[int]:
    L, a, b = point[0] * 100, point[1] * 255 - 128, point[2] * 255 - 128
    r, g, bl = _rgb_from_lab((L, a, b))
    k = 1 - max(r, g, bl)
    if k >= 1:
        return [0, 0, 0, 0xFFFF]
    return [round(v * 0xFFFF) for v in ((1 - r - k) / (1 - k), (1 - g - k) / (1 - k), (1 - bl - k) / (1 - k), k)]


def _text(kind: bytes, text: str) -> bytes:
    if kind == b"desc":
        ascii_text = text.encode("ascii") + b"\0"
        return (b"desc" + bytes(4) + struct.pack(">I", len(ascii_text)) + ascii_text
                + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + bytes(67))
    return b"text" + bytes(4) + text.encode("ascii") + b"\0"


def cmyk_profile(name: str = "chapbook test press (not for real printing)") -> bytes:
    """The profile's bytes."""
    white = b"XYZ " + bytes(4) + b"".join(struct.pack(">i", round(v * 65536)) for v in D50)
    tags = [
        (b"desc", _text(b"desc", name)),
        (b"cprt", _text(b"text", "No copyright, use freely")),
        (b"wtpt", white),
        (b"A2B0", _lut16(4, 3, 5, _cmyk_to_lab)),
        (b"B2A0", _lut16(3, 4, 9, _lab_to_cmyk)),
        (b"gamt", _lut16(3, 1, 2, lambda point: [0])),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        while len(data) % 4:
            data += b"\0"
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"prtr" + b"CMYK" + b"Lab "
    header += struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"APPL" + struct.pack(">I", 0) + bytes(4)
    header += struct.pack(">I", 0) + bytes(8) + struct.pack(">I", 0)
    header += b"".join(struct.pack(">i", round(v * 65536)) for v in D50) + b"lcms" + bytes(16) + bytes(28)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body
