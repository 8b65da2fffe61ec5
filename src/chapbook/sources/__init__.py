"""Reading essays: finding the files, their front matter and their metadata."""

from .essays import SourceEssay, find_essays, read_essay

__all__ = ["SourceEssay", "find_essays", "read_essay"]
