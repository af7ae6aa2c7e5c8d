/* tui/form.c - placeholder: implemented by the console issue. */
