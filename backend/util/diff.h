/* diff.h - unified diffs of text files (what `postern apply` shows).
 *
 * Small inputs get a minimal diff (longest common subsequence); large ones
 * (the sorted lookup tables) a merge walk, which is minimal for sorted
 * lines and still a correct edit script otherwise. */
#ifndef PN_DIFF_H
#define PN_DIFF_H

#include <stddef.h>

#include "str.h"

/* Rewrites one line for display (e.g. hides a password hash); returns the
 * text to show in buf or the line itself. NULL = show lines as they are. */
typedef const char *(*pn_diff_mask_fn)(const char *line, size_t len, pn_str *buf);

/* Appends "--- a\n+++ b\n@@ ... @@" hunks with 3 lines of context to out;
 * nothing when the texts are equal. Counts the added and removed lines. */
void pn_diff_unified(pn_str *out, const char *label_a, const char *label_b, const char *a,
                     size_t alen, const char *b, size_t blen, pn_diff_mask_fn mask,
                     size_t *added, size_t *removed);

#endif
