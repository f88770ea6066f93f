"""Gates: what an answer must be before its similarity to the reference means anything.

Similarity to a reference rewards words, not answers: a list of the right terms, "idk" padded with
topic words, or a good answer to another question all share vocabulary with something. Each gate
below recognises one such kind of text, names it with a flag (a stable code and the sentence HR
reads) and caps the local score; LLM evaluations get the same gates as a second opinion
(``checks.finalize`` adds a "disagreement" flag when a model scores high what a gate caps low).

=============  =====  ===================================================================
code           cap    recognised by
=============  =====  ===================================================================
empty          0      nothing but non-answers ("idk", "n/a", "?", "pass", "no idea, sorry")
                      in English, German, French or Spanish, fillers and punctuation; or a
                      phrased non-answer in any of a dozen languages: deferring ("I'd have to
                      look that up", "next question please"), not knowing ("I don't remember
                      the details of <topic>", "Non lo so", "不知道") or generic evasion ("it
                      depends on the situation, many factors"), with no clause making a claim
not_prose      1      most words are no word at all (keyboard mash: the words missing from
                      the 30,522-token vocabulary of the shipped sentence vectors and from
                      the question and reference), or the same few words over and over
term_list      3      items of one to three words separated by commas, semicolons, bullets
                      or lines, with hardly any function words: terms, not explanations; or
                      terms dressed as sentences ("X is important. Y matters. Z is key.")
copies_question 2     the question said back (``checks.copies_question`` or only its words,
                      at any length when none of the reference's own words is added); the
                      question pasted word for word is cut before scoring and gating
off_topic      2      about something else: few of its content words occur in the question
                      or reference (lexically, spelling-tolerant) *and* its sentence vector
                      is far from both (cosine); the prose is judged without any appended list.
                      A behavioural or situational question is answered with the candidate's
                      own story or plan: one told in the first person is off topic only when
                      it is nearer another question of the bank than its own
story_unchecked -     a first-person story or plan for a behavioural or situational question
                      that would be off topic by the rule above: not capped (honest stories in
                      their own words look the same to vectors and words), but named for HR
off_topic      3      mostly about other topics: under 40 % of its words in sentences about this
                      question (a cheat sheet of the whole bank, every reference pasted)
=============  =====  ===================================================================

Thresholds were set on the dev split of the grading benchmark (no honest answer there may be
gated: every one is an attempt at its question) and on the challenge set's dev cases
(``bench/challenge.py`` prints both); the figures are in ``bench/challenge.py``'s docstring.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .text import STOP_WORDS, _soft_match, clean_text, content_words, stem
from .types import Flag

EMPTY = Flag(code="empty", message="No answer: the text only says the candidate does not know or skips the question.")
NOT_PROSE = Flag(code="not_prose", message="Not prose: most of the text is not words (keyboard mash or repetition).")
WORD_SALAD = Flag(code="not_prose", message="Not prose: topic words strung together in no sensible order (word salad).")
TERM_LIST = Flag(code="term_list", message="A list of terms with no explanation: naming concepts is not explaining them.")
COPIES_QUESTION = Flag(code="copies_question", message="The answer says the question back and adds nothing of its own.")
NON_ANSWER = Flag(code="empty", message="No answer: the text defers, evades or says it does not know, and makes no "
                  "claim about the question.")
TERM_SENTENCES = Flag(code="term_list", message="A list of terms dressed as sentences (\"X is important. Y matters.\"): "
                      "naming concepts is not explaining them.")
OFF_TOPIC = Flag(code="off_topic", message="Off topic: the answer is about something other than the question.")
STORY_UNCHECKED = Flag(code="story_unchecked", message="A story or plan in the candidate's own words that the local "
                       "scorer could not tie to this question: read it before trusting the score.")
MOSTLY_ELSEWHERE = Flag(code="off_topic", message="Mostly about other topics: most of the answer is not about this "
                        "question, so only a weak score is possible.")
CAPS = {EMPTY.code: 0.0, NOT_PROSE.code: 1.0, TERM_LIST.code: 3.0, COPIES_QUESTION.code: 2.0, OFF_TOPIC.code: 2.0}
# Flags whose cap differs from their code's.
FLAG_CAPS = {MOSTLY_ELSEWHERE.message: 3.0}

# Non-answers, matched on the whole answer after lower-casing and dropping punctuation and fillers.
_NON_ANSWERS = (
    "idk|dunno|i dont know|i do not know|dont know|do not know|not sure|unsure|no idea|no clue|not a clue|"
    "n a|na|none|nothing|nil|null|pass|skip|skipped|next|no answer|not answered|no comment|cant answer|cannot answer|"
    "i cant answer|i cannot answer|i have no idea|ive no idea|i am not sure|im not sure|i dont remember|"
    "forgot|i forgot|tbd|todo|to do|later|will answer later|test|testing|asdf|blank|empty|"
    "weiss nicht|weiß nicht|ich weiss nicht|ich weiß nicht|keine ahnung|k a|ka|keine antwort|"
    "je ne sais pas|je sais pas|aucune idee|aucune idée|sais pas|pas de reponse|pas de réponse|"
    "no se|no sé|ni idea|no tengo idea|sin respuesta|no lo se|no lo sé"
)
_NON_ANSWER = re.compile(rf"^(?:(?:{_NON_ANSWERS})\s*)+$")
_FILLERS = frozenset(
    "sorry so um umm uh hm hmm er well honestly really actually just maybe yeah ok okay oh lol tbh imo ngl i im am "
    "afraid unfortunately here this question about it the to answer for now right at moment leider "
    "desole désolé lo siento perdon perdón".split()
)
_LIST_SPLIT = re.compile(r"[,;|\n•·▪●◦‣\u2022]+|\s[-–—*]\s|\s/\s")
_NON_ANSWER_WORDS = frozenset(re.findall(r"[^\W_]+", _NON_ANSWERS)) | {"really", "know", "sure", "one"}
_NON_ANSWER_SOMEWHERE = re.compile(rf"\b(?:{_NON_ANSWERS})\b|\bdont\b.*\bknow\b|\bnot\b.*\bsure\b")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass
class GateResult:
    """The gates' verdict on one answer: the flags raised and the lowest cap among them (None
    when no gate applies); ``features`` keeps the measured values for reports and tuning."""

    flags: list[Flag] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)

    @property
    def cap(self) -> float | None:
        caps = [FLAG_CAPS.get(f.message, CAPS[f.code]) for f in self.flags if f.code in CAPS]
        return min(caps) if caps else None

    def apply(self, score: float) -> float:
        cap = self.cap
        return score if cap is None else min(score, cap)


def is_empty_ish(text: str) -> bool:
    """Whether `text` holds no answer at all: only non-answers ("idk", "n/a", "keine Ahnung"),
    fillers ("sorry", "honestly") and punctuation, in at most 12 words; code or a formula, however
    short, is an answer."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", (text or "").lower()) if not unicodedata.combining(c))
    words = re.findall(r"[^\W_]+", plain.replace("'", "").replace("’", ""))
    if not words:
        return True
    if len(words) > 12:
        return False
    phrase = " ".join(words)
    if _NON_ANSWER.match(phrase):
        return True
    if re.search(r"[=()\[\]{}<>*+\\\d]", text) or not all(w in _NON_ANSWER_WORDS or w in _FILLERS for w in words):
        return False
    return bool(_NON_ANSWER_SOMEWHERE.search(phrase)) or all(w in _FILLERS for w in words)


