# Rasa 3.6 with what frontdesk's custom tokenizer (nlu/components.py) needs beside it: the
# official image has Rasa and jieba; OpenCC's pure-Python port is added, pinned as in
# nlu/rasa_env.py RASA_REQUIREMENTS (tests/nlu/test_rasa_image.py checks they agree).
FROM rasa/rasa:3.6.21-full
USER root
RUN pip install --no-cache-dir opencc-python-reimplemented==0.1.7
USER 1001
