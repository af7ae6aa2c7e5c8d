/* tui/dialog.c - placeholder: implemented by the console issue. */
