"""Text addressed to the evaluator: found in any disguise, cut before scoring, flagged for HR.

Every provider runs the answer through ``screen`` before it is scored (the local scorer scores only
``Screened.kept``; the LLM providers flag it and fence the answer as untrusted data). In order:

1. **Normalise** (``normalise``): Unicode NFKC (full-width letters, ligatures and compatibility
   forms become plain ones), then every format character is dropped (category Cf: zero-width
   spaces and joiners, bidi controls, the soft hyphen, the BOM). Unicode tag characters
   (U+E0020–E007E) spell ASCII invisibly: they are decoded into ``Screened.hidden`` and never scored.
2. **Detect** (``_views``): the detector reads the text several ways and runs the same patterns on
   each: look-alikes folded (every Latin look-alike in Unicode's confusables data, small capitals
   and other letters named after a Latin one, accents and combining marks dropped, braille blanks
   and other blanks as spaces), the text as written (Cyrillic, CJK), and each decoding layer that
   changes something: words split across lines joined, letters spelt apart joined ("I g n o r e",
   "i.g.n.o.r.e"), leetspeak, URL-encoding, base64, hex, ROT13, the text reversed. The patterns
   (``_ADDRESSED``, ``_MORE``, ``_BLOCKS``) find instructions and score requests in English, German,
   French, Spanish, Italian, Dutch, Polish, Portuguese, Russian, Chinese, Japanese, Korean and
   Turkish; notes to the grader or to "whoever reviews this", claims that the candidate was
   approved, rubric or policy "updates" from a hiring committee; role-play framing ("let's play a
   game", "you are GradeBot", "stay in character"); role lines ("SYSTEM:"); fake end-of-answer
   delimiters; score claims as JSON, markup, markdown tables, "Q: what score...? A: 10" and
   perfect fractions in any wording ("ten on ten"); fenced ``evaluation`` blocks; HTML comments.
3. **Cut**: a block (fence, comment, markup element, score table) goes whole; after a fake
   delimiter everything to the end goes; otherwise the sentence holding a match is cut from the
   match on (whole, when only up to three words lead into it, or when the match was found in a
   decoding layer). The rest is screened again until nothing is found (a cut can join the halves
   of an instruction).

Guarantee (by construction, for the local scorer): the score is computed from ``kept`` alone and
a flagged answer then loses ``INJECTION_PENALTY`` points, so text that is cut can never raise a
score above what the rest of the answer earns.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Letters drawn like Latin ones, folded for detection only: every character that Unicode's
# confusables data (UTS #39 confusables.txt, via the confusable-homoglyphs package's copy) lists as
# a look-alike of an ASCII letter and that NFKC does not fold already (Cyrillic, Greek, Armenian,
# Cherokee, Lisu, mathematical and other symbols), plus every letter whose Unicode name spells a
# Latin letter (small capitals "ɪɢɴᴏʀᴇ", modifier, subscript, squared, circled and regional
# indicator letters). Generated once (see the module doc); combining marks are dropped separately.
_LOOK_ALIKES = {
    "a": ("\u023a\u0251\u0391\u03b1\u0410\u0430\u13aa\u15c5\u1d00\u1d8f\u1e9a\u237a\u2c65\ua4ee\uab7a\U000102a0\U00016f40"
         "\U0001d6a8\U0001d6c2\U0001d6e2\U0001d6fc\U0001d71c\U0001d736\U0001d756\U0001d770\U0001d790\U0001d7aa\U0001f150"
         "\U0001f170\U0001f1e6"),
    "b": ("\u0180\u0181\u0182\u0183\u0184\u0222\u0223\u0243\u0253\u0299\u0392\u0412\u042c\u09ea\u0a6a\u0b03\u13cf\u13f4"
         "\u1472\u15af\u15f7\u1d6c\u1d80\ua4d0\ua796\ua797\ua7b4\uab9f\U00010282\U000102a1\U00010301\U0001031a\U00010785"
         "\U0001d6a9\U0001d6e3\U0001d71d\U0001d757\U0001d791\U0001d7d6\U0001d7e0\U0001d7ea\U0001d7f4\U0001d7fe\U0001f151"
         "\U0001f171\U0001f1e7\U0001fbf8"),
    "c": ("\u0187\u0188\u023b\u023c\u0255\u03f2\u03f9\u0421\u0441\u13df\u1d04\u1d9d\u2ca4\u2ca5\ua4da\ua792\ua793\ua794"
         "\ua7c4\uabaf\U000102a2\U00010302\U00010415\U0001043d\U0001051c\U000118e9\U000118f2\U0001df1d\U0001f152"
         "\U0001f172\U0001f1e8\U0001f74c"),
    "d": ("\u0110\u0111\u018a\u018b\u018c\u01c5\u01f2\u0221\u0256\u0257\u0501\u13a0\u13e7\u146f\u15de\u15ea\u1d05\u1d6d"
         "\u1d81\u1d91\ua4d2\ua4d3\ua7c7\ua7c8\uab70\uabb7\U0001078b\U0001078c\U0001078d\U0001f153\U0001f173\U0001f1a5"
         "\U0001f1e9"),
    "e": ("\u0246\u0247\u0395\u0415\u0435\u04bd\u13ac\u1d07\u1d92\u212e\u22ff\u2c78\u2d39\ua4f0\uab32\uab34\uab7c"
         "\U00010286\U000118a6\U000118ae\U0001d6ac\U0001d6e6\U0001d720\U0001d75a\U0001d794\U0001f154\U0001f174\U0001f1ea"),
    "f": ("\u017f\u0191\u0192\u03dc\u0584\u15b4\u1d6e\u1d82\u1e9d\ua4dd\ua730\ua798\ua799\uab35\U00010287\U000102a5"
         "\U00010525\U000118a2\U000118c2\U0001d213\U0001d7ca\U0001f155\U0001f175\U0001f1eb"),
    "g": ("\u018d\u0193\u01e4\u01e5\u0260\u0261\u0262\u029b\u050c\u0581\u09ed\u0a67\u0b68\u0d6d\u13c0\u13f3\u1d83\u2cca"
         "\ua4d6\ua76e\ua7a0\ua7a1\uab90\U00010793\U000118ac\U000118cc\U000118d6\U0001d7d7\U0001d7e1\U0001d7eb\U0001d7f5"
         "\U0001d7ff\U0001f156\U0001f176\U0001f1ec\U0001fbf9"),
    "h": ("\u0126\u0127\u0266\u029c\u02b1\u0397\u041d\u04bb\u0570\u13bb\u13c2\u157c\u2c67\u2c68\u2c8e\ua4e7\ua795\ua7aa"
         "\ua7f8\uab8b\uab92\U000102cf\U00010795\U0001d6ae\U0001d6e8\U0001d722\U0001d75c\U0001d796\U0001f157\U0001f177"
         "\U0001f1ed"),
    "i": ("\u0131\u013f\u0141\u0196\u0197\u01c8\u023d\u0268\u0269\u026a\u029f\u02db\u037a\u0399\u03b9\u0406\u0456\u04c0"
         "\u04cf\u13a5\u13de\u1d0c\u1d96\u1da4\u1fbe\u2110\u2111\u2160\u2373\u2c60\u2c62\u2c92\u2cd0\ua647\ua748\ua7ad"
         "\uab75\uff29\U0001041b\U000118a3\U000118b2\U000118c3\U0001d408\U0001d43c\U0001d470\U0001d4d8\U0001d540"
         "\U0001d574\U0001d5a8\U0001d5dc\U0001d610\U0001d644\U0001d678\U0001d6a4\U0001d6b0\U0001d6ca\U0001d6ea\U0001d704"
         "\U0001d724\U0001d73e\U0001d75e\U0001d778\U0001d798\U0001d7b2\U0001df04\U0001df1a\U0001f158\U0001f15b\U0001f178"
         "\U0001f17b\U0001f1ee"),
    "j": ("\u0248\u0249\u029d\u037f\u03f3\u0408\u0458\u13ab\u148d\u1d0a\u1da8\ua4d9\ua7b2\uab7b\U0001f159\U0001f179"
         "\U0001f1ef"),
    "k": ("\u0198\u0199\u039a\u041a\u13e6\u16d5\u1d0b\u1d84\u2c69\u2c6a\u2c94\ua4d7\ua740\ua741\ua742\ua743\ua744\ua745"
         "\ua7a2\ua7a3\uabb6\U00010518\U0001d6b1\U0001d6eb\U0001d725\U0001d75f\U0001d799\U0001f15a\U0001f17a\U0001f1f0"),
    "l": ("\u0140\u0142\u019a\u01c0\u0234\u026b\u026c\u026d\u06f1\u14aa\u16c1\u1d85\u1da9\u1daa\u2223\u23fd\u2c61\u2d4f"
         "\ua4e1\ua4f2\ua749\ua78e\uab37\uab38\uab39\uab5d\uab5e\uabae\uffe8\U0001028a\U00010309\U00010320\U00010526"
         "\U0001079b\U0001079d\U00016f16\U00016f28\U0001d22a\U0001d7cf\U0001d7d9\U0001d7e3\U0001d7ed\U0001d7f7\U0001df11"
         "\U0001df13\U0001f1f1\U0001fbf1"),
    "m": ("\u0271\u039c\u03fa\u041c\u13b7\u15f0\u16d6\u1d0d\u1d6f\u1d86\u1dac\u2c6e\u2c98\ua4df\uab3a\uab87\U000102b0"
         "\U00010311\U0001d6b3\U0001d6ed\U0001d727\U0001d761\U0001d79b\U0001f15c\U0001f17c\U0001f1f2"),
    "n": ("\u019d\u019e\u01cb\u0220\u0235\u0272\u0273\u0274\u039d\u0578\u057c\u1d70\u1d87\u1dae\u1daf\u2c9a\ua4e0\ua790"
         "\ua791\ua7a4\ua7a5\uab3b\U00010513\U0001d6b4\U0001d6ee\U0001d728\U0001d762\U0001d79c\U0001f15d\U0001f17d"
         "\U0001f1f3"),
    "o": ("\u00d8\u00f8\u019f\u01fe\u01ff\u039f\u03bf\u03c3\u041e\u043e\u0555\u0585\u06f5\u0966\u09e6\u0a66\u0ae6\u0b20"
         "\u0b66\u0be6\u0c02\u0c66\u0c82\u0ce6\u0d02\u0d20\u0d66\u0d82\u0e50\u0ed0\u101d\u1040\u10ff\u12d0\u1d0f\u1d11"
         "\u2c7a\u2c9e\u2c9f\u2d54\u3007\ua4f3\ua74a\ua74b\ua74c\ua74d\uab3d\U00010292\U000102ab\U00010404\U0001042c"
         "\U000104c2\U000104ea\U00010516\U000107a2\U000114d0\U000118b5\U000118c8\U000118d7\U000118e0\U0001d6b6\U0001d6d0"
         "\U0001d6d4\U0001d6f0\U0001d70a\U0001d70e\U0001d72a\U0001d744\U0001d748\U0001d764\U0001d77e\U0001d782\U0001d79e"
         "\U0001d7b8\U0001d7bc\U0001d7ce\U0001d7d8\U0001d7e2\U0001d7ec\U0001d7f6\U0001df1b\U0001f15e\U0001f17e\U0001f1f4"
         "\U0001fbf0"),
    "p": ("\u01a4\u01a5\u03a1\u03c1\u03f1\u0420\u0440\u13e2\u146d\u1d18\u1d71\u1d7d\u1d88\u2374\u2c63\u2ca2\u2ca3\ua4d1"
         "\ua750\ua751\ua752\ua753\ua754\ua755\uabb2\U00010295\U0001d6b8\U0001d6d2\U0001d6e0\U0001d6f2\U0001d70c"
         "\U0001d71a\U0001d72c\U0001d746\U0001d754\U0001d766\U0001d780\U0001d78e\U0001d7a0\U0001d7ba\U0001d7c8\U0001f15f"
         "\U0001f17f\U0001f1f5"),
    "q": ("\u024b\u02a0\u051b\u0563\u0566\u2d55\ua756\ua757\ua758\ua759\ua7af\U0001f160\U0001f180\U0001f1f6"),
    "r": ("\u01a6\u024c\u024d\u027c\u027d\u027e\u0280\u0433\u13a1\u13d2\u1587\u1d26\u1d72\u1d73\u1d89\u2c64\u2c85\ua4e3"
         "\ua7a6\ua7a7\uab46\uab47\uab48\uab49\uab71\uab81\uaba2\U000104b4\U000107a8\U000107a9\U00016f35\U0001d216"
         "\U0001df16\U0001f161\U0001f181\U0001f1f7"),
    "s": ("\u01bc\u01bd\u023f\u0282\u0405\u0455\u054f\u13d5\u13da\u1d74\u1d8a\u1db3\u2c7e\ua4e2\ua731\ua7a8\ua7a9\ua7c5"
         "\ua7c9\ua7ca\uaba5\uabaa\U00010296\U00010420\U00010448\U000107ba\U000118bb\U000118c1\U00016f3a\U0001d7d3"
         "\U0001d7dd\U0001d7e7\U0001d7f1\U0001d7fb\U0001df1e\U0001f162\U0001f182\U0001f1f8\U0001fbf5"),
    "t": ("\u0166\u0167\u01ab\u01ac\u01ad\u01ae\u0236\u023e\u0288\u03a4\u0422\u13a2\u1d1b\u1d75\u1db5\u22a4\u27d9\u2c66"
         "\u2ca6\ua4d4\uab72\U00010297\U000102b1\U00010315\U000107af\U000118bc\U00016f0a\U0001d6bb\U0001d6f5\U0001d72f"
         "\U0001d769\U0001d7a3\U0001df09\U0001f163\U0001f183\U0001f1f9\U0001f768"),
    "u": ("\u028b\u03c5\u054d\u057d\u1200\u144c\u1d1c\u1d99\u222a\u22c3\ua4f4\ua79f\ua7b8\ua7b9\uab4e\uab52\uab5f"
         "\U000104ce\U000104f6\U000118b8\U000118d8\U00016f42\U0001d6d6\U0001d710\U0001d74a\U0001d784\U0001d7be\U0001f164"
         "\U0001f184\U0001f1fa"),
    "v": ("\u01b2\u03bd\u0474\u0475\u06f7\u13d9\u142f\u1d20\u1db9\u2228\u22c1\u2c71\u2c74\u2d38\ua4e6\ua6df\ua75e\ua75f"
         "\uaba9\U0001051d\U000107b0\U00011706\U000118a0\U000118c0\U00016f08\U0001d20d\U0001d6ce\U0001d708\U0001d742"
         "\U0001d77c\U0001d7b6\U0001f165\U0001f185\U0001f1fb"),
    "w": ("\u026f\u0461\u051c\u051d\u0561\u13b3\u13d4\u1d21\u2c72\u2c73\ua4ea\uab83\uaba4\U0001170a\U0001170e\U0001170f"
         "\U000118e6\U000118ef\U0001f166\U0001f186\U0001f1fc"),
    "x": ("\u00d7\u03a7\u0425\u0445\u1541\u157d\u166d\u166e\u16b7\u1d8d\u2573\u292b\u292c\u2a2f\u2cac\u2d5d\ua4eb\ua7b3"
         "\uab56\uab57\uab58\uab59\U00010290\U000102b4\U00010317\U00010322\U00010527\U000118ec\U0001d6be\U0001d6f8"
         "\U0001d732\U0001d76c\U0001d7a6\U0001f167\U0001f187\U0001f1fd"),
    "y": ("\u01b3\u01b4\u024e\u024f\u0263\u028f\u03a5\u03b3\u03d2\u0423\u0443\u04ae\u04af\u10e7\u13a9\u13bd\u1d8c\u1efe"
         "\u1eff\u213d\u2ca8\ua4ec\uab5a\uab79\uab8d\U000102b2\U000118a4\U000118dc\U00016f43\U0001d6bc\U0001d6c4"
         "\U0001d6f6\U0001d6fe\U0001d730\U0001d738\U0001d76a\U0001d772\U0001d7a4\U0001d7ac\U0001f168\U0001f188\U0001f1fe"),
    "z": ("\u01b5\u01b6\u0224\u0225\u0240\u0290\u0291\u0396\u13c3\u1d22\u1d76\u1d8e\u1dbc\u1dbd\u2c6b\u2c6c\u2c7f\ua4dc"
         "\ua7c6\uab93\U000102f5\U000118a9\U000118c4\U000118e5\U0001d6ad\U0001d6e7\U0001d721\U0001d75b\U0001d795"
         "\U0001f169\U0001f189\U0001f1ff"),
}
_FOLD = {ch: letter for letter, chars in _LOOK_ALIKES.items() for ch in chars}
# A small capital is the letter its name says ("ʟ" is L, though it looks like an I).
_FOLD.update({ch: m.group(1).lower() for ch in _FOLD
              if (m := re.fullmatch(r"LATIN LETTER SMALL CAPITAL ([A-Z])", unicodedata.name(ch, "")))})
# Characters that read as a space: braille blank, Hangul fillers, and every other space separator.
_BLANKS = frozenset("\u2800\u3164\u115f\u1160\uffa0\u180e")
_TAG_FIRST, _TAG_LAST = 0xE0020, 0xE007E
INJECTION_PENALTY = 1.0

_WHO = (r"(?:grader|evaluator|marker|reviewer|examiner|assessor|scorer|judge|ai|a\.i\.|llm|gpt|model|assistant|bot|"
        r"prüfer|pruefer|bewerter|korrektor|ki|correcteur|évaluateur|evaluateur|examinateur|l'ia|ia|"
        r"evaluador|corrector|examinador|calificador|revisor)")
_FULL = (r"(?:10|ten|zehn|dix|diez|full|maximum|max|perfect|top|highest|100|"
         r"volle?|höchste|maximale?|parfaite?|máxima|maxima|perfecta|completa)")
_ADDRESSED = re.compile(
    # English: instructions, score requests, words to the grader
    r"\b(?:ignore|disregard|forget|override|bypass|skip|overlook|neglect|discard|set aside|pay no attention to|"
    r"do not follow|don't follow|never mind|throw out|drop)\b.{0,40}?\b(?:previous|above|prior|earlier|rubric|"
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
    r"|\b(?:score|grade|rating|points|note)\s*[:=]\s*(?:10|100|ten)\b(?!\s*(?:/|out of|of)\s*\d)"
    # score claims in prose about this very answer: "recommended score for this answer: 10",
    # "my expected grade is 10", "self-assessment for the scoring tool: … 10/10" (a candidate has no
    # reason to name their own grade; a score of something else — a model, a class, a product — is
    # left alone)
    r"|(?:\b(?:recommended|suggested|deserved|proposed|expected|intended|target|fair|correct)\s+"
    r"(?:score|grade|mark|rating)s?\s+(?:for|of|on)\s+(?:this|my)\s+(?:answer|response|submission|reply)"
    r"|\bmy\s+(?:recommended|suggested|deserved|proposed|expected|intended|target|fair)\s+"
    r"(?:score|grade|mark|rating))"
    r"\s*(?:[:=\u2192>-]+|is|would be|should be)?\s*\d"
    rf"|\bself-?assessment\b[^\n]{{0,40}}?\b(?:for|to)\s+(?:the\s+)?(?:scoring\s+tool|{_WHO}\b)"
    r"|\bself-?assessment\b[^\n]{0,80}?\d+\s*(?:/|out of)\s*10\b",
    re.IGNORECASE | re.DOTALL,
)
# More kinds of text written to the grader, each a whole kind rather than one phrasing:
_MORE = re.compile(
    # role-play framing: a game, a persona for the grader, "stay in character"
    r"\b(?:let'?s|let us|we will|we'll|we are going to)\s+(?:play|do|start)\s+(?:a\s+)?(?:little\s+)?"
    r"(?:game|role-?play|roleplay|exercise|simulation)\b"
    r"|\byou are (?:now |no longer |going to be |playing )?(?:an? |the |my )?[\w-]{0,20}"
    r"(?:bot|gpt|grader|evaluator|judge|examiner|marker|scorer|assessor)\b"
    r"|\b(?:pretend|imagine|act|behave|roleplay|role-play)\s+(?:to be|that you are|you are|as|like)\b.{0,40}?"
    r"\b(?:grader|evaluator|bot|ai|model|examiner|judge|marker|scorer|reviewer|assistant|teacher|professor)\b"
    r"|\bstay in (?:character|role)\b|\b(?:from now on|for the rest of this (?:conversation|chat|session)),? you\b"
    r"|\byour (?:new|real|true|actual|secret) (?:role|task|job|instructions?|purpose|mission) (?:is|are|will be)\b"
    r"|\byour instructions (?:are|were|have changed)\b"
    # notes to whoever reviews, approves or grades; claims that the answer was already approved
    r"|\b(?:note|message|reminder|memo|heads[- ]up|info|instructions?)\s+(?:to|for)\s+(?:whoever|whomever|anyone|"
    r"the (?:person|people|one|committee|panel)|those)\b.{0,30}?"
    r"\b(?:review|read|grad|mark|evaluat|assess|scor|check|approv|look)"
    r"|\bto (?:whoever|whomever|anyone who|the person who|the one who)\s+(?:is\s+|will be\s+)?"
    r"(?:reviews?|reviewing|reads?|reading|grades?|grading|marks?|marking|evaluat\w*|assess\w*|scor\w*|check\w*)"
    r"|\b(?:the|this) (?:candidate|applicant|interviewee)\b(?!\s+keys?\b).{0,40}?"
    r"\b(?:was|is|has been|have been|had been|been)\b.{0,20}?"
    r"\b(?:pre-?approved|approved|cleared|vetted|validated|selected|hired|verified|whitelisted|fast-?tracked)\b"
    r"|\b(?:this|my) (?:answer|response|submission)\b.{0,30}?\b(?:already|pre-?)\s*(?:been\s+)?"
    r"(?:approved|cleared|vetted|accepted|validated|graded|scored)\b"
    r"|\b(?:mark|rate|grade|score|label|classify|evaluate|assess)\s+(?:it|this|this one|this answer|this response|"
    r"the answer|the response|me|my answer|my response|the candidate)\s+(?:as\s+|like\s+)?(?:an?\s+|the\s+)?(?:very\s+)?"
    r"(?:excellent|correct|"
    r"perfect|outstanding|exceptional|flawless|passed|pass|complete|strong|top|fully correct|full marks|"
    r"exemplary|ideal|great|best|10|ten|approved|a hire|hire|strong hire)\b"
    # policy and rubric updates presented as coming from the company
    r"|\b(?:rubric|grading|scoring|marking|evaluation|assessment)\s+(?:update|amendment|revision|override|"
    r"exception|v\d)"
    r"|\b(?:updated|new|revised|amended|current|latest|official)\s+(?:rubric|grading (?:rules|criteria|policy|"
    r"guidelines|instructions)|scoring (?:rules|policy|guidelines|instructions)|marking scheme|evaluation "
    r"(?:criteria|policy|guidelines))\b"
    r"|\b(?:approved|signed off|authori[sz]ed|mandated|requested|decided|confirmed) by (?:the )?(?:hiring|recruit\w*|"
    r"interview\w*|grading|assessment|evaluation|talent|hr)\s*(?:committee|panel|manager|team|board|lead|department)"
    r"|\bhiring (?:committee|panel|manager|board) (?:has |have )?(?:approved|decided|confirmed|requires|says|said|"
    r"wants|asks|instructs)"
    # score claims: perfect fractions in any wording, questions about this answer's score answered
    r"|\b(?:10|ten)\s*(?:/|out of|on|over|outta)\s*(?:10|ten)\b|\b(?:100|hundred)\s*(?:/|out of|on|over|outta)"
    r"\s*(?:100|hundred)\b|\b(?:5|five)\s*(?:/|out of)\s*(?:5|five)\s*stars?\b"
    r"|\ba perfect (?:10|ten|score|grade|mark|rating)\b|\b(?:highest|maximum|max|top|best|perfect|full|maximal)"
    r"\s+(?:possible\s+)?(?:marks?|scores?|points|grades?|ratings?|evaluations?)\b"
    r"|\b(?:what|which|how many)\s+(?:score|grade|mark|rating|points)\b[^\n]{0,60}?\?[\s\"'*]{0,6}"
    r"(?:a(?:nswer)?\s*[:.)-]\s*)?(?:10|ten|100|full|perfect|max|maximum|excellent)\b"
    r"|(?:^|\n)[ \t]*q(?:uestion)?\s*[:.)]\s*[^\n]{0,80}?\b(?:score|grade|mark|rating|points|evaluat\w*)\b[^\n]{0,80}"
    r"\n[ \t]*a(?:nswer)?\s*[:.)]\s*[\"'*]{0,3}(?:10|ten|100|full|perfect|max|maximum|excellent)"
    # Italian
    r"|\bignora(?:re|te)?\b.{0,40}?\b(?:istruzioni|regole|indicazioni|precedenti|griglia|rubrica|criteri)\b"
    r"|\b(?:da(?:i|te)?|dà|assegna(?:re|te)?|metti|mettete|attribuisci|attribuite)\b.{0,40}?"
    r"\b(?:punteggio|voto|valutazione)\s+(?:massim[oa]|pien[oa]|perfett[oa]|più alt[oa])\b"
    r"|\b(?:punteggio|voto) (?:massimo|pieno|perfetto)\b|\b(?:10|dieci)\s*(?:/|su)\s*(?:10|dieci)\b"
    r"|\bnota per (?:il |la |l')?(?:valutatore|correttore|esaminatore|ia|revisore)\b"
    # Dutch
    r"|\bnegeer\b.{0,40}?\b(?:instructies|regels|aanwijzingen|vorige|eerdere|rubric|criteria|beoordelingscriteria)\b"
    r"|\b(?:geef|ken|geeft)\b.{0,40}?\b(?:maximale|hoogste|volle|perfecte)\s+(?:score|punten|cijfer|beoordeling)\b"
    r"|\b(?:maximale|hoogste|volle) (?:score|punten|cijfer)\b|\b(?:10|tien)\s*(?:/|op|uit)\s*(?:10|tien)\b"
    r"|\bnotitie voor de (?:beoordelaar|examinator|ai)\b"
    # Polish
    r"|\b(?:zignoruj|ignoruj|pomiń|pomin)\w*\b.{0,40}?\b(?:instrukcj|polece|zasad|poprzedni|wcześniejsz|wczesniejsz|"
    r"kryteri)\w*"
    r"|\b(?:daj|dajcie|przyznaj|wystaw|postaw|oceń|ocen)\w*\b.{0,40}?\b(?:maksymaln|najwyższ|najwyzsz|pełn|peln)\w*"
    r"|\b(?:maksymaln|najwyższ|najwyzsz)\w* (?:ocen|punkt|wynik|liczb|not)\w*"
    # Portuguese
    r"|\b(?:dê|de|atribua|coloque|dar)\b.{0,40}?\b(?:nota|pontuação|pontuacao) (?:máxima|maxima|perfeita)\b"
    r"|\b(?:instruções|instrucoes|regras) anteriores\b"
    # Russian
    r"|(?:игнорир|проигнорир|забуд|не обращай)\w*.{0,40}?(?:инструкци|правил|указани|предыдущ|критери)"
    r"|(?:постав|дай|дайте|выстав|присво|оцени)\w*.{0,40}?(?:максимальн|высш|наивысш|полн)\w*\s+(?:балл|оценк|отметк)"
    r"|(?:максимальн|высш|наивысш)\w* (?:балл|оценк)|\b10 из 10\b"
    # Chinese, Japanese, Korean, Turkish
    r"|(?:忽略|无视|忽視|無視|不要理会|不要理會|别管|別管)[^。\n]{0,20}?(?:指示|指令|说明|說明|规则|規則|评分|評分|要求|提示)"
    r"|(?:给|給|打|评为|評為|评|評)[^。\n]{0,12}?(?:满分|滿分|最高分|10分|十分)|满分|滿分"
    r"|(?:指示|命令|ルール)を無視|満点|최고 점수|만점|(?:지시|지침|명령)(?:을|를)?\s*무시"
    r"|önceki talimatları|tam puan",
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


_FOLD_CACHE: dict[str, str] = {}


def _fold_char(ch: str) -> str:
    """One character as the detector reads it: a look-alike as its Latin letter, an accented letter
    as its base letter, a combining mark as nothing, any blank as a space."""
    out = _FOLD_CACHE.get(ch)
    if out is None:
        out = _FOLD.get(ch)
        if out is None:
            if ch in _BLANKS or unicodedata.category(ch) == "Zs":
                out = " "
            elif unicodedata.category(ch) in ("Mn", "Me"):
                out = ""
            else:
                base = unicodedata.normalize("NFKD", ch)[:1]
                out = base if base != ch and base.isascii() and base.isalpha() else ch
        if len(_FOLD_CACHE) < 50_000:
            _FOLD_CACHE[ch] = out
    return out


@dataclass(frozen=True)
class _View:
    """A reading of the visible text for the detector; ``pos[i]`` is the index in the visible text
    of the view's character ``i`` (so a match in any reading maps back to what to cut)."""

    text: str
    pos: tuple[int, ...]
    decoded: bool = False  # a decoding layer: cut whole sentences around a match

    def span(self, start: int, end: int) -> tuple[int, int]:
        if not self.pos:
            return 0, 0
        points = self.pos[start:max(end, start + 1)]
        return min(points), max(points) + 1


