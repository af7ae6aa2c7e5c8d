/* screens/queue.c - placeholder until the Queue screen lands: listed, not available. */
#include "ui.h"

extern const pn_screen_ops pn_screen_queue;
const pn_screen_ops pn_screen_queue = {
    .name = "queue",
    .title = "Queue",
    .help = "The Postfix queue",
    .available = false,
    .not_yet = "the Queue screen is being written",
};
