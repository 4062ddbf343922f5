/*
 * mp.h — libmp, the primitives of Python's multiprocessing, in C.
 *
 * Each call is named after the Python it stands for, so a line of the
 * lecture maps to one C call:
 *
 *     p = Process(target=f, args=(x,))      p = mp_process_new(f, &x);
 *     p.start(); p.join()                   mp_process_start(p); mp_process_join(p, MP_FOREVER);
 *     q = Queue(); q.put(x); q.get()        mp_queue_new(0); mp_queue_put(q, &x, sizeof x, MP_FOREVER); ...
 *     r = pool.apply_async(f, (12,))        r = mp_pool_apply_async(pool, f, &in, sizeof in, sizeof out);
 *     r.get(timeout=1)                      mp_async_get(r, &out, 1.0);
 *
 * Conventions (they hold for every function below):
 *
 *  - Errors are values. Functions returning int (or ssize_t) give 0, or a
 *    count/length, on success and a negative errno on failure (-ETIMEDOUT,
 *    -EPIPE, -EOWNERDEAD, -ECHILD, -EMSGSIZE, -EACCES, -EINVAL ...).
 *    mp_strerror() and mp_err_name() name them. Constructors return NULL and
 *    set errno. Nothing here prints or exits on the caller's behalf.
 *  - Timeouts are seconds as double, as in result.get(timeout=1).
 *    MP_FOREVER (any negative value) blocks; 0 tries once without blocking.
 *    Retries after EINTR are made against one absolute deadline, so a signal
 *    never stretches a wait.
 *  - Created before fork. As in Python, locks, values, arrays, queues and
 *    pipes live in memory shared with the children started (forked) after
 *    they were made. Make them in the parent, then start the processes.
 *    Nothing is created in /dev/shm: the memory goes away with the last
 *    process that maps it.
 *  - Ownership: every *_new has a *_free (or close/shutdown); the creator
 *    frees. *_free(NULL) does nothing.
 *  - Tracing: when MP_TRACE or MP_TRACE_FD is set in the environment every
 *    primitive reports what it does (see mp_trace.h); otherwise it costs one
 *    predictable branch.
 *  - Controlled runs: under forklab's controller (MP_GATE_FD, see
 *    mp_gate.h) every traced operation waits for its turn, so forklab
 *    decides the order in which processes move. A timed wait that cannot
 *    complete may then be told to time out at once. Only a process's first
 *    thread takes part; other threads run freely.
 */
#ifndef MP_H
#define MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MP_VERSION "0.1.0"

/* Block without a time limit. Any negative timeout means the same. */
#define MP_FOREVER (-1.0)

/* ------------------------------------------------------------------ errors */

/* The errors libmp returns, with their messages: one table generates the
 * codes' names and texts. */
#define MP_ERRNO_MAP(XX)                                                     \
    XX(EINVAL, "invalid argument")                                           \
    XX(ENOMEM, "out of memory")                                              \
    XX(ETIMEDOUT, "timed out")                                               \
    XX(EPIPE, "peer closed the connection")                                  \
    XX(ECONNRESET, "connection reset by peer")                               \
    XX(ECONNREFUSED, "connection refused")                                   \
    XX(EBUSY, "server busy: too many clients (try again)")                   \
    XX(EOWNERDEAD, "acquired, but the previous holder died")                 \
    XX(ENOTRECOVERABLE, "lock state not recoverable")                        \
    XX(ECHILD, "a worker process died")                                      \
    XX(ESRCH, "no such process")                                             \
    XX(EMSGSIZE, "message too large for the buffer or the queue")            \
    XX(EACCES, "authentication failed")                                      \
    XX(EPERM, "not permitted (lock not held by this process)")               \
    XX(EALREADY, "already started")                                          \
    XX(ENOENT, "no such key")                                                \
    XX(EBADMSG, "malformed message")                                         \
    XX(EPROTO, "protocol error")                                             \
    XX(ENOSPC, "no space left")                                              \
    XX(ERANGE, "index out of range")                                         \
    XX(EAGAIN, "resource temporarily unavailable")                           \
    XX(ENOTCONN, "not connected")                                            \
    XX(ESHUTDOWN, "already closed or shut down")                             \
    XX(ELIBACC, "libcrypto (needed by TCP managers) could not be loaded")

/* A message for a negative errno (or 0: "success"); never NULL. */
const char *mp_strerror(int err);
/* The errno's name without the minus: mp_err_name(-ETIMEDOUT) is "ETIMEDOUT". */
const char *mp_err_name(int err);

