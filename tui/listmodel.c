/* tui/listmodel.c - placeholder: implemented by the console issue. */
