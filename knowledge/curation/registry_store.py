"""Store a registry record rebuilt from consecutive stored parts, and check it mechanically.

Why: counts taken from a registry record are re-derived by program (issue 20), so the record itself must be
kept in the repository, byte for byte as stored. The search tool returns a GitHub file in parts of 16,000
characters (``read_file`` with ``offset``); each part's ``text`` field is saved, exactly as the tool
returned it (a JSON string literal, quotes included), as ``<parts>/<offset>.json``. This script

1. decodes every part and checks that they are consecutive: the first starts at 0 (or at ``--start`` for a
   character range of a larger file), each starts where the previous ended, and every part but the last is
   exactly 16,000 characters long;
2. checks that the rebuilt text is as long as the stored total (``total_chars`` of the tool's answer) or,
   for a range, that it ends at ``--end``;
3. checks that the text (or the range) parses as JSON on its own;
4. writes the kept text unchanged to ``--out`` and records repository, path, commit, lengths and sha256
   in ``knowledge/sources/registry/MANIFEST.csv``.

``blocks --escaped`` handles a record kept as a JSON *string* inside a larger file (``research-content.json``
holds whole CT.gov records as escaped strings: ``{\"type\":\"PRIMARY\",...}``). Anchors, openers and
``within_after`` are written un-escaped in the spec; each block is located and parsed on the un-escaped text,
and the stored file is the exact *escaped* character range of the source file, so its offsets and length are
those of the source. Such a file (``record_format`` ending in ``_escaped``) parses after one JSON-string
un-escape: ``json.loads(json.loads('"' + text + '"'))``.

``verify`` re-checks every stored file against the manifest (length, sha256, parses). Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

PART_CHARS = 16_000
HERE = Path(__file__).resolve().parents[1] / "sources" / "registry"
MANIFEST = HERE / "MANIFEST.csv"
UNCHECKED = ("starts inside a leading piece of a part (no 16,000-character check), so its offsets rest on the "
             "transcription of that piece")
UNCHECKED_TAIL = ("starts inside a trailing piece of a part (no 16,000-character check), so its offsets rest on the "
                  "transcription of that piece")
FIELDS = [
    "nct", "trial_id", "stored_file", "repo", "path", "commit", "total_chars", "kept", "kept_chars",
    "sha256_kept", "sha256_full", "record_format", "parts", "note",
]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_parts(parts_dir: Path) -> list[tuple[int, str]]:
    """Return (offset, decoded text) for every ``<offset>.json`` part, in offset order."""
    parts = []
    for file in parts_dir.glob("*.json"):
        text = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(text, str):
            raise SystemExit(f"{file}: not a JSON string literal")
        parts.append((int(file.stem), text))
    if not parts:
        raise SystemExit(f"{parts_dir}: no parts")
    return sorted(parts)


def rebuild(parts: list[tuple[int, str]], start: int, end: int) -> str:
    """Concatenate consecutive parts from ``start`` to ``end``; stop with the first fault found."""
    position = start
    for index, (offset, text) in enumerate(parts):
        if offset != position:
            raise SystemExit(f"part at {offset}: expected a part starting at {position}")
        last = index == len(parts) - 1
        if not last and len(text) != PART_CHARS:
            raise SystemExit(f"part at {offset}: {len(text)} characters, expected {PART_CHARS}")
        position += len(text)
    if position != end:
        raise SystemExit(f"parts end at {position}, expected {end}")
    return "".join(text for _, text in parts)


def load_runs(parts_dir: Path, total: int) -> list[tuple[int, str]]:
    """Group the parts into runs of consecutive text: (absolute start, text).

    ``<offset>.json`` is a whole part (16,000 characters, or fewer only when it ends the file);
    ``<offset>.head.json`` is the leading piece of the part at that offset (any length): it continues a run
    that ends at that offset, and ends its run. ``<offset>.tail.json`` is the trailing piece of the part at
    that offset: it ends where the part ends (``offset`` + 16,000, or the file end), so it starts at that end
    minus its length, and it starts a run.
    """
    pieces = []
    for file in parts_dir.glob("*.json"):
        text = json.loads(file.read_text(encoding="utf-8"))
        offset = int(file.name.split(".")[0])
        head = file.name.endswith(".head.json")
        if file.name.endswith(".tail.json"):
            offset = min(offset + PART_CHARS, total) - len(text)
        elif not head and len(text) != PART_CHARS and offset + len(text) != total:
            raise SystemExit(f"part at {offset}: {len(text)} characters, neither {PART_CHARS} nor the file end")
        pieces.append((offset, head, text))
    runs: list[list] = []
    for offset, head, text in sorted(pieces):
        last = runs[-1] if runs else None
        if last and not last[2] and last[0] + len(last[1]) == offset:
            last[1] += text
            last[2] = head
        else:
            runs.append([offset, text, head])
    return [(start, text) for start, text, _ in runs]


def unchecked_pieces(parts_dir: Path, total: int) -> list[tuple[int, int, str]]:
    """(start, end, note) of every head or tail piece: their lengths have no 16,000-character check."""
    spans = []
    for file in parts_dir.glob("*.json"):
        offset = int(file.name.split(".")[0])
        length = len(json.loads(file.read_text(encoding="utf-8")))
        if file.name.endswith(".head.json"):
            spans.append((offset, offset + length, UNCHECKED))
        elif file.name.endswith(".tail.json"):
            end = min(offset + PART_CHARS, total)
            spans.append((end - length, end, UNCHECKED_TAIL))
    return spans


ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def unescape_map(text: str, begin: int) -> tuple[str, list[int]]:
    """Un-escape JSON-string text from ``begin``: (plain text, index in ``text`` of each plain character).

    The map has one extra entry, the index just past the last complete escape; an escape cut off by the end
    of ``text`` ends the plain text.
    """
    plain: list[str] = []
    where: list[int] = []
    i = begin
    while i < len(text):
        char = text[i]
        if char != "\\":
            plain.append(char)
            where.append(i)
            i += 1
            continue
        code = text[i + 1:i + 2]
        if code in ESCAPES:
            plain.append(ESCAPES[code])
            where.append(i)
            i += 2
        elif code == "u" and len(text) >= i + 6:
            plain.append(chr(int(text[i + 2:i + 6], 16)))
            where.append(i)
            i += 6
        else:
            break
    where.append(i)
    return "".join(plain), where


def escape_text(text: str) -> str:
    """``text`` as it reads inside a JSON string (non-ASCII kept as is)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def find_block_escaped(runs: list[tuple[int, str]], spec: dict) -> tuple[int, int, str]:
    """Like ``find_block``, for a record kept as an escaped JSON string; returns the escaped range.

    The value starts right after ``after`` (un-escaped anchor) or at each ``opener`` after ``within_after``
    (``match`` as in ``_find_matching``); it is parsed on the un-escaped text and mapped back.
    """
    found = []
    wanted = spec.get("occurrence", 1)
    seen = 0
    for start, text in runs:
        if "after" in spec:
            anchor = escape_text(spec["after"])
            position = text.find(anchor)
            candidates = []
            while position != -1:
                seen += 1
                if seen == wanted:
                    candidates.append(position + len(anchor))
                position = text.find(anchor, position + 1)
        else:
            opener = escape_text(spec["opener"])
            position = text.find(escape_text(spec["within_after"]))
            candidates = []
            if position != -1:
                position = text.find(opener, position)
                while position != -1:
                    candidates.append(position + opener.rindex("{"))
                    position = text.find(opener, position + 1)
        for begin in candidates:
            plain, where = unescape_map(text, begin)
            try:
                value, end = json.JSONDecoder().raw_decode(plain, 0)
            except ValueError:
                continue
            if "match" in spec and not all(_field(value, k) == v for k, v in spec["match"].items()):
                continue
            stop = where[end]
            found.append((start + begin, start + stop, text[begin:stop]))
    if len(found) != 1:
        raise SystemExit(f"block {spec['name']}: {len(found)} escaped values found for {spec}")
    return found[0]


