/*
 * manager.c — Manager(): a server process owns named dicts, lists and
 * values; clients reach it through proxies that send one request frame and
 * wait for one reply (wire format in frame.h).
 *
 * Design notes:
 *  - The listening socket is made, bound and listening in the caller before
 *    the fork, so a client can connect the moment start() returns (the
 *    kernel queues it) and no "ready" handshake is needed.
 *  - The server is one poll() loop over non-blocking sockets, with an input
 *    and an output buffer per connection: a client that stalls mid-frame
 *    only holds its own buffer, and a bad frame closes only its connection.
 *  - A connection belongs to one process. A proxy used in a child forked
 *    after it was made sees getpid() differ from the pid that opened the
 *    socket, closes its copy (the parent keeps its own) and connects again:
 *    two processes writing into one socket would interleave frames.
 *  - Local managers listen on a Unix socket in a mkdtemp directory (0700,
 *    socket 0600): only this user can reach it, so there is no handshake.
 *    TCP managers run an HMAC-SHA256 challenge in both directions on every
 *    connection before serving it (Python 3.12's multiprocessing scheme).
 *  - The server stops on SIGTERM (shutdown), on SIGINT/SIGHUP, and when its
 *    parent dies (PR_SET_PDEATHSIG, plus a getppid() check each second),
 *    removing its socket file and directory: nothing is left behind.
 *    PDEATHSIG follows the thread that forked: start the manager from a
 *    thread that lives as long as the manager is used (e.g. main).
 */
#include "frame.h"
#include "mp_private.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Request codes; also the `a` of MP_EV_MANAGER_OP trace events. */
enum mp__op {
    OP_PING = 1,
    OP_DICT_OPEN = 10, OP_DICT_SET, OP_DICT_GET, OP_DICT_DEL, OP_DICT_CONTAINS, OP_DICT_LEN,
    OP_DICT_KEYS, OP_DICT_CLEAR, OP_DICT_ADD, OP_DICT_ITEMS,
    OP_LIST_OPEN = 30, OP_LIST_APPEND, OP_LIST_GET, OP_LIST_SET, OP_LIST_POP, OP_LIST_LEN,
    OP_LIST_ITEMS,
    OP_VALUE_OPEN = 50, OP_VALUE_SET, OP_VALUE_GET, OP_VALUE_ADD,
};

#define HANDSHAKE_TIMEOUT 5.0  /* seconds for a whole handshake, both sides */
#define CALL_TIMEOUT 30.0      /* a request the server does not answer fails with -ETIMEDOUT */
#define MAX_CONNS 512
#define OUT_HIGH (1u << 20)    /* stop reading a client whose replies pile up */
#define NAME_MAX_LEN 4096
#define CHALLENGE "#CHALLENGE#"
#define WELCOME "#WELCOME#"
#define FAILURE "#FAILURE#"
#define NONCE_LEN 32
#define DIGEST_LEN 32

/* ================================================================ store
 * The server's data. Dicts keep insertion order (as Python's do) in an
 * array of entries, with an open-addressing index of entry numbers beside
 * it so a lookup does not scan the whole dict. Objects themselves are few
 * and found by a linear scan. */

enum obj_kind { K_DICT = 1, K_LIST, K_VALUE };

struct entry {
    mp__val key; /* dicts only: an owned 's' */
    mp__val val; /* owned copy */
};

struct object {
    int kind;
    mp__val name;
    struct entry *e;
    size_t n, cap;
    uint32_t *slots; /* dicts: entry number + 1 per slot, 0 = empty */
    size_t nslots;   /* a power of two, at least twice n */
};

struct mp__store {
    struct object *objs;
    size_t n, cap;
    mp__buf scratch; /* reply values of the request being handled */
};

static int val_dup(mp__val *dst, const mp__val *src)
{
    *dst = *src;
    if (src->tag != MP__T_STR && src->tag != MP__T_BYTES) {
        dst->p = NULL;
        return 0;
    }
    uint8_t *p = malloc(src->len ? src->len : 1);
    if (!p) return -ENOMEM;
    if (src->len) memcpy(p, src->p, src->len);
    dst->p = p;
    return 0;
}

static void val_drop(mp__val *v)
{
    free((void *)v->p);
    v->p = NULL;
}

static bool same_text(const mp__val *a, const mp__val *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

mp__store *mp__store_new(void)
{
    return calloc(1, sizeof(mp__store));
}

static void object_clear(struct object *o)
{
    for (size_t k = 0; k < o->n; k++) {
        val_drop(&o->e[k].key);
        val_drop(&o->e[k].val);
    }
    o->n = 0;
    if (o->slots) memset(o->slots, 0, o->nslots * sizeof *o->slots);
}

void mp__store_free(mp__store *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->n; k++) {
        object_clear(&s->objs[k]);
        free(s->objs[k].e);
        free(s->objs[k].slots);
        val_drop(&s->objs[k].name);
    }
    free(s->objs);
    mp__buf_free(&s->scratch);
    free(s);
}

static struct object *find_object(mp__store *s, int kind, const mp__val *name, bool create)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->objs[k].kind == kind && same_text(&s->objs[k].name, name)) return &s->objs[k];
    if (!create) return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct object *o = realloc(s->objs, cap * sizeof *o);
        if (!o) return NULL;
        s->objs = o;
        s->cap = cap;
    }
    struct object *o = &s->objs[s->n];
    *o = (struct object){.kind = kind};
    if (val_dup(&o->name, name) < 0) return NULL;
    s->n++;
    return o;
}

static struct entry *grow(struct object *o)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        struct entry *e = realloc(o->e, cap * sizeof *e);
        if (!e) return NULL;
        o->e = e;
        o->cap = cap;
    }
    return &o->e[o->n];
}

static size_t hash_text(const mp__val *k) /* FNV-1a */
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < k->len; i++) h = (h ^ k->p[i]) * 1099511628211ull;
    return (size_t)h;
}

static void index_add(struct object *o, size_t entry)
{
    size_t mask = o->nslots - 1, h = hash_text(&o->e[entry].key) & mask;
    while (o->slots[h]) h = (h + 1) & mask;
    o->slots[h] = (uint32_t)entry + 1;
}

/* Refills the index from the entries (after a removal shifted them). */
static void index_refill(struct object *o)
{
    memset(o->slots, 0, o->nslots * sizeof *o->slots);
    for (size_t k = 0; k < o->n; k++) index_add(o, k);
}

/* Room in the index for one more key. 0 | -ENOMEM */
static int index_reserve(struct object *o)
{
    if ((o->n + 1) * 2 <= o->nslots) return 0;
    if (o->n >= UINT32_MAX / 4) return -ENOMEM;
    size_t nslots = o->nslots ? o->nslots * 2 : 16;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -ENOMEM;
    free(o->slots);
    o->slots = slots;
    o->nslots = nslots;
    index_refill(o);
    return 0;
}

static struct entry *dict_find(struct object *o, const mp__val *key)
{
    if (!o->nslots) return NULL;
    size_t mask = o->nslots - 1;
    for (size_t h = hash_text(key) & mask; o->slots[h]; h = (h + 1) & mask) {
        struct entry *e = &o->e[o->slots[h] - 1];
        if (same_text(&e->key, key)) return e;
    }
    return NULL;
}

/* Stores a copy of v under key (replacing, or appending a new key). */
static int dict_put(struct object *o, const mp__val *key, const mp__val *v)
{
    mp__val copy;
    if (val_dup(&copy, v) < 0) return -ENOMEM;
    struct entry *e = dict_find(o, key);
    if (e) {
        val_drop(&e->val);
        e->val = copy;
        return 0;
    }
    e = index_reserve(o) == 0 ? grow(o) : NULL;
    if (!e || val_dup(&e->key, key) < 0) {
        val_drop(&copy);
        return -ENOMEM;
    }
    e->val = copy;
    index_add(o, o->n);
    o->n++;
    return 0;
}

