/* logs_view.c - the Logs screen's virtual list over the log files.
 *
 * Never loaded whole. A background job reads every file once and keeps one
 * lg_block per LG_BLOCK (256) lines: file, offset and number of the first
 * line, the first time and the parser's year state (blocks stream into the
 * view while it runs, with progress). Rows on screen are read on demand:
 * row -> block by binary search over prefix sums -> the block's lines read
 * (seek + next) into a small LRU cache of decoded blocks.
 *
 * A filter is counted per block by another background job (matches per
 * block, 4 bytes each, streamed in as blocks finish, cancellable); a
 * block's matching lines are found again when it is decoded for display.
 * The core's list model is not used for this (its order array is 4 bytes
 * per row and its filter is one synchronous pass), see logs.c.
 *
 * What is slow, honestly:
 *  - gzip files cannot seek: pn_logreader_seek decompresses from the start.
 *    The view keeps one reader open and reads forward from where it is, so
 *    paging forward (and the filter job, which reads in order) costs only
 *    the lines in between; paging backward in a large .gz decompresses it
 *    from its start again (the block cache softens small steps back).
 *  - indexing parses every line once (for its time: the histogram, the
 *    year of undated lines); a 1 GiB set takes seconds, the list is usable
 *    while it runs.
 *  - a filter reads the whole set once per change (typed keys restart it;
 *    the running count stops at the next block).
 * Follow reads the new lines of the live file (the last file of the set)
 * from its last block on; a rotated or truncated live file is indexed
 * again from the start. */
#include "logs_screen.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/mem.h"

#define JOB_INDEX "Indexing the logs"
#define JOB_FILTER "Filtering the logs"
#define FOLLOW_MAX_LINES 20000     /* new lines taken per tick */

/* ---- histogram ---------------------------------------------------------------- */

void lg_hist_add(lg_hist *h, int64_t ts_us)
{
    if (!ts_us)
        return;
    if (!h->width_us) {
        h->t0_us = ts_us - ts_us % 1000000;
        h->width_us = 1000000;
    }
    if (ts_us < h->t0_us)
        ts_us = h->t0_us;
    while (ts_us >= h->t0_us + h->width_us * LG_HIST_BUCKETS) {
        /* twice as wide: merge pairs */
        for (int i = 0; i < LG_HIST_BUCKETS / 2; i++)
            h->v[i] = h->v[2 * i] + h->v[2 * i + 1];
        for (int i = LG_HIST_BUCKETS / 2; i < LG_HIST_BUCKETS; i++)
            h->v[i] = 0;
        h->used = (h->used + 1) / 2;
        h->width_us *= 2;
    }
    int b = (int)((ts_us - h->t0_us) / h->width_us);
    h->v[b] += 1;
    if (b + 1 > h->used)
        h->used = b + 1;
}

/* ---- sets ----------------------------------------------------------------------- */

void lg_logset_copy(const pn_logset *from, pn_logset *to)
{
    to->n = from->n;
    to->files = from->n ? pn_calloc(from->n, sizeof *to->files) : NULL;
    for (size_t i = 0; i < from->n; i++) {
        to->files[i] = from->files[i];
        to->files[i].path = pn_strdup(from->files[i].path);
    }
}

static void set_free(pn_logset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->files[i].path);
    free(s->files);
    s->files = NULL;
    s->n = 0;
}

/* ---- reading blocks --------------------------------------------------------- */

static void reader_close(lg_reader *rd)
{
    if (rd->r)
        pn_logreader_close(rd->r);
    rd->r = NULL;
}

/* Position rd so that the next line read is blk's first. */
static bool reader_at(const pn_logset *set, lg_reader *rd, const lg_block *blk)
{
    if (rd->r && rd->file == blk->file && rd->next_lineno == blk->lineno)
        return true;
    const pn_logfile *f = &set->files[blk->file];
    if (!rd->r || rd->file != blk->file) {
        reader_close(rd);
        rd->r = pn_logreader_open(f, NULL);
        if (!rd->r)
            return false;
        rd->file = blk->file;
        rd->next_lineno = 1;
    }
    if (f->gz && rd->next_lineno <= blk->lineno) {
        /* gzip: reading forward is cheaper than a seek (which decompresses
         * from the start) */
        const char *l;
        size_t n;
        pn_logpos pos;
        while (rd->next_lineno < blk->lineno) {
            if (!pn_logreader_next(rd->r, &l, &n, &pos)) {
                reader_close(rd);
                return false;
            }
            rd->next_lineno = pos.lineno + 1;
        }
        return true;
    }
    if (!pn_logreader_seek(rd->r, (pn_logpos){blk->offset, blk->lineno}, NULL)) {
        reader_close(rd);
        return false;
    }
    rd->next_lineno = blk->lineno;
    return true;
}

