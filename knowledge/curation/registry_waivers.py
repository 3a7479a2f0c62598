"""Rewrite the `not_stored` list of knowledge/data/registry_rules.yaml: every registry-sourced count that no
rule re-derives yet, grouped by trial, with the copy it was read from. Run after adding rules or records
(`python -m knowledge.curation.registry_waivers`); kb check then lists what is still not re-derived, and fails
on a registry-sourced row that is neither re-derived nor listed."""

from __future__ import annotations

import re
from collections import defaultdict

from knowledge import registry
from knowledge.loader import default_directory, load

SECTION = re.compile(r"(?ms)^not_stored:.*\Z")


def main() -> None:
    directory = default_directory()
    kb = load(directory)
    rules = registry.load_rules(directory)
    ruled = {(r["trial_id"]) for r in (rules.get("records") or {}).values()}
    derived: set[tuple[str, str, str]] = set()
    for nct, rule in (rules.get("records") or {}).items():
        derived |= {d.key for d in registry.derive(kb, nct, rule)}
    waiting: dict[str, list] = defaultdict(list)
    for c in kb.counts:
        if registry.registry_sourced(c.url) and (c.trial_id, c.arm_id, c.outcome_id) not in derived:
            waiting[c.trial_id].append(c)
    lines = ["not_stored:"]
    for trial_id, counts in sorted(waiting.items()):
        copies = sorted({c.url.split(" @")[0].split("/blob/")[0].removeprefix("https://github.com/") for c in counts})
        why = f"record not stored yet (read from {', '.join(copies)})"
        if trial_id in ruled:
            lines += [f"  {c.trial_id}/{c.arm_id}/{c.outcome_id}: \"{why}; no stored block holds it\""
                      for c in counts]
        else:
            lines.append(f"  {trial_id}: \"{why}\"")
    path = directory / registry.RULES_FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(SECTION.sub("\n".join(lines) + "\n", text), encoding="utf-8")


if __name__ == "__main__":
    main()
