/* fuzz_queue_json.c - libFuzzer target for pn_qentry_parse_json(), the parser
 * of one `postqueue -j` line: any input must either parse or fail cleanly,
 * without crashes, leaks or undefined behaviour. A parsed entry is also
 * copied, classified and freed, and its invariants are checked. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "util/err.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A NUL-terminated copy of exactly size bytes, so reads past the end
     * are caught by ASan. */
    char *line = pn_malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';

    pn_qentry e;
    pn_err err = PN_ERR_INIT;
    if (pn_qentry_parse_json(line, size, &e, &err)) {
        if (!e.qid || !e.sender || !e.queue_raw || (e.n_rcpts && !e.rcpts))
            abort();
        for (size_t i = 0; i < e.n_rcpts; i++)
            if (!e.rcpts[i].address)
                abort();
        pn_qentry c;
        pn_qentry_copy(&c, &e);
        (void)pn_addr_domain(c.n_rcpts ? c.rcpts[0].address : c.sender);
        (void)pn_qentry_time_left(&c, NULL, 0);
        pn_qentry_free(&c);
        pn_qentry_free(&e);
    } else {
        if (!err.msg || e.qid || e.rcpts)
            abort();
    }
    pn_err_clear(&err);
    /* The classifier sees the same bytes as a delay reason. */
    (void)pn_qclass_of_reason(line);
    free(line);
    return 0;
}
