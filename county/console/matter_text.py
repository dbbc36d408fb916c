"""A request's matter as the level rules compare it and as a person sees it.

The matter is text a seal station sends, so it may be spelled to dodge a
rule: with characters that show nothing (zero-width spaces, Hangul fillers,
the braille blank, variation selectors, tags), with combining marks, or
with the traditional or Japanese forms of the rule's characters
(資產處置, 資産処置). The comparison therefore keeps an allow-list rather
than a deny-list:

- the key (:func:`matter_key`) keeps only simplified Chinese characters
  (those of GB 2312) and ASCII letters and digits, after NFKC and case
  folding, with common traditional and Japanese forms folded to the
  simplified one (:data:`VARIANTS`);
- a matter is *unusual* (:func:`is_unusual`) when it holds anything but
  those, ordinary spaces and visible punctuation: a character that shows
  nothing, a combining mark, another script, or a Chinese character outside
  GB 2312 (most traditional and Japanese forms are) or one of the folded
  forms. An unusual matter gets the strictest rule configured, whatever its
  key says;
- the approver sees every character that shows nothing as ``�`` and a
  warning (:func:`shown_matter`), so a gap is never blank.
"""

from __future__ import annotations

import unicodedata

#: Traditional and Japanese forms of characters found in the matters of a
#: village's business, folded to the simplified form. Each makes a matter
#: unusual (the strictest rule); the table also makes such a matter match
#: its own rule in the key, and catches the few forms that GB 2312 does hold
#: (後, 乾, 著, 於, 瞭, 準).
VARIANTS = str.maketrans(
    "資產産處処證証權権轉転讓譲買賣売貸擔發発營営經経濟済專専項勞"
    "労務費補貼徵収債擬議決會員從開關関係變変設計劃畫築貰約協書據"
    "拠戶戸學醫療險険養撥払額萬億圓円錢銭銀帳賬單単審準實実驗験後"
    "乾著於瞭場壩橋樓廠庫倉蔵車輛機電網線園區縣県鄉郷鎮組團黨選舉"
    "挙報請領導簽蓋賃與給償還環衛衞災難貧貨財帰歸廢廃棄",
    "资产产处处证证权权转转让让买卖卖贷担发发营营经经济济专专项劳"
    "劳务费补贴征收债拟议决会员从开关关系变变设计划画筑贳约协书据"
    "据户户学医疗险险养拨拂额万亿圆圆钱钱银账账单单审准实实验验后"
    "干着于了场坝桥楼厂库仓藏车辆机电网线园区县县乡乡镇组团党选举"
    "举报请领导签盖赁与给偿还环卫卫灾难贫货财归归废废弃",
)


def _is_letter(char: str) -> bool:
    """Whether *char* (already folded) belongs in a matter's key."""
    if char.isascii():
        return char.isalnum()
    if unicodedata.category(char) != "Lo" or not unicodedata.name(char, "").startswith(
            "CJK UNIFIED IDEOGRAPH"):
        return False
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _folded(matter: str) -> str:
    return unicodedata.normalize("NFKC", matter).casefold().translate(VARIANTS)


def _is_plain_mark(char: str) -> bool:
    """A space or a visible punctuation mark: left out of the key, harmless."""
    return char == " " or unicodedata.category(char).startswith("P")


def matter_key(matter: str) -> str:
    """*matter* reduced to the letters a reader tells apart."""
    return "".join(char for char in _folded(matter) if _is_letter(char))


def is_unusual(matter: str) -> bool:
    """Whether *matter* holds anything but simplified Chinese, ASCII letters
    and digits, spaces and punctuation (it then gets the strictest rule)."""
    text = unicodedata.normalize("NFKC", matter).casefold()
    return any(ord(char) in VARIANTS or not (_is_letter(char) or _is_plain_mark(char))
               for char in text)


#: What a character that shows nothing is shown as.
HIDDEN = "\N{REPLACEMENT CHARACTER}"

#: Letters of the Lo category that show nothing (Hangul fillers, the braille
#: blank is So).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _shows_nothing(char: str) -> bool:
    category = unicodedata.category(char)
    return (char in _BLANK_LETTERS or category.startswith(("C", "M"))
            or (category.startswith("Z") and char != " "))


def shown_matter(matter: str) -> str:
    """*matter* as the approver reads it: each character that shows nothing
    (or only changes its neighbour) as ``�``, so no gap is blank."""
    return "".join(HIDDEN if _shows_nothing(char) else char for char in matter)


#: The warning beside an unusual matter.
UNUSUAL_WARNING = "⚠ 事项里有看不见或不常见的字符，已按最严格的审批规定办理"
