"""Question understanding: the phrase index (lexicon) and the rule-based parser."""