def _folded(visible: str) -> _View:
    chars: list[str] = []
    pos: list[int] = []
    for i, ch in enumerate(visible):
        folded = ch if ch < "\x80" else _fold_char(ch)
        for c in folded:
            chars.append(c)
            pos.append(i)
    return _View("".join(chars), tuple(pos))


def for_detection(text: str) -> str:
    """Text as the detector reads it: look-alike letters folded to Latin, accents and combining
    marks dropped, blanks as spaces."""
    return _folded(text).text


_LEET = str.maketrans("013457895@$!|+", "oieastbgsasilt")
_LEET_TOKEN = re.compile(r"[A-Za-z0-9@$!|+]*[A-Za-z][A-Za-z0-9@$!|+]*")
_ROT13 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                       "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm")
# Letters spelt apart ("I g n o r e", "i.g.n.o.r.e"): each step is one letter and one separator,
# two disjoint classes, so the run is matched in linear time.
# A wider gap (two or three spaces) between the letters is a word break inside the same run
# ("G I V E   T H I S   O F"), so a two-letter word there is joined too.
_SPACED = re.compile(r"(?<![^\W_])(?:[^\W\d_](?:[ ._*|/\-~]| {2,3})){2,}[^\W\d_](?![^\W_])")
_SPACED_STEP = re.compile(r"[^\W\d_]| {2,3}|[ ._*|/\-~]")
_SPLIT_WORD = re.compile(r"(?<=[^\W\d_])-?[ \t]*\r?\n[ \t]*(?=[^\W\d_])")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9A-Fa-f]{2}[ :]?){12,}")
# Any reading that holds text to the grader holds one of these (a cheap test before the full ones).
_TRIGGER = re.compile(r"ignor|disregard|forget|overrid|bypass|score|grade|rubric|mark|point|instruct|grader|evaluat|"
                      r"system|assistant|approv|10|ten|full|maxim|perfect|excellent|character|game|note|review|"
                      r"rate|award|give|prompt|judge|hiring|committee|whoever", re.IGNORECASE)


