/* tui/term.c - placeholder: implemented by the console issue. */
