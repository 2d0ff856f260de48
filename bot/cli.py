"""The `newsbrief` command: brief, ask, digest, chat, run, predict and score."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import select
import sys
from collections.abc import Sequence

from summarizers.errors import NewsbriefError

EVAL_TASKS = ("summarize", "stance", "answer")
log = logging.getLogger("newsbrief")


def _use_models(args: argparse.Namespace) -> None:
    """The [models] of --config, when given; else the packaged defaults."""
    if args.config:
        from bot.config import apply_models, load_config

        apply_models(load_config(args.config, env={}).models)


def _cmd_brief(args: argparse.Namespace) -> int:
    from summarizers.analysis import analyze
    from summarizers.article import load_source
    from summarizers.briefing import build_briefing
    from summarizers.render import render_briefing

    _use_models(args)
    briefing = build_briefing(analyze(load_source(args.source)))
    print(render_briefing(briefing, args.format))
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from summarizers.analysis import analyze
    from summarizers.article import load_source
    from summarizers.qa import answer_question
    from summarizers.render import render_answer

    _use_models(args)
    analyses = [analyze(load_source(s)) for s in args.sources]
    print(render_answer(answer_question(args.question, analyses), args.format))
    return 0


def _cmd_digest(args: argparse.Namespace) -> int:
    """A one-off digest of feeds (links or files): the bot's digest, on the terminal."""
    import asyncio

    from bot.core import Command, Core, Engine, digest_reply
    from bot.render import to_plain
    from bot.store import Conversation, MemoryStore

    _use_models(args)
    core = Core(engine=Engine(allow_files=True, for_questions=False), store=MemoryStore(),
                max_feeds=len(args.feeds),
                digest_items=args.items)
    here = Conversation("cli", "local", "digest")

    async def digest() -> str:
        for feed in args.feeds:
            reply = await core.run(Command("follow", feed), here)
            if reply.ephemeral:  # the feed could not be read: say which, go on with the rest
                print(f"newsbrief: {feed}: {reply.text}", file=sys.stderr)
        if not core.store.follows(here):
            raise NewsbriefError("None of the feeds could be read.")
        return to_plain(digest_reply(await core.digest(here)))[0]

    try:
        print(asyncio.run(digest()))
    finally:
        core.close()
    return 0


def _cmd_predict(args: argparse.Namespace) -> int:
    from summarizers.evaluation.data import read_jsonl, write_jsonl

    task = importlib.import_module(f"summarizers.evaluation.{args.task}")
    options = {k: v for k, v in vars(args).items() if k in ("sentences", "bodies", "method")}
    preds = task.predict(read_jsonl(args.input), **{k: v for k, v in options.items() if v})
    if args.output in (None, "-"):
        for row in preds:
            print(json.dumps(row, ensure_ascii=False))
    else:
        write_jsonl(args.output, preds)
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from summarizers.evaluation.data import read_jsonl

    task = importlib.import_module(f"summarizers.evaluation.{args.task}")
    scores = task.score(read_jsonl(args.gold), read_jsonl(args.predictions))
    print(json.dumps(scores, indent=2))
    return 0


def _cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import run_console

    return run_console(args.config)


def _cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run

    return run(args.config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsbrief",
        description="Contradiction-first news briefings and attribution-aware answers.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("brief", help="brief one article (file path, - for stdin, or a URL)")
    p.add_argument("source")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--config", default=None, help="TOML config file: its [models] are used")
    p.set_defaults(func=_cmd_brief)

    p = sub.add_parser("ask", help="answer a question from one or more articles")
    p.add_argument("sources", nargs="+", metavar="SOURCE")
    p.add_argument("--question", "-q", required=True)
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--config", default=None, help="TOML config file: its [models] are used")
    p.set_defaults(func=_cmd_ask)

    p = sub.add_parser("digest", help="a digest of news feeds: stories grouped across outlets, "
                       "where they disagree")
    p.add_argument("feeds", nargs="+", metavar="FEED", help="feed link (RSS, Atom, JSON Feed) "
                   "or file")
    p.add_argument("--items", type=int, default=20, help="entries briefed at most, newest first")
    p.add_argument("--config", default=None, help="TOML config file: its [models] are used")
    p.set_defaults(func=_cmd_digest)

    p = sub.add_parser("chat", help="talk to the bot on the terminal (reads lines from stdin)")
    p.add_argument("--config", default=None, help="TOML config file (optional)")
    p.set_defaults(func=_cmd_chat)

    p = sub.add_parser("run", help="start the configured chat adapters (console if none)")
    p.add_argument("--config", default=None, help="TOML config file (optional)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("predict", help="run a task over an evaluation JSONL file")
    p.add_argument("task", choices=EVAL_TASKS)
    p.add_argument("input")
    p.add_argument("--output", "-o", default=None, help="JSONL to write (default: stdout)")
    p.add_argument("--sentences", type=int, default=None, help="summarize: sentences per summary")
    p.add_argument("--bodies", default=None,
                   help="stance: JSONL of FNC-1 bodies (body_id); rows with bodies may be "
                        "labelled unrelated, rows with a premise get one of the three other labels")
    p.add_argument("--method", default=None, help="the method or baseline to run")
    p.set_defaults(func=_cmd_predict)

    p = sub.add_parser("score", help="score predictions against an evaluation JSONL file")
    p.add_argument("task", choices=EVAL_TASKS)
    p.add_argument("gold")
    p.add_argument("predictions")
    p.set_defaults(func=_cmd_score)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except NewsbriefError as err:
        print(f"newsbrief: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        if not _reader_gone():  # a pipe or socket of our own broke: a real error
            raise
        # The reader went away (`| head`, `| grep -q`): nothing is wrong with the command. Point
        # stdout at /dev/null so the interpreter's own flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _reader_gone() -> bool:
    """Whether stdout is a pipe whose reading end is closed (poll reports an error on it)."""
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & select.POLLERR for _, events in poller.poll(0))
    except (OSError, ValueError):
        return False


if __name__ == "__main__":
    sys.exit(main())
