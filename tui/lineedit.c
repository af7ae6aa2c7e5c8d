/* tui/lineedit.c - placeholder: implemented by the console issue. */