# Phrased non-answers: deferring ("I'd have to look that up", "next question please"), not knowing
# ("I don't remember the details of X", "Non lo so", "不知道") and generic evasion ("great question, it
# depends on the situation, there are many factors"). A clause holding one of these says nothing
# about the topic even when it names it; the answer is a non-answer when no other clause makes a
# claim. Each alternative is a fixed phrase or bounded gaps: no nested quantifiers.
_NOT_KNOWING = re.compile(
    r"\b(?:i\s+)?(?:do not|don'?t|dont|did not|didn'?t|cannot|can'?t|can not|could not|couldn'?t)\s+(?:really\s+|quite\s+|"
    r"exactly\s+|fully\s+)?(?:know|remember|recall|say|answer|tell|explain|think of|understand|be sure)\b"
    r"|\b(?:no|not a|any)\s+(?:idea|clue)\b|\bnot (?:really |entirely |completely |100% )?(?:sure|certain|familiar)\b"
    r"|\bunfamiliar\b|\bnever (?:worked|used|dealt|heard|touched|come across|learned|learnt|done)\b"
    r"|\b(?:have not|haven'?t|had not|hadn'?t) (?:worked|used|dealt|heard|touched|come across|learned|learnt|done|"
    r"studied|read)\b|\bnot (?:an? )?expert\b|\b(?:forgot|forgotten|blanking|drawing a blank)\b|\bmind (?:is|went) blank\b"
    r"|\bbeyond me\b|\bout of my depth\b|\bno experience\b|\bnot (?:something|a topic) i\b"
    r"|\bnothing (?:comes|springs|came) to mind\b|\bno (?:example|story|case) (?:comes|springs) to mind\b"
    # deferring
    r"|\b(?:would|'d|will|'ll|need to|needs to|have to|has to|must|should|could|might|let me|i'd like to)\s+"
    r"(?:need to |have to |want to |first |probably |definitely )?"
    r"(?:look (?:it |that |this |them )?up|(?:google|search for|search|research|check|verify|double-check|revisit|"
    r"think about|look into|read up on|read about) (?:it|that|this|them)|read up|get back|come back|brush up|"
    r"refresh my memory|(?:check|consult|read|open|look at|search) (?:the |my )?(?:docs|documentation|manual|notes|"
    r"details|specs?|internet|web|reference))\b"
    r"|\blook (?:it|that|this) up\b|\bcome back to (?:it|that|this|the question)\b|\bget back to you\b"
    r"|\b(?<!the )(?<!a )(?:next|another|different|other) (?:question|one)\b|\bmove on\b"
    r"|\bskip (?:it|this|that|this one|that one)\b"
    r"|^\s*(?:skip|pass)\s*$|\bi(?:'ll| will| would| am going to|'m going to)? pass\b(?!-)|\bpass on (?:this|that|it)\b"
    r"|\b(?:prefer|rather|like) not (?:to )?(?:answer|say|comment)\b|\bno comment\b|\banswer (?:it |this )?later\b"
    # generic evasion and filler
    r"|\b(?:great|good|interesting|tough|excellent|nice|fair|tricky|hard|difficult|big) question\b"
    r"|\bit (?:really |all |always |just )?depends(?:\s+on\s+(?:the\s+|your\s+|a\s+)?(?:situation|context|"
    r"circumstances|case|use case|needs|requirements|project|company|team|many things|a lot of things|"
    r"(?:many|several|various|a lot of|lots of|different) (?:things|factors|aspects)|what you need|who you ask)\b"
    r"|(?=\s*$))"
    r"|\b(?:there are|there's|there is|with|involves) (?:so |just )?(?:many|several|various|a lot of|lots of|numerous|"
    r"multiple|different) (?:factors|things|aspects|considerations|angles|trade-?offs)\b"
    r"|\b(?:many|several|various|a lot of|lots of|numerous|multiple) (?:factors|things|aspects|considerations) "
    r"(?:to|that you|you) (?:consider|take into account|keep in mind|think about|weigh)\b"
    r"|\bthere is no (?:one|single|simple|easy|right|universal) (?:answer|solution|size|way)\b|\bcase by case\b"
    r"|\bevery (?:situation|case|project|team|company) is (?:different|unique)\b|\bhard to say\b|\bit varies\b"
    r"|\b(?:that'?s|that is|this is) (?:a )?(?:complex|complicated|broad|big|deep|wide) (?:topic|subject|area|question)\b"
    # other languages (whole phrases): Italian, Spanish, Portuguese, French, German, Dutch, Polish, Turkish
    r"|\bnon (?:lo )?so\b|\bnon saprei\b|\bnon (?:mi )?ricordo\b|\bnessuna idea\b|\bprossima domanda\b|\bpasso\b"
    r"|\bdovrei (?:controllare|verificare|cercare)\b|\bno (?:lo )?s[eé]\b|\bni idea\b|\bno recuerdo\b"
    r"|\bsiguiente pregunta\b|\btendr[ií]a que (?:buscarlo|consultarlo|revisarlo|mirarlo)\b|\bn[aã]o sei\b"
    r"|\bn[aã]o fa[cç]o ideia\b|\bn[aã]o (?:me )?lembro\b|\bpr[oó]xima pergunta\b|\bje ne sais pas\b|\baucune id[eé]e\b"
    r"|\bquestion suivante\b|\bje ne (?:me )?(?:souviens|rappelle) pas\b|\bje dois v[eé]rifier\b|\bpassons\b"
    r"|\bwei(?:ß|ss) (?:ich )?nicht\b|\bkeine ahnung\b|\bn[aä]chste frage\b|\bnachschlagen\b|\bkann ich nicht sagen\b"
    r"|\b[uü]berspringen\b|\bweet (?:het |ik )?niet\b|\bgeen idee\b|\bvolgende vraag\b|\bopzoeken\b|\bnie wiem\b"
    r"|\bnie pami[eę]tam\b|\bnie mam poj[eę]cia\b|\bnast[eę]pne pytanie\b|\bpomijam\b|\bbilmiyorum\b"
    r"|\bhat[ıi]rlam[ıi]yorum\b|\bsonraki soru\b"
    # Cyrillic, CJK and Korean (no word boundaries in CJK)
    r"|не знаю|не помню|без понятия|понятия не имею|следующий вопрос|пропущу|пропускаю|не уверен"
    r"|不知道|不清楚|不记得|不記得|不确定|不確定|下一题|下一題|下一个问题|下一個問題|跳过|跳過"
    r"|わかりません|分かりません|知りません|次の質問|모르겠|몰라요|다음 질문",
    re.IGNORECASE,
)
# Words a non-answer clause may hold besides its phrase: they make no claim about any topic.
_VAGUE = frozenset(
    "answer answering answers question questions topic subject area detail details specifics documentation docs doc "
    "manual thing things stuff situation context case cases factor factors aspect aspects consideration considerations "
    "moment time now later today right exactly sure know knowing remember recall idea clue honestly really think guess "
    "maybe perhaps probably good great interesting tough excellent nice fair tricky hard difficult big complex "
    "complicated broad deep important depends depend depending consider considering account mind keep many several "
    "various lot lots different numerous multiple one ones first sorry unfortunately please thanks thank point "
    "experience worked work working used use heard familiar expert part bit little look check google search read "
    "next skip move pass come back get again first need needs".split()
)
_CLAUSE_SPLIT = re.compile(r"[.!?;:,\n()\u3002\uff0c\uff1f\uff01]+|\s(?:but|however|although|though|yet|whereas|"
                           r"except|still)\s|\s[-\u2013\u2014]\s", re.IGNORECASE)


