/*
 * mpitrace.c — libmptrace.so: trace any MPI program without recompiling it.
 *
 * Loaded with LD_PRELOAD (forklab passes it to the ranks with mpirun's
 * `-x LD_PRELOAD=...`), it defines MPI_Init, MPI_Send, MPI_Barrier, ... and
 * calls the real PMPI_* entry points, emitting MP_EV_MPI_* events
 * (mp_trace.h) around them. The library is linked with libmp's objects, so
 * libmp's start-up code joins the trace ring the ranks inherit
 * (MP_TRACE_FD, an fd mpirun passes on to every rank it forks on this
 * machine) exactly as an example linked with libmp does.
 *
 * Ranks on other machines cannot reach that ring: with
 * MP_TRACE_RANKS=PATTERN each rank also writes its events to its own trace
 * file (the pattern's %r is the world rank, %h the host, %p the pid; ".%r"
 * is appended when the pattern has no %r). `forklab trace merge` joins the
 * files into one timeline; to make that possible every rank passes a
 * barrier inside MPI_Init and stamps its MPI_INIT event when it leaves it,
 * so the INIT events of all ranks mark (nearly) the same instant.
 *
 * What is recorded, and when:
 *   - a send: SEND before the data goes (the message is "in flight" from
 *     then on, so a receive can never be seen before its send), SEND_DONE
 *     when the call (or its request) completes;
 *   - a receive: RECV_POST when it is posted (a blocking one blocks until
 *     RECV), RECV with the real source, tag, size and a preview once the
 *     data is there;
 *   - a collective: COLL_ENTER and COLL_LEAVE around the call, numbered per
 *     rank so the viewer can tell who has entered which call.
 * Requests of Isend/Irecv are remembered in a small table until Wait/Test
 * completes them.
 *
 * Controlled runs (forklab run --mpi ... --seed/--schedule): libmp's
 * start-up code joins the gate (lib/gate.c) as rank r's slot 1 + r, and
 * every wrapper first parks at the gate with what it is about to do
 * (MP_GOP_MPI_*): a send, a blocking receive (or a wait on one) with its
 * source and tag, a call that never waits, or a collective with its
 * number on this rank (MPI_Init is number 0 and MPI_Finalize the one after
 * the last; both wait for every rank). The scheduler grants a receive only
 * when a matching message is in flight and a collective only when every
 * rank has arrived, so no rank waits inside MPI for long. A collective (and
 * a send too large to go eagerly) lets several ranks go on at once: each
 * parks again as it leaves the call (gate_left), so what they do next
 * (printing, above all) still happens one rank at a time, in the
 * schedule's order. For the same reason a controlled rank writes its
 * output straight to forklab's pipes (lib/gate.c), not through mpirun,
 * whose forwarding could reorder the lines of different ranks. Everything is per process; no locks are taken (an MPI
 * program that calls MPI from several threads is traced on a best-effort
 * basis).
 */
#include "mp_private.h"
#include "mp_gate.h"

#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* ------------------------------------------------------------ state */

static int me = -1;        /* world rank, -1 before MPI_Init */
static uint32_t coll_seq;  /* collectives entered so far */
static uint32_t req_seq;   /* request serials handed out */
static FILE *rank_file;    /* MP_TRACE_RANKS: this rank's own trace file */

struct pending {
    MPI_Request req;   /* MPI_REQUEST_NULL = free slot */
    uint32_t serial;
    bool recv;
    int peer, tag;     /* a receive's source and tag (world rank; -1 any), for the gate */
    void *buf;
    MPI_Datatype type;
    MPI_Comm comm;
};
#define MAX_PENDING 1024 /* more outstanding requests are not traced */
static struct pending pending[MAX_PENDING];
static bool pending_ready;

/* ------------------------------------------------------------ emitting */

static void file_write(uint64_t t, unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    struct mp_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = t;
    ev.obj = obj;
    ev.a = a;
    ev.b = b;
    ev.pid = (int32_t)getpid();
    ev.kind = (uint16_t)kind;
    if (text) {
        size_t n = strnlen(text, MP_TRACE_TEXT - 1);
        memcpy(ev.text, text, n);
    }
    if (fwrite(&ev, sizeof ev, 1, rank_file) != 1) { /* a full disk loses the trace, never the run */
        fclose(rank_file);
        rank_file = NULL;
    }
}

