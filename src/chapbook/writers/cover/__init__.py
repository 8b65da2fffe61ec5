"""The book's covers: the front a reading system shows (an image, front.py) and the print wrap of
back, spine and front on one sheet (wrap.py). Both are one theme design, set with WeasyPrint."""

from .front import front_cover
from .wrap import Wrap, wrap_for, write_wrap

__all__ = ["Wrap", "front_cover", "wrap_for", "write_wrap"]