def parse_escaped(text: str) -> object:
    """Parse a stored escaped range: un-escape it as one JSON string, then parse the record text."""
    return json.loads(json.loads('"' + text + '"'))


def find_block(runs: list[tuple[int, str]], spec: dict) -> tuple[int, int, str]:
    """Locate one JSON value in the runs; return (absolute start, absolute end, exact text).

    ``after``: the value starts right after this anchor. ``element_containing`` with ``indent``: the value
    is the object, opening with a line of ``indent`` spaces and ``{``, that encloses the anchor.
    ``occurrence`` (1-based) picks among repeated anchors, counted over all runs in order.
    """
    if "match" in spec:
        return _find_matching(runs, spec)
    anchor = spec.get("after") or spec["element_containing"]
    wanted = spec.get("occurrence", 1)
    seen = 0
    for start, text in runs:
        position = text.find(anchor)
        while position != -1:
            seen += 1
            if seen == wanted:
                return _decode_at(start, text, position, anchor, spec)
            position = text.find(anchor, position + 1)
    raise SystemExit(f"block {spec['name']}: anchor occurrence {wanted} not found (found {seen})")


def _field(value: object, dotted: str) -> object:
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _find_matching(runs: list[tuple[int, str]], spec: dict) -> tuple[int, int, str]:
    """The one object after ``within_after`` whose fields match.

    Objects are found by their opening text: a line of ``indent`` spaces and ``{`` (indented records), or an
    explicit ``opener`` such as ``{"type":"`` (compact records). ``match`` maps dotted field names to values
    (``{"arm_id": "OG000", "timepoint.value": 12}``). Objects cut off by the end of the parts read are
    skipped; zero or several matches stop the build.
    """
    opener = spec.get("opener") or "\n" + " " * spec["indent"] + "{"
    found = []
    for start, text in runs:
        position = text.find(spec["within_after"])
        if position == -1:
            continue
        position = text.find(opener, position)
        while position != -1:
            begin = position + opener.rindex("{")
            try:
                value, end = json.JSONDecoder().raw_decode(text, begin)
            except ValueError:
                break
            if all(_field(value, k) == v for k, v in spec["match"].items()):
                found.append((start + begin, start + end, text[begin:end]))
            position = text.find(opener, end)
    if len(found) != 1:
        raise SystemExit(f"block {spec['name']}: {len(found)} objects match {spec['match']}")
    return found[0]