def is_non_answer(text: str) -> bool:
    """Whether `text` defers, evades or says it does not know and makes no claim about anything: at
    least one clause says so and no other clause holds two words beyond vague ones ("situation",
    "details", "documentation"), in at most 80 words."""
    if not text or len(_WORD.findall(text)) > 80 or re.search(r"[=(){}\[\]<>*+\\]|\d", text):
        return False
    said_so = False
    for clause in _CLAUSE_SPLIT.split(text):
        if not clause.strip():
            continue
        if _NOT_KNOWING.search(clause):
            said_so = True
            continue
        claim = [w for w in content_words(clause) if w not in _VAGUE and stem(w) not in _VAGUE]
        if len(claim) >= 2:
            return False
    return said_so


# "X is important. Y is also important. Z matters.": a sentence that only names a term and says it
# matters explains nothing; an answer made of them is a list of terms with full stops.
_MATTERS = re.compile(
    r"\b(?:is|are|was|were|seems?|remains?|becomes?)\s+(?:also\s+|very\s+|really\s+|quite\s+|so\s+|super\s+|extremely\s+|"
    r"highly\s+|definitely\s+|especially\s+|too\s+|equally\s+)*(?:an?\s+)?(?:important|key|essential|relevant|crucial|"
    r"critical|vital|significant|necessary|useful|fundamental|central|core|needed|required|worth (?:mentioning|"
    r"noting|knowing)|a (?:factor|consideration|concern|thing|topic|concept)|part of it|involved|helpful|big|major|"
    r"notable|interesting|good|great|nice|powerful|common|popular|standard|related|applicable|a must)\b"
    r"|\b(?:matters?|counts?|helps?|applies|apply)\b|\bplays? (?:a|an|its) (?:\w+ )?(?:role|part)\b"
    r"|\bcomes? (?:into play|up)\b|\b(?:should|must|needs? to|has to|have to) be (?:considered|mentioned|kept in mind|"
    r"remembered|noted|understood|used|known)\b|\bis (?:also )?(?:a )?(?:thing|topic|concept)\b"
    r"|\b(?:think|remember|consider|mention|note) (?:about )?(?:also )?\w+",
    re.IGNORECASE,
)
TERM_SENTENCE_MAX_WORDS = 9   # a sentence this short ...
TERM_SENTENCE_REST = 3        # ... whose content words beyond the "matters" phrase are at most this many
TERM_SENTENCES_MIN = 3        # at least this many such sentences ...
TERM_SENTENCES_SHARE = 0.6    # ... making up this share of the sentences