/* Number of CPUs this process may run on (sched_getaffinity), at least 1. */
int mp_cpu_count(void);

/* ----------------------------------------------------------------- process */

typedef struct mp_process mp_process;

/* The body of a process: its return value is the exit code (0..255). */
typedef int (*mp_target)(void *arg);

/* exitcode of a process that has not ended (or not started). */
#define MP_EXIT_NONE (-1000)

/* Process(target=f, args=arg). arg is passed as is to the child (the child
 * sees the parent's memory as it was at start: a pointer into it is fine).
 * NULL + errno=EINVAL when target is NULL. */
mp_process *mp_process_new(mp_target target, void *arg);
/* Name shown in traces and the viewer (default "Process-N"); copied;
 * at most 31 bytes are kept. -EINVAL on NULL. */
int mp_process_set_name(mp_process *p, const char *name);
const char *mp_process_name(const mp_process *p);
/* fork()s the child, which runs target(arg) then _exit()s with its return
 * value: the child never runs the parent's atexit handlers nor flushes its
 * stdio buffers twice (stdout and stderr are flushed before the fork).
 * -EALREADY if started before. */
int mp_process_start(mp_process *p);
/* Waits for the child to end and reaps it. 0 | -ETIMEDOUT (still running) |
 * -EINVAL (never started). Joining an ended process again returns 0. */
int mp_process_join(mp_process *p, double timeout);
/* The child's pid once started, else 0. */
pid_t mp_process_pid(const mp_process *p);
/* The exit code: the target's return value or exit(n)'s n; -signal when a
 * signal ended it (abort() gives -6, SIGKILL -9); MP_EXIT_NONE while it runs
 * or before it is reaped by join/is_alive. */
int mp_process_exitcode(const mp_process *p);
/* True while the child runs; reaps it (and sets exitcode) once it ended. */
bool mp_process_is_alive(mp_process *p);
/* SIGTERM / SIGKILL the child. 0 | -EINVAL (not started) | -ESRCH (ended). */
int mp_process_terminate(mp_process *p);
int mp_process_kill(mp_process *p);
/* Frees the handle. A child that still runs is killed (SIGKILL) and reaped
 * first, so no zombie is left behind: join before free to let it finish. */
void mp_process_free(mp_process *p);

/* -------------------------------------------------------------------- lock */

typedef struct mp_lock mp_lock;

/* A process-shared, robust lock in shared memory (make it before fork). */
mp_lock *mp_lock_new(void);
/* 0 | -ETIMEDOUT | -EOWNERDEAD: acquired, but the last holder died while
 * holding it; the lock is held by the caller and usable again (the data it
 * guards may be half-updated). timeout 0 is a try-lock. -EINVAL on NULL,
 * -EDEADLK when the caller already holds it. */
int mp_lock_acquire(mp_lock *l, double timeout);
/* 0 | -EPERM when the caller does not hold it. */
int mp_lock_release(mp_lock *l);
/* Frees the lock. Call it once, in the creator, after the users are done. */
void mp_lock_free(mp_lock *l);

/* ---------------------------------------------------- shared Value / Array */

typedef struct mp_value mp_value;
typedef struct mp_array mp_array;

/* Typecodes as Python's array module: 'b' 'B' 'h' 'H' 'i' 'I' 'l' 'L' 'q'
 * 'Q' 'f' 'd' 'c' (char). Size of one item, or 0 for an unknown code. */
size_t mp_typecode_size(char typecode);

/* Value('d', 0.0): one zero-filled item in shared memory with its own lock.
 * NULL + EINVAL for an unknown typecode. */
mp_value *mp_value_new(char typecode);
/* The item itself; writes through the pointer are visible to every process
 * sharing it but are not traced (use the setters to show them live). */
void *mp_value_ptr(mp_value *v);
char mp_value_typecode(const mp_value *v);
mp_lock *mp_value_get_lock(mp_value *v);
/* Typed access with conversion to the value's type. Setters trace the write.
 * 0 | -EINVAL. */
int mp_value_set_i64(mp_value *v, int64_t x);
int mp_value_set_f64(mp_value *v, double x);
int64_t mp_value_get_i64(mp_value *v);
double mp_value_get_f64(mp_value *v);
void mp_value_free(mp_value *v);

