/* alpine_secdb.c - Alpine's security database (secdb.alpinelinux.org), in
 * today's JSON and in the older YAML files, which have the same structure:
 *
 *   distroversion: v3.11
 *   reponame: main
 *   packages:
 *     - pkg:
 *         name: openssl
 *         secfixes:
 *           1.1.1g-r0:
 *             - CVE-2020-1967
 *           "0":
 *             - CVE-2019-0001 (a comment)
 *
 * One record per (release, repository, package), id "v3.11/main/openssl"
 * ("edge/main/openssl"), also for a package whose secfixes are empty or
 * unusable: the record then says "nothing here", which replaces what an
 * earlier import said. Each CVE under a secfix version is PW_AFFECT_FIXED
 * at that version; Alpine writes "0" (or "0-r0") for a CVE that never
 * affected its package: PW_AFFECT_NOT_AFFECTED. A version with no
 * references ({}, [] or nothing) is an empty fix entry. A version apk-tools
 * would refuse ("10.2.26.r0", "4.10-1-r1": typos in the real files) cannot
 * be compared with anything and is skipped with its reason.
 *
 * A reference is text: "CVE-2017-8903 XSA-213", "CVE-2018-14469 (IKEv1)".
 * Only well-formed CVE ids are kept; every other token (XSA-, TALOS-,
 * "CVE-2017-8073.patch", "CVE_2019-2426") and every parenthesised comment is
 * skipped with its reason, never dropped silently.
 *
 * Both formats are read into one small tree (struct ynode) that one walker
 * turns into records, so the same content gives the same records whichever
 * format it came in. The YAML reader is written here for exactly the subset
 * secdb uses, not a YAML library: block mappings and sequences by
 * indentation (spaces), "key: value", "- item" (also "- key: value" and a
 * sequence at its key's indentation), plain, 'single' and "double" quoted
 * scalars on one line, "{}" and "[]", comments, one "---" document. Anything
 * else (tabs in indentation, anchors, aliases, tags, block scalars,
 * multi-line scalars, flow collections with contents) is PW_ERR_PARSE
 * naming file:line. Problems of the whole file (no distroversion, packages
 * not a list) are PW_ERR_PARSE naming file:line for YAML, or the JSON path.
 *
 * Memory: the tree is arena-allocated and capped at NODES_MAX values (a
 * real secdb file has a few thousand to a few tens of thousands), each
 * package at ENTRIES_MAX entries; per-package arrays are reused.
 */
#include "pw_feeds.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_arena.h"
#include "pw_distro.h"

#define NODES_MAX ((size_t)1 << 20)
#define DEPTH_MAX 32
#define ENTRIES_MAX ((size_t)1 << 20) /* per package; the largest real one has 140 */

enum ykind {
	Y_NULL,   /* empty value, "~", "null" */
	Y_SCALAR, /* a string */
	Y_OTHER,  /* a JSON number or boolean */
	Y_MAP,
	Y_SEQ,
};

struct ynode {
	enum ykind kind;
	size_t line;          /* YAML line, 0 for JSON */
	const char *key;      /* as a member of a mapping */
	const char *str;      /* Y_SCALAR */
	struct ynode *child, *last, *next;
};

/* an entry and where it stood, for sorting without losing the order */
struct ranked {
	const char *cve, *fixed; /* fixed "" for "never affected" */
	size_t i;
};

struct ctx {
	const char *name;
	const struct pw_feed_sink *sink;
	struct pw_arena arena;
	size_t nodes;
	bool json;
	/* per package, reused */
	struct ranked *rank;
	size_t cap_rank;
	unsigned char *mark;
	size_t cap_mark;
	struct pw_vuln *vulns;
	size_t nvulns, cap_vulns;
	struct pw_affected *affected;
	size_t naffected, cap_affected;
};

static void skip(const struct ctx *c, const char *reason)
{
	if (c->sink->skip)
		c->sink->skip(c->sink->ctx, reason);
}

static pw_err nomem(struct pw_error *e)
{
	return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
}

static struct ynode *node_new(struct ctx *c, enum ykind kind, size_t line)
{
	if (c->nodes >= NODES_MAX)
		return NULL;
	struct ynode *n = pw_arena_alloc(&c->arena, sizeof(*n));
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = line;
	c->nodes++;
	return n;
}

