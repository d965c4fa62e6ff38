"""``blinacheck lsp``: the language server, over stdio (docs/editor.md)."""

from __future__ import annotations

import click


@click.command("lsp")
def command() -> None:
    """Run the blinacheck language server on standard input and output."""
    try:
        from .server import main
    except ImportError as exc:
        raise click.ClickException(
            f"the language server needs the lsp extra: pip install 'blinacheck[lsp]' ({exc})"
        ) from None
    main()
