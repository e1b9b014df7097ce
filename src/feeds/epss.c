/* epss.c - FIRST EPSS scores, CSV, in FIRST's daily layout:
 *
 *   #model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000
 *   cve,epss,percentile
 *   CVE-1999-0001,0.00383,0.73075
 *
 * Scores are only meaningful with their date (they change daily), so a
 * missing comment line or score_date is an error naming line 1, not a
 * file of undated scores — FIRST's older files without the comment are
 * refused for that reason. Any other column header is an error naming
 * line 2 and what was found there.
 *
 * A bad row (a missing or extra field, a CVE id that is not one, a number
 * that does not parse or lies outside 0..1) is skipped. Its reason says
 * what was wrong and where the first such row is, "malformed row: score
 * not a number in 0..1 (first at line 17)": one reason per kind of fault
 * and file, so the import summary groups them and still points at a line.
 *
 * The file has ~360,000 rows and is re-imported daily: rows are scanned by
 * hand, in place, with no allocation per row.
 */
#include "pw_feeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"

/* Parse a probability in [0, 1]. Plain decimals ("0.03351", "1", "0") are
 * read exactly on integers (mantissa / 10^k, both exact in a double, so
 * the division is correctly rounded); anything else with an exponent goes
 * through strtod. */
static bool parse_prob(struct pw_blob b, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
					1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	if (b.len == 0 || b.len > 31)
		return false;
	unsigned long long mant = 0;
	size_t sig = 0, frac = 0, whole = 0, i = 0;
	bool dot = false;
	for (; i < b.len; i++) {
		char c = b.ptr[i];
		if (c >= '0' && c <= '9') {
			if (mant || c != '0')
				sig++;
			mant = mant * 10 + (unsigned)(c - '0'); /* unused once sig > 15 */
			if (dot)
				frac++;
			else
				whole++;
		} else if (c == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	bool shape = whole > 0 && (!dot || frac > 0); /* not ".5", "5." or "." */
	if (i == b.len) {
		if (!shape)
			return false;
		if (sig <= 15 && frac <= 15) {
			double v = (double)mant / pow10[frac];
			if (v > 1)
				return false;
			*out = v;
			return true;
		}
	}
	char buf[32];
	for (size_t k = 0; k < b.len; k++) {
		char c = b.ptr[k];
		if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+'))
			return false;
	}
	if (!(b.ptr[0] >= '0' && b.ptr[0] <= '9'))
		return false;
	memcpy(buf, b.ptr, b.len);
	buf[b.len] = '\0';
	char *end;
	double v = strtod(buf, &end);
	if (*end || !(v >= 0 && v <= 1))
		return false;
	*out = v;
	return true;
}

/* "CVE-YYYY-NNNN..." and nothing else. */
static bool is_cve(struct pw_blob b)
{
	if (b.len < 13 || b.len > 24 || !pw_blob_starts_with(b, "CVE-") || b.ptr[8] != '-')
		return false;
	for (size_t i = 4; i < b.len; i++) {
		if (i != 8 && (b.ptr[i] < '0' || b.ptr[i] > '9'))
			return false;
	}
	return true;
}

enum row_fault { FAULT_FIELDS, FAULT_CVE, FAULT_SCORE, FAULT_PERCENTILE, FAULT_COUNT };

static const char *const fault_text[FAULT_COUNT] = {
	[FAULT_FIELDS] = "not three fields",
	[FAULT_CVE] = "not a CVE id",
	[FAULT_SCORE] = "score not a number in 0..1",
	[FAULT_PERCENTILE] = "percentile not a number in 0..1",
};

struct faults {
	size_t first_line[FAULT_COUNT];
	char reason[FAULT_COUNT][96];
};

static void skip_row(const struct pw_feed_sink *sink, struct faults *f, enum row_fault k, size_t line)
{
	if (!f->first_line[k]) {
		f->first_line[k] = line;
		int n = snprintf(f->reason[k], sizeof(f->reason[k]), "malformed row: %s (first at line %zu)",
				 fault_text[k], line);
		if (n < 0 || (size_t)n >= sizeof(f->reason[k]))
			snprintf(f->reason[k], sizeof(f->reason[k]), "malformed row: %s", fault_text[k]);
	}
	if (sink->skip)
		sink->skip(sink->ctx, f->reason[k]);
}

/* Line 1: "#model_version:X,score_date:YYYY-MM-DD..." */
static pw_err parse_comment(struct pw_blob line, const char *name, char *model, size_t model_size,
			    int64_t *score_date, struct pw_error *e)
{
	if (!pw_blob_starts_with(line, "#"))
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:1: expected '#model_version:...,score_date:...', found '%.*s' "
				    "(scores without their date are not imported)", name,
				    (int)(line.len > 60 ? 60 : line.len), line.ptr);
	struct pw_blob meta = pw_blob(line.ptr + 1, line.len - 1), item;
	while (meta.len) {
		pw_blob_split(meta, ',', &item, &meta);
		item = pw_blob_trim(item);
		struct pw_blob key, value;
		if (!pw_blob_split(item, ':', &key, &value))
			continue;
		value = pw_blob_trim(value);
		if (pw_blob_eq_cstr(key, "model_version")) {
			if (value.len == 0 || value.len >= model_size)
				return pw_error_set(e, PW_ERR_PARSE, "%s:1: model_version is empty or longer "
						    "than %zu bytes", name, model_size - 1);
			memcpy(model, value.ptr, value.len);
			model[value.len] = '\0';
		} else if (pw_blob_eq_cstr(key, "score_date")) {
			char d[11];
			if (value.len >= 10) {
				memcpy(d, value.ptr, 10);
				d[10] = '\0';
			}
			if (value.len < 10 || pw_clock_parse(d, score_date) != 0 || *score_date <= 0)
				return pw_error_set(e, PW_ERR_PARSE, "%s:1: score_date '%.*s' is not a date",
						    name, (int)(value.len > 40 ? 40 : value.len), value.ptr);
		}
	}
	if (*score_date <= 0)
		return pw_error_set(e, PW_ERR_PARSE, "%s:1: no score_date in the comment line: the "
				    "scores' date is unknown", name);
	return PW_OK;
}

pw_err pw_feed_parse_epss(struct pw_blob data, const char *name, const struct pw_feed_sink *sink,
			  struct pw_error *e)
{
	struct pw_blob rest = data, line;
	char model[64] = "unknown";
	int64_t score_date = 0;
	pw_err rc;

	if (rest.len >= 3 && memcmp(rest.ptr, "\xef\xbb\xbf", 3) == 0) /* a UTF-8 BOM */
		rest = pw_blob(rest.ptr + 3, rest.len - 3);
	if (!pw_blob_next_line(&rest, &line))
		return pw_error_set(e, PW_ERR_PARSE, "%s:1: empty, not an EPSS CSV", name);
	if ((rc = parse_comment(pw_blob_trim(line), name, model, sizeof(model), &score_date, e)))
		return rc;
	if (!pw_blob_next_line(&rest, &line))
		return pw_error_set(e, PW_ERR_PARSE, "%s:2: missing the header 'cve,epss,percentile'", name);
	line = pw_blob_trim(line);
	if (!pw_blob_eq_cstr(line, "cve,epss,percentile"))
		return pw_error_set(e, PW_ERR_PARSE,
				    "%s:2: expected the header 'cve,epss,percentile', found '%.*s'", name,
				    (int)(line.len > 80 ? 80 : line.len), line.ptr);

	struct faults faults;
	memset(&faults, 0, sizeof(faults));
	uint64_t total = data.len;
	size_t lineno = 2;
	char cve[32];
	while (pw_blob_next_line(&rest, &line)) {
		lineno++;
		if (line.len && line.ptr[line.len - 1] == '\r')
			line.len--;
		if (line.len == 0)
			continue;
		struct pw_blob f_cve, f_score, f_pct, tail;
		double score, pct;
		if (!pw_blob_split(line, ',', &f_cve, &tail) || !pw_blob_split(tail, ',', &f_score, &f_pct) ||
		    memchr(f_pct.ptr, ',', f_pct.len)) {
			skip_row(sink, &faults, FAULT_FIELDS, lineno);
			continue;
		}
		if (!is_cve(f_cve)) {
			skip_row(sink, &faults, FAULT_CVE, lineno);
			continue;
		}
		if (!parse_prob(f_score, &score)) {
			skip_row(sink, &faults, FAULT_SCORE, lineno);
			continue;
		}
		if (!parse_prob(f_pct, &pct)) {
			skip_row(sink, &faults, FAULT_PERCENTILE, lineno);
			continue;
		}
		memcpy(cve, f_cve.ptr, f_cve.len);
		cve[f_cve.len] = '\0';
		struct pw_epss x = { .cve = cve, .score = score, .percentile = pct,
				     .score_date = score_date, .model_version = model };
		if ((rc = sink->epss(sink->ctx, &x, e)))
			return rc;
		if (sink->progress && (lineno & 8191) == 0)
			sink->progress(sink->ctx, (uint64_t)(rest.ptr - data.ptr), total);
	}
	if (sink->progress)
		sink->progress(sink->ctx, total, total);
	return PW_OK;
}
