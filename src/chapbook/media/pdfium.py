"""PDFium, which draws and reads PDFs for chapbook (pypdfium2), may be called from one thread at a time:
the preview server (chapbook serve) draws pages in one thread while its build, in another, draws the
EPUB's cover and reads the PDF's page labels. Every call that can run beside another holds this lock."""

from __future__ import annotations

import threading

PDFIUM = threading.RLock()