/* NULL from node_new: the cap or memory */
static pw_err node_error(const struct ctx *c, struct pw_error *e)
{
	if (c->nodes >= NODES_MAX)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: more than %zu values", c->name, NODES_MAX);
	return nomem(e);
}

static void append(struct ynode *parent, struct ynode *child)
{
	if (parent->last)
		parent->last->next = child;
	else
		parent->child = child;
	parent->last = child;
}

static const struct ynode *member(const struct ynode *map, const char *key)
{
	if (!map || map->kind != Y_MAP)
		return NULL;
	for (const struct ynode *n = map->child; n; n = n->next) {
		if (strcmp(n->key, key) == 0)
			return n;
	}
	return NULL;
}

/* ---- JSON into the tree ---- */

static pw_err from_json(struct ctx *c, const json_t *j, int depth, struct ynode **out,
			struct pw_error *e)
{
	enum ykind kind = json_is_object(j) ? Y_MAP : json_is_array(j) ? Y_SEQ :
			  json_is_string(j) ? Y_SCALAR : json_is_null(j) ? Y_NULL : Y_OTHER;
	struct ynode *n = node_new(c, kind, 0);
	if (!n)
		return node_error(c, e);
	if (depth > DEPTH_MAX)
		return pw_error_set(e, PW_ERR_PARSE, "%s: JSON nested deeper than %d levels", c->name,
				    DEPTH_MAX);
	*out = n;
	pw_err rc = PW_OK;
	if (kind == Y_SCALAR) {
		if (!(n->str = pw_arena_strdup(&c->arena, json_string_value(j))))
			return nomem(e);
	} else if (kind == Y_MAP) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)j, k, v) {
			struct ynode *child;
			if ((rc = from_json(c, v, depth + 1, &child, e)))
				return rc;
			if (!(child->key = pw_arena_strdup(&c->arena, k)))
				return nomem(e);
			append(n, child);
		}
	} else if (kind == Y_SEQ) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) {
			struct ynode *child;
			if ((rc = from_json(c, v, depth + 1, &child, e)))
				return rc;
			append(n, child);
		}
	}
	return rc;
}

