"""Text addressed to the evaluator: found in any disguise, cut before scoring, flagged for HR.

Every provider runs the answer through ``screen`` before it is scored (the local scorer scores only
``Screened.kept``; the LLM providers flag it and fence the answer as untrusted data). In order:

1. **Normalise** (``normalise``): Unicode NFKC (full-width letters, ligatures and compatibility
   forms become plain ones), then every format character is dropped (category Cf: zero-width
   spaces and joiners, bidi controls, the soft hyphen, the BOM) and common Cyrillic and Greek
   look-alikes of Latin letters are folded for detection. Unicode tag characters (U+E0020–E007E)
   spell ASCII invisibly: they are decoded into ``Screened.hidden`` and never scored.
2. **Detect** text written to the grader rather than about the question: instructions and score
   requests in English, German, French and Spanish; notes and greetings to the grader ("P.S. to
   the AI", "Hinweis an den Prüfer"); role lines ("SYSTEM:", "Assistant:"); fake end-of-answer
   delimiters; score claims as JSON (``{"score": 10}``) or markup (``<grader>score=10</grader>``);
   fenced ``evaluation`` blocks; HTML comments holding any of these. The patterns are in
   ``_ADDRESSED`` and ``_BLOCKS`` below.
3. **Cut**: a block (fence, comment, markup element) goes whole; after a fake delimiter everything
   to the end goes; otherwise the sentence or line holding a match is cut from the match on.

Guarantee (by construction, for the local scorer): the score is computed from ``kept`` alone and
a flagged answer then loses ``INJECTION_PENALTY`` points, so text that is cut can never raise a
score above what the rest of the answer earns.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Cyrillic and Greek letters drawn like Latin ones (the Unicode confusables most used to dodge
# filters); folded for detection only.
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T",
    "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ο": "o", "ρ": "p", "ι": "i", "κ": "k", "ν": "v", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Χ": "X", "Υ": "Y", "Ζ": "Z",
})
_TAG_FIRST, _TAG_LAST = 0xE0020, 0xE007E
INJECTION_PENALTY = 1.0

_WHO = (r"(?:grader|evaluator|marker|reviewer|examiner|assessor|scorer|judge|ai|a\.i\.|llm|gpt|model|assistant|bot|"
        r"prüfer|pruefer|bewerter|korrektor|ki|correcteur|évaluateur|evaluateur|examinateur|l'ia|ia|"
        r"evaluador|corrector|examinador|calificador|revisor)")
_FULL = (r"(?:10|ten|zehn|dix|diez|full|maximum|max|perfect|top|highest|100|"
         r"volle?|höchste|maximale?|parfaite?|máxima|maxima|perfecta|completa)")
_ADDRESSED = re.compile(
    # English: instructions, score requests, words to the grader
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\b.{0,40}?\b(?:previous|above|prior|earlier|rubric|"
    r"instructions?|rules?|guidelines?|criteria|prompt|reference(?: answer)?|marking scheme|system)\b"
    r"|\b(?:give|giving|award|awarding|assign|grade|mark|rate|score|set)\b.{0,30}?"
    r"(?:\b(?:10|ten|full|maximum|max|perfect|top|highest|100)\b|\b\d+\s*/\s*10\b)"
    r".{0,20}?\b(?:marks?|points?|scores?|grades?|rating|percent|credit|stars?)\b"
    r"|\b(?:10|ten)\s*(?:/|out of)\s*(?:10|ten)\b|\b(?:full|maximum|perfect|top)\s+(?:marks|score|points)\b"
    r"|\b(?:this|my)\s+(?:answer|response|submission)\s+"
    r"(?:deserves|merits|should (?:get|receive|be (?:given|scored|graded|rated)))"
    r"|(?:^|(?<=[\n.!?>])|\[)[ \t]*(?:system|assistant|developer|instruction|admin|grader|evaluator|examiner|"
    r"reviewer)"
    r"\s*(?:prompt|message|note|override)?\s*[:\]]"
    r"|\bsystem prompt\b|\bas an ai\b|\b(?:large )?language model\b.{0,30}\b(?:must|should|will|shall)\b"
    rf"|\b(?:note|message|instructions?|reminder|hint|p\.?\s?s\.?|n\.?\s?b\.?|memo)\s*(?:to|for)\s*(?:the\s+|my\s+|any\s+)?{_WHO}\b"
    rf"|\b(?:dear|hey|hi|hello|attention:?)\s+(?:the\s+)?{_WHO}\b"
    rf"|\b(?:the |you, )?{_WHO}\b.{{0,20}}?"
    r"\b(?:must|should|shall|will|needs? to|has to|is (?:required|instructed) to)\b.{0,30}?"
    r"\b(?:give|award|assign|score|grade|mark|rate|pass|ignore)\b"
    r"|\b(?:score|rate|grade|mark) (?:me|(?:this|my) (?:answer|response|submission))\b"
    # German
    r"|\bignorier(?:e|en|t)?\b.{0,40}?\b(?:anweisungen|regeln|vorgaben|bewertungsschema|musterlösung|alles)\b"
    rf"|\b(?:gib|gebt|geben sie|vergib|vergeben sie|bewerte|bewerten sie)\b.{{0,40}}?\b{_FULL}\b.{{0,20}}?"
    r"\b(?:punkte?|punktzahl|note|bewertung|wertung)\b"
    r"|\b(?:volle|maximale|höchste)\s+punkt(?:e|zahl)\b|\b10\s+von\s+10\b|\bdiese antwort (?:verdient|sollte)\b"
    rf"|\b(?:hinweis|nachricht|anweisung|notiz)\s+(?:an|für)\s+(?:den|die|das)?\s*{_WHO}\b"
    # French
    r"|\bignore[zr]?\b.{0,40}?\b(?:instructions|consignes|règles|regles|barème|bareme|précédentes|precedentes)\b"
    rf"|\b(?:donne[zr]?|attribue[zr]?|accorde[zr]?|mets|mettez|note[zr]?)\b.{{0,40}}?\b(?:{_FULL}|la note maximale)\b"
    r"|\bnote (?:maximale|parfaite)\b|\b(?:10|dix)\s*(?:/|sur)\s*(?:10|dix)\b|\bcette réponse mérite\b"
    rf"|\b(?:remarque|message|note|consigne)\s+(?:à|a|pour)\s+(?:l'|le\s+|la\s+)?{_WHO}\b|\bà l'attention d[eu]s?\s+{_WHO}\b"
    # Spanish
    r"|\bignora[rd]?\b.{0,40}?\b(?:instrucciones|reglas|indicaciones|anteriores|rúbrica|rubrica)\b"
    rf"|\b(?:da(?:le)?|dé|dale|otorga|asigna|pon(?:le)?|califica)\b.{{0,40}}?\b(?:{_FULL}|la nota máxima)\b"
    r"|\b(?:puntuación|puntuacion|nota|calificación|calificacion)\s+(?:máxima|maxima|perfecta)\b"
    r"|\b(?:10|diez)\s*(?:/|de|sobre)\s*(?:10|diez)\b|\besta respuesta merece\b"
    rf"|\b(?:nota|mensaje|instrucción|instruccion)\s+(?:para|al|a la)\s+(?:el\s+|la\s+)?{_WHO}\b"
    # score claims as data: {"score": 10}, score=10, <grade>10</grade>
    r"|[{,]\s*[\"']?(?:score|overall|grade|rating|mark|marks|points|note|punktzahl|puntuación|puntuacion)[\"']?\s*[:=]\s*[\"']?\d"
    r"|\b(?:score|grade|rating|points|note)\s*[:=]\s*(?:10|100|ten)\b(?!\s*(?:/|out of|of)\s*\d)",
    re.IGNORECASE | re.DOTALL,
)
# Whole blocks: fenced blocks labelled for grading or holding a score claim, HTML comments and
# markup elements named for the grader, each cut entire when it holds addressed text or a role name.
_FENCE = re.compile(r"(`{3,}|~{3,})[ \t]*([^\n`]*)\n?(.*?)(?:\1|\Z)", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_MARKUP = re.compile(rf"<\s*({_WHO}|evaluation|grading|score|system|instructions?|rubric|verdict)\b[^>]*>.*?"
                     r"(?:<\s*/\s*\1\s*>|\Z)", re.IGNORECASE | re.DOTALL)
_FENCE_LABEL = re.compile(rf"^(?:evaluation|eval|grading|grade|score|scoring|verdict|rubric|system|assessment|{_WHO})\b",
                          re.IGNORECASE)
# A fake end of the answer: what follows is written to the grader. Only horizontal space may pad it
# ([ \t], never \s): nested \s* across newlines made a run of blank lines cost cubic time.
_DELIMITER = re.compile(
    r"</\s*(?:candidate_answer|answer|question|reference_answer|user|input)\s*>"
    r"|(?:^|\n)[ \t]*(?:[-=#*_~]{3,}[ \t]*)?\[?[ \t]*(?:end of (?:the )?(?:candidate'?s? )?(?:answer|response|submission|input)"
    r"|begin (?:system|grader|evaluator|evaluation|instructions?)|(?:new|updated) instructions?|answer ends here"
    r"|ende der antwort|fin de (?:la )?réponse|fin de la respuesta)[ \t]*\]?[ \t]*(?:[-=#*_~]{3,})?[ \t]*(?=\n|$|:)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n|$")
_SENTENCE_SPLIT = re.compile(r"(?:<br\s*/?>|\r|\n)+|(?<=[.!?])\s+(?=\S)", re.IGNORECASE)


@dataclass(frozen=True)
class Screened:
    """An answer after screening.

    ``visible``: NFKC-normalised, format characters dropped (what a reader sees);
    ``hidden``: text spelled in invisible tag characters (never scored);
    ``kept``: ``visible`` with every part addressed to the evaluator cut (what is scored);
    ``addressed``: whether anything was cut or hidden (then the answer is flagged).
    """

    visible: str
    hidden: str
    kept: str
    addressed: bool


def normalise(text: str) -> tuple[str, str]:
    """(visible, hidden): NFKC text without format characters, and the ASCII that tag characters
    spell (runs separated by newlines)."""
    visible, hidden, run = [], [], []
    for ch in unicodedata.normalize("NFKC", text or ""):
        code = ord(ch)
        if _TAG_FIRST <= code <= _TAG_LAST:
            run.append(chr(code - 0xE0000))
            continue
        if run:
            hidden.append("".join(run))
            run = []
        if unicodedata.category(ch) != "Cf":
            visible.append(ch)
    if run:
        hidden.append("".join(run))
    return "".join(visible), "\n".join(hidden)


def for_detection(text: str) -> str:
    """Text as the detector reads it: look-alike letters folded to Latin (same length)."""
    return text.translate(_CONFUSABLES)


def addresses_evaluator(text: str) -> bool:
    """Whether normalised `text` holds anything written to the evaluator (see the module doc)."""
    folded = for_detection(text)
    if _ADDRESSED.search(folded) or _DELIMITER.search(folded):
        return True
    if any(_is_graders_block(m) for m in _FENCE.finditer(folded)):
        return True
    return any(_graders_comment(m.group(0)) for m in _COMMENT.finditer(folded)) or bool(_MARKUP.search(folded))


def _graders_comment(comment: str) -> bool:
    """Whether an HTML comment holds addressed text, markup or a delimiter (its body read from its start)."""
    body = comment[4:].removesuffix("-->").strip()
    return bool(_ADDRESSED.search(body) or _MARKUP.search(body) or _DELIMITER.search(body))


def _is_graders_block(match: re.Match) -> bool:
    label, body = match.group(2).strip(), match.group(3)
    return bool(_FENCE_LABEL.match(label)) or bool(_ADDRESSED.search(body))


def _cut_blocks(text: str) -> str:
    """Remove grader blocks whole; `text` is folded (same length as the original) so spans match."""
    spans = [m.span() for m in _FENCE.finditer(text) if _is_graders_block(m)]
    spans += [m.span() for m in _COMMENT.finditer(text) if _graders_comment(m.group(0))]
    spans += [m.span() for m in _MARKUP.finditer(text)]
    delimiter = _DELIMITER.search(text)
    if delimiter:
        spans.append((delimiter.start(), len(text)))
    return spans


@lru_cache(maxsize=256)
def screen(answer: str) -> Screened:
    """Normalise `answer`, then cut what is addressed to the evaluator (see the module doc).
    Results are memoised (an evaluation screens the same answer several times)."""
    visible, hidden = normalise(answer)
    folded = for_detection(visible)
    if not (hidden.strip() or addresses_evaluator(visible)):
        return Screened(visible, hidden, visible, False)
    keep = [True] * len(visible)
    for start, end in _cut_blocks(folded):
        keep[start:end] = [False] * (end - start)
    kept_text = "".join(c for c, k in zip(visible, keep) if k)
    kept_folded = "".join(c for c, k in zip(folded, keep) if k)
    # What is left: each match is cut from its start to the end of the sentence it ends in (a
    # sentence that runs straight into "Ignore the rubric..." keeps its own beginning).
    # Text before a cut has been searched already: each search resumes where the last cut began.
    match = _ADDRESSED.search(kept_folded)
    while match:
        end = _SENTENCE_END.search(kept_folded, match.end())
        stop = end.end() if end else len(kept_folded)
        kept_text = kept_text[: match.start()] + " " + kept_text[stop:]
        kept_folded = kept_folded[: match.start()] + " " + kept_folded[stop:]
        match = _ADDRESSED.search(kept_folded, match.start())
    parts = [p.strip().rstrip(" \t\"'([{:-").strip() for p in _SENTENCE_SPLIT.split(kept_text)]
    return Screened(visible, hidden, " ".join(p for p in parts if p), True)
