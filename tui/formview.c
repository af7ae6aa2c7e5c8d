/* tui/formview.c - placeholder: implemented by the console issue. */
