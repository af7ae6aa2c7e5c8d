/* tui/chart.c - placeholder: implemented by the console issue. */