/* Array('i', 10): len zero-filled items. len 0 is allowed. */
mp_array *mp_array_new(char typecode, size_t len);
void *mp_array_data(mp_array *a);
size_t mp_array_len(const mp_array *a);
char mp_array_typecode(const mp_array *a);
mp_lock *mp_array_get_lock(mp_array *a);
/* Typed element access. 0 | -EINVAL | -ERANGE (index >= len). */
int mp_array_set_i64(mp_array *a, size_t i, int64_t x);
int mp_array_set_f64(mp_array *a, size_t i, double x);
int mp_array_get_i64(mp_array *a, size_t i, int64_t *out);
int mp_array_get_f64(mp_array *a, size_t i, double *out);
void mp_array_free(mp_array *a);

/* -------------------------------------------------------------------- pipe */

typedef struct mp_conn mp_conn;

/* left, right = Pipe(duplex). Messages keep their boundaries (an empty
 * message is a message) and may be of any size (16 MiB arrive whole). With
 * duplex false, as in Python, left only receives and right only sends.
 * Both are a Unix socketpair (one-way: the same pair used one way, the
 * unused direction of each end shut down); both ends are close-on-exec.
 * Made before fork, each end is shared with the child: close the end a
 * process does not use, or the peer never sees -EPIPE. 0 | -EINVAL | -errno. */
int mp_pipe(mp_conn **left, mp_conn **right, bool duplex);
/* Sends one message of len bytes (blocks while the peer's buffer is full).
 * buf may be NULL when len is 0. Never raises SIGPIPE (sent with
 * MSG_NOSIGNAL): a closed peer gives -EPIPE. 0 | -EPIPE (peer closed) |
 * -EBADF (wrong direction) | -EINVAL. */
int mp_conn_send(mp_conn *c, const void *buf, size_t len);
/* Receives one message into buf. Its length | -ETIMEDOUT | -EPIPE (peer
 * closed and nothing pending: messages sent before the close still come
 * first) | -EMSGSIZE (cap too small: the message is kept and the next call
 * with a big enough buffer gets it; mp_conn_pending tells its length) |
 * -EBADF (wrong direction) | -EBADMSG (the sender died in mid-message).
 * A timeout in the middle of a long message keeps what arrived: the next
 * call continues the same message. */
ssize_t mp_conn_recv(mp_conn *c, void *buf, size_t cap, double timeout);
/* 1 when a message (or the peer's close) is ready, 0 when not after
 * timeout; never consumes. */
int mp_conn_poll(mp_conn *c, double timeout);
/* Length of the next message when it is known (after -EMSGSIZE), else -EAGAIN. */
ssize_t mp_conn_pending(mp_conn *c);
/* The end's file descriptor (a blocking socket), e.g. for poll() among
 * others; read it only through mp_conn_recv (messages are framed).
 * -EINVAL on NULL. */
int mp_conn_fileno(const mp_conn *c);
/* Closes this end (in this process) and frees the handle. */
void mp_conn_close(mp_conn *c);

/* ------------------------------------------------------------------- queue */

typedef struct mp_queue mp_queue;

/* A FIFO in shared memory for many producers and consumers across
 * processes; capacity in bytes of items (each item also costs a small
 * header); 0 = 1 MiB. No feeder thread: a process that put items may exit
 * at once and the items stay. Each item also uses a 4-byte header of the
 * room: capacity C holds one item of C bytes, or C/12 items of 8 bytes.
 * NULL + EINVAL when capacity is above 1 GiB.
 *
 * A process killed (even by SIGKILL) anywhere inside a put or get:
 *  - can lose only the item in its own hands: a get killed after it took
 *    the item from the queue (the item is gone with the process); a put
 *    killed before its item was in is as if it was never called, and one
 *    killed after is as if it had returned 0 (so a put cut by a kill adds
 *    its item once or not at all);
 *  - never loses, duplicates, tears or reorders any other item, never
 *    leaves a partial item inside, never leaves qsize wrong (the next
 *    caller repairs what it was changing);
 *  - never wedges the queue and never makes another caller wait past its
 *    timeout; at worst a wake-up the dead process owed is late by 0.1 s.
 * A process killed while it waits (asleep, or waiting for the queue's
 * mutex) holds nothing: it costs others one needless wake-up at most.
 * tests/lib/test_killstorm.c checks all this under random kills. */
mp_queue *mp_queue_new(size_t capacity_bytes);
/* Copies len bytes in. Blocks while full. 0 | -ETIMEDOUT | -EMSGSIZE (item
 * larger than the capacity) | -EINVAL. */
