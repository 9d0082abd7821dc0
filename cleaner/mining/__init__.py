"""Learn a site's chrome from the corpus itself (``cleaner mine``).

A site's chrome repeats across its pages while its articles do not. ``Miner`` counts normalised
lines per domain in two streaming passes with bounded memory, and proposes one reviewable YAML
site pack per domain, each rule with its evidence and inline examples that pass ``cleaner rules
test``. See docs/mining.md.

    from cleaner.mining import Miner, MineOptions
    miner = Miner(MineOptions(min_docs=5, min_share=0.5))
    for doc in documents:          # cleaner.Document, or miner.add(text, url=...)
        miner.add(doc)
    result = miner.finish()        # result.packs, result.borderline(), result.generic
    result.write("rules/sites/")   # <domain>.mined.yaml, mine-report.md, generic-candidates.jsonl
"""

from cleaner.mining.miner import MinedPack, Miner, MineResult, MineStats, mine, reference_cleaner
from cleaner.mining.options import MineOptions

__all__ = ["MineOptions", "MineResult", "MineStats", "MinedPack", "Miner", "mine", "reference_cleaner"]
