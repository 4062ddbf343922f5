/*
 * manager_private.h — what the manager's files share (private to lib/).
 *
 * The manager is five files, one concept each, in the order a request
 * travels:
 *
 *   manager_proxy.c   mp_dict / mp_list / mp_mvalue: encode a request, decode the reply
 *   manager.c         mp_manager: start / listen / connect / shutdown, this process's
 *                     connection (reconnect after fork), one request-reply round trip
 *   manager_wire.c    blocking frame I/O on a socket and the HMAC handshake messages
 *   manager_server.c  the server process: one poll() loop, connections, limits
 *   manager_store.c   the server's data (dicts, lists, values): pure, no I/O (frame.h)
 */
#ifndef MP_MANAGER_PRIVATE_H
#define MP_MANAGER_PRIVATE_H

#include "frame.h"
#include "mp_private.h"

#include <sys/socket.h>

#pragma GCC visibility push(hidden)

/* Request codes; the trace format's (mp_trace.h), since they are also the
 * `a` of MP_EV_MANAGER_OP events. */
enum mp__op {
    OP_PING = MP_MGR_PING,
    OP_DICT_OPEN = MP_MGR_DICT_OPEN, OP_DICT_SET, OP_DICT_GET, OP_DICT_DEL, OP_DICT_CONTAINS, OP_DICT_LEN,
    OP_DICT_KEYS, OP_DICT_CLEAR, OP_DICT_ADD, OP_DICT_ITEMS,
    OP_LIST_OPEN = MP_MGR_LIST_OPEN, OP_LIST_APPEND, OP_LIST_GET, OP_LIST_SET, OP_LIST_POP, OP_LIST_LEN,
    OP_LIST_ITEMS,
    OP_VALUE_OPEN = MP_MGR_VALUE_OPEN, OP_VALUE_SET, OP_VALUE_GET, OP_VALUE_ADD,
};
_Static_assert((int)OP_DICT_ITEMS == (int)MP_MGR_DICT_ITEMS && (int)OP_LIST_ITEMS == (int)MP_MGR_LIST_ITEMS &&
                   (int)OP_VALUE_ADD == (int)MP_MGR_VALUE_ADD,
               "the request codes are the trace format's");

#define HANDSHAKE_TIMEOUT 5.0  /* seconds for a whole handshake, both sides */
#define CALL_TIMEOUT 30.0      /* a request the server does not answer fails with -ETIMEDOUT */
#define NAME_MAX_LEN 4096      /* bytes of an object's name */

/* Handshake messages (each one frame of at most MP__HANDSHAKE_MAX bytes). */
#define CHALLENGE "#CHALLENGE#"
#define WELCOME "#WELCOME#"
#define FAILURE "#FAILURE#"
#define BUSY "#BUSY#" /* too many clients: sent instead of the next message, then closed */
#define NONCE_LEN 32
#define DIGEST_LEN 32
#define CHALLENGE_LEN (sizeof CHALLENGE - 1 + NONCE_LEN)

/* ---- the client side of one manager (manager.c, used by the proxies) */
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
    mp__spin_hint spin; /* whether spinning for replies pays (futex.c) */
};

/* Sends the request framed in m->tx (begun at m->tx_at) and waits for its
 * reply; *reply then decodes the reply's values (valid until the next call
 * on m). The reply's status (>= 0) | -errno. */
int mp__mgr_roundtrip(mp_manager *m, mp__dec *reply);
/* Drops one reference (a proxy's, or the manager's own); frees m at 0. */
void mp__mgr_unref(mp_manager *m);

/* ---- wire (manager_wire.c) */
void mp__mgr_hmac(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t n,
                  uint8_t out[DIGEST_LEN]);