static void parse_ctx_of(const pn_logset *set, const lg_block *blk, pn_logparse_ctx *pc)
{
    pn_logparse_init(pc, set->files[blk->file].mtime);
    if (blk->year)
        pc->year = blk->year;
    pc->last_month = blk->last_month;
}

/* ---- prefix sums ------------------------------------------------------------ */

static uint32_t block_rows(const lg *s, size_t b)
{
    if (!s->filter)
        return s->blocks[b].nlines;
    if (!s->counts)
        return 0;
    return b < s->n_cum ? s->counts[b] : 0;
}

void lg_view_recount(lg *s)
{
    size_t done = s->n_blocks;
    if (s->filter && s->filtering)
        done = atomic_load(&s->fdone);
    s->n_cum = s->filter ? (done < s->n_blocks ? done : s->n_blocks) : s->n_blocks;
    s->cum = pn_realloc(s->cum, (s->n_blocks + 1) * sizeof *s->cum);
    s->cum[0] = 0;
    for (size_t b = 0; b < s->n_blocks; b++)
        s->cum[b + 1] = s->cum[b] + block_rows(s, b);
    s->rows = s->cum[s->n_blocks];
    if (s->cursor >= s->rows)
        s->cursor = s->rows ? s->rows - 1 : 0;
}

