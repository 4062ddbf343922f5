/* test_model_mpi.c — the MPI part of the model from hand-made events:
 * message matching, rank states, collectives, the stuck set, bad input. */
#include "model.h"
#include "model_mpi.h"
#include "fmt_mpi.h"
#include "waitfor.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t clock_ns = 1000;

static void ev(struct model *m, unsigned kind, int rank, uint32_t n, int64_t a, int64_t b, const char *text)
{
    struct mp_trace_event e;
    memset(&e, 0, sizeof e);
    e.t_ns = clock_ns += 1000;
    e.kind = (uint16_t)kind;
    e.pid = 5000 + rank;
    e.obj = MP_MPI_OBJ(rank, n);
    e.a = a;
    e.b = b;
    if (text) snprintf(e.text, sizeof e.text, "%s", text);
    cr_assert_eq(model_apply(m, &e), 0);
}

static void init_ranks(struct model *m, int n)
{
    for (int r = 0; r < n; r++) ev(m, MP_EV_MPI_INIT, r, 0, r, n, "node1");
}

static const char *state(const struct model *m, int rank)
{
    static char buf[128];
    model_mpi_state_text(m, rank, buf, sizeof buf);
    return buf;
}

Test(model_mpi, init_gives_ranks_with_pid_and_host)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 4);
    cr_assert_not_null(m.mpi);
    cr_assert_eq(m.mpi->nranks, 4);
    cr_assert_eq(m.mpi->ranks[3].pid, 5003);
    cr_assert_str_eq(m.mpi->ranks[2].host, "node1");
    cr_assert_str_eq(state(&m, 1), "computing");
    cr_assert_eq(m.unknown, 0);
    model_free(&m);
}

Test(model_mpi, a_message_is_in_flight_until_its_receive)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 2);
    ev(&m, MP_EV_MPI_SEND, 0, 0, MP_MPI_PACK(1, 7), 4, "42");
    cr_assert_str_eq(state(&m, 0), "in MPI_Send to 1 tag 7");
    ev(&m, MP_EV_MPI_SEND_DONE, 0, 0, 0, 0, NULL);
    cr_assert_eq(m.mpi->ninflight, 1);
    cr_assert_eq(m.mpi->inflight[0].src, 0);
    cr_assert_eq(m.mpi->inflight[0].dst, 1);
    cr_assert_eq(m.mpi->inflight[0].tag, 7);
    cr_assert_str_eq(m.mpi->inflight[0].preview, "42");
    ev(&m, MP_EV_MPI_RECV_POST, 1, 0, MP_MPI_PACK(0, 7), 4, NULL);
    cr_assert_str_eq(state(&m, 1), "in MPI_Recv from 0 tag 7");
    ev(&m, MP_EV_MPI_RECV, 1, 0, MP_MPI_PACK(0, 7), 4, "42");
    cr_assert_eq(m.mpi->ninflight, 0);
    cr_assert_eq(m.mpi->ndelivered, 1);
    cr_assert_eq(m.mpi->nposts, 0);
    cr_assert_str_eq(state(&m, 1), "computing");
    cr_assert_eq(m.mpi->sends, 1);
    cr_assert_eq(m.mpi->recvs, 1);
    model_free(&m);
}

Test(model_mpi, receives_match_by_source_and_tag_oldest_first)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    ev(&m, MP_EV_MPI_SEND, 0, 1, MP_MPI_PACK(2, 1), 4, "a");
    ev(&m, MP_EV_MPI_SEND, 1, 1, MP_MPI_PACK(2, 2), 4, "b");
    ev(&m, MP_EV_MPI_SEND, 0, 2, MP_MPI_PACK(2, 1), 4, "c");
    /* from 0, tag 1: "a", not "b" (other sender) nor "c" (younger) */
    ev(&m, MP_EV_MPI_RECV, 2, 0, MP_MPI_PACK(0, 1), 4, "a");
    cr_assert_eq(m.mpi->ninflight, 2);
    cr_assert_str_eq(m.mpi->inflight[0].preview, "b");
    cr_assert_str_eq(m.mpi->inflight[1].preview, "c");
    model_free(&m);
}

Test(model_mpi, a_wait_on_a_receive_request_names_the_sender)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    ev(&m, MP_EV_MPI_RECV_POST, 1, 5, MP_MPI_PACK(2, 3), 8, NULL);
    cr_assert_str_eq(state(&m, 1), "computing"); /* Irecv does not block */
    ev(&m, MP_EV_MPI_WAIT, 1, 5, 0, 0, NULL);
    cr_assert_str_eq(state(&m, 1), "in MPI_Wait (recv from 2 tag 3)");
    ev(&m, MP_EV_MPI_SEND, 2, 0, MP_MPI_PACK(1, 3), 8, "x");
    ev(&m, MP_EV_MPI_RECV, 1, 5, MP_MPI_PACK(2, 3), 8, "x");
    cr_assert_str_eq(state(&m, 1), "computing");
    cr_assert_eq(m.mpi->nposts, 1, "rank 2's blocking send is still posted");
    model_free(&m);
}

