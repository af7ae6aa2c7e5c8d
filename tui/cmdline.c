/* tui/cmdline.c - placeholder: implemented by the console issue. */