static void remove_at(struct object *o, size_t k)
{
    val_drop(&o->e[k].key);
    val_drop(&o->e[k].val);
    memmove(&o->e[k], &o->e[k + 1], (o->n - k - 1) * sizeof *o->e);
    o->n--;
    if (o->slots) index_refill(o); /* entry numbers after k moved down */
}

/* cur + delta as Python computes it: int + int stays int (overflow is
 * -ERANGE: no bignums here), anything with a float becomes float. */
static int add_numbers(const mp__val *cur, const mp__val *delta, mp__val *out)
{
    if ((cur->tag != MP__T_INT && cur->tag != MP__T_DOUBLE) ||
        (delta->tag != MP__T_INT && delta->tag != MP__T_DOUBLE))
        return -EINVAL;
    *out = (mp__val){0};
    if (cur->tag == MP__T_INT && delta->tag == MP__T_INT) {
        out->tag = MP__T_INT;
        return __builtin_add_overflow(cur->i, delta->i, &out->i) ? -ERANGE : 0;
    }
    double a = cur->tag == MP__T_INT ? (double)cur->i : cur->d;
    double b = delta->tag == MP__T_INT ? (double)delta->i : delta->d;
    out->tag = MP__T_DOUBLE;
    out->d = a + b;
    return 0;
}

/* Python index rules: negative counts from the end. -ERANGE outside. */
static int list_index(const struct object *o, int64_t i, size_t *at)
{
    if (i < 0) i += (int64_t)o->n;
    if (i < 0 || (uint64_t)i >= o->n) return -ERANGE;
    *at = (size_t)i;
    return 0;
}

/* Each handler parses all its arguments before changing anything, so a
 * malformed request (-EBADMSG) leaves the data as it was. Reply values go
 * to r; the return value is the reply's status. */
#define ARGS_END(d) \
    do { if (!mp__dec_at_end(d)) return -EBADMSG; } while (0)

