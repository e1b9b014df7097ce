# apt_sandbox.sh - sourced by the agent's apply test and benchmark: builds
# the "pwdemo" packages with dpkg-deb, a local apt repository indexed with
# apt-ftparchive, and sandbox roots that apt and dpkg use instead of the
# host (the host's own packages are never touched).
#
#   sandbox_repo DIR            pwdemo 1.0-1, 2.0-1 (the patch), 3.0-1 (its
#                               postinst exits 1), 4.0-1 (its preinst waits
#                               for SLOW_FILE to vanish, after touching
#                               SLOW_STARTED: a job to kill),
#                               pwextra 1.0-1; the repository in DIR/repo
#   sandbox_root ROOT REPO      an empty dpkg database and apt configured
#                               for REPO, lists updated
#   sandbox_apt ROOT ARGS...    apt-get on ROOT (the options the agent uses)
#   sandbox_dpkg ROOT ARGS...   dpkg on ROOT
#   sandbox_version ROOT PKG    the installed version ("" when none)
#   sandbox_status ROOT PKG     dpkg's two-letter state ("ii", "iF", ...)

sandbox_deb() { # OUT NAME VERSION [postinst-body] [preinst-body]
	d=$(mktemp -d)
	mkdir -p "$d/DEBIAN" "$d/usr/share/$2"
	echo "$2 $3" > "$d/usr/share/$2/version"
	cat > "$d/DEBIAN/control" <<CTL
Package: $2
Version: $3
Architecture: all
Maintainer: patchwarden tests <tests@example.invalid>
Description: patchwarden apply test package
CTL
	if [ -n "${4:-}" ]; then
		printf '#!/bin/sh\n%s\n' "$4" > "$d/DEBIAN/postinst"
		chmod 755 "$d/DEBIAN/postinst"
	fi
	if [ -n "${5:-}" ]; then
		printf '#!/bin/sh\n%s\n' "$5" > "$d/DEBIAN/preinst"
		chmod 755 "$d/DEBIAN/preinst"
	fi
	dpkg-deb --root-owner-group -Zgzip --build "$d" "$1/${2}_${3}_all.deb" >/dev/null
	rm -rf "$d"
}

sandbox_repo() {
	mkdir -p "$1/repo"
	sandbox_deb "$1/repo" pwdemo 1.0-1
	sandbox_deb "$1/repo" pwdemo 2.0-1
	sandbox_deb "$1/repo" pwdemo 3.0-1 'echo "pwdemo 3.0-1 postinst fails"; exit 1'
	sandbox_deb "$1/repo" pwdemo 4.0-1 '' \
		"touch '${SLOW_STARTED:-/dev/null}'; while [ -e '${SLOW_FILE:-/nonexistent}' ]; do sleep 0.2; done"
	sandbox_deb "$1/repo" pwextra 1.0-1
	(cd "$1/repo" && apt-ftparchive packages . > Packages && apt-ftparchive release . > Release)
}

sandbox_root() {
	r=$1
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/etc/apt/sources.list.d" \
		"$r/etc/apt/apt.conf.d" "$r/etc/apt/preferences.d" "$r/var/cache/apt/archives/partial" \
		"$r/var/lib/apt/lists/partial" "$r/var/log" "$r/etc/apt/trusted.gpg.d"
	: > "$r/var/lib/dpkg/status"
	: > "$r/var/lib/dpkg/available"
	echo "deb [trusted=yes] file:$2 ./" > "$r/etc/apt/sources.list"
	sandbox_apt "$r" update >/dev/null
}

sandbox_apt() {
	r=$1
	shift
	# read before any configuration file, so apt reads ROOT/etc/apt and
	# none of the host's (whose hooks, debconf's, write the host's files)
	printf 'Dir "%s/";\nDir::State::status "%s/var/lib/dpkg/status";\nDir::Etc "%s/etc/apt/";\n' \
		"$r" "$r" "$r" > "$r.apt.conf"
	APT_CONFIG="$r.apt.conf" DEBIAN_FRONTEND=noninteractive apt-get -q -o "Dir=$r/" -o "Dir::State::status=$r/var/lib/dpkg/status" \
		-o "Dir::Etc=$r/etc/apt/" -o "DPkg::Options::=--root=$r" \
		-o "DPkg::Options::=--force-script-chrootless" -o "DPkg::Options::=--log=$r/var/log/dpkg.log" \
		-o "DPkg::Options::=--force-confold" -o "APT::Sandbox::User=root" "$@"
}

sandbox_dpkg() {
	r=$1
	shift
	dpkg "--root=$r" --force-script-chrootless "$@"
}

sandbox_version() {
	dpkg-query "--admindir=$1/var/lib/dpkg" -W -f='${Version}' "$2" 2>/dev/null || true
}

sandbox_status() {
	dpkg-query "--admindir=$1/var/lib/dpkg" -W -f='${db:Status-Abbrev}' "$2" 2>/dev/null | tr -d ' ' || true
}
