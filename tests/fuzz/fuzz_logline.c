/* fuzz_logline.c - libFuzzer target: the mail log line parser on arbitrary
 * bytes, with a few parse contexts (none, a fresh file, one that has seen
 * lines), and the journald JSON converter. The first byte picks the
 * context; the rest is the line, copied to its own allocation so that any
 * read beyond it is caught. Every span must lie inside the line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "maillog.h"
#include "maillog_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(pn_span s, const char *line, size_t len)
{
    if (s.n == 0)
        return;
    if (s.n == 6 && memcmp(s.p, "rspamd", 6) == 0)
        return;                               /* the rspamd log file's program */
    if (s.p < line || s.p + s.n > line + len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    char *line = malloc(len ? len : 1);
    memcpy(line, data + 1, len);
    static pn_logparse_ctx seen;
    static bool seen_init;
    if (!seen_init) {
        pn_logparse_init(&seen, 1795046400);
        seen_init = true;
    }
    pn_logparse_ctx fresh;
    pn_logparse_init(&fresh, (int64_t)data[0] * 86400 * 30);
    pn_logparse_ctx *pc = NULL;
    switch (data[0] % 4) {
    case 0: pc = NULL; break;
    case 1: pc = &fresh; break;
    case 2: pc = &seen; break;
    default: break;
    }
    pn_logline l;
    if (data[0] % 4 == 3) {
        pn_str out = PN_STR_INIT;
        pn_journal_to_syslog(line, len, &out);
        pn_logline_parse(NULL, out.s ? out.s : "", out.len, &l);
        pn_str_free(&out);
    } else {
        pn_logline_parse(pc, line, len, &l);
        const pn_span *spans[] = {&l.host, &l.program, &l.instance, &l.daemon, &l.qid, &l.text,
                                  &l.client_name, &l.client_ip, &l.message_id, &l.from, &l.to,
                                  &l.orig_to, &l.relay, &l.delay, &l.delays, &l.dsn, &l.status,
                                  &l.reply, &l.size, &l.nrcpt, &l.sasl_username, &l.orig_queue_id,
                                  &l.orig_id, &l.queued_as, &l.forwarded_as, &l.notification_qid,
                                  &l.lmtp_session, &l.action, &l.score, &l.required, &l.symbols,
                                  &l.user, &l.mailbox};
        for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
            check_span(*spans[i], line, len);
        if ((unsigned)l.kind >= PN_LK_COUNT)
            abort();
        (void)pn_log_is_qid(line, len);
    }
    free(line);
    return 0;
}