Test(model_mpi, a_ring_where_everyone_receives_first_is_deadlocked)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    for (int r = 0; r < 3; r++) ev(&m, MP_EV_MPI_RECV_POST, r, 0, MP_MPI_PACK((r + 2) % 3, 0), 4, NULL);
    int out[8];
    cr_assert_eq(model_mpi_deadlocked(&m, out, 8), 3);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[2], 2);
    cr_assert(model_mpi_all_stuck(&m));
    char whom[64];
    model_mpi_waits_for_text(&m, 0, whom, sizeof whom);
    cr_assert_str_eq(whom, "rank 2");
    model_free(&m);
}

Test(model_mpi, a_message_in_flight_frees_the_chain)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    ev(&m, MP_EV_MPI_SEND, 0, 1, MP_MPI_PACK(1, 0), 4, "t"); /* Isend: rank 0 not blocked by it */
    for (int r = 0; r < 3; r++) ev(&m, MP_EV_MPI_RECV_POST, r, 0, MP_MPI_PACK((r + 2) % 3, 0), 4, NULL);
    /* 1 can take the message, so 2 (waiting on 1) and 0 (on 2) may go on */
    cr_assert_eq(model_mpi_deadlocked(&m, NULL, 0), 0);
    cr_assert_not(model_mpi_all_stuck(&m));
    model_free(&m);
}

Test(model_mpi, a_pair_is_deadlocked_while_a_third_rank_computes)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    ev(&m, MP_EV_MPI_RECV_POST, 0, 0, MP_MPI_PACK(1, 0), 4, NULL);
    ev(&m, MP_EV_MPI_RECV_POST, 1, 0, MP_MPI_PACK(0, 0), 4, NULL);
    int out[8];
    cr_assert_eq(model_mpi_deadlocked(&m, out, 8), 2);
    cr_assert_eq(out[0], 0);
    cr_assert_eq(out[1], 1);
    cr_assert_not(model_mpi_all_stuck(&m), "rank 2 can still finish");
    model_free(&m);
}

Test(model_mpi, any_source_waits_for_every_other_rank)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    ev(&m, MP_EV_MPI_RECV_POST, 0, 0, MP_MPI_PACK(-1, -1), 4, NULL);
    cr_assert_str_eq(state(&m, 0), "in MPI_Recv from any tag any");
    cr_assert_eq(model_mpi_deadlocked(&m, NULL, 0), 0, "ranks 1 and 2 compute");
    ev(&m, MP_EV_MPI_FINALIZE, 1, 0, 1, 0, NULL);
    ev(&m, MP_EV_MPI_FINALIZE, 2, 0, 2, 0, NULL);
    cr_assert_eq(model_mpi_deadlocked(&m, NULL, 0), 1, "nobody is left to send");
    cr_assert(model_mpi_all_stuck(&m));
    model_free(&m);
}

Test(model_mpi, a_collective_shows_who_is_awaited)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 4);
    for (int r = 0; r < 3; r++) ev(&m, MP_EV_MPI_COLL_ENTER, r, 1, MP_MPI_COLL_BARRIER, -1, NULL);
    cr_assert_eq(m.mpi->ncolls, 1);
    cr_assert(m.mpi->colls[0].entered[2]);
    cr_assert_not(m.mpi->colls[0].entered[3]);
    cr_assert_str_eq(state(&m, 0), "in MPI_Barrier #1");
    char whom[64];
    model_mpi_waits_for_text(&m, 1, whom, sizeof whom);
    cr_assert_str_eq(whom, "rank 3");
    cr_assert_eq(model_mpi_deadlocked(&m, NULL, 0), 0, "rank 3 computes");
    ev(&m, MP_EV_MPI_RECV_POST, 3, 0, MP_MPI_PACK(0, 9), 4, NULL); /* waits for rank 0, in the barrier */
    cr_assert_eq(model_mpi_deadlocked(&m, NULL, 0), 4);
    model_free(&m);
}

Test(model_mpi, a_collective_keeps_root_data_and_result)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 2);
    ev(&m, MP_EV_MPI_COLL_ENTER, 0, 1, MP_MPI_COLL_REDUCE, 0, "4");
    ev(&m, MP_EV_MPI_COLL_ENTER, 1, 1, MP_MPI_COLL_REDUCE, 0, "9");
    ev(&m, MP_EV_MPI_COLL_LEAVE, 1, 1, MP_MPI_COLL_REDUCE, 0, NULL);
    ev(&m, MP_EV_MPI_COLL_LEAVE, 0, 1, MP_MPI_COLL_REDUCE, 0, "13");
    cr_assert_str_eq(m.mpi->colls[0].root_text, "4");
    cr_assert_str_eq(m.mpi->colls[0].result, "13");
    cr_assert(m.mpi->colls[0].left[0] && m.mpi->colls[0].left[1]);
    cr_assert_str_eq(state(&m, 0), "computing");
    model_free(&m);
}

