/* maillog_corpus.c - the line parser over real logs (TAP): the lab's own
 * maillog ($LAB_MAILLOG, written by the real Postfix, Dovecot and rspamd)
 * and the public corpora in $POSTERN_SOURCE_ROOT/../shared/corpora/maillog
 * (read in place, never copied). Checks: every Postfix line gets a program
 * and a pid; every line with a "QID: " gets it; the kinds of the link lines
 * match counts derived with plain substring tests (what grep would count);
 * the grok-pattern YAML tests' expected queue IDs, Message-IDs, bounce
 * queue IDs and statuses. Skips (1..0 # SKIP) when none of them is there. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "maillog.h"
#include "util/mem.h"
#include "util/str.h"

static int tap_n;

/* "ok N - WHAT: CHECK" */
static void tap(bool ok, const char *check, const char *what, const char *detail)
{
    tap_n++;
    printf("%s %d - %s: %s\n", ok ? "ok" : "not ok", tap_n, what, check);
    if (!ok && detail && *detail)
        printf("# %s\n", detail);
}

static bool span_eq(pn_span s, const char *z)
{
    return s.n == strlen(z) && memcmp(s.p, z, s.n) == 0;
}

/* "]: QID: " right after the program: the shape grep would look for */
static bool grep_qid(const char *line, char *qid, size_t cap)
{
    const char *p = strstr(line, "]: ");
    if (!p)
        return false;
    p += 3;
    if (!strncmp(p, "warning: ", 9))
        p += 9;
    size_t n = strspn(p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    if (n < 6 || n >= cap || strncmp(p + n, ": ", 2) != 0 || !pn_log_is_qid(p, n))
        return false;
    memcpy(qid, p, n);
    qid[n] = '\0';
    return true;
}

typedef struct counts {
    long lines, postfix, postfix_nopid, qid_lines, qid_missed;
    long exp[PN_LK_COUNT], got[PN_LK_COUNT];
    pn_str bad;
} counts;

static void note_bad(counts *c, const char *why, const char *line)
{
    if (c->bad.len < 2000)
        pn_str_appendf(&c->bad, "%s: %.200s | ", why, line);
}

static void check_line(counts *c, pn_logparse_ctx *pc, const char *line, size_t len)
{
    pn_logline l;
    c->lines++;
    bool ok = pn_logline_parse(pc, line, len, &l);
    bool is_postfix = strstr(line, " postfix") && strstr(line, "]: ");
    const char *prog = strstr(line, " postfix");
    if (is_postfix && prog && strchr(prog + 1, ' ') && strchr(prog + 1, '[') &&
        strchr(prog + 1, '[') < strchr(prog + 1, ' ')) {
        c->postfix++;
        if (!ok || l.pid < 0 || l.program.n == 0) {
            c->postfix_nopid++;
            note_bad(c, "no program/pid", line);
        }
    }
    char qid[80];
    if (grep_qid(line, qid, sizeof(qid))) {
        c->qid_lines++;
        if (!span_eq(l.qid, qid)) {
            c->qid_missed++;
            note_bad(c, "qid missed", line);
        }
    }
    /* what substring tests say the kind is */
    int e = -1;
    if (strstr(line, "/qmgr[") && strstr(line, ": removed") && line[len - 1] == 'd' && l.qid.n)
        e = PN_LK_REMOVED;
    else if (strstr(line, "/postsuper[") && l.qid.n &&
             (strstr(line, ": removed") || strstr(line, ": requeued") || strstr(line, ": placed on hold") ||
              strstr(line, ": released from hold")))
        e = PN_LK_POSTSUPER;
    else if (l.qid.n && strstr(line, ": to=<") && strstr(line, ", status="))
        e = PN_LK_DELIVERY;
    else if (l.qid.n && strstr(line, ": client="))
        e = PN_LK_CLIENT;
    else if (l.qid.n && strstr(line, ": message-id="))
        e = PN_LK_MESSAGE_ID;
    else if (l.qid.n && strstr(line, "notification: "))
        e = PN_LK_NOTIFICATION;
    else if (strstr(line, "NOQUEUE: reject: "))
        e = PN_LK_REJECT;
    else if (l.qid.n && strstr(line, "status=expired, returned to sender"))
        e = PN_LK_EXPIRED;
    else if (strstr(line, "rspamd_task_write_log: "))
        e = PN_LK_RSPAMD;
    else if (strstr(line, "lmtp(") && strstr(line, "msgid=") &&
             (strstr(line, "saved mail to") || strstr(line, "stored mail into")))
        e = PN_LK_DOVECOT;
    if (e >= 0) {
        c->exp[e]++;
        if ((int)l.kind == e)
            c->got[e]++;
        else
            note_bad(c, pn_lkind_str((pn_lkind)e), line);
    }
}

static bool check_file(const char *path, const char *label)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    struct stat st;
    pn_logparse_ctx pc;
    pn_logparse_init(&pc, fstat(fileno(f), &st) == 0 ? (int64_t)st.st_mtime : 0);
    counts c;
    memset(&c, 0, sizeof(c));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (n > 0)
            check_line(&c, &pc, line, (size_t)n);
    }
    free(line);
    fclose(f);
    tap(c.postfix_nopid == 0, "every Postfix line has a program and a pid", label,
        pn_str_cstr(&c.bad));
    tap(c.qid_missed == 0, "every line with a queue ID gets it", label, pn_str_cstr(&c.bad));
    bool kinds = true;
    pn_str d = PN_STR_INIT;
    for (int k = 0; k < PN_LK_COUNT; k++) {
        if (c.exp[k])
            pn_str_appendf(&d, "%s %ld/%ld ", pn_lkind_str((pn_lkind)k), c.got[k], c.exp[k]);
        if (c.got[k] != c.exp[k])
            kinds = false;
    }
    printf("# %s: %ld lines, %ld Postfix, %ld with a QID; kinds: %s\n", label, c.lines, c.postfix,
           c.qid_lines, pn_str_cstr(&d));
    tap(kinds, "link lines have the expected kinds", label, pn_str_cstr(&c.bad));
    pn_str_free(&d);
    pn_str_free(&c.bad);
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every regular file of dir whose name ends in one of the suffixes */
static void check_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name), sl = strlen(suffix);
        if (l > sl && !strcmp(de->d_name + l - sl, suffix)) {
            names = pn_realloc(names, (n + 1) * sizeof(*names));
            names[n++] = pn_strdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *p = pn_sprintf("%s/%s", dir, names[i]);
        check_file(p, names[i]);
        free(p);
        free(names[i]);
    }
    free(names);
}

