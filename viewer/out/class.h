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

/* Reads a key file (trailing white space dropped). 0 | -errno | -EINVAL (empty or too long) */
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

/* ---- the commands (class_cmd.c, class_server.c) */
int class_serve(int argc, char **argv);
int class_export(int argc, char **argv);
int cmd_class(int argc, char **argv);

#endif