static pw_err parse_json(struct ctx *c, struct pw_blob data, struct ynode **root,
			 struct pw_error *e)
{
	json_error_t je;
	json_t *doc = json_loadb(data.ptr, data.len, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d:%d: %s", c->name, je.line, je.column, je.text);
	pw_err rc = from_json(c, doc, 0, root, e);
	json_decref(doc);
	return rc;
}

/* ---- the YAML subset into the tree ---- */

struct yline {
	size_t indent, lineno;
	struct pw_blob text; /* after the indentation, right-trimmed */
};

struct yaml {
	struct ctx *c;
	struct pw_blob rest;
	size_t lineno;
	bool peeked, started, ended;
	struct yline cur;
	int depth;
	struct pw_error *e;
};

static pw_err yerr(struct yaml *y, size_t line, const char *what)
{
	return pw_error_set(y->e, PW_ERR_PARSE, "%s:%zu: %s", y->c->name, line, what);
}

/* The next line with content (not blank, not only a comment), or false at
 * the end. Errors (tabs, a second document) set *rc. */
static bool peek(struct yaml *y, struct yline **out, pw_err *rc)
{
	*rc = PW_OK;
	if (y->peeked) {
		*out = &y->cur;
		return true;
	}
	struct pw_blob line;
	while (pw_blob_next_line(&y->rest, &line)) {
		y->lineno++;
		size_t ind = 0;
		while (ind < line.len && line.ptr[ind] == ' ')
			ind++;
		struct pw_blob t = pw_blob_trim(pw_blob(line.ptr + ind, line.len - ind));
		if (t.len == 0 || t.ptr[0] == '#')
			continue;
		if (y->ended) {
			*rc = yerr(y, y->lineno, "text after the end of the document ('...')");
			return false;
		}
		if (line.ptr[ind] == '\t') {
			*rc = yerr(y, y->lineno, "tab in indentation (YAML indents with spaces)");
			return false;
		}
		if (ind == 0 && (pw_blob_eq_cstr(t, "---") || pw_blob_starts_with(t, "--- "))) {
			if (y->started) {
				*rc = yerr(y, y->lineno, "a second YAML document");
				return false;
			}
			y->started = true;
			continue;
		}
		if (ind == 0 && pw_blob_eq_cstr(t, "...")) {
			y->ended = true;
			continue;
		}
		if (memchr(t.ptr, '\0', t.len)) {
			*rc = yerr(y, y->lineno, "NUL byte");
			return false;
		}
		y->started = true;
		y->cur = (struct yline){ .indent = ind, .lineno = y->lineno, .text = t };
		y->peeked = true;
		*out = &y->cur;
		return true;
	}
	return false;
}

static void consume(struct yaml *y)
{
	y->peeked = false;
}

static bool is_seq_item(struct pw_blob t)
{
	return t.len && t.ptr[0] == '-' && (t.len == 1 || t.ptr[1] == ' ');
}

/* What may follow a scalar: spaces, then nothing or a comment. */
static bool only_comment(struct pw_blob t)
{
	t = pw_blob_trim(t);
	return t.len == 0 || t.ptr[0] == '#';
}

static void put_utf8(char *out, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xC0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*n)++] = (char)(0xE0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

/* A quoted scalar at the start of t: its value into *out (arena), the rest
 * of the line after the closing quote into *after. */
static pw_err quoted(struct yaml *y, struct pw_blob t, size_t line, const char **out,
		     struct pw_blob *after)
{
	char q = t.ptr[0];
	/* the unescaped text is never longer than the quoted one */
	char *s = pw_arena_alloc(&y->c->arena, t.len);
	if (!s)
		return nomem(y->e);
	size_t n = 0, i = 1;
	for (;; i++) {
		if (i >= t.len)
			return yerr(y, line, "quoted scalar not closed on its line "
				    "(multi-line scalars are not supported)");
		char ch = t.ptr[i];
		if (ch == q) {
			if (q == '\'' && i + 1 < t.len && t.ptr[i + 1] == '\'') {
				s[n++] = '\'';
				i++;
				continue;
			}
			break;
		}
		if (q == '"' && ch == '\\') {
			if (++i >= t.len)
				return yerr(y, line, "unfinished escape in a quoted scalar");
			switch (t.ptr[i]) {
			case '"': s[n++] = '"'; break;
			case '\\': s[n++] = '\\'; break;
			case '/': s[n++] = '/'; break;
			case 'n': s[n++] = '\n'; break;
			case 't': s[n++] = '\t'; break;
			case 'u': {
				unsigned cp = 0;
				for (int k = 1; k <= 4; k++) {
					char h = i + (size_t)k < t.len ? t.ptr[i + (size_t)k] : 0;
					int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 :
						h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
					if (d < 0)
						return yerr(y, line, "malformed \\u escape");
					cp = cp * 16 + (unsigned)d;
				}
				if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
					return yerr(y, line, "\\u escape of NUL or a surrogate");
				put_utf8(s, &n, cp); /* at most 3 bytes for 6 read */
				i += 4;
				break;
			}
			default:
				return yerr(y, line, "unsupported escape in a quoted scalar");
			}
			continue;
		}
		s[n++] = ch;
	}
	s[n] = '\0'; /* n < t.len: the quotes were not copied */
	*out = s;
	*after = pw_blob(t.ptr + i + 1, t.len - i - 1);
	return PW_OK;
}

/* A scalar value (after "key: " or "- "), into a new node. */
static pw_err scalar(struct yaml *y, struct pw_blob t, size_t line, struct ynode **out)
{
	struct ctx *c = y->c;
	t = pw_blob_trim(t);
	enum ykind kind = Y_SCALAR;
	const char *s = NULL;
	if (t.ptr[0] == '"' || t.ptr[0] == '\'') {
		struct pw_blob after;
		pw_err rc = quoted(y, t, line, &s, &after);
		if (rc)
			return rc;
		if (!only_comment(after))
			return yerr(y, line, "text after a quoted scalar");
	} else {
		/* a plain scalar ends at " #" */
		for (size_t i = 1; i < t.len; i++) {
			if (t.ptr[i] == '#' && (t.ptr[i - 1] == ' ' || t.ptr[i - 1] == '\t')) {
				t = pw_blob_trim(pw_blob(t.ptr, i));
				break;
			}
		}
		if (pw_blob_eq_cstr(t, "{}")) {
			kind = Y_MAP;
		} else if (pw_blob_eq_cstr(t, "[]")) {
			kind = Y_SEQ;
		} else if (pw_blob_eq_cstr(t, "~") || pw_blob_eq_cstr(t, "null") ||
			   pw_blob_eq_cstr(t, "Null") || pw_blob_eq_cstr(t, "NULL")) {
			kind = Y_NULL;
		} else if (strchr("&*!|>%@`{[", t.ptr[0]) || (t.len > 1 && strchr("?:", t.ptr[0]) &&
							    t.ptr[1] == ' ')) {
			return yerr(y, line, "unsupported YAML (anchor, alias, tag, block scalar or "
				    "flow collection)");
		} else if (!(s = pw_arena_blobdup(&c->arena, t))) {
			return nomem(y->e);
		}
	}
	struct ynode *n = node_new(c, kind, line);
	if (!n)
		return node_error(c, y->e);
	n->str = s;
	*out = n;
	return PW_OK;
}

/* Split "key: value" / "key:" at the colon that ends the key. False when t
 * is not a mapping entry. */
static pw_err split_key(struct yaml *y, struct pw_blob t, size_t line, bool *is_entry,
			const char **key, struct pw_blob *value)
{
	*is_entry = false;
	if (t.ptr[0] == '"' || t.ptr[0] == '\'') {
		struct pw_blob after;
		const char *k;
		pw_err rc = quoted(y, t, line, &k, &after);
		if (rc)
			return rc;
		after = pw_blob_trim(after);
		if (after.len == 0 || after.ptr[0] != ':' || (after.len > 1 && after.ptr[1] != ' '))
			return PW_OK;
		*is_entry = true;
		*key = k;
		*value = pw_blob(after.ptr + 1, after.len - 1);
		return PW_OK;
	}
	for (size_t i = 0; i < t.len; i++) {
		if (t.ptr[i] == '#' && i > 0 && t.ptr[i - 1] == ' ')
			return PW_OK; /* a comment before any ": " */
		if (t.ptr[i] == ':' && (i + 1 == t.len || t.ptr[i + 1] == ' ')) {
			struct pw_blob k = pw_blob_trim(pw_blob(t.ptr, i));
			if (k.len == 0)
				return yerr(y, line, "empty mapping key");
			if (strchr("&*!|>%@`{[?", k.ptr[0]))
				return yerr(y, line, "unsupported YAML key (anchor, alias, tag, complex "
					    "or flow key)");
			if (!(*key = pw_arena_blobdup(&y->c->arena, k)))
				return nomem(y->e);
			*is_entry = true;
			*value = pw_blob(t.ptr + i + 1, t.len - i - 1);
			return PW_OK;
		}
	}
	return PW_OK;
}

static pw_err ymap(struct yaml *y, size_t indent, const struct yline *first, struct ynode **out);
static pw_err yseq(struct yaml *y, size_t indent, struct ynode **out);

/* The block value below a line at `indent`: more indented lines, or, for a
 * mapping value, a sequence at the same indentation. Empty: a Y_NULL node. */
static pw_err yblock(struct yaml *y, size_t indent, bool seq_at_indent, size_t line,
		     struct ynode **out)
{
	struct yline *l;
	pw_err rc;
	if (++y->depth > DEPTH_MAX)
		return yerr(y, line, "nested deeper than the secdb subset of YAML allows");
	if (peek(y, &l, &rc) &&
	    (l->indent > indent || (seq_at_indent && l->indent == indent && is_seq_item(l->text))))
		rc = is_seq_item(l->text) ? yseq(y, l->indent, out) : ymap(y, l->indent, NULL, out);
	else if (rc == PW_OK && !(*out = node_new(y->c, Y_NULL, line)))
		rc = node_error(y->c, y->e);
	y->depth--;
	return rc;
}

/* After a complete entry: a more indented line would be a continuation. */
static pw_err no_deeper(struct yaml *y, size_t indent)
{
	struct yline *l;
	pw_err rc;
	if (peek(y, &l, &rc) && l->indent > indent)
		return yerr(y, l->lineno, "unexpected indentation (multi-line scalars are not "
			    "supported)");
	return rc;
}

/* A mapping whose keys are at `indent`; `first`, when given, is its first
 * entry already taken from a "- key: value" line. */
static pw_err ymap(struct yaml *y, size_t indent, const struct yline *first, struct ynode **out)
{
	struct yline *l, cur;
	pw_err rc = PW_OK;
	struct ynode *map = node_new(y->c, Y_MAP, first ? first->lineno : y->lineno);
	if (!map)
		return node_error(y->c, y->e);
	*out = map;
	for (;;) {
		if (first) {
			cur = *first;
			first = NULL;
		} else {
			if (!peek(y, &l, &rc) || l->indent != indent || is_seq_item(l->text))
				break;
			cur = *l;
			consume(y);
		}
		bool is_entry;
		const char *key = NULL;
		struct pw_blob value;
		if ((rc = split_key(y, cur.text, cur.lineno, &is_entry, &key, &value)))
			return rc;
		if (!is_entry)
			return yerr(y, cur.lineno, "expected 'key: value'");
		struct ynode *child;
		if (only_comment(value)) {
			rc = yblock(y, indent, true, cur.lineno, &child);
		} else {
			rc = scalar(y, value, cur.lineno, &child);
			if (rc == PW_OK)
				rc = no_deeper(y, indent);
		}
		if (rc)
			return rc;
		child->key = key;
		append(map, child);
	}
	return rc ? rc : no_deeper(y, indent);
}

static pw_err yseq(struct yaml *y, size_t indent, struct ynode **out)
{
	struct yline *l;
	pw_err rc = PW_OK;
	struct ynode *seq = node_new(y->c, Y_SEQ, y->lineno);
	if (!seq)
		return node_error(y->c, y->e);
	*out = seq;
	while (peek(y, &l, &rc) && l->indent == indent && is_seq_item(l->text)) {
		struct yline cur = *l;
		consume(y);
		/* the item's text and its column */
		size_t off = 1;
		while (off < cur.text.len && cur.text.ptr[off] == ' ')
			off++;
		struct pw_blob rest = pw_blob(cur.text.ptr + off, cur.text.len - off);
		struct ynode *item;
		bool is_entry = false;
		const char *key;
		struct pw_blob value;
		if (only_comment(rest)) {
			rc = yblock(y, indent, false, cur.lineno, &item);
		} else if (is_seq_item(rest)) {
			rc = yerr(y, cur.lineno, "a sequence inside a sequence item on one line is not "
				  "supported");
		} else if ((rc = split_key(y, rest, cur.lineno, &is_entry, &key, &value)) == PW_OK &&
			   is_entry) {
			struct yline first = { .indent = indent + off, .lineno = cur.lineno, .text = rest };
			if (++y->depth > DEPTH_MAX)
				return yerr(y, cur.lineno, "nested deeper than the secdb subset of YAML "
					    "allows");
			rc = ymap(y, indent + off, &first, &item);
			y->depth--;
		} else if (rc == PW_OK) {
			rc = scalar(y, rest, cur.lineno, &item);
			if (rc == PW_OK)
				rc = no_deeper(y, indent);
		}
		if (rc)
			return rc;
		append(seq, item);
	}
	return rc ? rc : no_deeper(y, indent);
}

static pw_err parse_yaml(struct ctx *c, struct pw_blob data, struct ynode **root,
			 struct pw_error *e)
{
	struct yaml y = { .c = c, .rest = data, .e = e };
	struct yline *l;
	pw_err rc;
	if (!peek(&y, &l, &rc)) {
		if (rc)
			return rc;
		return pw_error_set(e, PW_ERR_PARSE, "%s: empty secdb document", c->name);
	}
	if (l->indent != 0)
		return yerr(&y, l->lineno, "the document does not start at column 0");
	if (is_seq_item(l->text))
		return yerr(&y, l->lineno, "expected a mapping at the top, found a sequence");
	if ((rc = ymap(&y, 0, NULL, root)))
		return rc;
	if (peek(&y, &l, &rc))
		return yerr(&y, l->lineno, "unexpected text after the top-level mapping");
	return rc;
}

/* ---- the tree into records ---- */

static pw_err doc_error(const struct ctx *c, const struct ynode *n, const char *path,
			const char *what, struct pw_error *e)
{
	if (!c->json && n && n->line)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%zu: %s", c->name, n->line, what);
	return pw_error_set(e, PW_ERR_PARSE, "%s: %s: %s", c->name, path, what);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return n > 0;
}

static bool is_cve_id(struct pw_blob b)
{
	return b.len >= 13 && b.len <= 32 && pw_blob_starts_with(b, "CVE-") && b.ptr[8] == '-' &&
	       all_digits(b.ptr + 4, 4) && all_digits(b.ptr + 9, b.len - 9);
}

/* apk package and repository names: letters, digits and + - . _ */
static bool is_name(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || (i > 0 && strchr("+-._", ch));
		if (!ok)
			return false;
	}
	return true;
}

