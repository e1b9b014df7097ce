/* cmd_scan.c - `patchwarden scan`: inventory this host or a root directory. */
#include "pw_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "pw_inventory_json.h"
#include "pw_scan.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: patchwarden scan [--root DIR] [--rpm-dbpath DIR] [--no-updates]\n"
		"                        [--updates-only] [--format table|json]\n"
		"\n"
		"Inventory a host: identity, OS, kernels, every package database found\n"
		"(dpkg, rpm, apk), reboot state and pending updates from apt's lists.\n"
		"\n"
		"  --root DIR        scan a mounted image, chroot or extracted container\n"
		"                    instead of the live host\n"
		"  --rpm-dbpath DIR  read an rpm database kept outside the root\n"
		"  --no-updates      do not read apt's lists for pending updates\n"
		"  --updates-only    table: list only packages with a pending update\n"
		"  --format FORMAT   table (default, for people) or json (for machines,\n"
		"                    see docs/inventory-schema.json)\n"
		"  -h, --help        show this help\n"
		"\n"
		"Warnings about malformed database entries go to stderr with file:line.\n"
		"Exit status: 0 success, 2 usage error or a database that cannot be read.\n");
}

static int width_of(const char *s)
{
	return s ? (int)strlen(s) : 0;
}

static void print_table(const struct pw_inventory *inv, bool updates_only)
{
	const struct pw_host_facts *h = &inv->host;
	size_t installed = 0, updates = 0, security = 0;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		installed += p->state == PW_STATE_INSTALLED;
		updates += p->candidate_version != NULL;
		security += p->candidate_version && p->candidate_security;
	}
	printf("Host:      %s%s%s%s\n", h->hostname ? h->hostname : "(unknown)",
	       h->machine_id ? " (machine-id " : "", h->machine_id ? h->machine_id : "",
	       h->machine_id ? ")" : "");
	printf("OS:        %s", h->os_pretty_name ? h->os_pretty_name : "(unknown)");
	if (h->os_id)
		printf(" [%s %s%s%s]", h->os_id, h->os_version_id ? h->os_version_id : "",
		       h->os_codename ? " " : "", h->os_codename ? h->os_codename : "");
	printf("\n");
	if (h->arch)
		printf("Arch:      %s\n", h->arch);
	if (h->kernel_release || inv->newest_kernel)
		printf("Kernel:    running %s, newest installed %s\n",
		       h->kernel_release ? h->kernel_release : "(not a live host)",
		       inv->newest_kernel ? inv->newest_kernel : "(none)");
	printf("Packages:  %zu listed, %zu installed", inv->npkgs, installed);
	printf(" (%s%s%s%s)\n", inv->has_dpkg ? "dpkg " : "", inv->has_rpm ? "rpm " : "",
	       inv->has_apk ? "apk " : "",
	       inv->has_dpkg || inv->has_rpm || inv->has_apk ? "" : "no package database");
	if (inv->has_apt_lists)
		printf("Updates:   %zu pending, %zu from security suites\n", updates, security);
	else
		printf("Updates:   unknown (no repository metadata)\n");
	printf("Reboot:    %s\n", inv->reboot_required ? "required" : "not required");
	for (size_t i = 0; i < inv->nreboot_reasons; i++)
		printf("           - %s\n", inv->reboot_reasons[i]);
	printf("\n");

	int wn = 4, wa = 4, wv = 7, ws = 5;
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (updates_only && !p->candidate_version)
			continue;
		if (width_of(p->name) > wn) wn = width_of(p->name);
		if (width_of(p->arch) > wa) wa = width_of(p->arch);
		if (width_of(p->version) > wv) wv = width_of(p->version);
		if (width_of(pw_state_name(p->state)) > ws) ws = width_of(pw_state_name(p->state));
	}
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", wn, "NAME", wa, "ARCH", wv, "VERSION", ws, "STATE",
	       "UPDATE");
	for (size_t i = 0; i < inv->npkgs; i++) {
		const struct pw_package *p = &inv->pkgs[i];
		if (updates_only && !p->candidate_version)
			continue;
		printf("%-*s  %-*s  %-*s  %-*s  ", wn, p->name, wa, p->arch, wv, p->version, ws,
		       pw_state_name(p->state));
		if (p->candidate_version)
			printf("%s (%s%s)", p->candidate_version,
			       p->candidate_origin ? p->candidate_origin : "?",
			       p->candidate_security ? ", security" : "");
		printf("\n");
	}
}

static pw_err write_stdout(void *ctx, const char *data, size_t len)
{
	(void)ctx;
	return fwrite(data, 1, len, stdout) == len ? PW_OK : PW_ERR_IO;
}

int cmd_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "rpm-dbpath", required_argument, NULL, 'd' },
		{ "no-updates", no_argument, NULL, 'n' },
		{ "updates-only", no_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pw_scan_options so = { 0 };
	enum pw_format format = PW_FORMAT_TABLE;
	bool updates_only = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': so.root = optarg; break;
		case 'd': so.rpm_dbpath = optarg; break;
		case 'n': so.skip_updates = true; break;
		case 'u': updates_only = true; break;
		case 'f':
			if (!pw_cli_parse_format(optarg, 1u << PW_FORMAT_TABLE | 1u << PW_FORMAT_JSON,
						 &format)) {
				pw_cli_error("scan", "--format must be table or json, not '%s'", optarg);
				return PW_EXIT_ERROR;
			}
			break;
		case 'h': usage(stdout); return PW_EXIT_OK;
		default: usage(stderr); return PW_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		pw_cli_error("scan", "unexpected argument '%s'", argv[optind]);
		return PW_EXIT_ERROR;
	}

	struct pw_inventory inv;
	struct pw_error e;
	int status = PW_EXIT_ERROR;
	pw_inventory_init(&inv, so.root);
	if (pw_scan(&inv, &so, &e)) {
		pw_cli_report("scan", &e);
		goto out;
	}
	for (size_t i = 0; i < inv.nwarnings; i++)
		pw_cli_error("scan", "warning: %s", inv.warnings[i]);

	if (format == PW_FORMAT_JSON) {
		struct pw_buf out = PW_BUF_INIT;
		/* one piece of the document at a time: its memory is reused, not
		 * faulted in page by page for the whole document */
		pw_err rc = pw_buf_grow(&out, PW_INVENTORY_JSON_PIECE + 4096);
		if (rc == PW_OK)
			rc = pw_inventory_write_json_to(&inv, &out, true, write_stdout, NULL);
		if (rc == PW_OK)
			rc = pw_buf_addc(&out, '\n');
		if (rc != PW_OK || fwrite(out.data, 1, out.len, stdout) != out.len) {
			pw_buf_free(&out);
			pw_cli_error("scan", "cannot write the JSON document: %s", pw_strerror(rc));
			goto out;
		}
		pw_buf_free(&out);
	} else {
		print_table(&inv, updates_only);
	}
	status = fflush(stdout) == 0 ? PW_EXIT_OK : PW_EXIT_ERROR;
out:
	pw_inventory_free(&inv);
	return status;
}
