"""From a parsed question to a reply: evidence selection, the analysis, wording, rendering, plots."""
