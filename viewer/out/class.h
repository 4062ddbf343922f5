/*
 * class.h — the workshop class board: `forklab class serve|join|leave|sync|export`.
 *
 * The instructor's server speaks libmp's manager wire (lib/frame.h frames,
 * the HMAC challenge both ways of lib/manager_wire.c) with its own small
 * set of requests, because the board needs what the manager's dict cannot
 * give: each student writes only their own row. A request is
 *     int op, str name, str token, arguments...
 * and a reply  int status (0 | -errno), values... .
 *
 *   CLS_JOIN    name, token ("" the first time)  -> name, token issued
 *   CLS_RESULT  name, token, exercise, int points, int max, str status, int at
 *   CLS_WHERE   name, token, lesson, int slide, int at
 *   CLS_SHOW    "", presenter token, lesson, int page, int pages  (present.h)
 *   CLS_FOLLOW  name, token -> lesson, int page, int pages, int seq
 *
 * Every text that reaches the board is cut to CLASS_TEXT_MAX bytes and
 * stripped to printable ASCII (class_clean), so nothing a student sends
 * can move the instructor's cursor or set their terminal's title.
 */
#ifndef FORKLAB_CLASS_H
#define FORKLAB_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLASS_TEXT_MAX 40        /* bytes of a name, exercise, status or lesson */
#define CLASS_TOKEN_LEN 32       /* hex digits of an identity issued at join */
#define CLASS_FRAME_MAX 1024u    /* payload bytes of a request or reply */
#define CLASS_KEY_MAX 256        /* bytes of a key */
#define CLASS_MAX_STUDENTS 1000
#define CLASS_MAX_EXERCISES 32   /* results kept per student */
#define CLASS_IO_TIMEOUT 5.0     /* seconds for a client's connect, handshake or call */

enum class_op { CLS_JOIN = 1, CLS_RESULT = 2, CLS_WHERE = 3, CLS_SHOW = 4, CLS_FOLLOW = 5 };

/* Copies src[0..n) into dst as printable ASCII: other bytes become '?',
 * the text is cut to CLASS_TEXT_MAX and cap - 1. Returns its length. */
size_t class_clean(char *dst, size_t cap, const void *src, size_t n);

/* A join code: CLASS_CODE_DIGITS random base32 digits (120 bits) in
 * groups of four, e.g. 7K3Q-MX0B-...: what `class serve` generates as the
 * class key when it is given none, short enough to read off a projector
 * and type. The key is the code's text, so a key file holding it and the
 * same code typed are the same key. */
#define CLASS_CODE_DIGITS 24
#define CLASS_CODE_LEN (CLASS_CODE_DIGITS + CLASS_CODE_DIGITS / 4 - 1)
/* A new code (cap > CLASS_CODE_LEN). 0 | -errno */
int class_new_code(char *out, size_t cap);
/* text as a code in its canonical form: upper case, dashes every four,
 * O read as 0 and I, L as 1; spaces and dashes typed are ignored.
 * 0 | -EINVAL (not a code) | -ENOSPC */
int class_code_canon(const char *text, size_t n, char *out, size_t cap);
/* The key a text gives: a join code in its canonical form, any other text
 * as it is (trailing white space dropped). 0 | -EINVAL (empty or too long) */
int class_key_from_text(const char *text, size_t n, uint8_t *key, size_t *len);
/* Reads a key file (class_key_from_text of its contents). 0 | -errno | -EINVAL */
int class_read_key(const char *path, uint8_t *key, size_t *len);
/* 32 random bytes as 64 hex digits (+ NUL). 0 | -errno */
int class_random_hex(char *out, size_t hexdigits);

/* Splits "HOST:PORT" ("[::1]:PORT" too). 0 | -EINVAL */
int class_split_addr(const char *hostport, char *host, size_t cap, char *port, size_t pcap);

/* ---- client (class_client.c) */
/* Connects and runs the handshake. fd | -EACCES (wrong key) | -ECONNREFUSED | -ETIMEDOUT | -errno */
int class_connect(const char *hostport, const uint8_t *key, size_t keylen);
/* One request (payload p[0..n)) and its reply; *status = the reply's
 * status; the reply's values are copied into vals (texts as C strings in
 * strs[k], at most 2). 0 | -errno (the connection is then unusable) */
int class_call(int fd, const void *p, size_t n, int64_t *status, char strs[2][CLASS_TEXT_MAX + 1]);

struct grade_result;
/* Queues one grade result for the class board (when this student joined
 * one) and sends what is queued. Silent: grading must not fail because
 * the board is away; what is not sent now is sent next time. */
void class_report(const struct grade_result *r);
/* Sends what is queued. Number still queued | -errno */
int class_flush(bool verbose);

/* The student's class, as joined (class_client.c): server, name, token, key.
 * 0 | -ENOENT (not in a class) | -EINVAL (damaged) */
int class_joined_identity(char *server, size_t scap, char name[CLASS_TEXT_MAX + 1], char token[CLASS_TEXT_MAX + 1],
                          uint8_t key[CLASS_KEY_MAX], size_t *keylen);
/* The server's state directory when none is given (--state). */
void class_server_state(char *buf, size_t cap);

/* Reports the lesson and slide this student is on. 0 | -errno */
int class_send_where(const char *lesson, int slide);
/* Results wait in the outbox. */
bool class_outbox_pending(void);
/* This student joined a class (and its state is whole). */
bool class_joined(void);

/* ---- the background sender (class_agent.c)
 * A child process of the viewer or of `forklab watch`, started when the
 * student joined a class, so that neither ever waits on the network: it
 * sends the queued results again with a growing delay (1 s doubling up to
 * CLASS_RETRY_MAX) until the board acknowledges them, and the lesson and
 * slide the viewer reports, at most one report every CLASS_WHERE_EVERY
 * seconds (the latest wins). It ends when its parent closes the pipe or
 * dies (PR_SET_PDEATHSIG), so nothing outlives the viewer. */
#define CLASS_RETRY_MAX 8.0
#define CLASS_WHERE_EVERY 1.0
/* 1 started | 0 not in a class | -errno */
int class_agent_start(void);
/* Where the student is (slide counts from 1); repeats are not sent. Starts
 * the sender first when the student joined after it was looked for. Never
 * blocks. */
void class_agent_where(const char *lesson, int slide);
/* Closes the pipe and reaps the child (killed if it lingers). */
void class_agent_stop(void);

/* ---- the commands (class_client.c, class_server.c) */
/* What the board's screen (viewer/ui/view_board.c) is given by `class serve`. */
struct class_board_ui {
    const char *state; /* the board's directory: board.log */
    const char *addr;  /* where the server listens */
    const char *code;  /* the join code; "" when the key came from --key-file */
    int notify_fd;     /* a byte when the board changed; end of file: the server stopped */
};
/* board_ui: the full-screen board (given by main.c, so that this stage
 * does not call the UI); NULL allows --headless only. */
int class_serve(int argc, char **argv, int (*board_ui)(const struct class_board_ui *));
int class_export(int argc, char **argv);
int cmd_class(int argc, char **argv, int (*board_ui)(const struct class_board_ui *));

#endif
