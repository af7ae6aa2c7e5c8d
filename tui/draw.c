/* tui/draw.c - placeholder: implemented by the console issue. */