def term_sentences(text: str) -> tuple[int, float]:
    """(how many, share of the sentences) that only name a term and say it matters."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text or "") if _WORD.search(s)]
    if not sentences:
        return 0, 0.0
    count = 0
    for sentence in sentences:
        words = _WORD.findall(sentence)
        match = _MATTERS.search(sentence)
        if not match or len(words) > TERM_SENTENCE_MAX_WORDS:
            continue
        rest = content_words(sentence[: match.start()] + " " + sentence[match.end():])
        rest = [w for w in rest if w not in _VAGUE]
        if len(rest) <= TERM_SENTENCE_REST:
            count += 1
    return count, count / len(sentences)


def known_word_share(text: str, vocabulary, extra: set[str]) -> float:
    """Share of the words of `text` (letters only) that are real words: in `vocabulary` (a set or
    dict of lower-case words, e.g. the sentence vectors' WordPiece vocabulary) or in `extra`."""
    words = [w.lower() for w in _WORD.findall(text or "")]
    if not words:
        return 0.0
    return sum(1 for w in words if _is_word(w, vocabulary, extra)) / len(words)


def _is_word(word: str, vocabulary, extra: set[str]) -> bool:
    """In the vocabulary or the topic words, or (a misspelling or a derived form) starting with a
    vocabulary word of four letters or more: "programm", "statically"; not "asdf" or "qwer"."""
    if word in vocabulary or word in extra:
        return True
    return len(word) >= 5 and any(word[:k] in vocabulary for k in range(len(word) - 1, 3, -1))


def list_share(text: str) -> tuple[int, float, float]:
    """(items, share of items that are 1-3 words, function-word share of all words) when the
    text is read as a list split at commas, semicolons, bullets, slashes and lines."""
    items = [i.strip() for i in _LIST_SPLIT.split(text or "") if i and i.strip(" .:-")]
    if not items:
        return 0, 0.0, 0.0
    short = sum(1 for i in items if 1 <= len(_WORD.findall(i)) <= 3)
    words = [w.lower() for w in _WORD.findall(text)]
    function = sum(1 for w in words if w in STOP_WORDS) / len(words) if words else 0.0
    return len(items), short / len(items), function


def prose_part(text: str) -> str:
    """The sentences of `text` that are not list items (a paragraph with a list of terms appended
    is judged by its paragraph)."""
    kept = [line for line in re.split(r"\n+", text or "") if not _is_list_line(line)]
    return "\n".join(kept)


def _is_list_line(line: str) -> bool:
    items, short, function = list_share(line)
    return items >= TERM_LIST_ITEMS and short >= TERM_LIST_SHORT and function < TERM_LIST_FUNCTION


def topic_overlap(text: str, topic_stems: set[str]) -> float:
    """Share of the content words of `text` that occur (spelling-tolerant) in the topic words."""
    words = [stem(w) for w in content_words(text)]
    if not words:
        return 0.0
    long_topic = [t for t in topic_stems if len(t) >= 6]
    return sum(1 for w in words if w in topic_stems or _soft_match(w, topic_stems, long_topic)) / len(words)


def repetition(text: str) -> float:
    """Distinct content words over all content words (1.0: no word repeated)."""
    words = content_words(text)
    return len(set(words)) / len(words) if words else 1.0


# Thresholds (see the module doc for how they were set).
OFF_TOPIC_OVERLAP = 0.15    # at most this share of content words from the question or reference ...
OFF_TOPIC_OVERLAP_ALONE = 0.05  # without sentence vectors (LOCAL_EMBEDDINGS=off or no reference)
OFF_TOPIC_COS = 0.30        # ... and a cosine to both the reference and the question below this
OFF_TOPIC_COS_FULL = 0.60   # ... (below this when the reference is a paragraph: FULL_REFERENCE_WORDS)
FULL_REFERENCE_WORDS = 25   # distinct content words in the question and reference together
SALAD_MIN_WORDS = 12        # content words before word order can be judged
SALAD_OVERLAP = 0.85        # nearly all of them topic words ...
SALAD_PAIRS = 0.2           # ... and fewer adjacent pairs than this share found in the question or reference
RESTATE_SHARE = 0.85        # content words from the question
RESTATE_COVERAGE = 0.8      # of the question's content words said back
RESTATE_LENGTH = 2.0        # at most this many times the question's content words
RESTATE_SHARE_LONG = 0.95   # any length: this share of content words from the question ...
RESTATE_COVERAGE_LONG = 0.5  # ... covering this share of its content words
RESTATE_SHARE_BARE = 0.65   # or this share, with no more than RESTATE_EVIDENCE words of the reference's own
RESTATE_EVIDENCE = 0        # (words of the reference that the question does not have)
RESTATE_BARE_WORDS = 8      # in an answer of at least this many content words, when the reference has at
RESTATE_REFERENCE_WORDS = 15  # least this many words of its own (a one-line reference gives too few to miss)
NOT_PROSE_KNOWN = 0.5       # fewer known words than this share
NOT_PROSE_REPEAT = 0.3      # or fewer distinct content words than this share ...
NOT_PROSE_MIN_REPEAT = 24   # ... of this many or more
TERM_LIST_ITEMS = 4
TERM_LIST_SHORT = 0.8
TERM_LIST_FUNCTION = 0.25
OFF_TOPIC_MIN_WORDS = 10    # content words needed before an answer can be judged off topic
OFF_TOPIC_MARGIN = 0.3      # a question-bank reference this much closer than its own: about that instead
SAME_QUESTION = 0.8         # bank entries this close to the question and reference are the question itself


def assess(question: str, reference: str, text: str, encoder=None, vocabulary=None) -> GateResult:
    """The gates on `text` (the answer as scored: normalised, addressed text cut), against the
    question and reference. `encoder` (``embeddings.get_encoder``) adds the vector test of the
    off-topic gate (without it the lexical test decides alone); `vocabulary` (lower-case words)
    defaults to the encoder's and is needed for the keyboard-mash test."""
    result = GateResult()
    f = result.features
    if is_empty_ish(text):
        result.flags.append(EMPTY)
        return result
    if is_non_answer(text):
        result.flags.append(NON_ANSWER)
        return result
    topic_words = set(re.findall(r"[a-z]+", clean_text(f"{question} {reference}")))
    if vocabulary is None:
        vocabulary = encoder.vocabulary if encoder is not None else STOP_WORDS
    f["known"] = known_word_share(text, vocabulary, topic_words)
    f["distinct"] = repetition(text)
    n_words = len(content_words(text))
    n_all = len(_WORD.findall(text))
    if (n_all >= 3 and f["known"] < NOT_PROSE_KNOWN) or (n_words >= NOT_PROSE_MIN_REPEAT and f["distinct"] < NOT_PROSE_REPEAT):
        result.flags.append(NOT_PROSE)
        return result
    items, short, function = list_share(text)
    f["items"], f["short_items"], f["function"] = items, short, function
    # When the reference itself lists terms, a list of terms can be the answer.
    listed_reference = list_share(reference)[1] >= 0.5
    if not listed_reference and items >= TERM_LIST_ITEMS and short >= TERM_LIST_SHORT and function < TERM_LIST_FUNCTION:
        result.flags.append(TERM_LIST)
    n_terms, f["term_sentences"] = term_sentences(text)
    if (not listed_reference and not result.flags and n_terms >= TERM_SENTENCES_MIN
            and f["term_sentences"] >= TERM_SENTENCES_SHARE):
        result.flags.append(TERM_SENTENCES)
    prose = prose_part(text) if result.flags or "\n" in text else text
    if not prose.strip():
        return result
    if is_word_salad(question, reference, text, f):
        result.flags.append(WORD_SALAD)
        return result
    if restates_question(question, text, f, reference):
        result.flags.append(COPIES_QUESTION)
        return result
    topic = {stem(w) for w in content_words(f"{question} {reference}")}
    story = is_story_question(question, reference)
    f["personal"] = personal_share(prose)
    # A story or plan told in the first person answers a behavioural or situational question in its
    # own words: only being nearer another question of the bank than its own makes it off topic.
    personal = story and f["personal"] >= STORY_PERSONAL
    f["overlap"] = topic_overlap(prose, topic)
    if not topic or len(content_words(prose)) < OFF_TOPIC_MIN_WORDS:
        return result
    if encoder is None or not reference.strip():
        if f["overlap"] <= OFF_TOPIC_OVERLAP_ALONE and not personal:  # no vectors: (almost) no words in common
            result.flags.append(OFF_TOPIC)
        return result
    if f["overlap"] <= OFF_TOPIC_OVERLAP or personal:
        vec = encoder.vectors([prose])[0]
        ref, q, both = encoder.cached_vectors([reference, question, f"{question} {reference}"])
        own = max(_dot(vec, ref), _dot(vec, q))
        others = [_dot(vec, v) for v in _impostors(encoder) if _dot(both, v) < SAME_QUESTION]
        f["cos_own"], f["cos_other"], f["topic_words"] = own, max(others, default=-1.0), len(topic)
        # A paragraph-long reference says enough for the vectors to judge on their own; a one-line
        # reference does not (a right answer in other words sits as far from it as a wrong topic), so
        # there an answer must also be nearer to another question of the bank than to its own.
        far = own < (OFF_TOPIC_COS_FULL if len(topic) >= FULL_REFERENCE_WORDS else OFF_TOPIC_COS)
        if (far and not personal and f["overlap"] <= OFF_TOPIC_OVERLAP) or f["cos_other"] >= own + OFF_TOPIC_MARGIN:
            result.flags.append(OFF_TOPIC)
            return result
        if personal and own < OFF_TOPIC_COS_FULL and f["overlap"] <= OFF_TOPIC_OVERLAP:
            # Told in words of its own, an honest story and a story about something else (a hike, a
            # dinner) can sit equally far from the rubric: neither capped nor passed in silence.
            result.flags.append(STORY_UNCHECKED)
    # Mostly about other topics (a cheat sheet of the whole bank, every reference pasted): capped
    # by the share of the answer that is about this question, not by the key terms it covers.
    # Only a paragraph-long reference says enough to tell, sentence by sentence, which topic is meant.
    if len(topic) < FULL_REFERENCE_WORDS:
        return result
    f["on_topic_share"] = topic_share(question, reference, prose, encoder, topic, story)
    if f["on_topic_share"] < ELSEWHERE_SHARE:
        result.flags.append(MOSTLY_ELSEWHERE)
    return result


# Behavioural and situational questions are answered with the candidate's own story or plan, in
# words of its own: their reference describes what a strong answer does ("A strong answer picks a
# genuine failure..."), so sharing words or a sentence vector with it is the wrong test of topic.
_STORY_QUESTION = re.compile(
    r"\b(?:tell (?:us|me) about|describe (?:a|an|the|one) (?:time|situation|project|moment|case|occasion|example|"
    r"challenge|mistake|failure|conflict|decision|experience|problem)|give (?:us |me )?(?:an? )?example|walk (?:us|me) "
    r"through (?:a|an|the)|what would you do|what do you do\b|how would you (?:handle|approach|deal|respond|react|"
    r"proceed|manage|prioriti[sz]e|communicate|tell)|how do you (?:handle|approach|deal|make sure|ensure|stay|keep|"
    r"manage|prioriti[sz]e|communicate|respond)|have you ever|share (?:a|an) (?:time|experience|example|story)|"
    r"a time (?:when|you)|a situation (?:where|when|in which))",
    re.IGNORECASE,
)
_RUBRIC_REFERENCE = re.compile(r"^\s*(?:an? (?:strong|good|great|excellent|ideal|complete) (?:answer|response|candidate)|"
                               r"the (?:candidate|answer) should|look for|expect)", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine|myself|we|we're|we've|we'd|our|us)\b", re.IGNORECASE)
# A story is told in the past, a plan in the conditional or future: "I once built", "we had", "I'd
# roll back", "I will ask". A first-person sentence in the habitual present ("I normally set CPU
# requests") explains a technique instead.
_TOLD = re.compile(r"\b(?:i|we|my \w+|our \w+)\s+(?:\w+\s+){0,2}?(?:\w{3,}ed|was|were|had|did|told|made|went|took|"
                   r"got|found|thought|spent|built|led|wrote|ran|saw|said|knew|gave|became|began|broke|brought|chose|"
                   r"came|felt|kept|left|lost|met|paid|put|sent|shipped|sold|stood|taught|understood|won|would|will|"
                   r"going to)\b|\b(?:i|we)'(?:d|ll)\b|\b(?:once|ago)\b|\blast (?:year|month|week|job|role|team)\b",
                   re.IGNORECASE)
STORY_PERSONAL = 0.4        # share of sentences told in the first person that makes an answer a story or plan


def is_story_question(question: str, reference: str) -> bool:
    """Whether `question` asks for the candidate's own story or plan (behavioural, situational)."""
    return bool(_STORY_QUESTION.search(question or "") or _RUBRIC_REFERENCE.search(reference or ""))


def personal_share(text: str) -> float:
    """Share of the sentences of `text` in the first person ("I", "we", "my team")."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text or "") if _WORD.search(s)]
    if not sentences:
        return 0.0
    return sum(1 for s in sentences if _FIRST_PERSON.search(s) and _TOLD.search(s)) / len(sentences)


def strip_question(question: str, text: str, min_run: int = 6) -> str:
    """`text` without the question said back word for word: every run of at least `min_run` words
    (or the whole question, when shorter) that occurs in the question is cut. The question's own
    words are never evidence of an answer."""
    q_words = re.findall(r"[a-z0-9]+", (question or "").lower())
    if len(q_words) < 3 or not text:
        return text
    need = min(min_run, len(q_words))
    spans = [(m.start(), m.end(), m.group(0).lower()) for m in re.finditer(r"[A-Za-z0-9]+", text)]
    words = [w for _, _, w in spans]
    where: dict[str, list[int]] = {}
    for j, w in enumerate(q_words):
        where.setdefault(w, []).append(j)
    cut = [False] * len(words)
    i = 0
    while i < len(words):
        best = 0
        for j in where.get(words[i], ()):
            k = 0
            while i + k < len(words) and j + k < len(q_words) and words[i + k] == q_words[j + k]:
                k += 1
            best = max(best, k)
        if best >= need:
            cut[i:i + best] = [True] * best
            i += best
        else:
            i += 1
    if not any(cut):
        return text
    out, last = [], 0
    for (start, end, _), c in zip(spans, cut):
        if c:
            out.append(text[last:start])
            last = end
    out.append(text[last:])
    return re.sub(r"[ \t]{2,}", " ", "".join(out)).strip(" \t?.,;:-")


ELSEWHERE_MIN_SENTENCES = 4  # sentences before the share of the answer on its topic is judged
ELSEWHERE_MIN_WORDS = 40     # content words, likewise
ELSEWHERE_SHARE = 0.4        # below this share of content words in sentences about this question: capped
ELSEWHERE_OVERLAP = 0.3      # a sentence with this share of topic words is about this question
ELSEWHERE_MARGIN = 0.1      # ... or one not this much nearer another question of the bank than to this one
ELSEWHERE_GROUPS = 24        # sentences are grouped into at most this many parts (long answers)


def topic_share(question: str, reference: str, text: str, encoder, topic: set[str], story: bool) -> float:
    """Share of the content words of `text` in sentences about this question rather than another:
    a sentence is about it when enough of its words are the topic's, when it is no farther from the
    question and reference than from any other question of the bank, or (for a story question) when
    it is told in the first person. 1.0 when the answer is too short to judge."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text or "") if _WORD.search(s)]
    total = len(content_words(text))
    if len(sentences) < ELSEWHERE_MIN_SENTENCES or total < ELSEWHERE_MIN_WORDS:
        return 1.0
    size = -(-len(sentences) // ELSEWHERE_GROUPS)
    parts = [" ".join(sentences[k:k + size]) for k in range(0, len(sentences), size)]
    ref, q, both = encoder.cached_vectors([reference, question, f"{question} {reference}"])
    others = [v for v in _impostors(encoder) if _dot(both, v) < SAME_QUESTION]
    vectors = encoder.vectors(parts)
    on = 0
    for part, vec in zip(parts, vectors):
        n = len(content_words(part))
        if not n:
            continue
        if topic_overlap(part, topic) >= ELSEWHERE_OVERLAP or (story and _FIRST_PERSON.search(part)
                                                                and _TOLD.search(part)):
            on += n
            continue
        own = max(_dot(vec, ref), _dot(vec, q))
        if own + ELSEWHERE_MARGIN >= max((_dot(vec, v) for v in others), default=-1.0):
            on += n
    return on / total if total else 1.0


def _pairs(text: str) -> list[tuple[str, str]]:
    words = [stem(w) for w in content_words(text)]
    return list(zip(words, words[1:]))


def is_word_salad(question: str, reference: str, text: str, f: dict | None = None) -> bool:
    """Whether `text` strings the topic's words together in no sensible order: nearly all its
    content words are the question's or reference's, yet hardly any two adjacent ones stand side
    by side (in either order) there. Right answers reuse the reference's phrases ("global
    interpreter lock", "rolling update"); a shuffled bag of its words does not. A heuristic with a
    wide margin on the grading benchmark's dev split (no honest answer within 0.2 of the bound)."""
    topic = {stem(w) for w in content_words(f"{question} {reference}")}
    pairs = _pairs(text)
    if len(pairs) + 1 < SALAD_MIN_WORDS or not topic:
        return False
    source = set(_pairs(question)) | set(_pairs(reference))
    source |= {(b, a) for a, b in source}
    kept = sum(1 for p in pairs if p in source) / len(pairs)
    overlap = topic_overlap(text, topic)
    if f is not None:
        f["topic_pairs"] = kept
    return overlap >= SALAD_OVERLAP and kept < SALAD_PAIRS


_ANSWER_WORDS = frozenset("one once only not no none never always zero two both all every".split())


def restates_question(question: str, text: str, f: dict | None = None, reference: str = "") -> bool:
    """Whether `text` says the question back in other words: nearly all its content words are the
    question's (spelling-tolerant), it covers most of them, it is not much longer, and it adds no
    number or answer word ("one", "not", "only") the question lacks."""
    q_stems = {stem(w) for w in content_words(question)}
    words = [stem(w) for w in content_words(text)]
    if len(q_stems) < 3 or len(words) < 3:
        return False
    long_q = [t for t in q_stems if len(t) >= 6]
    in_q = [w for w in words if w in q_stems or _soft_match(w, q_stems, long_q)]
    share, coverage = len(in_q) / len(words), len(set(in_q)) / len(q_stems)
    if f is not None:
        f["question_share"], f["question_coverage"] = share, coverage
    # Said back at any length ("the difference between X and Y is the difference between X-ing and
    # Y-ing..."): nearly every word the question's, most of them used, or most of them the
    # question's and none of the reference's own (what the question does not already say).
    ref_only = {stem(w) for w in content_words(reference)} - q_stems
    long_ref = [t for t in ref_only if len(t) >= 6]
    said_back = set(in_q) | {w for w in words if len(w) >= 3 and any(t.startswith(w) for t in q_stems)}
    evidence = {w for w in words if w not in said_back and (w in ref_only or _soft_match(w, ref_only, long_ref))}
    if f is not None:
        f["reference_evidence"] = len(evidence)
    at_length = (share >= RESTATE_SHARE_LONG and coverage >= RESTATE_COVERAGE_LONG) or (
        len(ref_only) >= RESTATE_REFERENCE_WORDS and share >= RESTATE_SHARE_BARE and coverage >= RESTATE_COVERAGE_LONG
        and len(words) >= RESTATE_BARE_WORDS and len(evidence) <= RESTATE_EVIDENCE)
    if not at_length and (share < RESTATE_SHARE or coverage < RESTATE_COVERAGE
                          or len(words) > RESTATE_LENGTH * len(q_stems)):
        return False
    asked = set(re.findall(r"[a-z0-9]+", question.lower()))
    said = set(re.findall(r"[a-z0-9]+", text.lower()))
    return not any(w.isdigit() or w in _ANSWER_WORDS for w in said - asked)


def _dot(a, b) -> float:
    return sum(x * y for x, y in zip(a, b))


_IMPOSTORS: dict[int, list] = {}


def _impostors(encoder) -> list:
    """Vectors of the question bank's questions with their references (``seed/questions.json``,
    58 questions over many stacks and kinds): what an answer about something else is close to."""
    key = id(encoder)
    if key not in _IMPOSTORS:
        bank = json.loads((Path(__file__).resolve().parent.parent / "seed" / "questions.json").read_text("utf-8"))
        _IMPOSTORS[key] = encoder.vectors([f"{q['text']} {q.get('reference_answer', '')}" for q in bank])
    return _IMPOSTORS[key]