def _decode_at(start: int, text: str, position: int, anchor: str, spec: dict) -> tuple[int, int, str]:
    if "after" in spec:
        begin = position + len(anchor)
    else:
        opener = "\n" + " " * spec["indent"] + "{"
        begin = text.rfind(opener, 0, position) + len(opener) - 1
        if begin < len(opener) - 1:
            raise SystemExit(f"block {spec['name']}: no enclosing object before the anchor")
    try:
        _, end = json.JSONDecoder().raw_decode(text, begin)
    except ValueError as error:
        raise SystemExit(f"block {spec['name']}: the value does not parse within the parts read: {error}") from error
    if "after" not in spec and end <= position:
        raise SystemExit(f"block {spec['name']}: the object found does not enclose the anchor")
    return start + begin, start + end, text[begin:end]


def build_blocks(args: argparse.Namespace) -> None:
    """Store the named blocks (exact character ranges) of a record too large to rebuild whole."""
    parts_dir = Path(args.parts)
    runs = load_runs(parts_dir, args.total)
    specs = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    out_dir = HERE / args.nct
    out_dir.mkdir(exist_ok=True)
    read = ",".join(f"{s}-{s + len(t)}" for s, t in runs)
    unchecked = unchecked_pieces(parts_dir, args.total)
    for spec in specs:
        if args.escaped:
            begin, end, text = find_block_escaped(runs, spec)
            parse_escaped(text)
        else:
            begin, end, text = find_block(runs, spec)
            json.loads(text)
        for first, last, caveat in unchecked:
            if first <= begin < last:
                spec = {**spec, "note": "; ".join(filter(None, [spec.get("note", ""), caveat]))}
        name = f"{args.nct}/{spec['name']}.json"
        (HERE / name).write_text(text, encoding="utf-8", newline="")
        write_manifest_row({
            "nct": args.nct, "trial_id": args.trial_id, "stored_file": name, "repo": args.repo,
            "path": args.path, "commit": args.commit, "total_chars": str(args.total),
            "kept": f"range {begin}-{end}", "kept_chars": str(len(text)), "sha256_kept": sha256(text),
            "sha256_full": "", "record_format": args.format, "parts": read, "note": spec.get("note", ""),
        })
        print(f"{name}: {begin}-{end} ({len(text)} characters)")


