/* tui/registry.c - placeholder: implemented by the console issue. */