int mp_queue_put(mp_queue *q, const void *item, size_t len, double timeout);
/* Takes the oldest item. Its length | -ETIMEDOUT | -EMSGSIZE (cap too small:
 * the item stays at the head) | -EINVAL. */
ssize_t mp_queue_get(mp_queue *q, void *buf, size_t cap, double timeout);
/* Exact number of items inside now. */
size_t mp_queue_qsize(mp_queue *q);
/* True when no item is inside (a snapshot: another process may put next). */
bool mp_queue_empty(mp_queue *q);
/* True when not even an empty item fits now. */
bool mp_queue_full(mp_queue *q);
/* Length of the item at the head, without taking it (e.g. after -EMSGSIZE).
 * Its length | -EAGAIN (empty) | -EINVAL. */
ssize_t mp_queue_next_len(mp_queue *q);
/* Unmaps the queue in this process. Call it once per process that is done
 * with it (the creator last); items still inside are dropped. */
void mp_queue_free(mp_queue *q);

/* -------------------------------------------------------- pool and results */

typedef struct mp_pool mp_pool;
typedef struct mp_async mp_async;

/* A task reads a fixed-size input record and writes a fixed-size output
 * record; it runs in a worker process (the same program, forked). */
typedef void (*mp_task)(const void *in, void *out);

/* Optional settings for mp_pool_new_ex (zero = default). */
typedef struct mp_pool_opts {
    int nworkers;                  /* 0 = mp_cpu_count() */
    void (*initializer)(void *arg); /* run once in each worker when it starts */
    void *initarg;
    int maxtasksperchild;          /* replace a worker after N tasks; 0 = never */
} mp_pool_opts;

/* Pool(n): n worker processes ("PoolWorker-1" ...) forked at once
 * (0 = mp_cpu_count()). NULL + EINVAL when n < 0 or n > 1024.
 * Only the process that made the pool drives it: in a child forked later,
 * submissions and close/join/terminate return -EINVAL (NULL) and
 * mp_pool_free only drops the child's copy.
 * When a worker exits, crashes or is killed while running a task, that
 * task fails with -ECHILD (its exit code or -signal in mp_async_exitcode),
 * the worker is replaced and every other task still completes: the pool
 * never hangs. A caller blocked in get() learns of it within 0.1 s.
 * Workers die with the thread that forked them (PR_SET_PDEATHSIG), so no
 * worker outlives a crashed parent: drive a pool from one long-lived thread. */
mp_pool *mp_pool_new(int nworkers);
mp_pool *mp_pool_new_ex(const mp_pool_opts *opts);
/* apply(f, (x,)): runs f(in, out) in a worker and waits. 0 | -ECHILD (the
 * worker died running it) | -EINVAL. */
int mp_pool_apply(mp_pool *p, mp_task f, const void *in, size_t in_size, void *out, size_t out_size);
/* apply_async: returns at once; the result is fetched with mp_async_get. */
mp_async *mp_pool_apply_async(mp_pool *p, mp_task f, const void *in, size_t in_size, size_t out_size);
/* map(f, in[0..n)): out[i] = f(in[i]), in input order, chunksize chosen like
 * Python's (ceil(n / (4 * workers))). 0 | -ECHILD | -EINVAL. A starmap is a
 * map over a struct record. After -ECHILD only the chunk whose worker died
 * is missing: the other chunks ran and their items are in out (the dead
 * chunk's items are unspecified; map_async's get copies nothing). Any n works (a very large map runs in
 * pieces). _chunked: chunksize >= 1, else -EINVAL. The _async forms hold
 * all records in the pool's arena at once: up to 256 MiB (NULL + ENOMEM). */
int mp_pool_map(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, void *out, size_t out_size);
int mp_pool_map_chunked(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, void *out,
                        size_t out_size, size_t chunksize);
mp_async *mp_pool_map_async(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size, size_t out_size);
mp_async *mp_pool_map_async_chunked(mp_pool *p, mp_task f, const void *in, size_t n, size_t in_size,
                                    size_t out_size, size_t chunksize);
/* ready(): never blocks; each call is cheap (and traced as a poll). */
bool mp_async_ready(mp_async *r);
/* wait(timeout): 0 when ready | -ETIMEDOUT. */
int mp_async_wait(mp_async *r, double timeout);
/* get(timeout): copies the result (n * out_size bytes for a map) into out.
 * 0 | -ETIMEDOUT (the task goes on; a later get can succeed) | -ECHILD (a
 * worker died running it: see mp_async_exitcode) | -ESHUTDOWN (the pool
 * was terminated or freed before it finished) | -EINVAL. A result can be
 * fetched again; it stays valid after the pool is freed. */
