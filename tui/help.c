/* tui/help.c - placeholder: implemented by the console issue. */