def write_manifest_row(row: dict[str, str]) -> None:
    rows = []
    if MANIFEST.exists():
        with MANIFEST.open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r["stored_file"] != row["stored_file"]]
    rows.append(row)
    rows.sort(key=lambda r: r["stored_file"])
    with MANIFEST.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def build(args: argparse.Namespace) -> None:
    parts = load_parts(Path(args.parts))
    is_range = args.start is not None
    start = args.start if is_range else 0
    end = args.end if is_range else args.total
    text = rebuild(parts, start, end)
    json.loads(text)  # raises on anything that is not one JSON document
    out = HERE / args.out
    out.write_text(text, encoding="utf-8", newline="")
    write_manifest_row({
        "nct": args.nct, "trial_id": args.trial_id, "stored_file": args.out, "repo": args.repo,
        "path": args.path, "commit": args.commit, "total_chars": str(args.total),
        "kept": f"range {start}-{end}" if is_range else "full",
        "kept_chars": str(len(text)), "sha256_kept": sha256(text),
        "sha256_full": "" if is_range else sha256(text), "record_format": args.format,
        "parts": str(len(parts)), "note": args.note,
    })
    print(f"{args.out}: {len(text)} characters, {len(parts)} parts, sha256 {sha256(text)[:16]}")


def verify(_: argparse.Namespace) -> int:
    faults = 0
    with MANIFEST.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = (HERE / row["stored_file"]).read_text(encoding="utf-8")
            problems = []
            if len(text) != int(row["kept_chars"]):
                problems.append(f"{len(text)} characters, manifest says {row['kept_chars']}")
            if row["kept"] == "full" and len(text) != int(row["total_chars"]):
                problems.append("full copy shorter or longer than the stored total")
            if sha256(text) != row["sha256_kept"]:
                problems.append("sha256 differs from the manifest")
            try:
                if row["record_format"].endswith("_escaped"):
                    parse_escaped(text)
                else:
                    json.loads(text)
            except ValueError as error:
                problems.append(f"does not parse: {error}")
            faults += bool(problems)
            print(f"{row['stored_file']}: {'; '.join(problems) or 'ok'}")
    return 1 if faults else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="rebuild one record from its parts and store it")
    for name in ("parts", "nct", "trial_id", "repo", "path", "commit", "out", "format"):
        b.add_argument(f"--{name}", required=True)
    b.add_argument("--total", type=int, required=True, help="total_chars of the stored file")
    b.add_argument("--start", type=int, help="first character of a kept range (large files)")
    b.add_argument("--end", type=int, help="end (exclusive) of a kept range")
    b.add_argument("--note", default="")
    k = sub.add_parser("blocks", help="store named blocks (exact ranges) of a large record")
    for name in ("parts", "nct", "trial_id", "repo", "path", "commit", "format", "spec"):
        k.add_argument(f"--{name}", required=True)
    k.add_argument("--total", type=int, required=True, help="total_chars of the stored file")
    k.add_argument("--escaped", action="store_true",
                   help="the record is an escaped JSON string inside the file (use a *_escaped --format)")
    sub.add_parser("verify", help="re-check every stored record against MANIFEST.csv")
    args = parser.parse_args(argv)
    if args.command == "build":
        build(args)
        return 0
    if args.command == "blocks":
        build_blocks(args)
        return 0
    return verify(args)


if __name__ == "__main__":
    sys.exit(main())
