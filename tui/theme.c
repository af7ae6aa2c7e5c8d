/* tui/theme.c - placeholder: implemented by the console issue. */
