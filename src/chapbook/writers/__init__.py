"""The writing half: a read Book → files. epub/ and pdf/ write the two editions, cover/ the covers;
pagemap.py carries the print edition's pages into the EPUB's page list, render.py the templates all share.

Nothing is imported here: each writer loads only what it uses."""