static int dict_op(struct object *o, int op, mp__dec *d, mp__buf *r)
{
    mp__val key, v, sum;
    struct entry *e;
    int rc;
    switch (op) {
    case OP_DICT_OPEN: ARGS_END(d); return 0;
    case OP_DICT_SET:
        if (mp__dec_str(d, &key) || mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        return dict_put(o, &key, &v);
    case OP_DICT_GET:
    case OP_DICT_DEL:
    case OP_DICT_CONTAINS:
        if (mp__dec_str(d, &key)) return -EBADMSG;
        ARGS_END(d);
        e = dict_find(o, &key);
        if (op == OP_DICT_CONTAINS) return e != NULL;
        if (!e) return -ENOENT;
        if (op == OP_DICT_GET) mp__enc_val(r, &e->val);
        else remove_at(o, (size_t)(e - o->e));
        return 0;
    case OP_DICT_ADD:
        if (mp__dec_str(d, &key) || mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        e = dict_find(o, &key);
        if (!e) {
            if (v.tag != MP__T_INT && v.tag != MP__T_DOUBLE) return -EINVAL;
            sum = v;
        } else if ((rc = add_numbers(&e->val, &v, &sum)) < 0) {
            return rc;
        }
        if ((rc = dict_put(o, &key, &sum)) < 0) return rc;
        mp__enc_val(r, &sum);
        return 0;
    case OP_DICT_LEN: ARGS_END(d); return (int)o->n;
    case OP_DICT_CLEAR: ARGS_END(d); object_clear(o); return 0;
    case OP_DICT_KEYS:
    case OP_DICT_ITEMS:
        ARGS_END(d);
        for (size_t k = 0; k < o->n; k++) {
            mp__enc_val(r, &o->e[k].key);
            if (op == OP_DICT_ITEMS) mp__enc_val(r, &o->e[k].val);
        }
        return (int)o->n;
    default: return -EBADMSG;
    }
}

static int list_op(struct object *o, int op, mp__dec *d, mp__buf *r)
{
    mp__val v;
    int64_t i, want;
    size_t at;
    int rc;
    struct entry *e;
    switch (op) {
    case OP_LIST_OPEN: ARGS_END(d); return 0;
    case OP_LIST_APPEND:
        if (mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        if (!(e = grow(o))) return -ENOMEM;
        *e = (struct entry){0};
        if (val_dup(&e->val, &v) < 0) return -ENOMEM;
        o->n++;
        return (int)o->n;
    case OP_LIST_GET:
        if (mp__dec_int(d, &i)) return -EBADMSG;
        ARGS_END(d);
        if ((rc = list_index(o, i, &at)) < 0) return rc;
        mp__enc_val(r, &o->e[at].val);
        return 0;
    case OP_LIST_SET:
        if (mp__dec_int(d, &i) || mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        if ((rc = list_index(o, i, &at)) < 0) return rc;
        mp__val copy;
        if (val_dup(&copy, &v) < 0) return -ENOMEM;
        val_drop(&o->e[at].val);
        o->e[at].val = copy;
        return 0;
    case OP_LIST_POP: /* index, then the type the caller wants (0 = any) */
        if (mp__dec_int(d, &i) || mp__dec_int(d, &want)) return -EBADMSG;
        ARGS_END(d);
        if ((rc = list_index(o, i, &at)) < 0) return rc;
        /* Check the type before removing, so a wrong-typed pop loses nothing. */
        if (want && o->e[at].val.tag != want &&
            !(want == MP__T_DOUBLE && o->e[at].val.tag == MP__T_INT))
            return -EINVAL;
        mp__enc_val(r, &o->e[at].val);
        remove_at(o, at);
        return 0;
    case OP_LIST_LEN: ARGS_END(d); return (int)o->n;
    case OP_LIST_ITEMS:
        ARGS_END(d);
        for (size_t k = 0; k < o->n; k++) mp__enc_val(r, &o->e[k].val);
        return (int)o->n;
    default: return -EBADMSG;
    }
}

static int value_op(struct object *o, int op, mp__dec *d, mp__buf *r)
{
    mp__val v, sum;
    int rc;
    switch (op) {
    case OP_VALUE_OPEN: ARGS_END(d); return 0;
    case OP_VALUE_GET:
        ARGS_END(d);
        if (o->n == 0) return -ENOENT;
        mp__enc_val(r, &o->e[0].val);
        return 0;
    case OP_VALUE_SET:
    case OP_VALUE_ADD:
        if (mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        if (op == OP_VALUE_ADD) {
            if (o->n == 0) {
                if (v.tag != MP__T_INT && v.tag != MP__T_DOUBLE) return -EINVAL;
                sum = v;
            } else if ((rc = add_numbers(&o->e[0].val, &v, &sum)) < 0) {
                return rc;
            }
            v = sum;
        }
        mp__val copy;
        if (val_dup(&copy, &v) < 0) return -ENOMEM;
        if (o->n == 0) {
            if (!grow(o)) {
                val_drop(&copy);
                return -ENOMEM;
            }
            o->e[0] = (struct entry){0};
            o->n = 1;
        } else {
            val_drop(&o->e[0].val);
        }
        o->e[0].val = copy;
        if (op == OP_VALUE_ADD) mp__enc_val(r, &copy);
        return 0;
    default: return -EBADMSG;
    }
}

static int op_kind(int64_t op)
{
    if (op >= OP_DICT_OPEN && op <= OP_DICT_ITEMS) return K_DICT;
    if (op >= OP_LIST_OPEN && op <= OP_LIST_ITEMS) return K_LIST;
    if (op >= OP_VALUE_OPEN && op <= OP_VALUE_ADD) return K_VALUE;
    return 0;
}

static int run_request(mp__store *s, const uint8_t *req, size_t len, mp__buf *r)
{
    mp__dec d;
    int64_t op;
    mp__val name;
    mp__dec_init(&d, req, len);
    if (mp__dec_int(&d, &op) || mp__dec_str(&d, &name)) return -EBADMSG;
    if (op == OP_PING) {
        ARGS_END(&d);
        return 0;
    }
    int kind = op_kind(op);
    if (!kind || name.len == 0 || name.len > NAME_MAX_LEN) return -EBADMSG;
    struct object *o = find_object(s, kind, &name, true);
    if (!o) return -ENOMEM;
    switch (kind) {
    case K_DICT: return dict_op(o, (int)op, &d, r);
    case K_LIST: return list_op(o, (int)op, &d, r);
    default: return value_op(o, (int)op, &d, r);
    }
}

int mp__store_handle(mp__store *s, const uint8_t *req, size_t len, mp__buf *out)
{
    mp__buf_reset(&s->scratch);
    int status = run_request(s, req, len, &s->scratch);
    size_t at = mp__frame_begin(out);
    mp__enc_int(out, status);
    if (status >= 0) mp__buf_put(out, s->scratch.data, s->scratch.len);
    int rc = mp__frame_end(out, at, MP__FRAME_MAX);
    if (rc == -EMSGSIZE) { /* the reply would not fit a frame: say so instead */
        at = mp__frame_begin(out);
        mp__enc_int(out, -EMSGSIZE);
        rc = mp__frame_end(out, at, MP__FRAME_MAX);
    }
    if (rc < 0) return rc;
    return status == -EBADMSG ? -EBADMSG : 0;
}

/* ================================================================ auth */

static void hmac256(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t n,
                    uint8_t out[DIGEST_LEN])
{
    unsigned int len = DIGEST_LEN;
    if (!HMAC(EVP_sha256(), key, (int)keylen, msg, n, out, &len)) memset(out, 0, DIGEST_LEN);
}

/* "#CHALLENGE#" + NONCE_LEN random bytes. 0 | -errno */
static int make_challenge(uint8_t out[sizeof CHALLENGE - 1 + NONCE_LEN])
{
    memcpy(out, CHALLENGE, sizeof CHALLENGE - 1);
    uint8_t *nonce = out + sizeof CHALLENGE - 1;
    size_t got = 0;
    while (got < NONCE_LEN) {
        ssize_t r = getrandom(nonce + got, NONCE_LEN - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -errno;
        got += (size_t)r;
    }
    return 0;
}

#define CHALLENGE_LEN (sizeof CHALLENGE - 1 + NONCE_LEN)

static void put_msg(mp__buf *b, const void *p, size_t n)
{
    size_t at = mp__frame_begin(b);
    mp__buf_put(b, p, n);
    mp__frame_end(b, at, MP__HANDSHAKE_MAX);
}

/* =============================================================== server */

enum conn_state { C_AUTH_DIGEST, C_AUTH_CHALLENGE, C_AUTH_WELCOME, C_READY };

struct conn {
    int fd; /* -1 once closed (removed at the end of the pass) */
    enum conn_state st;
    bool closing;     /* flush what is queued, then close */
    mp__buf in, out;
    uint8_t challenge[CHALLENGE_LEN];
    uint64_t deadline_ns; /* the handshake must be over by then; 0 = none */
};

struct server {
    int lfd, sigfd;
    pid_t parent;
    mp__store *store;
    struct conn *c;
    size_t n;
    const uint8_t *key; /* NULL: no handshake (local manager) */
    size_t keylen;
    const char *path, *dir; /* Unix socket to remove at exit, or NULL */
};

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    mp__buf_free(&c->in);
    mp__buf_free(&c->out);
}

static void conn_flush(struct conn *c)
{
    while (c->out.len) {
        ssize_t w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            mp__buf_consume(&c->out, (size_t)w);
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        conn_close(c); /* peer gone */
        return;
    }
}

static int auth_step(struct server *s, struct conn *c, const uint8_t *p, size_t n)
{
    uint8_t digest[DIGEST_LEN];
    switch (c->st) {
    case C_AUTH_DIGEST: {
        hmac256(s->key, s->keylen, c->challenge, CHALLENGE_LEN, digest);
        bool ok = n == DIGEST_LEN && CRYPTO_memcmp(digest, p, DIGEST_LEN) == 0;
        put_msg(&c->out, ok ? WELCOME : FAILURE, sizeof WELCOME - 1);
        if (!ok) return -EACCES;
        c->st = C_AUTH_CHALLENGE;
        return 0;
    }
    case C_AUTH_CHALLENGE:
        if (n <= sizeof CHALLENGE - 1 || memcmp(p, CHALLENGE, sizeof CHALLENGE - 1) != 0) return -EPROTO;
        hmac256(s->key, s->keylen, p, n, digest);
        put_msg(&c->out, digest, DIGEST_LEN);
        c->st = C_AUTH_WELCOME;
        return 0;
    case C_AUTH_WELCOME:
        if (n != sizeof WELCOME - 1 || memcmp(p, WELCOME, n) != 0) return -EACCES;
        c->st = C_READY;
        c->deadline_ns = 0;
        return 0;
    default: return -EPROTO;
    }
}

/* Runs the complete frames received, while replies do not pile up. */
static void conn_process(struct server *s, struct conn *c)
{
    size_t off = 0;
    while (c->fd >= 0 && !c->closing && c->out.len < OUT_HIGH && c->in.len - off >= MP__FRAME_HDR) {
        bool ready = c->st == C_READY;
        uint32_t n;
        int r = mp__frame_peek(c->in.data + off, c->in.len - off,
                               ready ? MP__FRAME_MAX : MP__HANDSHAKE_MAX, &n);
        if (r == 0) break;
        if (r < 0) { /* oversized: tell a served client why, then hang up */
            if (ready) {
                size_t at = mp__frame_begin(&c->out);
                mp__enc_int(&c->out, -EMSGSIZE);
                mp__frame_end(&c->out, at, MP__FRAME_MAX);
            }
            c->closing = true;
            break;
        }
        const uint8_t *p = c->in.data + off + MP__FRAME_HDR;
        int rc = ready ? mp__store_handle(s->store, p, n, &c->out) : auth_step(s, c, p, n);
        off += MP__FRAME_HDR + n;
        if (rc < 0) c->closing = true;
    }
    if (c->fd >= 0) mp__buf_consume(&c->in, off);
}

static void conn_read(struct conn *c)
{
    uint8_t *space = mp__buf_space(&c->in, 65536);
    if (!space) {
        conn_close(c);
        return;
    }
    ssize_t r = recv(c->fd, space, 65536, MSG_DONTWAIT);
    if (r > 0) c->in.len += (size_t)r;
    else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) conn_close(c);
}

static void conn_accept(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN, or a client that gave up: nothing to do */
        if (s->n == MAX_CONNS) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* fails harmlessly on Unix sockets */
        struct conn *c = &s->c[s->n];
        *c = (struct conn){.fd = fd, .st = C_READY};
        if (s->key) {
            if (make_challenge(c->challenge) < 0) {
                close(fd);
                continue;
            }
            c->st = C_AUTH_DIGEST;
            c->deadline_ns = mp__now_ns() + (uint64_t)(HANDSHAKE_TIMEOUT * 1e9);
            put_msg(&c->out, c->challenge, CHALLENGE_LEN);
        }
        s->n++;
        conn_flush(c);
    }
}

/* Drops closed connections, keeping the array dense for the next poll. */
static void compact(struct server *s)
{
    size_t k = 0;
    for (size_t j = 0; j < s->n; j++)
        if (s->c[j].fd >= 0) s->c[k++] = s->c[j];
    s->n = k;
}

static int poll_timeout_ms(const struct server *s)
{
    uint64_t now = mp__now_ns(), soonest = now + 1000000000ull; /* 1 s: check the parent */
    for (size_t k = 0; k < s->n; k++)
        if (s->c[k].deadline_ns && s->c[k].deadline_ns < soonest) soonest = s->c[k].deadline_ns;
    return soonest <= now ? 0 : (int)((soonest - now + 999999) / 1000000);
}

static void serve_loop(struct server *s)
{
    struct pollfd *pf = calloc(MAX_CONNS + 2, sizeof *pf);
    if (!pf) return;
    uint64_t parent_checked = mp__now_ns();
    for (;;) {
        pf[0] = (struct pollfd){.fd = s->n < MAX_CONNS ? s->lfd : -1, .events = POLLIN};
        pf[1] = (struct pollfd){.fd = s->sigfd, .events = POLLIN};
        for (size_t k = 0; k < s->n; k++) {
            struct conn *c = &s->c[k];
            short ev = c->out.len ? POLLOUT : 0;
            if (c->out.len < OUT_HIGH) ev |= POLLIN;
            pf[k + 2] = (struct pollfd){.fd = c->fd, .events = ev};
        }
        int r = poll(pf, s->n + 2, poll_timeout_ms(s));
        if (r < 0 && errno != EINTR) break;
        if (pf[1].revents) break;
        uint64_t now = mp__now_ns();
        /* PDEATHSIG is the main signal; this covers a parent that died
         * before prctl() and is cheap at once a second. */
        if (now - parent_checked > 1000000000ull) {
            if (getppid() != s->parent) break;
            parent_checked = now;
        }
        size_t n = s->n; /* connections accepted below are polled next pass */
        if (pf[0].revents & POLLIN) conn_accept(s);
        for (size_t k = 0; k < n; k++) {
            struct conn *c = &s->c[k];
            short re = r > 0 ? pf[k + 2].revents : 0;
            if (re & (POLLIN | POLLHUP | POLLERR)) conn_read(c);
            if (c->fd >= 0 && (re & POLLOUT)) conn_flush(c);
            if (c->fd >= 0) conn_process(s, c);
            if (c->fd >= 0) conn_flush(c);
            if (c->fd >= 0 && c->closing) conn_close(c); /* best effort: its last reply was sent above */
            if (c->fd >= 0 && c->deadline_ns && now > c->deadline_ns) conn_close(c);
        }
        compact(s);
    }
    free(pf);
}

static void cleanup_path(const char *path, const char *dir)
{
    if (path && path[0]) unlink(path);
    if (dir && dir[0]) rmdir(dir);
}

/* The server process: never returns. */
static void serve(int lfd, pid_t parent, const uint8_t *key, size_t keylen, const char *path, const char *dir)
{
    mp__trace_child_started("SyncManager");
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The server never reads or prints: let go of the caller's stdin and
     * stdout, so a pipe reading the program's output ends with the program.
     * stderr stays, for sanitizer reports. */
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        if (null > STDERR_FILENO) close(null);
    }
    /* The parent may have died between fork and prctl: check after it. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    struct server s = {.lfd = lfd, .parent = parent, .key = key, .keylen = keylen, .path = path, .dir = dir};
    s.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    s.store = mp__store_new();
    s.c = calloc(MAX_CONNS, sizeof *s.c);
    if (getppid() == parent && s.sigfd >= 0 && s.store && s.c) serve_loop(&s);
    cleanup_path(path, dir);
    _exit(0);
}

/* =============================================================== client */

struct mp_manager {
    int refs;           /* the manager's own reference + one per proxy */
    bool shut;          /* shut down: proxies fail with -ESHUTDOWN */
    pid_t owner;        /* the process that forked the server; 0 for connect */
    pid_t server;       /* the server's pid; 0 for connect */
    int port;
    int fd;             /* this process's connection, -1 when none */
    pid_t fd_pid;       /* pid that opened fd: another pid means we were forked */
    int broken;         /* the error that ended this process's connection, or 0 */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    uint8_t *key;       /* NULL for a local manager (no handshake) */
    size_t keylen;
    uint64_t id;
    char dir[96], path[108]; /* local manager's socket (dir is short enough for path) */
    mp__buf tx, rx;
    size_t rx_frame;    /* bytes of the last reply frame still at the start of rx */
    int tx_at;          /* where the request frame starts in tx */
    int tx_op;
};

static int wait_fd(int fd, short events, const mp__deadline *dl)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, mp__deadline_poll_ms(dl));
        if (r > 0) return 0;
        if (r == 0) return -ETIMEDOUT;
        if (errno != EINTR) return -errno;
        if (mp__deadline_passed(dl)) return -ETIMEDOUT;
    }
}