static bool next_token(struct pw_blob *rest, struct pw_blob *tok)
{
	size_t i = 0;
	while (i < rest->len && strchr(" \t\r\n", rest->ptr[i]))
		i++;
	size_t start = i;
	while (i < rest->len && !strchr(" \t\r\n", rest->ptr[i]))
		i++;
	*tok = pw_blob(rest->ptr + start, i - start);
	*rest = pw_blob(rest->ptr + i, rest->len - i);
	return tok->len > 0;
}

static bool reserve(void **items, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 64;
	while (ncap < n)
		ncap *= 2;
	void *q = realloc(*items, ncap * size);
	if (!q)
		return false;
	*items = q;
	*cap = ncap;
	return true;
}

struct pkg {
	const char *release, *name;
};

/* Collect one (CVE, version) entry; repeats are dropped by distinct(). */
static pw_err add_fix(struct ctx *c, const struct pkg *p, struct pw_blob cve, const char *version,
		      bool never, struct pw_error *e)
{
	if (c->naffected == ENTRIES_MAX)
		return pw_error_set(e, PW_ERR_LIMIT, "%s: %s has more than %zu secfix entries",
				    c->name, p->name, ENTRIES_MAX);
	const char *id = pw_arena_blobdup(&c->arena, cve);
	if (!id ||
	    !reserve((void **)&c->affected, &c->cap_affected, c->naffected + 1, sizeof(*c->affected)))
		return nomem(e);
	c->affected[c->naffected++] = (struct pw_affected){
		.vuln_id = id, .distro = "alpine", .release = p->release, .package = p->name,
		.status = never ? PW_AFFECT_NOT_AFFECTED : PW_AFFECT_FIXED,
		.fixed = never ? NULL : version,
	};
	return PW_OK;
}

