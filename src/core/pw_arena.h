/* pw_arena.h - bump allocator: many small allocations, one free.
 *
 * An inventory or one import allocates its strings here, so releasing it is
 * a single pw_arena_free() (apk-tools' balloc). Memory is not zeroed.
 */
#ifndef PW_ARENA_H
#define PW_ARENA_H

#include <stddef.h>

#include "pw_blob.h"

struct pw_arena_chunk;

struct pw_arena {
	struct pw_arena_chunk *head;
	size_t chunk_size;
};

#define PW_ARENA_INIT { NULL, 0 }

void pw_arena_init(struct pw_arena *a);
void pw_arena_free(struct pw_arena *a);
/* 16-byte aligned; NULL on ENOMEM. Owned by the arena. */
void *pw_arena_alloc(struct pw_arena *a, size_t n);
/* NUL-terminated copies owned by the arena; NULL on ENOMEM. */
char *pw_arena_strdup(struct pw_arena *a, const char *s);
char *pw_arena_blobdup(struct pw_arena *a, struct pw_blob b);

#endif
