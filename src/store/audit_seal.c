/* audit_seal.c - the audit log's sealed head, see pw_audit_seal.h.
 *
 * Why after the commit and not inside the transaction: a head file written
 * before a rollback would claim entries that never existed, and verify
 * would call the log truncated. After the commit the store's write lock is
 * released, so two writers may seal out of order; the lock on the key file
 * and the compare-and-advance (a head is replaced only by a higher seq) keep
 * the file at the newest head either has committed. A crash between the
 * commit and the write leaves the head file behind the log, which is not
 * truncation.
 */
#include "pw_audit_seal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_audit.h"
#include "pw_sql.h"

#define KEY_BYTES crypto_auth_hmacsha256_KEYBYTES
#define HEAD_MAGIC "patchwarden-audit-head v1"

static char configured[PATH_MAX];

void pw_audit_seal_configure(const char *key_file)
{
	snprintf(configured, sizeof(configured), "%s", key_file ? key_file : "");
}

static pw_err file_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	const char *name = pw_sql_text(row, 1), *file = pw_sql_text(row, 2);
	if (name && strcmp(name, "main") == 0)
		snprintf(ctx, PATH_MAX, "%s", file ? file : "");
	return PW_OK;
}

bool pw_audit_seal_key_path(struct pw_store *s, char *buf, size_t size)
{
	const char *env = getenv("PATCHWARDEN_AUDIT_KEY");
	if (configured[0])
		return snprintf(buf, size, "%s", configured) < (int)size;
	if (env && *env)
		return snprintf(buf, size, "%s", env) < (int)size;
	char file[PATH_MAX] = "";
	struct pw_error e = { 0 };
	if (pw_sql_run(s, "PRAGMA database_list", PW_SQL_NOARGS, file_row, file, NULL, &e) ||
	    !file[0])
		return false; /* in memory */
	return snprintf(buf, size, "%s.audit-key", file) < (int)size;
}

static bool head_path(const char *key_path, char *buf, size_t size)
{
	return snprintf(buf, size, "%s.head", key_path) < (int)size;
}

/* ---- the key ---- */

static bool read_key(int fd, unsigned char key[KEY_BYTES])
{
	char hex[2 * KEY_BYTES + 2];
	ssize_t n = pread(fd, hex, sizeof(hex) - 1, 0);
	if (n < 2 * (ssize_t)KEY_BYTES)
		return false;
	size_t len = 0;
	return sodium_hex2bin(key, KEY_BYTES, hex, 2 * KEY_BYTES, NULL, &len, NULL) == 0 &&
	       len == KEY_BYTES;
}

/* Open the key file, making it when there is none: written whole under a
 * temporary name, then linked into place, so a second process making it at
 * the same moment finds either no file or the whole key. */
static int open_key(const char *path, bool create)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;
	if (sodium_init() < 0)
		return -1;
	unsigned char raw[KEY_BYTES];
	char hex[2 * KEY_BYTES + 1], tmp[PATH_MAX + 32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	int t = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (t < 0)
		return -1;
	bool written = write(t, hex, 2 * KEY_BYTES) == 2 * KEY_BYTES && write(t, "\n", 1) == 1 &&
		       fsync(t) == 0;
	close(t);
	sodium_memzero(hex, sizeof(hex));
	if (written && link(tmp, path) != 0 && errno != EEXIST)
		written = false;
	unlink(tmp);
	return written ? open(path, O_RDONLY | O_CLOEXEC) : -1;
}

static void mac_of(const unsigned char key[KEY_BYTES], int64_t seq, const char *hash,
		   char out[PW_AUDIT_HEX])
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), HEAD_MAGIC " %lld %s", (long long)seq, hash);
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (size_t)n, key);
	sodium_bin2hex(out, PW_AUDIT_HEX, mac, sizeof(mac));
}

bool pw_audit_seal_mac(struct pw_store *s, int64_t seq, const char *hash, char mac[PW_AUDIT_HEX])
{
	char path[PATH_MAX];
	unsigned char key[KEY_BYTES];
	if (!pw_audit_seal_key_path(s, path, sizeof(path)))
		return false;
	int fd = open_key(path, false); /* checking never makes a key */
	if (fd < 0)
		return false;
	bool ok = read_key(fd, key);
	close(fd);
	if (ok)
		mac_of(key, seq, hash, mac);
	sodium_memzero(key, sizeof(key));
	return ok;
}

/* ---- the head file ---- */

