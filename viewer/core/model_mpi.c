/*
 * model_mpi.c — ranks, messages and collectives from MPI events
 * (model_mpi.h). Pure: no I/O, no clock; model_apply() hands every
 * MP_EV_MPI_* event here.
 *
 * Bad input (a fuzzed or corrupt trace) must never crash or eat memory:
 * ranks outside 0..MODEL_MPI_MAX_RANKS-1 are ignored, lists grow only by
 * what an event adds and the logs are bounded.
 */
#include "model_mpi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(void *arrp, size_t *cap, size_t need, size_t elsize)
{
    void **arr = arrp;
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need) ncap *= 2;
    void *p = realloc(*arr, ncap * elsize);
    if (!p) return -ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

static void text_of(const struct mp_trace_event *ev, char *dst, size_t cap)
{
    size_t n = strnlen(ev->text, MP_TRACE_TEXT - 1);
    if (n >= cap) n = cap - 1;
    memcpy(dst, ev->text, n);
    dst[n] = '\0';
}

void model_mpi_free(struct model_mpi *mm)
{
    if (!mm) return;
    free(mm->inflight);
    free(mm->delivered);
    free(mm->posts);
    free(mm->early);
    free(mm->colls);
    free(mm);
}

static bool valid_rank(int r)
{
    return r >= 0 && r < MODEL_MPI_MAX_RANKS;
}

/* ------------------------------------------------------------ messages */

static bool msg_matches(const struct mpi_msg *msg, int src, int dst, int tag)
{
    return msg->dst == dst && (src < 0 || msg->src == src) && (tag < 0 || msg->tag == tag);
}

static int delivered_push(struct model_mpi *mm, const struct mpi_msg *msg)
{
    if (mm->ndelivered >= MODEL_MPI_MAX_DELIVERED) {
        size_t cut = mm->ndelivered / 2;
        memmove(mm->delivered, mm->delivered + cut, (mm->ndelivered - cut) * sizeof *mm->delivered);
        mm->ndelivered -= cut;
        mm->delivered_trimmed += cut;
    }
    if (grow(&mm->delivered, &mm->cap_delivered, mm->ndelivered + 1, sizeof *mm->delivered)) return -ENOMEM;
    mm->delivered[mm->ndelivered++] = *msg;
    return 0;
}

static int on_send(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    struct mpi_msg msg = {.src = rank, .dst = MP_MPI_PEER(ev->a), .tag = MP_MPI_TAG(ev->a), .bytes = ev->b,
                          .t_sent = ev->t_ns};
    text_of(ev, msg.preview, sizeof msg.preview);
    struct mpi_rank *r = &mm->ranks[rank];
    r->sends++;
    r->bytes_sent += ev->b > 0 ? (uint64_t)ev->b : 0;
    mm->sends++;
    uint32_t serial = MP_MPI_OBJ_N(ev->obj);
    if (grow(&mm->posts, &mm->cap_posts, mm->nposts + 1, sizeof *mm->posts)) return -ENOMEM;
    mm->posts[mm->nposts++] = (struct mpi_post){.rank = rank, .serial = serial, .recv = false, .peer = msg.dst,
                                                .tag = msg.tag, .bytes = ev->b, .t = ev->t_ns};
    if (serial == 0) {
        r->state = MRANK_SEND;
        r->peer = msg.dst;
        r->tag = msg.tag;
    }
    if (msg.dst < 0) return 0; /* MPI_PROC_NULL: nothing travels */
    for (size_t i = 0; i < mm->nearly; i++) {
        if (mm->early[i].src != rank || mm->early[i].dst != msg.dst || mm->early[i].tag != msg.tag) continue;
        msg.t_recv = mm->early[i].t_recv;
        memmove(mm->early + i, mm->early + i + 1, (mm->nearly - i - 1) * sizeof *mm->early);
        mm->nearly--;
        return delivered_push(mm, &msg);
    }
    if (grow(&mm->inflight, &mm->cap_inflight, mm->ninflight + 1, sizeof *mm->inflight)) return -ENOMEM;
    mm->inflight[mm->ninflight++] = msg;
    return 0;
}

