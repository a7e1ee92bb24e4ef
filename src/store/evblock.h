/* The event-block codec (docs/store.md "Event blocks"): a block of events of one topic in
 * memory, encoded to and decoded from the bytes of an event_block row. Pure: no SQL, no
 * store. events.c writes and reads the rows, postings.c indexes them.
 *
 * A block's data, little-endian:
 *   u32 version (1), u32 n,
 *   u32 subject[n], i32 day[n], i64 amount[n] (INT64_MIN = none), i64 h[n],
 *   u32 attrs_end[n] (end offset of attrs i in the bytes that follow; empty = none),
 *   then, in version 2, the block's attribute names: u32 count, each u16 length + bytes,
 *   then the attrs bytes.
 * In version 1 an event's attrs bytes are its JSON object. In version 2 an object of string
 * values whose names are the block's names in order is stored as u32 mask (which names it
 * has) + each value as varint length + its JSON-escaped text; anything else as 0xFFFFFFFF +
 * the JSON. The names, repeated in every event, were half of the bytes of a block. Readers
 * give back the JSON, byte for byte.
 * The subject column comes first so a reader that needs only subjects reads the head. */
#ifndef CRISK_STORE_EVBLOCK_H
#define CRISK_STORE_EVBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "crisk/store.h"

#define CR__EVBLOCK_EVENTS 512
#define CR__EVBLOCK_NAMES 32

/* The block being filled. */
struct cr_evblock {
    int64_t topic;
    uint32_t n;
    int32_t day_min, day_max;
    uint32_t subject[CR__EVBLOCK_EVENTS];
    int32_t day[CR__EVBLOCK_EVENTS];
    int64_t amount[CR__EVBLOCK_EVENTS];
    int64_t h[CR__EVBLOCK_EVENTS];
    uint32_t attrs_end[CR__EVBLOCK_EVENTS];
    char *attrs;
    size_t attrs_cap;
    char *names[CR__EVBLOCK_NAMES]; /* the block's attribute names, JSON-escaped */
    size_t name_len[CR__EVBLOCK_NAMES], n_names, names_bytes;
    unsigned char *enc;
    size_t enc_cap;
};

/* NULL when out of memory; cr__evblock_free frees it. */
struct cr_evblock *cr__evblock_new(void);
void cr__evblock_free(struct cr_evblock *b);
/* Empties b (after it was written, or to discard it). */
void cr__evblock_clear(struct cr_evblock *b);
/* 1 when b holds events and e cannot join them (another topic, or b is full): write b
 * first. */
int cr__evblock_full(const struct cr_evblock *b, const struct cr_event_row *e);
/* Appends e (its subject within u32) to b, which has room (cr__evblock_full said 0). */
cr_err cr__evblock_add(struct cr_evblock *b, const struct cr_event_row *e) CR_MUST_USE;
/* The data of b's row: *out (owned by b, valid until the next change of b) and its length. */
cr_err cr__evblock_encode(struct cr_evblock *b, const unsigned char **out, size_t *len) CR_MUST_USE;

/* A decoded view of one block's data; pointers into the blob. */
struct cr_evview {
    uint32_t version, n;
    const unsigned char *subject, *day, *amount, *h, *attrs_end, *attrs;
    size_t attrs_len;
    const unsigned char *name[CR__EVBLOCK_NAMES];
    uint16_t name_len[CR__EVBLOCK_NAMES];
    uint32_t n_names;
};

/* Where an event's JSON is rebuilt from its packed form. */
struct cr_jbuf {
    char *p;
    size_t cap;
};

/* -1 when p[0..len) is not a block. */
int cr__evview_of(const unsigned char *p, size_t len, struct cr_evview *v);
/* Event i of the block; its attrs (rebuilt in j when packed) are valid until the next call.
 * j NULL: without attrs. -1 when damaged or out of memory. */
int cr__evview_row(const struct cr_evview *v, int64_t topic, uint32_t i, struct cr_event_row *e,
                   struct cr_jbuf *j);
uint32_t cr__evview_subject(const struct cr_evview *v, uint32_t i);
int64_t cr__evview_h(const struct cr_evview *v, uint32_t i);

/* Varint (LEB128): writes v at p (10 bytes at most), returns the bytes written. */
size_t cr__varint_put(unsigned char *p, uint64_t v);
/* Reads a varint at *p before end into *v and moves *p past it; -1 when malformed. */
int cr__varint_get(const unsigned char **p, const unsigned char *end, uint64_t *v);

#endif