/* Loads libcrypto (HMAC-SHA256) on first use: TCP managers only. 0 | -ELIBACC */
int mp__mgr_crypto_load(void);
/* Two digests are equal, compared in constant time. */
bool mp__mgr_digest_equal(const uint8_t *a, const uint8_t *b);
/* "#CHALLENGE#" + NONCE_LEN random bytes. 0 | -errno */
int mp__mgr_make_challenge(uint8_t out[CHALLENGE_LEN]);
/* Appends one handshake frame holding p[0..n) to b. */
void mp__mgr_put_msg(mp__buf *b, const void *p, size_t n);
/* Waits until fd is ready for events. 0 | -ETIMEDOUT | -errno */
int mp__mgr_wait_fd(int fd, short events, const mp__deadline *dl);
/* All of p[0..n) to fd. 0 | -ETIMEDOUT | -EPIPE | -errno */
int mp__mgr_write_all(int fd, const uint8_t *p, size_t n, const mp__deadline *dl);
/* Reads until rx starts with one whole frame; *n = its payload length.
 * With dl NULL the socket is blocking with SO_RCVTIMEO set (one syscall per
 * read instead of poll + recv: this is the path of every call).
 * 0 | -EPROTO (over max) | -EPIPE | -ETIMEDOUT | -ENOMEM | -errno */
int mp__mgr_read_frame(int fd, mp__buf *rx, size_t max, uint32_t *n, const mp__deadline *dl);
/* A whole handshake, blocking (mp__auth driven over fd): either half.
 * 0 | -EACCES | -EBUSY (a client: the server has too many clients)
 * | -EPROTO | -ETIMEDOUT | -errno */
int mp__mgr_handshake(int fd, bool server, const uint8_t *key, size_t keylen);
/* The client half: mp__mgr_handshake(fd, false, ...). */
int mp__mgr_client_handshake(int fd, const uint8_t *key, size_t keylen);

/* ---- the handshake as a state machine (manager_wire.c)
 * Both sides of both servers (the manager's and the class board's) and of
 * their clients run this one machine; the caller owns the socket, its
 * buffers and timers. Each side proves the key by answering the other's
 * challenge with HMAC(key, challenge); the server challenges first. A
 * state names the message that side expects next:
 *
 *   server                                              client
 *   (start)            CHALLENGE+nonce  ------------>   MP__AUTH_CHALLENGE
 *   MP__AUTH_DIGEST    <------------  HMAC(key, it)
 *                      WELCOME | FAILURE  ---------->   MP__AUTH_WELCOME
 *   MP__AUTH_CHALLENGE <----------  CHALLENGE+nonce
 *                      HMAC(key, it)  -------------->   MP__AUTH_DIGEST
 *   MP__AUTH_WELCOME   <--------  WELCOME | FAILURE     (over)
 *   (over)
 */
enum mp__auth_state { MP__AUTH_DIGEST, MP__AUTH_CHALLENGE, MP__AUTH_WELCOME, MP__AUTH_END /* over or failed */ };
/* What one step says (or -errno, below). */
enum { MP__AUTH_MORE = 0, MP__AUTH_PROVED = 1, MP__AUTH_OVER = 2 };
typedef struct {
    const uint8_t *key; /* borrowed: outlives the handshake */
    size_t keylen;
    bool server;
    enum mp__auth_state st; /* the message expected next */
    uint8_t challenge[CHALLENGE_LEN]; /* the one we sent the peer */
} mp__auth;
/* Begins a handshake; a server queues its challenge on out (nothing is
 * queued on failure). 0 | -errno (no random bytes) */
int mp__auth_start(mp__auth *a, bool server, const uint8_t *key, size_t keylen, mp__buf *out);
/* Takes the peer's next handshake message p[0..n) and queues our answer on
 * out. MP__AUTH_MORE | MP__AUTH_PROVED (the peer just proved the key; the
 * server's peer is then no stranger, more messages follow) | MP__AUTH_OVER
 * (both proved the key: requests may flow) | -EACCES (wrong key; FAILURE
 * is queued for the peer when it was theirs) | -EBUSY (a client told the
 * server is full) | -EPROTO (not the message expected). After an error or
 * MP__AUTH_OVER the connection takes no more handshake messages. */
int mp__auth_step(mp__auth *a, const uint8_t *p, size_t n, mp__buf *out);

/* ---- server (manager_server.c) */
/* The server process's body: serves lfd until shutdown, then removes path
 * and dir (when not NULL/empty) and _exits. Never returns. */
void mp__mgr_serve(int lfd, pid_t parent, const uint8_t *key, size_t keylen, const char *path,
                   const char *dir) __attribute__((noreturn));
/* Removes a local manager's socket file and directory (either may be empty). */
void mp__mgr_cleanup_path(const char *path, const char *dir);

#pragma GCC visibility pop

#endif
