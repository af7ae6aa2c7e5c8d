/* tui/action.c - placeholder: implemented by the console issue. */
