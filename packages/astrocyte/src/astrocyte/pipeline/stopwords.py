"""English function words: never names on their own, and no evidence that a text answers a question."""

from __future__ import annotations

_LISTED = (
    "a an the this that these those there here it its i we you he she they me us him her them my our your "
    "his their and but or so if then when while because after before since until as at by for from in "
    "into on onto of to with without about over under between through during yes no not all some any each "
    "every many most much more few both either neither one two three what which who whom whose where why "
    "how today yesterday tomorrow tonight also just still yet however meanwhile later now once again "
    "please thanks thank hello hi dear is was are were be been do did does done have has had will would "
    "can could should may might must let lets let's ok okay well oh"
)
FUNCTION_WORDS = frozenset(_LISTED.split())