static int write_all(int fd, const uint8_t *p, size_t n, const mp__deadline *dl)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLOUT, dl);
            if (r < 0) return r;
            continue;
        }
        return w < 0 ? -errno : -EPIPE;
    }
    return 0;
}

/* Reads until rx starts with one whole frame; *n = its payload length.
 * With dl NULL the socket is blocking with SO_RCVTIMEO set (one syscall
 * per read instead of poll + recv: this is the path of every call). */
static int read_frame(int fd, mp__buf *rx, size_t max, uint32_t *n, const mp__deadline *dl)
{
    for (;;) {
        int r = mp__frame_peek(rx->data, rx->len, max, n);
        if (r == 1) return 0;
        if (r < 0) return -EPROTO;
        size_t want = rx->len < MP__FRAME_HDR ? 4096 : MP__FRAME_HDR + ((size_t)rx->data[0] << 24 |
                      (size_t)rx->data[1] << 16 | (size_t)rx->data[2] << 8 | rx->data[3]) - rx->len;
        if (want < 4096) want = 4096;
        uint8_t *space = mp__buf_space(rx, want);
        if (!space) return -ENOMEM;
        if (dl && (r = wait_fd(fd, POLLIN, dl)) < 0) return r;
        ssize_t got = recv(fd, space, want, dl ? MSG_DONTWAIT : 0);
        if (got > 0) rx->len += (size_t)got;
        else if (got == 0) return -EPIPE;
        else if (!dl && (errno == EAGAIN || errno == EWOULDBLOCK)) return -ETIMEDOUT; /* SO_RCVTIMEO */
        else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    }
}

static int send_msg(int fd, const void *p, size_t n, const mp__deadline *dl)
{
    mp__buf b = {0};
    put_msg(&b, p, n);
    int r = b.oom ? -ENOMEM : write_all(fd, b.data, b.len, dl);
    mp__buf_free(&b);
    return r;
}

/* The client half of the handshake: prove we know the key, then make the
 * server prove it. 0 | -EACCES | -EPROTO | -ETIMEDOUT | -errno */
static int client_handshake(int fd, const uint8_t *key, size_t keylen)
{
    mp__deadline dl = mp__deadline_in(HANDSHAKE_TIMEOUT);
    mp__buf rx = {0};
    uint8_t digest[DIGEST_LEN], mine[CHALLENGE_LEN];
    uint32_t n;
    int r = read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl);
    if (r < 0) goto out;
    r = -EPROTO;
    if (n <= sizeof CHALLENGE - 1 || memcmp(rx.data + 4, CHALLENGE, sizeof CHALLENGE - 1) != 0) goto out;
    hmac256(key, keylen, rx.data + 4, n, digest);
    mp__buf_consume(&rx, 4 + n);
    if ((r = send_msg(fd, digest, DIGEST_LEN, &dl)) < 0) goto out;
    r = read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl);
    if (r == -EPIPE || r == -ECONNRESET) r = -EACCES; /* it hung up on our answer */
    if (r < 0) goto out;
    bool welcome = n == sizeof WELCOME - 1 && memcmp(rx.data + 4, WELCOME, n) == 0;
    mp__buf_consume(&rx, 4 + n);
    r = -EACCES;
    if (!welcome) goto out;
    if ((r = make_challenge(mine)) < 0 || (r = send_msg(fd, mine, CHALLENGE_LEN, &dl)) < 0) goto out;
    if ((r = read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl)) < 0) goto out;
    hmac256(key, keylen, mine, CHALLENGE_LEN, digest);
    bool ok = n == DIGEST_LEN && CRYPTO_memcmp(digest, rx.data + 4, DIGEST_LEN) == 0;
    r = send_msg(fd, ok ? WELCOME : FAILURE, sizeof WELCOME - 1, &dl);
    if (r == 0 && !ok) r = -EACCES; /* not the server we share a key with */
