"""``blinacheck lsp``: a language server over stdio, on pygls (the ``[lsp]`` extra)."""
