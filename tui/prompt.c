/* tui/prompt.c - placeholder: implemented by the console issue. */
