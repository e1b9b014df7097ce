/* distro.c - canonical distribution and release keys. */
#include "pw_distro.h"

#include <stdio.h>
#include <string.h>

struct codename {
	const char *name;
	const char *release;
};

static const struct codename debian_codenames[] = {
	{ "buzz", "1.1" }, { "rex", "1.2" }, { "bo", "1.3" }, { "hamm", "2.0" },
	{ "slink", "2.1" }, { "potato", "2.2" }, { "woody", "3.0" }, { "sarge", "3.1" },
	{ "etch", "4" }, { "lenny", "5" }, { "squeeze", "6" }, { "wheezy", "7" },
	{ "jessie", "8" }, { "stretch", "9" }, { "buster", "10" }, { "bullseye", "11" },
	{ "bookworm", "12" }, { "trixie", "13" }, { "forky", "14" }, { "duke", "15" },
	{ "sid", "sid" }, { "unstable", "sid" },
};

static const struct codename ubuntu_codenames[] = {
	{ "trusty", "14.04" }, { "xenial", "16.04" }, { "bionic", "18.04" },
	{ "focal", "20.04" }, { "groovy", "20.10" }, { "hirsute", "21.04" },
	{ "impish", "21.10" }, { "jammy", "22.04" }, { "kinetic", "22.10" },
	{ "lunar", "23.04" }, { "mantic", "23.10" }, { "noble", "24.04" },
	{ "oracular", "24.10" }, { "plucky", "25.04" }, { "questing", "25.10" },
	{ "resolute", "26.04" },
};

static const char *lookup(const struct codename *table, size_t n, const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(table[i].name, name) == 0)
			return table[i].release;
	}
	return NULL;
}

const char *pw_debian_release_of_codename(const char *codename)
{
	return lookup(debian_codenames, sizeof(debian_codenames) / sizeof(debian_codenames[0]),
		      codename);
}

const char *pw_ubuntu_release_of_codename(const char *codename)
{
	return lookup(ubuntu_codenames, sizeof(ubuntu_codenames) / sizeof(ubuntu_codenames[0]),
		      codename);
}

static const struct {
	const char *key;
	enum pw_scheme scheme;
} distros[] = {
	{ "debian", PW_SCHEME_DEB },    { "ubuntu", PW_SCHEME_DEB }, { "almalinux", PW_SCHEME_RPM },
	{ "rocky", PW_SCHEME_RPM },     { "rhel", PW_SCHEME_RPM },   { "alpine", PW_SCHEME_APK },
};

bool pw_distro_scheme(const char *distro, enum pw_scheme *out)
{
	for (size_t i = 0; i < sizeof(distros) / sizeof(distros[0]); i++) {
		if (strcmp(distros[i].key, distro) == 0) {
			*out = distros[i].scheme;
			return true;
		}
	}
	return false;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

static bool set(struct pw_distro_release *out, const char *distro, const char *release,
		size_t release_len)
{
	if (release_len == 0 || release_len >= sizeof(out->release))
		return false;
	if (!pw_distro_scheme(distro, &out->scheme))
		return false;
	snprintf(out->distro, sizeof(out->distro), "%s", distro);
	memcpy(out->release, release, release_len);
	out->release[release_len] = '\0';
	return true;
}

bool pw_distro_normalize(const char *distro, const char *release, struct pw_distro_release *out)
{
	if (!distro || !release || !*release)
		return false;
	size_t n = strlen(release);
	if (strcmp(distro, "debian") == 0) {
		const char *r = pw_debian_release_of_codename(release);
		if (r)
			return set(out, distro, r, strlen(r));
		/* "12", "12.5" -> "12" */
		size_t major = strcspn(release, ".");
		if (all_digits(release, major))
			return set(out, distro, release, major);
		return false;
	}
	if (strcmp(distro, "ubuntu") == 0) {
		const char *r = pw_ubuntu_release_of_codename(release);
		if (r)
			return set(out, distro, r, strlen(r));
		/* "22.04" or "22.04.3" -> "22.04" */
		if (n >= 5 && all_digits(release, 2) && release[2] == '.' && all_digits(release + 3, 2))
			return set(out, distro, release, 5);
		return false;
	}
	if (strcmp(distro, "alpine") == 0) {
		if (release[0] == 'v')
			release++;
		if (strcmp(release, "edge") == 0)
			return set(out, distro, "edge", 4);
		/* "3.11.6" -> "3.11" */
		size_t major = strcspn(release, ".");
		if (!all_digits(release, major) || release[major] != '.')
			return false;
		size_t minor = strcspn(release + major + 1, ".");
		if (!all_digits(release + major + 1, minor))
			return false;
		return set(out, distro, release, major + 1 + minor);
	}
	enum pw_scheme s;
	if (pw_distro_scheme(distro, &s)) { /* RHEL family: "9.4" -> "9" */
		size_t major = strcspn(release, ".");
		if (all_digits(release, major))
			return set(out, distro, release, major);
	}
	return false;
}

bool pw_distro_from_os_release(const char *id, const char *id_like, const char *version_id,
			       const char *codename, struct pw_distro_release *out)
{
	if (!id)
		return false;
	if (strcmp(id, "debian") == 0) {
		/* testing/sid have no VERSION_ID; the codename says which */
		if (codename && pw_distro_normalize("debian", codename, out))
			return true;
		return pw_distro_normalize("debian", version_id, out);
	}
	if (strcmp(id, "ubuntu") == 0) {
		if (version_id && pw_distro_normalize("ubuntu", version_id, out))
			return true;
		return pw_distro_normalize("ubuntu", codename, out);
	}
	if (strcmp(id, "alpine") == 0)
		return pw_distro_normalize("alpine", version_id, out);
	if (strcmp(id, "almalinux") == 0 || strcmp(id, "rocky") == 0 || strcmp(id, "rhel") == 0)
		return pw_distro_normalize(id, version_id, out);
	(void)id_like;
	return false;
}

bool pw_distro_from_osv_ecosystem(const char *eco, struct pw_distro_release *out)
{
	if (!eco)
		return false;
	const char *colon = strchr(eco, ':');
	if (!colon)
		return false;
	size_t name_len = (size_t)(colon - eco);
	const char *rest = colon + 1;
	char release[PW_DISTRO_KEY_MAX];
	/* the release is the first field after the name, or after "Pro:" (Ubuntu Pro) */
	if (strncmp(rest, "Pro:", 4) == 0)
		rest += 4;
	size_t rlen = strcspn(rest, ":");
	if (rlen == 0 || rlen >= sizeof(release))
		return false;
	memcpy(release, rest, rlen);
	release[rlen] = '\0';

	static const struct {
		const char *name;
		const char *key;
	} names[] = {
		{ "Debian", "debian" }, { "Ubuntu", "ubuntu" },       { "AlmaLinux", "almalinux" },
		{ "Alpine", "alpine" }, { "Rocky Linux", "rocky" },   { "Red Hat", "rhel" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != name_len || strncmp(eco, names[i].name, name_len) != 0)
			continue;
		if (strcmp(names[i].key, "rhel") == 0) {
			/* "Red Hat:enterprise_linux:9::appstream" style: find the major */
			const char *p = rest;
			while (*p) {
				size_t len = strcspn(p, ":");
				if (len && len < sizeof(release)) {
					memcpy(release, p, len);
					release[len] = '\0';
					if (all_digits(release, strcspn(release, ".")) &&
					    pw_distro_normalize("rhel", release, out))
						return true;
				}
				p += len + (p[len] == ':');
			}
			return false;
		}
		return pw_distro_normalize(names[i].key, release, out);
	}
	return false;
}
