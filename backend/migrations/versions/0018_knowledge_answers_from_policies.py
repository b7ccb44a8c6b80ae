"""The knowledge base's warranty and parts answers as seeded before the warranty policies
(0015) stated periods by hand; the seed now has templates filled from the policies when asked
(backend/knowledge/warranty_answers.py). Every answer that is still, word for word, one of
those old seed answers (known by its SHA-256 below) becomes the current seed's answer for the
same topic, product, city and language; answers staff wrote or edited stay as they are.

The downgrade leaves the answers: the code before this revision would show the templates'
{placeholders} unfilled, so restore the knowledge base from a backup to go back past it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from backend.knowledge.seed import load_seed

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

ENTRIES = sa.table("knowledge_entries", sa.column("id", sa.Integer()),
                   sa.column("answer", sa.Text()))

# SHA-256 of an old seed answer -> (topic, product, city, language, which of that key's seed
# entries, in seed order).
OLD_ANSWERS: dict[str, tuple[str, str | None, str | None, str, int]] = {
    "e2d270a14309473527104c62f4fd9a9546bfdc6efaa69f53a0b3e42a1f07b996": ('warranty', None, None, 'zh-Hans', 0),
    "9b9442ec4699ba2e74791987fa6c59fa7e906d4cedd9bc78b8d3ea3e4dc78bd2": ('warranty', None, None, 'zh-Hant', 0),
    "e73de6f7f5b663be192a8719c675bde61aed625c4633abcb3d7b95661ac672df": ('warranty', None, None, 'en', 0),
    "cbc3e81d1b24312bb2694f95488bb7285182095bfcb30330cb4622f9a43a0ce0": ('warranty', '空调', None, 'zh-Hans', 0),
    "3b1dc4b83609dfac0ad426513e7e0d789b12568e2ae4e274776e660db3f9542c": ('warranty', '空调', None, 'zh-Hant', 0),
    "0c2e3999e087ebbafa2dfa766b4169707997a80726e97d9d2d550687033f8b29": ('warranty', '空调', None, 'en', 0),
    "3337a722b8befbdfb0898018e785088a284b4fdabe6120297441b0970edfb504": ('warranty', '冰箱', None, 'zh-Hans', 0),
    "60bfcfd1f2b2d67910fdca7e9a313a655420ffaf43bccf4b99db30eb742893d8": ('warranty', '冰箱', None, 'zh-Hant', 0),
    "ebc45642e58e4a39eeeb9522cf1d7f5d8a611951a3106ef5fb3cc1873f59b6dd": ('warranty', '冰箱', None, 'en', 0),
    "a5df92c0752495e41a75a146c5fdf1a3435b5d99fa8bae07ec237a1afb0a982b": ('warranty', '洗衣机', None, 'zh-Hans', 0),
    "36d5ddbb52ce2732e30d19c8d1616eaf2f5e173edf8d201990c21a10dfd5059a": ('warranty', '洗衣机', None, 'zh-Hant', 0),
    "97bf1f381e2e1752bc5e52e426d9e2e787a2208da1311aedf00cfd7d221c9824": ('warranty', '洗衣机', None, 'en', 0),
    "5cdea74446d6eac3b42d0e3998fd6098ffa21e224dec3645a41fa843e351dc69": ('warranty', '热水器', None, 'zh-Hans', 0),
    "e984ec398c9f386dbd3d2943e0b0cd4e8dadb4fbddc781acc287a8ad3427dd8b": ('warranty', '热水器', None, 'zh-Hant', 0),
    "ad1d7cdb2cf31fcbdd090ad760c35c4ccb750a2a6a3c249842f9e654ecd1650f": ('warranty', '热水器', None, 'en', 0),
    "219955ede8d0d033996a4ef40a47c1819a25c6b9bad600f9892afa2ce215f8e3": ('warranty', '电视', None, 'zh-Hans', 0),
    "8e0f960dda1eb9d60130d09a8b1c7ae8d5977eec4809408c768eab91da5a3f6a": ('warranty', '电视', None, 'zh-Hant', 0),
    "45d4d9bd0d44085131f269c0985ea14be6a4f6c80e77b41a5f785f5584a91264": ('warranty', '电视', None, 'en', 0),
    "6f9d2384926e7347b785b009a396f7402c7bd66d19ac76c9b28f517c3d1bca34": ('warranty', '油烟机', None, 'zh-Hans', 0),
    "8c5cca80bbf2e6f8d1afab6e363234945accd808d24a2dc08339303357528f5a": ('warranty', '油烟机', None, 'zh-Hant', 0),
    "c9b6b5dcbd6fb6e9d607205767e05905711676f4de430054aa9ff06e99d97531": ('warranty', '油烟机', None, 'en', 0),
    "b391ad811b2dd8a4d7247d7a8143f182ea985d0b5530f9badfb79fe7cbcfa4f7": ('warranty', '燃气灶', None, 'zh-Hans', 0),
    "ca443c44a7965215772d1e5d17eac8edd41eeb7064d044c494e860978b2ec247": ('warranty', '燃气灶', None, 'zh-Hant', 0),
    "4f9ccaedb4671efd24b562f3e8025d8b1688803fcae528f0ea17a8cce22cd760": ('warranty', '燃气灶', None, 'en', 0),
    "91c6fe973ab7e4800539c500d77647f4099b5771f5ab2964b94dc9fd6b255298": ('warranty', '洗碗机', None, 'zh-Hans', 0),
    "c02c07e031177bdba478f6aeea3d72f9b2c251fed09c221d9489b2184409d942": ('warranty', '洗碗机', None, 'zh-Hant', 0),
    "51761c2814b1139c325ed1f89d18b3bb9392f572573977b39d29367d0092526d": ('warranty', '洗碗机', None, 'en', 0),
    "de668632775862c4e12a674d93002039191802617373f47362d3153e43a898a4": ('warranty', '微波炉', None, 'zh-Hans', 0),
    "a7fb1ddd6ae1f83a03630988cc3b38a2bca7d539f280b9ec77dd80b6188b4c06": ('warranty', '微波炉', None, 'zh-Hant', 0),
    "bdc10dc05e2e2c5eaf48d62afcd9612668caab2f8add08acdc88eda55806fcd3": ('warranty', '微波炉', None, 'en', 0),
    "cfdc5214cef0ab1b8d88be31ce5be448f4ba00ea9e52440a3730b70b77dc8b04": ('warranty', '净水器', None, 'zh-Hans', 0),
    "8999e7b19a676f80348e9e8f85b72038743660ac4ded46e98f24652754608f63": ('warranty', '净水器', None, 'zh-Hant', 0),
    "b4cedbfff5327d2db4e9865cbfead017a4cbbeecf3777867b1377174793b7854": ('warranty', '净水器', None, 'en', 0),
    "15d7b5d9905c503349b01e1c8c656dbec8bf74e57c243b69c1cd6ca962b2f373": ('parts', None, None, 'zh-Hans', 0),
    "9984c556efc04c0bf217c71599f3ed0d9c000a9b37e3eb8839844fd05c2737c5": ('parts', None, None, 'zh-Hant', 0),
    "13d74d515abfefde89ff46cedc7629197ea4a98a912a43ea8b9ff847e3e91406": ('parts', None, None, 'en', 0),
    "f1c130538426938071a3aaa29845421b6b7485a0dcd7ef979334fa16611c8a8f": ('parts', '空调', None, 'zh-Hans', 0),
    "2d3228cfa29f2477e8528728f392b960072d02ec29539ada34310626dcdeb192": ('parts', '空调', None, 'zh-Hant', 0),
    "e00afe3ba4540e90fcf5dd4fe5b376288fcc46915b7321dfa6019e0a48d7765f": ('parts', '空调', None, 'en', 0),
    "6f689631665f285cdac0586351597fc79ed09de33496990811cae705b8554e9c": ('parts', '冰箱', None, 'zh-Hans', 0),
    "cb8b2e35e30ad74011a81010325ff3476d68b8430a05a7a6837f3dc2528bada1": ('parts', '冰箱', None, 'zh-Hant', 0),
    "a2f5ef08759ecd139742beaa7b420e87066e988b89c117f1a4ce57ff88c310cc": ('parts', '冰箱', None, 'en', 0),
    "30cc83fc1dd10b70ba6a2298920d733c5ee62c28aa938664eaba2c2a98cd618b": ('parts', '洗衣机', None, 'zh-Hans', 0),
    "c76c40e491fb81ada96045af168c34e06f19e5fc8d57d73ca2955568e9c1245c": ('parts', '洗衣机', None, 'zh-Hant', 0),
    "b810c58c6b373309a8be5f149e99b301ef70f14dc767b26234d39d71831c82d4": ('parts', '洗衣机', None, 'en', 0),
    "e61a6faa3f3037a911cf737a41f9985aa00cbe5037e25a184aa974cccbff3a1b": ('parts', '热水器', None, 'zh-Hans', 0),
    "cdb798b20b22bebbf1c1b6231dfe9a7aa74dd5db99357b00ce1565c286396a20": ('parts', '热水器', None, 'zh-Hant', 0),
    "5a2700fefa0e7de27854c34f3993665be600f9f821f31f1639210d9c402a8fd4": ('parts', '热水器', None, 'en', 0),
    "5c4b43e57d98b07300051a1b3a5dcaf81e56b3c6b33f68c23ce355cf5ecd3192": ('parts', '电视', None, 'zh-Hans', 0),
    "2cabcb53c876498cf532989bc7c4875b5429cced63ea81e788bb9792a60fdf6c": ('parts', '电视', None, 'zh-Hant', 0),
    "e0dd95147d825ddc3e67013002f6bd82c909162d952d7fc6537df4e8a4f1a339": ('parts', '电视', None, 'en', 0),
    "20af2968f709a47b9719625fc13e762a228f816eb0d59412a32cd7d780dc52bf": ('parts', '油烟机', None, 'zh-Hans', 0),
    "f4351c5c234158941b28023f48e9721057af306ade2b0112aa2cd326996601c1": ('parts', '油烟机', None, 'zh-Hant', 0),
    "ca25d4bb48249090e6b26aa3dc0311cad6cf92028f062aae6aaba3871b2eec63": ('parts', '油烟机', None, 'en', 0),
    "70174a6cd7b2bc12fb83526f4fd557bc9ec917f11855a5a52e8293148008f1cc": ('parts', '燃气灶', None, 'zh-Hans', 0),
    "db99bd986a9ddd298aa2b0d6a66e6c7bf01a247eb4b0793844a17067c9dc5284": ('parts', '燃气灶', None, 'zh-Hant', 0),
    "90d0709e44246bbcba63ef8e22f69f9a93af25b5d1eaf56d0b504bef25854def": ('parts', '燃气灶', None, 'en', 0),
    "4c9b7926ca22ee48dfe1f232e9a9f9fa3551096ec9c3d217f632c0e8e9b5bd80": ('parts', '洗碗机', None, 'zh-Hans', 0),
    "9eb57680d307ae450c73c189101368b00db5ca64e863dbe3b177c83e0739d01c": ('parts', '洗碗机', None, 'zh-Hant', 0),
    "628ab712bc3c31ae1f8cb96f96086c9e0da60b178653b6272f36ec01add04af7": ('parts', '洗碗机', None, 'en', 0),
    "e74785b5a7c86eb4ec9bb17cb25b0f046354b5d67e0a7a256178f172061996ae": ('parts', '微波炉', None, 'zh-Hans', 0),
    "45bf4316638c9c43a8ceb27fe8715c86ee59d3775132788e022cf31f4588d644": ('parts', '微波炉', None, 'zh-Hant', 0),
    "187d5c15ad714f575cc78be8625f9adab1c01d1077807d3f7927cbe5963a4535": ('parts', '微波炉', None, 'en', 0),
    "b4cac031b2f7e5c796054db8d9e762562797ce3305a777a61561eb0f00896c69": ('parts', '净水器', None, 'zh-Hans', 0),
    "8e900491ef43d9f37506feab0d21b0112152378d42446a240c86cf188e5bdaa5": ('parts', '净水器', None, 'zh-Hant', 0),
    "58817efff682665a4c7e29d02454072345c049298fecc7855a81f07cdf7c731f": ('parts', '净水器', None, 'en', 0),
}


def upgrade() -> None:
    current: dict[tuple, list[str]] = defaultdict(list)
    for row in load_seed(with_sample=True):
        current[row["topic"], row["product"], row["city"], row["language"]].append(row["answer"])
    connection = op.get_bind()
    for entry_id, answer in connection.execute(sa.select(ENTRIES.c.id, ENTRIES.c.answer)).all():
        old = OLD_ANSWERS.get(hashlib.sha256(answer.encode("utf-8")).hexdigest())
        if old is None:
            continue
        *key, index = old
        answers = current.get(tuple(key), [])
        if index < len(answers):
            connection.execute(sa.update(ENTRIES).where(ENTRIES.c.id == entry_id)
                               .values(answer=answers[index]))


def downgrade() -> None:
    pass
