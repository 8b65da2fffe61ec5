"""chapbook: a writer's essays in, a print-ready PDF and a clean EPUB out."""

__version__ = "0.1.0"