Test(model_mpi, a_receive_seen_before_its_send_is_delivered_when_the_send_comes)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 2);
    ev(&m, MP_EV_MPI_RECV, 1, 0, MP_MPI_PACK(0, 4), 4, "z");
    ev(&m, MP_EV_MPI_SEND, 0, 3, MP_MPI_PACK(1, 4), 4, "z");
    cr_assert_eq(m.mpi->ninflight, 0);
    cr_assert_eq(m.mpi->ndelivered, 1);
    model_free(&m);
}

struct lines {
    int n, alerts;
    char last[256];
};

static void collect(void *ctx, bool alert, const char *line)
{
    struct lines *l = ctx;
    l->n++;
    l->alerts += alert;
    snprintf(l->last, sizeof l->last, "%s", line);
}

Test(model_mpi, the_ranks_panel_marks_deadlocked_ranks)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 2);
    ev(&m, MP_EV_MPI_RECV_POST, 0, 0, MP_MPI_PACK(1, 0), 4, NULL);
    ev(&m, MP_EV_MPI_RECV_POST, 1, 0, MP_MPI_PACK(0, 0), 4, NULL);
    struct lines l = {0};
    cr_assert(fmt_mpi_panel(&m, "ranks", collect, &l));
    cr_assert_eq(l.n, 3, "header and 2 ranks");
    cr_assert_eq(l.alerts, 2);
    cr_assert(strstr(l.last, "DEADLOCK in MPI_Recv from 0 tag 0"), "%s", l.last);
    cr_assert_not(fmt_mpi_panel(&m, "processes", collect, &l));
    model_free(&m);
}

Test(model_mpi, bad_events_never_crash_or_grow_without_bound)
{
    struct model m;
    model_init(&m);
    ev(&m, MP_EV_MPI_SEND, -1, 0, 0, 0, NULL);                  /* rank -1 */
    ev(&m, MP_EV_MPI_SEND, MODEL_MPI_MAX_RANKS, 0, 0, 0, NULL); /* too high */
    cr_assert_null(m.mpi);
    srand(7);
    for (int i = 0; i < 20000; i++) {
        struct mp_trace_event e;
        unsigned char *p = (unsigned char *)&e;
        for (size_t k = 0; k < sizeof e; k++) p[k] = (unsigned char)rand();
        e.kind = (uint16_t)(MP_EV_MPI_INIT + (unsigned)rand() % 9);
        e.obj = MP_MPI_OBJ(rand() % 8, rand() % 4);
        cr_assert_eq(model_apply(&m, &e), 0);
    }
    char buf[128];
    for (int r = 0; r < 8; r++) model_mpi_state_text(&m, r, buf, sizeof buf);
    model_mpi_deadlocked(&m, NULL, 0);
    cr_assert_leq(m.mpi->ndelivered, MODEL_MPI_MAX_DELIVERED);
    cr_assert_leq(m.mpi->ncolls, MODEL_MPI_MAX_COLLS);
    model_free(&m);
}

Test(model_mpi, a_collective_everyone_entered_is_not_stuck)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    for (int r = 0; r < 3; r++) ev(&m, MP_EV_MPI_COLL_ENTER, r, 1, MP_MPI_COLL_BARRIER, -1, NULL);
    /* all in, none left yet: they are leaving, not deadlocked */
    cr_assert_eq(model_mpi_deadlocked(&m, NULL, 0), 0);
    cr_assert_not(model_mpi_all_stuck(&m));
    bool waiting = true;
    int pids[4];
    cr_assert_eq(model_mpi_releasers(&m, 5001, pids, 4, &waiting), 0);
    cr_assert_not(waiting);
    model_free(&m);
}