static int by_cve_fix_place(const void *pa, const void *pb)
{
	const struct ranked *x = pa, *y = pb;
	int r = strcmp(x->cve, y->cve);
	if (!r)
		r = strcmp(x->fixed, y->fixed);
	return r ? r : (x->i > y->i) - (x->i < y->i);
}

/* Drop an entry repeating an earlier (CVE, version), and list each CVE
 * once as a vulnerability, in the order entries first name them. Sorting
 * keeps this O(n log n) for any package a hostile file describes. */
static pw_err distinct(struct ctx *c, struct pw_error *e)
{
	size_t n = c->naffected;
	c->nvulns = 0;
	if (n == 0)
		return PW_OK;
	if (!reserve((void **)&c->rank, &c->cap_rank, n, sizeof(*c->rank)) ||
	    !reserve((void **)&c->mark, &c->cap_mark, n, sizeof(*c->mark)) ||
	    !reserve((void **)&c->vulns, &c->cap_vulns, n, sizeof(*c->vulns)))
		return nomem(e);
	for (size_t i = 0; i < n; i++) {
		const struct pw_affected *a = &c->affected[i];
		c->rank[i] = (struct ranked){ a->vuln_id, a->fixed ? a->fixed : "", i };
		c->mark[i] = 0;
	}
	qsort(c->rank, n, sizeof(*c->rank), by_cve_fix_place);
	enum { DROP = 1, FIRST = 2 };
	for (size_t k = 0; k < n;) {
		/* one CVE's group: its first entry by place names the vulnerability */
		size_t end = k, first = c->rank[k].i;
		while (end < n && strcmp(c->rank[end].cve, c->rank[k].cve) == 0) {
			if (end > k && strcmp(c->rank[end].fixed, c->rank[end - 1].fixed) == 0)
				c->mark[c->rank[end].i] |= DROP;
			if (c->rank[end].i < first)
				first = c->rank[end].i;
			end++;
		}
		c->mark[first] |= FIRST;
		k = end;
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->mark[i] & DROP)
			continue;
		c->affected[kept++] = c->affected[i];
		if (c->mark[i] & FIRST)
			c->vulns[c->nvulns++] = (struct pw_vuln){ .id = c->affected[i].vuln_id,
								  .cvss_score = -1 };
	}
	c->naffected = kept;
	return PW_OK;
}

