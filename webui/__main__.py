"""`python -m webui users add|remove|list|passwd`: who may sign in to the chat UI, and as what.

Passwords are asked for without echo (twice), or read from standard input with
`--password-stdin` for scripts; they are never printed or passed on the command line.

    python -m webui users add jsmith --role member
    printf '%s\n' "$PASS" | python -m webui users passwd jsmith --password-stdin
    python -m webui users list
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ingest.cli import report_error
from ingest.settings import SettingsError, load_settings
from retrieval.records import ROLES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m webui", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    users = commands.add_parser("users", help="manage the users file (DATA_DIR/users.json)")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    remove = actions.add_parser("remove", help="remove a user (their sessions end at once)")
    remove.add_argument("name")
    actions.add_parser("list", help="names and roles (never passwords)")
    passwd = actions.add_parser("passwd", help="set a user's password, and optionally role")
    passwd.add_argument("name")
    passwd.add_argument("--role", choices=ROLES, help="also change the role")
    for sub in (add, passwd):
        sub.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input",
        )
    for sub in (add, remove, passwd, actions.choices["list"]):
        sub.add_argument("--data-dir", type=Path, help="override CPA_DATA_DIR")
        sub.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("New password: ")
    if getpass.getpass("Same password again: ") != first:
        raise ValueError("the two passwords differ; nothing was changed")
    return first


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from retrieval.users import UserError, UserStore

    users = UserStore(settings.users_path)
    try:
        if args.action == "list":
            for name, role in users.list():
                print(f"{name}\t{role}")
        elif args.action == "remove":
            users.remove(args.name)
            print(f"removed {args.name}")
        elif args.action == "add":
            users.add(args.name, _password(args.password_stdin), args.role)
            print(f"added {args.name} ({args.role})")
        else:
            users.passwd(args.name, _password(args.password_stdin), args.role)
            print(
                f"changed the password of {args.name}"
                + (f" (now {args.role})" if args.role else "")
            )
    except (UserError, ValueError) as exc:
        print(f"error: {str(exc).rstrip('.')}.", file=sys.stderr)
        return 2
    except Exception as exc:
        return report_error(exc, args.debug, 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
