"""Text normalisation shared by the local scorer and its gates.

Lower case, HTML tags and entities and mojibake removed, stop words dropped, a small suffix
stemmer, synonyms folded (``_CANON``), character 3..5-grams, and a spelling-tolerant word match
(one edit, or a shared six-letter prefix). Plain standard library; every function is pure.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from . import checks

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each either etc even ever every few for from further get gets got had hadn
    has hasn have haven having he her here hers herself him himself his how however i if in into
    is isn it its itself just let lets like ll may me might more most much must mustn my myself
    need no nor not now of off on once one only or other others our ours ourselves out over own
    per quite rather re really s same say says shall shan she should shouldn since so some such
    t than that thats the their theirs them themselves then there these they thing things this
    those though through thus to too under until up upon us use used uses using ve very via was
    wasn way we well were weren what whatever when where whereas whether which while who whom
    whose why will with within without won would wouldn yes yet you your yours yourself
    yourselves basically actually generally usually simply please
    """.split()
)
# "not"/"no" carry meaning in answers ("does not return a value"), but in lexical overlap they
# mostly add noise; they stay out of the content words.

_HTML = re.compile(r"<[^>]{0,40}>|&[a-z]+;|&#\d+;", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:\+\+|#)?|\d+(?:\.\d+)?")

# A few spelling variants and abbreviations that name the same thing.
_CANON = {
    "c++": "cpp", "c#": "csharp", "cplusplus": "cpp", "f#": "fsharp",
    "behaviour": "behavior", "behaviours": "behavior", "initialise": "initialize",
    "func": "function", "funct": "function", "fn": "function", "var": "variable",
    "vars": "variable", "param": "parameter", "params": "parameter", "arg": "argument",
    "args": "argument", "obj": "object", "ptr": "pointer", "addr": "address",
    "mem": "memory", "char": "character", "chars": "character", "int": "integer",
    "ints": "integer", "bool": "boolean", "init": "initialize", "def": "define",
    "ref": "reference", "refs": "reference", "db": "database", "dbs": "database",
    "info": "information", "config": "configuration", "env": "environment",
    "dir": "directory", "auth": "authentication", "approx": "approximately",
    "min": "minimum", "max": "maximum", "num": "number", "no.": "number",
    "1st": "first", "2nd": "second", "3rd": "third", "w/": "with", "b/c": "because",
}

_STEM_SUFFIXES = (
    "izations", "ization", "isations", "isation", "ational", "fulness", "iveness", "ousness",
    "ations", "ation", "ements", "ement", "ments", "ment", "ingly", "ities", "ness", "ings",
    "ing", "edly", "ities", "ity", "ies", "ied", "ers", "er", "ed", "ly", "izes", "ized",
    "ize", "ises", "ised", "ise", "ives", "ive", "ables", "able", "ibles", "ible", "als", "al",
    "es", "s",
)
_KEEP_S = ("ss", "us", "is", "ys")
_stem_cache: dict[str, str] = {}


def stem(word: str) -> str:
    """A light suffix stemmer (Porter-like, one pass): compiles/compiled/compiler -> compil."""
    cached = _stem_cache.get(word)
    if cached is not None:
        return cached
    out = word
    if len(word) > 3 and word.isalpha():
        for suffix in _STEM_SUFFIXES:
            if out.endswith(suffix) and len(out) - len(suffix) >= 3:
                if suffix == "s" and out.endswith(_KEEP_S):
                    break
                if suffix in ("ies", "ied", "ities"):
                    out = out[: -len(suffix)] + "i"
                else:
                    out = out[: -len(suffix)]
                break
        if len(out) > 3 and out.endswith("e"):
            out = out[:-1]
        if len(out) > 3 and out[-1] == out[-2] and out[-1] not in "aeiouls":
            out = out[:-1]
        if out.endswith("y") and len(out) > 3:
            out = out[:-1] + "i"
    if len(_stem_cache) < 200_000:
        _stem_cache[word] = out
    return out


def clean_text(text: str) -> str:
    """Lower case, HTML tags/entities and non-ASCII debris removed."""
    text = _HTML.sub(" ", text or "")
    text = text.encode("ascii", "ignore").decode("ascii")
    return text.lower()


def content_words(text: str) -> list[str]:
    """Content words as written (canonicalised, stop words removed, *not* stemmed)."""
    out = []
    for raw in _TOKEN.findall(clean_text(text)):
        raw = _CANON.get(raw, raw)
        if raw in STOP_WORDS or (len(raw) < 2 and not raw.isdigit()):
            continue
        out.append(raw)
    return out


def tokens(text: str) -> list[str]:
    """Content tokens: normalised, stop words removed, stemmed."""
    return [stem(word) for word in content_words(text)]


NGRAM_SIZES = (3, 4, 5)


def char_ngrams(words: Sequence[str]) -> set[str]:
    """Character 3..5-grams of the content words joined by spaces (robust to typos/morphology)."""
    text = " " + " ".join(words) + " " if words else ""
    out: set[str] = set()
    for n in NGRAM_SIZES:
        for i in range(len(text) - n + 1):
            out.add(text[i : i + n])
    return out


def _one_edit(a: str, b: str) -> bool:
    """True if a and b differ by at most one insertion, deletion or substitution."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] if la == lb else a[i:] == b[i + 1 :]


def _soft_match(word: str, ans: set[str], ans_long: list[str]) -> bool:
    """The (stemmed) reference word is in the answer, or a long word within one edit or sharing
    its first six letters (misspellings, other derivations: "recursiv"/"recursion")."""
    if word in ans:
        return True
    if len(word) < 5:
        return False
    for a in ans_long:
        if _one_edit(word, a) or (len(word) >= 6 and len(a) >= 6 and word[:6] == a[:6]):
            return True
    return False


def split_key_points(reference: str) -> list[str]:
    """Key points of a reference: its sentences, long sentences further split at ; and ,."""
    points: list[str] = []
    for sentence in checks.sentences(reference):
        clauses = [c.strip(" ,;:-") for c in re.split(r";|,\s+(?:and\s+|but\s+|whereas\s+)?|\s+whereas\s+|\s+but\s+", sentence)]
        clauses = [c for c in clauses if c]
        if len(clauses) > 1 and all(len(tokens(c)) >= 2 for c in clauses):
            points.extend(clauses)
        elif tokens(sentence):
            points.append(sentence.strip())
    if not points and reference.strip():
        points = [reference.strip()]
    return points