static void emit(unsigned kind, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    uint64_t t = mp__now_ns();
    if (mp__trace_on) mp__trace_emit_at(t, kind, obj, a, b, text);
    if (rank_file) file_write(t, kind, obj, a, b, text);
}

/* ------------------------------------------------------------ helpers */

/* A rank of comm as a world rank; ANY_SOURCE / PROC_NULL stay as they are. */
static int world_rank(MPI_Comm comm, int r)
{
    if (r < 0 || comm == MPI_COMM_WORLD) return r;
    MPI_Group g, wg;
    int out = MPI_UNDEFINED;
    if (PMPI_Comm_group(comm, &g) != MPI_SUCCESS) return r;
    if (PMPI_Comm_group(MPI_COMM_WORLD, &wg) == MPI_SUCCESS) {
        PMPI_Group_translate_ranks(g, 1, &r, wg, &out);
        PMPI_Group_free(&wg);
    }
    PMPI_Group_free(&g);
    return out == MPI_UNDEFINED ? r : out;
}

static int64_t type_bytes(MPI_Datatype type, int count)
{
    int size = 0;
    if (count <= 0 || PMPI_Type_size(type, &size) != MPI_SUCCESS) return 0;
    return (int64_t)size * count;
}

/* Append to out (cap bytes in all) what fits; false once full. */
static bool append(char *out, size_t cap, size_t *o, const char *s)
{
    size_t n = strlen(s);
    if (*o + n + 4 >= cap) { /* keep room for "..." */
        memcpy(out + *o, "...", 4);
        *o += 3;
        return false;
    }
    memcpy(out + *o, s, n + 1);
    *o += n;
    return true;
}

/* "42", "[1, 2, 3]", "hello", or hex: the first elements of a buffer,
 * printed by their MPI type. */
static void preview(char *out, size_t cap, const void *buf, MPI_Datatype type, int count)
{
    out[0] = '\0';
    if (!buf || count <= 0 || buf == MPI_IN_PLACE) return;
    if (type == MPI_CHAR || type == MPI_SIGNED_CHAR) {
        const char *s = buf;
        size_t n = 0, o = 0;
        while (n < (size_t)count && n < cap - 1 && s[n]) n++;
        for (size_t i = 0; i < n; i++) out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '.';
        out[o] = '\0';
        return;
    }
    size_t o = 0;
    char item[48];
    if (count > 1) append(out, cap, &o, "[");
    for (int i = 0; i < count; i++) {
        if (type == MPI_INT) snprintf(item, sizeof item, "%d", ((const int *)buf)[i]);
        else if (type == MPI_LONG) snprintf(item, sizeof item, "%ld", ((const long *)buf)[i]);
        else if (type == MPI_LONG_LONG) snprintf(item, sizeof item, "%lld", ((const long long *)buf)[i]);
        else if (type == MPI_INT64_T) snprintf(item, sizeof item, "%lld", (long long)((const int64_t *)buf)[i]);
        else if (type == MPI_UNSIGNED) snprintf(item, sizeof item, "%u", ((const unsigned *)buf)[i]);
        else if (type == MPI_DOUBLE) snprintf(item, sizeof item, "%g", ((const double *)buf)[i]);
        else if (type == MPI_FLOAT) snprintf(item, sizeof item, "%g", (double)((const float *)buf)[i]);
        else if (type == MPI_BYTE || type == MPI_UNSIGNED_CHAR)
            snprintf(item, sizeof item, "%02x", ((const unsigned char *)buf)[i]);
        else {
            snprintf(out, cap, "(%lld bytes)", (long long)type_bytes(type, count));
            return;
        }
        if (i && !append(out, cap, &o, ", ")) return;
        if (!append(out, cap, &o, item)) return;
    }
    if (count > 1) append(out, cap, &o, "]");
}

static void pending_add(MPI_Request req, uint32_t serial, bool recv, int peer, int tag, void *buf,
                        MPI_Datatype type, MPI_Comm comm)
{
    if (!pending_ready) {
        for (size_t i = 0; i < MAX_PENDING; i++) pending[i].req = MPI_REQUEST_NULL;
        pending_ready = true;
    }
    for (size_t i = 0; i < MAX_PENDING; i++) {
        if (pending[i].req != MPI_REQUEST_NULL) continue;
        pending[i] = (struct pending){
            .req = req, .serial = serial, .recv = recv, .peer = peer, .tag = tag, .buf = buf, .type = type, .comm = comm};
        return;
    }
}

