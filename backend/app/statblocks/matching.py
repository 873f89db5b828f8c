"""Name matching for stat block search: the exact name, names that start with the
text, names with a word that does, names that contain it, then near misses
(typos), each tier sorted by name (near misses by fewest edits, then fewest
words, first: "skeletn" finds Skeleton before Minotaur Skeleton).

Pure functions over lower-cased names. The edit distance is RapidFuzz's optimal
string alignment (Damerau-Levenshtein without repeated edits: a swapped pair of
letters is one edit), run in C over the distinct words of the candidates, so the
cost grows with the vocabulary more than with the number of names.

A near miss: every word of the query matches a word of the name (in any order),
either as its beginning or, for words of four letters or more, within a few edits
of the whole word or of its beginning (so a word still being typed matches too).
Words of four to seven letters forgive one edit, longer ones two; shorter words
must begin a word of the name, as a one-letter slip in three letters is another
word. "gobln" finds Goblin, "bugbaer" Bugbear, "adult red dragn" Adult Red Dragon.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

EXACT, PREFIX, WORD_PREFIX, CONTAINS, NEAR = range(5)

_WORD = re.compile(r"[^\W_]+")
# Names split into words on anything but letters and digits ("werewolf, human form"):
# str.translate and split, several times faster than a regex over every name.
_SEPARATORS = str.maketrans({c: " " for c in string.punctuation})


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def allowed_edits(word: str) -> int:
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


def forgives(text: str) -> bool:
    """Whether a search for ``text`` may find near misses at all (it has a word of
    four letters or more): if not, the substring tiers are the whole answer."""
    return any(allowed_edits(w) for w in words(text))


def _substring_tier(text: str, name: str) -> int | None:
    if name == text:
        return EXACT
    if name.startswith(text):
        return PREFIX
    if " " + text in name:
        return WORD_PREFIX
    if text in name:
        return CONTAINS
    return None


def _close_words(word: str, vocabulary: list[str]) -> dict[str, int]:
    """The vocabulary's words that ``word`` matches, with the edits it takes."""
    close = {v: 0 for v in vocabulary if v.startswith(word)}
    edits = allowed_edits(word)
    if not edits:
        return close
    # A word still being typed: the beginnings of the vocabulary's words, as long as
    # the query word give or take the edits it forgives.
    lengths = range(max(1, len(word) - edits), len(word) + edits + 1)
    heads = [[v[:cut] for v in vocabulary] for cut in lengths]
    for choices in (vocabulary, *heads):
        for _, distance, i in process.extract(
            word, choices, scorer=OSA.distance, score_cutoff=edits, limit=None
        ):
            found = vocabulary[i]
            close[found] = min(int(distance), close.get(found, edits))
    return close


def pieces(text: str) -> list[list[str]]:
    """A cheap test a database can run first: a name can match ``text`` only if,
    for every word of the query, it contains one of that word's pieces.

    The pieces of a word that forgives k edits are its k+1 parts and those of the
    word with the letters at each boundary swapped: k edits leave at least one part
    untouched unless one of them swaps letters across a boundary, which the swapped
    spelling undoes. A word forgiving nothing is its own only piece."""
    out: list[list[str]] = []
    for word in words(text):
        edits = allowed_edits(word)
        if not edits:
            out.append([word])
            continue
        cuts = [len(word) * i // (edits + 1) for i in range(1, edits + 1)]
        spellings = [word] + [word[: c - 1] + word[c] + word[c - 1] + word[c + 1 :] for c in cuts]
        found: dict[str, None] = {}
        for spelling in spellings:
            bounds = [0, *cuts, len(spelling)]
            for a, b in itertools.pairwise(bounds):
                found[spelling[a:b]] = None
        out.append(list(found))
    return out


def rank(text: str, names: Sequence[tuple[str, str]]) -> list[str]:
    """The ids of the (id, lower-cased name) pairs matching ``text``, best first:
    by tier, then (near misses) fewest edits and fewest words, then name and id."""
    text = text.lower()
    found: list[tuple[int, int, int, str, str]] = []
    rest: list[tuple[str, str, list[str]]] = []
    query_words = words(text)
    fuzzy = any(allowed_edits(w) for w in query_words)
    for block_id, name in names:
        tier = _substring_tier(text, name)
        if tier is not None:
            found.append((tier, 0, 0, name, block_id))
        elif fuzzy:
            rest.append((block_id, name, name.translate(_SEPARATORS).split()))
    if rest:
        vocabulary = list({w for *_, name_words in rest for w in name_words})
        close = [_close_words(w, vocabulary) for w in query_words]
        for block_id, name, name_words in rest:
            total = 0
            for matches in close:
                best = min((matches[w] for w in name_words if w in matches), default=None)
                if best is None:
                    break
                total += best
            else:
                found.append((NEAR, total, len(name_words), name, block_id))
    found.sort()
    return [block_id for *_, block_id in found]