int mp_async_get(mp_async *r, void *out, double timeout);
/* successful(): true when ready without error. False before it is ready. */
bool mp_async_successful(mp_async *r);
/* The error of a ready result (0 or e.g. -ECHILD), -EAGAIN while not ready. */
int mp_async_error(mp_async *r);
/* When a worker died running the task: its exit code or -signal; else MP_EXIT_NONE. */
int mp_async_exitcode(mp_async *r);
void mp_async_free(mp_async *r);
/* Number of workers; fills out[0..min(n,cap)) with their pids. */
int mp_pool_worker_pids(mp_pool *p, pid_t *out, int cap);
/* close(): no new tasks (submitting after it: -EINVAL, or NULL + EINVAL).
 * join(): waits for the queued tasks and the workers (-EINVAL before close
 * or terminate). terminate(): SIGKILLs the workers at once, even in the
 * middle of a task, and reaps them; unfinished results fail with
 * -ESHUTDOWN. */
int mp_pool_close(mp_pool *p);
int mp_pool_join(mp_pool *p);
int mp_pool_terminate(mp_pool *p);
/* Terminates if needed (an idle pool's workers are first asked to leave,
 * so they exit 0), reaps every worker, frees the shared memory. A result
 * freed while its task runs is safe: the slot is released when it ends. */
void mp_pool_free(mp_pool *p);

/* ----------------------------------------------------------------- manager */

typedef struct mp_manager mp_manager;
typedef struct mp_dict mp_dict;
typedef struct mp_list mp_list;

/* Manager(): forks a server process ("SyncManager") that owns named dicts,
 * lists and values; this process and any child forked after talk to it over
 * a Unix socket in a private directory (mkdtemp, 0700; socket 0600),
 * removed at shutdown. NULL + errno on failure.
 *
 * How it behaves (all managers):
 *  - Every proxy call is one request and one reply, applied by the server
 *    one at a time, so each call is atomic (mp_dict_add_int makes
 *    d[k] += 1 safe from many processes). Only data crosses the socket:
 *    length-prefixed frames of typed values (int64, double, text, bytes),
 *    at most 16 MiB each; a bigger value gives -EMSGSIZE.
 *  - Each process gets its own connection: a proxy used in a child forked
 *    after it was made notices the new pid and reconnects by itself. A
 *    handle is for one thread at a time.
 *  - When the server dies, calls fail at once with -EPIPE or -ECONNRESET
 *    (then keep failing); a server that stops answering fails a call with
 *    -ETIMEDOUT after 30 s. SIGPIPE is never raised.
 *  - The server holds up to 1024 connections (fewer when the descriptor
 *    limit is low). When it is full it says so: a call (or connect) fails
 *    with -EBUSY, "too many clients", and the next call tries again.
 *  - A connection whose frame stops arriving (no byte for 2 s, or not
 *    whole within 5 s + 1 s per MiB), or that leaves its replies unread
 *    for 10 s, is closed; only that connection is affected.
 *  - A client killed (even SIGKILL) mid-call loses only that call: the
 *    server applied its request whole or not at all, and drops the
 *    connection; every other client and every acknowledged change stay.
 *  - The server exits (removing its socket) on shutdown, on SIGTERM/SIGINT,
 *    and when the process that started it dies: nothing is left behind.
 *    Only SIGKILL to both owner and server at once leaves the directory;
 *    the next mp_manager_start of the same user removes it (once it is
 *    10 s old and nothing listens on its socket). */
mp_manager *mp_manager_start(void);
/* A manager shareable over TCP: serves on host:port (host NULL =
 * "127.0.0.1"; port 0 picks a free one, see mp_manager_port) and requires
 * authkey (a non-empty string) from every client: the server sends a random
 * challenge (getrandom) that the client answers with HMAC-SHA256(key, it),
 * then the client challenges the server the same way, as Python 3.12's
 * multiprocessing.connection does; digests are compared in constant time,
 * each handshake message is at most 256 bytes and the whole handshake must
 * end within 2 s. A client with a wrong key is refused; the others go on.
 * Strangers cannot crowd out key holders: at most a quarter of the server's
 * connections may be unauthenticated, at most 128 of them from one address
 * (IPv6: one /64); past that the oldest of that address (or of the address
 * with the most) is told "too many clients" and closed, so a client that
 * answers its challenge at once gets in. A client told so retries for up
 * to 5 s before connect (or a call) fails with -EBUSY.
 * This process (and its children) use the manager through TCP too.
 * libcrypto (HMAC) is loaded here, on first use: a program that never makes
 * a TCP manager does not map it (nor copy it at each fork).
 * NULL + errno (EINVAL: bad port or empty key; ELIBACC: no libcrypto.so.3;
 * EADDRINUSE ...). */
