/* tui/bars.c - placeholder: implemented by the console issue. */
