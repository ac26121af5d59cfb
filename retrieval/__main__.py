"""`python -m retrieval search|ask "question"`: search the papers or get a cited answer."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest.cli import report_error
from ingest.decisions import KINDS, describe_votes
from ingest.records import DOC_TYPES
from ingest.settings import SettingsError, load_settings


def _add_common(parser: argparse.ArgumentParser, question: bool = True) -> None:
    if question:
        parser.add_argument("question", help="the question, in your own words")
    parser.add_argument(
        "--council",
        action="append",
        default=[],
        help="only this council (repeatable; part of the name is enough)",
    )
    parser.add_argument(
        "--body", action="append", default=[], help="only this committee/body (repeatable)"
    )
    parser.add_argument(
        "--type",
        dest="doc_types",
        action="append",
        default=[],
        choices=DOC_TYPES,
        help="only this document type: " + ", ".join(DOC_TYPES),
    )
    parser.add_argument(
        "--doc",
        dest="doc_ids",
        action="append",
        default=[],
        help="only this document id (file stem; repeatable)",
    )
    parser.add_argument("--since", default="", help="only papers dated on or after yyyy-mm-dd")
    parser.add_argument("--until", default="", help="only papers dated on or before yyyy-mm-dd")
    if not question:
        _add_person(parser)
        return
    parser.add_argument(
        "--history",
        default="",
        help='earlier turns for a follow-up: a JSON file or JSON text, [{"role": "user", "content": ...}, ...]',
    )
    _add_person(parser)


def _add_person(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        default="",
        help="sign in as this user of DATA_DIR/users.json (members and officers may see exempt "
        "papers); the password comes from CPA_PASSWORD or is asked for",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--data-dir", type=Path, help="override CPA_DATA_DIR for this run")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m retrieval",
        description="Search committee papers or ask a question with cited answers.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    search = commands.add_parser(
        "search", help="ranked passages for a question (hybrid: meaning + exact terms)"
    )
    _add_common(search)
    search.add_argument(
        "--k", type=_passages, default=5, help="number of passages, 1 to 100 (default 5)"
    )
    search.add_argument(
        "--mode", default="hybrid", choices=["hybrid", "dense", "lexical"], help="search method"
    )
    ask = commands.add_parser("ask", help="a short answer with numbered citations")
    _add_common(ask)
    register = commands.add_parser(
        "decisions", help="the decisions register: what was resolved, recommended or agreed"
    )
    register.add_argument("--query", default="", help="words the decision or its item holds")
    register.add_argument(
        "--kind",
        action="append",
        default=[],
        help="only this kind (repeatable): " + ", ".join(KINDS),
    )
    _add_common(register, question=False)
    return parser


class UsageError(ValueError):
    """A bad argument; the message says which and what to do."""


def _passages(value: str) -> int:
    if not value.strip().isdigit() or not 1 <= int(value) <= 100:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 100, not {value!r}")
    return int(value)


def _signed_in(settings, name: str):
    """The user `--user` names, once their password (CPA_PASSWORD, else asked) checks out."""
    from retrieval.records import ANONYMOUS
    from retrieval.users import UserStore

    if not name:
        return ANONYMOUS
    password = settings.password
    if not password:
        if not sys.stdin.isatty():
            raise UsageError(f"--user {name} needs a password: set CPA_PASSWORD.")
        import getpass

        password = getpass.getpass(f"Password for {name}: ")
    user = UserStore(settings.users_path).verify(name, password)
    if user is None:
        raise UsageError(f"--user {name}: unknown user or wrong password.")
    return user


def _history(value: str) -> list[dict[str, str]]:
    if not value:
        return []
    text = Path(value).read_text(encoding="utf-8") if Path(value).is_file() else value
    try:
        history = json.loads(text)
    except ValueError:
        raise UsageError(
            '--history must be a JSON list of {"role", "content"} messages (or a file holding one).'
        ) from None
    if not isinstance(history, list) or not all(
        isinstance(m, dict) and isinstance(m.get("content"), str) for m in history
    ):
        raise UsageError('--history must be a JSON list of {"role", "content"} messages.')
    return history


def _ensure_index(settings, retriever) -> None:
    """A first run indexes the corpus folder, so `ask` works straight after install."""
    if retriever.store.document_records():
        return
    from ingest.progress import ConsoleProgress
    from ingest.service import build_ingester

    print(f"The index is empty; indexing {settings.corpus_dir}/ first …", file=sys.stderr)
    with ConsoleProgress(enabled=sys.stderr.isatty()) as progress:
        build_ingester(settings, progress=progress).run([settings.corpus_dir])


def _print_hits(result) -> None:
    if result.rewritten_query != result.query:
        print(f"(searched for: {result.rewritten_query})")
    for note in result.notes:
        print(f"({note})")
    if not len(result):
        print("No matching passages.")
    for hit in result:
        data = hit.to_dict()
        where = " · ".join(str(x) for x in (data["council"], data["date"]) if x)
        para = f" · para {', '.join(data['paragraphs'])}" if data["paragraphs"] else ""
        page = f" · p. {data['page']}" if data["page"] is not None else ""
        print(f"\n{hit.rank}. {data['title'] or hit.doc_id}  [{hit.doc_id}]")
        print(f"   {where}{para}{page}  (score {hit.score:.4f})")
        for line in hit.text.splitlines():
            print(f"   │ {line}")


def _print_answer(answer) -> None:
    print(answer.answer)
    if answer.rewritten_query and answer.rewritten_query != answer.question:
        print(f"\n(searched for: {answer.rewritten_query})")
    for note in answer.notes:
        print(f"({note})")
    sources = answer.citations or answer.suggestions
    if sources:
        print("\nSources:" if answer.citations else "\nClosest passages:")
    shown = ""
    for c in sources:
        if c.doc_id != shown:
            print(f"{c.title} — {' · '.join(x for x in (c.council, c.body, c.date) if x)}")
            shown = c.doc_id
        where = " · ".join(
            x for x in (c.paragraph and f"para {c.paragraph}", c.page and f"p. {c.page}") if x
        )
        quote = " ".join(c.quote.split())
        print(f"  [{c.n}] {where or c.doc_id}: “{quote}”")


def _decisions(settings, args, filters, user) -> int:
    """Print the matching decisions: one JSON object per line with --json, else a short list."""
    from retrieval.decision_register import public_fields
    from retrieval.service import build_register

    rows = build_register(settings).search(args.query, filters, args.kind, user)
    if args.json:
        for row in rows:
            print(json.dumps(public_fields(row), ensure_ascii=False))
        return 0
    if not rows:
        print("No decisions match.")
    for row in rows:
        where = " · ".join(
            str(x)
            for x in (
                row["council"],
                row["body"],
                row["date"],
                row["ref"] and f"ref {row['ref']}",
                row["page"] and f"p. {row['page']}",
            )
            if x
        )
        vote = describe_votes(row)
        print(
            f"\n[{row['kind']}{'/' + row['outcome'] if row['outcome'] else ''}] {row['subject'] or row['title']}"
        )
        print(f"   {where}  [{row['doc_id']}]")
        print(f"   “{' '.join(row['text'].split())}”")
        if vote:
            print(f"   {vote}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        overrides = {"data_dir": args.data_dir} if args.data_dir else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        from retrieval.filters import FilterError
        from retrieval.records import Filters, RequestError, checked_request
        from retrieval.service import build_answerer, build_retriever

        filters = Filters(
            councils=tuple(args.council),
            bodies=tuple(args.body),
            doc_types=tuple(args.doc_types),
            doc_ids=tuple(args.doc_ids),
            since=args.since,
            until=args.until,
        )
        user = _signed_in(settings, args.user)
        if args.command == "decisions":
            return _decisions(settings, args, filters, user)
        question, history = checked_request(args.question, _history(args.history))
        retriever = build_retriever(settings, getattr(args, "mode", "hybrid"))
        _ensure_index(settings, retriever)
        if args.command == "search":
            result = retriever.search(question, filters, history, user, k=args.k)
            print(
                json.dumps(result.to_dict(), indent=2, ensure_ascii=False) if args.json else "",
                end="",
            )
            if not args.json:
                _print_hits(result)
            else:
                print()
            return 0
        from retrieval.answering import Assistant

        assistant = Assistant(retriever, build_answerer(settings), settings.top_k)
        answer = assistant.answer(question, history, filters, user)
    except (UsageError, FilterError, RequestError) as exc:
        print(f"error: {exc}.".replace("..", "."), file=sys.stderr)
        return 2
    except Exception as exc:
        return report_error(exc, args.debug, 2)
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