static size_t block_of_row(const lg *s, uint64_t r)
{
    size_t lo = 0, hi = s->n_blocks;   /* cum[lo] <= r < cum[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cum[mid] <= r)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* ---- block cache ------------------------------------------------------------ */

static void cache_drop_from(lg *s, size_t from)
{
    for (int i = 0; i < LG_CACHE; i++)
        if (s->cache[i].block != SIZE_MAX && s->cache[i].block >= from)
            s->cache[i].block = SIZE_MAX;
}

static lg_cached *load_block(lg *s, size_t b)
{
    lg_cached *slot = NULL;
    for (int i = 0; i < LG_CACHE; i++) {
        lg_cached *c = &s->cache[i];
        if (c->block == b && c->gen == s->gen) {
            c->used = ++s->stamp;
            return c;
        }
        if (!slot || c->block == SIZE_MAX || (slot->block != SIZE_MAX && c->used < slot->used))
            slot = c;
    }
    const lg_block *blk = &s->blocks[b];
    slot->block = SIZE_MAX;
    pn_str_reset(&slot->text);
    slot->nlines = slot->nmatch = 0;
    if (!reader_at(&s->set, &s->rd, blk))
        return NULL;
    pn_logparse_ctx pc;
    parse_ctx_of(&s->set, blk, &pc);
    const char *l;
    size_t n;
    pn_logpos pos;
    for (uint32_t i = 0; i < blk->nlines; i++) {
        if (!pn_logreader_next(s->rd.r, &l, &n, &pos)) {
            reader_close(&s->rd);
            break;
        }
        s->rd.next_lineno = pos.lineno + 1;
        slot->start[i] = (uint32_t)slot->text.len;
        slot->len[i] = (uint32_t)n;
        pn_str_appendn(&slot->text, l, n);
        pn_str_appendc(&slot->text, '\0');
        slot->nlines = i + 1;
        if (s->filter) {
            pn_logline pl;
            bool parsed = false;
            if (s->filter->needs_parse) {
                pn_logline_parse(&pc, l, n, &pl);
                parsed = true;
            }
            if (lg_filter_match(s->filter, l, n, parsed ? &pl : NULL))
                slot->match[slot->nmatch++] = (uint16_t)i;
        }
    }
    slot->block = b;
    slot->gen = s->gen;
    slot->used = ++s->stamp;
    return slot;
}

bool lg_view_row(lg *s, uint64_t r, const char **text, size_t *len, uint32_t *file,
                 int64_t *lineno)
{
    if (r >= s->rows || !s->n_blocks)
        return false;
    size_t b = block_of_row(s, r);
    uint64_t k = r - s->cum[b];
    lg_cached *c = load_block(s, b);
    if (!c)
        return false;
    uint32_t i;
    if (s->filter) {
        if (k >= c->nmatch)
            return false;
        i = c->match[k];
    } else {
        if (k >= c->nlines)
            return false;
        i = (uint32_t)k;
    }
    *text = c->text.s + c->start[i];
    *len = c->len[i];
    if (file)
        *file = s->blocks[b].file;
    if (lineno)
        *lineno = s->blocks[b].lineno + i;
    return true;
}

uint64_t lg_view_find(lg *s, uint32_t file, int64_t lineno)
{
    size_t b = 0;
    for (size_t i = 0; i < s->n_blocks; i++) {
        const lg_block *k = &s->blocks[i];
        if (k->file < file || (k->file == file && k->lineno <= lineno))
            b = i;
    }
    if (!s->n_blocks)
        return 0;
    uint64_t r = s->cum[b];
    lg_cached *c = load_block(s, b);
    if (c && s->filter) {
        for (uint32_t m = 0; m < c->nmatch; m++)
            if (s->blocks[b].lineno + c->match[m] <= lineno && s->blocks[b].file == file)
                r = s->cum[b] + m;
    } else if (c && s->blocks[b].file == file && lineno >= s->blocks[b].lineno) {
        uint64_t k = (uint64_t)(lineno - s->blocks[b].lineno);
        r += k < c->nlines ? k : (c->nlines ? c->nlines - 1 : 0);
    }
    return r < s->rows ? r : (s->rows ? s->rows - 1 : 0);
}

/* ---- indexing ---------------------------------------------------------------- */

typedef struct index_job {
    lg *s;
    pn_logset set;
    lg_hist hist;
    pn_str notes;
} index_job;

static void push_blocks(lg *s, const lg_block *b, size_t n, int64_t lines)
{
    pthread_mutex_lock(&s->lock);
    if (s->n_incoming + n > s->cap_incoming) {
        size_t cap = s->cap_incoming ? s->cap_incoming * 2 : 256;
        while (cap < s->n_incoming + n)
            cap *= 2;
        s->incoming = pn_realloc(s->incoming, cap * sizeof *s->incoming);
        s->cap_incoming = cap;
    }
    memcpy(s->incoming + s->n_incoming, b, n * sizeof *b);
    s->n_incoming += n;
    s->incoming_lines += lines;
    pthread_mutex_unlock(&s->lock);
}

static void index_run(pn_job *job, void *data)
{
    index_job *j = data;
    int64_t total = 0, before = 0;
    for (size_t f = 0; f < j->set.n; f++)
        total += j->set.files[f].size > 0 ? j->set.files[f].size : 0;
    enum { BATCH = 64 };
    lg_block batch[BATCH];
    size_t nb = 0;
    int64_t batch_lines = 0;
    for (size_t f = 0; f < j->set.n && !pn_job_cancelled(job); f++) {
        const pn_logfile *lf = &j->set.files[f];
        pn_err err = PN_ERR_INIT;
        pn_logreader *r = pn_logreader_open(lf, &err);
        if (!r) {
            pn_str_appendf(&j->notes, "%s: %s\n", lf->path, pn_err_msg(&err));
            pn_err_clear(&err);
            continue;
        }
        pn_logparse_ctx pc;
        pn_logparse_init(&pc, lf->mtime);
        lg_block cur = {0};
        const char *l;
        size_t n;
        pn_logpos pos;
        int64_t k = 0;
        while (pn_logreader_next(r, &l, &n, &pos)) {
            if (cur.nlines == 0) {
                cur = (lg_block){.offset = pos.offset, .lineno = pos.lineno, .file = (uint32_t)f,
                                 .year = pc.year, .last_month = pc.last_month};
            }
            pn_logline pl;
            pn_logline_parse(&pc, l, n, &pl);
            if (pl.ts_us) {
                if (!cur.ts_us)
                    cur.ts_us = pl.ts_us;
                lg_hist_add(&j->hist, pl.ts_us);
            }
            if (++cur.nlines == LG_BLOCK) {
                batch[nb++] = cur;
                batch_lines += cur.nlines;
                cur.nlines = 0;
                if (nb == BATCH) {
                    push_blocks(j->s, batch, nb, batch_lines);
                    nb = 0;
                    batch_lines = 0;
                }
            }
            if ((++k & 4095) == 0) {
                if (pn_job_cancelled(job))
                    break;
                if (total > 0 && !lf->gz)
                    pn_job_progress(job, (double)(before + pos.offset) / (double)total);
            }
        }
        if (cur.nlines) {
            batch[nb++] = cur;
            batch_lines += cur.nlines;
        }
        push_blocks(j->s, batch, nb, batch_lines);
        nb = 0;
        batch_lines = 0;
        const char *notes = pn_logreader_notes(r);
        if (notes && *notes)
            pn_str_appendf(&j->notes, "%s: %s\n", lf->path, notes);
        pn_logreader_close(r);
        before += lf->size > 0 ? lf->size : 0;
        if (total > 0)
            pn_job_progress(job, (double)before / (double)total);
    }
}

/* Move streamed blocks into the index (loop thread). */
static bool drain_incoming(lg *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->n_incoming;
    if (n) {
        if (s->n_blocks + n > s->cap_blocks) {
            size_t cap = s->cap_blocks ? s->cap_blocks : 256;
            while (cap < s->n_blocks + n)
                cap *= 2;
            s->blocks = pn_realloc(s->blocks, cap * sizeof *s->blocks);
            s->cap_blocks = cap;
        }
        memcpy(s->blocks + s->n_blocks, s->incoming, n * sizeof *s->blocks);
        s->n_blocks += n;
        s->n_lines += s->incoming_lines;
        s->n_incoming = 0;
        s->incoming_lines = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return n > 0;
}

static void start_filter_job(lg *s);

static void index_done(void *st, void *data, bool cancelled)
{
    lg *s = st;
    index_job *j = data;
    drain_incoming(s);
    s->indexing = false;
    s->indexed = true;
    s->hist_all = j->hist;
    free(s->index_notes);
    s->index_notes = j->notes.len ? pn_str_steal(&j->notes) : NULL;
    if (cancelled)
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN,
                     "indexing cancelled: the list shows the lines read so far (Ctrl-R reads again)");
    lg_view_recount(s);
    if (s->filter)
        start_filter_job(s);
    if (!s->moved && s->rows)
        s->cursor = s->rows - 1;
    set_free(&j->set);
    pn_str_free(&j->notes);
    free(j);
}

static void reset_index(lg *s)
{
    reader_close(&s->rd);
    cache_drop_from(s, 0);
    s->n_blocks = 0;
    s->n_lines = 0;
    s->n_cum = 0;
    free(s->counts);
    s->counts = NULL;
    memset(&s->hist_all, 0, sizeof s->hist_all);
    memset(&s->hist_filtered, 0, sizeof s->hist_filtered);
    lg_view_recount(s);
}

void lg_view_start(lg *s)
{
    if (s->indexing || s->filtering)
        return;
    if (s->set_open) {
        pn_logset_free(&s->set);
        s->set_open = false;
    }
    reset_index(s);
    pn_err err = PN_ERR_INIT;
    free(s->open_error);
    s->open_error = NULL;
    if (!pn_logset_open(s->ctx, NULL, 0, false, &s->set, &err)) {
        s->open_error = pn_strdup(pn_err_msg(&err));
        pn_err_clear(&err);
        s->indexed = true;
        return;
    }
    s->set_open = true;
    index_job *j = pn_calloc(1, sizeof *j);
    j->s = s;
    lg_logset_copy(&s->set, &j->set);
    if (!pn_app_start_job(s->app, JOB_INDEX, index_run, index_done, s, j)) {
        set_free(&j->set);
        free(j);
        return;
    }
    s->indexing = true;
    s->indexed = false;
}

/* ---- filter counts -------------------------------------------------------- */

typedef struct filter_job {
    lg *s;
    lg_filter *f;
    pn_logset set;
    lg_block *blocks;
    size_t n;
    uint32_t *counts;
    lg_hist hist;
    atomic_bool stop;
} filter_job;

/* Count the matches of blocks [from, n) into counts (and hist for lines at
 * or after hist_from in the last file). Returns false when stopped. */
static bool count_blocks(const pn_logset *set, const lg_filter *f, const lg_block *blocks,
                         size_t from, size_t n, uint32_t *counts, lg_hist *hist, pn_job *job,
                         atomic_bool *stop, atomic_size_t *done)
{
    lg_reader rd = {0};
    bool ok = true;
    for (size_t b = from; b < n; b++) {
        if ((job && pn_job_cancelled(job)) || (stop && atomic_load(stop))) {
            ok = false;
            break;
        }
        const lg_block *blk = &blocks[b];
        counts[b] = 0;
        if (reader_at(set, &rd, blk)) {
            pn_logparse_ctx pc;
            parse_ctx_of(set, blk, &pc);
            const char *l;
            size_t len;
            pn_logpos pos;
            for (uint32_t i = 0; i < blk->nlines; i++) {
                if (!pn_logreader_next(rd.r, &l, &len, &pos)) {
                    reader_close(&rd);
                    break;
                }
                rd.next_lineno = pos.lineno + 1;
                pn_logline pl;
                pn_logline_parse(&pc, l, len, &pl);
                if (lg_filter_match(f, l, len, &pl)) {
                    counts[b]++;
                    if (hist)
                        lg_hist_add(hist, pl.ts_us);
                }
            }
        }
        if (done)
            atomic_store(done, b + 1);
        if (job && (b & 63) == 0)
            pn_job_progress(job, (double)(b + 1) / (double)n);
    }
    reader_close(&rd);
    return ok;
}

static void filter_run(pn_job *job, void *data)
{
    filter_job *j = data;
    count_blocks(&j->set, j->f, j->blocks, 0, j->n, j->counts, &j->hist, job, &j->stop,
                 &j->s->fdone);
}

static void filter_done(void *st, void *data, bool cancelled)
{
    lg *s = st;
    filter_job *j = data;
    s->filtering = false;
    s->fjob = NULL;
    if (s->pending || !s->filter) {
        /* superseded: count the filter of now */
        free(j->counts);
        s->counts = NULL;
        s->pending = false;
        if (s->filter)
            start_filter_job(s);
        else
            lg_view_recount(s);
    } else {
        size_t done = atomic_load(&s->fdone);
        s->partial = cancelled || done < j->n;
        if (s->counts != j->counts)
            free(s->counts);
        s->counts = pn_realloc(j->counts, (s->n_blocks + 1) * sizeof *s->counts);
        for (size_t b = done; b < s->n_blocks; b++)
            s->counts[b] = 0;
        s->hist_filtered = j->hist;
        /* blocks follow added or grew meanwhile */
        if (!s->partial && s->n_blocks && j->n &&
            (s->n_blocks != j->n || s->blocks[j->n - 1].nlines != j->blocks[j->n - 1].nlines)) {
            size_t from = j->n - 1;
            count_blocks(&s->set, s->filter, s->blocks, from, s->n_blocks, s->counts, NULL, NULL,
                         NULL, NULL);
        }
        atomic_store(&s->fdone, s->partial ? done : s->n_blocks);
        if (cancelled)
            pn_app_flash(s->app, PN_ROLE_STATUS_WARN,
                         "filter count cancelled: only the lines before the stop are shown");
        lg_view_recount(s);
        if (!s->moved && s->rows)
            s->cursor = s->rows - 1;
    }
    lg_filter_free(j->f);
    set_free(&j->set);
    free(j->blocks);
    free(j);
}

static void start_filter_job(lg *s)
{
    if (!s->filter || !s->set_open)
        return;
    if (s->filtering) {
        s->pending = true;
        if (s->fjob)
            atomic_store(&((filter_job *)s->fjob)->stop, true);
        return;
    }
    if (s->indexing)
        return;   /* index_done starts it */
    filter_job *j = pn_calloc(1, sizeof *j);
    j->s = s;
    j->f = lg_filter_compile(s->filter->text, s->filter->now_s, NULL);
    lg_logset_copy(&s->set, &j->set);
    j->n = s->n_blocks;
    j->blocks = pn_malloc((j->n + 1) * sizeof *j->blocks);
    memcpy(j->blocks, s->blocks, j->n * sizeof *j->blocks);
    j->counts = pn_calloc(j->n + 1, sizeof *j->counts);
    atomic_store(&s->fdone, 0);
    free(s->counts);
    s->counts = j->counts;   /* read by the loop up to fdone while the job runs */
    memset(&s->hist_filtered, 0, sizeof s->hist_filtered);
    if (!pn_app_start_job(s->app, JOB_FILTER, filter_run, filter_done, s, j)) {
        s->counts = NULL;
        lg_filter_free(j->f);
        set_free(&j->set);
        free(j->blocks);
        free(j->counts);
        free(j);
        return;
    }
    s->fjob = j;
    s->filtering = true;
    s->partial = false;
    lg_view_recount(s);
}

void lg_view_set_filter(lg *s, lg_filter *f)
{
    lg_filter_free(s->filter);
    s->filter = f;
    s->gen++;
    s->moved = false;
    s->top = 0;
    if (s->filtering) {
        s->pending = true;
        if (s->fjob)
            atomic_store(&((filter_job *)s->fjob)->stop, true);
        return;
    }
    if (!f) {
        free(s->counts);
        s->counts = NULL;
        memset(&s->hist_filtered, 0, sizeof s->hist_filtered);
        lg_view_recount(s);
        if (s->rows)
            s->cursor = s->rows - 1;
        return;
    }
    start_filter_job(s);
}

/* ---- follow ------------------------------------------------------------------- */

/* Read the live file from its last block on; new lines become blocks. */
static bool extend_live(lg *s)
{
    if (!s->set.n)
        return false;
    uint32_t fl = (uint32_t)(s->set.n - 1);
    pn_logfile *lf = &s->set.files[fl];
    struct stat sb;
    if (stat(lf->path, &sb) != 0 || (uint64_t)sb.st_ino != lf->ino ||
        (uint64_t)sb.st_dev != lf->dev || sb.st_size < lf->size || lf->gz) {
        pn_app_flash(s->app, PN_ROLE_STATUS, "the live log was rotated or truncated: reading again");
        lg_view_start(s);
        return true;
    }
    lf->size = sb.st_size;
    size_t first = s->n_blocks;
    lg_block cur = {.offset = 0, .lineno = 1, .file = fl};
    if (s->n_blocks && s->blocks[s->n_blocks - 1].file == fl) {
        first = s->n_blocks - 1;
        cur = s->blocks[first];
    } else {
        pn_logparse_ctx pc0;
        pn_logparse_init(&pc0, lf->mtime);
        cur.year = pc0.year;
        cur.last_month = pc0.last_month;
    }
    uint32_t old_nlines = first < s->n_blocks ? cur.nlines : 0;
    lg_reader rd = {0};
    lg_block at = cur;
    if (!reader_at(&s->set, &rd, &at))
        return false;
    pn_logparse_ctx pc;
    parse_ctx_of(&s->set, &at, &pc);
    s->n_blocks = first;
    s->n_lines -= old_nlines;
    cur.nlines = 0;
    const char *l;
    size_t n;
    pn_logpos pos;
    long taken = 0;
    uint32_t seen = 0;
    while (taken < FOLLOW_MAX_LINES && pn_logreader_next(rd.r, &l, &n, &pos)) {
        if (cur.nlines == 0)
            cur = (lg_block){.offset = pos.offset, .lineno = pos.lineno, .file = fl,
                             .year = pc.year, .last_month = pc.last_month};
        pn_logline pl;
        pn_logline_parse(&pc, l, n, &pl);
        if (pl.ts_us && !cur.ts_us)
            cur.ts_us = pl.ts_us;
        if (++seen > old_nlines) {
            lg_hist_add(&s->hist_all, pl.ts_us);
            taken++;
        }
        cur.nlines++;
        if (cur.nlines == LG_BLOCK) {
            if (s->n_blocks + 1 > s->cap_blocks) {
                s->cap_blocks = s->cap_blocks ? s->cap_blocks * 2 : 256;
                s->blocks = pn_realloc(s->blocks, s->cap_blocks * sizeof *s->blocks);
            }
            s->blocks[s->n_blocks++] = cur;
            s->n_lines += cur.nlines;
            cur.nlines = 0;
        }
    }
    if (cur.nlines) {
        if (s->n_blocks + 1 > s->cap_blocks) {
            s->cap_blocks = s->cap_blocks ? s->cap_blocks * 2 : 256;
            s->blocks = pn_realloc(s->blocks, s->cap_blocks * sizeof *s->blocks);
        }
        s->blocks[s->n_blocks++] = cur;
        s->n_lines += cur.nlines;
    }
    reader_close(&rd);
    cache_drop_from(s, first);
    if (s->rd.r && s->rd.file == fl)
        reader_close(&s->rd);
    if (s->filter && !s->filtering) {
        s->counts = pn_realloc(s->counts, (s->n_blocks + 1) * sizeof *s->counts);
        count_blocks(&s->set, s->filter, s->blocks, first, s->n_blocks, s->counts, NULL, NULL,
                     NULL, NULL);
        atomic_store(&s->fdone, s->n_blocks);
    }
    return taken > 0;
}

bool lg_view_toggle_follow(lg *s)
{
    if (s->following) {
        pn_logfollow_close(s->follow);
        s->follow = NULL;
        s->following = false;
        pn_app_flash(s->app, PN_ROLE_STATUS, "follow off");
        return false;
    }
    if (!s->set_open || !s->set.n) {
        pn_app_flash(s->app, PN_ROLE_STATUS_WARN, "follow: no log file to follow");
        return false;
    }
    pn_err err = PN_ERR_INIT;
    const char *path = s->set.files[s->set.n - 1].path;
    s->follow = pn_logfollow_open(path, true, &err);
    if (!s->follow) {
        pn_app_flash(s->app, PN_ROLE_STATUS_ERROR, "follow: %s", pn_err_msg(&err));
        pn_err_clear(&err);
        return false;
    }
    s->following = true;
    s->moved = false;
    if (s->rows)
        s->cursor = s->rows - 1;
    const char *base = strrchr(path, '/');
    pn_app_flash(s->app, PN_ROLE_STATUS, "following %s: new lines appear at the end",
                 base ? base + 1 : path);
    return true;
}

static int follow_tick(lg *s)
{
    if (!s->following || s->indexing)
        return PN_DIRTY_NONE;
    const char *l;
    size_t n;
    pn_err err = PN_ERR_INIT;
    int got = 0, r;
    /* the follow handle tells that lines came (and survives rotation); the
     * index reads them from the file with their offsets */
    while (got < FOLLOW_MAX_LINES && (r = pn_logfollow_next(s->follow, 0, &l, &n, &err)) == 1)
        got++;
    if (got == 0 && r < 0) {
        pn_app_flash(s->app, PN_ROLE_STATUS_ERROR, "follow: %s", pn_err_msg(&err));
        pn_err_clear(&err);
        pn_logfollow_close(s->follow);
        s->follow = NULL;
        s->following = false;
        return PN_DIRTY_DRAW;
    }
    pn_err_clear(&err);
    if (!got)
        return PN_DIRTY_NONE;
    bool at_end = !s->rows || s->cursor + 1 >= s->rows;
    extend_live(s);
    lg_view_recount(s);
    if (at_end && s->rows)
        s->cursor = s->rows - 1;
    return PN_DIRTY_DRAW;
}

/* ---- life --------------------------------------------------------------------- */

void lg_view_init(lg *s)
{
    pthread_mutex_init(&s->lock, NULL);
    s->cache = pn_calloc(LG_CACHE, sizeof *s->cache);
    for (int i = 0; i < LG_CACHE; i++)
        s->cache[i].block = SIZE_MAX;
    atomic_init(&s->fdone, 0);
    s->cum = pn_calloc(1, sizeof *s->cum);
    s->show_hist = true;
}

void lg_view_free(lg *s)
{
    reader_close(&s->rd);
    if (s->follow)
        pn_logfollow_close(s->follow);
    for (int i = 0; i < LG_CACHE; i++)
        pn_str_free(&s->cache[i].text);
    free(s->cache);
    if (s->set_open)
        pn_logset_free(&s->set);
    free(s->blocks);
    free(s->incoming);
    if (!s->filtering)
        free(s->counts);
    free(s->cum);
    free(s->index_notes);
    free(s->open_error);
    lg_filter_free(s->filter);
    pthread_mutex_destroy(&s->lock);
}

int lg_view_tick(lg *s, int64_t now_ms)
{
    (void)now_ms;
    int dirty = PN_DIRTY_NONE;
    if (s->indexing && drain_incoming(s)) {
        lg_view_recount(s);
        dirty |= PN_DIRTY_DRAW;
    }
    if (s->filtering) {
        size_t before = s->n_cum;
        lg_view_recount(s);
        if (s->n_cum != before) {
            if (!s->moved && s->rows)
                s->cursor = s->rows - 1;
            dirty |= PN_DIRTY_DRAW;
        }
    }
    dirty |= follow_tick(s);
    return dirty;
}
