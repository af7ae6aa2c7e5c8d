/* screens.h - every screen's ops, in tab order (the registry, tui/registry.c,
 * lists them once). A new screen is one file in screens/, one line here and
 * one line in PN_SCREENS. */
#ifndef PN_SCREENS_H
#define PN_SCREENS_H

#include "ui.h"

/* id: the C name of the ops (pn_screen_<id>). */
#define PN_SCREENS(X) \
    X(queue)          \
    X(logs)           \
    X(domains)        \
    X(mailboxes)      \
    X(addresses)      \
    X(filter)         \
    X(relay)          \
    X(settings)

#define PN_SCREEN_DECLARE(id) extern const pn_screen_ops pn_screen_##id;
PN_SCREENS(PN_SCREEN_DECLARE)
#undef PN_SCREEN_DECLARE

#endif