static void post_remove(struct model_mpi *mm, int rank, uint32_t serial, bool recv)
{
    for (size_t i = 0; i < mm->nposts; i++) {
        struct mpi_post *p = &mm->posts[i];
        if (p->rank != rank || p->serial != serial || p->recv != recv) continue;
        memmove(p, p + 1, (mm->nposts - i - 1) * sizeof *p);
        mm->nposts--;
        return;
    }
}

static const struct mpi_post *post_find(const struct model_mpi *mm, int rank, uint32_t serial)
{
    for (size_t i = 0; i < mm->nposts; i++)
        if (mm->posts[i].rank == rank && mm->posts[i].serial == serial) return &mm->posts[i];
    return NULL;
}

static int on_send_done(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    post_remove(mm, rank, MP_MPI_OBJ_N(ev->obj), false);
    struct mpi_rank *r = &mm->ranks[rank];
    if (r->state == MRANK_SEND || (r->state == MRANK_WAIT && !r->wait_recv)) r->state = MRANK_COMPUTING;
    return 0;
}

static int on_recv_post(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    uint32_t serial = MP_MPI_OBJ_N(ev->obj);
    int src = MP_MPI_PEER(ev->a), tag = MP_MPI_TAG(ev->a);
    if (grow(&mm->posts, &mm->cap_posts, mm->nposts + 1, sizeof *mm->posts)) return -ENOMEM;
    mm->posts[mm->nposts++] = (struct mpi_post){.rank = rank, .serial = serial, .recv = true, .peer = src,
                                                .tag = tag, .bytes = ev->b, .t = ev->t_ns};
    if (serial == 0) {
        struct mpi_rank *r = &mm->ranks[rank];
        r->state = MRANK_RECV;
        r->peer = src;
        r->tag = tag;
    }
    return 0;
}

static int on_recv(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    int src = MP_MPI_PEER(ev->a), tag = MP_MPI_TAG(ev->a);
    struct mpi_rank *r = &mm->ranks[rank];
    r->recvs++;
    r->bytes_recv += ev->b > 0 ? (uint64_t)ev->b : 0;
    mm->recvs++;
    post_remove(mm, rank, MP_MPI_OBJ_N(ev->obj), true);
    if (r->state == MRANK_RECV || (r->state == MRANK_WAIT && r->wait_recv)) r->state = MRANK_COMPUTING;
    for (size_t i = 0; i < mm->ninflight; i++) {
        struct mpi_msg *msg = &mm->inflight[i];
        if (!msg_matches(msg, src, rank, tag)) continue;
        struct mpi_msg done = *msg;
        done.t_recv = ev->t_ns;
        memmove(msg, msg + 1, (mm->ninflight - i - 1) * sizeof *msg);
        mm->ninflight--;
        return delivered_push(mm, &done);
    }
    if (src < 0) return 0; /* from MPI_PROC_NULL: nothing was sent */
    struct mpi_msg early = {.src = src, .dst = rank, .tag = tag, .bytes = ev->b, .t_recv = ev->t_ns};
    text_of(ev, early.preview, sizeof early.preview);
    if (mm->nearly >= 4096) return 0; /* a corrupt trace: stop remembering */
    if (grow(&mm->early, &mm->cap_early, mm->nearly + 1, sizeof *mm->early)) return -ENOMEM;
    mm->early[mm->nearly++] = early;
    return 0;
}

static int on_wait(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    const struct mpi_post *p = post_find(mm, rank, MP_MPI_OBJ_N(ev->obj));
    if (!p) return 0; /* completed already */
    struct mpi_rank *r = &mm->ranks[rank];
    r->state = MRANK_WAIT;
    r->wait_recv = p->recv;
    r->peer = p->peer;
    r->tag = p->tag;
    return 0;
}

/* ------------------------------------------------------------ collectives */

static struct mpi_coll *get_coll(struct model_mpi *mm, uint32_t n, int what, int root)
{
    for (size_t i = 0; i < mm->ncolls; i++)
        if (mm->colls[i].n == n) return &mm->colls[i];
    if (mm->ncolls >= MODEL_MPI_MAX_COLLS) {
        /* Forget the oldest collective (the log keeps the events). */
        memmove(mm->colls, mm->colls + 1, (mm->ncolls - 1) * sizeof *mm->colls);
        mm->ncolls--;
    }
    if (grow(&mm->colls, &mm->cap_colls, mm->ncolls + 1, sizeof *mm->colls)) return NULL;
    struct mpi_coll *c = &mm->colls[mm->ncolls++];
    memset(c, 0, sizeof *c);
    c->n = n;
    c->what = what;
    c->root = root;
    return c;
}

