"""What a book holds besides its text, which reading checks and every writer sets: pictures (their true
types, the bytes each format wants, SVG made safe), formulas (LaTeX → MathML → SVG paths) and the
fallback fonts behind every theme.

Nothing is imported here, so that reading a picture's type does not load the math fonts."""