mp_manager *mp_manager_listen(const char *host, int port, const char *authkey);
/* Connects to a manager served by another program (or process) with
 * mp_manager_listen. NULL + errno (EACCES: wrong key, or a server that
 * could not prove it knows the key; EBUSY: too many clients for 5 s;
 * ECONNREFUSED; ETIMEDOUT; EINVAL). */
mp_manager *mp_manager_connect(const char *host, int port, const char *authkey);
/* The TCP port actually bound (listen) or connected to; 0 for a local one. */
int mp_manager_port(const mp_manager *m);
/* The server's pid (0 for a manager reached with connect). */
pid_t mp_manager_pid(const mp_manager *m);
/* The Unix socket of a local manager (mp_manager_start), NULL for a TCP
 * one. It lives in a private directory (mode 0700, socket 0600), so no
 * other user can connect and the local manager skips the HMAC handshake;
 * shutdown (or the server, when its parent dies) removes both. */
const char *mp_manager_socket_path(const mp_manager *m);
/* Stops the server (when this process started it), reaps it, removes its
 * socket and frees m; for a connected manager, disconnects and frees m.
 * Proxies made from m then fail with -ESHUTDOWN and must still be freed. */
void mp_manager_shutdown(mp_manager *m);

/* manager.dict(): a proxy to the dict called name on the server (created
 * when absent; the same name gives the same dict, in any process). Keys are
 * text; values int64, double, text or bytes, in insertion order as in
 * Python. Each process may use the proxy; a child forked after gets its own
 * connection transparently. NULL + errno (EINVAL: NULL or empty name;
 * ESHUTDOWN; EPIPE ...). Every call below returns -EINVAL for a NULL
 * proxy or key, and -ESHUTDOWN after mp_manager_shutdown. */
mp_dict *mp_manager_dict(mp_manager *m, const char *name);
int mp_dict_set_int(mp_dict *d, const char *key, int64_t v);
int mp_dict_set_double(mp_dict *d, const char *key, double v);
int mp_dict_set_str(mp_dict *d, const char *key, const char *v);
int mp_dict_set_bytes(mp_dict *d, const char *key, const void *v, size_t len);
/* 0 | -ENOENT (absent) | -EINVAL (other type; ints convert to double). */
int mp_dict_get_int(mp_dict *d, const char *key, int64_t *v);
int mp_dict_get_double(mp_dict *d, const char *key, double *v);
/* Length | -ENOENT | -EMSGSIZE. A string is NUL-terminated in buf. */
ssize_t mp_dict_get_str(mp_dict *d, const char *key, char *buf, size_t cap);
ssize_t mp_dict_get_bytes(mp_dict *d, const char *key, void *buf, size_t cap);
/* Atomic on the server: d[key] += delta (absent counts as 0); the new value
 * in *out when out is not NULL. */
int mp_dict_add_int(mp_dict *d, const char *key, int64_t delta, int64_t *out);
int mp_dict_add_double(mp_dict *d, const char *key, double delta, double *out);
int mp_dict_del(mp_dict *d, const char *key);        /* 0 | -ENOENT */
int mp_dict_contains(mp_dict *d, const char *key);   /* 1 | 0 | -errno */
int mp_dict_len(mp_dict *d);                         /* count | -errno */
int mp_dict_clear(mp_dict *d);
/* Keys in insertion order, each NUL-terminated, one after the other in buf.
 * Number of keys | -EMSGSIZE. */
int mp_dict_keys(mp_dict *d, char *buf, size_t cap);
/* str(d) as Python prints it: "{'Apple': 0.7, 'Orange': 1.2}": floats in
 * Python's shortest repr (1.0, 0.30000000000000004, 1e+16, inf, nan), text
 * in single quotes unless it holds ' and no " (\n \t \\ and controls
 * escaped), bytes as b'...'. Length (without the NUL) | -EMSGSIZE (cap too
 * small, nothing written). */