static int on_coll(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    uint32_t n = MP_MPI_OBJ_N(ev->obj);
    struct mpi_coll *c = get_coll(mm, n, (int)ev->a, (int)ev->b);
    if (!c) return -ENOMEM;
    struct mpi_rank *r = &mm->ranks[rank];
    bool enter = ev->kind == MP_EV_MPI_COLL_ENTER;
    bool from_root = c->root == rank;
    if (enter) {
        c->entered[rank] = true;
        r->colls++;
        r->state = MRANK_COLL;
        r->coll = c->what;
        r->root = c->root;
        r->coll_n = n;
        if (from_root && ev->text[0]) text_of(ev, c->root_text, sizeof c->root_text);
        text_of(ev, c->gave[rank], sizeof c->gave[rank]);
    } else {
        c->entered[rank] = true;
        c->left[rank] = true;
        if (r->state == MRANK_COLL) r->state = MRANK_COMPUTING;
        if ((from_root || c->root < 0) && ev->text[0] && !c->result[0]) text_of(ev, c->result, sizeof c->result);
    }
    return 0;
}

/* ------------------------------------------------------------ apply */

static int on_init(struct model_mpi *mm, int rank, const struct mp_trace_event *ev)
{
    struct mpi_rank *r = &mm->ranks[rank];
    r->size = ev->b > 0 && ev->b <= MODEL_MPI_MAX_RANKS ? (int)ev->b : 0;
    text_of(ev, r->host, sizeof r->host);
    r->state = MRANK_COMPUTING;
    if (r->size > mm->nranks) mm->nranks = r->size;
    return 0;
}

int model_mpi_apply(struct model *m, const struct mp_trace_event *ev)
{
    int rank = MP_MPI_OBJ_RANK(ev->obj);
    if (!valid_rank(rank)) return 0;
    if (!m->mpi) {
        m->mpi = calloc(1, sizeof *m->mpi);
        if (!m->mpi) return -ENOMEM;
    }
    struct model_mpi *mm = m->mpi;
    struct mpi_rank *r = &mm->ranks[rank];
    if (!r->seen) r->state = MRANK_COMPUTING;
    r->seen = true;
    r->pid = ev->pid;
    if (rank + 1 > mm->nranks) mm->nranks = rank + 1;
    switch (ev->kind) {
    case MP_EV_MPI_INIT: return on_init(mm, rank, ev);
    case MP_EV_MPI_FINALIZE: r->state = MRANK_FINALIZED; return 0;
    case MP_EV_MPI_SEND: return on_send(mm, rank, ev);
    case MP_EV_MPI_SEND_DONE: return on_send_done(mm, rank, ev);
    case MP_EV_MPI_RECV_POST: return on_recv_post(mm, rank, ev);
    case MP_EV_MPI_RECV: return on_recv(mm, rank, ev);
    case MP_EV_MPI_WAIT: return on_wait(mm, rank, ev);
    case MP_EV_MPI_COLL_ENTER:
    case MP_EV_MPI_COLL_LEAVE: return on_coll(mm, rank, ev);
    default: return 0;
    }
}

/* ------------------------------------------------------------ derived facts */

const char *model_mpi_coll_name(int what)
{
    switch (what) {
    case MP_MPI_COLL_BARRIER: return "MPI_Barrier";
    case MP_MPI_COLL_BCAST: return "MPI_Bcast";
    case MP_MPI_COLL_SCATTER: return "MPI_Scatter";
    case MP_MPI_COLL_GATHER: return "MPI_Gather";
    case MP_MPI_COLL_REDUCE: return "MPI_Reduce";
    case MP_MPI_COLL_ALLREDUCE: return "MPI_Allreduce";
    default: return "MPI_?";
    }
}

static void peer_text(int peer, char *buf, size_t cap)
{
    if (peer < 0) snprintf(buf, cap, "any");
    else snprintf(buf, cap, "%d", peer);
}