/* One reference text under a secfix version: its CVE ids, and a skip for
 * every other token or comment. */
static pw_err reference(struct ctx *c, const struct pkg *p, const char *text, const char *version,
			bool never, struct pw_error *e)
{
	struct pw_blob rest = pw_blob_cstr(text), tok;
	size_t tokens = 0;
	while (next_token(&rest, &tok)) {
		tokens++;
		if (tok.ptr[0] == '(') {
			/* "(SMB - partially fixed, ...)": up to the token closing it */
			while (tok.ptr[tok.len - 1] != ')' && next_token(&rest, &tok))
				;
			skip(c, "secfix comment");
		} else if (is_cve_id(tok)) {
			pw_err rc = add_fix(c, p, tok, version, never, e);
			if (rc)
				return rc;
		} else if (tok.len >= 3 && (tok.ptr[0] | 0x20) == 'c' && (tok.ptr[1] | 0x20) == 'v' &&
			   (tok.ptr[2] | 0x20) == 'e') {
			skip(c, "malformed CVE id in secfixes");
		} else {
			skip(c, "secfix reference that is not a CVE id (XSA-, TALOS-...)");
		}
	}
	if (tokens == 0)
		skip(c, "empty secfix reference");
	return PW_OK;
}

/* One "secfixes" member: a version and its references. */
static pw_err secfix(struct ctx *c, const struct pkg *p, const struct ynode *fix,
		     struct pw_error *e)
{
	const char *version = fix->key;
	bool never = strcmp(version, "0") == 0 || strcmp(version, "0-r0") == 0;
	if (!never && pw_version_validate(PW_SCHEME_APK, version, NULL) != PW_OK) {
		skip(c, "secfix with an invalid version");
		return PW_OK;
	}
	/* a version without references ("2.8.0-r0": {} in a real file, or
	 * nothing after the colon): an empty fix entry, nothing to say */
	if (fix->kind == Y_NULL || (fix->kind == Y_MAP && !fix->child))
		return PW_OK;
	if (fix->kind == Y_SCALAR)
		return reference(c, p, fix->str, version, never, e);
	if (fix->kind != Y_SEQ) {
		skip(c, "secfix whose references are not a list");
		return PW_OK;
	}
	for (const struct ynode *r = fix->child; r; r = r->next) {
		if (r->kind != Y_SCALAR) {
			if (r->kind != Y_NULL)
				skip(c, "secfix reference that is not a string");
			else
				skip(c, "empty secfix reference");
			continue;
		}
		pw_err rc = reference(c, p, r->str, version, never, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

/* One packages[] item -> one record. */
static pw_err package(struct ctx *c, const char *release, const char *repo,
		      const struct ynode *item, struct pw_error *e)
{
	const struct ynode *pk = member(item, "pkg");
	const struct ynode *name = member(pk, "name");
	if (!pk || pk->kind != Y_MAP) {
		skip(c, "secdb package entry without a pkg mapping");
		return PW_OK;
	}
	if (!name || name->kind != Y_SCALAR || !is_name(name->str, 128)) {
		skip(c, "secdb package without a valid name");
		return PW_OK;
	}
	const struct ynode *fixes = member(pk, "secfixes");
	struct pkg p = { .release = release, .name = name->str };
	c->nvulns = c->naffected = 0;
	if (fixes && fixes->kind == Y_MAP) {
		for (const struct ynode *f = fixes->child; f; f = f->next) {
			pw_err rc = secfix(c, &p, f, e);
			if (rc)
				return rc;
		}
	} else if (fixes && fixes->kind != Y_NULL && !(fixes->kind == Y_SEQ && !fixes->child)) {
		skip(c, "secdb package whose secfixes are not a mapping");
		return PW_OK;
	}
	pw_err rc = distinct(c, e);
	if (rc)
		return rc;
	char id[256];
	int n = snprintf(id, sizeof(id), "%s%s/%s/%s", strcmp(release, "edge") ? "v" : "", release,
			 repo, p.name);
	if (n < 0 || (size_t)n >= sizeof(id)) {
		skip(c, "secdb package name too long");
		return PW_OK;
	}
	struct pw_feed_record r = { .source = pw_feed_kind_name(PW_FEED_ALPINE_SECDB), .id = id,
				    .vulns = c->vulns, .nvulns = c->nvulns,
				    .affected = c->affected, .naffected = c->naffected };
	return c->sink->record(c->sink->ctx, &r, e);
}

static pw_err walk(struct ctx *c, const struct ynode *root, struct pw_error *e)
{
	if (root->kind != Y_MAP)
		return doc_error(c, root, "$", "expected a mapping with distroversion, reponame and "
				 "packages", e);
	const struct ynode *dv = member(root, "distroversion");
	const struct ynode *rn = member(root, "reponame");
	const struct ynode *pkgs = member(root, "packages");
	struct pw_distro_release dr;
	if (!dv || dv->kind != Y_SCALAR)
		return doc_error(c, dv ? dv : root, "$.distroversion", "no distroversion", e);
	if (!pw_distro_normalize("alpine", dv->str, &dr))
		return doc_error(c, dv, "$.distroversion", "not an Alpine release (v3.11, edge)", e);
	if (!rn || rn->kind != Y_SCALAR || !is_name(rn->str, 64))
		return doc_error(c, rn ? rn : root, "$.reponame", "no valid reponame", e);
	if (!pkgs)
		return doc_error(c, root, "$.packages", "no packages", e);
	/* an empty repository: "packages": {} in JSON, "packages:" in YAML */
	if ((pkgs->kind == Y_MAP && !pkgs->child) || pkgs->kind == Y_NULL)
		return PW_OK;
	if (pkgs->kind != Y_SEQ)
		return doc_error(c, pkgs, "$.packages", "packages is not a list", e);
	const char *release = pw_arena_strdup(&c->arena, dr.release);
	if (!release)
		return nomem(e);
	for (const struct ynode *item = pkgs->child; item; item = item->next) {
		pw_err rc = package(c, release, rn->str, item, e);
		if (rc)
			return rc;
	}
	return PW_OK;
}

pw_err pw_feed_parse_alpine_secdb(struct pw_blob data, const char *name,
				  const struct pw_feed_sink *sink, struct pw_error *e)
{
	struct ctx c = { .name = name, .sink = sink };
	pw_arena_init(&c.arena);
	/* JSON starts with '{' (after blanks or a byte order mark); YAML never
	 * does in the subset read here. The BOM is dropped, the blanks kept so
	 * YAML line numbers stay right. */
	if (data.len >= 3 && memcmp(data.ptr, "\xEF\xBB\xBF", 3) == 0)
		data = pw_blob(data.ptr + 3, data.len - 3);
	size_t i = 0;
	while (i < data.len && (data.ptr[i] == ' ' || data.ptr[i] == '\t' || data.ptr[i] == '\r' ||
				data.ptr[i] == '\n'))
		i++;
	c.json = i < data.len && data.ptr[i] == '{';
	struct ynode *root = NULL;
	pw_err rc = c.json ? parse_json(&c, data, &root, e) : parse_yaml(&c, data, &root, e);
	if (rc == PW_OK)
		rc = walk(&c, root, e);
	pw_arena_free(&c.arena);
	free(c.vulns);
	free(c.affected);
	free(c.rank);
	free(c.mark);
	return rc;
}