static bool hex_field(const char *p, size_t n, char out[PW_AUDIT_HEX])
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/* "MAGIC SEQ HASH MAC\n"; false when malformed. */
static bool parse_head(const char *text, struct pw_audit_head_seal *h)
{
	size_t m = strlen(HEAD_MAGIC);
	if (strncmp(text, HEAD_MAGIC " ", m + 1) != 0)
		return false;
	const char *p = text + m + 1;
	char *end;
	long long seq = strtoll(p, &end, 10);
	if (end == p || *end != ' ' || seq < 1)
		return false;
	p = end + 1;
	if (strlen(p) < 129 || p[64] != ' ' || !hex_field(p, 64, h->hash) ||
	    !hex_field(p + 65, 64, h->mac))
		return false;
	h->seq = seq;
	return true;
}

static int read_head_file(const char *path, struct pw_audit_head_seal *h)
{
	char text[256];
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return parse_head(text, h) ? 1 : -2;
}

/* The files of the last key this thread sealed with, kept open: a commit
 * then costs a lock, a read and a write in place (a fixed-length record,
 * read under the same lock), not a create and a rename. A file removed
 * meanwhile (no link left) is opened afresh. */
static _Thread_local struct {
	char key_path[PATH_MAX];
	int key_fd, head_fd; /* 0: not open (fds 0 are never ours here) */
	unsigned char key[KEY_BYTES];
} open_seal;

static bool unlinked(int fd)
{
	struct stat st;
	return fstat(fd, &st) != 0 || st.st_nlink == 0;
}

static void close_seal(void)
{
	if (open_seal.key_fd > 0)
		close(open_seal.key_fd);
	if (open_seal.head_fd > 0)
		close(open_seal.head_fd);
	sodium_memzero(&open_seal, sizeof(open_seal));
}