out:
    mp__buf_free(&rx);
    return r;
}

/* From here on calls block in recv/send, bounded by CALL_TIMEOUT. */
static int make_blocking(int fd)
{
    struct timeval tv = {.tv_sec = (time_t)CALL_TIMEOUT};
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return -errno;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
        return -errno;
    return 0;
}

/* A new connection to the server at m->addr (handshake included). fd | -errno */
static int open_conn(const struct sockaddr *sa, socklen_t salen, const uint8_t *key, size_t keylen)
{
    /* TCP connects without blocking, to bound the wait; a Unix connect is
     * local and, when blocking, simply waits for room in a full backlog
     * (non-blocking it would fail with EAGAIN). */
    bool unix_socket = sa->sa_family == AF_UNIX;
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | (unix_socket ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) return -errno;
    int r = 0;
    int c;
    do c = connect(fd, sa, salen);
    while (c < 0 && errno == EINTR && unix_socket);
    if (c < 0 && errno == EISCONN) c = 0; /* an interrupted connect that went through */
    if (c < 0) {
        if (errno == EINPROGRESS || (errno == EINTR && !unix_socket)) {
            mp__deadline dl = mp__deadline_in(HANDSHAKE_TIMEOUT);
            int err = 0;
            socklen_t len = sizeof err;
            r = wait_fd(fd, POLLOUT, &dl);
            if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
            if (r == 0 && err) r = -err;
        } else {
            r = -errno;
        }
    }
    if (r == 0 && !unix_socket) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (r == 0 && key) r = client_handshake(fd, key, keylen);
    if (r == 0) r = make_blocking(fd);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

static void drop_conn(mp_manager *m, int err)
{
    if (m->fd >= 0) close(m->fd);
    m->fd = -1;
    m->broken = err;
    mp__buf_reset(&m->rx);
    m->rx_frame = 0;
}

/* This process's connection, opened on first use and again after a fork. */
static int ensure_conn(mp_manager *m)
{
    if (m->shut) return -ESHUTDOWN;
    pid_t me = getpid();
    if (m->fd_pid != me) {
        /* Forked: the socket is the parent's. Closing our copy leaves the
         * parent's connection open. */
        if (m->fd >= 0) close(m->fd);
        m->fd = -1;
        m->broken = 0;
        m->fd_pid = me;
        mp__buf_reset(&m->rx);
        m->rx_frame = 0;
    }
    if (m->fd >= 0) return 0;
    if (m->broken) return m->broken;
    int fd = open_conn((struct sockaddr *)&m->addr, m->addrlen, m->key, m->keylen);
    if (fd < 0) {
        m->broken = fd;
        return fd;
    }
    m->fd = fd;
    return 0;
}

/* Sends the request in m->tx and waits for its reply; *reply then decodes
 * the reply's values (valid until the next call on m). The reply status. */
static int roundtrip(mp_manager *m, mp__dec *reply)
{
    MP__GATE(MP_GOP_MANAGER, 0, 0, 0);
    int r = mp__frame_end(&m->tx, (size_t)m->tx_at, MP__FRAME_MAX);
    if (r < 0) return r;
    if ((r = ensure_conn(m)) < 0) return r;
    mp__buf_consume(&m->rx, m->rx_frame);
    m->rx_frame = 0;
    mp__deadline dl = mp__deadline_in(CALL_TIMEOUT);
    uint32_t n;
    if ((r = write_all(m->fd, m->tx.data, m->tx.len, &dl)) < 0 ||
        (r = read_frame(m->fd, &m->rx, MP__FRAME_MAX, &n, NULL)) < 0) {
        /* A connection cut mid-exchange cannot be resynchronised. */
        if (r == -ECONNRESET || r == -EPIPE || r == -ETIMEDOUT || r == -EPROTO) drop_conn(m, r == -ETIMEDOUT ? -EPIPE : r);
        else drop_conn(m, -EPIPE);
        return r;
    }
    m->rx_frame = MP__FRAME_HDR + n;
    int64_t status;
    mp__dec_init(reply, m->rx.data + MP__FRAME_HDR, n);
    if (mp__dec_int(reply, &status) < 0 || status < INT_MIN || status > INT_MAX) {
        drop_conn(m, -EPROTO);
        return -EPROTO;
    }
    return (int)status;
}

static mp_manager *manager_alloc(void)
{
    mp_manager *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->refs = 1;
    m->fd = -1;
    m->fd_pid = getpid();
    m->id = mp__obj_id();
    return m;
}

static void manager_unref(mp_manager *m)
{
    if (--m->refs > 0) return;
    if (m->fd >= 0 && m->fd_pid == getpid()) close(m->fd);
    if (m->key) OPENSSL_cleanse(m->key, m->keylen);
    free(m->key);
    mp__buf_free(&m->tx);
    mp__buf_free(&m->rx);
    free(m);
}

/* Forks the server on a listening socket lfd. 0 | -errno; lfd is closed
 * in this process either way. */
static int fork_server(mp_manager *m, int lfd)
{
    pid_t parent = getpid();
    pid_t pid = mp__fork();
    if (pid == 0) mp__gate_detach(), serve(lfd, parent, m->key, m->keylen, m->path, m->dir); /* answers within callers' steps */
    close(lfd);
    if (pid < 0) return (int)pid;
    m->owner = parent;
    m->server = pid;
    return 0;
}

static const char *tmp_dir(void)
{
    const char *t = getenv("TMPDIR");
    /* The socket path must fit sockaddr_un (108 bytes) with our suffix. */
    return t && t[0] == '/' && strlen(t) < 60 ? t : "/tmp";
}

/* True when nobody listens on the socket at path (or it is gone). */
static bool socket_is_dead(const char *path)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT;
    if (!S_ISSOCK(st.st_mode)) return false; /* not ours to judge */
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return false;
    bool dead = connect(fd, (struct sockaddr *)&sun, sizeof sun) < 0 && errno == ECONNREFUSED;
    close(fd);
    return dead;
}

/* A manager whose owner and server were killed together with SIGKILL (a
 * process group killed by the viewer, say) could not remove its directory.
 * Each start sweeps such leftovers: a forklab-mgr-* directory of this user,
 * untouched for 10 s (so never one being set up right now), whose socket
 * nobody listens on. */
static void sweep_stale(const char *tmp)
{
    DIR *dir = opendir(tmp);
    if (!dir) return;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(dir))) {
        char d[96], sock[108];
        struct stat st;
        if (strncmp(e->d_name, "forklab-mgr-", 12) != 0) continue;
        if (snprintf(d, sizeof d, "%s/%s", tmp, e->d_name) >= (int)sizeof d) continue;
        if (lstat(d, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() || now - st.st_mtime < 10) continue;
        snprintf(sock, sizeof sock, "%s/sock", d);
        if (!socket_is_dead(sock)) continue;
        unlink(sock);
        rmdir(d);
    }
    closedir(dir);
}

mp_manager *mp_manager_start(void)
{
    mp_manager *m = manager_alloc();
    if (!m) return NULL;
    sweep_stale(tmp_dir());
    int err = 0, lfd = -1;
    snprintf(m->dir, sizeof m->dir, "%s/forklab-mgr-XXXXXX", tmp_dir());
    if (!mkdtemp(m->dir)) { /* mode 0700 */
        err = errno;
        m->dir[0] = '\0';
        goto fail;
    }
    snprintf(m->path, sizeof m->path, "%s/sock", m->dir);
    struct sockaddr_un *sun = (struct sockaddr_un *)&m->addr;
    sun->sun_family = AF_UNIX;
    snprintf(sun->sun_path, sizeof sun->sun_path, "%s", m->path);
    m->addrlen = sizeof *sun;
    lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)sun, m->addrlen) < 0 || chmod(m->path, 0600) < 0 ||
        listen(lfd, 128) < 0) {
        err = errno;
        goto fail;
    }
    int r = fork_server(m, lfd);
    lfd = -1;
    if (r < 0) {
        err = -r;
        goto fail;
    }
    return m;
