/* tui/dump.c - placeholder: implemented by the console issue. */
