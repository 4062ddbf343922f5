/*
 * frame.h — the manager's wire format, Python-style repr of its values,
 * and the server's data store (private to lib/ and the fuzzer).
 *
 * A frame is a big-endian u32 payload length followed by the payload; a
 * payload longer than MP__FRAME_MAX is refused before anything is read into
 * memory. A payload is a sequence of typed values, each a tag byte then its
 * data:
 *
 *     'n'                       None
 *     'i'  8 bytes              int64, big-endian two's complement
 *     'd'  8 bytes              IEEE-754 double bits, big-endian
 *     's'  u32 length + bytes   text (no NUL byte inside)
 *     'b'  u32 length + bytes   bytes
 *
 * Only data crosses the wire: never a pointer, a function or a raw struct.
 * A request is  int op, str name, arguments...;  a reply is  int status
 * (>= 0 or -errno), values... . The decoder checks every length against the
 * bytes actually present, so it can be fed anything (tests/fuzz/fuzz_frame.c).
 */
#ifndef MP_FRAME_H
#define MP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MP__FRAME_HDR 4u
#define MP__FRAME_MAX (16u << 20)  /* payload bytes of a request or reply */
#define MP__HANDSHAKE_MAX 256u     /* payload bytes of a handshake message */

enum mp__tag {
    MP__T_NONE = 'n',
    MP__T_INT = 'i',
    MP__T_DOUBLE = 'd',
    MP__T_STR = 's',
    MP__T_BYTES = 'b',
};

/* One value. For 's' and 'b', p/len point into the frame it was decoded
 * from (or into storage the holder owns). */
typedef struct mp__val {
    uint8_t tag;
    int64_t i;
    double d;
    const uint8_t *p;
    uint32_t len;
} mp__val;

/* ---- growable output buffer; oom is sticky so encoders need not check
 * every call: mp__frame_end reports it once. */
typedef struct mp__buf {
    uint8_t *data;
    size_t len, cap;
    bool oom;    /* an allocation failed */
    bool toobig; /* a value longer than a frame was added */
} mp__buf;

void mp__buf_free(mp__buf *b);
void mp__buf_reset(mp__buf *b);
void mp__buf_put(mp__buf *b, const void *p, size_t n);
/* Room for at least n more bytes at data + len (the caller then adds what
 * it wrote to len); NULL when out of memory. */
uint8_t *mp__buf_space(mp__buf *b, size_t n);
/* Capacity for exactly `total` bytes in all (when it has less), for a
 * buffer whose final size is known: no doubling past it. 0 | -ENOMEM */
int mp__buf_reserve_total(mp__buf *b, size_t total);
/* Drops the first n bytes (data already sent or parsed). */
void mp__buf_consume(mp__buf *b, size_t n);

void mp__enc_none(mp__buf *b);
void mp__enc_int(mp__buf *b, int64_t v);
void mp__enc_double(mp__buf *b, double v);
void mp__enc_str(mp__buf *b, const char *s, size_t n);
void mp__enc_bytes(mp__buf *b, const void *p, size_t n);
void mp__enc_val(mp__buf *b, const mp__val *v);

/* Starts a frame at the end of b: returns where its header is. */
size_t mp__frame_begin(mp__buf *b);
/* Writes the header of the frame begun at `at`. 0 | -ENOMEM | -EMSGSIZE
 * (payload over max: the frame is removed from b). */
int mp__frame_end(mp__buf *b, size_t at, size_t max);
/* Looks at the bytes received so far: 0 when the frame is not complete
 * yet, 1 when it is (*payload = its length; the frame is 4 + *payload
 * bytes), -EMSGSIZE when the header claims more than max. */
int mp__frame_peek(const uint8_t *buf, size_t have, size_t max, uint32_t *payload);

/* ---- decoder over one payload */
typedef struct mp__dec {
    const uint8_t *p;
    size_t len, pos;
} mp__dec;

void mp__dec_init(mp__dec *d, const void *p, size_t len);
/* 1 and *v | 0 at the end | -EBADMSG (unknown tag, truncated, NUL in text) */
int mp__dec_val(mp__dec *d, mp__val *v);
/* The next value must exist and have this type: 0 | -EBADMSG. */
int mp__dec_int(mp__dec *d, int64_t *out);
int mp__dec_str(mp__dec *d, mp__val *v);
/* Any value but None: 0 | -EBADMSG. */
int mp__dec_data(mp__dec *d, mp__val *v);
bool mp__dec_at_end(const mp__dec *d);

/* ---- Python's repr() of a value, appended to b (pyrepr.c) */
void mp__repr_val(mp__buf *b, const mp__val *v);
/* Shortest text that strtod reads back as x, laid out as Python's repr. */
void mp__repr_double(mp__buf *b, double x);
void mp__repr_str(mp__buf *b, const uint8_t *s, size_t n);
void mp__repr_bytes(mp__buf *b, const uint8_t *s, size_t n);

/* ---- the manager server's data (manager.c): pure, no I/O, so the fuzzer
 * can drive it with any request. */
typedef struct mp__store mp__store;
mp__store *mp__store_new(void);
void mp__store_free(mp__store *s);
/* Runs one request payload and appends the reply frame to out.
 * 0 | -EBADMSG (malformed: the caller closes the connection; an error
 * reply was still appended) | -ENOMEM. */
int mp__store_handle(mp__store *s, const uint8_t *req, size_t len, mp__buf *out);

#endif
