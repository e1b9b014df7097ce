/* arena.c - bump allocator. */
#include "pw_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct pw_arena_chunk {
	struct pw_arena_chunk *next;
	size_t size;
	size_t used;
	alignas(16) unsigned char data[];
};

#define ARENA_MIN_CHUNK ((size_t)64 * 1024)

void pw_arena_init(struct pw_arena *a)
{
	a->head = NULL;
	a->chunk_size = ARENA_MIN_CHUNK;
}

void pw_arena_free(struct pw_arena *a)
{
	struct pw_arena_chunk *c = a->head;
	while (c) {
		struct pw_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}

void *pw_arena_alloc(struct pw_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (n == 0)
		n = 16;
	struct pw_arena_chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = a->chunk_size ? a->chunk_size : ARENA_MIN_CHUNK;
		if (n > size)
			size = n;
		if (size > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

char *pw_arena_blobdup(struct pw_arena *a, struct pw_blob b)
{
	char *p = pw_arena_alloc(a, b.len + 1);
	if (!p)
		return NULL;
	if (b.len)
		memcpy(p, b.ptr, b.len);
	p[b.len] = '\0';
	return p;
}

char *pw_arena_strdup(struct pw_arena *a, const char *s)
{
	return pw_arena_blobdup(a, pw_blob_cstr(s));
}