def _sub_view(base: _View, pattern: re.Pattern, repl) -> _View | None:
    """`base` with each match of `pattern` replaced by ``repl(match)`` (positions kept), or None when
    nothing matched."""
    chars: list[str] = []
    pos: list[int] = []
    last = 0
    changed = False
    for m in pattern.finditer(base.text):
        new = repl(m)
        if new == m.group(0):
            continue
        changed = True
        chars.append(base.text[last:m.start()])
        pos.extend(base.pos[last:m.start()])
        chars.append(new)
        span = base.pos[m.start():m.end()] or (base.pos[-1],)
        pos.extend(span[min(k, len(span) - 1)] for k in range(len(new)))
        last = m.end()
    if not changed:
        return None
    chars.append(base.text[last:])
    pos.extend(base.pos[last:])
    return _View("".join(chars), tuple(pos), decoded=True)


def _decode_base64(chunk: str) -> str:
    import base64
    import binascii

    raw = chunk.replace("-", "+").replace("_", "/")
    raw += "=" * (-len(raw) % 4)
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return chunk
    return _printable(data) or chunk


def _decode_hex(chunk: str) -> str:
    try:
        data = bytes.fromhex(re.sub(r"[ :]", "", chunk))
    except ValueError:
        return chunk
    return _printable(data) or chunk