static bool rank_exited(const struct model *m, const struct mpi_rank *r)
{
    const struct model_proc *p = r->pid ? model_proc(m, r->pid) : NULL;
    return p && p->state == MPROC_EXITED;
}

void model_mpi_state_text(const struct model *m, int rank, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    if (!m->mpi || !valid_rank(rank) || !m->mpi->ranks[rank].seen) {
        snprintf(buf, cap, "not started");
        return;
    }
    const struct mpi_rank *r = &m->mpi->ranks[rank];
    char peer[16], tag[16];
    peer_text(r->peer, peer, sizeof peer);
    peer_text(r->tag, tag, sizeof tag);
    const char *gone = rank_exited(m, r) && r->state != MRANK_FINALIZED ? " (exited)" : "";
    switch (r->state) {
    case MRANK_COMPUTING: snprintf(buf, cap, "%s", *gone ? "exited" : "computing"); break;
    case MRANK_SEND: snprintf(buf, cap, "in MPI_Send to %s tag %s%s", peer, tag, gone); break;
    case MRANK_RECV: snprintf(buf, cap, "in MPI_Recv from %s tag %s%s", peer, tag, gone); break;
    case MRANK_WAIT:
        snprintf(buf, cap, "in MPI_Wait (%s %s %s tag %s)%s", r->wait_recv ? "recv" : "send",
                 r->wait_recv ? "from" : "to", peer, tag, gone);
        break;
    case MRANK_COLL:
        if (r->root >= 0) snprintf(buf, cap, "in %s #%u root %d%s", model_mpi_coll_name(r->coll), r->coll_n, r->root, gone);
        else snprintf(buf, cap, "in %s #%u%s", model_mpi_coll_name(r->coll), r->coll_n, gone);
        break;
    case MRANK_FINALIZED: snprintf(buf, cap, "finalized"); break;
    }
}

bool model_mpi_blocked(const struct model *m, int rank)
{
    if (!m->mpi || !valid_rank(rank) || !m->mpi->ranks[rank].seen) return false;
    enum mpi_rank_state s = m->mpi->ranks[rank].state;
    return s == MRANK_SEND || s == MRANK_RECV || s == MRANK_WAIT || s == MRANK_COLL;
}

/* A blocked receive whose message is already in flight will complete. */
static bool recv_satisfiable(const struct model_mpi *mm, int rank, int src, int tag)
{
    for (size_t i = 0; i < mm->ninflight; i++)
        if (msg_matches(&mm->inflight[i], src, rank, tag)) return true;
    return false;
}

/* Does rank (blocked) wait for rank j? */
static bool waits_for(const struct model_mpi *mm, int rank, int j)
{
    const struct mpi_rank *r = &mm->ranks[rank];
    if (j == rank) return false;
    switch (r->state) {
    case MRANK_SEND: return r->peer == j;
    case MRANK_RECV: return r->peer < 0 || r->peer == j;
    case MRANK_WAIT: return r->peer < 0 || r->peer == j;
    case MRANK_COLL: {
        for (size_t i = 0; i < mm->ncolls; i++)
            if (mm->colls[i].n == r->coll_n) return !mm->colls[i].entered[j];
        return false;
    }
    default: return false;
    }
}

/* Every rank has entered the collective rank is in: it is leaving it. */
static bool coll_complete(const struct model *m, int rank)
{
    const struct model_mpi *mm = m->mpi;
    for (int j = 0; j < mm->nranks; j++)
        if (waits_for(mm, rank, j)) return false;
    return true;
}

/* The stuck set: start from every blocked rank, then free each one that
 * waits for a rank that can still act (computing, or not started yet),
 * until nothing changes. What stays is stuck for good. */
static void stuck_set(const struct model *m, bool *stuck)
{
    const struct model_mpi *mm = m->mpi;
    int n = mm->nranks;
    for (int i = 0; i < n; i++) {
        const struct mpi_rank *r = &mm->ranks[i];
        stuck[i] = model_mpi_blocked(m, i);
        bool recv = r->state == MRANK_RECV || (r->state == MRANK_WAIT && r->wait_recv);
        if (stuck[i] && recv && recv_satisfiable(mm, i, r->peer, r->tag)) stuck[i] = false;
        if (stuck[i] && r->state == MRANK_COLL && coll_complete(m, i)) stuck[i] = false;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (int i = 0; i < n; i++) {
            if (!stuck[i]) continue;
            for (int j = 0; j < n; j++) {
                if (!waits_for(mm, i, j)) continue;
                const struct mpi_rank *o = &mm->ranks[j];
                bool gone = o->seen && (o->state == MRANK_FINALIZED || rank_exited(m, o));
                if (!stuck[j] && !gone) {
                    stuck[i] = false;
                    changed = true;
                    break;
                }
            }
        }
    }
}

