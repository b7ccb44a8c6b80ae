"""Custom Rasa components (loaded by Rasa from its own environment, run from the project root:
config.yml names them `nlu.components.<Class>`). Imports Rasa, so nothing in frontdesk's own
environment imports this module.

ScriptFoldingJiebaTokenizer: Jieba on the text with Traditional characters folded into
Simplified (OpenCC t2s), so 「洗衣機壞咗」 and 「洗衣机坏了」 share their words and what the model
learns from one script serves the other. Each token keeps its place in the original text, so
entity values come back as the customer wrote them (EntitySynonymMapper and nlu/entities.py
canonicalise them). Measured on the blind utterances with the same data: zh-Hant 0.937 ->
0.947 (docs/nlu.md).
"""

from __future__ import annotations

import glob
from typing import List, Text

from opencc import OpenCC
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

_T2S = OpenCC("t2s")


def fold(text: str) -> str:
    """The text in Simplified characters, or unchanged where folding would move a character
    (a phrase conversion of another length): tokens must keep their offsets."""
    folded = _T2S.convert(text)
    return folded if len(folded) == len(text) else text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class ScriptFoldingJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer on the Simplified-folded text (see the module docstring)."""

    @staticmethod
    def _load_custom_dictionary(path: Text) -> None:
        """The dictionaries as written, and each Traditional word again in Simplified (the
        text Jieba sees is folded)."""
        import jieba

        JiebaTokenizer._load_custom_dictionary(path)
        for dictionary in sorted(glob.glob(f"{path}/*")):
            with open(dictionary, encoding="utf-8") as fh:
                for line in fh:
                    word, *rest = line.split() or [""]
                    if word and fold(word) != word:
                        jieba.add_word(fold(word), *(int(f) if f.isdigit() else f for f in rest))

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = fold(message.get(attribute))
        tokens = [Token(word, start) for (word, start, _end) in jieba.tokenize(text)]
        return self._apply_token_pattern(tokens)
