"""The command line reference page, walked from the click command tree itself."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import click

from feed.docsgen.markdown import anchor, code, generated_note, heading, inline, table

__all__ = ["CommandDoc", "help_paragraphs", "render_cli", "walk_commands"]


@dataclass(frozen=True)
class CommandDoc:
    """One command of the tree with the click context it runs in (for usage and defaults)."""

    path: str
    command: click.Command
    context: click.Context
    depth: int


def walk_commands(root: click.Command, name: str = "kpfeed") -> Iterator[CommandDoc]:
    """Every visible command under `root`, depth first, subcommands in name order."""
    ctx = click.Context(root, info_name=name, **root.context_settings)
    yield from _walk(root, ctx, 0)


def _walk(command: click.Command, ctx: click.Context, depth: int) -> Iterator[CommandDoc]:
    yield CommandDoc(ctx.command_path, command, ctx, depth)
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, sub_name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = click.Context(sub, info_name=sub_name, parent=ctx, **sub.context_settings)
            yield from _walk(sub, sub_ctx, depth + 1)


def help_paragraphs(command: click.Command) -> list[str]:
    """The command's help as Markdown paragraphs (click's `\\f` cut and `\\b` blocks honoured)."""
    text = inspect.cleandoc(command.help or "").split("\f", 1)[0]
    paragraphs: list[str] = []
    for block in text.split("\n\n"):
        block = block.strip("\n")
        if not block.strip():
            continue
        if block.startswith("\b"):
            # click prints \b blocks without rewrapping: keep their lines as they are.
            lines = block[1:].strip("\n")
            paragraphs.append("```text\n" + lines + "\n```")
        else:
            paragraphs.append(inline(block))
    return paragraphs


def render_cli(root: click.Command, name: str = "kpfeed") -> str:
    """The whole `cli.md` page: a summary table, then one section per command."""
    docs = list(walk_commands(root, name))
    out = [
        "# Command line reference",
        "",
        generated_note("the `kpfeed` command tree"),
        "Every command accepts `-h`/`--help`. Library errors end a command with a message "
        "on standard error and exit status 1; commands with `--json` print the error as JSON "
        "instead.",
        "",
        table(
            ["command", "what it does"],
            (
                [f"[{code(doc.path)}](#{anchor(doc.path)})", inline(_short_help(doc.command))]
                for doc in docs
            ),
        ),
    ]
    for doc in docs:
        out.extend(["", *_command_section(doc)])
    return "\n".join(out) + "\n"


def _short_help(command: click.Command) -> str:
    paragraphs = inspect.cleandoc(command.help or "").split("\f", 1)[0].split("\n\n")
    return paragraphs[0] if paragraphs else ""


def _command_section(doc: CommandDoc) -> list[str]:
    command, ctx = doc.command, doc.context
    usage = " ".join([doc.path, *command.collect_usage_pieces(ctx)])
    lines = [
        heading(2, code(doc.path), anchor(doc.path)),
        "",
        f"```text\n{usage}\n```",
        "",
    ]
    for paragraph in help_paragraphs(command):
        lines.extend([paragraph, ""])
    params = [p for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    arguments = [p for p in params if isinstance(p, click.Argument)]
    options = [p for p in params if isinstance(p, click.Option)]
    if arguments:
        lines.extend(
            [
                "**Arguments**",
                "",
                table(
                    ["argument", "type", "required"],
                    (
                        [code(_metavar(arg, ctx)), _type_text(arg), _yes(arg.required)]
                        for arg in arguments
                    ),
                ),
                "",
            ]
        )
    if options:
        lines.extend(
            [
                "**Options**",
                "",
                table(
                    ["option", "type", "default", "description"],
                    (
                        [_option_names(opt), _type_text(opt), _default_text(opt, ctx), _help(opt)]
                        for opt in options
                    ),
                ),
                "",
            ]
        )
    if isinstance(command, click.Group):
        subs = [
            sub_name
            for sub_name in sorted(command.list_commands(ctx))
            if (sub := command.get_command(ctx, sub_name)) is not None and not sub.hidden
        ]
        links = ", ".join(f"[{code(doc.path + ' ' + s)}](#{anchor(doc.path, s)})" for s in subs)
        lines.extend([f"**Commands**: {links}", ""])
    return lines[:-1]


def _metavar(arg: click.Argument, ctx: click.Context) -> str:
    return arg.make_metavar(ctx)


def _option_names(opt: click.Option) -> str:
    names = ", ".join(code(name) for name in opt.opts)
    if opt.secondary_opts:
        names += " / " + ", ".join(code(name) for name in opt.secondary_opts)
    return names


def _help(opt: click.Option) -> str:
    text = inline(opt.help or "")
    if opt.envvar:
        envvars = [opt.envvar] if isinstance(opt.envvar, str) else list(opt.envvar)
        text += " (environment: " + ", ".join(code(e) for e in envvars) + ")"
    return text


def _type_text(param: click.Parameter) -> str:
    kind = param.type
    if isinstance(param, click.Option) and param.count:
        text = "count"
    elif isinstance(param, click.Option) and param.is_flag:
        text = "flag"
    elif isinstance(kind, click.Choice):
        text = "one of " + ", ".join(code(str(choice)) for choice in kind.choices)
    elif isinstance(kind, click.IntRange | click.FloatRange):
        base = "integer" if isinstance(kind, click.IntRange) else "number"
        text = f"{base} {_range_text(kind)}"
    elif isinstance(kind, click.Path):
        text = "folder" if not kind.file_okay else "file" if not kind.dir_okay else "path"
        if kind.exists:
            text += " (must exist)"
    elif isinstance(kind, click.File):
        text = f"file ({kind.mode})"
    else:
        text = kind.name
    if param.nargs == -1:
        text += ", one or more" if param.required else ", zero or more"
    elif param.multiple:
        text += ", repeatable"
    return text


def _range_text(kind: click.IntRange | click.FloatRange) -> str:
    low = "" if kind.min is None else f"{kind.min} {'<' if kind.min_open else '≤'} "
    high = "" if kind.max is None else f" {'<' if kind.max_open else '≤'} {kind.max}"
    return f"{low}x{high}".strip()


def _default_text(opt: click.Option, ctx: click.Context) -> str:
    if opt.is_flag and not opt.secondary_opts:
        return ""
    value: Any = opt.get_default(ctx, call=False)
    if value is None or _is_unset(value):
        return ""
    if callable(value):
        return "computed when run"
    if isinstance(opt.show_default, str):
        return inline(opt.show_default)
    if isinstance(value, bool):
        return code(opt.opts[0] if value else opt.secondary_opts[0])
    if isinstance(value, PurePath):
        return code(str(value))
    if isinstance(value, list | tuple):
        return ", ".join(code(str(item)) for item in value)
    return code(str(value))


def _is_unset(value: object) -> bool:
    # click >= 8.3 marks "no default" with a sentinel instead of None.
    return type(value).__name__ == "Sentinel" or repr(value).endswith("UNSET")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