int mp_dict_format(mp_dict *d, char *buf, size_t cap);
void mp_dict_free(mp_dict *d);                       /* the proxy only */

/* manager.list(): a proxy to the list called name (created when absent).
 * Values are int64, double or string. Indexes follow Python: negative ones
 * count from the end; outside the list -ERANGE. Getters return -EINVAL for
 * another type (an int reads as a double); pop removes nothing then. */
mp_list *mp_manager_list(mp_manager *m, const char *name);
int mp_list_append_int(mp_list *l, int64_t v);
int mp_list_append_double(mp_list *l, double v);
int mp_list_append_str(mp_list *l, const char *v);
int mp_list_get_int(mp_list *l, long index, int64_t *v);   /* negative index from the end; -ERANGE */
int mp_list_get_double(mp_list *l, long index, double *v);
ssize_t mp_list_get_str(mp_list *l, long index, char *buf, size_t cap);
int mp_list_set_int(mp_list *l, long index, int64_t v);
int mp_list_set_double(mp_list *l, long index, double v);
int mp_list_set_str(mp_list *l, long index, const char *v);
int mp_list_pop_int(mp_list *l, long index, int64_t *v);   /* -ERANGE when empty */
int mp_list_len(mp_list *l);
int mp_list_format(mp_list *l, char *buf, size_t cap);     /* "[1, 2.5, 'x']" */
void mp_list_free(mp_list *l);

/* A namespace-like Value on the manager (Python's manager.Value /
 * Namespace attribute): one named slot holding an int64, a double or a
 * string, shared by every process. It holds nothing (None) until set: the
 * getters then return -ENOENT and mp_mvalue_format gives "None".
 * The getters and adders work as the dict's (ints convert to double;
 * mp_mvalue_add_* is atomic on the server). */
typedef struct mp_mvalue mp_mvalue;
mp_mvalue *mp_manager_value(mp_manager *m, const char *name);
int mp_mvalue_set_int(mp_mvalue *v, int64_t x);
int mp_mvalue_set_double(mp_mvalue *v, double x);
int mp_mvalue_set_str(mp_mvalue *v, const char *x);
int mp_mvalue_get_int(mp_mvalue *v, int64_t *out);
int mp_mvalue_get_double(mp_mvalue *v, double *out);
ssize_t mp_mvalue_get_str(mp_mvalue *v, char *buf, size_t cap);
int mp_mvalue_add_int(mp_mvalue *v, int64_t delta, int64_t *out);
int mp_mvalue_add_double(mp_mvalue *v, double delta, double *out);
int mp_mvalue_format(mp_mvalue *v, char *buf, size_t cap); /* repr: 42, 0.5, 'x', None */
void mp_mvalue_free(mp_mvalue *v);                         /* the proxy only */

/* ------------------------------------------------------------------- trace */

/* True when this process reports trace events. */
bool mp_trace_enabled(void);
/* An example's own narration line, shown in the viewer's notes panel (and
 * nowhere when tracing is off). printf-like; long notes are cut. */
void mp_trace_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));


/* ------------------------------------------------------------ call sites */

/* The file and line of the libmp call being made, for trace events and the
 * pending operations of a controlled run ("wants lock 1 at 03-sync.c:24").
 * The macros below set them and call the function of the same name (a
 * macro is not expanded inside itself), so the functions stay callable
 * as such, e.g. through a pointer or as (mp_lock_acquire)(l, t). Define
 * MP_NO_SITE before including mp.h to call the functions directly. */
