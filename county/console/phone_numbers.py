"""Does a text carry a mobile number? The reply to a complaint is public
(anyone with the tracking code reads it at the kiosk), so the console
refuses one that does, however it is written: 138 0013 8000,
138.0013.8000, (138)0013-8000, full-width １３８００１３８０００, in
Chinese digits 一三八〇〇一三八〇〇〇 or 壹叁捌零零壹叁捌零零零, spoken
幺三八洞洞幺三八洞洞洞, or with letters for digits 138OO138OOO.

How: the text is NFKC-normalised (full-width forms become ASCII), every
decimal digit of any script and every Chinese digit becomes 0-9, and a
mobile number (1, then 3-9, then nine digits; letters O, o, l and I read
as the digits they look like) is looked for with anything
that is not a letter or an ideograph allowed between its digits: spaces,
invisible characters, punctuation, symbols. A word between two digits ends
a number, so dates and amounts in a sentence are not taken for one.
"""

from __future__ import annotations

import re
import unicodedata

#: Chinese digits as a phone number is read aloud or written out: the
#: everyday ones, the capital ones of amounts (壹贰叁, also traditional), the
#: spoken ones (幺 for 1, 洞 for 0, 两 for 2, 拐 for 7), and the Latin letters
#: typed for a digit they look like (O and o for 0, l and I for 1).
CHINESE_DIGITS = {"〇": "0", "零": "0", "洞": "0", "O": "0", "o": "0",
                  "一": "1", "幺": "1", "壹": "1", "l": "1", "I": "1",
                  "二": "2", "两": "2", "兩": "2", "贰": "2", "貳": "2",
                  "三": "3", "叁": "3", "參": "3", "四": "4", "肆": "4", "五": "5", "伍": "5",
                  "六": "6", "陆": "6", "陸": "6", "七": "7", "柒": "7", "拐": "7",
                  "八": "8", "捌": "8", "九": "9", "玖": "9"}
_MOBILE = re.compile(r"1_*[3-9](?:_*[0-9]){9}")


def _plain(character: str) -> str:
    """*character* as a digit 0-9, ``_`` if it may stand between digits, or
    itself (a letter, an ideograph: a number stops there)."""
    if character in CHINESE_DIGITS:
        return CHINESE_DIGITS[character]
    digit = unicodedata.decimal(character, None)
    if digit is not None:
        return str(digit)
    if unicodedata.category(character)[0] in "ZPSC":  # separators, punctuation, symbols, format
        return "_"
    return character


def has_mobile_number(text: str) -> bool:
    """Whether *text* holds a mainland mobile number, however it is spaced or written."""
    plain = "".join(_plain(character) for character in unicodedata.normalize("NFKC", text))
    return _MOBILE.search(plain) is not None
