/* epss.c - FIRST EPSS scores, CSV: "#model_version:X,score_date:Y" then
 * "cve,epss,percentile" then one row per CVE. A missing score date or a
 * wrong header is an error: scores without a date cannot be trusted. */
#include "pw_feeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"

/* Parse a probability in [0, 1]: digits, one dot, digits (and "1", "0"). */
static bool parse_prob(struct pw_blob b, double *out)
{
	char buf[32];
	if (b.len == 0 || b.len >= sizeof(buf))
		return false;
	for (size_t i = 0; i < b.len; i++) {
		char c = b.ptr[i];
		if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-'))
			return false;
	}
	memcpy(buf, b.ptr, b.len);
	buf[b.len] = '\0';
	char *end;
	double v = strtod(buf, &end);
	if (*end || v < 0 || v > 1)
		return false;
	*out = v;
	return true;
}

pw_err pw_feed_parse_epss(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			  struct pw_error *e)
{
	struct pw_blob rest = data, line;
	char model[64] = "unknown";
	int64_t score_date = 0;
	size_t lineno = 0;

	/* line 1: the comment with model version and score date */
	if (!pw_blob_next_line(&rest, &line) || !pw_blob_starts_with(line, "#"))
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:1: expected '#model_version:...,score_date:...'", name);
	lineno = 1;
	struct pw_blob meta = pw_blob(line.ptr + 1, line.len - 1), item;
	while (meta.len) {
		pw_blob_split(meta, ',', &item, &meta);
		item = pw_blob_trim(item);
		struct pw_blob key, value;
		if (!pw_blob_split(item, ':', &key, &value))
			continue;
		if (pw_blob_eq_cstr(key, "model_version")) {
			snprintf(model, sizeof(model), "%.*s", PW_BLOB_PRINTF(value));
		} else if (pw_blob_eq_cstr(key, "score_date")) {
			char d[16];
			snprintf(d, sizeof(d), "%.*s", (int)(value.len < 10 ? value.len : 10), value.ptr);
			if (pw_clock_parse(d, &score_date) != 0)
				return pw_error_set(e, PW_ERR_PARSE, "%s:1: score_date '%.*s' is not a date",
						    name, PW_BLOB_PRINTF(value));
		}
	}
	if (!score_date)
		return pw_error_set(e, PW_ERR_PARSE, "%s:1: no score_date in the header comment", name);
	if (!pw_blob_next_line(&rest, &line))
		return pw_error_set(e, PW_ERR_PARSE, "%s:2: missing the column header", name);
	lineno = 2;
	line = pw_blob_trim(line);
	if (!pw_blob_eq_cstr(line, "cve,epss,percentile"))
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:2: expected the header 'cve,epss,percentile', found '%.*s'", name,
				    (int)(line.len > 80 ? 80 : line.len), line.ptr);
	uint64_t total = data.len;
	char cve[32];
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0)
			continue;
		struct pw_blob f_cve, f_score, f_pct;
		double score, pct;
		if (!pw_blob_split(line, ',', &f_cve, &line) || !pw_blob_split(line, ',', &f_score, &f_pct) ||
		    !pw_blob_starts_with(f_cve, "CVE-") || f_cve.len >= sizeof(cve) ||
		    !parse_prob(f_score, &score) || !parse_prob(pw_blob_trim(f_pct), &pct)) {
			if (sink->skip)
				sink->skip(sink->ctx, "malformed row");
			continue;
		}
		memcpy(cve, f_cve.ptr, f_cve.len);
		cve[f_cve.len] = '\0';
		struct pw_epss x = { .cve = cve, .score = score, .percentile = pct,
				     .score_date = score_date, .model_version = model };
		pw_err rc = sink->epss(sink->ctx, &x, e);
		if (rc)
			return rc;
		if (sink->progress && (lineno & 4095) == 0)
			sink->progress(sink->ctx, (uint64_t)(line.ptr - data.ptr), total);
	}
	if (sink->progress)
		sink->progress(sink->ctx, total, total);
	return PW_OK;
}