extern const char *mp__site_file;
extern unsigned mp__site_line;
#if !defined(MP__INTERNAL) && !defined(MP_NO_SITE)
#define MP__SITE (mp__site_file = __FILE__, mp__site_line = __LINE__)
#define mp_process_start(...) (MP__SITE, mp_process_start(__VA_ARGS__))
#define mp_process_join(...) (MP__SITE, mp_process_join(__VA_ARGS__))
#define mp_process_terminate(...) (MP__SITE, mp_process_terminate(__VA_ARGS__))
#define mp_process_kill(...) (MP__SITE, mp_process_kill(__VA_ARGS__))
#define mp_lock_acquire(...) (MP__SITE, mp_lock_acquire(__VA_ARGS__))
#define mp_lock_release(...) (MP__SITE, mp_lock_release(__VA_ARGS__))
#define mp_value_set_i64(...) (MP__SITE, mp_value_set_i64(__VA_ARGS__))
#define mp_value_set_f64(...) (MP__SITE, mp_value_set_f64(__VA_ARGS__))
#define mp_value_get_i64(...) (MP__SITE, mp_value_get_i64(__VA_ARGS__))
#define mp_value_get_f64(...) (MP__SITE, mp_value_get_f64(__VA_ARGS__))
#define mp_array_set_i64(...) (MP__SITE, mp_array_set_i64(__VA_ARGS__))
#define mp_array_set_f64(...) (MP__SITE, mp_array_set_f64(__VA_ARGS__))
#define mp_array_get_i64(...) (MP__SITE, mp_array_get_i64(__VA_ARGS__))
#define mp_array_get_f64(...) (MP__SITE, mp_array_get_f64(__VA_ARGS__))
#define mp_conn_send(...) (MP__SITE, mp_conn_send(__VA_ARGS__))
#define mp_conn_recv(...) (MP__SITE, mp_conn_recv(__VA_ARGS__))
#define mp_conn_poll(...) (MP__SITE, mp_conn_poll(__VA_ARGS__))
#define mp_conn_close(...) (MP__SITE, mp_conn_close(__VA_ARGS__))
#define mp_queue_put(...) (MP__SITE, mp_queue_put(__VA_ARGS__))
#define mp_queue_get(...) (MP__SITE, mp_queue_get(__VA_ARGS__))
#define mp_pool_apply(...) (MP__SITE, mp_pool_apply(__VA_ARGS__))
#define mp_pool_apply_async(...) (MP__SITE, mp_pool_apply_async(__VA_ARGS__))
#define mp_pool_map(...) (MP__SITE, mp_pool_map(__VA_ARGS__))
#define mp_pool_map_chunked(...) (MP__SITE, mp_pool_map_chunked(__VA_ARGS__))
#define mp_pool_map_async(...) (MP__SITE, mp_pool_map_async(__VA_ARGS__))
#define mp_pool_map_async_chunked(...) (MP__SITE, mp_pool_map_async_chunked(__VA_ARGS__))
#define mp_async_ready(...) (MP__SITE, mp_async_ready(__VA_ARGS__))
#define mp_async_wait(...) (MP__SITE, mp_async_wait(__VA_ARGS__))
#define mp_async_get(...) (MP__SITE, mp_async_get(__VA_ARGS__))
#define mp_pool_close(...) (MP__SITE, mp_pool_close(__VA_ARGS__))
#define mp_pool_join(...) (MP__SITE, mp_pool_join(__VA_ARGS__))
#define mp_pool_terminate(...) (MP__SITE, mp_pool_terminate(__VA_ARGS__))
#define mp_pool_free(...) (MP__SITE, mp_pool_free(__VA_ARGS__))
#define mp_dict_set_int(...) (MP__SITE, mp_dict_set_int(__VA_ARGS__))
#define mp_dict_set_double(...) (MP__SITE, mp_dict_set_double(__VA_ARGS__))
#define mp_dict_set_str(...) (MP__SITE, mp_dict_set_str(__VA_ARGS__))
#define mp_dict_get_int(...) (MP__SITE, mp_dict_get_int(__VA_ARGS__))
#define mp_dict_get_double(...) (MP__SITE, mp_dict_get_double(__VA_ARGS__))
#define mp_dict_get_str(...) (MP__SITE, mp_dict_get_str(__VA_ARGS__))
#define mp_dict_add_int(...) (MP__SITE, mp_dict_add_int(__VA_ARGS__))
#define mp_dict_len(...) (MP__SITE, mp_dict_len(__VA_ARGS__))
#define mp_dict_format(...) (MP__SITE, mp_dict_format(__VA_ARGS__))
#define mp_list_append_int(...) (MP__SITE, mp_list_append_int(__VA_ARGS__))
#define mp_list_get_int(...) (MP__SITE, mp_list_get_int(__VA_ARGS__))
#define mp_list_len(...) (MP__SITE, mp_list_len(__VA_ARGS__))
#define mp_mvalue_set_int(...) (MP__SITE, mp_mvalue_set_int(__VA_ARGS__))
#define mp_mvalue_get_int(...) (MP__SITE, mp_mvalue_get_int(__VA_ARGS__))
#define mp_mvalue_add_int(...) (MP__SITE, mp_mvalue_add_int(__VA_ARGS__))
#define mp_trace_note(...) (MP__SITE, mp_trace_note(__VA_ARGS__))
#endif

#ifdef __cplusplus
}
#endif
#endif /* MP_H */
