"""How the CLI reports failures: user errors as diagnostics, porter's own bugs as such."""

from __future__ import annotations

import os
import sys
import traceback

import click

from porter.source import InputError

EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 70


def report_input_error(error: InputError) -> None:
    click.echo(f"porter: error[{error.diag_id}]: {error.message}", err=True)
    if error.hint:
        click.echo(f"  = hint: {error.hint}", err=True)


def run_guarded(command: click.Command) -> None:
    """Run the click command; no traceback reaches the user unless PORTER_DEBUG=1."""
    try:
        outcome = command.main(standalone_mode=False)
        if isinstance(outcome, int) and outcome:
            sys.exit(outcome)
    except click.exceptions.Abort:
        click.echo("porter: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except InputError as error:
        report_input_error(error)
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        click.echo("porter: interrupted", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as error:  # noqa: BLE001 - the last line of defence
        if os.environ.get("PORTER_DEBUG") == "1":
            traceback.print_exc()
        click.echo(f"porter: internal error in porter, please report: {type(error).__name__}: {error}",
                   err=True)
        click.echo("  = hint: run with PORTER_DEBUG=1 for the traceback", err=True)
        sys.exit(EXIT_INTERNAL_ERROR)