static struct pending *pending_find(MPI_Request req)
{
    if (!pending_ready || req == MPI_REQUEST_NULL) return NULL;
    for (size_t i = 0; i < MAX_PENDING; i++)
        if (pending[i].req == req) return &pending[i];
    return NULL;
}

/* A receive completed: RECV with what really arrived. */
static void recv_done(uint32_t serial, void *buf, MPI_Datatype type, MPI_Comm comm, const MPI_Status *st)
{
    int count = 0;
    PMPI_Get_count(st, type, &count);
    if (count == MPI_UNDEFINED) count = 0;
    char text[MP_TRACE_TEXT];
    preview(text, sizeof text, buf, type, count);
    emit(MP_EV_MPI_RECV, MP_MPI_OBJ(me, serial), MP_MPI_PACK(world_rank(comm, st->MPI_SOURCE), st->MPI_TAG),
         type_bytes(type, count), text);
}

/* A request finished (Wait/Test said so): its RECV or SEND_DONE. */
static void request_done(struct pending *p, const MPI_Status *st)
{
    if (p->recv) recv_done(p->serial, p->buf, p->type, p->comm, st);
    else emit(MP_EV_MPI_SEND_DONE, MP_MPI_OBJ(me, p->serial), 0, 0, NULL);
    p->req = MPI_REQUEST_NULL;
}

/* ------------------------------------------------------------ the gate */

/* Park until the controller grants this call (controlled runs only). */
static void gate(unsigned kind, uint64_t obj, int64_t a, int64_t b)
{
    if (MP__GATE_ON()) mp__gate(kind, obj, a, b, MP_FOREVER);
}

/* Leaving a call that released several ranks at once: park again. */
static void gate_left(void)
{
    gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
}

/* A collective of comm: counted for the gate only on MPI_COMM_WORLD (every
 * rank takes part); on another communicator it is a call the scheduler
 * cannot judge, let through as one that never waits. */
static void gate_coll(MPI_Comm comm, int what)
{
    if (comm == MPI_COMM_WORLD) gate(MP_GOP_MPI_COLL, 0, (int64_t)coll_seq + 1, what);
    else gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
}

/* ------------------------------------------------------------ set-up */

static void open_rank_file(int rank)
{
    const char *pat = getenv("MP_TRACE_RANKS");
    if (!pat || !*pat) return;
    char path[4096], host[256] = "";
    gethostname(host, sizeof host - 1);
    size_t o = 0;
    bool has_rank = false;
    for (const char *p = pat; *p && o < sizeof path - 32; p++) {
        if (p[0] == '%' && (p[1] == 'r' || p[1] == 'p' || p[1] == 'h')) {
            if (p[1] == 'r') has_rank = true;
            int n = p[1] == 'h' ? snprintf(path + o, sizeof path - o, "%.200s", host)
                                : snprintf(path + o, sizeof path - o, "%d", p[1] == 'r' ? rank : (int)getpid());
            o += (size_t)n < sizeof path - o ? (size_t)n : 0;
            p++;
        } else {
            path[o++] = *p;
        }
    }
    path[o] = '\0';
    if (!has_rank) snprintf(path + o, sizeof path - o, ".%d", rank);
    rank_file = fopen(path, "wb");
    if (!rank_file) {
        fprintf(stderr, "mptrace: MP_TRACE_RANKS: %s: %s (this rank is not traced to a file)\n", path,
                strerror(errno));
        return;
    }
    struct {
        char magic[8];
        uint32_t version, event_size;
        struct mp_trace_clock_block clock;
    } hdr;
    memcpy(hdr.magic, "FLTRACE1", 8);
    hdr.version = MP_TRACE_VERSION;
    hdr.event_size = sizeof(struct mp_trace_event);
    mp_trace_clock_block_make(&hdr.clock, NULL); /* rank files hold CLOCK_MONOTONIC ns */
    fwrite(&hdr, sizeof hdr, 1, rank_file);
}

/* mpirun reaps the ranks, and it is not traced: each rank reports its own
 * normal exit, with its status (on_exit passes it). A rank killed by a
 * signal reports nothing and stays "running" in the processes panel. */
static void report_exit(int status, void *arg)
{
    (void)arg;
    if (rank_file) {
        file_write(mp__now_ns(), MP_EV_PROC_EXIT, 0, (int64_t)getpid(), status, "rank");
        fclose(rank_file);
        rank_file = NULL;
    }
    if (mp__trace_on) mp__trace_emit(MP_EV_PROC_EXIT, 0, (int64_t)getpid(), status, "rank");
}