static bool seal_files(const char *kpath, const char *hpath)
{
	if (open_seal.key_fd > 0 && strcmp(open_seal.key_path, kpath) == 0 &&
	    !unlinked(open_seal.key_fd) && !unlinked(open_seal.head_fd))
		return true;
	close_seal();
	int k = open_key(kpath, true);
	if (k <= 0)
		return false;
	int h = open(hpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (h <= 0 || !read_key(k, open_seal.key)) {
		close(k);
		if (h > 0)
			close(h);
		return false;
	}
	snprintf(open_seal.key_path, sizeof(open_seal.key_path), "%s", kpath);
	open_seal.key_fd = k;
	open_seal.head_fd = h;
	return true;
}

/* Advance the head file to (seq, hash) unless it is there or beyond. */
static void advance(struct pw_store *s, int64_t seq, const char *hash)
{
	char kpath[PATH_MAX], hpath[PATH_MAX + 8];
	if (!pw_audit_seal_key_path(s, kpath, sizeof(kpath)) ||
	    !head_path(kpath, hpath, sizeof(hpath)) || !seal_files(kpath, hpath))
		return;
	if (flock(open_seal.key_fd, LOCK_EX) != 0)
		return;
	char text[256];
	ssize_t n = pread(open_seal.head_fd, text, sizeof(text) - 1, 0);
	struct pw_audit_head_seal cur = { 0 }, nu = { .seq = seq };
	text[n > 0 ? n : 0] = '\0';
	if (!parse_head(text, &cur) || cur.seq < seq) {
		snprintf(nu.hash, sizeof(nu.hash), "%s", hash);
		mac_of(open_seal.key, seq, hash, nu.mac);
		/* fixed width: each record overwrites the last exactly */
		int len = snprintf(text, sizeof(text), HEAD_MAGIC " %020lld %s %s\n", (long long)seq,
				   nu.hash, nu.mac);
		if (pwrite(open_seal.head_fd, text, (size_t)len, 0) == len)
			(void)!ftruncate(open_seal.head_fd, len);
	}
	flock(open_seal.key_fd, LOCK_UN);
}

/* ---- after the commit ---- */

/* one transaction at a time per connection, and a connection per thread */
static _Thread_local struct {
	struct pw_store *s;
	int64_t seq;
	char hash[PW_AUDIT_HEX];
} noted;

void pw_audit_seal_note(struct pw_store *s, int64_t seq, const char *hash)
{
	noted.s = s;
	noted.seq = seq;
	snprintf(noted.hash, sizeof(noted.hash), "%s", hash);
}

void pw_audit_seal_committed(struct pw_store *s)
{
	if (noted.s != s || !noted.seq)
		return;
	noted.s = NULL;
	advance(s, noted.seq, noted.hash);
	noted.seq = 0;
}

void pw_audit_seal_forget(struct pw_store *s)
{
	if (noted.s == s) {
		noted.s = NULL;
		noted.seq = 0;
	}
}

/* ---- reading it back ---- */

pw_err pw_audit_seal_read(struct pw_store *s, struct pw_audit_head_seal *out, bool *found,
			  struct pw_error *e)
{
	char kpath[PATH_MAX], hpath[PATH_MAX + 8];
	*found = false;
	memset(out, 0, sizeof(*out));
	if (!pw_audit_seal_key_path(s, kpath, sizeof(kpath)) ||
	    !head_path(kpath, hpath, sizeof(hpath)))
		return PW_OK;
	int fd = open_key(kpath, false);
	if (fd < 0)
		return errno == ENOENT ? PW_OK
				       : pw_error_set(e, PW_ERR_IO, "%s: %s (the audit key)", kpath,
						      strerror(errno));
	unsigned char key[KEY_BYTES];
	bool have_key = read_key(fd, key);
	int got = 0;
	if (have_key) { /* under the writers' lock: never half a record */
		flock(fd, LOCK_SH);
		got = read_head_file(hpath, out);
		flock(fd, LOCK_UN);
	}
	close(fd);
	if (!have_key)
		return pw_error_set(e, PW_ERR_INVALID, "%s: not an audit key", kpath);
	pw_err rc = PW_OK;
	if (got == -1)
		rc = pw_error_set(e, PW_ERR_IO, "%s: %s", hpath, strerror(errno));
	else if (got == -2)
		rc = pw_error_set(e, PW_ERR_INVALID, "%s: not an audit head file", hpath);
	if (got == 1) {
		char want[PW_AUDIT_HEX];
		mac_of(key, out->seq, out->hash, want);
		if (sodium_memcmp(want, out->mac, PW_AUDIT_HEX - 1) != 0)
			rc = pw_error_set(e, PW_ERR_INVALID,
					  "%s: its seal does not verify: the head file was changed "
					  "without the key",
					  hpath);
		else
			*found = true;
	}
	sodium_memzero(key, sizeof(key));
	return rc;
}

/* ---- checkpoints ---- */

static const char *find_key(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? p + strlen(key) : NULL;
}

bool pw_audit_checkpoint_parse(const char *text, int64_t *seq, char hash[PW_AUDIT_HEX],
			       char mac[PW_AUDIT_HEX])
{
	const char *p = find_key(text, "seq="), *h = find_key(text, "hash="),
		   *m = find_key(text, "mac=");
	if (!p) { /* "SEQ:HASH" */
		p = text;
		h = strchr(text, ':');
		if (!h)
			return false;
		h++;
		m = NULL;
	}
	char *end;
	long long v = strtoll(p, &end, 10);
	if (end == p || v < 1 || !h || strlen(h) < 64 || !hex_field(h, 64, hash))
		return false;
	mac[0] = '\0';
	if (m && (strlen(m) < 64 || !hex_field(m, 64, mac)))
		return false;
	*seq = v;
	return true;
}

struct entry_at {
	int64_t seq;
	char hash[PW_AUDIT_HEX]; /* "" when entry seq is not there */
};

static pw_err entry_hash_row(void *ctx, const struct pw_audit_entry *a)
{
	struct entry_at *at = ctx;
	if (a->seq == at->seq)
		snprintf(at->hash, sizeof(at->hash), "%s", a->hash ? a->hash : "");
	return PW_OK;
}

static pw_err max_row(void *ctx, const struct pw_sql_row *row, struct pw_error *e)
{
	*(int64_t *)ctx = pw_sql_isnull(row, 0) ? 0 : pw_sql_int(row, 0);
	return PW_OK;
}

pw_err pw_audit_verify_checkpoint(struct pw_store *s, int64_t seq, const char *hash,
				  const char *mac, bool *ok, struct pw_error *e)
{
	*ok = false;
	int64_t last = 0;
	struct entry_at have = { seq, "" };
	pw_err rc = pw_sql_run(s, "SELECT max(seq) FROM audit_log", PW_SQL_NOARGS, max_row, &last,
			       NULL, e);
	if (!rc)
		rc = pw_audit_each(s, seq - 1, 1, entry_hash_row, &have, e);
	if (rc)
		return rc;
	if (mac && *mac) {
		char want[PW_AUDIT_HEX];
		if (pw_audit_seal_mac(s, seq, hash, want) &&
		    sodium_memcmp(want, mac, PW_AUDIT_HEX - 1) != 0) {
			pw_error_set(e, PW_ERR_INVALID,
				     "checkpoint %lld: its seal does not verify (not made with this "
				     "store's audit key)",
				     (long long)seq);
			return PW_OK;
		}
	}
	if (last < seq) {
		pw_error_set(e, PW_ERR_INVALID, "log truncated: head at %lld, expected at least %lld",
			     (long long)last, (long long)seq);
		return PW_OK;
	}
	if (strcmp(have.hash, hash) != 0) {
		pw_error_set(e, PW_ERR_INVALID,
			     "entry %lld does not match the checkpoint: the log was rewritten%s",
			     (long long)seq, have.hash[0] ? "" : " (the entry is missing)");
		return PW_OK;
	}
	*ok = true;
	return PW_OK;
}
