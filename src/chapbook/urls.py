"""Web addresses as books need them: valid for EPUB and PDF readers, and short enough to type from paper."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit

# What a URL may not hold as written (WHATWG's URL standard, which epubcheck applies): spaces,
# controls, these ASCII signs, and a "%" that starts no escape. Letters beyond ASCII may stay.
_MUST_ESCAPE = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})')


def _escape(text: str, also: str = "") -> str:
    pattern = _MUST_ESCAPE if not also else re.compile(f"{_MUST_ESCAPE.pattern}|[{re.escape(also)}]")
    return pattern.sub(lambda match: "".join(f"%{byte:02X}" for byte in match[0].encode("utf-8")), text)


def valid_url(href: str) -> str | None:
    """The link as a reading system accepts it, or None if nothing can be made of it.

    Blogs hold addresses browsers forgive: "https://x/y###" (an empty fragment, with extra #), a space
    or a "|" in a query. Such characters are percent-encoded, an empty fragment is dropped, and a "#"
    inside a fragment is escaped, so the address leads where the browser went."""
    try:
        parts = urlsplit(href.strip())
    except ValueError:  # "http://[broken" has no host anyone could reach
        return None
    fragment = parts.fragment.lstrip("#")
    return urlunsplit((parts.scheme, _escape(parts.netloc), _escape(parts.path), _escape(parts.query),
                       _escape(fragment, also="#")))


# Query parameters that only tell an advertiser where a reader came from: on paper they are
# characters to type for nothing. Names are compared in lower case; a name ending in "*" is a prefix.
TRACKING_PARAMETERS = (
    "utm_*", "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "mc_cid", "mc_eid", "mkt_tok", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",
    "igshid", "igsh", "ref_src", "ref_url", "vero_id", "oly_anon_id", "oly_enc_id", "rb_clickid", "_ga", "_gl",
    "s_cid", "wickedid",
)
# "si" is a share-tracking token on these hosts only; elsewhere it may mean something.
TRACKING_BY_HOST = {"youtu.be": ("si",), "youtube.com": ("si",), "music.youtube.com": ("si",),
                    "open.spotify.com": ("si",)}


def _is_tracking(name: str, host: str) -> bool:
    name = unquote(name).lower()
    return name in TRACKING_BY_HOST.get(host, ()) or any(
        name.startswith(known[:-1]) if known.endswith("*") else name == known for known in TRACKING_PARAMETERS)


def printable_address(href: str) -> str:
    """The address a reader of the paper book types: the link's own, less its tracking parameters."""
    try:
        parts = urlsplit(href)
    except ValueError:
        return href
    if not parts.query:
        return href
    host = (parts.hostname or "").removeprefix("www.")
    # Each parameter is kept as written: decoding and encoding again could change what the site reads.
    kept = [pair for pair in re.split(r"[&;]", parts.query) if pair and not _is_tracking(pair.split("=", 1)[0], host)]
    return urlunsplit(parts._replace(query="&".join(kept)))
