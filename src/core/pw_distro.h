/* pw_distro.h - one naming of distributions and releases, shared by the
 * feed importers (which see "Debian:12", "[bookworm]", "Ubuntu:22.04:LTS",
 * "AlmaLinux:9", "v3.11") and the matcher (which sees os-release's ID,
 * VERSION_ID and VERSION_CODENAME). Both map to the same canonical key, so an
 * advisory for Debian 12 meets a host whose os-release says bookworm.
 *
 * Canonical distro keys: "debian", "ubuntu", "almalinux", "rocky", "rhel",
 * "alpine". Canonical releases: Debian's major number ("12", or "sid"),
 * Ubuntu's "YY.MM", RHEL family's major ("9"), Alpine's "MAJOR.MINOR" or
 * "edge".
 */
#ifndef PW_DISTRO_H
#define PW_DISTRO_H

#include <stdbool.h>

#include "pw_version.h"

#define PW_DISTRO_KEY_MAX 32

struct pw_distro_release {
	char distro[PW_DISTRO_KEY_MAX];
	char release[PW_DISTRO_KEY_MAX];
	enum pw_scheme scheme;
};

/* From os-release fields (any may be NULL but id). False when the
 * distribution is not one patchwarden assesses. Derivatives are mapped
 * through ID_LIKE only for the RHEL family (e.g. "ol" is not mapped: its
 * errata differ). */
bool pw_distro_from_os_release(const char *id, const char *id_like, const char *version_id,
			       const char *codename, struct pw_distro_release *out);

/* From an OSV ecosystem string: "Debian:12", "Debian:11", "Ubuntu:22.04:LTS",
 * "Ubuntu:Pro:18.04:LTS", "AlmaLinux:9", "Rocky Linux:9", "Red Hat:...",
 * "Alpine:v3.11". False when not a distribution ecosystem or unparseable. */
bool pw_distro_from_osv_ecosystem(const char *ecosystem, struct pw_distro_release *out);

/* From a distro key and a release in any of its spellings: ("debian",
 * "bookworm"), ("debian", "12"), ("ubuntu", "jammy"), ("alpine", "v3.11"),
 * ("almalinux", "9.4"). False when unknown. */
bool pw_distro_normalize(const char *distro, const char *release, struct pw_distro_release *out);

/* Debian codename -> major number ("bookworm" -> "12"); NULL when unknown. */
const char *pw_debian_release_of_codename(const char *codename);
/* Ubuntu codename -> "YY.MM" ("jammy" -> "22.04"); NULL when unknown. */
const char *pw_ubuntu_release_of_codename(const char *codename);

/* Version scheme of a canonical distro key; false when unknown. */
bool pw_distro_scheme(const char *distro, enum pw_scheme *out);

#endif
