#!/usr/bin/env bash
# Fetches PostgreSQL's regression outputs (src/test/regress/expected/*.out and
# contrib/*/expected/*.out) from Debian's source packages of each major it can find, for the
# EXPLAIN corpus test (test/integration/explain-corpus.test.ts). They are PostgreSQL's text, so
# they are fetched, never committed. Each tarball is checked against the SHA-256 that Debian's
# Sources index gives for it. Idempotent: a major already fetched at that version is kept.
#
#   LOOKOUT_PG_REGRESS  where to keep them (default: ~/.cache/lookout/pg-regress)
set -euo pipefail

dest="${LOOKOUT_PG_REGRESS:-${XDG_CACHE_HOME:-$HOME/.cache}/lookout/pg-regress}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org}"
# Where each major may be: Debian's suites, newest first; the first that serves the tarball wins.
suites=(debian-security:bookworm-security debian:bookworm debian-security:bullseye-security debian:bullseye
  debian-security:trixie-security debian:trixie debian:sid)
majors=(13 14 15 16 17 18)

mkdir -p "$dest"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

index() { # archive suite -> the Sources index, cached for this run
  local file="$work/Sources.$2"
  [[ -f $file ]] || curl -fsS --max-time 60 "$mirror/$1/dists/$2/main/source/Sources.xz" | xz -d >"$file" 2>/dev/null || : >"$file"
  echo "$file"
}

got=()
for major in "${majors[@]}"; do
  pkg="postgresql-$major"
  done_major=0
  for entry in "${suites[@]}"; do
    archive=${entry%%:*} suite=${entry#*:}
    stanza=$(awk -v p="Package: $pkg" '$0 == p { on = 1 } on && /^$/ { exit } on' "$(index "$archive" "$suite")")
    [[ -n $stanza ]] || continue
    version=$(sed -n 's/^Version: //p' <<<"$stanza" | head -1)
    directory=$(sed -n 's/^Directory: //p' <<<"$stanza" | head -1)
    # The Checksums-Sha256 line of the upstream tarball: " <sha256> <size> <name>.orig.tar.<ext>".
    read -r sha _ tarball < <(sed -n '/^Checksums-Sha256:/,/^[^ ]/p' <<<"$stanza" | grep -E '^ [0-9a-f]{64} [0-9]+ .*\.orig\.tar\.[a-z0-9]+$' | head -1) || continue
    if [[ -f "$dest/$major/VERSION" && $(cat "$dest/$major/VERSION") == "$version" ]]; then
      got+=("$major ($version, kept)")
      done_major=1
      break
    fi
    if ! curl -fsS --max-time 300 -o "$work/$tarball" "$mirror/$archive/$directory/$tarball" 2>/dev/null; then
      continue
    fi
    if [[ $(sha256sum "$work/$tarball" | cut -d' ' -f1) != "$sha" ]]; then
      echo "fetch-pg-regress: $tarball does not match the SHA-256 of Debian's index; skipped" >&2
      continue
    fi
    rm -rf "${dest:?}/$major"
    mkdir -p "$dest/$major"
    tar -xf "$work/$tarball" -C "$dest/$major" --strip-components=1 --wildcards \
      '*/src/test/regress/expected/*.out' '*/contrib/*/expected/*.out'
    echo "$version" >"$dest/$major/VERSION"
    rm -f "$work/$tarball"
    got+=("$major ($version)")
    done_major=1
    break
  done
  ((done_major)) || echo "fetch-pg-regress: no source package of PostgreSQL $major could be fetched" >&2
done

if ((${#got[@]} == 0)); then
  echo "fetch-pg-regress: nothing fetched into $dest" >&2
  exit 1
fi
echo "fetch-pg-regress: PostgreSQL ${got[*]} in $dest"
