/* tui/keymap.c - placeholder: implemented by the console issue. */