fail:
    if (lfd >= 0) close(lfd);
    cleanup_path(m->path, m->dir);
    manager_unref(m);
    errno = err ? err : EIO;
    return NULL;
}

static int copy_key(mp_manager *m, const char *authkey)
{
    if (!authkey || !authkey[0]) return -EINVAL;
    m->keylen = strlen(authkey);
    m->key = malloc(m->keylen);
    if (!m->key) return -ENOMEM;
    memcpy(m->key, authkey, m->keylen);
    return 0;
}

static int resolve(const char *host, int port, bool passive, struct addrinfo **out)
{
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)};
    int r = getaddrinfo(host ? host : "127.0.0.1", ps, &hints, out);
    if (r == 0) return 0;
    return r == EAI_MEMORY ? -ENOMEM : r == EAI_SYSTEM ? -errno : -ENOENT;
}

/* Where clients of a listening manager connect: the bound address, with a
 * wildcard (0.0.0.0 / ::) replaced by loopback. */
static void set_connect_addr(mp_manager *m, int lfd)
{
    m->addrlen = sizeof m->addr;
    getsockname(lfd, (struct sockaddr *)&m->addr, &m->addrlen);
    if (m->addr.ss_family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&m->addr;
        m->port = ntohs(in->sin_port);
        if (in->sin_addr.s_addr == htonl(INADDR_ANY)) in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (m->addr.ss_family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&m->addr;
        m->port = ntohs(in6->sin6_port);
        if (!memcmp(&in6->sin6_addr, &in6addr_any, sizeof in6addr_any)) in6->sin6_addr = in6addr_loopback;
    }
}

mp_manager *mp_manager_listen(const char *host, int port, const char *authkey)
{
    if (port < 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    mp_manager *m = manager_alloc();
    if (!m) return NULL;
    struct addrinfo *ai = NULL;
    int r = copy_key(m, authkey), lfd = -1;
    if (r == 0) r = resolve(host, port, true, &ai);
    for (struct addrinfo *a = ai; r == 0 && a; a = a->ai_next) {
        int one = 1;
        lfd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (lfd < 0) continue;
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(lfd, a->ai_addr, a->ai_addrlen) == 0 && listen(lfd, 128) == 0) break;
        r = -errno;
        close(lfd);
        lfd = -1;
        if (a->ai_next) r = 0;
    }
    if (ai) freeaddrinfo(ai);
    if (r == 0 && lfd < 0) r = -EADDRNOTAVAIL;
    if (r == 0) {
        set_connect_addr(m, lfd);
        r = fork_server(m, lfd);
    }
    if (r < 0) {
        manager_unref(m);
        errno = -r;
        return NULL;
    }
    return m;
}

mp_manager *mp_manager_connect(const char *host, int port, const char *authkey)
{
    if (port <= 0 || port > 65535) {
        errno = EINVAL;
        return NULL;
    }
    mp_manager *m = manager_alloc();
    if (!m) return NULL;
    struct addrinfo *ai = NULL;
    int r = copy_key(m, authkey);
    if (r == 0) r = resolve(host, port, false, &ai);
    int fd = r;
    for (struct addrinfo *a = ai; r == 0 && a; a = a->ai_next) {
        fd = open_conn(a->ai_addr, a->ai_addrlen, m->key, m->keylen);
        if (fd >= 0 || fd == -EACCES || !a->ai_next) {
            if (fd >= 0) {
                memcpy(&m->addr, a->ai_addr, a->ai_addrlen);
                m->addrlen = a->ai_addrlen;
            }
            break;
        }
    }
    if (ai) freeaddrinfo(ai);
    if (fd < 0) {
        manager_unref(m);
        errno = -fd;
        return NULL;
    }
    m->fd = fd;
    m->port = port;
    return m;
}

int mp_manager_port(const mp_manager *m)
{
    return m ? m->port : -EINVAL;
}

pid_t mp_manager_pid(const mp_manager *m)
{
    return m ? m->server : 0;
}

const char *mp_manager_socket_path(const mp_manager *m)
{
    return m && m->path[0] ? m->path : NULL;
}

static int exit_code(int status)
{
    return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : MP_EXIT_NONE;
}

/* SIGTERM, up to 2 s to exit cleanly, then SIGKILL; always reaped. Its
 * exit code (n or -signal), MP_EXIT_NONE when someone else reaped it. */
static int stop_server(pid_t pid)
{
    int status;
    pid_t r;
    kill(pid, SIGTERM); /* ESRCH: it died already and waits as a zombie */
    for (int k = 0; k < 2000; k++) {
        r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return exit_code(status);
        if (r < 0 && errno != EINTR) return MP_EXIT_NONE;
        usleep(k < 50 ? 100 : 1000);
    }
    kill(pid, SIGKILL);
    do r = waitpid(pid, &status, 0);
    while (r < 0 && errno == EINTR);
    return r == pid ? exit_code(status) : MP_EXIT_NONE;
}

void mp_manager_shutdown(mp_manager *m)
{
    if (!m || m->shut) return;
    m->shut = true;
    if (m->fd >= 0 && m->fd_pid == getpid()) close(m->fd);
    m->fd = -1;
    /* Only the process that started the server stops it; a forked child's
     * shutdown just disconnects. */
    if (m->server > 0 && m->owner == getpid()) {
        int code = stop_server(m->server);
        MP__TRACE(MP_EV_PROC_EXIT, 0, m->server, code, "SyncManager");
        cleanup_path(m->path, m->dir);
    }
    manager_unref(m);
}

/* =============================================================== proxies */

struct mp__proxy {
    mp_manager *m;
    uint64_t id;
    char *name;
    size_t namelen;
};

struct mp_dict { struct mp__proxy px; };
struct mp_list { struct mp__proxy px; };
struct mp_mvalue { struct mp__proxy px; };

static void req_begin(struct mp__proxy *px, int op)
{
    mp_manager *m = px->m;
    mp__buf_reset(&m->tx);
    m->tx_at = (int)mp__frame_begin(&m->tx);
    m->tx_op = op;
    mp__enc_int(&m->tx, op);
    mp__enc_str(&m->tx, px->name, px->namelen);
}

/* "set fruits['Apple']", "append l", "get l[3]" — only built when tracing. */
static void trace_op(struct mp__proxy *px, int rc, const char *verb, const char *key, long index, bool has_index)
{
    if (!mp__trace_on) return;
    char text[MP_TRACE_TEXT];
    if (key) snprintf(text, sizeof text, "%s %s['%s']", verb, px->name, key);
    else if (has_index) snprintf(text, sizeof text, "%s %s[%ld]", verb, px->name, index);
    else snprintf(text, sizeof text, "%s %s", verb, px->name);
    mp__trace_emit(MP_EV_MANAGER_OP, px->id, px->m->tx_op, rc, text);
}

static int proxy_init(struct mp__proxy *px, mp_manager *m, const char *name, int open_op)
{
    if (!m || !name || !name[0] || strlen(name) > NAME_MAX_LEN) return -EINVAL;
    if (m->shut) return -ESHUTDOWN;
    px->name = strdup(name);
    if (!px->name) return -ENOMEM;
    px->namelen = strlen(name);
    px->m = m;
    px->id = mp__obj_id();
    mp__dec reply;
    req_begin(px, open_op);
    int rc = roundtrip(m, &reply);
    trace_op(px, rc, "open", NULL, 0, false);
    if (rc < 0) {
        free(px->name);
        return rc;
    }
    m->refs++;
    return 0;
}

static void proxy_fini(struct mp__proxy *px)
{
    free(px->name);
    manager_unref(px->m);
}

/* The next reply value, which must be there. */
static int reply_val(mp__dec *reply, mp__val *v)
{
    return mp__dec_data(reply, v) < 0 ? -EPROTO : 0;
}

static int val_to_int(const mp__val *v, int64_t *out)
{
    if (v->tag != MP__T_INT) return -EINVAL;
    if (out) *out = v->i;
    return 0;
}

static int val_to_double(const mp__val *v, double *out)
{
    if (v->tag == MP__T_INT) {
        if (out) *out = (double)v->i;
    } else if (v->tag == MP__T_DOUBLE) {
        if (out) *out = v->d;
    } else {
        return -EINVAL;
    }
    return 0;
}

/* Copies text (NUL-terminated) or bytes out. Length | -EMSGSIZE | -EINVAL */
static ssize_t val_to_blob(const mp__val *v, uint8_t tag, void *buf, size_t cap)
{
    if (v->tag != tag) return -EINVAL;
    size_t need = v->len + (tag == MP__T_STR);
    if (need > cap) return -EMSGSIZE;
    if (v->len) memcpy(buf, v->p, v->len);
    if (tag == MP__T_STR) ((char *)buf)[v->len] = '\0';
    return (ssize_t)v->len;
}

/* Copies a formatted result (str(d), str(l)) into the caller's buffer. */
static int copy_text(mp__buf *b, char *buf, size_t cap)
{
    int rc;
    if (b->oom) rc = -ENOMEM;
    else if (b->len > INT_MAX) rc = -EMSGSIZE;
    else if (b->len + 1 > cap) rc = -EMSGSIZE;
    else {
        if (b->len) memcpy(buf, b->data, b->len);
        buf[b->len] = '\0';
        rc = (int)b->len;
    }
    mp__buf_free(b);
    return rc;
}

/* ------------------------------------------------------------------ dict */

mp_dict *mp_manager_dict(mp_manager *m, const char *name)
{
    mp_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    int rc = proxy_init(&d->px, m, name, OP_DICT_OPEN);
    if (rc < 0) {
        free(d);
        errno = -rc;
        return NULL;
    }
    return d;
}

void mp_dict_free(mp_dict *d)
{
    if (!d) return;
    proxy_fini(&d->px);
    free(d);
}

/* op on d[key] with an optional value argument. */
static int dict_key_call(mp_dict *d, int op, const char *verb, const char *key, const mp__val *arg, mp__dec *reply)
{
    if (!d || !key) return -EINVAL;
    req_begin(&d->px, op);
    mp__enc_str(&d->px.m->tx, key, strlen(key));
    if (arg) mp__enc_val(&d->px.m->tx, arg);
    int rc = roundtrip(d->px.m, reply);
    trace_op(&d->px, rc, verb, key, 0, false);
    return rc;
}

static int dict_set(mp_dict *d, const char *key, const mp__val *v)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_SET, "set", key, v, &reply);
    return rc < 0 ? rc : 0;
}