Test(model_mpi, the_wait_for_graph_names_an_mpi_cycle)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 2);
    ev(&m, MP_EV_MPI_RECV_POST, 0, 0, MP_MPI_PACK(1, 0), 4, NULL);
    ev(&m, MP_EV_MPI_RECV_POST, 1, 0, MP_MPI_PACK(0, 0), 4, NULL);
    struct wf_deadlock d;
    cr_assert_eq(model_deadlock(&m, &d), 1);
    cr_assert_eq(d.nstuck, 2);
    cr_assert_eq(d.ncycle, 2);
    char text[512];
    waitfor_cycle_text(&m, &d, text, sizeof text);
    cr_assert(strstr(text, "PID 5000 (rank 0) waits in MPI_Recv from 1 tag 0 <- only rank PID 5001 could send"), "%s", text);
    /* a message to rank 0 in flight: it will go on, and so will rank 1 */
    ev(&m, MP_EV_MPI_SEND, 1, 7, MP_MPI_PACK(0, 0), 4, "x"); /* Isend: rank 1's next event ends its wait... */
    ev(&m, MP_EV_MPI_RECV_POST, 1, 0, MP_MPI_PACK(0, 0), 4, NULL); /* ...and it waits again */
    cr_assert_eq(model_deadlock(&m, &d), 0);
    model_free(&m);
}

/* ------------------------------------------------------------ the scheduler's MPI rules */

#include "scheduler.h"

/* n ranks (indexes 1..n; 0 is mpirun, which takes no part), all parked at op. */
static void ranks_parked(struct sched_proc *p, int n, unsigned kind, int64_t a, int64_t b)
{
    memset(p, 0, sizeof *p * (size_t)(n + 1));
    p[0].index = 0;
    p[0].alive = true;
    for (int i = 1; i <= n; i++) {
        p[i].index = i;
        p[i].pid = 5000 + i - 1;
        p[i].alive = true;
        p[i].parked = true;
        p[i].rank1 = i;
        p[i].op.kind = kind;
        p[i].op.a = a;
        p[i].op.b = b;
        p[i].op.timeout = -1;
    }
}

Test(sched_mpi, a_receive_is_enabled_only_by_a_matching_message_in_flight)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    struct sched_proc p[4];
    enum sched_verdict v[4];
    ranks_parked(p, 3, MP_GOP_MPI_SEND, 0, 3); /* ranks 1, 2 about to send to 0 */
    p[1].op = (struct mp_gate_op){.kind = MP_GOP_MPI_RECV, .a = -1, .b = 3, .timeout = -1}; /* rank 0: any source, tag 3 */
    cr_assert_eq(sched_enabled(&m, p, 4, v), 2);
    cr_assert_eq(v[1], SCHED_DISABLED, "nothing in flight: the receive waits");
    char what[160];
    sched_describe(&m, p, 4, 1, what, sizeof what);
    cr_assert_str_eq(what, "MPI_Recv from rank any tag 3 (0 in flight)");
    ev(&m, MP_EV_MPI_SEND, 2, 0, MP_MPI_PACK(0, 4), 4, "2"); /* another tag: no match */
    sched_enabled(&m, p, 4, v);
    cr_assert_eq(v[1], SCHED_DISABLED);
    ev(&m, MP_EV_MPI_SEND, 1, 0, MP_MPI_PACK(0, 3), 4, "1");
    sched_enabled(&m, p, 4, v);
    cr_assert_eq(v[1], SCHED_ENABLED, "a message from rank 1 with tag 3 is in flight");
    p[1].op.a = 2; /* only from rank 2: still nothing that matches */
    sched_enabled(&m, p, 4, v);
    cr_assert_eq(v[1], SCHED_DISABLED);
    model_free(&m);
}

Test(sched_mpi, a_collective_is_enabled_when_every_rank_has_arrived)
{
    struct model m;
    model_init(&m);
    init_ranks(&m, 3);
    struct sched_proc p[4];
    enum sched_verdict v[4];
    ranks_parked(p, 3, MP_GOP_MPI_COLL, 1, MP_MPI_COLL_BARRIER);
    p[3].op = (struct mp_gate_op){.kind = MP_GOP_MPI_SEND, .a = 0, .b = 1, .timeout = -1}; /* rank 2 not there yet */
    cr_assert_eq(sched_enabled(&m, p, 4, v), 1);
    cr_assert(v[1] == SCHED_DISABLED && v[2] == SCHED_DISABLED && v[3] == SCHED_ENABLED);
    char what[160];
    sched_describe(&m, p, 4, 1, what, sizeof what);
    cr_assert_str_eq(what, "MPI_Barrier #1 (waits for rank 2)");
    p[3].op = p[1].op; /* rank 2 arrives */
    cr_assert_eq(sched_enabled(&m, p, 4, v), 3);
    /* rank 0 was granted it (it waits inside MPI): the others stay enabled */
    p[1].parked = false;
    p[1].coll_granted1 = 2;
    cr_assert_eq(sched_enabled(&m, p, 4, v), 2);
    cr_assert(v[2] == SCHED_ENABLED && v[3] == SCHED_ENABLED);
    /* a rank that ended takes no part */
    p[3].alive = false;
    p[2].op.a = 2; /* rank 1 at the next collective: rank 0 granted #1 only */
    sched_enabled(&m, p, 4, v);
    cr_assert_eq(v[2], SCHED_DISABLED);
    model_free(&m);
}
