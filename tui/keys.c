/* tui/keys.c - placeholder: implemented by the console issue. */