int mp_dict_set_int(mp_dict *d, const char *key, int64_t v)
{
    return dict_set(d, key, &(mp__val){.tag = MP__T_INT, .i = v});
}

int mp_dict_set_double(mp_dict *d, const char *key, double v)
{
    return dict_set(d, key, &(mp__val){.tag = MP__T_DOUBLE, .d = v});
}

int mp_dict_set_str(mp_dict *d, const char *key, const char *v)
{
    if (!v) return -EINVAL;
    return dict_set(d, key, &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)v, .len = (uint32_t)strnlen(v, MP__FRAME_MAX + 1)});
}

int mp_dict_set_bytes(mp_dict *d, const char *key, const void *v, size_t len)
{
    if (!v && len) return -EINVAL;
    if (len > MP__FRAME_MAX) return -EMSGSIZE;
    return dict_set(d, key, &(mp__val){.tag = MP__T_BYTES, .p = v, .len = (uint32_t)len});
}

/* d[key] into *v (pointing into the reply). 0 | -errno */
static int dict_get(mp_dict *d, const char *key, mp__val *v)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_GET, "get", key, NULL, &reply);
    return rc < 0 ? rc : reply_val(&reply, v);
}

int mp_dict_get_int(mp_dict *d, const char *key, int64_t *v)
{
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_int(&x, v);
}

int mp_dict_get_double(mp_dict *d, const char *key, double *v)
{
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_double(&x, v);
}

ssize_t mp_dict_get_str(mp_dict *d, const char *key, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_STR, buf, cap);
}

ssize_t mp_dict_get_bytes(mp_dict *d, const char *key, void *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_BYTES, buf, cap);
}

static int dict_add(mp_dict *d, const char *key, const mp__val *delta, mp__val *sum)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_ADD, "add", key, delta, &reply);
    return rc < 0 ? rc : reply_val(&reply, sum);
}

int mp_dict_add_int(mp_dict *d, const char *key, int64_t delta, int64_t *out)
{
    mp__val sum;
    int rc = dict_add(d, key, &(mp__val){.tag = MP__T_INT, .i = delta}, &sum);
    /* A float entry stays float (Python: 1.5 + 1 == 2.5): no int to report. */
    return rc < 0 ? rc : val_to_int(&sum, out);
}

int mp_dict_add_double(mp_dict *d, const char *key, double delta, double *out)
{
    mp__val sum;
    int rc = dict_add(d, key, &(mp__val){.tag = MP__T_DOUBLE, .d = delta}, &sum);
    return rc < 0 ? rc : val_to_double(&sum, out);
}

int mp_dict_del(mp_dict *d, const char *key)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_DEL, "del", key, NULL, &reply);
    return rc < 0 ? rc : 0;
}

int mp_dict_contains(mp_dict *d, const char *key)
{
    mp__dec reply;
    return dict_key_call(d, OP_DICT_CONTAINS, "in", key, NULL, &reply);
}

/* An op on the whole dict; the status is the count for len/keys/items. */
static int dict_call(mp_dict *d, int op, const char *verb, mp__dec *reply)
{
    if (!d) return -EINVAL;
    req_begin(&d->px, op);
    int rc = roundtrip(d->px.m, reply);
    trace_op(&d->px, rc, verb, NULL, 0, false);
    return rc;
}

int mp_dict_len(mp_dict *d)
{
    mp__dec reply;
    return dict_call(d, OP_DICT_LEN, "len", &reply);
}

int mp_dict_clear(mp_dict *d)
{
    mp__dec reply;
    int rc = dict_call(d, OP_DICT_CLEAR, "clear", &reply);
    return rc < 0 ? rc : 0;
}

int mp_dict_keys(mp_dict *d, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__dec reply;
    int n = dict_call(d, OP_DICT_KEYS, "keys", &reply);
    size_t used = 0;
    for (int k = 0; k < n; k++) {
        mp__val key;
        if (mp__dec_str(&reply, &key) < 0) return -EPROTO;
        if (key.len + 1 > cap - used) return -EMSGSIZE;
        memcpy(buf + used, key.p, key.len);
        buf[used + key.len] = '\0';
        used += key.len + 1;
    }
    return n;
}

int mp_dict_format(mp_dict *d, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__dec reply;
    int n = dict_call(d, OP_DICT_ITEMS, "str", &reply);
    if (n < 0) return n;
    mp__buf out = {0};
    mp__buf_put(&out, "{", 1);
    for (int k = 0; k < n; k++) {
        mp__val key, v;
        if (mp__dec_str(&reply, &key) < 0 || mp__dec_data(&reply, &v) < 0) {
            mp__buf_free(&out);
            return -EPROTO;
        }
        if (k) mp__buf_put(&out, ", ", 2);
        mp__repr_val(&out, &key);
        mp__buf_put(&out, ": ", 2);
        mp__repr_val(&out, &v);
    }
    mp__buf_put(&out, "}", 1);
    return copy_text(&out, buf, cap);
}

/* ------------------------------------------------------------------ list */

