/* tui/script.c - placeholder: implemented by the console issue. */
