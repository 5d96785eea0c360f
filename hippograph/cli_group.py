"""The root command group: global options anywhere on the line, and one place that turns
hippograph's errors into a message and an exit code (no traceback for anything a user caused)."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import typer
from typer.core import TyperGroup

try:  # typer >= 0.20 carries its own copy of click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - older typer on plain click
    from click import ClickException  # type: ignore[assignment]

from .display import print_error
from .errors import HippographError, StoreError

# Exit codes (README, "CLI"): 0 done; 1 some inputs failed or the thing asked for is absent;
# 2 bad usage, input, setting or model; 3 the store failed or is unreachable; 4 an internal error.
EXIT_INPUT, EXIT_USAGE, EXIT_STORE, EXIT_INTERNAL = 1, 2, 3, 4


def hoist_options(args: list[str], takes_value: dict[str, bool]) -> list[str]:
    """Move the group's own options (``--store URI``, ``--store=URI``) found after the subcommand
    to the front, so ``hippograph ingest x --store s.db`` means ``hippograph --store s.db ingest x``.
    Nothing after ``--`` moves."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in takes_value:
            if takes_value[name] and "=" not in arg and i + 1 < len(args):
                front += args[i : i + 2]
                i += 2
                continue
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


class RootGroup(TyperGroup):
    """``hippograph``'s group: hoists global options and reports errors without tracebacks."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        takes_value = _option_names(self.params)
        # An option the invoked command defines itself (``export --namespace``) stays its own.
        for name in _option_names(_command_params(self, args, takes_value)):
            takes_value.pop(name, None)
        return super().parse_args(ctx, hoist_options(list(args), takes_value))

    def invoke(self, ctx):
        console = _stderr()
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            print_error(console, exc)
            raise typer.Exit(EXIT_STORE) from None
        except HippographError as exc:
            print_error(console, exc)
            raise typer.Exit(EXIT_USAGE) from None
        except (typer.Exit, typer.Abort, ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so in one line (the traceback on request)
            if os.environ.get("HIPPOGRAPH_DEBUG"):
                raise
            print_error(
                console,
                f"internal error: {type(exc).__name__}: {exc} (set HIPPOGRAPH_DEBUG=1 "
                "for the traceback, and please report it)",
            )
            raise typer.Exit(EXIT_INTERNAL) from None
        finally:
            # The interpreter's last garbage collection walks every object the models and Prefect
            # left (8-10 s on a busy 2-core machine, so a failing run took that long to exit);
            # frozen objects are skipped by it, and the process is about to end anyway.
            gc.freeze()


def _option_names(params) -> dict[str, bool]:
    """Option name -> whether it takes a value, for the options among ``params``."""
    return {
        name: not getattr(p, "is_flag", False)
        for p in params
        if getattr(p, "param_type_name", "") == "option"
        for name in (*p.opts, *getattr(p, "secondary_opts", ()))
    }


def _command_params(group, args: list[str], root_options: dict[str, bool]) -> list:
    """The parameters of the (sub)commands ``args`` invoke below ``group``."""
    params: list = []
    i = 0
    while i < len(args) and hasattr(group, "commands"):
        arg = args[i]
        if arg in root_options and root_options[arg] and "=" not in arg:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        command = group.commands.get(arg)
        if command is None:
            break
        params += command.params
        group = command
        i += 1
    return params


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


def open_memory(ctx: typer.Context, must_exist: bool = False):
    """The memory a command works on; a missing SQLite store is refused when ``must_exist``."""
    from .graph.open import sqlite_path
    from .memory import Memory

    path = sqlite_path(ctx.obj.store)  # refuses unknown schemes before anything is created
    if must_exist and path is not None and not _is_file(path):
        print_error(
            _stderr(),
            f"no store at {path}: ingest something first, or point --store / HIPPOGRAPH_STORE at an existing store",
        )
        raise typer.Exit(EXIT_USAGE)
    return Memory(ctx.obj)  # StoreError / ConfigError become a message and an exit code (cli_group)


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False


def quiet_prefect() -> None:
    """No usage telemetry from Prefect: it cannot reach the network here and only prints errors
    (set the variables yourself to override)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def prefect_api_url() -> str | None:
    """The Prefect API a schedule would live on (environment or active Prefect profile)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None