mp_list *mp_manager_list(mp_manager *m, const char *name)
{
    mp_list *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    int rc = proxy_init(&l->px, m, name, OP_LIST_OPEN);
    if (rc < 0) {
        free(l);
        errno = -rc;
        return NULL;
    }
    return l;
}

void mp_list_free(mp_list *l)
{
    if (!l) return;
    proxy_fini(&l->px);
    free(l);
}

static int list_append(mp_list *l, const mp__val *v)
{
    if (!l) return -EINVAL;
    mp__dec reply;
    req_begin(&l->px, OP_LIST_APPEND);
    mp__enc_val(&l->px.m->tx, v);
    int rc = roundtrip(l->px.m, &reply);
    trace_op(&l->px, rc, "append", NULL, 0, false);
    return rc < 0 ? rc : 0;
}

int mp_list_append_int(mp_list *l, int64_t v)
{
    return list_append(l, &(mp__val){.tag = MP__T_INT, .i = v});
}

int mp_list_append_double(mp_list *l, double v)
{
    return list_append(l, &(mp__val){.tag = MP__T_DOUBLE, .d = v});
}

int mp_list_append_str(mp_list *l, const char *v)
{
    if (!v) return -EINVAL;
    return list_append(l, &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)v, .len = (uint32_t)strnlen(v, MP__FRAME_MAX + 1)});
}

/* op on l[index]; arg is the value (set) or the wanted type (pop). */
static int list_index_call(mp_list *l, int op, const char *verb, long index, const mp__val *arg, mp__dec *reply)
{
    if (!l) return -EINVAL;
    req_begin(&l->px, op);
    mp__enc_int(&l->px.m->tx, index);
    if (arg) mp__enc_val(&l->px.m->tx, arg);
    int rc = roundtrip(l->px.m, reply);
    trace_op(&l->px, rc, verb, NULL, index, true);
    return rc;
}

static int list_get(mp_list *l, long index, mp__val *v)
{
    mp__dec reply;
    int rc = list_index_call(l, OP_LIST_GET, "get", index, NULL, &reply);
    return rc < 0 ? rc : reply_val(&reply, v);
}

int mp_list_get_int(mp_list *l, long index, int64_t *v)
{
    mp__val x;
    int rc = list_get(l, index, &x);
    return rc < 0 ? rc : val_to_int(&x, v);
}

int mp_list_get_double(mp_list *l, long index, double *v)
{
    mp__val x;
    int rc = list_get(l, index, &x);
    return rc < 0 ? rc : val_to_double(&x, v);
}

ssize_t mp_list_get_str(mp_list *l, long index, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = list_get(l, index, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_STR, buf, cap);
}

static int list_set(mp_list *l, long index, const mp__val *v)
{
    mp__dec reply;
    int rc = list_index_call(l, OP_LIST_SET, "set", index, v, &reply);
    return rc < 0 ? rc : 0;
}

int mp_list_set_int(mp_list *l, long index, int64_t v)
{
    return list_set(l, index, &(mp__val){.tag = MP__T_INT, .i = v});
}

int mp_list_set_double(mp_list *l, long index, double v)
{
    return list_set(l, index, &(mp__val){.tag = MP__T_DOUBLE, .d = v});
}

int mp_list_set_str(mp_list *l, long index, const char *v)
{
    if (!v) return -EINVAL;
    return list_set(l, index, &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)v, .len = (uint32_t)strnlen(v, MP__FRAME_MAX + 1)});
}

int mp_list_pop_int(mp_list *l, long index, int64_t *v)
{
    mp__dec reply;
    mp__val x;
    int rc = list_index_call(l, OP_LIST_POP, "pop", index, &(mp__val){.tag = MP__T_INT, .i = MP__T_INT}, &reply);
    if (rc < 0 || (rc = reply_val(&reply, &x)) < 0) return rc;
    return val_to_int(&x, v);
}

static int list_call(mp_list *l, int op, const char *verb, mp__dec *reply)
{
    if (!l) return -EINVAL;
    req_begin(&l->px, op);
    int rc = roundtrip(l->px.m, reply);
    trace_op(&l->px, rc, verb, NULL, 0, false);
    return rc;
}

int mp_list_len(mp_list *l)
{
    mp__dec reply;
    return list_call(l, OP_LIST_LEN, "len", &reply);
}

int mp_list_format(mp_list *l, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__dec reply;
    int n = list_call(l, OP_LIST_ITEMS, "str", &reply);
    if (n < 0) return n;
    mp__buf out = {0};
    mp__buf_put(&out, "[", 1);
    for (int k = 0; k < n; k++) {
        mp__val v;
        if (mp__dec_data(&reply, &v) < 0) {
            mp__buf_free(&out);
            return -EPROTO;
        }
        if (k) mp__buf_put(&out, ", ", 2);
        mp__repr_val(&out, &v);
    }
    mp__buf_put(&out, "]", 1);
    return copy_text(&out, buf, cap);
}

/* ----------------------------------------------------------------- value */

mp_mvalue *mp_manager_value(mp_manager *m, const char *name)
{
    mp_mvalue *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    int rc = proxy_init(&v->px, m, name, OP_VALUE_OPEN);
    if (rc < 0) {
        free(v);
        errno = -rc;
        return NULL;
    }
    return v;
}

void mp_mvalue_free(mp_mvalue *v)
{
    if (!v) return;
    proxy_fini(&v->px);
    free(v);
}

static int mvalue_call(mp_mvalue *v, int op, const char *verb, const mp__val *arg, mp__val *out)
{
    if (!v) return -EINVAL;
    mp__dec reply;
    req_begin(&v->px, op);
    if (arg) mp__enc_val(&v->px.m->tx, arg);
    int rc = roundtrip(v->px.m, &reply);
    trace_op(&v->px, rc, verb, NULL, 0, false);
    if (rc < 0 || !out) return rc < 0 ? rc : 0;
    return reply_val(&reply, out);
}

int mp_mvalue_set_int(mp_mvalue *v, int64_t x)
{
    return mvalue_call(v, OP_VALUE_SET, "set", &(mp__val){.tag = MP__T_INT, .i = x}, NULL);
}

int mp_mvalue_set_double(mp_mvalue *v, double x)
{
    return mvalue_call(v, OP_VALUE_SET, "set", &(mp__val){.tag = MP__T_DOUBLE, .d = x}, NULL);
}

int mp_mvalue_set_str(mp_mvalue *v, const char *x)
{
    if (!x) return -EINVAL;
    return mvalue_call(v, OP_VALUE_SET, "set", &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)x, .len = (uint32_t)strnlen(x, MP__FRAME_MAX + 1)}, NULL);
}

int mp_mvalue_get_int(mp_mvalue *v, int64_t *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "get", NULL, &x);
    return rc < 0 ? rc : val_to_int(&x, out);
}

int mp_mvalue_get_double(mp_mvalue *v, double *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "get", NULL, &x);
    return rc < 0 ? rc : val_to_double(&x, out);
}

ssize_t mp_mvalue_get_str(mp_mvalue *v, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "get", NULL, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_STR, buf, cap);
}

int mp_mvalue_add_int(mp_mvalue *v, int64_t delta, int64_t *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_ADD, "add", &(mp__val){.tag = MP__T_INT, .i = delta}, &x);
    return rc < 0 ? rc : val_to_int(&x, out);
}

int mp_mvalue_add_double(mp_mvalue *v, double delta, double *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_ADD, "add", &(mp__val){.tag = MP__T_DOUBLE, .d = delta}, &x);
    return rc < 0 ? rc : val_to_double(&x, out);
}

int mp_mvalue_format(mp_mvalue *v, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "str", NULL, &x);
    if (rc == -ENOENT) x = (mp__val){.tag = MP__T_NONE};
    else if (rc < 0) return rc;
    mp__buf out = {0};
    mp__repr_val(&out, &x);
    return copy_text(&out, buf, cap);
}