/* the value of "key: value" (quotes and \" undone) */
static char *yaml_value(const char *line)
{
    const char *v = strchr(line, ':');
    if (!v)
        return pn_strdup("");
    v++;
    while (*v == ' ')
        v++;
    pn_str s = PN_STR_INIT;
    pn_str_append(&s, "");
    size_t l = strlen(v);
    while (l > 0 && (v[l - 1] == '\n' || v[l - 1] == '\r'))
        l--;
    if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
        char q = v[0];
        for (size_t i = 1; i + 1 < l; i++) {
            if (q == '"' && v[i] == '\\' && i + 2 < l)
                i++;
            else if (q == '\'' && v[i] == '\'' && v[i + 1] == '\'')
                i++;
            pn_str_appendc(&s, v[i]);
        }
    } else {
        pn_str_appendn(&s, v, l);
    }
    return pn_str_steal(&s);
}

static void check_grok(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    long files = 0, checks = 0, fails = 0;
    pn_str bad = PN_STR_INIT;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".yaml"))
            continue;
        char *p = pn_sprintf("%s/%s", dir, de->d_name);
        FILE *f = fopen(p, "r");
        free(p);
        if (!f)
            continue;
        files++;
        char *data = NULL, *daemon = NULL, *line = NULL;
        char *exp_qid = NULL, *exp_mid = NULL, *exp_bq = NULL, *exp_status = NULL;
        bool has_mid = false;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
            char *t = line;
            while (*t == ' ')
                t++;
            if (!strncmp(t, "pattern:", 8)) {
                const char *s = strstr(t, "%{POSTFIX_");
                if (s) {
                    s += 10;
                    size_t n = strcspn(s, "}");
                    daemon = pn_strndup(s, n);
                    for (char *c = daemon; *c; c++)
                        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
                }
            } else if (!strncmp(t, "data:", 5)) {
                data = yaml_value(t);
            } else if (!strncmp(t, "postfix_queueid:", 16)) {
                exp_qid = yaml_value(t);
            } else if (!strncmp(t, "postfix_message-id:", 19)) {
                exp_mid = yaml_value(t);
                has_mid = true;
            } else if (!strncmp(t, "postfix_bounce_queueid:", 23)) {
                exp_bq = yaml_value(t);
            } else if (!strncmp(t, "postfix_status:", 15)) {
                exp_status = yaml_value(t);
            }
        }
        free(line);
        fclose(f);
        if (data && daemon) {
            char *full = pn_sprintf("Jan  1 00:00:00 host postfix/%s[1]: %s", daemon, data);
            pn_logline L;
            pn_logline_parse(NULL, full, strlen(full), &L);
            if (exp_qid) {
                checks++;
                bool ok = !strcmp(exp_qid, "NOQUEUE") ? L.qid.n == 0 : span_eq(L.qid, exp_qid);
                if (!ok) {
                    fails++;
                    pn_str_appendf(&bad, "%s qid %s | ", de->d_name, exp_qid);
                }
            }
            if (has_mid) {
                checks++;
                pn_span m = L.message_id;
                if (m.n >= 2 && m.p[0] == '<' && m.p[m.n - 1] == '>') {
                    m.p++;
                    m.n -= 2;
                }
                if (!span_eq(m, exp_mid)) {
                    fails++;
                    pn_str_appendf(&bad, "%s message-id | ", de->d_name);
                }
            }
            if (exp_bq) {
                checks++;
                if (!span_eq(L.notification_qid, exp_bq)) {
                    fails++;
                    pn_str_appendf(&bad, "%s bounce qid | ", de->d_name);
                }
            }
            if (exp_status) {
                checks++;
                if (!span_eq(L.status, exp_status)) {
                    fails++;
                    pn_str_appendf(&bad, "%s status %s | ", de->d_name, exp_status);
                }
            }
            free(full);
        }
        free(data);
        free(daemon);
        free(exp_qid);
        free(exp_mid);
        free(exp_bq);
        free(exp_status);
    }
    closedir(d);
    printf("# grok tests: %ld files, %ld expected values checked\n", files, checks);
    tap(fails == 0 && checks > 0, "expected queue IDs, Message-IDs, bounce IDs, statuses",
        "grok-pattern tests", pn_str_cstr(&bad));
    pn_str_free(&bad);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const char *lab = getenv("LAB_MAILLOG");
    const char *root = getenv("POSTERN_SOURCE_ROOT");
    char *corpora = root ? pn_sprintf("%s/../shared/corpora/maillog", root) : NULL;
    struct stat st;
    bool have_lab = lab && *lab && stat(lab, &st) == 0;
    bool have_corpora = corpora && stat(corpora, &st) == 0;
    if (!have_lab && !have_corpora) {
        printf("1..0 # SKIP no LAB_MAILLOG and no ../shared/corpora/maillog\n");
        free(corpora);
        return 0;
    }
    if (have_lab)
        check_file(lab, "lab maillog");
    if (have_lab) {
        /* rspamd's own log next to it, when the lab has one */
        char *dirname_ = pn_strdup(lab);
        char *slash = strrchr(dirname_, '/');
        if (slash) {
            *slash = '\0';
            char *rl = pn_sprintf("%s/rspamd/log/rspamd.log", dirname_);
            if (stat(rl, &st) == 0)
                check_file(rl, "lab rspamd.log");
            free(rl);
        }
        free(dirname_);
    }
    if (have_corpora) {
        char *p = pn_sprintf("%s/lightmeter-controlcenter/individual_files", corpora);
        check_dir(p, ".log");
        free(p);
        p = pn_sprintf("%s/lightmeter-controlcenter/logparser-corpus", corpora);
        check_dir(p, ".txt");
        free(p);
        p = pn_sprintf("%s/whyscream-postfix-grok-patterns/test", corpora);
        check_grok(p);
        free(p);
    }
    printf("1..%d\n", tap_n);
    free(corpora);
    return 0;
}
