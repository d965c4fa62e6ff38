"""``blinacheck serve``: the CDS Hooks service (docs/cds-hooks.md; the ``[serve]`` extra)."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Configuration file (rules, severities, params and [serve]); else found as lint finds it.",
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each with its own rule set).",
)
def command(host: str, port: int, config_file: str | None, isolated: bool, workers: int) -> None:
    """Run the CDS Hooks service: discovery, order-select and order-sign cards, feedback."""
    try:
        from . import config, server
    except ImportError as exc:
        raise click.ClickException(
            f"the service needs the serve extra: pip install 'blinacheck[serve]' ({exc})"
        ) from None
    base = config.ServeConfig(
        host=host, port=port, workers=workers, config=config_file, isolated=isolated
    )
    try:
        settings = config.load(base)
        server.check(settings)
        server.run(settings)
    except config.ConfigError as exc:
        click.echo(f"blinacheck: {exc}", err=True)
        raise SystemExit(2) from None
