/* agent_state.c - the agent's state directory: its credential and what it
 * knows of its enrollment (see pw_agent.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pw_agent.h"
#include "pw_file.h"

/* Create dir (and missing parents) mode 0700; an existing one is narrowed
 * to 0700, since it holds a secret. */
static pw_err ensure_dir(const char *dir, struct pw_error *e)
{
	char path[1024];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return pw_error_set(e, PW_ERR_LIMIT, "state directory path too long");
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
		*p = '/';
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return pw_error_set(e, PW_ERR_IO, "%s: not a directory", path);
	if ((st.st_mode & 077) && chmod(path, 0700) != 0)
		return pw_error_set(e, PW_ERR_IO, "%s: cannot make it private: %s", path,
				    strerror(errno));
	return PW_OK;
}

/* Write dir/name atomically, mode 0600. */
static pw_err write_private(const char *dir, const char *name, const char *data, size_t len,
			    struct pw_error *e)
{
	char path[1100], tmp[1100];
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name) >= (int)sizeof(tmp))
		return pw_error_set(e, PW_ERR_LIMIT, "state directory path too long");
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(errno));
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = errno;
			close(fd);
			unlink(tmp);
			return pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(err));
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		int err = errno;
		unlink(tmp);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", tmp, strerror(err));
	}
	if (rename(tmp, path) != 0) {
		int err = errno;
		unlink(tmp);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(err));
	}
	return PW_OK;
}

pw_err pw_agent_state_save(const char *dir, const struct pw_agent_state *st, struct pw_error *e)
{
	pw_err rc = ensure_dir(dir, e);
	if (rc)
		return rc;
	char line[160];
	int n = snprintf(line, sizeof(line), "%s\n", st->credential);
	if (n < 0 || n >= (int)sizeof(line))
		return pw_error_set(e, PW_ERR_LIMIT, "credential too long");
	if ((rc = write_private(dir, "credential", line, (size_t)n, e)))
		return rc;
	json_t *doc = json_pack("{s:s,s:I,s:I,s:s}", "server", st->server, "agent_id",
				(json_int_t)st->agent_id, "host_id", (json_int_t)st->host_id,
				"ca_file", st->ca_file);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (!text)
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	size_t len = strlen(text);
	char *withnl = realloc(text, len + 2);
	if (!withnl) {
		free(text);
		return pw_error_set(e, PW_ERR_NOMEM, "out of memory");
	}
	withnl[len] = '\n';
	withnl[len + 1] = '\0';
	rc = write_private(dir, "agent.json", withnl, len + 1, e);
	free(withnl);
	return rc;
}

static pw_err read_small(const char *path, char *buf, size_t size, struct pw_error *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return pw_error_set(e, PW_ERR_NOTFOUND,
					    "%s: not enrolled (run 'patchwarden-agent enroll')", path);
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	size_t off = 0;
	for (;;) {
		ssize_t n = read(fd, buf + off, size - 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			close(fd);
			return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(err));
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off == size - 1) {
			close(fd);
			return pw_error_set(e, PW_ERR_LIMIT, "%s: larger than %zu bytes", path, size - 1);
		}
	}
	close(fd);
	buf[off] = '\0';
	return PW_OK;
}

pw_err pw_agent_state_load(const char *dir, struct pw_agent_state *st, struct pw_error *e)
{
	memset(st, 0, sizeof(*st));
	char path[1100], buf[8192];
	snprintf(path, sizeof(path), "%s/credential", dir);
	pw_err rc = read_small(path, buf, sizeof(buf), e);
	if (rc)
		return rc;
	struct stat sb;
	if (stat(path, &sb) == 0 && (sb.st_mode & 077))
		pw_agent_log("warning", "%s is readable by others (mode %03o): it should be 0600",
			     path, (unsigned)(sb.st_mode & 0777));
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, "pwa_", 4) != 0 || strlen(buf) >= sizeof(st->credential))
		return pw_error_set(e, PW_ERR_PARSE, "%s: not an agent credential", path);
	snprintf(st->credential, sizeof(st->credential), "%s", buf);

	snprintf(path, sizeof(path), "%s/agent.json", dir);
	if ((rc = read_small(path, buf, sizeof(buf), e)))
		return rc;
	json_error_t je;
	json_t *doc = json_loads(buf, 0, &je);
	if (!doc)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: %s", path, je.line, je.text);
	const char *server = json_string_value(json_object_get(doc, "server"));
	const char *ca = json_string_value(json_object_get(doc, "ca_file"));
	if (!server || snprintf(st->server, sizeof(st->server), "%s", server) >= (int)sizeof(st->server)) {
		json_decref(doc);
		return pw_error_set(e, PW_ERR_PARSE, "%s: \"server\" missing or too long", path);
	}
	snprintf(st->ca_file, sizeof(st->ca_file), "%s", ca ? ca : "");
	st->agent_id = json_integer_value(json_object_get(doc, "agent_id"));
	st->host_id = json_integer_value(json_object_get(doc, "host_id"));
	json_decref(doc);
	return PW_OK;
}
