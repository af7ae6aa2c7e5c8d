/* tui/app.c - placeholder: implemented by the console issue. */
