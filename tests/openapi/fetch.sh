#!/usr/bin/env bash
# Fetches the published OpenAPI documents the tests and benchmarks use (issue 17), by pinned npm
# version and integrity, into BUILD_DIR/testdata/openapi/<package>@<version>/ (never committed):
#   @readme/oas-examples@7.2.1/{3.0,3.1}/{json,yaml}/petstore*.{json,yaml}
#   @octokit/openapi@18.0.0/generated/api.github.com.json   (GitHub's REST description, ~13 MB)
#   @octokit/openapi@19.0.0/generated/api.github.com.json   (the next major version: breaking changes)
# Idempotent and cached: a package already extracted is not fetched again. Usage: fetch.sh BUILD_DIR
set -euo pipefail
build="${1:?usage: fetch.sh BUILD_DIR}"
out="$build/testdata/openapi"
mkdir -p "$out"
# package@version  integrity (sha512 of the tarball, as the registry publishes it)  files to keep
pins=(
  "@readme/oas-examples@7.2.1 sha512-G6wjWVMzNYzHGGXWMIMfJ9vTc8fwQMIKzzZdM6TxRlcdVDAHVhIusKX9deRiV9g4oup3clEnxfXpRBuBMr5Cdg== package/3.0 package/3.1 package/package.json"
  "@octokit/openapi@18.0.0 sha512-N1khK+uLrWkyJ6J/kjYfhD4NnTsgU+xf1av6Ui9an5Z7Now5ZzUvUkKgymbmfGb+yjPHM/jQG2Ql4RWKw/AkpA== package/generated/api.github.com.json package/LICENSE"
  "@octokit/openapi@19.0.0 sha512-Uyrrd/61QM5L3ly4qzFAXQFLZjYPxDcPRC5psiZrAIZVjZVy0snsUCv7FgK94ego9TceaYyFm95xV53IVR4sEg== package/generated/api.github.com.json package/LICENSE"
)
for pin in "${pins[@]}"; do
  read -r spec integrity keep <<<"$pin"
  dir="$out/$spec"
  [ -f "$dir/.complete" ] && continue
  tmp="$(mktemp -d "$out/.fetch.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent --json "$spec" >pack.json 2>npm.log) || {
    echo "fetch.sh: npm pack $spec failed:" >&2; cat "$tmp/npm.log" >&2; exit 1; }
  tgz="$(ls "$tmp"/*.tgz)"
  got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [ "$got" != "$integrity" ]; then
    echo "fetch.sh: $spec has integrity $got, expected $integrity" >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  tar -xzf "$tgz" -C "$tmp" $keep
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$tmp/package" "$dir"
  touch "$dir/.complete"
  rm -rf "$tmp"
  trap - EXIT
done
