#!/usr/bin/env bash
# Validates deploy/ without a container engine or a cluster:
#  1. deploy/compose.yaml: `docker compose config` when the compose plugin exists, else the same
#     loader (compose-go: compose-spec schema, interpolation, merge, consistency) built from
#     deploy/tools/compose-validate with Go;
#  2. deploy/k8s/*.yaml: strict JSON-schema validation against the Kubernetes API schemas shipped
#     in the PyPI package kubernetes-validate (offline; pinned below), plus every kustomization
#     resource exists;
#  3. the mixwatch config in deploy/mixwatch.yaml and in the ConfigMap: the product's own loader.
# Prints one line per check and "N passed, N failed" at the end; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
K8S_VERSION="${K8S_VERSION:-1.33.0}"
pass=0
fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# Dummy values of the right form for the compose file's required variables.
envfile="$(mktemp)"
trap 'rm -f "$envfile"' EXIT
cat >"$envfile" <<'VARS'
MIXWATCH_SLACK_WEBHOOK_URL=
MIXWATCH_RPC_ETHEREUM=http://rpc.invalid:8545
MIXWATCH_HTTP_TOKEN=validate-only-token-0123456789abcdef
CLICKHOUSE_PASSWORD=validate-only
GRAFANA_ADMIN_PASSWORD=validate-only
VARS

# 1. compose
if docker compose version >/dev/null 2>&1; then
  if out=$(docker compose -f deploy/compose.yaml --env-file "$envfile" config -q 2>&1); then ok "compose: docker compose config"; else bad "compose: $out"; fi
else
  mkdir -p .tmp
  if (cd deploy/tools/compose-validate && go build -o ../../../.tmp/compose-validate .) 2>.tmp/compose-validate.build.log; then
    if out=$(.tmp/compose-validate -f deploy/compose.yaml --env-file "$envfile" -q 2>&1); then ok "$out (compose-go)"; else bad "$out"; fi
    # The validator must refuse a broken file (guards against a validator that accepts anything).
    broken="$(mktemp --suffix=.yaml)"
    sed 's/^services:/servics:/' deploy/compose.yaml >"$broken"
    if .tmp/compose-validate -f "$broken" --env-file "$envfile" -q >/dev/null 2>&1; then bad "compose: a broken file was accepted"; else ok "compose: a broken file is refused"; fi
    rm -f "$broken"
  else
    bad "compose: cannot build deploy/tools/compose-validate: $(tail -5 .tmp/compose-validate.build.log)"
  fi
fi

# 2. Kubernetes manifests
if ! command -v kubernetes-validate >/dev/null 2>&1; then
  bad "k8s: kubernetes-validate not installed (pip install kubernetes-validate==1.37.0)"
else
  for f in deploy/k8s/*.yaml; do
    case "$f" in */kustomization.yaml) continue ;; esac
    if out=$(kubernetes-validate --strict -k "$K8S_VERSION" --quiet --no-warn "$f" 2>&1) && [ -z "$out" ]; then
      ok "k8s: $f (Kubernetes $K8S_VERSION, strict)"
    else
      bad "k8s: $f: $out"
    fi
  done
  broken="$(mktemp --suffix=.yaml)"
  sed 's/containerPort: 9464/containerPort: "9464x"/' deploy/k8s/sink.yaml >"$broken"
  if kubernetes-validate --strict -k "$K8S_VERSION" --quiet --no-warn "$broken" >/dev/null 2>&1; then bad "k8s: a broken manifest was accepted"; else ok "k8s: a broken manifest is refused"; fi
  rm -f "$broken"
  missing=""
  for r in $(sed -n '/^resources:/,/^[a-z]/p' deploy/k8s/kustomization.yaml | sed -n 's/^  - //p'); do
    [ -f "deploy/k8s/$r" ] || missing="$missing $r"
  done
  if [ -z "$missing" ]; then ok "k8s: every kustomization resource exists"; else bad "k8s: kustomization lists missing files:$missing"; fi
fi

# 3. mixwatch configuration inside the deployments
while IFS= read -r line; do
  case "$line" in
    config*valid*) ok "$line" ;;
    *) bad "$line" ;;
  esac
done < <(node --import tsx deploy/tools/check-config.ts 2>&1)

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
