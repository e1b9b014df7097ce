/* openapi_embed.c - build tool: merge docs/openapi/base.json and the
 * modules' fragments into one OpenAPI document, check it, and write it as
 * a C source the server embeds (and as JSON, for the tests).
 *
 *   openapi_embed OUT.c OUT.json BASE.json [FRAGMENT.json...]
 *
 * A fragment is {"paths":{...},"components":{"schemas":{...},...}}. Its
 * paths join the base's; the same path in two files is fine when they
 * define different methods, an error when both define one method. A
 * component defined twice must be identical. Every "$ref" must resolve
 * inside the merged document. Errors name the file and what collided.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *fmt, const char *a, const char *b, const char *c)
{
	fprintf(stderr, "openapi_embed: ");
	fprintf(stderr, fmt, a, b, c);
	fputc('\n', stderr);
	return 1;
}

static int merge_paths(json_t *dst, json_t *src, const char *file)
{
	const char *path;
	json_t *item;
	json_object_foreach(src, path, item) {
		if (path[0] != '/' || !json_is_object(item))
			return fail("%s: paths: '%s' must start with '/' and be an object%s", file,
				    path, "");
		json_t *have = json_object_get(dst, path);
		if (!have) {
			json_object_set(dst, path, item);
			continue;
		}
		const char *method;
		json_t *op;
		json_object_foreach(item, method, op) {
			if (json_object_get(have, method))
				return fail("%s: %s %s is already defined by another file", file,
					    method, path);
			json_object_set(have, method, op);
		}
	}
	return 0;
}

static int merge_components(json_t *dst, json_t *src, const char *file)
{
	const char *kind;
	json_t *set;
	json_object_foreach(src, kind, set) {
		if (!json_is_object(set))
			return fail("%s: components.%s must be an object%s", file, kind, "");
		json_t *have = json_object_get(dst, kind);
		if (!have) {
			have = json_object();
			json_object_set_new(dst, kind, have);
		}
		const char *name;
		json_t *def;
		json_object_foreach(set, name, def) {
			json_t *old = json_object_get(have, name);
			if (old && !json_equal(old, def))
				return fail("%s: components.%s.%s differs from its earlier definition",
					    file, kind, name);
			json_object_set(have, name, def);
		}
	}
	return 0;
}

/* Every "$ref": "#/a/b" names something in the document. */
static int check_refs(json_t *doc, json_t *node)
{
	if (json_is_object(node)) {
		const char *k;
		json_t *v;
		json_object_foreach(node, k, v) {
			if (strcmp(k, "$ref") == 0 && json_is_string(v)) {
				const char *ref = json_string_value(v);
				if (strncmp(ref, "#/", 2) != 0)
					return fail("$ref '%s': only local references (#/...) are used%s%s",
						    ref, "", "");
				json_t *at = doc;
				char part[256];
				for (const char *p = ref + 2; at && *p;) {
					size_t n = strcspn(p, "/");
					if (n >= sizeof(part))
						return fail("$ref '%s': too long%s%s", ref, "", "");
					memcpy(part, p, n);
					part[n] = '\0';
					at = json_object_get(at, part);
					p += n;
					if (*p == '/')
						p++;
				}
				if (!at)
					return fail("$ref '%s' resolves to nothing%s%s", ref, "", "");
			} else if (check_refs(doc, v)) {
				return 1;
			}
		}
	} else if (json_is_array(node)) {
		size_t i;
		json_t *v;
		json_array_foreach(node, i, v)
			if (check_refs(doc, v))
				return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: openapi_embed OUT.c OUT.json BASE.json [FRAGMENT.json...]\n");
		return 2;
	}
	json_error_t err;
	json_t *doc = json_load_file(argv[3], JSON_REJECT_DUPLICATES, &err);
	if (!doc)
		return fail("%s: %s%s", argv[3], err.text, "");
	if (!json_is_object(json_object_get(doc, "paths")))
		json_object_set_new(doc, "paths", json_object());
	if (!json_is_object(json_object_get(doc, "components")))
		json_object_set_new(doc, "components", json_object());
	for (int i = 4; i < argc; i++) {
		json_t *frag = json_load_file(argv[i], JSON_REJECT_DUPLICATES, &err);
		if (!frag) {
			char line[32];
			snprintf(line, sizeof(line), "%d", err.line);
			return fail("%s:%s: %s", argv[i], line, err.text);
		}
		const char *k;
		json_t *v;
		json_object_foreach(frag, k, v) {
			if (strcmp(k, "paths") == 0) {
				if (!json_is_object(v) ||
				    merge_paths(json_object_get(doc, "paths"), v, argv[i]))
					return fail("%s: paths could not be merged%s%s", argv[i], "", "");
			} else if (strcmp(k, "components") == 0) {
				if (!json_is_object(v) ||
				    merge_components(json_object_get(doc, "components"), v, argv[i]))
					return fail("%s: components could not be merged%s%s", argv[i], "",
						    "");
			} else {
				return fail("%s: '%s': a fragment holds only paths and components%s",
					    argv[i], k, "");
			}
		}
		json_decref(frag);
	}
	if (check_refs(doc, doc))
		return 1;
	char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return fail("cannot encode the document%s%s%s", "", "", "");
	if (json_dump_file(doc, argv[2], JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0)
		return fail("%s: cannot write%s%s", argv[2], "", "");
	FILE *out = fopen(argv[1], "w");
	if (!out)
		return fail("%s: cannot write%s%s", argv[1], "", "");
	fprintf(out, "/* generated by openapi_embed from docs/openapi: do not edit */\n"
		     "#include <stddef.h>\n\n"
		     "extern const char pw_openapi_json[];\n"
		     "extern const size_t pw_openapi_json_len;\n"
		     "const char pw_openapi_json[] =\n\"");
	size_t col = 0, len = 0;
	for (const unsigned char *p = (const unsigned char *)text; *p; p++, len++) {
		if (*p == '"' || *p == '\\')
			col += (size_t)fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			col += (size_t)fprintf(out, "\\%03o", *p);
		else
			col += (size_t)fprintf(out, "%c", *p);
		if (col >= 96) {
			fputs("\"\n\"", out);
			col = 0;
		}
	}
	fprintf(out, "\";\nconst size_t pw_openapi_json_len = %zu;\n", len);
	free(text);
	json_decref(doc);
	if (fclose(out) != 0)
		return fail("%s: cannot write%s%s", argv[1], "", "");
	return 0;
}
