/* screens/queue.c - placeholder: the Queue screen. */