def _printable(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    letters = sum(1 for c in text if c.isalpha() or c in " .,!?'/:-")
    return text if text and letters >= 0.85 * len(text) and " " in text else ""


def _url_decode(match_text: str) -> str:
    from urllib.parse import unquote

    return unquote(match_text)


_URL_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~+-])*%[0-9A-Fa-f]{2}(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~+-])*")


def _unspace(match: re.Match) -> str:
    """Letters spelt apart, joined: the separator used most goes, any other one marks a word break
    ("o.k  t.h.e" and "I g n o r e" alike)."""
    steps = _SPACED_STEP.findall(match.group(0))
    seps = steps[1::2]
    common = max(set(seps), key=seps.count)
    return "".join(c if k % 2 == 0 else ("" if c == common else " ") for k, c in enumerate(steps))


def _views(visible: str) -> list[_View]:
    """Every reading of `visible` the detector checks: the text with look-alikes folded, the text as
    written (scripts such as Cyrillic, which folding would garble), and each decoding layer that
    changes something: words split across lines joined, letters spelt apart joined, leetspeak,
    URL-encoding, base64 and hex, ROT13 and the text reversed."""
    folded = _folded(visible)
    out = [folded]
    if folded.text != visible:
        out.append(_View(visible, tuple(range(len(visible)))))
    text = folded.text
    joined = _sub_view(folded, _SPLIT_WORD, lambda m: "")
    spaced = _sub_view(folded, _SPACED, _unspace)
    leet = _sub_view(folded, _LEET_TOKEN, lambda m: m.group(0).translate(_LEET) if not m.group(0).isalpha() else m.group(0))
    url = _sub_view(folded, _URL_RUN, lambda m: _url_decode(m.group(0).replace("+", " "))) if "%" in text else None
    b64 = _sub_view(folded, _BASE64, lambda m: _decode_base64(m.group(0)))
    hexed = _sub_view(folded, _HEX, lambda m: _decode_hex(m.group(0)))
    out += [v for v in (joined, spaced, leet, url, b64, hexed) if v is not None]
    if spaced is not None and joined is not None:
        both = _sub_view(joined, _SPACED, _unspace)
        if both is not None:
            out.append(both)
    out.append(_View(text.translate(_ROT13), folded.pos, decoded=True))
    out.append(_View(text[::-1], folded.pos[::-1], decoded=True))
    return out