int model_mpi_deadlocked(const struct model *m, int *out, int cap)
{
    if (!m->mpi || m->mpi->nranks <= 0) return 0;
    bool stuck[MODEL_MPI_MAX_RANKS];
    stuck_set(m, stuck);
    int k = 0;
    for (int i = 0; i < m->mpi->nranks; i++)
        if (stuck[i]) {
            if (out && k < cap) out[k] = i;
            k++;
        }
    return k;
}

bool model_mpi_all_stuck(const struct model *m)
{
    if (!m->mpi || m->mpi->nranks <= 0) return false;
    bool stuck[MODEL_MPI_MAX_RANKS];
    stuck_set(m, stuck);
    int nstuck = 0;
    for (int i = 0; i < m->mpi->nranks; i++) {
        const struct mpi_rank *r = &m->mpi->ranks[i];
        if (!r->seen) return false; /* a rank yet to start may still send */
        if (r->state == MRANK_FINALIZED || rank_exited(m, r)) continue;
        if (!stuck[i]) return false;
        nstuck++;
    }
    return nstuck > 0;
}

void model_mpi_waits_for_text(const struct model *m, int rank, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    buf[0] = '\0';
    if (!model_mpi_blocked(m, rank)) return;
    const struct model_mpi *mm = m->mpi;
    const struct mpi_rank *r = &mm->ranks[rank];
    if ((r->state == MRANK_RECV || r->state == MRANK_WAIT) && r->peer < 0) {
        snprintf(buf, cap, "any rank");
        return;
    }
    size_t o = 0;
    int count = 0;
    for (int j = 0; j < mm->nranks && o < cap; j++) {
        if (!waits_for(mm, rank, j)) continue;
        int w = snprintf(buf + o, cap - o, "%s%d", count ? ", " : "", j);
        if (w < 0 || (size_t)w >= cap - o) break;
        o += (size_t)w;
        count++;
    }
    if (!count) return;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s %s", count > 1 ? "ranks" : "rank", buf);
    snprintf(buf, cap, "%s", tmp);
}

/* ------------------------------------------------------------ wait-for graph */

static int rank_of_pid(const struct model *m, int pid)
{
    if (!m->mpi) return -1;
    for (int i = 0; i < m->mpi->nranks; i++)
        if (m->mpi->ranks[i].seen && m->mpi->ranks[i].pid == pid) return i;
    return -1;
}

int model_mpi_releasers(const struct model *m, int pid, int *out, int cap, bool *waiting)
{
    *waiting = false;
    int rank = rank_of_pid(m, pid);
    if (rank < 0 || !model_mpi_blocked(m, rank)) return 0;
    const struct model_mpi *mm = m->mpi;
    const struct mpi_rank *r = &mm->ranks[rank];
    bool recv = r->state == MRANK_RECV || (r->state == MRANK_WAIT && r->wait_recv);
    if (recv && recv_satisfiable(mm, rank, r->peer, r->tag)) return 0;
    if (r->state == MRANK_COLL && coll_complete(m, rank)) return 0;
    *waiting = true;
    int n = 0;
    for (int j = 0; j < mm->nranks; j++) {
        const struct mpi_rank *o = &mm->ranks[j];
        if (!waits_for(mm, rank, j) || (o->seen && o->state == MRANK_FINALIZED)) continue;
        /* A rank not started yet (no pid) may still come and send. */
        if (!o->seen) {
            *waiting = false;
            return 0;
        }
        if (n < cap) out[n] = o->pid;
        n++;
    }
    return n;
}

int model_mpi_doing_text(const struct model *m, int pid, char *buf, size_t cap)
{
    int rank = rank_of_pid(m, pid);
    char state[96];
    model_mpi_state_text(m, rank, state, sizeof state);
    return snprintf(buf, cap, "(rank %d) waits %s", rank, state);
}