static void traced_init(void)
{
    on_exit(report_exit, NULL);
    int size = 0;
    PMPI_Comm_rank(MPI_COMM_WORLD, &me);
    PMPI_Comm_size(MPI_COMM_WORLD, &size);
    open_rank_file(me);
    /* The common instant every rank's INIT is stamped at (see the top). */
    PMPI_Barrier(MPI_COMM_WORLD);
    char host[MP_TRACE_TEXT] = "";
    gethostname(host, sizeof host - 1);
    if (rank_file) /* a rank file stands alone: say who this process is */
        file_write(mp__now_ns(), MP_EV_PROC_START, 0, (int64_t)getppid(), 0, program_invocation_short_name);
    emit(MP_EV_MPI_INIT, MP_MPI_OBJ(me, 0), me, size, host);
}

int MPI_Init(int *argc, char ***argv)
{
    gate(MP_GOP_MPI_COLL, 0, 0, MP_GATE_MPI_INIT);
    int rc = PMPI_Init(argc, argv);
    if (rc == MPI_SUCCESS) traced_init();
    gate_left();
    return rc;
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    gate(MP_GOP_MPI_COLL, 0, 0, MP_GATE_MPI_INIT);
    int rc = PMPI_Init_thread(argc, argv, required, provided);
    if (rc == MPI_SUCCESS) traced_init();
    gate_left();
    return rc;
}

int MPI_Finalize(void)
{
    gate(MP_GOP_MPI_COLL, 0, (int64_t)coll_seq + 1, MP_GATE_MPI_FINALIZE);
    emit(MP_EV_MPI_FINALIZE, MP_MPI_OBJ(me, 0), me, 0, NULL);
    if (rank_file) fflush(rank_file); /* closed at exit, after PROC_EXIT */
    int rc = PMPI_Finalize();
    gate_left();
    return rc;
}

/* ------------------------------------------------------------ point to point */

static void send_begin(uint32_t serial, const void *buf, int count, MPI_Datatype type, int dest, int tag,
                       MPI_Comm comm)
{
    char text[MP_TRACE_TEXT];
    preview(text, sizeof text, buf, type, count);
    emit(MP_EV_MPI_SEND, MP_MPI_OBJ(me, serial), MP_MPI_PACK(world_rank(comm, dest), tag),
         type_bytes(type, count), text);
}

/* MPI_PROC_NULL as a peer: the call does nothing, and nothing is traced. */

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    if (dest == MPI_PROC_NULL) return PMPI_Send(buf, count, type, dest, tag, comm);
    gate(MP_GOP_MPI_SEND, (uint64_t)type_bytes(type, count), world_rank(comm, dest), tag);
    send_begin(0, buf, count, type, dest, tag, comm);
    int rc = PMPI_Send(buf, count, type, dest, tag, comm);
    emit(MP_EV_MPI_SEND_DONE, MP_MPI_OBJ(me, 0), rc, 0, NULL);
    if (type_bytes(type, count) > 4096) gate_left(); /* (the controller's limit of an eager send) */
    return rc;
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    MPI_Status own;
    if (source == MPI_PROC_NULL) return PMPI_Recv(buf, count, type, source, tag, comm, status);
    if (status == MPI_STATUS_IGNORE) status = &own;
    gate(MP_GOP_MPI_RECV, 0, world_rank(comm, source), tag == MPI_ANY_TAG ? -1 : tag);
    emit(MP_EV_MPI_RECV_POST, MP_MPI_OBJ(me, 0), MP_MPI_PACK(world_rank(comm, source), tag),
         type_bytes(type, count), NULL);
    int rc = PMPI_Recv(buf, count, type, source, tag, comm, status);
    if (rc == MPI_SUCCESS) recv_done(0, buf, type, comm, status);
    return rc;
}

int MPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm, MPI_Request *req)
{
    if (dest == MPI_PROC_NULL) return PMPI_Isend(buf, count, type, dest, tag, comm, req);
    gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
    uint32_t serial = ++req_seq;
    send_begin(serial, buf, count, type, dest, tag, comm);
    int rc = PMPI_Isend(buf, count, type, dest, tag, comm, req);
    if (rc == MPI_SUCCESS) pending_add(*req, serial, false, dest, tag, NULL, type, comm);
    return rc;
}

int MPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm, MPI_Request *req)
{
    if (source == MPI_PROC_NULL) return PMPI_Irecv(buf, count, type, source, tag, comm, req);
    gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
    uint32_t serial = ++req_seq;
    emit(MP_EV_MPI_RECV_POST, MP_MPI_OBJ(me, serial), MP_MPI_PACK(world_rank(comm, source), tag),
         type_bytes(type, count), NULL);
    int rc = PMPI_Irecv(buf, count, type, source, tag, comm, req);
    if (rc == MPI_SUCCESS)
        pending_add(*req, serial, true, world_rank(comm, source), tag == MPI_ANY_TAG ? -1 : tag, buf, type, comm);
    return rc;
}

int MPI_Wait(MPI_Request *req, MPI_Status *status)
{
    MPI_Status own;
    if (status == MPI_STATUS_IGNORE) status = &own;
    struct pending *p = req ? pending_find(*req) : NULL;
    if (p && p->recv) gate(MP_GOP_MPI_RECV, 0, p->peer, p->tag);
    else gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
    if (p) emit(MP_EV_MPI_WAIT, MP_MPI_OBJ(me, p->serial), 0, 0, NULL);
    int rc = PMPI_Wait(req, status);
    if (p && rc == MPI_SUCCESS) request_done(p, status);
    return rc;
}

int MPI_Test(MPI_Request *req, int *flag, MPI_Status *status)
{
    MPI_Status own;
    if (status == MPI_STATUS_IGNORE) status = &own;
    struct pending *p = req ? pending_find(*req) : NULL;
    gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
    int rc = PMPI_Test(req, flag, status);
    if (p && rc == MPI_SUCCESS && *flag) request_done(p, status);
    return rc;
}

int MPI_Waitall(int n, MPI_Request reqs[], MPI_Status statuses[])
{
    struct pending *ps[64];
    MPI_Status own[64];
    int k = n > 64 ? 0 : n; /* larger sets pass untraced */
    /* (may wait: the controller lets it run on its own if it does) */
    gate(MP_GOP_MPI_NOWAIT, 0, 0, 0);
    for (int i = 0; i < k; i++) {
        ps[i] = pending_find(reqs[i]);
        if (ps[i]) emit(MP_EV_MPI_WAIT, MP_MPI_OBJ(me, ps[i]->serial), 0, 0, NULL);
    }
    if (statuses == MPI_STATUSES_IGNORE && k) statuses = own;
    int rc = PMPI_Waitall(n, reqs, statuses);
    for (int i = 0; rc == MPI_SUCCESS && i < k; i++)
        if (ps[i]) request_done(ps[i], &statuses[i]);
    return rc;
}

int MPI_Sendrecv(const void *sbuf, int scount, MPI_Datatype stype, int dest, int stag, void *rbuf, int rcount,
                 MPI_Datatype rtype, int source, int rtag, MPI_Comm comm, MPI_Status *status)
{
    MPI_Status own;
    if (status == MPI_STATUS_IGNORE) status = &own;
    gate(MP_GOP_MPI_NOWAIT, 0, 0, 0); /* (as Waitall) */
    uint32_t serial = ++req_seq; /* the send half completes with the call */
    bool sends = dest != MPI_PROC_NULL, recvs = source != MPI_PROC_NULL;
    if (sends) send_begin(serial, sbuf, scount, stype, dest, stag, comm);
    if (recvs)
        emit(MP_EV_MPI_RECV_POST, MP_MPI_OBJ(me, 0), MP_MPI_PACK(world_rank(comm, source), rtag),
             type_bytes(rtype, rcount), NULL);
    int rc = PMPI_Sendrecv(sbuf, scount, stype, dest, stag, rbuf, rcount, rtype, source, rtag, comm, status);
    if (rc == MPI_SUCCESS) {
        if (recvs) recv_done(0, rbuf, rtype, comm, status);
        if (sends) emit(MP_EV_MPI_SEND_DONE, MP_MPI_OBJ(me, serial), 0, 0, NULL);
    }
    return rc;
}

/* ------------------------------------------------------------ collectives */

static uint32_t coll_enter(enum mp_mpi_coll what, int root, MPI_Comm comm, const void *buf, MPI_Datatype type,
                           int count)
{
    char text[MP_TRACE_TEXT];
    preview(text, sizeof text, buf, type, count);
    uint32_t n = ++coll_seq;
    emit(MP_EV_MPI_COLL_ENTER, MP_MPI_OBJ(me, n), what, world_rank(comm, root), text);
    return n;
}

