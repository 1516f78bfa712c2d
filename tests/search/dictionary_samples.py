"""Small bilingual dictionaries written the way CC-CEDICT and Ding write theirs, for the tests of
what a query also searches (expansion) and of how the archive reads what expansion writes."""

CEDICT = """\
# CC-CEDICT sample
數據 数据 [shu4 ju4] /data/numbers/digital/
合成 合成 [he2 cheng2] /to compose/to synthesize/synthetic/
供應鏈 供应链 [gong1 ying4 lian4] /supply chain/
模型 模型 [mo2 xing2] /model/mold/
大 大 [da4] /big/huge/large/
的 的 [de5] /of/
""".splitlines()

DING = """\
# Ding sample
Daten {pl} :: data
synthetisch {adj} :: synthetic
Lieferkette {f} | Lieferketten {pl} :: supply chain | supply chains
Kind {n} | Kinder {pl} :: child | children
Modell {n} | Modelle {pl} :: model | models
""".splitlines()
