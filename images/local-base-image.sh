#!/usr/bin/env bash
# Makes a container base image from the JDK on this machine, for building the service images where no
# registry can be reached (CI here): jlink a JRE, add the few shared libraries it links against from this
# machine, and lay both out as one layer of a `docker save` tar, which Jib takes as `tar:///path`.
#
#   images/local-base-image.sh OUT.tar [JAVA_HOME]
#
# The image: /opt/java/openjdk (as in eclipse-temurin), JAVA_HOME and PATH set, no shell, no package
# manager; architecture of this machine. It is for checking the images (CI builds and inspects them),
# not for production, whose base is a Java 21 JRE from a registry (root pom.xml, `image.base`).
# Deterministic: the same JDK and libraries give the same bytes (sorted entries, fixed times and owners).
# Does nothing when OUT.tar exists and was made from the same JDK by this same script.
# Needs bash, GNU tar, sha256sum and ldd (Linux).
set -euo pipefail

out=${1:?usage: local-base-image.sh OUT.tar [JAVA_HOME]}
java_home=${2:-${JAVA_HOME:-}}
if [ -z "$java_home" ] || [ ! -x "$java_home/bin/jlink" ]; then
  echo "local-base-image: no jlink: pass a JDK as the second argument or set JAVA_HOME" >&2
  exit 1
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "local-base-image: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac

java_version=$("$java_home/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version/ {print $2}')
# what the tar is made from: when this changes, it is made again
stamp="script=$(sha256sum "$0" | cut -d' ' -f1) java=$java_home $java_version arch=$arch"
if [ -f "$out" ] && [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp" ]; then
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/opt/java" "$root/tmp" "$work/image"
chmod 1777 "$root/tmp"

# What the services need from the JDK: the Java SE modules (java.desktop for java.beans, java.sql,
# java.naming, java.security.sasl for SCRAM, ...) and the jdk.* modules that libraries use at run time.
wanted=(java.se jdk.unsupported jdk.management jdk.naming.dns jdk.crypto.ec jdk.crypto.cryptoki
  jdk.charsets jdk.localedata jdk.net jdk.zipfs jdk.jfr jdk.security.auth jdk.security.jgss jdk.httpserver)
available=$("$java_home/bin/java" --list-modules | sed 's/@.*//')
modules=()
for m in "${wanted[@]}"; do
  if grep -qx "$m" <<<"$available"; then modules+=("$m"); fi
done
"$java_home/bin/jlink" --add-modules "$(IFS=,; echo "${modules[*]}")" \
  --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
  --output "$root/opt/java/openjdk"

# The C libraries the JRE links against, from this machine (a jlinked JRE is not statically linked).
# Headless: the X11 and sound parts of java.desktop stay without their libraries (never loaded by the services).
libs=$( { find "$root/opt/java/openjdk" -type f \( -name '*.so' -o -path '*/bin/*' \) \
  ! -name 'libawt_xawt.so' ! -name 'libjawt.so' ! -name 'libjsound.so' ! -name 'libsplashscreen.so' -print0 \
  | xargs -0 ldd 2>/dev/null || true; } | awk '/=> \// {print $3} /^\s*\/.* \(0x/ {print $1}' | sort -u)
for lib in $libs; do
  case "$lib" in "$root"/*) continue ;; esac
  for path in "$lib" "$(readlink -f "$lib")"; do
    mkdir -p "$root$(dirname "$path")"
    cp -a "$path" "$root$path"
  done
done
# the dynamic loader, where programs expect it
interpreter=$(awk '/ld-linux/ {print $1; exit}' < <(ldd "$root/opt/java/openjdk/bin/java"))
if [ -n "$interpreter" ] && [ ! -e "$root$interpreter" ]; then
  mkdir -p "$root$(dirname "$interpreter")"
  cp -aL "$interpreter" "$root$interpreter"
fi
# a user and a group for the services' uid 65532 (nothing relies on the name; tools print it)
mkdir -p "$root/etc"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"

# entries without a leading ./ (as `docker save` writes them; Jib refuses ./ in the outer tar)
tar_c() { (cd "$1" && shift && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu "$@"); }
tar_c "$root" -cf "$work/image/layer.tar" $(cd "$root" && ls -A)
layer_sha=$(sha256sum "$work/image/layer.tar" | cut -d' ' -f1)
mkdir -p "$work/image/$layer_sha"
mv "$work/image/layer.tar" "$work/image/$layer_sha/layer.tar"

cat > "$work/image/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["JAVA_HOME=/opt/java/openjdk","PATH=/opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin","LANG=C.UTF-8"],
  "WorkingDir":"/","Labels":{"org.opencontainers.image.title":"local JRE base (CI only)","org.opencontainers.image.version":"$java_version"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$layer_sha"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"images/local-base-image.sh (jlink $java_version)"}]}
EOF
config_sha=$(sha256sum "$work/image/config.json" | cut -d' ' -f1)
mv "$work/image/config.json" "$work/image/$config_sha.json"
printf '[{"Config":"%s.json","RepoTags":["chat/local-jre:%s"],"Layers":["%s/layer.tar"]}]\n' \
  "$config_sha" "${java_version%%+*}" "$layer_sha" > "$work/image/manifest.json"

mkdir -p "$(dirname "$out")"
tar_c "$work/image" -cf "$out.partial" manifest.json "$config_sha.json" "$layer_sha"
mv "$out.partial" "$out"
echo "$stamp" > "$out.stamp"
echo "local-base-image: $out ($(du -h "$out" | cut -f1), Java $java_version, $arch)"
