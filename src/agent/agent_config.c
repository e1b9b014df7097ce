/* agent_config.c - the agent's INI configuration (dist/agent.conf). */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_agent.h"
#include "pw_config.h"

bool pw_agent_parse_duration(const char *s, int64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	int64_t unit = 1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return false;
	}
	if (errno || (*end && end[1]) || v <= 0 || v > 366LL * 86400 / unit)
		return false;
	*out = v * unit;
	return true;
}

struct load_ctx {
	struct pw_agent_config *cfg;
	const char *path;
	struct pw_error *e;
	pw_err rc;
	int line;
};

static bool copy(char *dst, size_t size, const char *v)
{
	return snprintf(dst, size, "%s", v) < (int)size;
}

static bool parse_bool(const char *v, bool *out)
{
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
		*out = false;
	else
		return false;
	return true;
}

/* A hook or command: an absolute path, run with argv, never a shell line. */
static bool abs_path(char *dst, size_t size, const char *v)
{
	return (!*v || (v[0] == '/' && !strchr(v, ' '))) && copy(dst, size, v);
}

static int on_apply_key(struct load_ctx *c, const char *name, const char *value)
{
	struct pw_agent_config *cfg = c->cfg;
	bool ok;
	if (strcmp(name, "pre_hook") == 0)
		ok = abs_path(cfg->pre_hook, sizeof(cfg->pre_hook), value);
	else if (strcmp(name, "health_hook") == 0)
		ok = abs_path(cfg->health_hook, sizeof(cfg->health_hook), value);
	else if (strcmp(name, "reboot_command") == 0)
		ok = abs_path(cfg->reboot_command, sizeof(cfg->reboot_command), value);
	else if (strcmp(name, "min_free_mb") == 0) {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		ok = !errno && *value && !*end && v >= 0 && v <= 1 << 30;
		if (ok)
			cfg->min_free_mb = v;
	} else if (strcmp(name, "timeout") == 0)
		ok = pw_agent_parse_duration(value, &cfg->apply_timeout);
	else if (strcmp(name, "require_rollback_cache") == 0)
		ok = parse_bool(value, &cfg->require_rollback_cache);
	else {
		c->rc = pw_error_set(c->e, PW_ERR_PARSE, "%s: [apply] %s: unknown key", c->path, name);
		return 0;
	}
	if (!ok) {
		c->rc = pw_error_set(c->e, PW_ERR_PARSE, "%s: [apply] %s: invalid value '%.100s'",
				     c->path, name, value);
		return 0;
	}
	return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value
#if INI_HANDLER_LINENO
		  , int lineno
#endif
)
{
	struct load_ctx *c = user;
	struct pw_agent_config *cfg = c->cfg;
	if (c->rc)
		return 0;
	if (strcmp(section, "apply") == 0)
		return on_apply_key(c, name, value);
	if (strcmp(section, "agent") != 0) {
		c->rc = pw_error_set(c->e, PW_ERR_PARSE, "%s: unknown section [%s]", c->path, section);
		return 0;
	}
	bool ok = true;
	if (strcmp(name, "server") == 0)
		ok = copy(cfg->server, sizeof(cfg->server), value);
	else if (strcmp(name, "state_dir") == 0)
		ok = *value && copy(cfg->state_dir, sizeof(cfg->state_dir), value);
	else if (strcmp(name, "ca_file") == 0)
		ok = copy(cfg->ca_file, sizeof(cfg->ca_file), value);
	else if (strcmp(name, "root") == 0)
		ok = copy(cfg->root, sizeof(cfg->root), value);
	else if (strcmp(name, "jobs") == 0)
		ok = parse_bool(value, &cfg->jobs);
	else if (strcmp(name, "apply_mode") == 0)
		ok = (strcmp(value, "exec") == 0 || strcmp(value, "spool") == 0) &&
		     copy(cfg->apply_mode, sizeof(cfg->apply_mode), value);
	else if (strcmp(name, "apply_program") == 0)
		ok = value[0] == '/' && copy(cfg->apply_program, sizeof(cfg->apply_program), value);
	else if (strcmp(name, "interval") == 0)
		ok = pw_agent_parse_duration(value, &cfg->interval) && cfg->interval >= 10;
	else if (strcmp(name, "backoff_max") == 0)
		ok = pw_agent_parse_duration(value, &cfg->backoff_max) && cfg->backoff_max >= 10;
	else {
		c->rc = pw_error_set(c->e, PW_ERR_PARSE, "%s: [agent] %s: unknown key", c->path, name);
		return 0;
	}
	if (!ok) {
		c->rc = pw_error_set(c->e, PW_ERR_PARSE, "%s: [agent] %s: invalid value '%.100s'",
				     c->path, name, value);
		return 0;
	}
	return 1;
}

pw_err pw_agent_config_load(struct pw_agent_config *cfg, const char *path, bool required,
			    struct pw_error *e)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", PW_AGENT_DEFAULT_STATE_DIR);
	cfg->interval = PW_AGENT_DEFAULT_INTERVAL;
	cfg->backoff_max = PW_AGENT_DEFAULT_BACKOFF_MAX;
	snprintf(cfg->apply_mode, sizeof(cfg->apply_mode), "spool");
	snprintf(cfg->apply_program, sizeof(cfg->apply_program), "%s",
		 PW_AGENT_DEFAULT_APPLY_PROGRAM);
	cfg->min_free_mb = 100;
	cfg->apply_timeout = 1800;
	cfg->require_rollback_cache = true;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT && !required)
			return PW_OK;
		return pw_error_set(e, PW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	struct load_ctx c = { cfg, path, e, PW_OK, 0 };
	int r = ini_parse_file(f, on_key, &c);
	fclose(f);
	if (c.rc)
		return c.rc;
	if (r != 0)
		return pw_error_set(e, PW_ERR_PARSE, "%s:%d: not an INI line", path, r);
	return PW_OK;
}