static void coll_leave(uint32_t n, enum mp_mpi_coll what, int root, MPI_Comm comm, const void *buf,
                       MPI_Datatype type, int count)
{
    char text[MP_TRACE_TEXT];
    preview(text, sizeof text, buf, type, count);
    emit(MP_EV_MPI_COLL_LEAVE, MP_MPI_OBJ(me, n), what, world_rank(comm, root), text);
}

static bool is_root(MPI_Comm comm, int root)
{
    int r = -1;
    PMPI_Comm_rank(comm, &r);
    return r == root;
}

int MPI_Barrier(MPI_Comm comm)
{
    gate_coll(comm, MP_MPI_COLL_BARRIER);
    uint32_t n = coll_enter(MP_MPI_COLL_BARRIER, -1, comm, NULL, MPI_INT, 0);
    int rc = PMPI_Barrier(comm);
    coll_leave(n, MP_MPI_COLL_BARRIER, -1, comm, NULL, MPI_INT, 0);
    gate_left();
    return rc;
}

int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    gate_coll(comm, MP_MPI_COLL_BCAST);
    bool r = is_root(comm, root);
    uint32_t n = coll_enter(MP_MPI_COLL_BCAST, root, comm, r ? buf : NULL, type, count);
    int rc = PMPI_Bcast(buf, count, type, root, comm);
    coll_leave(n, MP_MPI_COLL_BCAST, root, comm, buf, type, count);
    gate_left();
    return rc;
}

int MPI_Scatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype,
                int root, MPI_Comm comm)
{
    gate_coll(comm, MP_MPI_COLL_SCATTER);
    int size = 1;
    PMPI_Comm_size(comm, &size);
    bool r = is_root(comm, root);
    uint32_t n = coll_enter(MP_MPI_COLL_SCATTER, root, comm, r ? sbuf : NULL, stype, scount * size);
    int rc = PMPI_Scatter(sbuf, scount, stype, rbuf, rcount, rtype, root, comm);
    coll_leave(n, MP_MPI_COLL_SCATTER, root, comm, rbuf, rtype, rcount);
    gate_left();
    return rc;
}

int MPI_Gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype,
               int root, MPI_Comm comm)
{
    gate_coll(comm, MP_MPI_COLL_GATHER);
    int size = 1;
    PMPI_Comm_size(comm, &size);
    bool r = is_root(comm, root);
    uint32_t n = coll_enter(MP_MPI_COLL_GATHER, root, comm, sbuf, stype, scount);
    int rc = PMPI_Gather(sbuf, scount, stype, rbuf, rcount, rtype, root, comm);
    coll_leave(n, MP_MPI_COLL_GATHER, root, comm, r ? rbuf : NULL, rtype, rcount * size);
    gate_left();
    return rc;
}

int MPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op, int root, MPI_Comm comm)
{
    gate_coll(comm, MP_MPI_COLL_REDUCE);
    bool r = is_root(comm, root);
    uint32_t n = coll_enter(MP_MPI_COLL_REDUCE, root, comm, sbuf == MPI_IN_PLACE ? rbuf : sbuf, type, count);
    int rc = PMPI_Reduce(sbuf, rbuf, count, type, op, root, comm);
    coll_leave(n, MP_MPI_COLL_REDUCE, root, comm, r ? rbuf : NULL, type, count);
    gate_left();
    return rc;
}

int MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    gate_coll(comm, MP_MPI_COLL_ALLREDUCE);
    uint32_t n = coll_enter(MP_MPI_COLL_ALLREDUCE, -1, comm, sbuf == MPI_IN_PLACE ? rbuf : sbuf, type, count);
    int rc = PMPI_Allreduce(sbuf, rbuf, count, type, op, comm);
    coll_leave(n, MP_MPI_COLL_ALLREDUCE, -1, comm, rbuf, type, count);
    gate_left();
    return rc;
}

/* ------------------------------------------------------------ lifetime */

/* mpirun puts each rank in a process group of its own, so whoever kills
 * mpirun's group misses the ranks: they die with mpirun instead. Under
 * forklab (FORKLAB_MPI_GROUP=1, one machine) a rank also joins mpirun's
 * group, so that pausing, continuing or killing the run's group reaches
 * every rank at once. */
__attribute__((constructor)) static void die_with_launcher(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const char *join = getenv("FORKLAB_MPI_GROUP");
    if (join && !strcmp(join, "1")) {
        pid_t pg = getpgid(getppid());
        if (pg > 0) setpgid(0, pg);
    }
}
