#!/usr/bin/env python3
"""Write a book folder of generated essays, for benchmarks at the size of a long book.

    python benchmarks/generate.py OUT [--essays 560] [--seed 11]

The text is made here from small word lists and sentence patterns, never copied from anywhere. Every
essay has front matter (title, date, weight) and 950-1,400 words (1,130 on average) in paragraphs of
varied length; most have `###` sections, some open (or open a section) with a verse epigraph (lines
broken with `<br>`, stanzas, a `--` source line), some carry footnotes or a `---` break. The same seed
writes the same bytes, so a benchmark's input does not change between runs. At 560 essays, on the 5.5 x
8.5 in trim, the naive render sets 2,259 pages and chapbook 2,488 (recto chapter openings, its wider
gutter): about four pages an essay, the size of the 2,300-page book the targets speak of.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
from pathlib import Path

SUBJECTS = (
    "the ferryman", "my neighbour", "the old clock", "a stranger on the platform", "my sister", "the night porter",
    "the baker across the square", "a girl with a kite", "the landlady", "my grandfather", "the postman",
    "the lighthouse keeper", "a dog with one ear", "the woman at the library desk", "the choir master",
    "my oldest friend", "the boy next door", "a tired waiter", "the shepherd", "the mechanic", "the orchard owner",
    "a woman selling lemons", "the harbour master", "my first teacher", "the bus driver", "the cobbler",
)
THINGS = (
    "a letter", "the lamp", "an umbrella", "the kettle", "a map of the coast", "a jar of buttons", "the garden gate",
    "a bicycle", "the radio", "a bundle of keys", "the last train", "an apple", "a winter coat", "the ledger",
    "a broken compass", "the window box", "a pair of gloves", "the piano", "a paper boat", "the attic ladder",
    "a basket of pears", "the weathervane", "a tin of tea", "the wall calendar", "a photograph", "the stairwell",
    "a sack of flour", "the canal", "an old atlas", "the tide table", "a bowl of soup", "the hedge",
)
PLACES = (
    "by the river", "on the hill road", "at the edge of town", "in the kitchen", "under the bridge",
    "at the market", "in the station hall", "behind the chapel", "along the sea wall", "in the back garden",
    "on the top deck of the bus", "at the allotments", "in the reading room", "near the ferry steps",
    "in the orchard", "on the roof", "at the crossroads", "in the cellar", "beside the canal lock",
)
TIMES = (
    "before dawn", "after supper", "in the small hours", "one wet Tuesday", "late in October", "at first light",
    "the winter the pipes froze", "every Sunday", "when the clocks went back", "long after midnight",
    "in the spring of that year", "on the longest day", "while the kettle boiled", "at closing time",
)
VERBS = (
    "carried", "mended", "forgot", "painted", "counted", "buried", "borrowed", "described", "folded", "kept",
    "lost", "found", "sold", "measured", "wrapped", "returned", "weighed", "polished", "rescued", "opened",
    "dropped", "repaired", "named", "watched", "planted", "hid", "lent", "traded", "remembered", "praised",
)
ADJECTIVES = (
    "quiet", "patient", "crooked", "borrowed", "amber", "salt-stained", "unhurried", "narrow", "faded", "bright",
    "stubborn", "ordinary", "lopsided", "gentle", "restless", "cold", "familiar", "small", "careful", "ragged",
    "half-finished", "silver", "warm", "heavy", "forgotten", "luminous", "plain", "slow",
)
ABSTRACTS = (
    "patience", "memory", "habit", "luck", "silence", "grief", "kindness", "distance", "weather", "waiting",
    "work", "home", "attention", "forgiveness", "rest", "courage", "routine", "belonging", "mending", "hunger",
)
FEELINGS = (
    "I still do not know why", "nobody asked", "it seemed important at the time", "I have thought about it since",
    "the neighbours were watching", "nothing else would do", "it was the only way I knew",
    "the light was going", "the rain had stopped", "I had promised", "it felt like the end of something",
)
REFLECTIONS = (
    "{abstract} is mostly a matter of {abstract}, I think, though I could not have said so then.",
    "There is a kind of {abstract} that only arrives {time}.",
    "I have come to believe that {abstract} and {abstract} are the same thing seen from different sides.",
    "Nobody teaches you {abstract}; you learn it from {subject}, or you do not learn it at all.",
    "What I remember is not the event but the {adjective} {abstract} that came after it.",
    "It is easy to mistake {abstract} for {abstract}, and I made that mistake for years.",
    "Perhaps every house keeps its own {abstract}, the way a shell keeps the sound of the sea.",
)
SAYINGS = (
    "Leave it where it is", "You will want that later", "Nothing keeps", "The tide does not wait for anybody",
    "Come back when it is dark", "Every road goes home in the end", "That is not yours to mend",
    "Keep the receipt", "Mind the third step", "Some things are better left unfinished", "It will come right",
)
VERSE_LINES = (
    "Carry {thing} down to the water", "Nobody is waiting, nobody near", "Light in the {place_word} and bread on the table",
    "Tell the {adjective} river the names of the hours", "Keep me a candle, keep me a chair",
    "Somebody's singing the {adjective} songs of the harbour", "Lay down {thing} and lay down the day",
    "The {adjective} moon on the roof of the station", "Rain on the {place_word}, rain on the sill",
    "Who will remember the {adjective} evenings", "Salt on the window and frost on the stair",
    "Walk with me slowly, {thing} is heavy", "All of the lamps in the town going out",
)
PLACE_WORDS = ("orchard", "harbour", "chapel", "kitchen", "hill road", "market", "garden", "platform", "attic")
SINGERS = ("The Lamplighters", "Harbour Street Choir", "Maud and the Ferrymen", "The Small Hours Band",
           "Old Tom Pellow", "The Weathervanes", "Ada Carrow", "The Canal Singers")
WORDS = {
    "subject": SUBJECTS, "thing": THINGS, "place": PLACES, "time": TIMES, "verb": VERBS, "adjective": ADJECTIVES,
    "abstract": ABSTRACTS, "feeling": FEELINGS, "place_word": PLACE_WORDS,
}
SMALL_WORDS = {"a", "an", "the", "of", "in", "on", "at", "by", "and", "to", "with", "under", "near", "along", "across"}
TITLE_PATTERNS = (
    "The {Adjective} {Thing}", "On {Abstract}", "{Abstract} {Place}", "A Note on {Abstract}",
    "The {Thing} {Place}", "{Time_cap}", "What {Subject_cap} {Verb}", "Against {Abstract}",
    "In Praise of {Abstract}", "The Year of the {Thing}",
)
NOTES = (
    "I have since been told that this is not true, by three people, each with a different version.",
    "{thing} is still there, as far as I know, though {subject} says otherwise.",
    "This was before anyone I knew owned {thing}, which matters more than it sounds.",
    "That is the {adjective} word for it, and I have not found a better one.",
    "The date is a guess; the weather I am sure of.",
)


class Writer:
    """Sentences, paragraphs and essays from one seeded random source."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def pick(self, words: tuple[str, ...]) -> str:
        return self.random.choice(words)

    def fill(self, pattern: str) -> str:
        """Each `{kind}` in the pattern replaced by its own pick, so two adjectives differ."""
        return re.sub(r"\{(\w+)\}", lambda match: self.pick(WORDS[match.group(1)]), pattern)

    def sentence(self) -> str:
        kind = self.random.random()
        if kind < 0.45:
            text = self.fill("{subject} {verb} {thing} {place}")
            if self.random.random() < 0.5:
                text += self.fill(", {time}")
            if self.random.random() < 0.35:
                text += self.fill(", because {feeling}")
            text += "."
        elif kind < 0.65:
            text = self.fill("{time}, {subject} {verb} {thing} and then {verb} it")
            if self.random.random() < 0.5:
                text += self.fill(" -- {adjective}, {adjective}, and {place}")
            text += "."
        elif kind < 0.85:
            text = self.fill(self.pick(REFLECTIONS))
        elif kind < 0.95:
            text = f"\"{self.pick(SAYINGS)},\" {self.pick(SUBJECTS)} said."
        else:
            text = self.fill("Was it {abstract}, or only {abstract}?")
        text = text[0].upper() + text[1:]
        if self.random.random() < 0.08:  # a word in italics now and then
            words = text.split(" ")
            at = self.random.randrange(1, len(words))
            if re.fullmatch(r"[a-z]{5,}", words[at]):
                words[at] = f"*{words[at]}*"
            text = " ".join(words)
        return text

    def paragraph(self) -> str:
        # Mostly middling paragraphs, some of one or two sentences, a few long ones.
        count = self.random.choice((1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 10, 12))
        return " ".join(self.sentence() for _ in range(count))

    def verse(self) -> str:
        stanzas = [[self.fill(self.pick(VERSE_LINES)) for _ in range(self.random.choice((2, 3, 4)))]
                   for _ in range(self.random.choice((1, 1, 2)))]
        lines: list[str] = []
        for number, stanza in enumerate(stanzas):
            if number:
                lines[-1] += "<br>"  # two breaks in a row: a new stanza
            lines.extend(f"{line}<br>" for line in stanza)
        lines.append(f"-- {self.pick(SINGERS)}, \"{self.fill(self.pick(VERSE_LINES)).split(',')[0]}\"")
        return "\n".join(f"> {line}" for line in lines)

    def title(self) -> str:
        pattern = self.pick(TITLE_PATTERNS)
        text = pattern.format(
            Adjective=self.pick(ADJECTIVES), Thing=self.pick(THINGS).split(" ", 1)[-1], Abstract=self.pick(ABSTRACTS),
            Place=self.pick(PLACES), Time_cap=self.pick(TIMES), Subject_cap=self.pick(SUBJECTS), Verb=self.pick(VERBS),
        )
        words = text.split(" ")
        return " ".join(w if i and w in SMALL_WORDS else w[0].upper() + w[1:] for i, w in enumerate(words))

    def essay(self, title: str, date: dt.date, weight: int) -> str:
        target = self.random.randint(930, 1130)  # the last paragraph overshoots it by ~80
        blocks: list[str] = []
        notes: list[str] = []
        words = 0
        if self.random.random() < 0.25:
            blocks.append(self.verse())  # the chapter's epigraph
        sections = self.random.choice((0, 2, 3, 3, 4, 5))
        section_at = sorted(self.random.sample(range(3, 18), sections)) if sections else []
        number = 0
        while words < target:
            number += 1
            if section_at and number == section_at[0]:
                section_at.pop(0)
                blocks.append(f"### {self.title()}")
                if self.random.random() < 0.2:
                    blocks.append(self.verse())  # the section's epigraph
            elif number > 4 and self.random.random() < 0.02:
                blocks.append("---")
            paragraph = self.paragraph()
            if len(notes) < 3 and self.random.random() < 0.03:
                notes.append(self.fill(self.pick(NOTES)))
                paragraph = paragraph.replace(".", f"[^{len(notes)}].", 1)
            blocks.append(paragraph)
            words += len(paragraph.split())
        blocks.extend(f"[^{n}]: {note[0].upper() + note[1:]}" for n, note in enumerate(notes, 1))
        front = f'+++\ntitle = "{title}"\ndate = {date.isoformat()}\nweight = {weight}\n+++\n'
        return front + "\n" + "\n\n".join(blocks) + "\n"


BOOK_TOML = '''title = "A Thousand Small Hours"
author = "Benchmark Press"
language = "en-GB"
trim = "5.5x8.5in"
theme = "classic"
description = """Generated essays for timing chapbook: the size of a long book, with sections, verse and footnotes."""
'''


def write_book(out: Path, essays: int, seed: int) -> None:
    writer = Writer(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "book.toml").write_text(BOOK_TOML, encoding="utf-8")
    date = dt.date(2010, 1, 4)
    titles: set[str] = set()
    width = len(str(essays))
    for weight in range(1, essays + 1):
        title = writer.title()
        while title in titles:  # the same title twice would read as a mistake in the contents
            title = writer.title()
        titles.add(title)
        date += dt.timedelta(days=writer.random.randint(3, 12))
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        (out / f"{weight:0{width}d}-{slug}.md").write_text(writer.essay(title, date, weight), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder to write book.toml and the essays into")
    parser.add_argument("--essays", type=int, default=560, help="how many essays (default: 560)")
    parser.add_argument("--seed", type=int, default=11, help="the random seed (default: 11)")
    args = parser.parse_args()
    write_book(args.out, args.essays, args.seed)
    print(f"wrote {args.essays} essays into {args.out}")


if __name__ == "__main__":
    main()
