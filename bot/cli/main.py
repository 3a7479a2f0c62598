"""`evidence-bot`: ask offline, pool a CSV, check the knowledge base, or serve on Telegram."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

from bot.cli import kb as kb_cli
from knowledge.errors import KnowledgeBaseError

DEFAULT_QUESTION = "does dupilumab reduce skin infections"
# Sub-commands whose modules import the analysis engine (numpy, scipy: most of a cold start): each registers its
# own options only when the command line names it, so that `--help`, `ask`, `kb` and `serve` start without it.
# The one-line summary shown by `evidence-bot --help` is the module's own (tests/test_snapshot.py compares them).
ENGINE_COMMANDS = {
    "pool": ("bot.cli.pool", "meta-analyse 2x2 tables from a CSV (study,ai,n1i,ci,n2i)"),
    "network": ("bot.cli.network",
                "network meta-analysis of arm-level binary data from a CSV (study,treatment,events,n)"),
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence-bot",
        description="Answers clinicians' questions about trials of systemic atopic-dermatitis drugs from curated, "
                    "cited data.")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", help="answer a question offline (no token, no network)")
    ask.add_argument("question", nargs="*", help=f"the question (default with no input: '{DEFAULT_QUESTION}')")
    ask.add_argument("--json", action="store_true", help="print the parse and the numbers as JSON")
    ask.add_argument("--html", action="store_true", help="print the Telegram HTML messages")
    ask.add_argument("--plot", metavar="FILE.png", help="write the forest plot of the first outcome")
    ask.add_argument("--icons", metavar="FILE.png", help="write the icon array of the first outcome")
    ask.add_argument("--kb", metavar="DIR", help="use another knowledge-base directory")
    ask.add_argument("--measure", choices=["RR", "OR", "RD"], help="default measure (like /settings)")
    ask.add_argument("--model", choices=["fixed", "random"], help="default model (like /settings)")
    named = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    for name, (module, summary) in ENGINE_COMMANDS.items():
        if name == named:
            importlib.import_module(module).add_parser(sub)
        else:
            sub.add_parser(name, help=summary)
    kb_cli.add_parser(sub)
    serve = sub.add_parser("serve", help="run the Telegram bot (TELEGRAM_BOT_TOKEN from the environment)")
    serve.add_argument("--webhook-url", help="use a webhook at this public URL instead of long polling")
    serve.add_argument("--listen", default="127.0.0.1", help="webhook listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8443, help="webhook listen port (default 8443)")
    serve.add_argument("--kb", metavar="DIR", help="use another knowledge-base directory")
    serve.add_argument("--check-state", action="store_true",
                       help="run the full integrity check of the state database before serving")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        code = None
        if args.command == "ask":
            code = run_ask(args)
        elif args.command in ENGINE_COMMANDS:
            code = importlib.import_module(ENGINE_COMMANDS[args.command][0]).run(args)
        elif args.command == "kb":
            code = kb_cli.run(args)
        elif args.command == "serve":
            from bot.telegram.application import run_serve

            code = run_serve(args)
        if code is not None:
            sys.stdout.flush()  # a full device or a closed pipe shows here, not in the interpreter's exit
            return code
    except PictureError as exc:
        print(f"evidence-bot: {exc}", file=sys.stderr)
        return 1
    except KnowledgeBaseError as exc:
        print(kb_cli.safe_lines(f"evidence-bot: {exc}"), file=sys.stderr)  # control characters escaped
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python from failing while flushing at exit
        return 0
    except OSError as exc:  # stdout on a full device, or otherwise unwritable
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the unwritten rest must not fail again at exit
        print(f"evidence-bot: cannot write the output ({exc.strerror or type(exc).__name__})", file=sys.stderr)
        return 1
    build_parser(argv).print_help()
    return 0


def run_ask(args: argparse.Namespace) -> int:
    from bot.answers.render import html_messages, text
    from bot.service import EvidenceService, Settings

    service = EvidenceService.from_directory(args.kb)
    settings = Settings(measure=args.measure, model=args.model)
    if args.question:
        questions = [" ".join(args.question)]
    elif sys.stdin is not None and not sys.stdin.isatty():
        questions = [q.rstrip("\n") for q in sys.stdin if q.strip()]
        if not questions:
            questions = [DEFAULT_QUESTION]
    else:
        questions = [DEFAULT_QUESTION]
    for index, question in enumerate(questions):
        result = service.ask(question, settings)
        rendered = text(result.reply)
        if args.json:
            from bot.answers.as_json import answer_json

            payload = answer_json(result.answer, result.reply, service.kb, rendered)
            payload["question"] = question
            print(json.dumps(payload, ensure_ascii=False, allow_nan=False))
        elif args.html:
            print("\n\n---\n\n".join(html_messages(result.reply, ("trials", "method", "sources"))))
        else:
            if index:
                print("\n" + "=" * 60 + "\n")
            print(rendered)
        if index == 0 and (args.plot or args.icons):
            _write_pictures(result, args, service.kb)
    return 0


def _write_pictures(result, args: argparse.Namespace, kb) -> None:
    answer = result.answer
    if not answer.outcomes and (answer.overview is not None or answer.card is not None or answer.comparisons):
        # a summary of findings, a comparison card: the one picture of such an answer, written by --plot
        from bot.answers.sof_picture import summary_picture

        def draw(_, data):
            return summary_picture(answer, kb)[0]

        targets = ((args.plot, draw),)
    elif not answer.outcomes:
        print("evidence-bot: no picture: this question has no analysis to plot", file=sys.stderr)
        return
    else:
        from bot.answers.plots import forest_png, icon_array_png

        targets = ((args.plot, forest_png), (args.icons, icon_array_png))
    oa = answer.outcomes[0] if answer.outcomes else None
    for path, draw in targets:
        if not path:
            continue
        png = draw(oa, data=f"{answer.kb_version} ({answer.kb_hash})")
        if png is None:
            print(f"evidence-bot: no picture for {path}: nothing was pooled", file=sys.stderr)
            continue
        try:
            with open(path, "wb") as handle:
                handle.write(png)
        except OSError as exc:  # a directory, a missing folder, no permission, a full disk
            raise PictureError(f"cannot write {path} ({exc.strerror or type(exc).__name__})") from None


class PictureError(Exception):
    """A picture file that could not be written, explained in one line."""


if __name__ == "__main__":
    sys.exit(main())