def _matches(view: _View) -> list[tuple[int, int]]:
    """Spans (in the visible text) of text addressed to the grader in one reading."""
    if view.decoded and not _TRIGGER.search(view.text):
        return []
    spans = [view.span(*m.span()) for pattern in (_ADDRESSED, _MORE) for m in pattern.finditer(view.text)]
    if view.decoded:
        spans += [view.span(*m.span()) for m in _DELIMITER.finditer(view.text)]
    return spans


def _score_tables(text: str) -> list[tuple[int, int]]:
    """Markdown tables that grade the answer: a header or row naming a score and a top value."""
    spans = []
    start = None
    offset = 0
    lines = text.split("\n")
    for line in lines + [""]:
        is_row = line.count("|") >= 2
        if is_row and start is None:
            start = offset
        if not is_row and start is not None:
            block = text[start:offset]
            if _TABLE_SCORE.search(block) and _TABLE_TOP.search(block):
                spans.append((start, offset))
            start = None
        offset += len(line) + 1
    return spans


_TABLE_SCORE = re.compile(r"\b(?:score|grade|rating|marks?|points|evaluation|verdict|overall|total|result|assessment|"
                          r"note|punkte|puntuaci[oó]n|punteggio)\b", re.IGNORECASE)
_TABLE_TOP = re.compile(r"\|\s*\**\s*(?:10(?:\s*/\s*10)?|ten|100\s*%?|a\+|excellent|perfect|outstanding|pass(?:ed)?|full|"
                        r"max(?:imum)?|5\s*/\s*5|exceptional)\s*\**\s*\|", re.IGNORECASE)


