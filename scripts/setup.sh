#!/usr/bin/env bash
# Installs the servers Lookout's demo and tests run for real: PostgreSQL (with pg_stat_statements),
# Redis, Prometheus with Alertmanager and Debian's exporters, plus Debian's Chromium for the
# browser tests (--browser) and GNU time for the cli-start benchmark (--bench).
# On Debian as root it installs what is missing (one apt-get update); elsewhere it prints
# exactly what to install and fails.
set -euo pipefail

want_browser=0
want_bench=0
for arg in "$@"; do
  [[ "$arg" == "--browser" ]] && want_browser=1
  [[ "$arg" == "--bench" ]] && want_bench=1
done

missing=()
have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }
have_postgres || missing+=(postgresql)
# hypopg lets the EXPLAIN advice re-plan with a proposed index as hypothetical (its tests use it).
pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
compgen -G '/usr/share/postgresql/*/extension/hypopg.control' >/dev/null || missing+=("postgresql-${pg_major:-15}-hypopg")
command -v redis-server >/dev/null || missing+=(redis-server)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v openssl >/dev/null || missing+=(openssl)
[[ -x /usr/bin/prometheus-alertmanager || -x /usr/bin/alertmanager ]] || missing+=(prometheus-alertmanager)
# The exposition oracle test scrapes Debian's exporters and Pushgateway live, with Prometheus beside Lookout.
for exporter in prometheus-node-exporter prometheus-redis-exporter prometheus-postgres-exporter prometheus-blackbox-exporter prometheus-pushgateway; do
  [[ -x /usr/bin/$exporter ]] || missing+=("$exporter")
done
# The SSH tunnel tests run a throw-away sshd (and ssh-keygen, from its dependency openssh-client).
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
# scripts/fetch-pg-regress.sh fetches PostgreSQL's source packages (the EXPLAIN corpus) with curl; they are bzip2'd.
command -v curl >/dev/null || missing+=(curl)
command -v bzip2 >/dev/null || missing+=(bzip2)
command -v xz >/dev/null || missing+=(xz-utils)
# The secret file's OS-keyring key is tested against GNOME Keyring's Secret Service in a D-Bus session.
command -v gnome-keyring-daemon >/dev/null || missing+=(gnome-keyring)
command -v dbus-run-session >/dev/null || missing+=(dbus-daemon)
if ((want_browser)); then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # The report tests print a report to PDF in Chromium and render its pages to PNG with pdftoppm.
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
fi
if ((want_bench)); then
  # cli-start times commands with GNU time (wall time and peak memory).
  [[ -x /usr/bin/time ]] || missing+=(time)
fi

if ((${#missing[@]} == 0)); then
  echo "setup: PostgreSQL (with hypopg), Redis, Prometheus, Alertmanager, the exporters, OpenSSL, OpenSSH server, GNOME Keyring$( ((want_browser)) && echo ' and Chromium with pdftoppm') are installed."
  exit 0
fi

if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
  echo "setup: installing ${missing[*]} from Debian's packages..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's packages start their own services on the default ports; Lookout's harness uses
  # throw-away instances on free ports and does not need them.
  have_postgres || { echo "setup: PostgreSQL did not install" >&2; exit 1; }
  echo "setup: done."
  exit 0
fi

echo "setup: missing: ${missing[*]}" >&2
if command -v apt-get >/dev/null; then
  echo "setup: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
else
  echo "setup: install with your package manager: PostgreSQL 13+ server with contrib (pg_stat_statements), redis-server 6+, prometheus 2.x, openssh-server, gnome-keyring and dbus$( ((want_browser)) && echo ', chromium'); the binaries must be on PATH (PostgreSQL's in /usr/lib/postgresql/<major>/bin or PATH)." >&2
fi
exit 1
