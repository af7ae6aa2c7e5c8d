/* keyref.h - the key reference generated from the action table and the
 * built-in default keymap (`postern help keys`, docs/keys.md). No curses. */
#ifndef PN_KEYREF_H
#define PN_KEYREF_H

#include "util/str.h"

/* Append the reference (man-page style sections per group). */
void pn_keys_reference(pn_str *out);

#endif
