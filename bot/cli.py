"""The `avatar-bot` command: run, chat, doctor, personas."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from bot.logs import setup_logging
from bot.settings import Settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="avatar-bot", description="Avatar Adventures chatbot")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="start the playground and every configured platform adapter")
    chat = sub.add_parser("chat", help="chat in the terminal (reads one message per line when piped)")
    chat.add_argument("--user", required=True, help="your display name")
    chat.add_argument("--channel", default="terminal", help="channel id (default: terminal)")
    chat.add_argument("--persona", help="persona id to use in this channel")
    chat.add_argument("--group", action="store_true", help="behave like a group channel")
    sub.add_parser("doctor", help="show which models, store and adapters are active, and why")
    personas = sub.add_parser("personas", help="list, show, import or export personas")
    psub = personas.add_subparsers(dest="pcmd", required=True)
    psub.add_parser("list")
    show = psub.add_parser("show")
    show.add_argument("id")
    imp = psub.add_parser("import")
    imp.add_argument("file", type=Path)
    exp = psub.add_parser("export")
    exp.add_argument("id")
    exp.add_argument("file", type=Path)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script and `python -m bot`."""
    args = _parser().parse_args(argv)
    settings = Settings()
    setup_logging(settings.log_level, quiet=args.cmd == "chat")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        if args.cmd == "run":
            from bot.app import run

            asyncio.run(run(settings))
        elif args.cmd == "chat":
            asyncio.run(_chat(settings, args))
        elif args.cmd == "doctor":
            from bot.doctor import report

            print(report(settings))
        elif args.cmd == "personas":
            return _personas(settings, args)
    except KeyboardInterrupt:
        return 130
    return 0


async def _chat(settings: Settings, args: argparse.Namespace) -> None:
    from bot.adapters.console import chat_loop
    from bot.app import build_core
    from bot.core.models import Channel

    runtime = await build_core(settings)
    try:
        core = runtime.core
        if args.persona:
            persona = core.personas.find(args.persona)
            if persona is None:
                names = ", ".join(p.id for p in core.personas.list())
                print(f"Unknown persona {args.persona!r}. Available: {names}", file=sys.stderr)
                return
            await core.memory.settings.set_channel_persona(Channel("console", args.channel).key, persona.id)
        await chat_loop(core, user_name=args.user, channel_id=args.channel, group=args.group)
    finally:
        await runtime.aclose()


def _personas(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import PERSONAS_DIR
    from bot.texts import build_catalogue
    from generators.errors import InputError
    from personas.registry import PersonaRegistry

    reg = PersonaRegistry(PERSONAS_DIR, settings.avatar_data_dir / "personas")
    try:
        if args.pcmd == "list":
            for p in reg.list():
                print(f"{p.id:<16} {p.name:<20} {p.tagline}  [{p.source}]")
        elif args.pcmd == "show":
            p = reg.get(args.id)
            for key in (
                "id",
                "name",
                "tagline",
                "description",
                "personality",
                "speaking_style",
                "greeting",
                "languages",
                "appearance",
                "caption_style",
                "boundaries",
                "source",
            ):
                print(f"{key}: {getattr(p, key)}")
        elif args.pcmd == "import":
            p = reg.import_file(args.file)
            print(f"Imported {p.name} as {p.id}")
        elif args.pcmd == "export":
            reg.export(args.id, args.file, fmt="json" if args.file.suffix.lower() == ".json" else "png")
            print(f"Exported {args.id} to {args.file}")
    except InputError as err:
        print(build_catalogue().text(err.key, "en", **err.params), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
