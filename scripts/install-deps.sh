#!/usr/bin/env bash
# Installs the Debian 12 packages Weft needs (see docs/design-architecture.md "Dependencies").
# Idempotent: does nothing and prints nothing when everything is already installed.
set -euo pipefail
PKGS=(g++ cmake make antlr4 libantlr4-runtime-dev libboost1.81-dev libboost-json1.81-dev
      libboost-url1.81-dev liblmdb-dev libssl-dev libspdlog-dev libgtest-dev graphviz
      ca-certificates tzdata neovim curl openssl python3 python3-junitparser)
PKGS+=(chromium)  # issue 15: the web console's browser tests (tests/e2e/console) drive it with playwright-core
PKGS+=(openjdk-17-jre-headless nginx-light)  # issue 14: WireMock (npm `wiremock` runs its jar on Java) and nginx for HTTPS in tests/e2e/standins
PKGS+=(libyaml-cpp-dev)  # issue 17: OpenAPI documents in YAML
PKGS+=(postgresql-15 libpq-dev)  # issue 16: the PostgreSQL store (libpq) and the server its tests start
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