def addresses_evaluator(text: str) -> bool:
    """Whether normalised `text` holds anything written to the evaluator (see the module doc)."""
    return bool(_cut_spans(text))


def _graders_comment(comment: str) -> bool:
    """Whether an HTML comment holds addressed text, markup or a delimiter (its body read from its start)."""
    body = comment[4:].removesuffix("-->").strip()
    return bool(_ADDRESSED.search(body) or _MORE.search(body) or _MARKUP.search(body) or _DELIMITER.search(body))


def _is_graders_block(match: re.Match) -> bool:
    label, body = match.group(2).strip(), match.group(3)
    return bool(_FENCE_LABEL.match(label)) or bool(_ADDRESSED.search(body) or _MORE.search(body))


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentences of `text` around [start, end): from the end of the sentence before to the end
    of the sentence holding `end`."""
    before = max(text.rfind(c, 0, start) for c in ".!?\n")
    stop = _SENTENCE_END.search(text, max(end - 1, start))
    return before + 1, stop.end() if stop else len(text)


def _cut_spans(visible: str) -> list[tuple[int, int]]:
    """Spans of `visible` to cut: grader blocks whole, a fake delimiter to the end, and every
    match in any reading from its start (its whole sentence for a decoding layer) to the end of
    its sentence."""
    views = _views(visible)
    folded = views[0]
    spans = [folded.span(*m.span()) for m in _FENCE.finditer(folded.text) if _is_graders_block(m)]
    spans += [folded.span(*m.span()) for m in _COMMENT.finditer(folded.text) if _graders_comment(m.group(0))]
    spans += [folded.span(*m.span()) for m in _MARKUP.finditer(folded.text)]
    spans += [folded.span(*s) for s in _score_tables(folded.text)]
    delimiter = _DELIMITER.search(folded.text)
    if delimiter:
        spans.append((folded.span(*delimiter.span())[0], len(visible)))
    for view in views:
        for start, end in _matches(view):
            if view.decoded:
                spans.append(_sentence_bounds(visible, start, end))
            else:
                stop = _SENTENCE_END.search(visible, max(end - 1, start))
                # A sentence that only leads into the match ("A note for whoever grades", "Easily a
                # ten on ten") goes whole; a longer one keeps its own beginning.
                lead = _sentence_bounds(visible, start, start + 1)[0]
                if len(visible[lead:start].split()) <= LEAD_WORDS:
                    start = lead
                spans.append((start, stop.end() if stop else len(visible)))
    return spans


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    keep = [True] * len(text)
    for start, end in spans:
        keep[start:end] = [False] * (end - start)
    out, run = [], []
    for c, k in zip(text, keep):
        if k:
            run.append(c)
        elif run and run[-1] != " ":
            run.append(" ")
    out.append("".join(run))
    return "".join(out)


_MAX_ROUNDS = 4
LEAD_WORDS = 3  # words before a match in its sentence that are cut with it


@lru_cache(maxsize=256)
def screen(answer: str) -> Screened:
    """Normalise `answer`, then cut what is addressed to the evaluator in any reading (see the
    module doc), again on what is left until nothing is found (a cut can join two halves of an
    instruction). Results are memoised (an evaluation screens the same answer several times)."""
    if not isinstance(answer, str):
        raise TypeError("an answer is text")
    visible, hidden = normalise(answer)
    spans = _cut_spans(visible)
    if not (hidden.strip() or spans):
        return Screened(visible, hidden, visible, False)
    kept = visible
    for _ in range(_MAX_ROUNDS):
        if not spans:
            break
        kept = _cut(kept, spans)
        spans = _cut_spans(kept)
    else:
        if spans:
            kept = ""
    parts = [p.strip().rstrip(" \t\"'([{:-").strip() for p in _SENTENCE_SPLIT.split(kept)]
    return Screened(visible, hidden, " ".join(p for p in parts if re.search(r"[^\W_]", p)), True)
