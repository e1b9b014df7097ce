/* pw_inventory.h - the normalized model of one host: identity, packages of
 * every family, kernels, reboot state and pending updates.
 *
 * Every string is owned by the inventory's arena and lives as long as the
 * inventory; pw_inventory_free() releases everything at once. Collectors
 * (dpkg, apk, rpm, apt lists, host facts) fill one inventory; commands read it.
 */
#ifndef PW_INVENTORY_H
#define PW_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "pw_arena.h"
#include "pw_err.h"
#include "pw_version.h"

/* Which package database a package came from; also picks the version scheme. */
enum pw_pkg_family {
	PW_FAMILY_DEB,
	PW_FAMILY_RPM,
	PW_FAMILY_APK,
};

/* Package state. Only PW_STATE_INSTALLED counts as installed software; the
 * others are reported so a half-finished upgrade is visible, never dropped. */
enum pw_pkg_state {
	PW_STATE_INSTALLED,
	PW_STATE_HALF_INSTALLED,
	PW_STATE_UNPACKED,
	PW_STATE_HALF_CONFIGURED,
	PW_STATE_TRIGGERS_AWAITED,
	PW_STATE_TRIGGERS_PENDING,
	PW_STATE_CONFIG_FILES, /* removed, configuration left */
	PW_STATE_NOT_INSTALLED,
	PW_STATE_OTHER,
};

/* Bounds of the model (docs/inventory-schema.json: maxLength in bytes,
 * maxItems). Far above what real hosts have, low enough that one upload
 * cannot store megabytes in a field: the server refuses a document past
 * them (inventory_json.c), the collectors never produce one. */
#define PW_INV_MAX_PACKAGES 100000
#define PW_INV_MAX_NAME 256          /* package, source and reboot package names */
#define PW_INV_MAX_VERSION 256       /* every version, epoch, release and candidate */
#define PW_INV_MAX_ARCH 64
#define PW_INV_MAX_WORD 64           /* os id, version_id, codename, multi_arch */
#define PW_INV_MAX_MACHINE_ID 128
#define PW_INV_MAX_HOSTNAME 253      /* a DNS name */
#define PW_INV_MAX_TEXT 512          /* pretty name, id_like, kernel, origin, sourcerpm */
#define PW_INV_MAX_ROOT 4096         /* PATH_MAX */
#define PW_INV_MAX_SENTENCE 1023     /* a warning or reboot reason */
#define PW_INV_MAX_WARNINGS 1000
#define PW_INV_MAX_REBOOT_REASONS 64
#define PW_INV_MAX_REBOOT_PKGS 1000
#define PW_INV_MAX_MANAGERS 16

struct pw_package {
	enum pw_pkg_family family;
	enum pw_pkg_state state;
	const char *name;           /* binary package name */
	const char *arch;           /* "amd64", "x86_64", "noarch", "all"; may be "" */
	/* The full version in the family's scheme, as its tools compare it:
	 * deb "[epoch:]upstream[-revision]", rpm "[epoch:]version-release"
	 * (epoch omitted when the package has none), apk "1.2.3-r0". */
	const char *version;
	/* Source package: deb Source: (or the binary name), rpm source rpm name,
	 * apk origin (or the name). Never NULL once collected. */
	const char *source_name;
	/* Source version: deb Source: "(ver)" or the binary version (binNMUs
	 * differ); rpm version-release of the source rpm; apk the version. */
	const char *source_version;
	/* rpm only: the parts of the EVR, and the source rpm file name. */
	const char *rpm_epoch;      /* NULL when the package has no epoch */
	const char *rpm_version;
	const char *rpm_release;
	const char *rpm_sourcerpm;
	const char *multi_arch;     /* deb Multi-Arch: value or NULL */
	/* Pending update, filled when the host has repository metadata. */
	const char *candidate_version; /* NULL when none newer than installed */
	const char *candidate_origin;  /* e.g. "bookworm-security" */
	bool candidate_security;
	bool is_kernel;             /* an installed kernel image package */
};

struct pw_host_facts {
	const char *machine_id;
	const char *hostname;
	const char *os_id;          /* os-release ID, e.g. "debian" */
	const char *os_version_id;  /* "12" */
	const char *os_codename;    /* "bookworm" */
	const char *os_id_like;     /* "rhel centos fedora" */
	const char *os_pretty_name;
	const char *arch;           /* uname machine or the package db's native arch */
	const char *kernel_release; /* running kernel (uname -r); NULL for a --root scan */
	const char *kernel_version; /* uname -v */
};

struct pw_inventory {
	struct pw_arena arena;
	const char *root;           /* "/" for the live host */
	struct pw_host_facts host;
	struct pw_package *pkgs;
	size_t npkgs, cap_pkgs;
	/* Warnings that did not stop collection; each names file:line. */
	const char **warnings;
	size_t nwarnings, cap_warnings;
	/* Which package databases were found. */
	bool has_dpkg, has_rpm, has_apk, has_apt_lists;
	/* Package databases that could not be read, each naming the database
	 * and why ("rpm: /var/lib/rpm/rpmdb.sqlite: malformed"). An inventory
	 * with any is not the host's state: the server holds it for review. */
	const char **db_errors;
	size_t ndb_errors, cap_db_errors;
	/* Reboot state. */
	bool reboot_required;
	const char **reboot_reasons;   /* sentences, e.g. "/run/reboot-required exists" */
	size_t nreboot_reasons, cap_reboot_reasons;
	const char **reboot_pkgs;      /* from reboot-required.pkgs */
	size_t nreboot_pkgs, cap_reboot_pkgs;
	const char *newest_kernel;     /* version string of the newest installed kernel */
};

void pw_inventory_init(struct pw_inventory *inv, const char *root);
void pw_inventory_free(struct pw_inventory *inv);

/* Append a zeroed package whose family is set; NULL on ENOMEM. The pointer is
 * valid until the next pw_inventory_add_package(). */
struct pw_package *pw_inventory_add_package(struct pw_inventory *inv, enum pw_pkg_family family);

/* Add a formatted warning ("path:line: message"). Returns PW_ERR_NOMEM or PW_OK.
 * A sentence is cut to PW_INV_MAX_SENTENCE with its control characters
 * escaped (it may quote a file); past PW_INV_MAX_WARNINGS (or
 * PW_INV_MAX_REBOOT_REASONS, PW_INV_MAX_REBOOT_PKGS) the last one says how
 * many more were left out, so a broken database still gives a document the
 * server accepts. */
pw_err pw_inventory_warn(struct pw_inventory *inv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
pw_err pw_inventory_add_reboot_reason(struct pw_inventory *inv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
pw_err pw_inventory_add_reboot_pkg(struct pw_inventory *inv, const char *name);
pw_err pw_inventory_add_db_error(struct pw_inventory *inv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether a package database (dpkg, rpm, apk) was found. */
bool pw_inventory_has_package_db(const struct pw_inventory *inv);

/* Arena copies. */
const char *pw_inventory_strdup(struct pw_inventory *inv, const char *s);
const char *pw_inventory_blobdup(struct pw_inventory *inv, struct pw_blob b);

/* Sort packages by family, name, arch, version (a stable, documented order
 * for output and digests). */
void pw_inventory_sort(struct pw_inventory *inv);

/* The version scheme of a family. */
enum pw_scheme pw_family_scheme(enum pw_pkg_family family);
const char *pw_family_name(enum pw_pkg_family family);  /* "deb", "rpm", "apk" */
const char *pw_state_name(enum pw_pkg_state state);     /* "installed", "half-installed", ... */

#endif
