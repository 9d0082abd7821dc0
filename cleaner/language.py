"""Whether a page's text contradicts the language its ``<html lang>`` declares.

Themes ship with ``lang="en"`` and many sites never change it: a Spanish news site that declares
English would get only the language-neutral packs and the English ones, and its "Lea también:"
teasers would stay. A declaration the text plainly contradicts is therefore not used to choose
language packs; the page is treated like unlabelled text, for which every language pack may apply
(``cleaner.rules.ruleset.language_allows``). A language given by the caller (a record's field, the
``language`` argument) is always trusted; only the page's own declaration is checked.

The test is deliberately blunt and deterministic: the share of the first words that are common
function words of each language cleaner has packs for, and the share of letters in the Latin
script. It only ever says "contradicts" when the declared language scores far below another one.
"""

from __future__ import annotations

import regex

FUNCTION_WORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in {
    "en": "the and of to in is that for it with was on as are this be by at from have not but they which you "
          "has were their will an or",
    "de": "der die und das ist nicht mit den von zu sich auf ein eine dem des auch es im für sie wird bei nach "
          "wie oder aus sind wir ich",
    "es": "el la de que y en los del las por un una con para es se al lo como más su pero sus le ya fue este "
          "sobre entre",
    "fr": "le la les de des et est en du un une que qui dans pour pas sur au par avec il elle ce sont ne se "
          "plus aux mais",
    "it": "il di che e la per un una del della non è sono con le gli nel alla si da anche più come ma questo "
          "dei",
    "nl": "de het een en van in is dat op te voor met zijn niet die er aan ook bij als om door maar naar wordt "
          "dan",
    "pt": "o a de que e do da em um uma para com não os as dos das no na por mais se ao foi ser são pelo",
    "pl": "i w na z się nie do to że jest o jak co a po od przez dla już jego ale tak czy też jako tym",
    "tr": "ve bir bu da de için ile olarak daha çok gibi en olan ama kadar ne sonra her mi değil",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada juga ke karena ada oleh atau bisa sudah",
}.items()}
NON_LATIN = {"ru": r"\p{Cyrillic}", "uk": r"\p{Cyrillic}", "bg": r"\p{Cyrillic}", "el": r"\p{Greek}",
             "zh": r"\p{Han}", "ja": r"[\p{Han}\p{Hiragana}\p{Katakana}]", "ko": r"\p{Hangul}",
             "ar": r"\p{Arabic}", "he": r"\p{Hebrew}"}
SAMPLE_CHARS = 4000  # the start of the text is enough to tell
MIN_WORDS = 50  # fewer words say too little
FAR_BELOW = 0.25  # the declared language's share must be under this part of the best other one's
MIN_SHARE = 0.15  # and the best other one must be a real language's profile

_WORD = regex.compile(r"\p{L}+")
_LETTER = regex.compile(r"\p{L}")
_LATIN = regex.compile(r"\p{Latin}")
_SCRIPTS = {lang: regex.compile(cls) for lang, cls in NON_LATIN.items()}


def base_language(tag: str | None) -> str | None:
    """'en-US', 'en_us' -> 'en'."""
    if not tag or not tag.strip():
        return None
    return tag.strip().lower().replace("_", "-").split("-")[0] or None


def contradicts(declared: str | None, text: str) -> bool:
    """True when ``text`` is plainly not in the ``declared`` language (see the module doc)."""
    lang = base_language(declared)
    if lang is None:
        return False
    sample = text[:SAMPLE_CHARS]
    letters = len(_LETTER.findall(sample))
    if letters < 4 * MIN_WORDS:
        return False
    latin = len(_LATIN.findall(sample)) / letters
    if lang in _SCRIPTS:  # a non-Latin script declared: the text must be mostly in it or not Latin
        return latin > 0.8 and len(_SCRIPTS[lang].findall(sample)) / letters < 0.05
    if lang not in FUNCTION_WORDS:
        return False
    if latin < 0.2:  # a Latin-script language declared, the text is in another script
        return True
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < MIN_WORDS:
        return False
    share = {k: sum(w in fw for w in words) / len(words) for k, fw in FUNCTION_WORDS.items()}
    best_other = max(v for k, v in share.items() if k != lang)
    return best_other >= MIN_SHARE and share[lang] < FAR_BELOW * best_other


__all__ = ["FUNCTION_WORDS", "base_language", "contradicts"]
