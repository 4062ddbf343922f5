/*
 * run_control.c — the run view's controlled modes (see view_run.c's note):
 * granting one operation (paced beat, `s`, the learner's pick), the
 * processes panel of pending operations, and the keys of these modes.
 */
#include "run_view.h"

#include "scheduler.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ controlled runs */

/* Grant one operation: choice is a process index (you schedule) or -1 (the
 * policy's pick). Returns true when a process moved. */
static bool ctl_move(struct run_view *rv, int choice)
{
    if (!rv->controlled || rv->r.finished || !ctl_settled(&rv->ctl) || !ctl_has_parked(&rv->ctl)) return false;
    enum sched_policy_kind kind = rv->ctl.policy.kind;
    if (choice < 0 && kind == SCHED_LEARNER) rv->ctl.policy.kind = SCHED_FREE; /* s: the lowest enabled */
    int st = ctl_step(&rv->ctl, choice);
    rv->ctl.policy.kind = kind;
    if (st == CTL_GRANTED) {
        rv->ctl_msg[0] = '\0';
        return true;
    }
    if (st == CTL_STUCK) rv->stuck = true;
    if (st == CTL_STUCK && rv->ctl.deadlock) rv->deadlock = true; /* named at once: the banner */
    if (st < 0) snprintf(rv->ctl_msg, sizeof rv->ctl_msg, "%s", rv->ctl.error);
    return false;
}

/* Paced: one operation per beat, unless paused. Also keeps the displayed
 * pending operations fresh in every mode; true when the screen changes. */
bool run_view_pace(struct run_view *rv)
{
    if (!rv->controlled || rv->r.finished) return false;
    ctl_settled(&rv->ctl);
    uint64_t sig = rv->ctl.nprocs;
    for (size_t i = 0; i < rv->ctl.nprocs; i++)
        sig = sig * 31 + (uint64_t)(rv->ctl.procs[i].alive * 2 + rv->ctl.procs[i].parked);
    bool changed = sig != rv->ctl_sig;
    rv->ctl_sig = sig;
    if (rv->mode != MODE_PACED || rv->paused) return changed;
    uint64_t now = run_view_now_ns();
    if (now < rv->next_grant_ns) return changed;
    if (!ctl_move(rv, -1)) return changed;
    rv->next_grant_ns = now + 10000000000ull / (uint64_t)rates_x10[rv->rate];
    return true;
}

/* Controlled: each process with what it waits to do, "2 · PID 745 ·
 * wants lock 1 (held by PID 746)"; the enabled ones bright (the selected
 * one highlighted in "you schedule"), the others dimmed with the reason. */
void run_view_draw_controlled(const struct run_view *rv, struct rect r)
{
    const struct controller *c = &rv->ctl;
    struct ui_rows rs = {ui_box(r, "processes (pending operations)", false), 0};
    rs.in.x += 1;
    rs.in.w -= 1;
    if (rs.in.w <= 0 || rs.in.h <= 0) return;
    enum sched_verdict v[MP_GATE_MAX];
    sched_enabled(&rv->m, c->procs, c->nprocs, v);
    size_t room = (size_t)rs.in.h, first = 0;
    if (rv->mode == MODE_SCHEDULE && c->nprocs > room && (size_t)rv->sel >= room) first = (size_t)rv->sel - room + 1;
    for (size_t i = first; i < c->nprocs; i++) {
        const struct sched_proc *p = &c->procs[i];
        char what[256], line[400];
        const struct model_proc *mp = model_proc(&rv->m, p->pid);
        char rank[24] = "";
        if (p->rank1) snprintf(rank, sizeof rank, "rank %d · ", p->rank1 - 1);
        if (c->mpi_ranks && i == 0) /* an MPI run's program */
            snprintf(what, sizeof what, "mpirun: starts the ranks, takes no part");
        else if (!p->alive && mp && mp->state == MPROC_EXITED)
            snprintf(what, sizeof what, "exited %d", mp->exit_code);
        else if (!p->alive && p->rank1)
            snprintf(what, sizeof what, "ended");
        else
            sched_describe(&rv->m, c->procs, c->nprocs, i, what, sizeof what);
        const char *tag = v[i] == SCHED_TRY ? " (may end)" : v[i] == SCHED_TIMEOUT ? " (times out)" : "";
        snprintf(line, sizeof line, "%s%d · PID %d · %s%s%s", rv->mode == MODE_SCHEDULE && (int)i == rv->sel ? ">" : " ",
                 p->index, p->pid, rank, what, tag);
        enum ui_role role = !p->alive || !p->parked || v[i] == SCHED_DISABLED ? R_DIM : R_NORMAL;
        if (rv->mode == MODE_SCHEDULE && (int)i == rv->sel) role = R_SELECTED;
        int y = rs.in.y + rs.row;
        ui_rows_put(&rs, role, line);
        /* its number in its own colour, as the code pane marks its line */
        char num[16];
        snprintf(num, sizeof num, "%d", p->index);
        attr_t a = ui_proc_attr(p->index) | (role == R_SELECTED ? A_REVERSE : role == R_DIM ? A_DIM : 0);
        if (rs.in.w > 4 && y < rs.in.y + rs.in.h) ui_put_attr(y, rs.in.x + 1, (int)strlen(num), a, num);
    }
    if (c->nprocs == 0) ui_rows_put(&rs, R_DIM, "(no process yet)");
}

/* Keys of the controlled modes; 0 when the key is not theirs. */
int run_view_controlled_key(struct run_view *rv, int ch)
{
    if (keys_action(KEYS_RUN, ch) == KA_MODE) {
        rv->mode = (enum run_mode)((rv->mode + 1) % MODE__COUNT);
        rv->out_back = 0;
        run_view_reset(rv);
        return UI_HANDLED | UI_REDRAW;
    }
    if (!rv->controlled) return 0;
    switch (ch) {
    case ' ': rv->paused = !rv->paused; break; /* stops granting: nobody is stopped */
    case 's': ctl_move(rv, -1); break;
    case '+':
    case '=':
        if (rv->rate + 1 < NRATES) rv->rate++;
        break;
    case '-':
    case '_':
        if (rv->rate > 0) rv->rate--;
        break;
    /* (keys come as keys.h spells them: ui_key turned KEY_UP into KEYS_UP) */
    case KEYS_UP:
        if (rv->sel > 0) rv->sel--;
        break;
    case KEYS_DOWN:
        if ((size_t)rv->sel + 1 < rv->ctl.nprocs) rv->sel++;
        break;
    case KEYS_ENTER:
        if (rv->mode != MODE_SCHEDULE || (size_t)rv->sel >= rv->ctl.nprocs) return 0;
        ctl_move(rv, rv->ctl.procs[rv->sel].index);
        break;
    default:
        if (rv->mode == MODE_SCHEDULE && ch >= '0' && ch <= '9') {
            rv->sel = ch - '0' < (int)rv->ctl.nprocs ? ch - '0' : rv->sel;
            ctl_move(rv, ch - '0');
            break;
        }
        return 0;
    }
    return UI_HANDLED | UI_REDRAW;
}
