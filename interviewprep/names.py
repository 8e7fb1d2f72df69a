"""Names people choose: invisible characters removed, look-alikes detected.

`clean_line` is for one-line texts others see (kit titles, rounds, link labels, loop names):
NFKC, then every format character (Unicode category Cf: bidi overrides and isolates, zero-width
spaces and joiners, soft hyphens, tag characters) removed, so "‮txt.exe" shows as it is stored.

`skeletons` are for usernames: two names with a common skeleton look alike (Latin "alice",
Cyrillic "аlice", "Alice", "AIice" with a capital I). Characters are mapped to one member of their
class in Unicode's confusables data (UTS #39, via confusable-homoglyphs), closed transitively;
two skeletons, case folded before and after mapping, catch both "Alice"/"AIice" and "BOB"/"bob".
"""

import functools
import unicodedata

from confusable_homoglyphs import utils as homoglyph_data

# Direction marks that the confusables data wraps right-to-left homoglyphs in.
_MARKS = str.maketrans("", "", "\u200e\u200f")


def clean_line(text: str) -> str:
    """NFKC without format characters (bidi controls, zero-width characters), spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.split())


@functools.cache
def _prototypes() -> dict[str, str]:
    """Each confusable character's class representative (ASCII first, then lowest code point)."""
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        parent.setdefault(c, c)
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for char, glyphs in homoglyph_data.load("confusables.json").items():
        for glyph in glyphs:
            other = glyph["c"].translate(_MARKS)
            if len(char) == 1 and len(other) == 1:
                parent[find(char)] = find(other)
    classes: dict[str, list[str]] = {}
    for c in list(parent):
        classes.setdefault(find(c), []).append(c)
    result = {}
    for members in classes.values():
        representative = min(members, key=lambda m: (not m.isascii(), ord(m)))
        for member in members:
            result[member] = representative
    return result


def _mapped(text: str) -> str:
    prototypes = _prototypes()
    return "".join(prototypes.get(c, c) for c in text)


def skeletons(username: str) -> set[str]:
    """The forms under which a username is compared with others for looking alike."""
    text = clean_line(username)
    return {_mapped(text).casefold(), _mapped(_mapped(text.casefold()).casefold())}
